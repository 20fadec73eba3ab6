// The five-step opt-in flow and the gateway's refusals, against the real server, a provider over
// real HTTP, services with real client-credentials tokens and residents answering the consent
// page in their own (cookie-keeping) browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compactVerify, createRemoteJWKSet } from 'jose';
import { sql } from 'kysely';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { clientCredentialsToken, HANAKO, PROVIDER_TOKEN, registerService, resident, startWorld, type OptinWorld, type Resident, type TestService } from './optin-helpers.ts';

describe('opt-in and the API gateway', () => {
  let world: OptinWorld;
  let app1: TestService;
  let app2: TestService;
  let hanako: Resident;
  let app1Token: string;

  before(async () => {
    world = await startWorld([4300, 4350]);
    app1 = await registerService(world, 'kosodate');
    app2 = await registerService(world, 'other-app');
    hanako = await resident(world, 'hanako@example.jp', HANAKO);
    app1Token = await app1.token();
  });
  after(async () => world?.close());

  const gateway = (token: string, subject: string | undefined, query = '?items=checkups,vaccinations,growth', purpose = 'checkup-reminders') =>
    world.api('GET', `/gateway/child-health/v1/record${query}`, undefined, token, { ...(subject ? { 'tsunagu-subject': subject } : {}), 'tsunagu-purpose': purpose });

  async function askConsent(service: TestService, token: string, subject: string, items = ['checkups', 'vaccinations']) {
    const created = await world.api('POST', '/api/v1/consent-requests', { subject, provider: 'child-health', items, purpose: 'checkup-reminders', retentionDays: 30, validDays: 365, returnUri: service.redirect, state: 'st-123' }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string; url: string; status: string };
  }

  async function answer(who: Resident, url: string, decision: 'approve' | 'refuse') {
    const page = await who.browser.request(url);
    const html = await page.text();
    assert.equal(page.status, 200, html.slice(0, 500));
    const response = await who.browser.request(url, { form: { _csrf: hiddenField(html, '_csrf'), decision } });
    return { html, status: response.status, location: response.headers.get('location') ?? '' };
  }

  it('runs the five steps: refused without consent, consent page, signed receipt, filtered data, logged', async () => {
    // Steps 1–2: no consent yet, so the gateway says how to get one; the service asks.
    const before = await gateway(app1Token, hanako.accountId);
    assert.equal(before.status, 403);
    assert.equal(before.body.code, 'TSN_GATEWAY_CONSENT_REQUIRED');
    assert.match(before.body.detail ?? before.body.title, /consent-requests/);
    const request = await askConsent(app1, app1Token, hanako.accountId);
    assert.equal(request.status, 'pending');
    assert.equal(request.url, `${world.base}/consent/${request.id}`);

    // Step 3: the consent page says who, what, from where, why, how long; approving goes back.
    const decided = await answer(hanako, request.url, 'approve');
    assert.match(decided.html, /kosodate アプリ/);
    assert.match(decided.html, /母子健康記録システム/);
    assert.match(decided.html, /乳幼児健診の記録/);
    assert.match(decided.html, /予防接種の記録/);
    assert.doesNotMatch(decided.html, /保健師の相談記録/, 'items not asked for are not shown');
    assert.match(decided.html, /健診と予防接種の予定をお知らせするため/);
    assert.match(decided.html, /30 日まで/);
    assert.match(decided.html, /断った場合/);
    assert.equal(decided.status, 303);
    const back = new URL(decided.location);
    assert.equal(`${back.origin}${back.pathname}`, app1.redirect);
    assert.equal(back.searchParams.get('status'), 'approved');
    assert.equal(back.searchParams.get('state'), 'st-123');
    assert.equal(back.searchParams.get('consent_request'), request.id);
    const status = await world.api('GET', `/api/v1/consent-requests/${request.id}`, undefined, app1Token);
    assert.equal(status.body.status, 'approved');

    // Steps 4–5: the gateway forwards with the provider's credentials and the resident's id there,
    // and only consented items come back (growth was asked for but not consented).
    world.provider.requests.length = 0;
    const data = await gateway(app1Token, hanako.accountId);
    assert.equal(data.status, 200, JSON.stringify(data.body));
    assert.deepEqual(Object.keys(data.body).sort(), ['checkups', 'vaccinations']);
    assert.equal(data.body.checkups[0].result, '異常なし');
    assert.equal(data.headers.get('tsunagu-consent'), status.body.consentId);
    assert.equal(data.headers.get('tsunagu-items-withheld'), 'growth');
    const forwarded = world.provider.requests.filter((r) => r.method === 'GET');
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]!.resident, '0720280001234', 'the provider is told its own id for the resident');
    assert.equal(forwarded[0]!.authorization, `Bearer ${PROVIDER_TOKEN}`);
    assert.equal(world.provider.requests.filter((r) => r.path === '/v1/residents/match').length, 1, 'matched by the card’s attributes once');
    const again = await gateway(app1Token, hanako.accountId);
    assert.equal(again.status, 200);
    assert.equal(world.provider.requests.filter((r) => r.path === '/v1/residents/match').length, 1, 'the link is kept, not matched again');

    // The receipt is signed with the key published at /oidc/jwks.
    const receipt = await hanako.browser.request(`${world.base}/account/consents/${status.body.consentId}/receipt`);
    assert.equal(receipt.status, 200);
    const document = (await receipt.json()) as { jws: string; receipt: Record<string, any> };
    const verified = await compactVerify(document.jws, createRemoteJWKSet(new URL(`${world.base}/oidc/jwks`)));
    const payload = JSON.parse(new TextDecoder().decode(verified.payload));
    assert.equal(payload.jti, status.body.consentId);
    assert.equal(payload.sub, hanako.accountId);
    assert.deepEqual(payload.items.map((i: { code: string }) => i.code), ['checkups', 'vaccinations']);
    assert.equal(payload.purpose.code, 'checkup-reminders');

    // The resident's access log shows the refused call and the allowed ones.
    const log = await hanako.browser.request(`${world.base}/account/access-log`);
    const html = await log.text();
    assert.match(html, /3 件/);
    assert.match(html, /拒否/);
    assert.match(html, /同意がないため/);
    assert.match(html, /渡さなかった項目：身長・体重の記録/);
    const csv = await (await hanako.browser.request(`${world.base}/account/access-log?format=csv&outcome=allowed`)).text();
    assert.equal(csv.trim().split('\r\n').length, 3, 'a header and the two allowed calls');
    assert.match(csv, /kosodate,child-health,checkup-reminders,checkups vaccinations growth,checkups vaccinations,growth,allowed/);
  });

  it('refuses another service, another resident, items outside the registration, and a suspended service', async () => {
    const sato = await resident(world, 'sato@example.jp', HANAKO);
    const app2Token = await app2.token();
    const otherService = await gateway(app2Token, hanako.accountId);
    assert.equal(otherService.status, 403, 'another service cannot use kosodate’s consent');
    assert.equal(otherService.body.code, 'TSN_GATEWAY_CONSENT_REQUIRED');
    const otherResident = await gateway(app1Token, sato.accountId);
    assert.equal(otherResident.status, 403, 'another resident has not consented');
    const unregistered = await gateway(app1Token, hanako.accountId, '?items=consultations');
    assert.equal(unregistered.status, 403);
    assert.equal(unregistered.body.code, 'TSN_GATEWAY_ITEMS_NOT_REGISTERED');
    const wrongPurpose = await gateway(app1Token, hanako.accountId, '', 'marketing');
    assert.equal(wrongPurpose.status, 403, 'the consent covers one purpose only');
    const noSubject = await gateway(app1Token, undefined);
    assert.equal(noSubject.status, 400);
    assert.equal(noSubject.body.code, 'TSN_GATEWAY_SUBJECT_MISSING');
    const operator = await gateway(world.adminToken, hanako.accountId);
    assert.equal(operator.status, 403, 'only an approved service’s own token reaches the gateway');
    assert.equal(operator.body.code, 'TSN_OPTIN_NOT_A_SERVICE');
    const anonymous = await world.api('GET', '/gateway/child-health/v1/record', undefined, '', { 'tsunagu-subject': hanako.accountId, 'tsunagu-purpose': 'checkup-reminders' });
    assert.equal(anonymous.status, 401);

    const suspended = await world.api('POST', '/api/v1/gateway/services/kosodate/status', { status: 'suspended', reason: '調査のため' });
    assert.equal(suspended.status, 200);
    const whileSuspended = await gateway(app1Token, hanako.accountId);
    assert.equal(whileSuspended.status, 403);
    assert.equal(whileSuspended.body.code, 'TSN_GATEWAY_SERVICE_SUSPENDED');
    const resumed = await world.api('POST', '/api/v1/gateway/services/kosodate/status', { status: 'approved' });
    assert.equal(resumed.status, 200);
    assert.equal((await gateway(app1Token, hanako.accountId)).status, 200);
    const log = await (await hanako.browser.request(`${world.base}/account/access-log?outcome=refused`)).text();
    assert.match(log, /サービスの連携が停止中のため/, 'the refusal during suspension is visible to the resident');
  });

  it('a provider’s error or timeout is a 502 or 504 without its details or credentials', async () => {
    const logOf = async (outcome: string) => (await (await hanako.browser.request(`${world.base}/account/access-log?format=csv&outcome=${outcome}`)).text()).trim().split('\r\n').slice(1);
    const allowedBefore = (await logOf('allowed')).length;
    world.provider.mode = 'error';
    // Several at once: their rows are written in one batch, and each is amended, none left allowed.
    const failures = await Promise.all(Array.from({ length: 5 }, () => gateway(app1Token, hanako.accountId)));
    for (const failed of failures) {
      assert.equal(failed.status, 502);
      assert.equal(failed.body.code, 'TSN_GATEWAY_PROVIDER_ERROR');
      assert.doesNotMatch(JSON.stringify(failed.body), new RegExp(PROVIDER_TOKEN));
    }
    world.provider.mode = 'list';
    const notARecord = await gateway(app1Token, hanako.accountId);
    assert.equal(notARecord.status, 502);
    world.provider.mode = 'slow';
    const slow = await gateway(app1Token, hanako.accountId);
    assert.equal(slow.status, 504);
    assert.equal(slow.body.code, 'TSN_GATEWAY_PROVIDER_TIMEOUT');
    // A path the provider has no record at: 404 from it, NO_RECORD from the gateway.
    world.provider.mode = 'ok';
    const missing = await world.api('GET', '/gateway/child-health/v1/nothing-here?items=checkups', undefined, app1Token, { 'tsunagu-subject': hanako.accountId, 'tsunagu-purpose': 'checkup-reminders' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    // Both calls are in the resident's log as failed, with the reason, and not as allowed.
    const failedRows = await logOf('failed');
    assert.equal(failedRows.filter((row) => /,failed,provider_error,502,/.test(row)).length, 5, failedRows.join('\n'));
    assert.ok(failedRows.some((row) => /,failed,timeout,504,/.test(row)), failedRows.join('\n'));
    assert.ok(failedRows.some((row) => /,failed,status_200,502,/.test(row)), failedRows.join('\n'));
    assert.ok(failedRows.some((row) => /,failed,no_record,404,/.test(row)), failedRows.join('\n'));
    assert.equal((await logOf('allowed')).length, allowedBefore);
    // Dot segments would take the provider's credentials outside its registered endpoint. Sent
    // raw: URL parsers (fetch's too) would resolve them before they left the test.
    const { request } = await import('node:http');
    for (const path of ['/gateway/child-health/v1/../../admin', '/gateway/child-health/v1/%2e%2e/admin', '/gateway/child-health/%2E%2E/x']) {
      world.provider.requests.length = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(world.base);
        const req = request({ host: hostname, port, path, headers: { authorization: `Bearer ${app1Token}`, 'tsunagu-subject': hanako.accountId, 'tsunagu-purpose': 'checkup-reminders', accept: 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
      assert.ok(status === 400 || status === 404, `${path}: ${status}`);
      assert.equal(world.provider.requests.filter((r) => r.path.includes('admin') || r.path.includes('/x')).length, 0, `${path} never reached the provider`);
    }
    const provider = await world.api('GET', '/api/v1/gateway/providers/child-health');
    assert.equal(provider.status, 200);
    assert.doesNotMatch(JSON.stringify(provider.body), new RegExp(PROVIDER_TOKEN), 'credentials are never read back');
  });

  it('revoking stops the next call, and an expired consent is no consent', async () => {
    const yumi = await resident(world, 'yumi@example.jp', HANAKO);
    const request = await askConsent(app1, app1Token, yumi.accountId);
    assert.equal((await answer(yumi, request.url, 'approve')).status, 303);
    assert.equal((await gateway(app1Token, yumi.accountId)).status, 200);
    const consents = await (await yumi.browser.request(`${world.base}/account/consents`)).text();
    const consentId = /\/account\/consents\/([0-9a-f-]{36})/.exec(consents)![1]!;
    const detail = await (await yumi.browser.request(`${world.base}/account/consents/${consentId}`)).text();
    assert.match(detail, /有効/);
    const revoked = await yumi.browser.request(`${world.base}/account/consents/${consentId}/revoke`, { form: { _csrf: hiddenField(detail, '_csrf') } });
    assert.equal(revoked.status, 303);
    const after = await gateway(app1Token, yumi.accountId);
    assert.equal(after.status, 403);
    assert.equal(after.body.code, 'TSN_GATEWAY_CONSENT_REQUIRED');
    const log = await (await yumi.browser.request(`${world.base}/account/access-log`)).text();
    assert.match(log, /提供/);
    assert.match(log, /同意がないため/);

    // A new consent, then its validity runs out.
    const second = await askConsent(app1, app1Token, yumi.accountId);
    await answer(yumi, second.url, 'approve');
    assert.equal((await gateway(app1Token, yumi.accountId)).status, 200);
    await sql`update optin_consents set valid_until = now() - interval '1 second' where account_id = ${yumi.accountId}`.execute(world.app.ctx.db);
    assert.equal((await gateway(app1Token, yumi.accountId)).status, 403);
  });

  it('the consent page: only the named resident answers, once; refusal goes back; the card is needed to approve', async () => {
    const kenta = await resident(world, 'kenta@example.jp');
    const request = await askConsent(app1, app1Token, kenta.accountId);
    const page = await (await kenta.browser.request(request.url)).text();
    assert.match(page, /マイナンバーカードで本人確認する/);
    assert.doesNotMatch(page, /value="approve"/, 'no approve button before the card check');
    // The language switch in the header, as a person would use it.
    await kenta.browser.request(`${world.base}/preferences/language?lang=en&return=%2F`);
    const english = await (await kenta.browser.request(request.url)).text();
    await kenta.browser.request(`${world.base}/preferences/language?lang=ja&return=%2F`);
    assert.match(english, /May “kosodate app” receive your data\?/);
    assert.match(english, /If you refuse/);
    assert.match(english, /Up to 30 days after receiving it/);
    const intruder = await resident(world, 'intruder@example.jp', HANAKO);
    const foreign = await intruder.browser.request(request.url);
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /別の方あて/);
    const refused = await answer(kenta, request.url, 'refuse');
    assert.equal(new URL(refused.location).searchParams.get('status'), 'refused');
    const twice = await kenta.browser.request(request.url);
    assert.equal(twice.status, 409);
    const anonymous = await fetch(request.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location')!, /^\/login\?return=/);
  });

  it('consent requests: only registered items, purposes and return URIs, from an approved service', async () => {
    const base = { subject: hanako.accountId, provider: 'child-health', items: ['checkups'], purpose: 'checkup-reminders', retentionDays: 30, validDays: 365, returnUri: app1.redirect };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ items: ['consultations'] }, '/items'],
      [{ purpose: 'marketing' }, '/purpose'],
      [{ returnUri: 'https://evil.example/cb' }, '/returnUri'],
      [{ provider: 'unknown' }, '/provider'],
      [{ subject: '00000000-0000-4000-8000-000000000000' }, '/subject'],
      [{ validDays: 0 }, '/validDays'],
    ];
    for (const [change, field] of cases) {
      const response = await world.api('POST', '/api/v1/consent-requests', { ...base, ...change }, app1Token);
      assert.equal(response.status, 400, `${field}: ${JSON.stringify(response.body)}`);
      assert.ok(response.body.errors.some((e: { name: string }) => e.name.startsWith(field)), JSON.stringify(response.body.errors));
    }
    const operator = await world.api('POST', '/api/v1/consent-requests', base);
    assert.equal(operator.status, 403);
    const foreign = await askConsent(app1, app1Token, hanako.accountId);
    const other = await world.api('GET', `/api/v1/consent-requests/${foreign.id}`, undefined, await app2.token());
    assert.equal(other.status, 404, 'another service cannot read this request');
  });

  it('registries: validation, the prefecture approves, a municipality sees only its own', async () => {
    const bad = await world.api('POST', '/api/v1/gateway/providers', { id: 'x-provider', lgCode: '072028', name: { ja: 'x', en: 'x' }, endpoint: 'ftp://example', credentials: { method: 'none' }, items: [{ code: 'a', name: { ja: 'a', en: 'a' }, sensitivity: 'normal' }] });
    assert.equal(bad.status, 400);
    const twice = await world.api('POST', '/api/v1/gateway/providers', { id: 'child-health', lgCode: '072028', name: { ja: 'x', en: 'x' }, endpoint: 'http://127.0.0.1:1', credentials: { method: 'none' }, items: [{ code: 'a', name: { ja: 'a', en: 'a' }, sensitivity: 'normal' }] });
    assert.equal(twice.status, 409);
    // 郡山市's administrator may propose a service for 郡山市 only, and cannot approve it.
    const { issueApiToken } = await import('../../platform/authz/api-tokens.ts');
    const { grantRole } = await import('../../platform/authz/role-assignments.ts');
    const { system } = await import('../../platform/authz/actor.ts');
    const koriyama = await issueApiToken(world.app.ctx.db, { name: '郡山市 管理', createdBy: 'system' });
    await grantRole(world.app.ctx, system, { principalId: koriyama.principalId, role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }, { ip: null, requestId: null });
    const list = await world.api('GET', '/api/v1/gateway/services', undefined, koriyama.token);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items, [], '会津若松市’s services are not 郡山市’s to see');
    const read = await world.api('GET', '/api/v1/gateway/services/kosodate', undefined, koriyama.token);
    assert.equal(read.status, 403);
    const suspend = await world.api('POST', '/api/v1/gateway/services/kosodate/status', { status: 'suspended' }, koriyama.token);
    assert.equal(suspend.status, 403);
    const client = await world.api('POST', '/api/v1/oidc-clients', { lgCode: '072036', name: { ja: '郡山アプリ', en: 'Koriyama app' }, grantTypes: ['client_credentials'], scope: 'openid gateway' });
    const proposed = await world.api('POST', '/api/v1/gateway/services', { id: 'koriyama-app', lgCode: '072036', clientId: client.body.clientId, name: { ja: '郡山アプリ', en: 'Koriyama app' }, purposes: [{ code: 'p1', text: { ja: '目的', en: 'purpose' } }], items: { 'child-health': ['growth'] } }, koriyama.token);
    assert.equal(proposed.status, 201, JSON.stringify(proposed.body));
    assert.equal(proposed.body.status, 'pending');
    const selfApprove = await world.api('POST', '/api/v1/gateway/services/koriyama-app/status', { status: 'approved' }, koriyama.token);
    assert.equal(selfApprove.status, 403, 'approval is the prefecture’s');
    const pendingToken = await clientCredentialsToken(world.base, client.body.clientId, client.body.clientSecret);
    const pendingCall = await gateway(pendingToken, hanako.accountId, '?items=growth', 'p1');
    assert.equal(pendingCall.status, 403, 'a service awaiting approval cannot use the gateway');
  });
});
