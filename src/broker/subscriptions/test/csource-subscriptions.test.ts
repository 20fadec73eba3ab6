// Clauses 5.11 and 6.12–6.13: context source registration subscriptions, and the
// CsourceNotifications (5.3.2, triggerReason 5.3.3) a real receiver gets when registrations
// matching them are created, updated and deleted, per tenant, with the registration permission.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { notificationReceiver, until } from '../../../../test/helpers/notification-receiver.ts';
import { tokenWithRole } from '../../../platform/authz/test/helpers.ts';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const CS = '/ngsi-ld/v1/csourceSubscriptions';
const R = '/ngsi-ld/v1/csourceRegistrations';
const FUKUSHIMA_CITY = '072010';
const KORIYAMA = '072036';

function registration(id: string, type: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'ContextSourceRegistration', information: [{ entities: [{ type }], propertyNames: ['capacity', 'name'] }], endpoint: 'http://aizu.example.org:1026', ...extra };
}

describe('NGSI-LD context source registration subscriptions (clauses 5.11, 6.12–6.13)', () => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof notificationReceiver>>;
  let admin: Record<string, string>;
  let city: Record<string, string>;
  let publisher: Record<string, string>;
  before(async () => {
    rx = await notificationReceiver([4630, 4660]);
    t = await brokerTestApp({ brokerAuth: true, runWorker: true });
    await t.app.ready();
    admin = (await tokenWithRole(t.ctx, 'pref', 'municipal_admin', { level: 'prefecture', prefectureCode: '070009' })).headers;
    city = { ...admin, 'ngsild-tenant': FUKUSHIMA_CITY };
    publisher = (await tokenWithRole(t.ctx, 'fp', 'data_publisher', { level: 'municipality', prefectureCode: '070009', lgCode: FUKUSHIMA_CITY })).headers;
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  const subscription = (id: string, path: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'Subscription',
    entities: [{ type: 'Shelter' }],
    notification: { endpoint: { uri: rx.url(path) } },
    ...extra,
  });

  it('should create, retrieve, list, update and delete, apart from entity subscriptions', async () => {
    const id = 'urn:ngsi-ld:Subscription:cs-crud';
    const created = await call(t, { method: 'POST', url: CS, body: subscription(id, '/crud'), headers: city });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.headers.location, `${CS}/${encodeURIComponent(id)}`);
    const got = await call(t, { method: 'GET', url: `${CS}/${id}`, headers: city });
    assert.equal(got.status, 200);
    assert.deepEqual(got.json.entities, [{ type: 'Shelter' }]);
    assert.equal(got.json.status, 'active');
    const listed = await call(t, { method: 'GET', url: `${CS}?count=true`, headers: city });
    assert.deepEqual(listed.json.map((s: { id: string }) => s.id), [id]);
    assert.equal(listed.headers['ngsild-results-count'], '1');
    // Not an entity subscription, and not in another tenant.
    assert.equal((await call(t, { method: 'GET', url: `/ngsi-ld/v1/subscriptions/${id}`, headers: city })).status, 404);
    assert.deepEqual((await call(t, { method: 'GET', url: '/ngsi-ld/v1/subscriptions', headers: city })).json, []);
    assert.equal((await call(t, { method: 'GET', url: `${CS}/${id}`, headers: { ...admin, 'ngsild-tenant': KORIYAMA } })).status, 404);
    const again = await call(t, { method: 'POST', url: CS, body: subscription(id, '/crud'), headers: city });
    assert.equal(again.status, 409);
    const patched = await call(t, { method: 'PATCH', url: `${CS}/${id}`, body: { isActive: false }, headers: city });
    assert.equal(patched.status, 204, patched.body);
    assert.equal((await call(t, { method: 'GET', url: `${CS}/${id}`, headers: city })).json.status, 'paused');
    assert.equal((await call(t, { method: 'DELETE', url: `${CS}/${id}`, headers: city })).status, 204);
    assert.equal((await call(t, { method: 'GET', url: `${CS}/${id}`, headers: city })).status, 404);
    assert.equal((await call(t, { method: 'DELETE', url: `${CS}/${id}`, headers: city })).status, 404);
  });

  it('should refuse what it cannot honour with the spec\'s error types', async () => {
    for (const [url, extra, status, detail] of [
      [CS, { csf: 'dataProvider==' }, 400, /^csf: /],
      [CS, { temporalQ: { timerel: 'after' } }, 400, /^temporalQ\.timeAt: required/],
      [CS, { temporalQ: { timerel: 'after', timeAt: '2024-01-01T00:00:00Z', lastN: '3' } }, 400, /^temporalQ: unknown member lastN/],
      [CS, { geoQ: { georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: [139.93, 37.49], geoproperty: 'capacity' } }, 400, /^geoQ\.geoproperty: /],
      [CS, { datasetId: ['urn:ngsi-ld:Dataset:a'] }, 422, /^datasetId: not supported on context source registration subscriptions/],
      [CS, { lang: 'ja', expandValues: 'status' }, 422, /^lang, expandValues: /],
      [CS, { notification: { pick: ['id'], join: 'flat', endpoint: { uri: rx.url('/x') } } }, 422, /^notification\.pick, notification\.join: /],
      ['/ngsi-ld/v1/subscriptions', { temporalQ: { timerel: 'after', timeAt: '2024-01-01T00:00:00Z' } }, 400, /^temporalQ: only context source/],
      ['/ngsi-ld/v1/subscriptions', { csf: 'dataProvider==' }, 400, /^csf: /],
    ] as const) {
      const res = await call(t, { method: 'POST', url, body: subscription('urn:ngsi-ld:Subscription:cs-bad', '/x', extra), headers: city });
      assert.equal(res.status, status, `${JSON.stringify(extra)}: ${res.body}`);
      assert.match(res.json.detail, detail);
    }
    const noEndpoint = await call(t, { method: 'POST', url: CS, body: { type: 'Subscription', entities: [{ type: 'Shelter' }] }, headers: city });
    assert.equal(noEndpoint.status, 400);
    assert.match(noEndpoint.json.detail, /notification/);
    const badId = await call(t, { method: 'GET', url: `${CS}/not-a-uri`, headers: city });
    assert.equal(badId.status, 400);
  });

  it('should need the registration permission to write, and broker.read to read', async () => {
    const res = await call(t, { method: 'POST', url: CS, body: subscription('urn:ngsi-ld:Subscription:cs-pub', '/x'), headers: { ...publisher, 'ngsild-tenant': FUKUSHIMA_CITY } });
    assert.equal(res.status, 403);
    const list = await call(t, { method: 'GET', url: CS, headers: { ...publisher, 'ngsild-tenant': FUKUSHIMA_CITY } });
    assert.equal(list.status, 200);
  });

  it('should notify newlyMatching at once and on create, updated on update, noLongerMatching on update and delete', async () => {
    const path = '/life';
    assert.equal((await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:s1', 'Shelter'), headers: city })).status, 201);
    const created = await call(t, { method: 'POST', url: CS, body: subscription('urn:ngsi-ld:Subscription:cs-life', path, { watchedAttributes: ['capacity'], notification: { attributes: ['capacity'], endpoint: { uri: rx.url(path) } } }), headers: city });
    assert.equal(created.status, 201, created.body);
    const first = await until('the initial notification', () => rx.for(path)[0]);
    assert.equal(first.body.type, 'Notification');
    assert.equal(first.body.subscriptionId, 'urn:ngsi-ld:Subscription:cs-life');
    assert.equal(first.body.triggerReason, 'newlyMatching');
    assert.deepEqual(first.body.data, [{
      id: 'urn:ngsi-ld:ContextSourceRegistration:s1',
      type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Shelter' }], propertyNames: ['capacity', 'name'] }],
      endpoint: 'http://aizu.example.org:1026',
      mode: 'inclusive',
    }]);

    // Not matching: another type, a registration without the watched attribute, another tenant.
    await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:b1', 'Building'), headers: city });
    await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:n1', 'Shelter', { information: [{ entities: [{ type: 'Shelter' }], propertyNames: ['name'] }] }), headers: city });
    await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:k1', 'Shelter'), headers: { ...admin, 'ngsild-tenant': KORIYAMA } });

    const s2 = 'urn:ngsi-ld:ContextSourceRegistration:s2';
    assert.equal((await call(t, { method: 'POST', url: R, body: registration(s2, 'Shelter'), headers: city })).status, 201);
    assert.equal((await call(t, { method: 'PATCH', url: `${R}/${s2}`, body: { description: '避難所の収容人数' }, headers: city })).status, 204);
    assert.equal((await call(t, { method: 'PATCH', url: `${R}/${s2}`, body: { information: [{ entities: [{ type: 'Building' }] }] }, headers: city })).status, 204);
    assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:s1`, headers: city })).status, 204);

    // Changes of one trigger waiting together may share a notification: compare per registration.
    const changes = () => rx.for(path).slice(1).flatMap((n) => n.body.data.map((r: { id: string }) => [n.body.triggerReason, r.id]));
    await until('four more changes', () => changes().length >= 4);
    assert.deepEqual(changes(), [
      ['newlyMatching', s2],
      ['updated', s2],
      ['noLongerMatching', s2],
      ['noLongerMatching', 'urn:ngsi-ld:ContextSourceRegistration:s1'],
    ]);
    const all = rx.for(path);
    assert.equal(all[2]!.body.data[0].description, '避難所の収容人数');
    assert.equal(all[2]!.headers['ngsild-tenant'], FUKUSHIMA_CITY);
    // The status is recorded once the receiver has answered.
    const status = await until('the status members', async () => {
      const res = await call(t, { method: 'GET', url: `${CS}/urn:ngsi-ld:Subscription:cs-life`, headers: city });
      return res.json.notification.timesSent === all.length && res.json;
    });
    assert.equal(status.notification.status, 'ok');
  });

  it('should select registrations by q names, geoQ, csf and temporalQ, on subscribing and on later changes', async () => {
    const aizu = { type: 'Point', coordinates: [139.93, 37.49] };
    const osaka = { type: 'Point', coordinates: [135.5, 34.7] };
    const register = async (name: string, extra: Record<string, unknown>) => {
      const res = await call(t, { method: 'POST', url: R, body: registration(`urn:ngsi-ld:ContextSourceRegistration:${name}`, 'Reservoir', extra), headers: city });
      assert.equal(res.status, 201, res.body);
    };
    await register('res-aizu', { location: aizu, dataProvider: '会津若松市', information: [{ entities: [{ type: 'Reservoir' }], propertyNames: ['level'] }] });
    await register('res-osaka', { location: osaka, dataProvider: '大阪市', information: [{ entities: [{ type: 'Reservoir' }], propertyNames: ['volume'] }] });
    await register('res-2024', { location: aizu, dataProvider: '会津若松市', observationInterval: { startAt: '2024-01-01T00:00:00Z', endAt: '2025-01-01T00:00:00Z' } });
    const selections = {
      '/sel-q': { q: 'volume>10' },
      '/sel-geo': { geoQ: { georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: [139.93, 37.49] } },
      '/sel-csf': { csf: 'dataProvider=="大阪市"' },
      '/sel-time': { temporalQ: { timerel: 'after', timeAt: '2024-06-01T00:00:00Z' } },
    };
    for (const [path, extra] of Object.entries(selections)) {
      const body = { ...subscription(`urn:ngsi-ld:Subscription:cs${path}`, path, extra), entities: [{ type: 'Reservoir' }] };
      const res = await call(t, { method: 'POST', url: CS, body, headers: city });
      assert.equal(res.status, 201, res.body);
    }
    const ids = (path: string) => rx.for(path).flatMap((n) => n.body.data.map((r: { id: string }) => r.id.split(':').pop()));
    await until('the four initial notifications', () => Object.keys(selections).every((p) => rx.for(p).length > 0));
    assert.deepEqual(ids('/sel-q'), ['res-osaka'], 'only the source that holds volume');
    assert.deepEqual(ids('/sel-geo'), ['res-aizu'], 'near 会津若松市役所, and not the source of 2024 history');
    assert.deepEqual(ids('/sel-csf'), ['res-osaka']);
    assert.deepEqual(ids('/sel-time'), ['res-2024'], 'only the source whose observationInterval the temporal query matches');
    const stored = await call(t, { method: 'GET', url: `${CS}/${encodeURIComponent('urn:ngsi-ld:Subscription:cs/sel-time')}`, headers: city });
    assert.deepEqual(stored.json.temporalQ, { timerel: 'after', timeAt: '2024-06-01T00:00:00.000Z', timeproperty: 'observedAt' });

    // A later registration is tested by the csf too: 大阪市's second source matches, 神戸市's does not.
    await register('res-osaka-2', { location: osaka, dataProvider: '大阪市' });
    await register('res-kobe', { location: osaka, dataProvider: '神戸市' });
    await until('the second csf notification', () => rx.for('/sel-csf').length >= 2);
    assert.equal(rx.for('/sel-csf')[1]!.body.triggerReason, 'newlyMatching');
    assert.deepEqual(ids('/sel-csf'), ['res-osaka', 'res-osaka-2']);
    for (const path of Object.keys(selections)) {
      assert.equal((await call(t, { method: 'DELETE', url: `${CS}/${encodeURIComponent(`urn:ngsi-ld:Subscription:cs${path}`)}`, headers: city })).status, 204);
    }
  });

  it('should send every matching registration periodically with timeInterval, without a triggerReason', async () => {
    const path = '/periodic';
    const res = await call(t, { method: 'POST', url: CS, body: subscription('urn:ngsi-ld:Subscription:cs-periodic', path, { timeInterval: 1 }), headers: city });
    assert.equal(res.status, 201, res.body);
    const two = await until('two periodic notifications', () => rx.for(path).length >= 2 && rx.for(path));
    for (const n of two) {
      assert.equal(n.body.triggerReason, undefined);
      assert.deepEqual(n.body.data.map((r: { id: string }) => r.id).sort(), ['urn:ngsi-ld:ContextSourceRegistration:n1'], 'the Shelter registration left after the test above');
    }
    assert.equal((await call(t, { method: 'DELETE', url: `${CS}/urn:ngsi-ld:Subscription:cs-periodic`, headers: city })).status, 204);
  });
});
