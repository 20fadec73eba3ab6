// Temporal queries and retrieves forwarded to a registered source that keeps history (5.7.3.4,
// 5.7.4.4): a plain HTTP server (on a port in 5330–5339) stands in for the source and answers
// what each test sets: counts and paging of the merged answer, what the registration covers,
// the time range and projection, deletion markers, bad instances, the instance bound.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';

const T = '/ngsi-ld/v1/temporal/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
const REG = 'urn:ngsi-ld:ContextSourceRegistration:review-history';
const AFTER = 'timerel=after&timeAt=2026-10-01T00:00:00Z';

const pm = (value: unknown, observedAt: string, instanceId?: string, extra: Record<string, unknown> = {}) => ({
  type: 'Property', value, observedAt, ...(instanceId ? { instanceId } : {}), ...extra,
});
const sensor = (n: string, attrs: Record<string, unknown> = {}) => ({
  id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor',
  pm25: [pm(1, '2026-11-01T00:00:00Z', `urn:ngsi-ld:Instance:${n}-1`)], ...attrs,
});
const short = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

describe('temporal forwarding to a source', () => {
  let t: TestApp;
  let server: http.Server;
  let port: number;
  const seen: URL[] = [];
  const mode = { held: [] as Array<Record<string, unknown>>, raw: undefined as string | undefined };

  const register = async (extra: Record<string, unknown> = {}) => {
    await call(t, { method: 'DELETE', url: `${R}/${REG}` });
    const res = await call(t, { method: 'POST', url: R, body: {
      id: REG, type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Sensor' }] }],
      endpoint: `http://127.0.0.1:${port}`, operations: ['queryTemporal', 'retrieveTemporal'], ...extra,
    } });
    assert.equal(res.status, 201, res.body);
  };

  before(async () => {
    t = await brokerTestApp();
    port = await freePort(5330, 5340);
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(url);
      if (mode.raw !== undefined) return res.writeHead(200, { 'content-type': 'application/json' }).end(mode.raw);
      const retrieve = /\/temporal\/entities\/(.+)$/.exec(url.pathname);
      if (retrieve) {
        const found = mode.held.find((e) => e.id === decodeURIComponent(retrieve[1]!));
        return found ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found)) : res.writeHead(404).end();
      }
      if (url.pathname.endsWith('/temporal/entities')) {
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 20);
        const counted = url.searchParams.get('count') === 'true' ? { 'ngsild-results-count': String(mode.held.length) } : {};
        return res.writeHead(200, { 'content-type': 'application/json', ...counted }).end(JSON.stringify(mode.held.slice(offset, offset + limit)));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    // This broker's own history: one sensor.
    const local = await call(t, { method: 'POST', url: T, body: { id: 'urn:ngsi-ld:Sensor:l1', type: 'Sensor', pm25: [pm(5, '2026-11-05T00:00:00Z')] } });
    assert.equal(local.status, 201, local.body);
  });
  beforeEach(async () => {
    seen.length = 0;
    mode.held = [sensor('r1'), sensor('r2'), sensor('r3')];
    mode.raw = undefined;
    await register();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t?.close();
  });

  it('count=true with sources: the merged count (control, passes)', async () => {
    const all = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&count=true` });
    assert.equal(all.status, 200, all.body);
    assert.deepEqual(short(all.json), ['l1', 'r1', 'r2', 'r3']);
    assert.equal(all.headers['ngsild-results-count'], '4');
  });

  it('limit=0&count=true with sources answers the count of the merged query', async () => {
    const onlyCount = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&count=true&limit=0` });
    assert.equal(onlyCount.status, 200, onlyCount.body);
    assert.equal(onlyCount.headers['ngsild-results-count'], '4');
  });

  it('limit=1&count=true with sources counts the sources\' entities beyond the page, and links the next page', async () => {
    const first = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&count=true&limit=1` });
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(short(first.json), ['l1']);
    assert.equal(first.headers['ngsild-results-count'], '4');
    assert.match(String(first.headers.link ?? ''), /rel="next"/, 'a next page exists');
  });

  it('a source\'s deletion marker in an attribute does not drop that attribute\'s other instances', async () => {
    mode.held = [{ id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor', pm25: [
      pm(10, '2026-11-01T00:00:00Z', 'urn:ngsi-ld:Instance:a'),
      { type: 'Property', value: 'urn:ngsi-ld:null', instanceId: 'urn:ngsi-ld:Instance:b', deletedAt: '2026-11-02T00:00:00Z' },
      pm(30, '2026-11-03T00:00:00Z', 'urn:ngsi-ld:Instance:c'),
    ] }];
    const res = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:r1?options=temporalValues` });
    assert.equal(res.status, 200, res.body);
    // Kept as a marker at its deletedAt, as this broker's own history shows a deletion.
    assert.deepEqual(res.json.pm25?.values?.map((v: unknown[]) => v[0]), [10, 'urn:ngsi-ld:null', 30]);
  });

  it('a source\'s deletion marker of a LanguageProperty is not shown as a value', async () => {
    mode.held = [{ id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor', label: [
      { type: 'LanguageProperty', languageMap: { ja: 'ラベル' }, instanceId: 'urn:ngsi-ld:Instance:l1', observedAt: '2026-11-01T00:00:00Z' },
      { type: 'LanguageProperty', languageMap: { '@none': 'urn:ngsi-ld:null' }, instanceId: 'urn:ngsi-ld:Instance:l2', deletedAt: '2026-11-02T00:00:00Z', observedAt: '2026-11-02T00:00:00Z' },
    ] }];
    const res = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:r1` });
    assert.equal(res.status, 200, res.body);
    const shown = JSON.stringify(res.json.label);
    assert.ok(!shown.includes('urn:ngsi-ld:null') || shown.includes('deletedAt'), `a deletion shown as a value: ${shown}`);
  });

  it('a source contributes only entities of the registered and asked-for types and ids', async () => {
    mode.held = [sensor('r1'), sensor('r2'), { id: 'urn:ngsi-ld:Building:b1', type: 'Building', pm25: [pm(3, '2026-11-01T00:00:00Z', 'urn:ngsi-ld:Instance:b1')] }];
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&id=urn:ngsi-ld:Sensor:r1` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(short(res.json), ['r1'], 'asked for Sensor r1: neither r2 (another id) nor the Building (another type, not registered)');
  });

  it('a source contributes only the attributes its registration names', async () => {
    await register({ information: [{ entities: [{ type: 'Sensor' }], propertyNames: ['pm25'] }] });
    mode.held = [{ ...sensor('r1'), owner: [pm('山田太郎', '2026-11-01T00:00:00Z', 'urn:ngsi-ld:Instance:o1')] }];
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&id=urn:ngsi-ld:Sensor:r1` });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json[0]?.owner, undefined, `owner is not among the registered propertyNames: ${JSON.stringify(res.json)}`);
  });

  it('a source\'s instances outside the temporal query or the projection are not shown', async () => {
    mode.held = [{ id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor',
      pm25: [pm(1, '2026-11-01T12:00:00Z', 'urn:ngsi-ld:Instance:in'), pm(2, '2026-11-10T00:00:00Z', 'urn:ngsi-ld:Instance:out')],
      no2: [pm(7, '2026-11-01T12:00:00Z', 'urn:ngsi-ld:Instance:no2')] }];
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&attrs=pm25&timerel=between&timeAt=2026-11-01T00:00:00Z&endTimeAt=2026-11-02T00:00:00Z&options=temporalValues&id=urn:ngsi-ld:Sensor:r1` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json[0], { id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor', pm25: { type: 'Property', values: [[1, '2026-11-01T12:00:00.000Z']] } });
  });

  it('a source is asked when the query\'s interval overlaps its observationInterval (after a time before it starts)', async () => {
    await register({ observationInterval: { startAt: '2026-01-01T00:00:00Z' } });
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&timerel=after&timeAt=2025-06-01T00:00:00Z` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(short(res.json), ['l1', 'r1', 'r2', 'r3'], 'the source holds data after 2025-06 (all of 2026 on)');
  });

  it('splitEntities=true on a temporal query that is forwarded is refused (422), where Query Entities takes it', async () => {
    const entities = await call(t, { method: 'GET', url: `/ngsi-ld/v1/entities?type=Sensor&splitEntities=true` });
    const temporal = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&splitEntities=true` });
    assert.equal(temporal.status, 422, temporal.body);
    assert.match(temporal.json.detail, /split entities are supported on Query Entities only/);
    assert.equal(entities.status, 200, entities.body);
  });

  it('control: a source answering something odd is a warning, not a 500', async () => {
    for (const raw of ['{"not":"an array"}', '[1, "x", null, {"id": 5}, {"id": "urn:ngsi-ld:Sensor:bad", "type": "Sensor", "pm25": [{"type": "Property", "value": 1, "observedAt": "yesterday"}]}]', 'not json', JSON.stringify([{ id: 'urn:ngsi-ld:Sensor:r9', type: 'Sensor', pm25: { type: 'Property', value: 1, observedAt: '2026-11-01T00:00:00Z' } }])]) {
      mode.raw = raw;
      const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}` });
      assert.equal(res.status, 200, `${raw}: ${res.body}`);
      const one = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:l1` });
      assert.equal(one.status, 200, `${raw}: ${one.body}`);
    }
  });

  it('a source entity with one bad instance keeps its valid instances (or is at least named in a warning)', async () => {
    mode.held = [{ id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor', pm25: [pm(1, '2026-11-01T00:00:00Z', 'urn:ngsi-ld:Instance:ok'), { type: 'Property', value: 2, observedAt: 'yesterday', instanceId: 'urn:ngsi-ld:Instance:bad' }] }];
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}` });
    assert.equal(res.status, 200, res.body);
    assert.ok(short(res.json).includes('r1') || res.headers['ngsild-warning'], `r1 vanished without a warning: ${short(res.json)}, headers ${JSON.stringify(res.headers)}`);
  });

  it('pick=id treats local and source entities alike', async () => {
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&pick=id` });
    const local = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&pick=id&local=true` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(short(res.json), ['l1', 'r1', 'r2', 'r3'], `merged: ${res.body}; local only: ${local.body}`);
  });

  it('a merged answer is bounded like a local one (MAX_INSTANCES = 100,000 instances)', async () => {
    const many = Array.from({ length: 100_001 }, (_, i) => ({ type: 'Property', value: i, observedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(), instanceId: `urn:x:${i}` }));
    mode.held = [{ id: 'urn:ngsi-ld:Sensor:r1', type: 'Sensor', pm25: many }];
    const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${AFTER}&options=temporalValues&attrs=pm25` });
    assert.equal(res.status, 403, `status ${res.status}, ${res.body.length} bytes`);
  });
});
