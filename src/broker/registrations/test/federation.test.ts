// Clauses 4.3.6, 5.7.1.4, 5.7.2.4 (データ分散方式): a municipal broker, started as a real separate
// process, keeps its shelters; the prefecture broker (in process) has it registered and answers
// Query Entities and Retrieve Entity with the municipality's entities merged into its own.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call } from '../../test/broker-test-app.ts';
import { brokerTestApp, type TestApp } from '../../test/broker-test-app.ts';
import { freePort, SOURCE_PORTS, startSourceBroker, type SourceBroker } from './federation-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';

function shelter(id: string, attrs: Record<string, unknown>) {
  return { id, type: 'Shelter', ...attrs };
}

async function post(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
}

const ids = (json: Array<{ id: string }>) => json.map((e) => e.id);

describe('Distributed query and retrieve with registered context sources (clause 4.3.6)', () => {
  let t: TestApp;
  let source: SourceBroker;
  let tenant: string;

  before(async () => {
    [t, source] = await Promise.all([brokerTestApp(), startSourceBroker()]);
    tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    // The municipality's own data.
    await post(source.url, E, shelter('urn:ngsi-ld:Shelter:aizu-1', { name: { type: 'Property', value: '会津体育館' }, capacity: { type: 'Property', value: 300 } }));
    await post(source.url, E, shelter('urn:ngsi-ld:Shelter:shared', {
      capacity: { type: 'Property', value: 120, observedAt: '2026-11-20T10:00:00Z' },
      operator: { type: 'Relationship', object: 'urn:ngsi-ld:Organization:aizu' },
    }));
    await post(source.url, E, { id: 'urn:ngsi-ld:Building:aizu-hall', type: 'Building', height: { type: 'Property', value: 12 } });
    // The prefecture's own data.
    await call(t, { method: 'POST', url: E, body: shelter('urn:ngsi-ld:Shelter:pref-1', { capacity: { type: 'Property', value: 50 } }) });
    await call(t, { method: 'POST', url: E, body: shelter('urn:ngsi-ld:Shelter:shared', {
      name: { type: 'Property', value: '共同避難所' },
      capacity: { type: 'Property', value: 100, observedAt: '2026-11-19T10:00:00Z' },
    }) });
    const registered = await call(t, {
      method: 'POST',
      url: R,
      body: {
        id: 'urn:ngsi-ld:ContextSourceRegistration:aizu',
        type: 'ContextSourceRegistration',
        information: [{ entities: [{ type: 'Shelter' }] }],
        endpoint: source.url,
        contextSourceInfo: [{ key: 'X-Requested-By', value: 'prefecture' }],
      },
    });
    assert.equal(registered.status, 201, registered.body);
  });

  after(async () => {
    await t?.close();
    await source?.close();
  });

  it('should answer Query Entities with the local and the source\'s entities, merged by id', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    const aizu = res.json[0];
    assert.deepEqual(aizu.name, { type: 'Property', value: '会津体育館' });
    const shared = res.json[2];
    // Attributes unioned; for the one both hold, the later observedAt wins (clause 4.5.5.3).
    assert.deepEqual(shared.name, { type: 'Property', value: '共同避難所' });
    assert.deepEqual(shared.capacity, { type: 'Property', value: 120, observedAt: '2026-11-20T10:00:00.000Z' });
    assert.deepEqual(shared.operator, { type: 'Relationship', object: 'urn:ngsi-ld:Organization:aizu' });
  });

  it('should page and count over the merged result, and render it as the requester asks', async () => {
    const page = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=1&offset=1&count=true` });
    assert.deepEqual(ids(page.json), ['urn:ngsi-ld:Shelter:pref-1']);
    assert.equal(page.headers['ngsild-results-count'], '3');
    const kv = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity>200&options=keyValues` });
    assert.deepEqual(kv.json, [{ id: 'urn:ngsi-ld:Shelter:aizu-1', type: 'Shelter', name: '会津体育館', capacity: 300 }]);
  });

  it('should forward the scopeQ and geoQ of a POST query\'s body, not just those of its URL', async () => {
    const scoped = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: 'Shelter' }], scopeQ: '/Aizu' } });
    assert.equal(scoped.status, 200, scoped.body);
    assert.deepEqual(scoped.json, [], 'no shelter has that scope, here or at the source');
    const near = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query',
      body: { type: 'Query', entities: [{ type: 'Shelter' }], geoQ: { georel: 'near;maxDistance==1000', geometry: 'Point', coordinates: [140.47, 37.76] } } });
    assert.equal(near.status, 200, near.body);
    assert.deepEqual(near.json, [], 'no shelter has a location, here or at the source');
  });

  it('should forward only what the registration covers: another type is not asked for', async () => {
    const buildings = await call(t, { method: 'GET', url: `${E}?type=Building` });
    assert.deepEqual(buildings.json, []);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:aizu-hall` })).status, 404);
  });

  it('should answer Retrieve Entity with an entity only the source holds, and merge one both hold', async () => {
    const aizu = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-1` });
    assert.equal(aizu.status, 200, aizu.body);
    assert.deepEqual(aizu.json, { id: 'urn:ngsi-ld:Shelter:aizu-1', type: 'Shelter', name: { type: 'Property', value: '会津体育館' }, capacity: { type: 'Property', value: 300 } });
    const shared = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:shared?attrs=name,operator` });
    assert.deepEqual(shared.json, {
      id: 'urn:ngsi-ld:Shelter:shared',
      type: 'Shelter',
      name: { type: 'Property', value: '共同避難所' },
      operator: { type: 'Relationship', object: 'urn:ngsi-ld:Organization:aizu' },
    });
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:nowhere` })).status, 404);
  });

  it('should answer discovery with what the source holds of the types it is registered for, merged with what is held here (5.7.11)', async () => {
    const get = async (url: string) => {
      const res = await call(t, { method: 'GET', url: `/ngsi-ld/v1/${url}` });
      assert.equal(res.status, 200, `${url}: ${res.body}`);
      return res.json;
    };
    const types = await get('types');
    assert.ok(types.typeList.includes('Shelter'));
    assert.ok(!types.typeList.includes('Building'), 'the source holds Buildings, but is not registered for them');
    const details = await get('types?details=true');
    assert.deepEqual(details.find((e: { typeName: string }) => e.typeName === 'Shelter').attributeNames, ['capacity', 'name', 'operator']);
    // Two shelters here and two at the source (one of them is both: an estimate, as 5.7.11 allows).
    const shelter = await get('types/Shelter');
    assert.equal(shelter.entityCount, 4);
    assert.deepEqual(shelter.attributeDetails.map((a: { attributeName: string; attributeTypes: string[] }) => [a.attributeName, a.attributeTypes]),
      [['capacity', ['Property']], ['name', ['Property']], ['operator', ['Relationship']]]);
    assert.equal((await get('types/Shelter?local=true')).entityCount, 2);
    const attributes = await get('attributes');
    assert.ok(attributes.attributeList.includes('operator'));
    assert.ok(!attributes.attributeList.includes('height'));
    const operator = await get('attributes/operator');
    assert.equal(operator.attributeCount, 1);
    assert.deepEqual(operator.typeNames, ['Shelter']);
    assert.deepEqual(operator.attributeTypes, ['Relationship']);
    const capacity = (await get('attributes?details=true')).find((a: { attributeName: string }) => a.attributeName === 'capacity');
    assert.equal(capacity.attributeCount, 4);
    for (const url of ['types/Building', 'attributes/height', 'attributes/operator?local=true']) {
      assert.equal((await call(t, { method: 'GET', url: `/ngsi-ld/v1/${url}` })).status, 404, url);
    }
  });

  it('should filter split entities once their parts are merged, with splitEntities=true, also through an EntityMap (4.3.6.7)', async () => {
    // The shared shelter's operator is held at the source only, its name here only.
    const both = 'q=operator=="urn:ngsi-ld:Organization:aizu";name=="共同避難所"';
    const whole = await call(t, { method: 'GET', url: `${E}?type=Shelter&${encodeURI(both)}&count=true` });
    assert.equal(whole.status, 200, whole.body);
    assert.deepEqual(ids(whole.json), [], 'without splitEntities each part is filtered where it is held');
    const split = await call(t, { method: 'GET', url: `${E}?type=Shelter&${encodeURI(both)}&count=true&splitEntities=true&options=keyValues` });
    assert.equal(split.status, 200, split.body);
    assert.deepEqual(ids(split.json), ['urn:ngsi-ld:Shelter:shared']);
    assert.equal(split.json[0].name, '共同避難所');
    assert.equal(split.json[0].operator, 'urn:ngsi-ld:Organization:aizu');
    assert.equal(split.headers['ngsild-results-count'], '1');
    // Entities held only here are filtered as usual; the source's whole entities here too.
    const small = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity<60&splitEntities=true&count=true` });
    assert.deepEqual(ids(small.json), ['urn:ngsi-ld:Shelter:pref-1']);
    assert.equal(small.headers['ngsild-results-count'], '1');
    const named = await call(t, { method: 'GET', url: `${E}?type=Shelter&attrs=name&splitEntities=true&count=true` });
    assert.deepEqual(ids(named.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:shared']);
    assert.equal(named.headers['ngsild-results-count'], '2');
    const paged = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity>0&splitEntities=true&limit=1&offset=1&count=true` });
    assert.deepEqual(ids(paged.json), ['urn:ngsi-ld:Shelter:pref-1']);
    assert.equal(paged.headers['ngsild-results-count'], '3');
    // Through an EntityMap: it lists the candidates, each page filters the merged entities.
    const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&${encodeURI(both)}&splitEntities=true&entityMap=true&count=true&limit=1` });
    assert.equal(first.status, 201, first.body);
    assert.deepEqual(ids(first.json), ['urn:ngsi-ld:Shelter:shared']);
    const mapLocation = String(first.headers['ngsild-entitymap']);
    const map = await call(t, { method: 'GET', url: mapLocation.replace(/^.*\/ngsi-ld\/v1/, '/ngsi-ld/v1') });
    assert.equal(map.status, 200, map.body);
    // The candidates were the source's shelters; aizu-1, checked on the way to the first match, has left.
    assert.deepEqual(Object.keys(map.json.entityMap), ['urn:ngsi-ld:Shelter:shared']);
    assert.deepEqual(map.json.entityMap['urn:ngsi-ld:Shelter:shared'].sort(), ['@none', 'urn:ngsi-ld:ContextSourceRegistration:aizu']);
    const next = await call(t, { method: 'GET', url: `${E}?type=Shelter&${encodeURI(both)}&splitEntities=true&count=true&limit=1&offset=1`, headers: { 'ngsild-entitymap': mapLocation } });
    assert.equal(next.status, 200, next.body);
    assert.deepEqual(ids(next.json), []);
    assert.equal(next.headers['ngsild-results-count'], '1');
    const unsplit = await call(t, { method: 'GET', url: `${E}?type=Shelter&${encodeURI(both)}&limit=1`, headers: { 'ngsild-entitymap': mapLocation } });
    assert.equal(unsplit.status, 400, 'the map was made by another query (splitEntities is part of it)');
    const bad = await call(t, { method: 'GET', url: `${E}?type=Shelter&splitEntities=yes` });
    assert.equal(bad.status, 400, bad.body);
  });

  it('should page a merged answer beyond the source\'s 1,000 entities a request, and refuse one beyond 10,000 rather than answer it short', async () => {
    // 1,005 more shelters at the source: the merged order runs aizu-1, bulk-0000 … bulk-1004, pref-1, shared.
    const bulk = Array.from({ length: 1005 }, (_, i) => shelter(`urn:ngsi-ld:Shelter:bulk-${String(i).padStart(4, '0')}`, { capacity: { type: 'Property', value: i } }));
    for (const part of [bulk.slice(0, 1000), bulk.slice(1000)]) {
      const res = await fetch(`${source.url}/ngsi-ld/v1/entityOperations/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(part) });
      assert.equal(res.status, 201, await res.text());
    }
    try {
      const page = await call(t, { method: 'GET', url: `${E}?type=Shelter&offset=1000&limit=10&count=true` });
      assert.equal(page.status, 200, page.body);
      assert.deepEqual(ids(page.json), ['urn:ngsi-ld:Shelter:bulk-0999', 'urn:ngsi-ld:Shelter:bulk-1000', 'urn:ngsi-ld:Shelter:bulk-1001', 'urn:ngsi-ld:Shelter:bulk-1002',
        'urn:ngsi-ld:Shelter:bulk-1003', 'urn:ngsi-ld:Shelter:bulk-1004', 'urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
      assert.equal(page.headers['ngsild-results-count'], '1008');
      assert.equal(page.json[7].operator?.object, 'urn:ngsi-ld:Organization:aizu', 'still merged with the source\'s part');
      const beyond = await call(t, { method: 'GET', url: `${E}?type=Shelter&offset=9995&limit=10` });
      assert.equal(beyond.status, 403, beyond.body);
      assert.equal(beyond.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults');
      assert.match(beyond.json.detail, /local=true/);
      const local = await call(t, { method: 'GET', url: `${E}?type=Shelter&offset=9995&limit=10&local=true` });
      assert.equal(local.status, 200, local.body);
    } finally {
      for (const part of [bulk.slice(0, 1000), bulk.slice(1000)]) {
        const res = await fetch(`${source.url}/ngsi-ld/v1/entityOperations/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(part.map((e) => e.id)) });
        assert.equal(res.status, 204, await res.text());
      }
    }
  });

  it('should page through an EntityMap of local and source entities, with the source\'s own map linked, and retrieve only from the sources it names (5.14)', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&count=true&entityMap=true` });
    assert.equal(first.status, 201, first.body);
    assert.deepEqual(ids(first.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:pref-1']);
    assert.equal(first.headers['ngsild-results-count'], '3');
    const location = first.headers['ngsild-entitymap'] as string;
    const map = await call(t, { method: 'GET', url: location });
    const reg = 'urn:ngsi-ld:ContextSourceRegistration:aizu';
    assert.deepEqual(map.json.entityMap, { 'urn:ngsi-ld:Shelter:aizu-1': [reg], 'urn:ngsi-ld:Shelter:pref-1': ['@none'], 'urn:ngsi-ld:Shelter:shared': ['@none', reg] });
    // The source made a map of its own for the forwarded query, kept as the linked map.
    const linked = map.json.linkedMaps[reg] as string;
    assert.match(linked, /^\/ngsi-ld\/v1\/entityMaps\//);
    const there = await fetch(`${source.url}${linked}`);
    assert.equal(there.status, 200);
    assert.deepEqual(Object.keys(((await there.json()) as { entityMap: object }).entityMap), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:shared']);

    await post(source.url, E, shelter('urn:ngsi-ld:Shelter:aizu-2', { capacity: { type: 'Property', value: 10 } }));
    try {
      const second = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&offset=2`, headers: { 'ngsild-entitymap': location } });
      assert.equal(second.status, 200, second.body);
      assert.deepEqual(ids(second.json), ['urn:ngsi-ld:Shelter:shared'], 'aizu-2 came after the map');
      assert.equal(second.json[0].operator?.object, 'urn:ngsi-ld:Organization:aizu', 'merged with the source\'s part');
      // Retrieve Entity with the map asks only the sources it names for the entity.
      const named = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-1`, headers: { 'ngsild-entitymap': location } });
      assert.equal(named.status, 200, named.body);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-2`, headers: { 'ngsild-entitymap': location } })).status, 404);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-2` })).status, 200);
    } finally {
      assert.equal((await fetch(`${source.url}${E}/urn:ngsi-ld:Shelter:aizu-2`, { method: 'DELETE' })).status, 204);
    }
  });

  it('should page an EntityMap beyond the 10,000 entities a merged query reaches without one', async () => {
    const deep = Array.from({ length: 10_000 }, (_, i) => shelter(`urn:ngsi-ld:Shelter:deep-${String(i).padStart(5, '0')}`, { capacity: { type: 'Property', value: i } }));
    for (let i = 0; i < deep.length; i += 1000) {
      const res = await fetch(`${source.url}/ngsi-ld/v1/entityOperations/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(deep.slice(i, i + 1000)) });
      assert.equal(res.status, 201, await res.text());
    }
    try {
      // aizu-1, deep-00000 … deep-09999, pref-1, shared: 10,003 entities.
      const made = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=1&count=true&entityMap=true` });
      assert.equal(made.status, 201, made.body);
      assert.equal(made.headers['ngsild-results-count'], '10003');
      const last = await call(t, { method: 'GET', url: `${E}?type=Shelter&offset=9999&limit=10`, headers: { 'ngsild-entitymap': made.headers['ngsild-entitymap'] as string } });
      assert.equal(last.status, 200, last.body);
      assert.deepEqual(ids(last.json), ['urn:ngsi-ld:Shelter:deep-09998', 'urn:ngsi-ld:Shelter:deep-09999', 'urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
      assert.equal(last.json[0].capacity.value, 9998);
    } finally {
      for (let i = 0; i < deep.length; i += 1000) {
        const res = await fetch(`${source.url}/ngsi-ld/v1/entityOperations/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(deep.slice(i, i + 1000).map((e) => e.id)) });
        assert.equal(res.status, 204, await res.text());
      }
    }
  });

  it('should merge the history a source keeps into temporal queries and retrieves, for registrations offering queryTemporal and retrieveTemporal (5.7.3.4, 5.7.4.4)', async () => {
    const T = '/ngsi-ld/v1/temporal/entities';
    const pm = (value: number, observedAt: string) => ({ type: 'Property', value, observedAt });
    // The municipality's history of two sensors; this broker's of one of them and another.
    await post(source.url, T, { id: 'urn:ngsi-ld:Sensor:aizu', type: 'Sensor', pm25: [pm(10, '2026-11-01T00:00:00Z'), pm(30, '2026-11-03T00:00:00Z')] });
    await post(source.url, T, { id: 'urn:ngsi-ld:Sensor:shared', type: 'Sensor', pm25: [pm(5, '2026-11-02T00:00:00Z')] });
    for (const body of [{ id: 'urn:ngsi-ld:Sensor:shared', type: 'Sensor', pm25: [pm(7, '2026-11-04T00:00:00Z')] }, { id: 'urn:ngsi-ld:Sensor:pref', type: 'Sensor', pm25: [pm(1, '2026-11-01T00:00:00Z')] }]) {
      assert.equal((await call(t, { method: 'POST', url: T, body })).status, 201);
    }
    const reg = await call(t, { method: 'POST', url: R, body: { id: 'urn:ngsi-ld:ContextSourceRegistration:aizu-history', type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Sensor' }] }], endpoint: source.url, operations: ['queryTemporal', 'retrieveTemporal'],
      observationInterval: { startAt: '2026-01-01T00:00:00Z' } } });
    assert.equal(reg.status, 201, reg.body);
    try {
      const after = 'timerel=after&timeAt=2026-10-01T00:00:00Z';
      const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&${after}&options=temporalValues&count=true` });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json.map((e: { id: string; pm25: { values: unknown[] } }) => [e.id, e.pm25.values]), [
        ['urn:ngsi-ld:Sensor:aizu', [[10, '2026-11-01T00:00:00.000Z'], [30, '2026-11-03T00:00:00.000Z']]],
        ['urn:ngsi-ld:Sensor:pref', [[1, '2026-11-01T00:00:00.000Z']]],
        ['urn:ngsi-ld:Sensor:shared', [[5, '2026-11-02T00:00:00.000Z'], [7, '2026-11-04T00:00:00.000Z']]],
      ]);
      assert.equal(res.headers['ngsild-results-count'], '3');
      const last = await call(t, { method: 'GET', url: `${T}?type=Sensor&${after}&lastN=1&q=pm25>4` });
      assert.deepEqual(last.json.map((e: { id: string; pm25: Array<{ value: number }> }) => [e.id, e.pm25.map((i) => i.value)]), [['urn:ngsi-ld:Sensor:aizu', [30]], ['urn:ngsi-ld:Sensor:shared', [7]]]);
      const one = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:aizu?${after}` });
      assert.equal(one.status, 200, one.body);
      assert.deepEqual(one.json.pm25.map((i: { value: number }) => i.value), [10, 30]);
      const shared = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:shared?options=temporalValues` });
      assert.deepEqual(shared.json.pm25.values, [[5, '2026-11-02T00:00:00.000Z'], [7, '2026-11-04T00:00:00.000Z']]);
      const local = await call(t, { method: 'GET', url: `${T}?type=Sensor&${after}&local=true` });
      assert.deepEqual(ids(local.json), ['urn:ngsi-ld:Sensor:pref', 'urn:ngsi-ld:Sensor:shared']);
      // The registration's observation interval starts in 2026: a query of 2025 does not go there.
      const before = await call(t, { method: 'GET', url: `${T}?type=Sensor&timerel=before&timeAt=2025-06-01T00:00:00Z` });
      assert.deepEqual(before.json, []);
      assert.equal((await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:aizu?timerel=before&timeAt=2025-06-01T00:00:00Z` })).status, 404);
      // A deletion at the source is in its history as a marker: merged here, it stays a marker
      // and the attribute's other instances stay too.
      await post(source.url, E, { id: 'urn:ngsi-ld:Sensor:aizu-del', type: 'Sensor', pm25: pm(10, '2026-11-01T00:00:00Z') });
      assert.equal((await fetch(`${source.url}${E}/urn:ngsi-ld:Sensor:aizu-del/attrs/pm25`, { method: 'DELETE' })).status, 204);
      const readded = await fetch(`${source.url}${E}/urn:ngsi-ld:Sensor:aizu-del/attrs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pm25: pm(30, '2026-11-03T00:00:00Z') }) });
      assert.equal(readded.status, 204);
      const deleted = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:aizu-del?options=temporalValues` });
      assert.deepEqual(deleted.json.pm25.values.map((v: unknown[]) => v[0]), [10, 30, 'urn:ngsi-ld:null'], 'the marker has no observedAt: it sorts by when it was recorded');
    } finally {
      assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu-history` })).status, 204);
    }
  });

  it('should forward Purge Entities to registrations offering purgeEntity, and answer 207 naming one that matches but does not (5.6.21.4)', async () => {
    const bin = (id: string, fill: number) => ({ id, type: 'Bin', fill: { type: 'Property', value: fill } });
    await post(source.url, E, bin('urn:ngsi-ld:Bin:aizu-full', 90));
    await post(source.url, E, bin('urn:ngsi-ld:Bin:aizu-empty', 5));
    assert.equal((await call(t, { method: 'POST', url: E, body: bin('urn:ngsi-ld:Bin:pref-full', 80) })).status, 201);
    const reg = await call(t, { method: 'POST', url: R, body: { id: 'urn:ngsi-ld:ContextSourceRegistration:aizu-bins', type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Bin' }] }], endpoint: source.url, operations: ['queryEntity', 'retrieveEntity', 'purgeEntity'] } });
    assert.equal(reg.status, 201, reg.body);
    try {
      const purged = await call(t, { method: 'DELETE', url: `${E}?type=Bin&q=fill>50` });
      assert.equal(purged.status, 204, purged.body);
      const left = await fetch(`${source.url}${E}?type=Bin`);
      assert.deepEqual(ids((await left.json()) as Array<{ id: string }>), ['urn:ngsi-ld:Bin:aizu-empty']);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Bin:pref-full?local=true` })).status, 404);
      // The shelters' registration offers the default federationOps, without purgeEntity.
      const refused = await call(t, { method: 'DELETE', url: `${E}?type=Shelter&q=capacity>100000` });
      assert.equal(refused.status, 207, refused.body);
      assert.deepEqual(refused.json.errors.map((e: { entityId: string; error: { type: string } }) => [e.entityId, e.error.type]),
        [['urn:ngsi-ld:ContextSourceRegistration:aizu', 'https://uri.etsi.org/ngsi-ld/errors/Conflict']]);
    } finally {
      assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu-bins` })).status, 204);
      await fetch(`${source.url}${E}/urn:ngsi-ld:Bin:aizu-empty`, { method: 'DELETE' });
    }
  });

  it('should leave the sources out with local=true', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&local=true` });
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    assert.equal(res.json[1].operator, undefined);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-1?local=true` })).status, 404);
  });

  it('should not forward a request that already passed this broker (Via)', async () => {
    const alias = new URL(t.ctx.config.publicUrl).host;
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter`, headers: { via: `1.1 ${alias}` } });
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
  });

  it('should not forward to a source the request has passed already (its contextSourceAlias in Via, 5.12)', async () => {
    const reg = `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu`;
    assert.equal((await call(t, { method: 'PATCH', url: reg, body: { contextSourceAlias: 'broker.aizu.example' } })).status, 204);
    try {
      const passed = await call(t, { method: 'GET', url: `${E}?type=Shelter`, headers: { via: '1.1 broker.aizu.example, 1.1 gateway.example' } });
      assert.deepEqual(ids(passed.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-1`, headers: { via: '1.1 broker.aizu.example' } })).status, 404);
      const other = await call(t, { method: 'GET', url: `${E}?type=Shelter`, headers: { via: '1.1 broker.iwaki.example' } });
      assert.deepEqual(ids(other.json), ['urn:ngsi-ld:Shelter:aizu-1', 'urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    } finally {
      assert.equal((await call(t, { method: 'PATCH', url: reg, body: { contextSourceAlias: null } })).status, 204);
    }
  });

  it('should record the distributed requests in the registration\'s status', async () => {
    const got = await call(t, { method: 'GET', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu` });
    assert.equal(got.json.status, 'ok');
    assert.ok(got.json.timesSent >= 3, String(got.json.timesSent));
    assert.equal(got.json.timesFailed, 0);
    assert.match(got.json.lastSuccess, /^\d{4}-/);
  });

  it('should refuse an exclusive registration of attributes this broker holds (409)', async () => {
    const reg = await call(t, {
      method: 'POST',
      url: R,
      body: {
        id: 'urn:ngsi-ld:ContextSourceRegistration:aizu-capacity',
        type: 'ContextSourceRegistration',
        information: [{ entities: [{ type: 'Shelter', id: 'urn:ngsi-ld:Shelter:pref-1' }], propertyNames: ['capacity'] }],
        endpoint: source.url,
        mode: 'exclusive',
      },
    });
    // pref-1 holds capacity locally: an exclusive registration of it conflicts.
    assert.equal(reg.status, 409, reg.body);
  });

  it('should stop forwarding once the registration has expired, and again after it is deleted', async () => {
    const expire = await call(t, { method: 'PATCH', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu`, body: { expiresAt: '2020-01-01T00:00:00Z' } });
    assert.equal(expire.status, 204, expire.body);
    let res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:aizu-1` })).status, 404);
    await call(t, { method: 'PATCH', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu`, body: { expiresAt: '2099-01-01T00:00:00Z' } });
    res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.equal(res.json.length, 3);
    assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:aizu` })).status, 204);
    res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
  });

  it('should answer with the local entities, not a 500, when a registered source is down, and record the failure', async () => {
    const deadPort = await freePort(...SOURCE_PORTS);
    const reg = await call(t, {
      method: 'POST',
      url: R,
      body: { id: 'urn:ngsi-ld:ContextSourceRegistration:dead', type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }] }], endpoint: `http://127.0.0.1:${deadPort}` },
    });
    assert.equal(reg.status, 201, reg.body);
    // Each answer names the source it lacks, so the client knows it is partial.
    const warning = new RegExp(`^199 - "http://127\\.0\\.0\\.1:${deadPort} \\(urn:ngsi-ld:ContextSourceRegistration:dead\\): `);
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    assert.match(String(res.headers['ngsild-warning']), warning);
    const posted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: 'Shelter' }] } });
    assert.equal(posted.status, 200, posted.body);
    assert.deepEqual(ids(posted.json), ['urn:ngsi-ld:Shelter:pref-1', 'urn:ngsi-ld:Shelter:shared']);
    assert.match(String(posted.headers['ngsild-warning']), warning);
    const one = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:pref-1` });
    assert.equal(one.status, 200);
    assert.match(String(one.headers['ngsild-warning']), warning);
    const got = await call(t, { method: 'GET', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:dead` });
    assert.equal(got.json.status, 'failed');
    assert.equal(got.json.timesFailed, 3);
    assert.match(got.json.lastFailure, /^\d{4}-/);
    await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:dead` });
  });

  it('should give up on a source that does not answer within management.timeout', async () => {
    const silent = http.createServer(() => {
      // Never answers.
    });
    const port = await freePort(...SOURCE_PORTS);
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      await call(t, {
        method: 'POST',
        url: R,
        body: { id: 'urn:ngsi-ld:ContextSourceRegistration:slow', type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }] }], endpoint: `http://127.0.0.1:${port}`, management: { timeout: 300 } },
      });
      const started = Date.now();
      const res = await call(t, { method: 'GET', url: `${E}?type=Shelter` });
      assert.equal(res.status, 200);
      assert.equal(res.json.length, 2);
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
      await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:slow` });
    }
  });

  it('should send a write as application/ld+json with the @context in the body when contextSourceInfo says contentType, and refuse a source of an older NGSI-LD version', async () => {
    const seen: Array<{ method: string; type: string | undefined; link: string | undefined; body: any }> = [];
    const recorder = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        seen.push({ method: req.method!, type: req.headers['content-type'], link: req.headers.link as string | undefined, body: text ? JSON.parse(text) : undefined });
        res.writeHead(201).end();
      });
    });
    // A port of its own (not the next test's): a kept-alive connection to this recorder must not
    // be reused for another server on the same port after it closes.
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const port = (recorder.address() as import('node:net').AddressInfo).port;
    const registration = (id: string, info: Array<{ key: string; value: string }>) => ({
      id, type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Kiosk' }] }], endpoint: `http://127.0.0.1:${port}/`, operations: ['createEntity'], contextSourceInfo: info,
    });
    try {
      const older = await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:old', [{ key: 'ngsildConformance', value: '1.6' }]) });
      assert.equal(older.status, 422, older.body);
      assert.match(older.json.detail, /1\.6/);
      const reg = await call(t, { method: 'POST', url: R, body: registration('urn:ngsi-ld:ContextSourceRegistration:ld', [{ key: 'contentType', value: 'application/ld+json' }, { key: 'ngsildConformance', value: '1.9' }]) });
      assert.equal(reg.status, 201, reg.body);
      // A registration changes the tenant's version: the first query after it asks the source once.
      const queryReg = { ...registration('urn:ngsi-ld:ContextSourceRegistration:ld-query', []), operations: ['queryEntity'], information: [{ entities: [{ type: 'Booth' }] }] };
      assert.equal((await call(t, { method: 'POST', url: R, body: queryReg })).status, 201);
      assert.equal((await call(t, { method: 'GET', url: `${E}?type=Booth` })).status, 200);
      assert.deepEqual(seen.map((r) => r.method), ['GET'], 'asked once');
      seen.length = 0;
      await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:ld-query` });
      const created = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Kiosk:1', type: 'Kiosk', open: { type: 'Property', value: true } } });
      assert.equal(created.status, 201, created.body);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.method, 'POST');
      assert.equal(seen[0]!.type, 'application/ld+json');
      assert.equal(seen[0]!.link, undefined);
      assert.deepEqual(seen[0]!.body, { id: 'urn:ngsi-ld:Kiosk:1', type: 'Kiosk', open: { type: 'Property', value: true }, '@context': 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld' });
    } finally {
      await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:ld` });
      recorder.closeAllConnections();
      await new Promise((resolve) => recorder.close(resolve));
    }
  });

  it('should send the registration\'s tenant and contextSourceInfo headers, and names with full IRIs when they are not in the core @context', async () => {
    // A source that records what it was asked.
    let seen: http.IncomingMessage | undefined;
    const recorder = http.createServer((req, res) => {
      seen = req;
      res.writeHead(200, { 'content-type': 'application/json', link: '<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"' });
      res.end(JSON.stringify([{ id: 'urn:ngsi-ld:Site:1', type: 'https://example.org/disaster#EvacuationSite', 'https://example.org/disaster#capacity': { type: 'Property', value: 7 }, extra: { type: 'Property', value: 'not registered' } }]));
    });
    const port = await freePort(...SOURCE_PORTS);
    await new Promise<void>((resolve) => recorder.listen(port, '127.0.0.1', resolve));
    try {
      const reg = await call(t, {
        method: 'POST',
        url: R,
        headers: { 'content-type': 'application/ld+json' },
        body: {
          '@context': { EvacuationSite: 'https://example.org/disaster#EvacuationSite', capacity: 'https://example.org/disaster#capacity' },
          id: 'urn:ngsi-ld:ContextSourceRegistration:recorder',
          type: 'ContextSourceRegistration',
          information: [{ entities: [{ type: 'EvacuationSite' }], propertyNames: ['capacity'] }],
          endpoint: `http://127.0.0.1:${port}/`,
          tenant: 'aizu',
          contextSourceInfo: [{ key: 'Authorization', value: 'Bearer s3cret' }, { key: 'X-User', value: 'urn:ngsi-ld:request' }],
        },
      });
      assert.equal(reg.status, 201, reg.body);
      // Names that are not core terms travel as full IRIs, without a Link header.
      const res = await call(t, { method: 'GET', url: `${E}?type=https://example.org/disaster%23EvacuationSite`, headers: { 'x-user': 'tanaka' } });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json, [{ id: 'urn:ngsi-ld:Site:1', type: 'https://example.org/disaster#EvacuationSite', 'https://example.org/disaster#capacity': { type: 'Property', value: 7 } }]);
      let url = new URL(seen!.url!, 'http://x');
      assert.equal(url.pathname, '/ngsi-ld/v1/entities');
      assert.equal(url.searchParams.get('type'), 'https://example.org/disaster#EvacuationSite');
      assert.equal(url.searchParams.get('attrs'), 'https://example.org/disaster#capacity');
      assert.equal(url.searchParams.get('local'), 'true');
      assert.equal(seen!.headers['ngsild-tenant'], 'aizu');
      assert.equal(seen!.headers.authorization, 'Bearer s3cret');
      assert.equal(seen!.headers['x-user'], 'tanaka');
      assert.equal(seen!.headers.via, `1.1 ${new URL(t.ctx.config.publicUrl).host}`);
      assert.equal(seen!.headers.link, undefined);

      // A q naming such an attribute goes with the requester's @context in a Link header.
      const hosted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/jsonldContexts', body: { '@context': { EvacuationSite: 'https://example.org/disaster#EvacuationSite', capacity: 'https://example.org/disaster#capacity' } } });
      assert.equal(hosted.status, 201, hosted.body);
      const contextUrl = `${t.ctx.config.publicUrl}${hosted.headers.location}`;
      const link = `<${contextUrl}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;
      const withQ = await call(t, { method: 'GET', url: `${E}?type=EvacuationSite&q=capacity>1`, headers: { link } });
      assert.equal(withQ.status, 200, withQ.body);
      assert.deepEqual(withQ.json, [{ id: 'urn:ngsi-ld:Site:1', type: 'EvacuationSite', capacity: { type: 'Property', value: 7 } }]);
      url = new URL(seen!.url!, 'http://x');
      assert.equal(url.searchParams.get('type'), 'EvacuationSite');
      assert.equal(url.searchParams.get('q'), 'capacity>1');
      assert.equal(seen!.headers.link, link);

      // expandValues goes along, its values to be expanded with the same @context.
      const expanded = await call(t, { method: 'GET', url: `${E}?type=EvacuationSite&q=capacity==Large&expandValues=capacity`, headers: { link } });
      assert.equal(expanded.status, 200, expanded.body);
      url = new URL(seen!.url!, 'http://x');
      assert.equal(url.searchParams.get('q'), 'capacity==Large');
      assert.equal(url.searchParams.get('expandValues'), 'capacity');
      assert.equal(seen!.headers.link, link);
    } finally {
      recorder.closeAllConnections();
      await new Promise((resolve) => recorder.close(resolve));
      await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:recorder` });
    }
  });
});
