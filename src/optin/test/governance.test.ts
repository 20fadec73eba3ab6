// Governance pages for staff: prefecture staff see every service, suspend one (its next gateway
// call is refused) and export the access log; a municipality's staff see only their own tenant's;
// residents are not staff.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { HANAKO, registerService, resident, startWorld, type OptinWorld, type TestService } from './optin-helpers.ts';

describe('opt-in governance (staff pages)', () => {
  let world: OptinWorld;
  let service: TestService;
  let prefecture: string;
  let koriyama: string;

  const page = async (url: string, session: string, form?: Record<string, string>) => {
    const response = await fetch(`${world.base}${url}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: `tsn_session=${session}${form?._cookie ? `; ${form._cookie}` : ''}`, accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(Object.fromEntries(Object.entries(form).filter(([k]) => k !== '_cookie'))).toString() : undefined,
    });
    return { status: response.status, text: await response.text(), location: response.headers.get('location'), cookies: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
  };

  before(async () => {
    world = await startWorld([4350, 4400]);
    service = await registerService(world, 'kosodate');
    const hanako = await resident(world, 'gov-hanako@example.jp', HANAKO);
    const request = await world.api('POST', '/api/v1/consent-requests', { subject: hanako.accountId, provider: 'child-health', items: ['checkups'], purpose: 'checkup-reminders', retentionDays: 0, validDays: 30, returnUri: service.redirect }, await service.token());
    const consentPage = await (await hanako.browser.request(request.body.url)).text();
    await hanako.browser.request(request.body.url, { form: { _csrf: hiddenField(consentPage, '_csrf'), decision: 'approve' } });
    const homeHealth = await world.api('POST', '/api/v1/gateway/providers', { id: 'home-health', lgCode: '072028', name: { ja: '在宅健康見守り', en: 'Home health' }, broker: { entityTypes: ['HomeHealthReading'], ownerAttribute: 'owner' }, items: [{ code: 'systolic', name: { ja: '最高血圧', en: 'Systolic' }, sensitivity: 'special_care' }] });
    assert.equal(homeHealth.status, 201, JSON.stringify(homeHealth.body));
    const token = await service.token();
    for (let i = 0; i < 3; i++) await world.api('GET', '/gateway/child-health/v1/record?items=checkups', undefined, token, { 'tsunagu-subject': hanako.accountId, 'tsunagu-purpose': 'checkup-reminders' });
    prefecture = (await onboardStaff(world.app, world.adminToken, 'gov@pref.example.jp', [{ role: 'municipal_admin', scope: { level: 'prefecture', prefectureCode: '070009' } }], '070009')).sessionToken;
    koriyama = (await onboardStaff(world.app, world.adminToken, 'gov@city.koriyama.example.jp', [{ role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }])).sessionToken;
  });
  after(async () => world?.close());

  it('prefecture staff see the service, its consents and providers, and the staff home links here', async () => {
    const home = await page('/staff', prefecture);
    assert.match(home.text, /href="\/staff\/gateway"/);
    const overview = await page('/staff/gateway', prefecture);
    assert.equal(overview.status, 200);
    assert.match(overview.text, /kosodate アプリ/);
    assert.match(overview.text, /承認済み/);
    assert.match(overview.text, /母子健康記録システム/);
    assert.match(overview.text, /<code>127\.0\.0\.1:\d+<\/code>/, 'where an HTTP provider is');
    assert.match(overview.text, /都市OSのデータ連携基盤（HomeHealthReading）/, 'and a broker provider');
    assert.match(overview.text, /停止する/);
    const log = await page('/staff/gateway/access-log?outcome=allowed', prefecture);
    assert.match(log.text, /3 件/);
    const csv = await page('/staff/gateway/access-log?format=csv', prefecture);
    assert.equal(csv.status, 200);
    assert.equal(csv.text.trim().split('\r\n').length, 4, 'a header and three calls');
  });

  it('suspending from the page stops the service’s next gateway call', async () => {
    const overview = await page('/staff/gateway', prefecture);
    const suspended = await page('/staff/gateway/services/kosodate/status', prefecture, { _csrf: hiddenField(overview.text, '_csrf'), status: 'suspended', _cookie: overview.cookies });
    assert.equal(suspended.status, 303, suspended.text.slice(0, 300));
    assert.equal(suspended.location, '/staff/gateway?done=suspended');
    const after = await page('/staff/gateway', prefecture);
    assert.match(after.text, /停止中/);
    assert.match(after.text, /再開する/);
    const listed = await world.api('GET', '/api/v1/gateway/services/kosodate');
    assert.equal(listed.body.status, 'suspended');
  });

  it('a municipality’s staff see only their own tenant, and cannot decide', async () => {
    const overview = await page('/staff/gateway', koriyama);
    assert.equal(overview.status, 200);
    assert.doesNotMatch(overview.text, /kosodate アプリ/);
    assert.match(overview.text, /登録されたサービスはありません/);
    const log = await page('/staff/gateway/access-log', koriyama);
    assert.match(log.text, /0 件/);
    const decided = await page('/staff/gateway/services/kosodate/status', koriyama, { _csrf: hiddenField(overview.text, '_csrf'), status: 'approved', _cookie: overview.cookies });
    assert.equal(decided.status, 403);
  });

  it('residents and visitors do not reach governance', async () => {
    const someone = await resident(world, 'gov-visitor@example.jp');
    const refused = await someone.browser.request(`${world.base}/staff/gateway`);
    assert.equal(refused.status, 403);
    const anonymous = await fetch(`${world.base}/staff/gateway`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location')!, /^\/staff\/login/);
  });
});
