// The child-rearing app as its own process against the real City OS (OpenID Provider, token
// endpoint) and a real demo provider. The City OS's gateway and consent-request API are stood in
// for by a small server here (the app's --api-url), so this file tests the app's side of the
// contract: the calls it makes, and what the resident sees for each answer.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { identityOf, registerResident } from '../../identity/test/identity-helpers.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { spawnDemoProcess, type DemoProcess } from '../spawn-demo-process.ts';
import { todayInJapan } from '../service/record-view.ts';

const PROVIDER_TOKEN = 'service-test-provider-token';

type GatewayMode = 'pass' | 'consent-required' | 'suspended' | 'not-linked' | 'timeout' | 'network';

/** What the stand-in gateway saw, and how it answers next. */
interface StandIn {
  url: string;
  mode: GatewayMode;
  gatewayCalls: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  consentRequests: Array<{ headers: http.IncomingHttpHeaders; body: Record<string, any> }>;
  close(): Promise<void>;
}

/**
 * The gateway's part in small: 'pass' forwards to the provider (the resident's id found by match)
 * and keeps only the items asked for, like the real gateway; the other modes answer as the
 * real one does for a missing consent, a suspended service, a provider timeout, a broken link.
 */
async function startStandIn(port: number, issuer: string, provider: DemoProcess): Promise<StandIn> {
  const standIn: StandIn = { url: `http://127.0.0.1:${port}`, mode: 'consent-required', gatewayCalls: [], consentRequests: [], close: async () => {} };
  // Problems as the City OS writes them: code TSN_GATEWAY_<REASON>, type /problems/gateway-<reason>.
  const problem = (res: http.ServerResponse, status: number, reason: string) =>
    res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: `/problems/gateway-${reason.toLowerCase().replaceAll('_', '-')}`, status, code: `TSN_GATEWAY_${reason}`, title: reason }));
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', standIn.url);
    if (req.method === 'POST' && url.pathname === '/api/v1/consent-requests') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      standIn.consentRequests.push({ headers: req.headers, body });
      const id = `cr-${standIn.consentRequests.length}`;
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'pending', url: `${issuer}/consent-requests/${id}`, expiresAt: new Date(Date.now() + 600_000).toISOString() }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/gateway/maternal-child-health/v1/record') {
      standIn.gatewayCalls.push({ url: url.href, headers: req.headers });
      if (standIn.mode === 'network') return req.socket.destroy();
      if (standIn.mode === 'consent-required') return problem(res, 403, 'CONSENT_REQUIRED');
      if (standIn.mode === 'suspended') return problem(res, 403, 'SERVICE_SUSPENDED');
      if (standIn.mode === 'not-linked') return problem(res, 403, 'NOT_LINKED');
      if (standIn.mode === 'timeout') return problem(res, 504, 'PROVIDER_TIMEOUT');
      const auth = { authorization: `Bearer ${PROVIDER_TOKEN}`, 'content-type': 'application/json' };
      const match = await fetch(`${provider.url}/v1/residents/match`, { method: 'POST', headers: auth, body: JSON.stringify({ name: '山﨑　花子', dateOfBirth: '1992-11-30', address: '福島県会津若松市見本町四丁目５番６号', sex: 'female' }) });
      const { residentId } = (await match.json()) as { residentId: string };
      const record = (await (await fetch(`${provider.url}/v1/record`, { headers: { ...auth, 'tsunagu-resident-id': residentId } })).json()) as Record<string, unknown>;
      const items = new Set((url.searchParams.get('items') ?? '').split(','));
      const filtered = Object.fromEntries(Object.entries(record).filter(([key]) => items.has(key)));
      res.writeHead(200, { 'content-type': 'application/json', 'tsunagu-consent': 'consent-0001' }).end(JSON.stringify(filtered));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  standIn.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return standIn;
}

