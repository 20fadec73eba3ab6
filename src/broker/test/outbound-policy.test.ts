// URLs that clients name are checked against the outbound address policy (platform/outbound):
// with production's default (private networks refused), a subscription, a context source
// registration or a Link to a @context on 127.0.0.1 is refused with 400 where it is given;
// allow-listed, the same subscription is accepted and its notifications arrive.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { notificationReceiver, until } from '../../../test/helpers/notification-receiver.ts';
import { OutboundGuard } from '../../platform/outbound/outbound-guard.ts';
import { brokerTestApp, building, call, type TestApp } from './broker-test-app.ts';

const S = '/ngsi-ld/v1/subscriptions';
const BAD_REQUEST = 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData';

const subscription = (uri: string) => ({ type: 'Subscription', entities: [{ type: 'Building' }], notification: { endpoint: { uri } } });

describe('outbound address policy on client-named URLs', () => {
  let refusing: TestApp;
  let allowing: TestApp;
  let rx: Awaited<ReturnType<typeof notificationReceiver>>;
  before(async () => {
    rx = await notificationReceiver([4610, 4630]);
    refusing = await brokerTestApp({ runWorker: true, outbound: { privateNetworks: 'refuse', allow: [] } });
    await refusing.app.ready();
    allowing = await brokerTestApp({ runWorker: true, outbound: { privateNetworks: 'refuse', allow: ['127.0.0.1/32'] } });
    await allowing.app.ready();
  });
  after(async () => {
    await refusing.close();
    await allowing.close();
    await rx.close();
  });

  it('subscription create should answer 400 BadRequestData naming the loopback address, and store nothing', async () => {
    for (const uri of [rx.url('/n'), `http://[::ffff:127.0.0.1]:${rx.port}/n`, 'http://169.254.169.254/latest/meta-data', 'mqtt://10.0.0.8:1883/city/notify']) {
      const res = await call(refusing, { method: 'POST', url: S, body: subscription(uri) });
      assert.equal(res.status, 400, uri);
      assert.equal(res.json.type, BAD_REQUEST);
      assert.match(res.json.detail, /^notification\.endpoint\.uri: .* may not be contacted: .* (loopback|link-local|private) address/, uri);
    }
    assert.deepEqual((await call(refusing, { method: 'GET', url: S })).json, []);
  });

  it('subscription update should refuse a new endpoint on a private address and keep the old one', async () => {
    const created = await call(refusing, { method: 'POST', url: S, body: subscription('http://203.0.113.9/notify') });
    assert.equal(created.status, 201, created.body);
    const patched = await call(refusing, { method: 'PATCH', url: created.headers.location as string, body: { notification: { endpoint: { uri: 'http://192.168.1.20/notify' } } } });
    assert.equal(patched.status, 400);
    assert.match(patched.json.detail, /192\.168\.1\.20 is a private address/);
    const got = await call(refusing, { method: 'GET', url: created.headers.location as string });
    assert.equal(got.json.notification.endpoint.uri, 'http://203.0.113.9/notify');
  });

  it('csourceRegistration create and update should refuse an endpoint on a private address', async () => {
    const R = '/ngsi-ld/v1/csourceRegistrations';
    const body = { type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }] }], endpoint: 'http://10.1.2.3:1026' };
    const res = await call(refusing, { method: 'POST', url: R, body });
    assert.equal(res.status, 400);
    assert.equal(res.json.type, BAD_REQUEST);
    assert.match(res.json.detail, /^endpoint: .*10\.1\.2\.3 is a private address/);
    const ok = await call(refusing, { method: 'POST', url: R, body: { ...body, endpoint: 'http://203.0.113.10:1026' } });
    assert.equal(ok.status, 201, ok.body);
    const patched = await call(refusing, { method: 'PATCH', url: ok.headers.location as string, body: { endpoint: 'http://[fd00::5]:1026' } });
    assert.equal(patched.status, 400);
    assert.match(patched.json.detail, /unique-local/);
  });

  it('a Link header naming a @context on a loopback address should answer 400, not 504', async () => {
    const res = await call(refusing, {
      method: 'GET',
      url: '/ngsi-ld/v1/entities?type=Building',
      headers: { link: `<http://127.0.0.1:${rx.port}/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"` },
    });
    assert.equal(res.status, 400, res.body);
    assert.equal(res.json.type, BAD_REQUEST);
    assert.match(res.json.detail, /@context .* may not be fetched: 127\.0\.0\.1 is a loopback address/);
    assert.equal(rx.received.length, 0);
  });

  it('a name that resolves to loopback by the time a notification is sent should fail that delivery, not reach it', async () => {
    // A stand-in DNS: public when the subscription is made, the receiver's loopback address after.
    let lookups = 0;
    const previous = refusing.ctx.outbound;
    refusing.ctx.outbound = new OutboundGuard({ privateNetworks: 'refuse', allow: [] }, async () => [{ address: lookups++ === 0 ? '203.0.113.7' : '127.0.0.1', family: 4 }]);
    try {
      const created = await call(refusing, { method: 'POST', url: S, body: subscription(`http://rebinding.example.jp:${rx.port}/rebound`) });
      assert.equal(created.status, 201, created.body);
      assert.equal((await call(refusing, { method: 'POST', url: '/ngsi-ld/v1/entities', body: building('urn:ngsi-ld:Building:rebound') })).status, 201);
      const status = await until('the failed delivery', async () => {
        const res = await call(refusing, { method: 'GET', url: created.headers.location as string });
        return res.json.notification.status === 'failed' && res.json.notification;
      });
      assert.equal(status.timesSent ?? 0, 0);
      assert.equal(status.timesFailed, 1);
      assert.equal(rx.for('/rebound').length, 0);
      // Refused by the policy (not, say, an unknown name): the reason the broker recorded says so.
      const id = decodeURIComponent((created.headers.location as string).split('/').pop()!);
      const row = await sql<{ reason: string }>`select last_failure_reason as reason from broker_subscriptions where id = ${id}`.execute(refusing.ctx.db);
      assert.match(row.rows[0]!.reason, /rebinding\.example\.jp resolves to 127\.0\.0\.1, a loopback address/);
    } finally {
      await refusing.ctx.outbound.close();
      refusing.ctx.outbound = previous;
    }
  });

  it('an allow-listed address should be accepted and notified', async () => {
    const res = await call(allowing, { method: 'POST', url: S, body: subscription(rx.url('/allowed')) });
    assert.equal(res.status, 201, res.body);
    assert.equal((await call(allowing, { method: 'POST', url: '/ngsi-ld/v1/entities', body: building('urn:ngsi-ld:Building:allowed') })).status, 201);
    const got = await until('the notification to the allow-listed address', () => rx.for('/allowed')[0]);
    assert.equal(got.body.data[0].id, 'urn:ngsi-ld:Building:allowed');
  });
});
