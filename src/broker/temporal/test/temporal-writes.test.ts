// Writes to the temporal evolution forwarded to registered sources that keep history (clauses
// 5.6.11.4–5.6.16.4): a municipal broker, started as a real separate process (ports 5342–5349),
// keeps the history of some attributes; writes to /temporal/entities on the prefecture broker go
// to it as its registrations say, and the rest stays here.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';
import { freePort, startSourceBroker, type SourceBroker } from '../../registrations/test/federation-test-app.ts';

const T = '/ngsi-ld/v1/temporal/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
const PORTS: [number, number] = [5342, 5350];
const HISTORY_WRITES = ['upsertTemporal', 'appendAttrsTemporal', 'deleteAttrsTemporal', 'updateAttrInstanceTemporal', 'deleteAttrInstanceTemporal', 'deleteTemporal', 'retrieveTemporal', 'queryTemporal'];

const pm = (value: number, observedAt: string) => ({ type: 'Property', value, observedAt });

/** The source's own history of an entity (local=true: it has no registrations of its own anyway). */
async function atSource(source: SourceBroker, id: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${source.url}${T}/${encodeURIComponent(id)}?local=true`);
  return { status: res.status, json: res.status === 200 ? await res.json() : undefined };
}

describe('Temporal writes forwarded to sources that keep history (clauses 5.6.11–5.6.16)', () => {
  let t: TestApp;
  let source: SourceBroker;

  const register = async (body: Record<string, unknown>) => {
    const res = await call(t, { method: 'POST', url: R, body: { type: 'ContextSourceRegistration', endpoint: source.url, ...body } });
    assert.equal(res.status, 201, res.body);
  };
  const here = (id: string) => call(t, { method: 'GET', url: `${T}/${encodeURIComponent(id)}?local=true` });

  before(async () => {
    source = await startSourceBroker(PORTS);
    t = await brokerTestApp();
    // The municipality keeps the PM2.5 history of sensor t1.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-exclusive', mode: 'exclusive', operations: HISTORY_WRITES,
      information: [{ entities: [{ id: 'urn:ngsi-ld:Sensor:t1', type: 'Sensor' }], propertyNames: ['pm25'] }] });
    // Meters' history is read from the municipality, which takes no writes through us.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-readonly', mode: 'redirect', operations: ['retrieveTemporal', 'queryTemporal'],
      information: [{ entities: [{ type: 'Meter' }] }] });
    // Gauges' history is kept here and copied to the municipality.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-inclusive', mode: 'inclusive', operations: ['upsertTemporal', 'deleteTemporal'],
      information: [{ entities: [{ type: 'Gauge' }] }] });
    // Shelters' latest values live at the municipality: no history operation, so no temporal write goes there.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-latest', mode: 'redirect', operations: ['createEntity', 'retrieveOps'],
      information: [{ entities: [{ type: 'Shelter' }] }] });
    // Pumps' flow history is kept by a source that is down.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-dead', mode: 'redirect', operations: HISTORY_WRITES, endpoint: `http://127.0.0.1:${await freePort(...PORTS)}`,
      management: { timeout: 2000 }, information: [{ entities: [{ type: 'Pump' }], propertyNames: ['flow'] }] });
  });

  after(async () => {
    await t?.close();
    await source?.close();
  });

  it('should upsert the registered attribute\'s instances at the source and the rest here, and read them back merged', async () => {
    const id = 'urn:ngsi-ld:Sensor:t1';
    const res = await call(t, { method: 'POST', url: T, body: { id, type: 'Sensor',
      pm25: [pm(12, '2026-11-01T00:00:00Z'), pm(15, '2026-11-01T01:00:00Z')], temperature: [pm(8, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.headers.location, `${T}/${encodeURIComponent(id)}`);
    const remote = await atSource(source, id);
    assert.equal(remote.status, 200);
    assert.deepEqual(remote.json.pm25.map((i: { value: number }) => i.value).sort(), [12, 15]);
    assert.equal(remote.json.temperature, undefined);
    const local = await here(id);
    assert.equal(local.status, 200, local.body);
    assert.equal(local.json.pm25, undefined);
    assert.deepEqual(local.json.temperature.map((i: { value: number }) => i.value), [8]);
    const merged = await call(t, { method: 'GET', url: `${T}/${encodeURIComponent(id)}?options=temporalValues` });
    assert.equal(merged.status, 200, merged.body);
    assert.equal(merged.json.pm25.values.length, 2);
    assert.equal(merged.json.temperature.values.length, 1);
  });

  it('should add instances, modify and delete one instance, and delete the attribute at the source', async () => {
    const id = 'urn:ngsi-ld:Sensor:t1';
    const added = await call(t, { method: 'POST', url: `${T}/${encodeURIComponent(id)}/attrs`, body: { pm25: [pm(20, '2026-11-01T02:00:00Z')], temperature: [pm(9, '2026-11-01T02:00:00Z')] } });
    assert.equal(added.status, 204, added.body);
    const remote = await atSource(source, id);
    assert.equal(remote.json.pm25.length, 3);
    assert.equal((await here(id)).json.temperature.length, 2);

    // The instance ids are the source's; the prefecture broker passes them through.
    const latest = remote.json.pm25.find((i: { value: number }) => i.value === 20);
    const path = `${T}/${encodeURIComponent(id)}/attrs/pm25/${encodeURIComponent(latest.instanceId)}`;
    const modified = await call(t, { method: 'PATCH', url: path, body: { pm25: [pm(21, '2026-11-01T02:00:00Z')] } });
    assert.equal(modified.status, 204, modified.body);
    assert.ok((await atSource(source, id)).json.pm25.some((i: { value: number }) => i.value === 21));
    const removed = await call(t, { method: 'DELETE', url: path });
    assert.equal(removed.status, 204, removed.body);
    assert.equal((await atSource(source, id)).json.pm25.length, 2);
    const again = await call(t, { method: 'DELETE', url: path });
    assert.equal(again.status, 404, again.body);
    assert.equal(again.json.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');

    const dropped = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}/attrs/pm25?deleteAll=true` });
    assert.equal(dropped.status, 204, dropped.body);
    assert.equal((await atSource(source, id)).json.pm25, undefined);
    assert.equal((await here(id)).json.temperature.length, 2);
  });

  it('should delete the whole temporal evolution here and at the source', async () => {
    const id = 'urn:ngsi-ld:Sensor:t2';
    // t2 is not in the exclusive registration: its history is held here only.
    assert.equal((await call(t, { method: 'POST', url: T, body: { id, type: 'Sensor', pm25: [pm(1, '2026-11-01T00:00:00Z')] } })).status, 201);
    assert.equal((await atSource(source, id)).status, 404);
    const t1 = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent('urn:ngsi-ld:Sensor:t1')}` });
    assert.equal(t1.status, 204, t1.body);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Sensor:t1')).status, 404);
    assert.equal((await here('urn:ngsi-ld:Sensor:t1')).status, 404);
    assert.equal((await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}` })).status, 204);
    assert.equal((await here(id)).status, 404);
  });

  it('should refuse with Conflict a temporal write to a redirect source that only lets history be read, and store nothing', async () => {
    const id = 'urn:ngsi-ld:Meter:m1';
    const res = await call(t, { method: 'POST', url: T, body: { id, type: 'Meter', reading: [pm(3, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/Conflict');
    assert.match(res.json.detail, /h-readonly/);
    assert.equal((await here(id)).status, 404);
    assert.equal((await atSource(source, id)).status, 404);
  });

  it('should copy a history to an inclusive source and delete both copies', async () => {
    const id = 'urn:ngsi-ld:Gauge:g1';
    const res = await call(t, { method: 'POST', url: T, body: { id, type: 'Gauge', level: [pm(1.5, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual((await atSource(source, id)).json.level.map((i: { value: number }) => i.value), [1.5]);
    assert.deepEqual((await here(id)).json.level.map((i: { value: number }) => i.value), [1.5]);
    assert.equal((await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}` })).status, 204);
    assert.equal((await atSource(source, id)).status, 404);
    assert.equal((await here(id)).status, 404);
  });

  it('should keep a history here when the only registration is for latest values', async () => {
    const id = 'urn:ngsi-ld:Shelter:s1';
    const res = await call(t, { method: 'POST', url: T, body: { id, type: 'Shelter', occupancy: [pm(40, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 201, res.body);
    assert.equal((await here(id)).json.occupancy.length, 1);
    assert.equal((await atSource(source, id)).status, 404);
  });

  it('should answer 207 naming the registration when a source is down, with the rest stored here', async () => {
    const id = 'urn:ngsi-ld:Pump:p1';
    const res = await call(t, { method: 'POST', url: T, body: { id, type: 'Pump', flow: [pm(30, '2026-11-01T00:00:00Z')], pressure: [pm(2, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 207, res.body);
    assert.deepEqual(res.json.updated, ['pressure']);
    assert.deepEqual(res.json.notUpdated.map((n: { attributeName: string; registrationId: string }) => [n.attributeName, n.registrationId]), [['flow', 'urn:ngsi-ld:ContextSourceRegistration:h-dead']]);
    const local = await here(id);
    assert.equal(local.json.flow, undefined);
    assert.equal(local.json.pressure.length, 1);
    // The dead source might hold any entity whose types are unknown here: the tests below go without it.
    assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:h-dead` })).status, 204);
  });

  it('should read a history copied to an inclusive source once, and delete it though the source lacks a copy', async () => {
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-tanks', mode: 'inclusive', operations: ['upsertTemporal', 'deleteTemporal', 'retrieveTemporal', 'queryTemporal'],
      information: [{ entities: [{ type: 'Tank' }] }] });
    const id = 'urn:ngsi-ld:Tank:k1';
    assert.equal((await call(t, { method: 'POST', url: T, body: { id, type: 'Tank', level: [pm(7, '2026-11-01T00:00:00Z'), pm(8, '2026-11-01T01:00:00Z')] } })).status, 201);
    assert.equal((await atSource(source, id)).json.level.length, 2);
    const merged = await call(t, { method: 'GET', url: `${T}/${encodeURIComponent(id)}?options=temporalValues` });
    assert.deepEqual(merged.json.level.values, [[7, '2026-11-01T00:00:00.000Z'], [8, '2026-11-01T01:00:00.000Z']], 'the copy is the same two instances');
    // A history written here alone (local=true): the source has no copy, which is no failure.
    const alone = 'urn:ngsi-ld:Tank:k2';
    assert.equal((await call(t, { method: 'POST', url: `${T}?local=true`, body: { id: alone, type: 'Tank', level: [pm(1, '2026-11-01T00:00:00Z')] } })).status, 201);
    const deleted = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(alone)}` });
    assert.equal(deleted.status, 204, deleted.body);
    const gone = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(alone)}` });
    assert.equal(gone.status, 404, gone.body);
  });

  it('should delete a history once at a source two of its registrations name, and answer 204', async () => {
    const id = 'urn:ngsi-ld:Well:w1';
    for (const [n, attr] of [[1, 'depth'], [2, 'salinity']] as const) {
      await register({ id: `urn:ngsi-ld:ContextSourceRegistration:h-well-${n}`, mode: 'exclusive', operations: HISTORY_WRITES,
        information: [{ entities: [{ id, type: 'Well' }], propertyNames: [attr] }] });
    }
    const made = await call(t, { method: 'POST', url: T, body: { id, type: 'Well', depth: [pm(3, '2026-11-01T00:00:00Z')], salinity: [pm(1, '2026-11-01T00:00:00Z')] } });
    assert.equal(made.status, 201, made.body);
    assert.deepEqual(Object.keys((await atSource(source, id)).json).sort(), ['depth', 'id', 'salinity', 'type']);
    const deleted = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}` });
    assert.equal(deleted.status, 204, deleted.body);
    assert.equal((await atSource(source, id)).status, 404);
  });

  it('should not count a "not found" from a source matched by type alone, while the entity\'s types are unknown here', async () => {
    // Boilers are held whole at the municipality; kilns at a source that knows no boiler.
    const elsewhere = http.createServer((req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"type":"https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound"}'));
    const port = await freePort(...PORTS);
    await new Promise<void>((r) => elsewhere.listen(port, '127.0.0.1', r));
    try {
      await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-boilers', mode: 'redirect', operations: HISTORY_WRITES, information: [{ entities: [{ type: 'Boiler' }] }] });
      await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:h-kilns', mode: 'redirect', operations: HISTORY_WRITES, endpoint: `http://127.0.0.1:${port}`, information: [{ entities: [{ type: 'Kiln' }] }] });
      const id = 'urn:ngsi-ld:Boiler:b1';
      assert.equal((await call(t, { method: 'POST', url: T, body: { id, type: 'Boiler', heat: [pm(60, '2026-11-01T00:00:00Z')] } })).status, 201);
      assert.equal((await here(id)).status, 404, 'held whole at the source');
      const added = await call(t, { method: 'POST', url: `${T}/${encodeURIComponent(id)}/attrs`, body: { heat: [pm(65, '2026-11-01T01:00:00Z')] } });
      assert.equal(added.status, 204, added.body);
      assert.equal((await atSource(source, id)).json.heat.length, 2);
      const deleted = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}` });
      assert.equal(deleted.status, 204, deleted.body);
      assert.equal((await atSource(source, id)).status, 404);
      const nowhere = await call(t, { method: 'DELETE', url: `${T}/${encodeURIComponent(id)}` });
      assert.equal(nowhere.status, 404, nowhere.body);
    } finally {
      await new Promise((r) => elsewhere.close(r));
    }
  });

  it('should not forward a temporal write sent with local=true', async () => {
    const id = 'urn:ngsi-ld:Gauge:g2';
    const res = await call(t, { method: 'POST', url: `${T}?local=true`, body: { id, type: 'Gauge', level: [pm(2, '2026-11-01T00:00:00Z')] } });
    assert.equal(res.status, 201, res.body);
    assert.equal((await atSource(source, id)).status, 404);
  });
});
