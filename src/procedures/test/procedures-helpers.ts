// Shared by the procedures tests: a real server with the demo catalog (the test database is
// seeded, so 会津若松市 and 郡山市 have their procedures and navigations), staff tokens with a
// role at one scope, and small readers for HTML answers.
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';

export interface ProceduresWorld {
  app: TestApp;
  base: string;
  adminToken: string;
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  page(path: string, headers?: Record<string, string>): Promise<{ status: number; text: string; location: string | null }>;
  close(): Promise<void>;
}

/** `ports`: a range of its own per test file, as test files run in parallel. */
export async function startWorld(ports: [number, number]): Promise<ProceduresWorld> {
  const { app, base } = await createListeningTestApp(ports);
  const adminToken = await platformAdminToken(app);
  const api: ProceduresWorld['api'] = async (method, path, body, token = adminToken, headers = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const page: ProceduresWorld['page'] = async (path, headers = {}) => {
    const response = await fetch(`${base}${path}`, { redirect: 'manual', headers: { accept: 'text/html', ...headers } });
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  return { app, base, adminToken, api, page, close: () => app.close() };
}

/** An operator token holding `role` for one municipality (or the prefecture when lgCode is the prefecture's). */
export async function staffToken(world: ProceduresWorld, role: string, lgCode: string): Promise<string> {
  const issued = await issueApiToken(world.app.ctx.db, { name: `${role} ${lgCode}`, createdBy: 'system' });
  const scope = lgCode === '070009' ? { level: 'prefecture' as const, prefectureCode: '070009' } : { level: 'municipality' as const, prefectureCode: '070009', lgCode };
  await grantRole(world.app.ctx, system, { principalId: issued.principalId, role, scope }, { ip: null, requestId: null });
  return issued.token;
}

/** Links to procedure pages on an HTML page, in order ("072028/tennyu-todoke"). */
export function procedureLinks(html: string): string[] {
  return [...html.matchAll(/href="\/procedures\/([0-9]{6}\/[a-z0-9-]+)"/g)].map((m) => m[1]!);
}

/** The text of the main element without tags (for phrases a person reads). */
export function mainText(html: string): string {
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? '';
  return main.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

export const count = (html: string, pattern: RegExp) => [...html.matchAll(new RegExp(pattern.source, 'g'))].length;

type Form = Record<string, string | string[]>;

/** A page of the server at `base` over real HTTP: status, HTML, redirect and the cookies it set. */
export async function htmlPage(base: string, path: string, cookie: string, form?: Form) {
  const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((x) => [k, x]))).toString() : undefined;
  const response = await fetch(new URL(path, base), { method: form ? 'POST' : 'GET', redirect: 'manual', headers: { accept: 'text/html', cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body });
  return { status: response.status, text: await response.text(), location: response.headers.get('location'), cookies: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
}

/** A resident who signed up, with their cookie jar (session and CSRF secret) and ways to post forms. */
export async function signedInResident(app: TestApp, base: string, email: string) {
  const { accountId, sessionToken } = await registerResident(app, email);
  let cookie = `tsn_session=${sessionToken}`;
  const get = async (path: string) => {
    const got = await htmlPage(base, path, cookie);
    if (got.cookies) cookie = `${cookie}; ${got.cookies}`;
    return got;
  };
  const post = (path: string, csrf: string, form: Form) => htmlPage(base, path, cookie, { _csrf: csrf, ...form });
  /** GET a page and post its form back with `form` (the page's CSRF token). */
  const submitOn = async (path: string, action: string, form: Form) => post(action, hiddenField((await get(path)).text, '_csrf'), form);
  /** The cookies so far, for a request these helpers do not make (a multipart post). */
  const cookies = () => cookie;
  return { accountId, sessionToken, cookies, get, post, submitOn };
}
