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
    const q = await call(t, { method: 'POST', url: CS, body: subscription('urn:ngsi-ld:Subscription:cs-q', '/x', { q: 'capacity>10' }), headers: city });
    assert.equal(q.status, 422);
    assert.equal(q.json.type, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported');
    assert.match(q.json.detail, /^q: not supported/);
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
