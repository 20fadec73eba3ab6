// Shared by the GビズID tests: walking a browser through the stand-in's login, and reading what
// Tsunagu recorded.
import assert from 'node:assert/strict';
import type { CookieBrowser } from '../../../../test/helpers/cookie-browser.ts';
import type { TestApp } from '../../../../test/helpers/test-database.ts';
import type { GbizidSettings } from '../../../platform/config.ts';
import { identityDb } from '../../db/schema.ts';
import { STANDIN_NAME } from '../standin/standin-pages.tsx';

export const CALLBACK = '/business/login/callback';

/** Starts a business login and stops on the stand-in's page, returning its form's absolute action URL. */
export async function toStandinLoginPage(browser: CookieBrowser, base: string, returnTo = '/') {
  const start = await browser.follow(`${base}/business/login/start?return=${encodeURIComponent(returnTo)}`);
  assert.equal(start.response?.status, 200, `the stand-in's login page (visited ${start.visited.join(' → ')})`);
  const html = await start.response!.text();
  assert.ok(html.includes(STANDIN_NAME), 'the page says it is the stand-in');
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  assert.ok(action, 'a login form');
  return { action: new URL(action, start.location).href, visited: start.visited };
}

/** Picks `sub` on the stand-in and follows the redirects back until Tsunagu's callback URL. */
export async function callbackFor(browser: CookieBrowser, base: string, sub: string, returnTo = '/') {
  const { action } = await toStandinLoginPage(browser, base, returnTo);
  const back = await browser.follow(action, { form: { user: sub, action: 'login' }, stop: (url) => url.startsWith(`${base}${CALLBACK}`) });
  assert.ok(back.location.startsWith(`${base}${CALLBACK}?`), `back at the callback (visited ${back.visited.join(' → ')})`);
  return back.location;
}

// Back on Tsunagu's own pages, past the callback.
const backOnSite = (base: string, url: string) => url.startsWith(`${base}/`) && !url.startsWith(`${base}${CALLBACK}`);

/** Settings for a real (external) issuer at `issuer`. */
export function externalIssuer(issuer: string | undefined, client: { clientId: string; clientSecret: string } | undefined, timeoutSeconds = 10): GbizidSettings {
  return { issuer, clientId: client?.clientId, clientSecret: client?.clientSecret, timeoutSeconds, standin: false, standinPort: 1 };
}

/** The whole login as `sub`: returns the last response and where the browser ended. */
export async function logInAs(browser: CookieBrowser, base: string, sub: string, returnTo = '/') {
  const { action, visited } = await toStandinLoginPage(browser, base, returnTo);
  const back = await browser.follow(action, { form: { user: sub, action: 'login' }, stop: (url) => backOnSite(base, url) });
  return { ...back, visited: [...visited, ...back.visited] };
}

export async function linkOf(app: TestApp, subject: string) {
  return identityDb(app.ctx.db).selectFrom('identity_gbizid_links').selectAll().where('subject', '=', subject).executeTakeFirst();
}

export async function auditActions(app: TestApp, since = 0) {
  const rows = await app.ctx.db.selectFrom('platform_audit_events').select(['seq', 'action', 'details', 'subject']).where('seq', '>', since).orderBy('seq').execute();
  return rows;
}

export async function lastAuditSeq(app: TestApp): Promise<number> {
  const row = await app.ctx.db.selectFrom('platform_audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(row?.seq ?? 0);
}
