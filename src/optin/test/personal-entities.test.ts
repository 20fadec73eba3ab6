// Personal data in the broker: entity types registered with a data provider of kind `broker`
// are never served by the NGSI-LD API (queries, retrieves, batch query, temporal reads,
// subscriptions), whoever asks; a service gets them only through the gateway, after the
// resident's consent, and only the resident's own entities with the consented attributes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { notificationReceiver, until } from '../../../test/helpers/notification-receiver.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { clientCredentialsToken, HANAKO, resident, startWorld, type OptinWorld, type Resident } from './optin-helpers.ts';

const AIZU = '072028';
const READING = 'HomeHealthReading';

describe('personal entity types in the broker, served only through the consent check', () => {
  let world: OptinWorld;
  let publisher: Record<string, string>;
  let hanako: Resident;
  let taro: Resident;
  let service: { token: string; redirect: string };
  let receiver: Awaited<ReturnType<typeof notificationReceiver>>;

  const ngsi = (method: string, path: string, body?: unknown, headers: Record<string, string> = publisher) =>
    world.api(method, `/ngsi-ld/v1${path}`, body, undefined, { ...headers, 'ngsild-tenant': AIZU });

  const reading = (id: string, owner: string, systolic: number) => ({
    id,
    type: READING,
    owner: { type: 'Relationship', object: `urn:ngsi-ld:Person:${owner}` },
    systolic: { type: 'Property', value: systolic, unitCode: 'MMHG' },
    diastolic: { type: 'Property', value: 80 },
    steps: { type: 'Property', value: 6000 },
  });

  const gateway = (path: string, subject: string, token = service.token) =>
    world.api('GET', `/gateway/home-health${path}`, undefined, token, { 'tsunagu-subject': subject, 'tsunagu-purpose': 'health-advice' });

  before(async () => {
    world = await startWorld([4560, 4600], { runWorker: true });
    receiver = await notificationReceiver();
    publisher = (await tokenWithRole(world.app.ctx, 'aizu-health-hub', 'data_publisher', { level: 'municipality', prefectureCode: '070009', lgCode: AIZU })).headers;
    hanako = await resident(world, 'hanako-health@example.jp', HANAKO);
    taro = await resident(world, 'taro-health@example.jp', { ...HANAKO, name: '会津　太郎' });

    // Written before the type is flagged: flagging hides existing entities too.
    assert.equal((await ngsi('POST', '/entities', reading('urn:ngsi-ld:HomeHealthReading:h1', hanako.accountId, 128))).status, 201);
    const registered = await world.api('POST', '/api/v1/gateway/providers', {
      id: 'home-health',
      lgCode: AIZU,
      name: { ja: '在宅健康見守り（会津若松市）', en: 'Home health monitoring (Aizuwakamatsu)' },
      broker: { entityTypes: [READING], ownerAttribute: 'owner' },
      items: [
        { code: 'systolic', name: { ja: '最高血圧', en: 'Systolic pressure' }, sensitivity: 'special_care' },
        { code: 'diastolic', name: { ja: '最低血圧', en: 'Diastolic pressure' }, sensitivity: 'special_care' },
        { code: 'steps', name: { ja: '歩数', en: 'Steps' }, sensitivity: 'normal' },
      ],
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.kind, 'broker');
    assert.equal(registered.body.endpoint, null);

    assert.equal((await ngsi('POST', '/entities', reading('urn:ngsi-ld:HomeHealthReading:h2', hanako.accountId, 135))).status, 201);
    assert.equal((await ngsi('POST', '/entities', reading('urn:ngsi-ld:HomeHealthReading:t1', taro.accountId, 150))).status, 201);
    assert.equal((await ngsi('POST', '/entities', { id: 'urn:ngsi-ld:Shelter:aizu-1', type: 'Shelter', capacity: { type: 'Property', value: 300 } })).status, 201);

    // A service of 会津若松市 that may ask for blood pressure readings.
    const redirect = 'https://health-advice.example.jp/consent/callback';
    const client = await world.api('POST', '/api/v1/oidc-clients', { lgCode: AIZU, name: { ja: '健康アドバイス', en: 'Health advice' }, redirectUris: [redirect], grantTypes: ['authorization_code', 'client_credentials'], scope: 'openid profile gateway' });
    assert.equal(client.status, 201, JSON.stringify(client.body));
    const made = await world.api('POST', '/api/v1/gateway/services', {
      id: 'health-advice',
      lgCode: AIZU,
      clientId: client.body.clientId,
      name: { ja: '健康アドバイスアプリ', en: 'Health advice app' },
      purposes: [{ code: 'health-advice', text: { ja: '血圧に合わせた助言をするため', en: 'To give advice based on your blood pressure' } }],
      items: { 'home-health': ['systolic', 'diastolic', 'steps'] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await world.api('POST', '/api/v1/gateway/services/health-advice/status', { status: 'approved' })).status, 200);
    service = { token: await clientCredentialsToken(world.base, client.body.clientId, client.body.clientSecret), redirect };
  });
  after(async () => {
    await receiver?.close();
    await world?.close();
  });

  it('leaves personal entities out of queries, batch queries and temporal queries, and refuses their retrieval', async () => {
    const query = await ngsi('GET', `/entities?type=${READING}&count=true`);
    assert.equal(query.status, 200);
    assert.deepEqual(query.body, []);
    assert.equal(query.headers.get('ngsild-results-count'), '0');
    const byAttr = await ngsi('GET', '/entities?attrs=systolic,capacity');
    assert.deepEqual(byAttr.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:aizu-1'], 'the readings have systolic but are hidden');
    const shelters = await ngsi('GET', '/entities?type=Shelter');
    assert.deepEqual(shelters.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:aizu-1'], 'other types are served as before');
    const batch = await ngsi('POST', '/entityOperations/query', { type: 'Query', entities: [{ type: READING }] });
    assert.equal(batch.status, 200);
    assert.deepEqual(batch.body, []);

    for (const id of ['urn:ngsi-ld:HomeHealthReading:h1', 'urn:ngsi-ld:HomeHealthReading:h2']) {
      const one = await ngsi('GET', `/entities/${encodeURIComponent(id)}`);
      assert.equal(one.status, 403, id);
      assert.match(one.body.detail, /opt-in gateway/);
      assert.doesNotMatch(JSON.stringify(one.body), /128|135/);
    }
    const since = 'timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=createdAt';
    const temporal = await ngsi('GET', `/temporal/entities?type=${READING}&${since}`);
    assert.equal(temporal.status, 200);
    assert.deepEqual(temporal.body, []);
    const shelterHistory = await ngsi('GET', `/temporal/entities?type=Shelter&${since}`);
    assert.equal(shelterHistory.body.length, 1, 'the temporal API still serves other types');
    const history = await ngsi('GET', `/temporal/entities/${encodeURIComponent('urn:ngsi-ld:HomeHealthReading:h2')}`);
    assert.equal(history.status, 403);

    // Nor by following a Relationship to them: join leaves them out, q cannot look into them.
    const household = { id: 'urn:ngsi-ld:Household:aizu-1', type: 'Household', reading: { type: 'Relationship', object: 'urn:ngsi-ld:HomeHealthReading:h2' } };
    assert.equal((await ngsi('POST', '/entities', household)).status, 201);
    const joined = await ngsi('GET', `/entities/${encodeURIComponent(household.id)}?join=flat`);
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.deepEqual(joined.body.map((e: { id: string }) => e.id), [household.id]);
    const probe = await ngsi('GET', `/entities?type=Household&q=${encodeURIComponent('reading{systolic}>100')}`);
    assert.equal(probe.status, 200, JSON.stringify(probe.body));
    assert.deepEqual(probe.body, [], 'a linked q must not reveal a reading\'s value');
    assert.equal((await ngsi('DELETE', `/entities/${encodeURIComponent(household.id)}`)).status, 204);

    // Not even the prefecture's administrator reads them directly.
    const admin = await ngsi('GET', `/entities/${encodeURIComponent('urn:ngsi-ld:HomeHealthReading:h2')}`, undefined, { authorization: `Bearer ${world.adminToken}` });
    assert.equal(admin.status, 403);
  });

  it('never notifies a change to a personal entity, and refuses a subscription to a personal type', async () => {
    const named = await ngsi('POST', '/subscriptions', { type: 'Subscription', entities: [{ type: READING }], notification: { endpoint: { uri: receiver.url('/named') } } });
    assert.equal(named.status, 403);
    assert.match(named.body.detail, /personal data/);

    // A subscription on an attribute both types have: only the shelter's change arrives.
    const sub = await ngsi('POST', '/subscriptions', { type: 'Subscription', watchedAttributes: ['steps'], notification: { endpoint: { uri: receiver.url('/steps') } } });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal((await ngsi('PATCH', `/entities/${encodeURIComponent('urn:ngsi-ld:HomeHealthReading:h2')}/attrs`, { steps: { type: 'Property', value: 9000 } })).status, 204);
    assert.equal((await ngsi('POST', `/entities/${encodeURIComponent('urn:ngsi-ld:Shelter:aizu-1')}/attrs`, { steps: { type: 'Property', value: 12 } })).status, 204);
    // Notifications of one subscription arrive in order: once the shelter's is in, the
    // reading's would have been before it.
    await until('the shelter notification', () => receiver.data('/steps').length > 0);
    assert.deepEqual(receiver.data('/steps').map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:aizu-1']);
  });

  it('serves the resident their own readings through the gateway only with consent, filtered to the consented items', async () => {
    const without = await gateway('/entities', hanako.accountId);
    assert.equal(without.status, 403);
    assert.equal(without.body.code, 'TSN_GATEWAY_CONSENT_REQUIRED');

    const asked = await world.api('POST', '/api/v1/consent-requests', { subject: hanako.accountId, provider: 'home-health', items: ['systolic', 'diastolic'], purpose: 'health-advice', retentionDays: 30, validDays: 365, returnUri: service.redirect }, service.token);
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    const page = await hanako.browser.request(asked.body.url);
    const html = await page.text();
    assert.match(html, /在宅健康見守り/);
    assert.match(html, /最高血圧/);
    const decided = await hanako.browser.request(asked.body.url, { form: { _csrf: hiddenField(html, '_csrf'), decision: 'approve' } });
    assert.equal(decided.status, 303);

    const list = await gateway('/entities?items=systolic,diastolic,steps', hanako.accountId);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.map((e: { id: string }) => e.id), ['urn:ngsi-ld:HomeHealthReading:h1', 'urn:ngsi-ld:HomeHealthReading:h2'], 'her own readings only, not 太郎’s');
    assert.deepEqual(Object.keys(list.body[1]).sort(), ['diastolic', 'id', 'systolic', 'type'], 'steps was not consented; the owner link stays inside');
    assert.equal(list.body[1].systolic.value, 135);
    assert.equal(list.headers.get('tsunagu-items-withheld'), 'steps');
    assert.equal(list.headers.get('ngsild-results-count'), '2');
    assert.match(list.headers.get('link') ?? '', /ngsi-ld-core-context/);

    const simple = await gateway(`/entities/${encodeURIComponent('urn:ngsi-ld:HomeHealthReading:h2')}?items=systolic&format=keyValues`, hanako.accountId);
    assert.equal(simple.status, 200);
    assert.deepEqual(simple.body, { id: 'urn:ngsi-ld:HomeHealthReading:h2', type: READING, systolic: 135 });

    // 太郎's reading is not hers: no record, as for an unknown id.
    const other = await gateway(`/entities/${encodeURIComponent('urn:ngsi-ld:HomeHealthReading:t1')}?items=systolic`, hanako.accountId);
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'TSN_GATEWAY_NO_RECORD');
    const bad = await gateway('/entities?limit=5000', hanako.accountId);
    assert.equal(bad.status, 400);

    // 太郎 has not consented: his readings stay closed to the same service.
    const taros = await gateway('/entities?items=systolic', taro.accountId);
    assert.equal(taros.status, 403);

    // She is told in her notifications centre, and her home page lists the service.
    const inbox = await (await hanako.browser.request(`${world.base}/account/notifications`)).text();
    assert.match(inbox, /「健康アドバイスアプリ」へのデータ提供に同意しました/);
    const home = await (await hanako.browser.request(`${world.base}/`)).text();
    assert.match(home, /データ連携に同意しているサービス/);
    assert.match(home, /健康アドバイスアプリ<\/a>：在宅健康見守り（会津若松市）の最高血圧、最低血圧/);

    // Her access log shows the calls.
    const log = await hanako.browser.request(`${world.base}/account/access-log`);
    const logHtml = await log.text();
    assert.match(logHtml, /在宅健康見守り/);
  });

  it('refuses a broker provider with an endpoint, a bad name, or a type another provider holds', async () => {
    const base = { lgCode: AIZU, name: { ja: '重複', en: 'Duplicate' }, items: [{ code: 'systolic', name: { ja: '最高血圧', en: 'Systolic' }, sensitivity: 'special_care' }] };
    const taken = await world.api('POST', '/api/v1/gateway/providers', { ...base, id: 'home-health-2', broker: { entityTypes: [READING], ownerAttribute: 'owner' } });
    assert.equal(taken.status, 400);
    assert.match(JSON.stringify(taken.body), /HomeHealthReading/);
    assert.equal((await world.api('GET', '/api/v1/gateway/providers/home-health-2')).status, 404, 'nothing half-registered');
    const both = await world.api('POST', '/api/v1/gateway/providers', { ...base, id: 'home-health-3', endpoint: 'http://127.0.0.1:9/', broker: { entityTypes: ['Other'], ownerAttribute: 'owner' } });
    assert.equal(both.status, 400);
    const badName = await world.api('POST', '/api/v1/gateway/providers', { ...base, id: 'home-health-4', broker: { entityTypes: ['has space'], ownerAttribute: 'owner' } });
    assert.equal(badName.status, 400);
    const neither = await world.api('POST', '/api/v1/gateway/providers', { ...base, id: 'home-health-5' });
    assert.equal(neither.status, 400);
  });
});
