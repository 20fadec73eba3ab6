// Distributed subscriptions (clause 5.8.1.4): a subscription on the prefecture broker subscribes
// at the registered municipal broker (a real second process), whose notifications of changes
// made directly there reach the subscriber as notifications of the prefecture's subscription;
// updates and deletes are carried to the source; a registration made, changed or deleted after
// the subscription subscribes, replaces or unsubscribes there through the durable job queue, and
// one that expires unsubscribes there through a job of that queue due at its expiresAt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createListeningTestApp } from '../../../../test/helpers/test-database.ts';
import { notificationReceiver, until } from '../../../../test/helpers/notification-receiver.ts';
import { freePort, startSourceBroker, type SourceBroker } from '../../registrations/test/federation-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const S = '/ngsi-ld/v1/subscriptions';
const SUB = 'urn:ngsi-ld:Subscription:shelters';

const R = '/ngsi-ld/v1/csourceRegistrations';

async function send(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined, text };
}

describe('Distributed subscriptions (clause 5.8.1.4)', () => {
  let prefecture: Awaited<ReturnType<typeof createListeningTestApp>>;
  let source: SourceBroker;
  let rx: Awaited<ReturnType<typeof notificationReceiver>>;

  const capacity = (value: number) => send(`${source.url}${E}/urn:ngsi-ld:Shelter:aizu-1/attrs`, 'PATCH', { capacity: { type: 'Property', value } });
  const remoteSubscriptions = async () => (await send(`${source.url}${S}`, 'GET')).json as Array<{ id: string; entities?: Array<{ type: string }>; notification: { endpoint: { uri: string } } }>;
  /** The subscriptions at the source for hydrants (those of the registration tests below). */
  const hydrantSubscriptions = async () => (await remoteSubscriptions()).filter((s) => s.entities?.some((e) => e.type === 'Hydrant'));
  const pressure = (value: number) => send(`${source.url}${E}/urn:ngsi-ld:Hydrant:aizu-7/attrs`, 'PATCH', { pressure: { type: 'Property', value } });
  /** The prefecture's worker: runs the queued jobs that are due. */
  const runJobs = async () => {
    while ((await prefecture.app.ctx.queue.runDue(20)) > 0);
  };
  const jobs = () => prefecture.app.ctx.db.selectFrom('platform_jobs').selectAll().where('topic', '=', 'broker.distributed-subscriptions').orderBy('id').execute();
  const remoteRows = (registration: string) => prefecture.app.ctx.db.selectFrom('broker_remote_subscriptions' as never).selectAll().where('registration_id' as never, '=', registration as never).execute();

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

  describe('registrations made, changed or deleted after the subscription', () => {
    const HYD = 'urn:ngsi-ld:Subscription:hydrants';
    const REG = 'urn:ngsi-ld:ContextSourceRegistration:aizu-hydrants';
    const hydrants = { id: REG, type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Hydrant' }] }] };

    before(async () => {
      assert.equal((await send(`${source.url}${E}`, 'POST', { id: 'urn:ngsi-ld:Hydrant:aizu-7', type: 'Hydrant', pressure: { type: 'Property', value: 3 } })).status, 201);
      // Another tenant of the prefecture broker with a subscription to hydrants, and no registration for them.
      const iwaki = { 'ngsild-tenant': 'iwaki' };
      assert.equal((await send(`${prefecture.base}${R}`, 'POST', { type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'FireStation' }] }], endpoint: source.url }, iwaki)).status, 201);
      assert.equal((await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Hydrant' }], notification: { endpoint: { uri: rx.url('/iwaki') } } }, iwaki)).status, 201);
      const created = await send(`${prefecture.base}${S}`, 'POST', {
        id: HYD,
        type: 'Subscription',
        entities: [{ type: 'Hydrant' }],
        watchedAttributes: ['pressure'],
        notification: { format: 'keyValues', attributes: ['pressure'], endpoint: { uri: rx.url('/hydrants') } },
      });
      assert.equal(created.status, 201, created.text);
      await runJobs();
      assert.deepEqual(await hydrantSubscriptions(), [], 'no source registered for hydrants yet');
    });

    it('should subscribe at a source registered later, through the durable queue, for that tenant\'s subscriptions only', async () => {
      const registered = await send(`${prefecture.base}${R}`, 'POST', { ...hydrants, endpoint: source.url });
      assert.equal(registered.status, 201, registered.text);
      // Committed with the registration: the work survives a crash before the worker gets to it.
      assert.equal((await jobs()).filter((j) => j.status === 'pending').length, 1);
      await runJobs();
      const remote = await hydrantSubscriptions();
      assert.equal(remote.length, 1, 'one subscription at the source, for the default tenant\'s subscription only');
      assert.match(remote[0]!.notification.endpoint.uri, new RegExp(`^${prefecture.base}/ngsi-ld/ex/v1/remoteNotifications/`));

      assert.equal((await pressure(5)).status, 204);
      await until('the change made at the source', () => rx.data('/hydrants').length >= 1, 30_000);
      assert.ok(rx.for('/hydrants').every((n) => n.body.subscriptionId === HYD));
      assert.deepEqual(rx.data('/hydrants').map((e: { id: string; pressure: number }) => [e.id, e.pressure]), [['urn:ngsi-ld:Hydrant:aizu-7', 5]]);
      assert.deepEqual(rx.for('/iwaki'), [], 'the other tenant\'s subscription is not fed by this tenant\'s registration');
    });

    it('should keep the remote subscription through a change that does not concern it, and through the job running again', async () => {
      const [before] = await hydrantSubscriptions();
      assert.equal((await send(`${prefecture.base}${R}/${REG}`, 'PATCH', { description: '会津の消火栓' })).status, 204);
      await runJobs();
      // At least once: a second run of the same job finds everything current.
      await prefecture.app.ctx.db.updateTable('platform_jobs').set({ status: 'pending' }).where('topic', '=', 'broker.distributed-subscriptions').execute();
      await runJobs();
      assert.deepEqual((await hydrantSubscriptions()).map((s) => s.id), [before!.id]);
    });

    it('should delete the remote subscription when the registration no longer matches, and subscribe again when it does', async () => {
      assert.equal((await send(`${prefecture.base}${R}/${REG}`, 'PATCH', { information: [{ entities: [{ type: 'FireStation' }] }] })).status, 204);
      await runJobs();
      assert.deepEqual(await hydrantSubscriptions(), []);
      assert.deepEqual(await remoteRows(REG), []);

      assert.equal((await send(`${prefecture.base}${R}/${REG}`, 'PATCH', { information: hydrants.information })).status, 204);
      await runJobs();
      assert.equal((await hydrantSubscriptions()).length, 1);
      const seen = rx.data('/hydrants').length;
      assert.equal((await pressure(6)).status, 204);
      await until('the change under the renewed remote subscription', () => rx.data('/hydrants').length > seen, 30_000);
    });

    it('should delete the remote subscription with the registration', async () => {
      assert.equal((await send(`${prefecture.base}${R}/${REG}`, 'DELETE')).status, 204);
      await runJobs();
      assert.deepEqual(await hydrantSubscriptions(), []);
      assert.deepEqual(await remoteRows(REG), []);
    });

    it('should retry a source that cannot be reached, and subscribe once when it can', async () => {
      // Nothing listens at this address.
      const port = await freePort(5190, 5200);
      const registered = await send(`${prefecture.base}${R}`, 'POST', { ...hydrants, endpoint: `http://127.0.0.1:${port}` });
      assert.equal(registered.status, 201, registered.text);
      await runJobs();
      const failed = (await jobs()).at(-1)!;
      assert.equal(failed.status, 'pending', 'left for a retry');
      assert.match(failed.last_error ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.deepEqual(await remoteRows(REG), []);

      // The registration is corrected; the retry of the first job and the job of the change
      // both run, and the source has one subscription.
      assert.equal((await send(`${prefecture.base}${R}/${REG}`, 'PATCH', { endpoint: source.url })).status, 204);
      await until('the retry', async () => {
        await runJobs();
        return (await jobs()).every((j) => j.status === 'done');
      }, 30_000);
      assert.equal((await hydrantSubscriptions()).length, 1);
      assert.equal((await remoteRows(REG)).length, 1);
    });
  });

  describe('a registration that expires', () => {
    const REG = 'urn:ngsi-ld:ContextSourceRegistration:aizu-gauges';
    const GAUGE = 'urn:ngsi-ld:RiverGauge:aga-1';
    const level = (value: number) => send(`${source.url}${E}/${GAUGE}/attrs`, 'PATCH', { level: { type: 'Property', value } });
    const gaugeSubscriptions = async () => (await remoteSubscriptions()).filter((s) => s.entities?.some((e) => e.type === 'RiverGauge'));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('should delete the remote subscriptions made under it at its expiresAt, and stop forwarding to it', async () => {
      assert.equal((await send(`${source.url}${E}`, 'POST', { id: GAUGE, type: 'RiverGauge', level: { type: 'Property', value: 1 } })).status, 201);
      const expiresAt = new Date(Date.now() + 5_000).toISOString();
      const registered = await send(`${prefecture.base}${R}`, 'POST', { id: REG, type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'RiverGauge' }] }], endpoint: source.url, expiresAt });
      assert.equal(registered.status, 201, registered.text);
      // The expiry's job is committed with the registration, due at expiresAt: a restart before then loses nothing.
      const due = (await jobs()).filter((j) => (j.payload as { expiry?: string }).expiry !== undefined && (j.payload as { registrationId: string }).registrationId === REG);
      assert.equal(due.length, 1);
      assert.equal(due[0]!.status, 'pending');
      assert.equal(new Date(due[0]!.run_at as Date | string).toISOString(), expiresAt);

      const created = await send(`${prefecture.base}${S}`, 'POST', {
        type: 'Subscription',
        entities: [{ type: 'RiverGauge' }],
        watchedAttributes: ['level'],
        notification: { format: 'keyValues', attributes: ['level'], endpoint: { uri: rx.url('/gauges') } },
      });
      assert.equal(created.status, 201, created.text);
      const [remote] = await gaugeSubscriptions();
      assert.ok(remote, 'a subscription at the source');
      assert.equal((await level(2)).status, 204);
      await until('the change made at the source', () => rx.data('/gauges').length >= 1, 30_000);
      const forwarded = await send(`${prefecture.base}${E}?type=RiverGauge`, 'GET');
      assert.deepEqual(forwarded.json.map((e: { id: string }) => e.id), [GAUGE], 'queries are forwarded while it is in force');
      assert.ok(Date.now() < Date.parse(expiresAt), 'the checks before the expiry ran before it');

      // Nothing but time changes: the job falls due (the worker runs it; so may this test).
      await until('the remote subscription deleted at the source', async () => {
        if (Date.now() < Date.parse(expiresAt)) return false;
        await runJobs();
        return (await gaugeSubscriptions()).length === 0 || (await sleep(200), false);
      }, 30_000);
      assert.deepEqual(await remoteRows(REG), []);
      const ran = (await jobs()).find((j) => j.id === due[0]!.id)!;
      assert.equal(ran.status, 'done', ran.last_error ?? '');
      // Its old address no longer feeds the subscription, and a change at the source notifies nobody.
      const stale = await send(remote!.notification.endpoint.uri, 'POST', { id: 'urn:ngsi-ld:Notification:y', type: 'Notification', subscriptionId: remote!.id, notifiedAt: new Date().toISOString(), data: [] });
      assert.equal(stale.status, 404);
      const seen = rx.data('/gauges').length;
      assert.equal((await level(3)).status, 204);
      await sleep(2_000);
      assert.equal(rx.data('/gauges').length, seen, 'no notification after the expiry');
      // Nor are queries forwarded to it.
      const local = await send(`${prefecture.base}${E}?type=RiverGauge`, 'GET');
      assert.equal(local.status, 200, local.text);
      assert.deepEqual(local.json, []);
    });
  });

  it('should ask a source only for what its registration covers, and keep only that of what it sends', async () => {
    const registered = await send(`${prefecture.base}${R}`, 'POST', { id: 'urn:ngsi-ld:ContextSourceRegistration:aizu-sensors', type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Sensor' }], propertyNames: ['temperature'] }], endpoint: source.url });
    assert.equal(registered.status, 201, registered.text);
    const created = await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Sensor' }, { type: 'Room' }],
      notification: { format: 'keyValues', endpoint: { uri: rx.url('/covered') } } });
    assert.equal(created.status, 201, created.text);
    const remote = (await remoteSubscriptions()).filter((s) => s.entities?.some((e) => e.type === 'Sensor')) as Array<{ id: string; entities: unknown; notification: { attributes?: string[]; endpoint: { uri: string } } }>;
    assert.equal(remote.length, 1);
    assert.deepEqual(remote[0]!.entities, [{ type: 'Sensor' }], 'not the Room, which the registration does not hold');
    assert.deepEqual(remote[0]!.notification.attributes, ['temperature']);
    // A source that sends more than it registered: another type, another attribute.
    const sent = await send(remote[0]!.notification.endpoint.uri, 'POST', { id: 'urn:ngsi-ld:Notification:covered', type: 'Notification', subscriptionId: remote[0]!.id, notifiedAt: new Date().toISOString(), data: [
      { id: 'urn:ngsi-ld:Sensor:s1', type: 'Sensor', temperature: { type: 'Property', value: 21 }, ownerName: { type: 'Property', value: '個人の名前' } },
      { id: 'urn:ngsi-ld:Room:r1', type: 'Room', temperature: { type: 'Property', value: 19 } },
    ] });
    assert.ok(sent.status < 300, sent.text);
    await until('the notification', () => rx.data('/covered').length >= 1, 30_000);
    assert.deepEqual(rx.data('/covered'), [{ id: 'urn:ngsi-ld:Sensor:s1', type: 'Sensor', temperature: 21 }]);
  });

  it('should distribute a periodic subscription with its timeInterval, and notify what the source sends as periodic', async () => {
    const created = await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Shelter' }], timeInterval: 1,
      notification: { format: 'keyValues', endpoint: { uri: rx.url('/periodic') } } });
    assert.equal(created.status, 201, created.text);
    const remote = (await remoteSubscriptions()).filter((s) => (s as { timeInterval?: number }).timeInterval !== undefined);
    assert.equal(remote.length, 1, 'subscribed at the source');
    assert.equal((remote[0] as { timeInterval?: number }).timeInterval, 1);
    // The municipality's shelter comes from the source each period, notified as this broker's own periodic ones are.
    const fromSource = await until('a periodic notification with the source\'s shelter', () =>
      rx.for('/periodic').find((n) => n.body.data.some((e: { id: string }) => e.id === 'urn:ngsi-ld:Shelter:aizu-1')), 30_000);
    assert.equal(fromSource.body.triggerReason, 'timeInterval');
    assert.equal(fromSource.body.subscriptionId, decodeURIComponent(created.headers.get('location')!.split('/').pop()!));
    assert.equal((await send(`${prefecture.base}${created.headers.get('location')}`, 'DELETE')).status, 204);
  });

  it('should subscribe only at the sources whose registration satisfies the subscription\'s csf', async () => {
    const created = await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Shelter' }], watchedAttributes: ['status'], csf: 'mode=="exclusive"',
      notification: { endpoint: { uri: rx.url('/csf') } } });
    assert.equal(created.status, 201, created.text);
    const location = created.headers.get('location')!;
    const atSource = async () => (await remoteSubscriptions()).filter((s) => (s as { watchedAttributes?: string[] }).watchedAttributes?.includes('status'));
    assert.deepEqual(await atSource(), [], 'the registration is inclusive: not subscribed there');
    assert.equal((await send(`${prefecture.base}${location}`, 'PATCH', { csf: 'mode=="inclusive"' })).status, 204);
    assert.equal((await atSource()).length, 1, 'subscribed once the csf is met');
    // A registration's change is judged by the csf too: one that stops meeting it is unsubscribed.
    assert.equal((await send(`${prefecture.base}${location}`, 'PATCH', { csf: 'registrationName=="会津若松市"' })).status, 204);
    assert.deepEqual(await atSource(), []);
    assert.equal((await send(`${prefecture.base}${R}/urn:ngsi-ld:ContextSourceRegistration:aizu`, 'PATCH', { registrationName: '会津若松市' })).status, 204);
    await runJobs();
    assert.equal((await atSource()).length, 1, 'subscribed by the registration job once its name meets the csf');
    assert.equal((await send(`${prefecture.base}${R}/urn:ngsi-ld:ContextSourceRegistration:aizu`, 'PATCH', { registrationName: '会津' })).status, 204);
    await runJobs();
    assert.deepEqual(await atSource(), [], 'unsubscribed when it no longer does');
    assert.equal((await send(`${prefecture.base}${location}`, 'DELETE')).status, 204);
  });

  it('should keep a subscription with localOnly to this broker, and distribute it once localOnly is taken away', async () => {
    const created = await send(`${prefecture.base}${S}`, 'POST', { type: 'Subscription', entities: [{ type: 'Shelter' }], watchedAttributes: ['name'], localOnly: true,
      notification: { endpoint: { uri: rx.url('/local-only') } } });
    assert.equal(created.status, 201, created.text);
    const location = created.headers.get('location')!;
    const atSource = async () => (await remoteSubscriptions()).filter((s) => (s as { watchedAttributes?: string[] }).watchedAttributes?.includes('name'));
    assert.deepEqual(await atSource(), [], 'not subscribed at the source');
    assert.equal((await send(`${prefecture.base}${location}`, 'GET')).json.localOnly, true);
    assert.equal((await send(`${prefecture.base}${location}`, 'PATCH', { localOnly: false })).status, 204);
    assert.equal((await atSource()).length, 1);
    assert.equal((await send(`${prefecture.base}${location}`, 'DELETE')).status, 204);
  });
});
