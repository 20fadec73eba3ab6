// What users of other brokers report losing, tested with real server processes:
// - no lost notifications under load (100 entities, each updated 5 times a second (20 s by default),
//   one subscription on all of them, with and without throttling), counted by a real receiver;
// - a crash (kill -9) between an update and its notification loses neither;
// - two server processes against one PostgreSQL behave as one (PostgreSQL only).
// TSUNAGU_SOAK_SECONDS lengthens the load test (default 20 s; an hour finds what a minute does not).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCliTarget, type CliTarget } from '../helpers/cli.ts';
import { notificationReceiver as receiver, until } from '../helpers/notification-receiver.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
const SOAK_SECONDS = Number(process.env.TSUNAGU_SOAK_SECONDS ?? 20);

async function startServer(target: CliTarget, env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({ ports: [3500, 3600], env: { ...target.env, NODE_ENV: 'test', TSUNAGU_BROKER_AUTH: 'off', TSUNAGU_DEMO_DATA: 'true', ...env } });
}

async function send(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

describe('broker reliability with real server processes', () => {
  let target: CliTarget;
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    target = await createCliTarget();
    rx = await receiver();
  });
  after(async () => {
    await rx.close();
    await target.cleanup();
  });

  it(`should notify every change of 100 entities updated 5 times a second for ${SOAK_SECONDS} s, with and without throttling`, async () => {
    const server = await startServer(target);
    try {
      const entities = Array.from({ length: 100 }, (_, i) => ({ id: `urn:ngsi-ld:Sensor:soak-${i}`, type: 'SoakSensor', n: { type: 'Property', value: 0 } }));
      assert.equal((await send(`${server.url}/ngsi-ld/v1/entityOperations/create`, 'POST', entities)).status, 201);
      for (const [id, throttling] of [['plain', 0], ['throttled', 2]] as const) {
        const res = await send(`${server.url}/ngsi-ld/v1/subscriptions`, 'POST', {
          id: `urn:ngsi-ld:Subscription:soak-${id}`,
          type: 'Subscription',
          entities: [{ type: 'SoakSensor' }],
          watchedAttributes: ['n'],
          ...(throttling ? { throttling } : {}),
          notification: { format: 'keyValues', attributes: ['n'], endpoint: { uri: rx.url(`/${id}`) } },
        });
        assert.equal(res.status, 201, res.text);
      }
      // 5 rounds a second; each round updates every entity once, in parallel.
      const rounds = SOAK_SECONDS * 5;
      const started = Date.now();
      let failures = 0;
      let firstFailure = '';
      for (let round = 1; round <= rounds; round++) {
        const results = await Promise.all(entities.map((e) => send(`${server.url}/ngsi-ld/v1/entities/${e.id}/attrs`, 'PATCH', { n: { type: 'Property', value: round } })));
        const failed = results.filter((r) => r.status !== 204);
        failures += failed.length;
        if (failed[0] && !firstFailure) firstFailure = `${failed[0].status} ${failed[0].text}`;
        const wait = started + round * 200 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      assert.equal(failures, 0, `every update was accepted (first refusal: ${firstFailure})`);
      const expected = rounds * entities.length;
      for (const id of ['plain', 'throttled']) {
        await until(`${expected} changes at /${id}`, () => rx.data(`/${id}`).length >= expected, 300_000);
        const seen = new Map<string, number[]>();
        for (const d of rx.data(`/${id}`)) seen.set(d.id, [...(seen.get(d.id) ?? []), d.n]);
        for (const e of entities) {
          const values = [...new Set(seen.get(e.id))].sort((a, b) => a - b);
          assert.equal(values.length, rounds, `${id}: every value of ${e.id} was notified`);
          assert.equal(values[rounds - 1], rounds);
        }
      }
      // Throttling (2 s) spaced the notifications out without dropping any change. Measured by
      // the broker's notifiedAt (when it sent each one): arrival times also carry the delivery
      // delays of a loaded machine, which can bring two arrivals closer than they were sent.
      const times = rx.for('/throttled').map((r) => Date.parse(r.body.notifiedAt)).sort((a, b) => a - b);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      assert.ok(Math.min(...gaps) >= 1900, `throttled notifications came ${Math.min(...gaps)} ms apart`);
    } finally {
      await server.stop();
    }
  });

  it('should lose neither the update nor its notification when the server is killed (kill -9) before delivering', async () => {
    rx.setStatus(503); // the receiver is down: the notification must wait in the outbox
    let server = await startServer(target);
    try {
      assert.equal((await send(`${server.url}/ngsi-ld/v1/subscriptions`, 'POST', {
        id: 'urn:ngsi-ld:Subscription:crash', type: 'Subscription', entities: [{ type: 'CrashProbe' }],
        notification: { format: 'keyValues', endpoint: { uri: rx.url('/crash') } },
      })).status, 201);
      assert.equal((await send(`${server.url}/ngsi-ld/v1/entities`, 'POST', { id: 'urn:ngsi-ld:CrashProbe:1', type: 'CrashProbe', level: { type: 'Property', value: 7 } })).status, 201);
      await until('a failed attempt', async () => (await send(`${server.url}/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:crash`, 'GET')).json.notification.timesFailed >= 1, 10_000);
      await server.stop('SIGKILL');
      rx.setStatus(200);
      server = await startServer(target);
      const delivered = await until('the notification after the restart', () => rx.data('/crash').length > 0 && rx.data('/crash'), 90_000);
      assert.deepEqual(delivered[0], { id: 'urn:ngsi-ld:CrashProbe:1', type: 'CrashProbe', level: 7 });
      const entity = await send(`${server.url}/ngsi-ld/v1/entities/urn:ngsi-ld:CrashProbe:1?options=keyValues`, 'GET');
      assert.equal(entity.json.level, 7);
    } finally {
      rx.setStatus(200);
      await server.stop();
    }
  });

  it('two server processes on one PostgreSQL should behave as one', { skip: !process.env.DATABASE_URL && 'needs PostgreSQL (DATABASE_URL)' }, async () => {
    const a = await startServer(target);
    const b = await startServer(target);
    try {
      // A tenant and an entity created through A are at once visible through B.
      const created = await send(`${a.url}/ngsi-ld/v1/entities`, 'POST', { id: 'urn:ngsi-ld:Gauge:1', type: 'Gauge', level: { type: 'Property', value: 1 } }, { 'ngsild-tenant': 'twin' });
      assert.equal(created.status, 201, created.text);
      const read = await send(`${b.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Gauge:1`, 'GET', undefined, { 'ngsild-tenant': 'twin' });
      assert.equal(read.status, 200, read.text);
      // A subscription created through B fires for a change made through A.
      assert.equal((await send(`${b.url}/ngsi-ld/v1/subscriptions`, 'POST', {
        id: 'urn:ngsi-ld:Subscription:twin', type: 'Subscription', entities: [{ type: 'Gauge' }],
        notification: { format: 'keyValues', endpoint: { uri: rx.url('/twin') } },
      }, { 'ngsild-tenant': 'twin' })).status, 201);
      await send(`${a.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Gauge:1/attrs`, 'PATCH', { level: { type: 'Property', value: 2 } }, { 'ngsild-tenant': 'twin' });
      await until('the notification', () => rx.data('/twin').some((d) => d.level === 2), 10_000);
      // Deleted through A, it never fires again, whichever process makes the change.
      assert.equal((await send(`${a.url}/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:twin`, 'DELETE', undefined, { 'ngsild-tenant': 'twin' })).status, 204);
      assert.equal((await send(`${b.url}/ngsi-ld/v1/subscriptions/urn:ngsi-ld:Subscription:twin`, 'GET', undefined, { 'ngsild-tenant': 'twin' })).status, 404);
      await send(`${b.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Gauge:1/attrs`, 'PATCH', { level: { type: 'Property', value: 3 } }, { 'ngsild-tenant': 'twin' });
      await send(`${a.url}/ngsi-ld/v1/entities/urn:ngsi-ld:Gauge:1/attrs`, 'PATCH', { level: { type: 'Property', value: 4 } }, { 'ngsild-tenant': 'twin' });
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(rx.data('/twin').map((d) => d.level).filter((l) => l > 2), []);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