describe('demo service 子育て応援アプリ (a real OIDC client in its own process)', () => {
  let app: TestApp;
  let base: string;
  let adminToken: string;
  let clientId: string;
  let provider: DemoProcess;
  let service: DemoProcess;
  let serviceUrl: string;
  let standIn: StandIn;
  let accountId: string;
  const browser = new CookieBrowser();

  before(async () => {
    ({ app, base } = await createListeningTestApp([4200, 4250]));
    adminToken = await platformAdminToken(app);

    provider = await spawnDemoProcess({ entry: 'provider', args: ['--provider', 'maternal-child-health', '--port', String(await freePort(4250, 4270))], env: { TSUNAGU_PROVIDER_TOKEN: PROVIDER_TOKEN } });
    standIn = await startStandIn(await freePort(4270, 4290), base, provider);

    const servicePort = await freePort(4290, 4300);
    serviceUrl = `http://127.0.0.1:${servicePort}`;
    const created = await api('POST', '/api/v1/oidc-clients', {
      lgCode: '072028',
      name: { ja: '子育て応援アプリ', en: 'Child-rearing support app' },
      redirectUris: [`${serviceUrl}/callback`, `${serviceUrl}/consent/callback`],
      postLogoutRedirectUris: [`${serviceUrl}/`],
      grantTypes: ['authorization_code', 'client_credentials'],
      scope: 'openid profile gateway',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    clientId = created.body.clientId;
    service = await spawnDemoProcess({
      entry: 'service',
      args: ['--port', String(servicePort), '--issuer', base, '--public-url', serviceUrl, '--api-url', standIn.url],
      env: { KOSODATE_CLIENT_ID: clientId, KOSODATE_CLIENT_SECRET: created.body.clientSecret },
    });
  });

  after(async () => {
    await service?.stop();
    await standIn?.close();
    await provider?.stop();
    await app?.close();
  });

  async function api(method: string, path: string, body?: unknown, token = adminToken) {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  /** 山﨑 花子 with an account and a City OS session in `browser` (the card login is tested elsewhere). */
  async function hanakoSignedInToCityOs() {
    const id = identityOf(app);
    const { accountId, sessionToken } = await registerResident(app, 'hanako@example.jp');
    await new ProfileStore(app.ctx.sealer).save(id.db, accountId, {
      personal: { familyName: '山﨑', givenName: '花子', familyNameKana: 'ヤマザキ', givenNameKana: 'ハナコ', birthDate: '1992-11-30', postalCode: '965-0000', addressLine: '見本町四丁目５番６号', phone: '', household: [] },
      residenceLgCode: '072028', workplaceLgCode: '072028', language: 'ja', contact: {},
    }, null);
    browser.setCookie(base, 'tsn_session', sessionToken);
    return accountId;
  }

  const page = async (path: string) => {
    const response = await browser.request(`${serviceUrl}${path}`);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  const post = async (path: string, html: string) => {
    const response = await browser.request(`${serviceUrl}${path}`, { form: { _csrf: hiddenField(html, '_csrf') } });
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };

  it('the landing page should be in Japanese, with a login link that starts the code flow with PKCE at the issuer', async () => {
    const landing = await page('/');
    assert.equal(landing.status, 200);
    assert.match(landing.html, /^<!DOCTYPE html><html lang="ja">/);
    assert.match(landing.html, /<h1>[^<]+<\/h1>/);
    assert.match(landing.html, /<a class="button" href="\/login" id="login">つなぐIDでログイン<\/a>/);
    assert.match(landing.html, /<link rel="stylesheet" href="\/assets\/kosodate.css"\/>/);
    assert.doesNotMatch(landing.html, /https?:\/\/(?!127\.0\.0\.1)/, 'no external resources');
    assert.equal((await fetch(`${serviceUrl}/assets/kosodate.css`)).status, 200);
    assert.match((await page('/?lang=en')).html, /<html lang="en">[\s\S]*Log in with Tsunagu ID/);
    assert.match((await page('/?lang=ja')).html, /<html lang="ja">/);

    const login = await browser.request(`${serviceUrl}/login`);
    assert.equal(login.status, 303);
    const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string };
    const target = new URL(login.headers.get('location')!);
    assert.equal(`${target.origin}${target.pathname}`, discovery.authorization_endpoint);
    assert.equal(target.searchParams.get('client_id'), clientId);
    assert.equal(target.searchParams.get('response_type'), 'code');
    assert.equal(target.searchParams.get('redirect_uri'), `${serviceUrl}/callback`);
    assert.equal(target.searchParams.get('scope'), 'openid profile');
    assert.equal(target.searchParams.get('code_challenge_method'), 'S256');
    assert.match(target.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((target.searchParams.get('state') ?? '').length >= 16);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('kosodate_session='));
    assert.match(cookie ?? '', /HttpOnly/i);
    assert.match(cookie ?? '', /SameSite=Lax/i);
  });

  it('the resident should log in with the City OS and see their name from the ID token and userinfo', async () => {
    accountId = await hanakoSignedInToCityOs();
    let result = await browser.follow(`${serviceUrl}/login`);
    const html = await result.response!.text();
    if (result.location.startsWith(base) && /action="([^"]+\/consent)"/.test(html)) {
      // The City OS asks once whether to give this service the profile.
      result = await browser.follow(`${base}${/action="([^"]+\/consent)"/.exec(html)![1]}`, { form: { _csrf: hiddenField(html, '_csrf'), decision: 'allow' } });
    }
    assert.equal(result.location, `${serviceUrl}/`, result.visited.join(' → '));
    const home = await page('/');
    assert.match(home.html, /こんにちは、山﨑 花子さん/);
    assert.match(home.html, /お子さんの健診・予防接種の記録を見る/);
  });

  it('without a consent the app should ask the City OS for one, for its sub, and send the resident there', async () => {
    standIn.mode = 'consent-required';
    const home = await page('/');
    const clicked = await post('/records', home.html);
    assert.equal(clicked.status, 303);
    assert.equal(clicked.location, `${base}/consent-requests/cr-1`);
    const call = standIn.gatewayCalls.at(-1)!;
    assert.equal(new URL(call.url).search, '?items=checkups,vaccinations,growth');
    assert.equal(call.headers['tsunagu-subject'], accountId);
    assert.equal(call.headers['tsunagu-purpose'], 'checkup-reminders');
    // The bearer token is a real client-credentials token of this service at the City OS.
    const me = await api('GET', '/api/v1/me', undefined, String(call.headers.authorization).replace(/^Bearer /, ''));
    assert.equal(me.body.principalId, `client:${clientId}`);
    const asked = standIn.consentRequests.at(-1)!;
    assert.equal(asked.headers.authorization, call.headers.authorization, 'one cached token for both calls');
    const { state, ...rest } = asked.body;
    assert.deepEqual(rest, { subject: accountId, provider: 'maternal-child-health', items: ['checkups', 'vaccinations', 'growth'], purpose: 'checkup-reminders', retentionDays: 30, validDays: 365, returnUri: `${serviceUrl}/consent/callback` });
    assert.ok(typeof state === 'string' && state.length >= 16);
  });

  it('an approval coming back should show the records in tables, with the next due dates marked and the consent id', async () => {
    const { state } = standIn.consentRequests.at(-1)!.body;
    const forged = await page(`/consent/callback?consent_request=cr-1&status=approved&state=not-the-state`);
    assert.equal(forged.status, 400, 'an answer to someone else\'s request is ignored');
    standIn.mode = 'pass';
    const back = await page(`/consent/callback?consent_request=cr-1&status=approved&state=${state}`);
    assert.equal(back.status, 303);
    assert.equal(back.location, '/records');
    const records = await page('/records');
    assert.equal(records.status, 200);
    for (const caption of ['乳幼児健診の記録', '予防接種の記録', '身長・体重の記録']) assert.match(records.html, new RegExp(`<caption>${caption}`));
    assert.match(records.html, /<th scope="col">次回の予定<\/th>/);
    assert.match(records.html, /<th scope="row">2026年9月28日<\/th><td lang="ja">山﨑　結衣<\/td><td lang="ja">水痘<\/td>/);
    // The demo data's dates are fixed; past the next varicella dose's date it is no longer "upcoming".
    const varicellaNext = /<strong class="due"><span class="due-tag">予定<\/span> 2027年3月28日<\/strong>/;
    if (todayInJapan() <= '2027-03-28') assert.match(records.html, varicellaNext, 'the next varicella dose is marked');
    else assert.doesNotMatch(records.html, varicellaNext);
    assert.match(records.html, /同意ID: <code id="consent-id">consent-0001<\/code>/);
    assert.doesNotMatch(records.html, /保健師|産後/, 'consultations were never asked for');
    assert.ok(provider.lines().some((l) => /GET \/v1\/record resident=0720280001234 status=200/.test(l)), 'the data came from the provider process');
    const again = await page('/consent/callback?consent_request=cr-1&status=approved&state=' + state);
    assert.equal(again.status, 400, 'a consent answer is taken once');
  });

  it('a refusal should be answered politely, with what the resident can still do and a way to ask again', async () => {
    standIn.mode = 'consent-required';
    const asked = await post('/records', (await page('/')).html);
    assert.equal(asked.status, 303);
    const { state } = standIn.consentRequests.at(-1)!.body;
    const refused = await page(`/consent/callback?consent_request=cr-2&status=refused&state=${state}`);
    assert.equal(refused.status, 200);
    assert.match(refused.html, /同意されなかったため、記録を表示できません/);
    assert.match(refused.html, /母子保健の窓口/);
    assert.match(refused.html, /<form method="post" action="\/records">[\s\S]*もう一度同意を依頼する/);
  });

  it('a suspended service, a provider timeout or a broken connection should each get a clear page in both languages', async () => {
    const cases: Array<[GatewayMode, number, RegExp]> = [
      ['suspended', 403, /利用を停止されています[\s\S]*currently suspended/],
      ['not-linked', 403, /マイナンバーカードによる本人確認[\s\S]*My Number card/],
      ['timeout', 502, /時間内に応答がありませんでした[\s\S]*did not answer in time/],
      ['network', 502, /接続できませんでした[\s\S]*could not be reached/],
    ];
    for (const [mode, status, text] of cases) {
      standIn.mode = mode;
      const answer = await post('/records', (await page('/')).html);
      assert.equal(answer.status, status, mode);
      assert.match(answer.html, text);
      assert.doesNotMatch(answer.html, /\bat .+\.ts:\d+|Error:/, 'never a stack trace');
    }
  });

  it('a form post without the session\'s CSRF token should be refused', async () => {
    const response = await browser.request(`${serviceUrl}/records`, { form: { _csrf: 'forged' } });
    assert.equal(response.status, 403);
  });

  it('logging out should end the app session and go to the City OS end-session endpoint', async () => {
    const out = await post('/logout', (await page('/')).html);
    assert.equal(out.status, 303);
    const target = new URL(out.location!);
    const discovery = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
    assert.equal(`${target.origin}${target.pathname}`, discovery.end_session_endpoint);
    assert.equal(target.searchParams.get('post_logout_redirect_uri'), `${serviceUrl}/`);
    assert.ok(target.searchParams.get('id_token_hint'));
    assert.match((await page('/')).html, /つなぐIDでログイン/, 'signed out of the app');
  });
});
