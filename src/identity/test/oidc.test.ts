// The OpenID Provider as a relying party uses it: openid-client (a certified RP library) against
// the real server over HTTP, with a cookie-keeping client for the browser's part.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { logInWithPassword } from '../accounts/log-in.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { ProfileStore } from '../profile/profile.ts';
import { identityOf, lastMailTo, linkToken, meta } from './identity-helpers.ts';

const REDIRECT = 'https://service.example.jp/callback';

describe('OpenID Provider (common ID single sign-on)', () => {
  let app: TestApp;
  let base: string;
  let adminToken: string;

  before(async () => {
    ({ app, base } = await createListeningTestApp([3700, 3800]));
    adminToken = await platformAdminToken(app);
  });
  after(async () => app?.close());

  async function api(method: string, path: string, body?: unknown, token = adminToken) {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function registerClient(extra: Record<string, unknown> = {}) {
    const created = await api('POST', '/api/v1/oidc-clients', { lgCode: '072036', name: { ja: '子育て応援アプリ', en: 'Child-rearing support' }, redirectUris: [REDIRECT], grantTypes: ['authorization_code', 'refresh_token'], scope: 'openid profile kana residence offline_access', ...extra });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const config = await oidc.discovery(new URL(base), created.body.clientId, created.body.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    return { config, clientId: created.body.clientId as string };
  }

  /** A resident who registered, with a profile, signed in to the City OS in `browser`. */
  async function residentIn(browser: CookieBrowser, email: string) {
    const id = identityOf(app);
    await signUpResident(id, { email, password: 'long-enough-password' }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    const account = (await id.accounts.findByEmail(id.db, 'resident', email))!;
    await new ProfileStore(app.ctx.sealer).save(id.db, account.id, {
      personal: { familyName: '髙橋', givenName: '𠮷子', familyNameKana: 'タカハシ', givenNameKana: 'ヨシコ', birthDate: '1988-04-01', postalCode: '965-0000', addressLine: '追手町1-1', phone: '', household: [] },
      residenceLgCode: '072028', workplaceLgCode: '072036', language: 'ja', contact: {},
    }, null);
    browser.setCookie(base, 'tsn_session', verified.sessionToken);
    return account.id;
  }

  async function authorize(browser: CookieBrowser, config: oidc.Configuration, params: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid profile kana residence offline_access', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...params });
    const first = await browser.follow(url.href, { stop: (u) => u.startsWith(REDIRECT) });
    return { verifier, state, ...first };
  }

  it('discovery should describe the provider at /.well-known/openid-configuration', async () => {
    const response = await fetch(`${base}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as Record<string, any>;
    assert.equal(doc.issuer, base);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.ok(doc.acr_values_supported.includes('urn:tsunagu:loa:A'));
    assert.ok(doc.introspection_endpoint && doc.end_session_endpoint && doc.jwks_uri);
    const jwks = (await (await fetch(doc.jwks_uri)).json()) as { keys: Array<Record<string, unknown>> };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.d, undefined, 'the private part is never published');
  });

  it('a signed-in resident should consent once, then the service gets tokens, claims and a refresh token', async () => {
    const { config } = await registerClient();
    const browser = new CookieBrowser();
    const accountId = await residentIn(browser, 'sso@example.jp');
    // offline_access (a refresh token) is granted only on an explicit consent prompt (OIDC Core §11).
    const { response, verifier, state } = await authorize(browser, config, { prompt: 'consent' });
    assert.equal(response?.status, 200, 'the consent page');
    const html = await response!.text();
    assert.match(html, /子育て応援アプリ にあなたの情報を提供しますか/);
    assert.match(html, /氏名のフリガナ/);
    const consent = await browser.follow(`${base}${/action="([^"]+\/consent)"/.exec(html)![1]}`, { form: { _csrf: hiddenField(html, '_csrf'), decision: 'allow' }, stop: (u) => u.startsWith(REDIRECT) });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(consent.location), { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, accountId);
    assert.equal(claims.acr, 'urn:tsunagu:loa:C');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, accountId);
    assert.equal(info.family_name, '髙橋');
    assert.equal(info.given_name, '𠮷子');
    assert.equal(info['family_name#ja-Kana-JP'], 'タカハシ');
    assert.equal(info.residence_lg_code, '072028');
    assert.equal(info.birthdate, undefined, 'birthdate was not asked for');
    assert.ok(tokens.refresh_token);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token && refreshed.refresh_token !== tokens.refresh_token, 'refresh tokens rotate');
    const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, accountId);

    // Second time: the grant exists, so the browser goes straight back with a code.
    const again = await authorize(browser, config, { scope: 'openid profile kana residence' });
    assert.ok(again.location.startsWith(REDIRECT) && again.location.includes("code="), again.visited.join(" → ") + " " + again.response?.status);
  });

  it('a second service should not ask the signed-in resident to log in again (SSO)', async () => {
    const first = await registerClient({ scope: 'openid' });
    const second = await registerClient({ scope: 'openid' });
    const browser = new CookieBrowser();
    await residentIn(browser, 'two-services@example.jp');
    for (const { config } of [first, second]) {
      const result = await authorize(browser, config, { scope: 'openid' });
      assert.ok(result.location.startsWith(`${REDIRECT}?code=`), result.visited.join(' → '));
      assert.ok(!result.visited.some((u) => u.includes('/login')), 'no login page on the way');
    }
  });

  it('a browser without a City OS session should be sent to the login page', async () => {
    const { config } = await registerClient({ scope: 'openid' });
    const result = await authorize(new CookieBrowser(), config, { scope: 'openid' });
    assert.match(result.visited.at(-1)!, /\/login\?return=%2Foidc%2Finteraction%2F/);
  });

  it('a newcomer sent by a service should register, confirm the mail and land back at the service', async () => {
    const { config } = await registerClient({ scope: 'openid' });
    const browser = new CookieBrowser();
    const { location: loginPage, verifier, state } = await authorize(browser, config, { scope: 'openid' });
    const back = new URL(loginPage).searchParams.get('return')!;
    const signup = await browser.request(`${base}/signup?return=${encodeURIComponent(back)}`);
    const html = await signup.text();
    assert.match(html, new RegExp(`name="return" value="${back}"`));
    const posted = await browser.follow(`${base}/signup`, { form: { _csrf: hiddenField(html, '_csrf'), return: back, email: 'newcomer@example.jp', password: 'a-long-secret-phrase' } });
    assert.match(posted.location, /\/signup\/check-email$/, `${posted.response?.status} ${await posted.response?.text()}`);
    const link = (await lastMailTo(app, 'newcomer@example.jp')).text.match(/https?:\/\/\S+/)![0];
    assert.match(link, /return=%2Foidc%2Finteraction%2F/);
    const confirm = await browser.request(link.replace(base, base));
    const confirmHtml = await confirm.text();
    const done = await browser.follow(`${base}/signup/verify`, { form: { _csrf: hiddenField(confirmHtml, '_csrf'), token: hiddenField(confirmHtml, 'token'), return: back }, stop: (u) => u.startsWith(REDIRECT) });
    assert.ok(done.location.startsWith(`${REDIRECT}?code=`), done.visited.join(' → '));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location), { pkceCodeVerifier: verifier, expectedState: state });
    assert.ok(tokens.claims()!.sub);
  });

  it('a service asking for level A should get a step-up (the card), not a level-C session', async () => {
    const { config } = await registerClient({ scope: 'openid' });
    const browser = new CookieBrowser();
    await residentIn(browser, 'step-up@example.jp');
    const result = await authorize(browser, config, { scope: 'openid', acr_values: 'urn:tsunagu:loa:A' });
    assert.ok(result.visited.some((u) => /\/login\/step-up\?level=A&return=/.test(u)), result.visited.join(' → '));
    assert.match(result.visited.at(-1)!, /\/login\/card\?return=%2Foidc%2Finteraction%2F/, 'the card page, which comes back to the service');
  });

  it('declining consent should send the service access_denied', async () => {
    const { config } = await registerClient();
    const browser = new CookieBrowser();
    await residentIn(browser, 'decline@example.jp');
    const { response } = await authorize(browser, config);
    const html = await response!.text();
    const result = await browser.follow(`${base}${/action="([^"]+\/consent)"/.exec(html)![1]}`, { form: { _csrf: hiddenField(html, '_csrf'), decision: 'deny' }, stop: (u) => u.startsWith(REDIRECT) });
    assert.match(result.location, /error=access_denied/);
  });

  it('an authorization request without PKCE or with an unregistered redirect URI should be refused', async () => {
    const { config, clientId } = await registerClient({ scope: 'openid' });
    const browser = new CookieBrowser();
    await residentIn(browser, 'pkce@example.jp');
    const noPkce = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', state: 'x' });
    const refused = await browser.follow(noPkce.href, { stop: (u) => u.startsWith(REDIRECT) });
    assert.match(refused.location, /error=invalid_request/);
    const wrongRedirect = `${base}/oidc/auth?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`;
    const page = await browser.follow(wrongRedirect);
    assert.equal(page.response?.status, 400, 'never redirected to an unregistered URI');
    assert.match(await page.response!.text(), /redirect_uri/);
  });

  it('after "log out everywhere" a service should send the resident through login again', async () => {
    const { config } = await registerClient({ scope: 'openid' });
    const browser = new CookieBrowser();
    const accountId = await residentIn(browser, 'everywhere@example.jp');
    assert.ok((await authorize(browser, config, { scope: 'openid' })).location.startsWith(REDIRECT));
    await identityOf(app).sessions.revokeAll(identityOf(app).db, accountId);
    const result = await authorize(browser, config, { scope: 'openid' });
    assert.match(result.visited.at(-1)!, /\/login\?return=/);
  });

  it('a client-credentials token should act as the service, with the roles staff gave it, and stop when the service is suspended', async () => {
    const created = await api('POST', '/api/v1/oidc-clients', { lgCode: '072010', name: { ja: '河川水位センサー連携', en: 'River level feed' }, grantTypes: ['client_credentials'] });
    assert.equal(created.status, 201);
    const config = await oidc.discovery(new URL(base), created.body.clientId, created.body.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    await grantRole(app.ctx, system, { principalId: created.body.principalId, role: 'data_publisher', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072010' } }, { ip: null, requestId: null });
    const tokens = await oidc.clientCredentialsGrant(config);
    const me = await api('GET', '/api/v1/me', undefined, tokens.access_token);
    assert.equal(me.status, 200);
    assert.equal(me.body.principalId, created.body.principalId);
    assert.deepEqual(me.body.roles.map((r: { role: string }) => r.role), ['data_publisher']);

    assert.equal((await api('PATCH', `/api/v1/oidc-clients/${created.body.clientId}`, { status: 'suspended' })).status, 200);
    assert.equal((await api('GET', '/api/v1/me', undefined, tokens.access_token)).status, 401, 'a suspended service\'s token stops working');
    await assert.rejects(oidc.clientCredentialsGrant(config), (e: { error?: string }) => e.error === 'invalid_client');
  });

  it('registering a service should need prefecture staff and valid URIs', async () => {
    const bad = await api('POST', '/api/v1/oidc-clients', { lgCode: '072036', name: { ja: 'x', en: 'x' }, redirectUris: ['http://service.example.jp/cb'], grantTypes: ['authorization_code'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'TSN_IDENTITY_INVALID_CLIENT');
    assert.equal(bad.body.errors[0].name, '/redirectUris/0');
    const municipal = await issueApiToken(app.ctx.db, { name: '郡山市 管理', createdBy: 'system' });
    await grantRole(app.ctx, system, { principalId: municipal.principalId, role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }, { ip: null, requestId: null });
    const refused = await api('POST', '/api/v1/oidc-clients', { lgCode: '072036', name: { ja: 'x', en: 'x' }, redirectUris: [REDIRECT], grantTypes: ['authorization_code'] }, municipal.token);
    assert.equal(refused.status, 403);
    const listed = await api('GET', '/api/v1/oidc-clients', undefined, municipal.token);
    assert.ok(listed.body.items.length > 0 && listed.body.items.every((c: { lgCode: string }) => c.lgCode === '072036'), 'a municipality sees only its own services');
  });

  it('a password login should also be a City OS session a service accepts', async () => {
    const { config } = await registerClient({ scope: 'openid' });
    const id = identityOf(app);
    const browser = new CookieBrowser();
    await residentIn(new CookieBrowser(), 'pw@example.jp');
    const login = await logInWithPassword(id, { kind: 'resident', email: 'pw@example.jp', password: 'long-enough-password' }, meta);
    assert.equal(login.outcome, 'signed_in');
    browser.setCookie(base, 'tsn_session', (login as { sessionToken: string }).sessionToken);
    assert.ok((await authorize(browser, config, { scope: 'openid' })).location.startsWith(`${REDIRECT}?code=`));
  });
});
