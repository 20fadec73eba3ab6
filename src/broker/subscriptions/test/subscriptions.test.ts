// Clause 5.8 / 6.10–6.11 and 7.2: subscriptions, and notifications delivered to a real HTTP
// receiver and through the local MQTT broker, with retries, throttling and status members.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { sql } from 'kysely';
import http from 'node:http';
import net from 'node:net';
import { notificationReceiver as receiver, until } from '../../../../test/helpers/notification-receiver.ts';
import { brokerTestApp, building, call, type TestApp } from '../../test/broker-test-app.ts';

const S = '/ngsi-ld/v1/subscriptions';
const E = '/ngsi-ld/v1/entities';

function subscription(id: string, uri: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri } }, ...extra };
}

describe('NGSI-LD subscriptions and notifications (clause 5.8, 6.10–6.11)', () => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    rx = await receiver();
    t = await brokerTestApp({ runWorker: true });
    await t.app.ready();
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  describe('6.10 create, list, retrieve, update, delete', () => {
    it('should create (201 + Location), and show the subscription with status members', async () => {
      const res = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:crud', rx.url('/crud'), { watchedAttributes: ['height'], q: 'height>10' }) });
      assert.equal(res.status, 201, res.body);
      assert.equal(res.headers.location, `${S}/urn%3Angsi-ld%3ASubscription%3Acrud`);
      const got = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:crud` });
      assert.equal(got.status, 200);
      assert.deepEqual(got.json.entities, [{ type: 'Building' }]);
      assert.deepEqual(got.json.watchedAttributes, ['height']);
      assert.equal(got.json.status, 'active');
      assert.equal(got.json.notification.timesSent, 0);
      assert.equal(got.json.notification.format, 'normalized');
      const again = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:crud', rx.url('/crud')) });
      assert.equal(again.status, 409);
    });

    it('should generate an id when none is given, and list with count', async () => {
      const res = await call(t, { method: 'POST', url: S, body: { type: 'Subscription', watchedAttributes: ['colour'], notification: { endpoint: { uri: rx.url('/gen') } } } });
      assert.equal(res.status, 201, res.body);
      assert.match(res.headers.location as string, /urn%3Angsi-ld%3ASubscription%3A[0-9a-f-]{36}$/);
      const list = await call(t, { method: 'GET', url: `${S}?count=true&limit=100` });
      assert.ok(Number(list.headers['ngsild-results-count']) >= 2);
      assert.ok(list.json.some((s: { id: string }) => s.id === 'urn:ngsi-ld:Subscription:crud'));
    });

    it('should refuse invalid subscriptions with 400 naming the member', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ type: 'Subscription', entities: [{ type: 'Building' }] }, /notification/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri: 'ftp://x/y' } } }, /endpoint.uri/],
        [{ type: 'Subscription', notification: { endpoint: { uri: rx.url('/x') } } }, /entities or watchedAttributes/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], watchedAttributes: [], notification: { endpoint: { uri: rx.url('/x') } } }, /watchedAttributes/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], q: 'height>', notification: { endpoint: { uri: rx.url('/x') } } }, /q/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], expiresAt: '2001-01-01T00:00:00Z', notification: { endpoint: { uri: rx.url('/x') } } }, /expiresAt/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], watchedAttributes: ['a'], timeInterval: 5, notification: { endpoint: { uri: rx.url('/x') } } }, /timeInterval/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], throttling: -1, notification: { endpoint: { uri: rx.url('/x') } } }, /throttling/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], geoQ: { georel: 'near;maxDistance==10', geometry: 'Point', coordinates: [1] }, notification: { endpoint: { uri: rx.url('/x') } } }, /coordinates/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], throttling: 0, notification: { endpoint: { uri: rx.url('/x') } } }, /throttling/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], lang: '%%%', notification: { endpoint: { uri: rx.url('/x') } } }, /lang/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri: rx.url('/x'), receiverInfo: [{ key: 'bad header', value: 'x' }] } } }, /receiverInfo\[0\]\.key/],
        [{ type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri: rx.url('/x'), receiverInfo: [{ key: 'X-A', value: 'a\r\nX-B: b' }] } } }, /line breaks/],
      ];
      for (const [body, pattern] of cases) {
        const res = await call(t, { method: 'POST', url: S, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.json.detail, pattern);
      }
      // Members this broker does not implement are refused, not silently dropped.
      for (const extra of [{ ngsildConformance: '1.6' }, { splitEntities: true }]) {
        const res = await call(t, { method: 'POST', url: S, body: { type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri: rx.url('/x') } }, ...extra } });
        assert.equal(res.status, 422, `${JSON.stringify(extra)}: ${res.body}`);
        assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported');
      }
      // The values it honours are kept and shown.
      const honoured = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:conformance', rx.url('/x'), { ngsildConformance: '1.9', splitEntities: false }) });
      assert.equal(honoured.status, 201, honoured.body);
      const shown = (await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:conformance` })).json;
      assert.equal(shown.ngsildConformance, '1.9');
      assert.equal(shown.splitEntities, false);
      assert.equal((await call(t, { method: 'DELETE', url: `${S}/urn:ngsi-ld:Subscription:conformance` })).status, 204);
    });

    it('should show an endpoint\'s credentials redacted, and keep them when a PATCH sends the redaction back', async () => {
      const id = 'urn:ngsi-ld:Subscription:secret';
      const body = { id, type: 'Subscription', entities: [{ type: 'Vault' }], notification: { endpoint: { uri: 'mqtt://tsunagu:pa55word@127.0.0.1:1883/alerts',
        receiverInfo: [{ key: 'Authorization', value: 'Bearer s3cret' }, { key: 'X-Region', value: 'aizu' }] } } };
      assert.equal((await call(t, { method: 'POST', url: S, body })).status, 201);
      const got = (await call(t, { method: 'GET', url: `${S}/${id}` })).json;
      assert.equal(got.notification.endpoint.uri, 'mqtt://tsunagu:********@127.0.0.1:1883/alerts');
      assert.deepEqual(got.notification.endpoint.receiverInfo, [{ key: 'Authorization', value: '********' }, { key: 'X-Region', value: 'aizu' }]);
      assert.ok(!JSON.stringify((await call(t, { method: 'GET', url: S })).json).includes('s3cret'));
      // Writing back what was read keeps the stored secrets.
      assert.equal((await call(t, { method: 'PATCH', url: `${S}/${id}`, body: { notification: { endpoint: got.notification.endpoint } } })).status, 204);
      const row = await sql<{ body: any }>`select body from broker_subscriptions where id = ${id}`.execute(t.ctx.db);
      const stored = typeof row.rows[0]!.body === 'string' ? JSON.parse(row.rows[0]!.body) : row.rows[0]!.body;
      assert.equal(stored.notification.endpoint.uri, 'mqtt://tsunagu:pa55word@127.0.0.1:1883/alerts');
      assert.equal(stored.notification.endpoint.receiverInfo[0].value, 'Bearer s3cret');
      assert.equal((await call(t, { method: 'DELETE', url: `${S}/${id}` })).status, 204);
    });

    it('should remove members set to the NGSI-LD Null in a PATCH, and put the defaults back', async () => {
      const id = 'urn:ngsi-ld:Subscription:nulls';
      await call(t, { method: 'POST', url: S, body: subscription(id, rx.url('/nulls'), { description: '旧', q: 'height>1', throttling: 5, notificationTrigger: ['entityCreated'], isActive: false }) });
      const patched = await call(t, { method: 'PATCH', url: `${S}/${id}`, body: { description: 'urn:ngsi-ld:null', q: 'urn:ngsi-ld:null', throttling: 'urn:ngsi-ld:null', notificationTrigger: null, isActive: null } });
      assert.equal(patched.status, 204, patched.body);
      const got = (await call(t, { method: 'GET', url: `${S}/${id}` })).json;
      assert.equal(got.description, undefined);
      assert.equal(got.q, undefined);
      assert.equal(got.throttling, undefined);
      assert.deepEqual(got.notificationTrigger, ['attributeCreated', 'attributeUpdated']);
      assert.equal(got.isActive, true);
      assert.equal((await call(t, { method: 'DELETE', url: `${S}/${id}` })).status, 204);
    });

    it('should update with PATCH and delete (204, then 404)', async () => {
      const patch = await call(t, { method: 'PATCH', url: `${S}/urn:ngsi-ld:Subscription:crud`, body: { isActive: false, throttling: 5 } });
      assert.equal(patch.status, 204, patch.body);
      const got = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:crud` });
      assert.equal(got.json.status, 'paused');
      assert.equal(got.json.throttling, 5);
      assert.equal((await call(t, { method: 'DELETE', url: `${S}/urn:ngsi-ld:Subscription:crud` })).status, 204);
      assert.equal((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:crud` })).status, 404);
      assert.equal((await call(t, { method: 'PATCH', url: `${S}/urn:ngsi-ld:Subscription:crud`, body: { isActive: true } })).status, 404);
    });
  });

  describe('7.2 notifications', () => {
    it('should notify a change of a watched attribute in normalized form with the @context in a Link header', async () => {
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:n1', rx.url('/n1'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:n1' }], watchedAttributes: ['height'] }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:n1') });
      const created = await until('the creation notification', () => rx.for('/n1')[0]);
      assert.equal(created.body.type, 'Notification');
      assert.equal(created.body.subscriptionId, 'urn:ngsi-ld:Subscription:n1');
      assert.deepEqual(created.body.data[0].height, { type: 'Property', value: 20, unitCode: 'MTR' });
      assert.match(created.headers.link as string, /ngsi-ld-core-context/);
      // A change of an attribute that is not watched does not notify, nor does writing the same
      // value again (5.8.6); a change of a watched one does.
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:n1/attrs`, body: { name: { type: 'Property', value: 'renamed' } } });
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:n1/attrs`, body: { height: { type: 'Property', value: 20, unitCode: 'MTR' } } });
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:n1/attrs`, body: { height: { type: 'Property', value: 21 } } });
      const updated = await until('the update notification', () => rx.for('/n1')[1]);
      assert.equal(updated.body.data[0].height.value, 21);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.for('/n1').length, 2);
      const sub = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:n1` });
      assert.equal(sub.json.notification.timesSent, 2);
      assert.ok(sub.json.notification.lastSuccess);
    });

    it('should filter with q and render keyValues with only the chosen attributes', async () => {
      await call(t, {
        method: 'POST',
        url: S,
        body: subscription('urn:ngsi-ld:Subscription:q', rx.url('/q'), { entities: [{ type: 'Building', idPattern: '^urn:ngsi-ld:Building:q' }], q: 'height>=50', notification: { format: 'keyValues', attributes: ['height'], endpoint: { uri: rx.url('/q') } } }),
      });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:q1') });
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:q1/attrs`, body: { height: { type: 'Property', value: 55 } } });
      const got = await until('the q notification', () => rx.for('/q')[0]);
      assert.deepEqual(got.body.data, [{ id: 'urn:ngsi-ld:Building:q1', type: 'Building', height: 55 }]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.for('/q').length, 1, 'the creation (height 20) did not match the q');
    });

    it('should compare the values of the attributes in expandValues as IRIs, expanded with the subscription’s @context (clause 4.9)', async () => {
      const made = await call(t, {
        method: 'POST',
        url: S,
        headers: { 'content-type': 'application/ld+json' },
        body: {
          ...subscription('urn:ngsi-ld:Subscription:expand', rx.url('/expand'), { entities: [{ type: 'Building', idPattern: '^urn:ngsi-ld:Building:ev' }], q: 'status==Open', expandValues: 'status' }),
          '@context': [{ Open: 'https://schema.org/OpenStatus' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'],
        },
      });
      assert.equal(made.status, 201, made.body);
      assert.equal((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:expand` })).json.expandValues, 'status');
      for (const [id, status] of [['urn:ngsi-ld:Building:ev-closed', 'ClosedStatus'], ['urn:ngsi-ld:Building:ev-open', 'OpenStatus']]) {
        const res = await call(t, { method: 'POST', url: E, body: { ...building(id!), status: { type: 'Property', value: `https://schema.org/${status}` } } });
        assert.equal(res.status, 201, res.body);
      }
      const got = await until('the expandValues notification', () => rx.for('/expand')[0]);
      assert.deepEqual(got.body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Building:ev-open']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.for('/expand').length, 1, 'the closed one did not match');

      const bad = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:expand-bad', rx.url('/x'), { q: 'a==1', expandValues: 'a b' }) });
      assert.equal(bad.status, 400);
      assert.match(bad.json.detail, /expandValues: "a b" is not a valid name/);
    });

    it('should notify periodically (timeInterval) the entities its type expression selects and its q matches, and no others', async () => {
      const at = (id: string, type: string, height: number) => ({ ...building(id), type, height: { type: 'Property', value: height } });
      const made = await call(t, {
        method: 'POST',
        url: '/ngsi-ld/v1/entityOperations/create',
        body: [at('urn:ngsi-ld:Building:per-low', 'Building', 20), at('urn:ngsi-ld:Building:per-high', 'Building', 60), at('urn:ngsi-ld:Tower:per', 'Tower', 70), at('urn:ngsi-ld:House:per', 'House', 80)],
      });
      assert.equal(made.status, 201, made.body);
      const res = await call(t, {
        method: 'POST',
        url: S,
        body: subscription('urn:ngsi-ld:Subscription:periodic', rx.url('/periodic'), { entities: [{ type: 'Building,Tower', idPattern: ':per' }], q: 'height>=50', timeInterval: 1 }),
      });
      assert.equal(res.status, 201, res.body);
      const first = await until('a periodic notification', () => rx.for('/periodic')[0]);
      assert.deepEqual(first.body.data.map((e: { id: string }) => e.id).sort(), ['urn:ngsi-ld:Building:per-high', 'urn:ngsi-ld:Tower:per']);
      await until('the next period', () => rx.for('/periodic')[1]);
      await call(t, { method: 'DELETE', url: `${S}/urn:ngsi-ld:Subscription:periodic` });

      // Beyond the first thousand: every entity, and a match that sorts last.
      const meters = Array.from({ length: 1001 }, (_, i) => at(`urn:ngsi-ld:Meter:${String(i).padStart(4, '0')}`, 'Meter', i === 1000 ? 90 : 10));
      assert.equal((await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: meters })).status, 201);
      for (const [name, extra] of [['meters-all', {}], ['meters-high', { q: 'height>=50' }]] as const) {
        const made = await call(t, { method: 'POST', url: S, body: subscription(`urn:ngsi-ld:Subscription:${name}`, rx.url(`/${name}`), { entities: [{ type: 'Meter' }], timeInterval: 60, ...extra }) });
        assert.equal(made.status, 201, made.body);
      }
      const all = await until('the periodic notification of every meter', () => rx.for('/meters-all')[0]);
      assert.equal(all.body.data.length, 1001);
      const high = await until('the periodic notification of the high meter', () => rx.for('/meters-high')[0]);
      assert.deepEqual(high.body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Meter:1000']);
    });

    it('should notify entity creation and deletion when the triggers ask for it', async () => {
      await call(t, {
        method: 'POST',
        url: S,
        body: subscription('urn:ngsi-ld:Subscription:life', rx.url('/life'), { entities: [{ type: 'Kiosk' }], notificationTrigger: ['entityCreated', 'entityDeleted'] }),
      });
      await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Kiosk:1', type: 'Kiosk', open: { type: 'Property', value: true } } });
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Kiosk:1/attrs`, body: { open: { type: 'Property', value: false } } });
      await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Kiosk:1` });
      const both = await until('two lifecycle notifications', () => rx.for('/life').length >= 2 && rx.for('/life'));
      assert.deepEqual(both.map((n) => n.body.triggerReason), ['entityCreated', 'entityDeleted']);
      assert.ok(both[1]!.body.data[0].deletedAt);
    });

    it('should name an inline @context in the notification\'s Link through an ImplicitlyCreated copy (5.13.1)', async () => {
      const context = [{ Tower: 'https://example.org/city#Tower', floors: 'https://example.org/city#floors' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'];
      const created = await call(t, { method: 'POST', url: S, headers: { 'content-type': 'application/ld+json' }, body: { '@context': context, ...subscription('urn:ngsi-ld:Subscription:inline-ctx', rx.url('/inline-ctx'), { entities: [{ type: 'Tower' }]  }) } });
      assert.equal(created.status, 201, created.body);
      await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Tower:1', type: 'https://example.org/city#Tower', 'https://example.org/city#floors': { type: 'Property', value: 12 } } });
      const note = await until('the notification', () => rx.for('/inline-ctx')[0]);
      assert.equal(note.body.data[0].type, 'Tower');
      assert.equal(note.body.data[0].floors.value, 12);
      const link = /^<([^>]+)>/.exec(String(note.headers.link))![1]!;
      assert.match(link, /\/ngsi-ld\/v1\/jsonldContexts\/[^/]+$/);
      const served = await call(t, { method: 'GET', url: new URL(link).pathname });
      assert.equal(served.status, 200, served.body);
      assert.deepEqual(served.json['@context'], context, 'the receiver can expand the names with what the Link names');
    });

    it('should send notifications with the subscription\'s jsonldContext, and refuse one that cannot be had', async () => {
      const hosted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/jsonldContexts', body: { '@context': { Mast: 'https://example.org/city#Mast', height: 'https://example.org/city#height' } } });
      assert.equal(hosted.status, 201, hosted.body);
      const url = hosted.headers.location as string;
      const contextUrl = url.startsWith('http') ? url : `${t.ctx.config.publicUrl.replace(/\/+$/, '')}${url}`;
      const created = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:jsonld-ctx', rx.url('/jsonld-ctx'), { entities: [{ type: 'https://example.org/city#Mast' }], jsonldContext: contextUrl }) });
      assert.equal(created.status, 201, created.body);
      assert.equal((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:jsonld-ctx` })).json.jsonldContext, contextUrl);
      await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Mast:1', type: 'https://example.org/city#Mast', 'https://example.org/city#height': { type: 'Property', value: 30 } } });
      const note = await until('the notification', () => rx.for('/jsonld-ctx')[0]);
      assert.equal(note.body.data[0].type, 'Mast');
      assert.equal(note.body.data[0].height.value, 30);
      assert.equal(/^<([^>]+)>/.exec(String(note.headers.link))![1], contextUrl);
      const missing = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:jsonld-missing', rx.url('/x'), { jsonldContext: `${t.ctx.config.publicUrl.replace(/\/+$/, '')}/ngsi-ld/v1/jsonldContexts/no-such-context` }) });
      assert.equal(missing.json.type, 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable', missing.body);
    });

    it('should give the previous value of a changed attribute with showChanges, and refuse showChanges with keyValues', async () => {
      const refused = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:changes-kv', rx.url('/x'), { notification: { format: 'keyValues', showChanges: true, endpoint: { uri: rx.url('/x') } } }) });
      assert.equal(refused.status, 400, refused.body);
      assert.match(refused.json.detail, /showChanges/);
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:changes', rx.url('/changes'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:ch1' }], watchedAttributes: ['height'], notification: { showChanges: true, endpoint: { uri: rx.url('/changes') } } }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:ch1') });
      await until('the creation notification', () => rx.for('/changes')[0]);
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:ch1/attrs`, body: { height: { type: 'Property', value: 25 } } });
      const changed = await until('the update notification', () => rx.for('/changes')[1]);
      assert.deepEqual(changed.body.data[0].height, { type: 'Property', value: 25, previousValue: 20 });
      assert.equal((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:changes` })).json.notification.showChanges, true);
    });

    it('should reduce notified entities with notification.pick and omit (4.21), and refuse them together or pick with attributes', async () => {
      const only = { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:pk1' }] };
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:pick', rx.url('/pick'), { ...only, notification: { format: 'keyValues', pick: ['id', 'height'], endpoint: { uri: rx.url('/pick') } } }) });
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:omit', rx.url('/omit'), { ...only, notificationTrigger: ['entityCreated', 'attributeDeleted'], notification: { omit: ['type', 'name'], endpoint: { uri: rx.url('/omit') } } }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:pk1') });
      const picked = await until('the pick notification', () => rx.for('/pick')[0]);
      assert.deepEqual(picked.body.data, [{ id: 'urn:ngsi-ld:Building:pk1', height: 20 }]);
      const omitted = await until('the omit notification', () => rx.for('/omit')[0]);
      assert.deepEqual(Object.keys(omitted.body.data[0]).sort(), ['height', 'id', 'location']);
      // An omitted attribute is not named when it is deleted either.
      await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:pk1/attrs/name` });
      const afterDelete = await until('the attributeDeleted notification', () => rx.for('/omit')[1]);
      assert.equal(afterDelete.body.triggerReason, 'attributeDeleted');
      assert.equal(afterDelete.body.data[0].name, undefined);
      const shown = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:pick` });
      assert.deepEqual(shown.json.notification.pick, ['id', 'height']);
      // PATCH: the NGSI-LD Null removes pick; omit may then be set.
      const patched = await call(t, { method: 'PATCH', url: `${S}/urn:ngsi-ld:Subscription:pick`, body: { notification: { pick: 'urn:ngsi-ld:null', omit: ['scope'] } } });
      assert.equal(patched.status, 204, patched.body);
      const afterPatch = (await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:pick` })).json.notification;
      assert.equal(afterPatch.pick, undefined);
      assert.deepEqual(afterPatch.omit, ['scope']);
      const cases: Array<[Record<string, unknown>, number, RegExp]> = [
        [{ pick: ['height'], omit: ['name'] }, 400, /pick and notification.omit/],
        [{ pick: ['height'], attributes: ['height'] }, 400, /synonym/],
        [{ pick: [] }, 400, /notification.pick/],
        [{ omit: ['bad name!'] }, 400, /notification.omit/],
        [{ pick: ['owner{name}'] }, 422, /linked entities/],
      ];
      for (const [members, status, pattern] of cases) {
        const res = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:pick-bad', rx.url('/x'), { notification: { ...members, endpoint: { uri: rx.url('/x') } } }) });
        assert.equal(res.status, status, `${JSON.stringify(members)}: ${res.body}`);
        assert.match(res.json.detail, pattern);
      }
    });

    it('should add the linked entities with notification.join: inline in the Relationship, or flat after the entity (4.5.23)', async () => {
      const owner = { id: 'urn:ngsi-ld:Person:jn-owner', type: 'Person', name: { type: 'Property', value: '佐藤' } };
      assert.equal((await call(t, { method: 'POST', url: E, body: owner })).status, 201);
      const only = { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:jn1' }] };
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:join-inline', rx.url('/join-inline'), { ...only, notification: { format: 'keyValues', join: 'inline', endpoint: { uri: rx.url('/join-inline') } } }) });
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:join-flat', rx.url('/join-flat'), { ...only, notification: { join: 'flat', joinLevel: 2, attributes: ['owner'], endpoint: { uri: rx.url('/join-flat') } } }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:jn1', { owner: { type: 'Relationship', object: owner.id } }) });
      const inline = await until('the inline notification', () => rx.for('/join-inline')[0]);
      assert.equal(inline.body.data.length, 1);
      assert.deepEqual(inline.body.data[0].owner, { id: owner.id, type: 'Person', name: '佐藤' });
      const flat = await until('the flat notification', () => rx.for('/join-flat')[0]);
      assert.deepEqual(flat.body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Building:jn1', owner.id]);
      assert.deepEqual(flat.body.data[0].owner, { type: 'Relationship', object: owner.id });
      const shown = (await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:join-flat` })).json.notification;
      assert.equal(shown.join, 'flat');
      assert.equal(shown.joinLevel, 2);
      for (const [members, status] of [[{ join: 'deep' }, 400], [{ join: 'flat', joinLevel: 0 }, 400], [{ join: 'inline', joinLevel: 99 }, 403]] as const) {
        const res = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:join-bad', rx.url('/x'), { notification: { ...members, endpoint: { uri: rx.url('/x') } } }) });
        assert.equal(res.status, status, `${JSON.stringify(members)}: ${res.body}`);
        assert.match(res.json.detail, /notification.join/);
      }
    });

    it('should notify only the attribute instances of the subscription\'s datasetId (4.5.5), "@none" naming the default one', async () => {
      const only = { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:ds1' }] };
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ds', rx.url('/ds'), { ...only, datasetId: ['urn:ngsi-ld:Dataset:sensor'], notification: { attributes: ['height'], endpoint: { uri: rx.url('/ds') } } }) });
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ds-none', rx.url('/ds-none'), { ...only, datasetId: ['@none'], notification: { format: 'keyValues', attributes: ['height'], endpoint: { uri: rx.url('/ds-none') } } }) });
      const height = [
        { type: 'Property', value: 20 },
        { type: 'Property', value: 21.5, datasetId: 'urn:ngsi-ld:Dataset:sensor' },
        { type: 'Property', value: 19, datasetId: 'urn:ngsi-ld:Dataset:survey' },
      ];
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:ds1', { height }) });
      const sensor = await until('the datasetId notification', () => rx.for('/ds')[0]);
      assert.deepEqual(sensor.body.data[0].height, { type: 'Property', value: 21.5, datasetId: 'urn:ngsi-ld:Dataset:sensor' });
      const plain = await until('the @none notification', () => rx.for('/ds-none')[0]);
      assert.equal(plain.body.data[0].height, 20);
      assert.deepEqual((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:ds-none` })).json.datasetId, ['@none']);
      const refused = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ds-bad', rx.url('/x'), { datasetId: ['not a uri'] }) });
      assert.equal(refused.status, 400);
      assert.match(refused.json.detail, /datasetId\[0\]/);
    });

    it('should name a deleted attribute with the NGSI-LD Null, as an object when the system times are asked for', async () => {
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:del-kv', rx.url('/del-kv'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:del1' }], notificationTrigger: ['attributeDeleted'], notification: { format: 'keyValues', endpoint: { uri: rx.url('/del-kv') } } }) });
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:del-sys', rx.url('/del-sys'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:del1' }], notificationTrigger: ['attributeDeleted'], notification: { sysAttrs: true, attributes: ['name'], endpoint: { uri: rx.url('/del-sys') } } }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:del1') });
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:del1/attrs/name` })).status, 204);
      const plain = await until('the keyValues notification', () => rx.for('/del-kv')[0]);
      assert.equal(plain.body.triggerReason, 'attributeDeleted');
      assert.equal(plain.body.data[0].name, 'urn:ngsi-ld:null');
      assert.equal(plain.body.data[0].height, 20, 'the rest of the entity as it is now');
      const withTimes = await until('the sysAttrs notification', () => rx.for('/del-sys')[0]);
      assert.equal(withTimes.body.data[0].name.type, 'Property');
      assert.equal(withTimes.body.data[0].name.value, 'urn:ngsi-ld:null');
      assert.match(withTimes.body.data[0].name.deletedAt, /^\d{4}-/);
    });

    it('should retry a failing receiver and deliver every change once it recovers, recording the failure', async () => {
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:retry', rx.url('/retry'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:r1' }] }) });
      rx.setStatus(503);
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:r1') });
      const failed = await (async () => {
        const end = Date.now() + 5000;
        while (Date.now() < end) {
          const sub = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:retry` });
          if (sub.json.notification.timesFailed > 0) return sub.json;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.fail('no failure recorded');
      })();
      assert.equal(failed.notification.status, 'failed');
      assert.equal(failed.notification.timesSent, failed.notification.timesFailed, 'a refused notification was sent (5.11.7)');
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:r1/attrs`, body: { height: { type: 'Property', value: 33 } } });
      rx.setStatus(200);
      const delivered = await until('the retried notification', () => {
        const data = rx.for('/retry').flatMap((n) => n.body.data);
        return data.length >= 2 && data;
      }, 10_000);
      assert.deepEqual(delivered.map((d: { height: { value: number } }) => d.height.value), [20, 33], 'both changes, in order');
    });

    it('should count a send as failed after the endpoint\'s timeout, and wait its cooldown before trying again (5.2.15)', async () => {
      // An endpoint that takes every request and answers none, and one that refuses every request.
      const attempts: Array<{ path: string; at: number }> = [];
      const endpoint = http.createServer((req, res) => {
        attempts.push({ path: req.url ?? '', at: Date.now() });
        if (req.url === '/refuse') res.writeHead(503).end();
      });
      await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(endpoint.address() as net.AddressInfo).port}`;
      try {
        for (const [member, value] of [['timeout', 0], ['cooldown', -5], ['timeout', '300'], ['cooldown', 1e20], ['timeout', 120_000]] as const) {
          const res = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ep-bad', `${base}/x`, { notification: { endpoint: { uri: `${base}/x`, [member]: value } } }) });
          assert.equal(res.status, 400, res.body);
          assert.match(res.json.detail, new RegExp(`endpoint.${member}`));
        }
        const only = { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:ep1' }] };
        await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ep-timeout', `${base}/hang`, { ...only, notification: { endpoint: { uri: `${base}/hang`, timeout: 300 } } }) });
        await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ep-cooldown', `${base}/refuse`, { ...only, notification: { endpoint: { uri: `${base}/refuse`, cooldown: 4000 } } }) });
        const shown = (await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:ep-timeout` })).json.notification.endpoint;
        assert.equal(shown.timeout, 300);
        // In a PATCH the NGSI-LD Null leaves a member of the endpoint out, as elsewhere.
        await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:ep-null', `${base}/x`, { notification: { endpoint: { uri: `${base}/x`, timeout: 500 } } }) });
        const nulled = await call(t, { method: 'PATCH', url: `${S}/urn:ngsi-ld:Subscription:ep-null`, body: { notification: { endpoint: { uri: `${base}/x`, timeout: 'urn:ngsi-ld:null' } } } });
        assert.equal(nulled.status, 204, nulled.body);
        assert.equal((await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:ep-null` })).json.notification.endpoint.timeout, undefined);
        await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:ep1') });
        // The broker's own limit is 10 s: the endpoint's 300 ms shows well before it.
        const failed = await until('the timed-out send', async () => {
          const sub = (await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:ep-timeout` })).json;
          return sub.notification.timesFailed >= 1 && sub;
        }, 6000);
        assert.equal(failed.notification.status, 'failed');
        assert.ok(attempts.some((a) => a.path === '/hang'));
        // A retry comes after the cooldown, not after the first backoff step (1 s).
        await until('a retry of the refused send', () => attempts.filter((a) => a.path === '/refuse').length >= 2, 15_000);
        const [first, second] = attempts.filter((a) => a.path === '/refuse');
        assert.ok(second!.at - first!.at >= 4000, `retried after ${second!.at - first!.at} ms`);
      } finally {
        for (const id of ['ep-timeout', 'ep-cooldown', 'ep-null']) await call(t, { method: 'DELETE', url: `${S}/urn:ngsi-ld:Subscription:${id}` });
        endpoint.closeAllConnections();
        await new Promise((resolve) => endpoint.close(resolve));
      }
    });

    it('should hold changes back while throttled and then deliver all of them', async () => {
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:thr', rx.url('/thr'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:t1' }], throttling: 1 }) });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:t1') });
      await until('the first notification', () => rx.for('/thr')[0]);
      for (let i = 1; i <= 5; i++) await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:t1/attrs`, body: { height: { type: 'Property', value: 100 + i } } });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(rx.for('/thr').length, 1, 'nothing more within the throttling interval');
      const all = await until('the held changes', () => {
        const data = rx.for('/thr').flatMap((n) => n.body.data);
        return data.length >= 6 && data;
      });
      assert.deepEqual(all.map((d: { height: { value: number } }) => d.height.value), [20, 101, 102, 103, 104, 105]);
      assert.equal(rx.for('/thr').length, 2, 'the five changes came in one notification');
    });

    it('should never fire a deleted subscription', async () => {
      await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:gone', rx.url('/gone'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:g1' }] }) });
      await call(t, { method: 'DELETE', url: `${S}/urn:ngsi-ld:Subscription:gone` });
      await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:g1') });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(rx.for('/gone').length, 0);
    });

    it('should publish to an mqtt:// endpoint through the local MQTT broker', async () => {
      const topic = `tsunagu/test/${process.pid}/${Date.now()}`;
      const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
      const messages: any[] = [];
      client.on('message', (_topic, payload) => messages.push(JSON.parse(payload.toString())));
      await client.subscribeAsync(topic, { qos: 1 });
      try {
        const invalid = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:mqtt-bad', `mqtt://127.0.0.1:1883/${topic}`, { notification: { endpoint: { uri: `mqtt://127.0.0.1:1883/${topic}`, notifierInfo: [{ key: 'MQTT-QoS', value: '7' }] } } }) });
        assert.equal(invalid.status, 400, invalid.body);
        assert.match(invalid.json.detail, /MQTT-QoS/);
        const created = await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:mqtt', `mqtt://127.0.0.1:1883/${topic}`, { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:mq1' }],
          notification: { endpoint: { uri: `mqtt://127.0.0.1:1883/${topic}`, receiverInfo: [{ key: 'My-Key', value: 'v' }] } } }) });
        assert.equal(created.status, 201, created.body);
        await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:mq1') });
        const message = await until('the MQTT message', () => messages[0]);
        assert.equal(message.metadata['Content-Type'], 'application/json');
        assert.equal(message.metadata['My-Key'], 'v', 'receiverInfo keys keep their case');
        assert.equal(message.body.type, 'Notification');
        assert.equal(message.body.data[0].id, 'urn:ngsi-ld:Building:mq1');
      } finally {
        await client.endAsync();
      }
    });

    it('should fail the delivery to an mqtt:// endpoint that is no MQTT broker, and keep delivering the others', async () => {
      // A server that takes the connection and hangs up at the first bytes (an HTTP port, say).
      const notMqtt = net.createServer((socket) => socket.once('data', () => socket.destroy()));
      await new Promise<void>((resolve) => notMqtt.listen(0, '127.0.0.1', resolve));
      const port = (notMqtt.address() as net.AddressInfo).port;
      try {
        await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:not-mqtt', `mqtt://127.0.0.1:${port}/x`, { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:nm1' }] }) });
        await call(t, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:beside', rx.url('/beside'), { entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:nm2' }] }) });
        await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:nm1') });
        await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:nm2') });
        for (let i = 0; i < 3; i++) await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Building:nm2/attrs`, body: { height: { type: 'Property', value: 40 + i } } });
        await until('every change of the other subscription', () => rx.for('/beside').flatMap((n) => n.body.data).length >= 4, 15_000);
        const failed = await until('the failed MQTT delivery', async () => {
          const sub = await call(t, { method: 'GET', url: `${S}/urn:ngsi-ld:Subscription:not-mqtt` });
          return sub.json.notification.timesFailed > 0 && sub.json.notification;
        }, 15_000);
        assert.equal(failed.status, 'failed');
      } finally {
        notMqtt.close();
      }
    });
  });
});

describe('notifications survive a process that stops before delivering', () => {
  it('should keep the change in the outbox and deliver it when a worker runs', async () => {
    const rx = await receiver();
    const writer = await brokerTestApp({ runWorker: false });
    try {
      await call(writer, { method: 'POST', url: S, body: subscription('urn:ngsi-ld:Subscription:outbox', rx.url('/outbox'), { entities: [{ type: 'Building' }] }) });
      await call(writer, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:o1') });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.received.length, 0, 'no worker, nothing sent');
      const pending = await writer.database.db.selectFrom('broker_notifications' as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as { n: number | string };
      assert.equal(Number(pending.n), 1);
      const { Notifier } = await import('../notifier.ts');
      const { ContextResolver } = await import('../../jsonld/resolver.ts');
      const notifier = new Notifier(writer.ctx, new ContextResolver() as never, { warn: () => undefined });
      await notifier.deliverDue();
      await notifier.stop();
      assert.equal(rx.for('/outbox').length, 1);
      assert.equal(rx.for('/outbox')[0]!.body.data[0].id, 'urn:ngsi-ld:Building:o1');
    } finally {
      await writer.close();
      await rx.close();
    }
  });
});
