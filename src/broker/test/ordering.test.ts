// Entity ordering (clause 4.23): orderBy on Query Entities by attribute values (mixed kinds in
// the order of 4.23.2, missing ones last), by sub-paths, and by distance from a geometry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const FUKUSHIMA_STATION = [140.4748, 37.7608];

function shelter(n: string, attrs: Record<string, unknown>) {
  return { id: `urn:ngsi-ld:Shelter:${n}`, type: 'Shelter', ...attrs };
}
const prop = (value: unknown, extra: Record<string, unknown> = {}) => ({ type: 'Property', value, ...extra });
const at = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });
const ids = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

describe('orderBy on Query Entities (clause 4.23)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      shelter('a', { name: prop('さくら小学校'), capacity: prop(300, { observedAt: '2026-11-03T00:00:00Z' }), address: prop({ city: '福島市' }), location: at(140.4750, 37.7610) }),
      shelter('b', { name: prop('あおば体育館'), capacity: prop(120, { observedAt: '2026-11-01T00:00:00Z' }), address: prop({ city: '郡山市' }), location: at(140.3597, 37.3980) }),
      shelter('c', { name: prop('Community Hall'), capacity: prop(300, { observedAt: '2026-11-02T00:00:00Z' }), address: prop({ city: '会津若松市' }), location: at(139.9299, 37.4947) }),
      shelter('d', { name: prop('みどり公民館'), location: at(140.4800, 37.7700) }),
      shelter('e', { name: prop('Zelkova Centre'), capacity: prop('unknown'), location: at(140.4600, 37.7500) }),
    ] });
    assert.equal(res.status, 201, res.body);
  });
  after(() => t.close());

  it('should sort by a value ascending or descending, with the entities lacking it last either way, and ties by id', async () => {
    const up = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=capacity` });
    assert.equal(up.status, 200, up.body);
    assert.deepEqual(ids(up.json), ['b', 'a', 'c', 'e', 'd'], 'numbers, then the string, then the one without');
    const down = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=capacity;desc` });
    assert.deepEqual(ids(down.json), ['a', 'c', 'b', 'e', 'd']);
    const then = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=capacity;desc,capacity.observedAt` });
    assert.deepEqual(ids(then.json), ['c', 'a', 'b', 'e', 'd'], 'the two of 300 by their observedAt');
  });

  it('should page and count a sorted answer, with the query\'s filters', async () => {
    const page = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity>100&orderBy=capacity;desc&limit=2&offset=1&count=true&options=keyValues` });
    assert.equal(page.status, 200, page.body);
    assert.deepEqual(page.json.map((e: { id: string; capacity: number }) => [e.id.split(':').pop(), e.capacity]), [['c', 300], ['b', 120]]);
    assert.equal(page.headers['ngsild-results-count'], '3');
  });

  it('should sort strings by collation, and by a member of a compound value', async () => {
    const names = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=name&attrs=name` });
    assert.deepEqual(ids(names.json), ['c', 'e', 'b', 'a', 'd'], 'Latin before kana in the root collation; あ, さ, み in kana order');
    const cities = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=address[city];desc&collation=ja` });
    assert.deepEqual(ids(cities.json).slice(0, 3), ['a', 'b', 'c'], '福島 (ふ), 郡山 (こ), 会津 (あ) descending in Japanese order');
  });

  it('should sort by distance from a point, nearest first, within a geo-query too', async () => {
    const near = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=location;dist-asc&orderFrom=${JSON.stringify(FUKUSHIMA_STATION)}` });
    assert.equal(near.status, 200, near.body);
    assert.deepEqual(ids(near.json), ['a', 'd', 'e', 'b', 'c']);
    const far = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=location;dist-desc&orderFrom=${JSON.stringify(FUKUSHIMA_STATION)}&limit=2` });
    assert.deepEqual(ids(far.json), ['c', 'b']);
    const within = await call(t, { method: 'GET', url: `${E}?type=Shelter&georel=near;maxDistance==3000&geometry=Point&coordinates=${JSON.stringify(FUKUSHIMA_STATION)}&orderBy=location;dist-desc&orderFrom=${JSON.stringify(FUKUSHIMA_STATION)}` });
    assert.deepEqual(ids(within.json), ['e', 'd', 'a']);
    const line = await call(t, { method: 'GET', url: `${E}?type=Shelter&orderBy=location;dist-asc&orderGeometry=LineString&orderFrom=${JSON.stringify([[139.9, 37.49], [139.95, 37.5]])}&limit=1` });
    assert.deepEqual(ids(line.json), ['c']);
  });

  it('should refuse an ordering it cannot use, naming the problem', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['orderBy=capacity;up', 400, /;asc, ;desc, ;dist-asc or ;dist-desc/],
      ['orderBy=location;dist-asc', 400, /orderFrom: required/],
      ['orderBy=location;dist-asc&orderFrom=140,37', 400, /orderFrom/],
      ['orderBy=location;dist-asc&orderFrom=[140,37]&orderGeometry=Circle', 400, /orderGeometry/],
      ['orderBy=name&collation=not_a_locale!', 400, /collation/],
      ['orderFrom=[140,37]', 400, /only with orderBy/],
      ['orderBy=owner{name}', 400, /linked entity paths/],
      ['orderBy=na me', 400, /orderBy/],
      ['orderBy=name&entityMap=true', 422, /EntityMap pages in entity id order/],
    ];
    for (const [query, status, detail] of cases) {
      const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&${query}` });
      assert.equal(res.status, status, `${query}: ${res.body}`);
      assert.match(res.json.detail, detail, query);
    }
  });
});
