// `npm start` in development with no GビズID configured: the stand-in runs inside the same
// process on a port of its own, and the business login works out of the box against it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser } from '../../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';
import { createTestApp, type TestApp } from '../../../../test/helpers/test-database.ts';
import { loadConfig } from '../../../platform/config.ts';
import { linkOf, logInAs } from './gbizid-helpers.ts';

describe('GビズID stand-in inside a development server', () => {
  let app: TestApp;
  let base: string;
  let standinUrl: string;

  before(async () => {
    const port = await freePort(3890, 3895);
    const standinPort = await freePort(3895, 3900);
    base = `http://127.0.0.1:${port}`;
    standinUrl = `http://127.0.0.1:${standinPort}`;
    // What a development start gets from an environment without any TSUNAGU_GBIZID_ISSUER.
    const gbizid = loadConfig({ NODE_ENV: 'development', PORT: String(port), TSUNAGU_GBIZID_STANDIN_PORT: String(standinPort) }).gbizid;
    assert.equal(gbizid.standin, true);
    app = await createTestApp({ config: { publicUrl: base, port, host: '127.0.0.1', smtpUrl: undefined, gbizid } });
    await app.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => app?.close());

  it('the login page should say that the button leads to a test stand-in', async () => {
    const response = await new CookieBrowser().request(`${base}/business/login`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /本物のGビズIDではなく試験用の代用品（GビズID stand-in）/);
  });

  it('a business should log in through the stand-in started on the first login', async () => {
    const browser = new CookieBrowser();
    const done = await logInAs(browser, base, 'standin-abukuma-member');
    assert.ok(done.visited.some((u) => u.startsWith(`${standinUrl}/`)), done.visited.join(' → '));
    assert.equal(done.location, `${base}/`);
    const link = (await linkOf(app, 'standin-abukuma-member'))!;
    assert.equal(link.issuer, standinUrl, 'the stand-in is recorded as the issuer, never as GビズID');
    assert.equal(link.representative, false);
    const me = await fetch(`${base}/api/v1/me`, { headers: { cookie: `tsn_session=${browser.cookie(base, 'tsn_session')}` } });
    assert.equal(((await me.json()) as { account: { business: { corporateNumber: string } } }).account.business.corporateNumber, '7999901000001');
  });

  it('the stand-in should publish GビズID-like discovery: code flow with PKCE S256, GビズID scopes', async () => {
    await new CookieBrowser().request(`${base}/business/login/start`); // starts it, if no test did yet
    const response = await fetch(`${standinUrl}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as Record<string, string[] | string>;
    assert.equal(doc.issuer, standinUrl);
    assert.deepEqual(doc.response_types_supported, ['code']);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual([...(doc.scopes_supported as string[])].sort(), ['email', 'openid', 'profile', 'user']);
  });
});
