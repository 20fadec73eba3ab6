// Distributed subscriptions (clause 5.8.1.4): a subscription on the prefecture broker subscribes
// at the registered municipal broker (a real second process), whose notifications of changes
// made directly there reach the subscriber as notifications of the prefecture's subscription;
// updates and deletes are carried to the source.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createListeningTestApp } from '../../../../test/helpers/test-database.ts';
import { notificationReceiver, until } from '../../../../test/helpers/notification-receiver.ts';
import { startSourceBroker, type SourceBroker } from '../../registrations/test/federation-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const S = '/ngsi-ld/v1/subscriptions';
const SUB = 'urn:ngsi-ld:Subscription:shelters';

async function send(url: string, method: string, body?: unknown) {
  const res = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

describe('Distributed subscriptions (clause 5.8.1.4)', () => {
  let prefecture: Awaited<ReturnType<typeof createListeningTestApp>>;
  let source: SourceBroker;
  let rx: Awaited<ReturnType<typeof notificationReceiver>>;

  const capacity = (value: number) => send(`${source.url}${E}/urn:ngsi-ld:Shelter:aizu-1/attrs`, 'PATCH', { capacity: { type: 'Property', value } });
  const remoteSubscriptions = async () => (await send(`${source.url}${S}`, 'GET')).json as Array<{ id: string; notification: { endpoint: { uri: string } } }>;

  before(async () => {
    [prefecture, source, rx] = await Promise.all([
      createListeningTestApp([5150, 5170], { brokerAuth: false, runWorker: true }),
      startSourceBroker([5170, 5190], { TSUNAGU_WORKER: 'true' }),
      notificationReceiver([5190, 5200]),
    ]);
    assert.equal((await send(`${source.url}${E}`, 'POST', { id: 'urn:ngsi-ld:Shelter:aizu-1', type: 'Shelter', capacity: { type: 'Property', value: 100 } })).status, 201);
    const registered = await send(`${prefecture.base}/ngsi-ld/v1/csourceRegistrations`, 'POST', {
      id: 'urn:ngsi-ld:ContextSourceRegistration:aizu',
      type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Shelter' }] }],
      endpoint: source.url,
    });
    assert.equal(registered.status, 201, registered.text);
  });

  after(async () => {
    await prefecture?.app.close();
    await source?.close();
    await rx?.close();
  });

  it('should subscribe at the source and turn its notifications into the local subscription\'s, with q applied here', async () => {
    const created = await send(`${prefecture.base}${S}`, 'POST', {
      id: SUB,
      type: 'Subscription',
      entities: [{ type: 'Shelter' }],
      watchedAttributes: ['capacity'],
      q: 'capacity>200',
      notification: { format: 'keyValues', attributes: ['capacity'], endpoint: { uri: rx.url('/shelters') } },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('ngsild-warning'), null);
    const remote = await remoteSubscriptions();
    assert.equal(remote.length, 1, 'one subscription at the source');
    assert.match(remote[0]!.notification.endpoint.uri, new RegExp(`^${prefecture.base}/ngsi-ld/ex/v1/remoteNotifications/`));

    // Changes made directly at the source, in order; 50 fails the q and is never notified.
    assert.equal((await capacity(300)).status, 204);
    await until('the first change', () => rx.data('/shelters').length >= 1, 30_000);
    assert.equal((await capacity(50)).status, 204);
    assert.equal((await capacity(400)).status, 204);
    await until('the third change', () => rx.data('/shelters').length >= 2, 30_000);
    const notes = rx.for('/shelters');
    assert.ok(notes.every((n) => n.body.subscriptionId === SUB), 'notified as the prefecture\'s subscription');
    assert.deepEqual(rx.data('/shelters').map((e: { id: string; capacity: number }) => [e.id, e.capacity]), [['urn:ngsi-ld:Shelter:aizu-1', 300], ['urn:ngsi-ld:Shelter:aizu-1', 400]]);
    const status = await send(`${prefecture.base}${S}/${SUB}`, 'GET');
    assert.ok(status.json.notification.timesSent >= 1);
  });

  it('should replace the remote subscription on update and delete it with the local one', async () => {
    const before = (await remoteSubscriptions())[0]!;
    assert.equal((await send(`${prefecture.base}${S}/${SUB}`, 'PATCH', { q: 'capacity>10' })).status, 204);
    const replaced = await remoteSubscriptions();
    assert.equal(replaced.length, 1);
    assert.notEqual(replaced[0]!.id, before.id);
    // The old address no longer feeds the subscription.
    const stale = await send(before.notification.endpoint.uri, 'POST', { id: 'urn:ngsi-ld:Notification:x', type: 'Notification', subscriptionId: before.id, notifiedAt: new Date().toISOString(), data: [] });
    assert.equal(stale.status, 404);
    const seen = rx.data('/shelters').length;
    assert.equal((await capacity(60)).status, 204);
    await until('the change under the new q', () => rx.data('/shelters').length > seen, 30_000);

    assert.equal((await send(`${prefecture.base}${S}/${SUB}`, 'DELETE')).status, 204);
    assert.deepEqual(await remoteSubscriptions(), []);
    const rows = await prefecture.app.ctx.db.selectFrom('broker_remote_subscriptions' as never).selectAll().execute();
    assert.deepEqual(rows, []);
  });

  it('should refuse a notification that is not one', async () => {
    const created = await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Shelter' }], notification: { endpoint: { uri: rx.url('/other') } } });
    assert.equal(created.status, 201, created.text);
    const uri = (await remoteSubscriptions())[0]!.notification.endpoint.uri;
    const bad = await send(uri, 'POST', { type: 'Notification' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
  });
});
