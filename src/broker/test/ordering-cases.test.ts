// orderBy (clause 4.23) in the harder cases: distances from lines and polygons, null and
// missing values, invalid DateTimes, LanguageProperty members, where orderBy is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const prop = (value: unknown) => ({ type: 'Property', value });
const point = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });
const ids = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());
const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

describe('orderBy', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      // Distance: a polygon/line around (140.0..141.0, 37.0..38.0).
      { id: 'urn:ngsi-ld:Spot:inside', type: 'Spot', location: point(140.5, 37.5) },
      { id: 'urn:ngsi-ld:Spot:near-vertex', type: 'Spot', location: point(139.9, 36.9) },
      // Null vs missing in a compound value (4.23.2: Null, then "Attribute does not exist").
      { id: 'urn:ngsi-ld:Addr:a1', type: 'Addr' },
      { id: 'urn:ngsi-ld:Addr:a2', type: 'Addr', address: prop({ city: null }) },
      { id: 'urn:ngsi-ld:Addr:a3', type: 'Addr', address: prop({ city: 'Aizu' }) },
      // DateTime values; one not a date.
      { id: 'urn:ngsi-ld:When:w1', type: 'When', at: prop({ '@type': 'DateTime', '@value': '2023-01-01T00:00:00Z' }) },
      { id: 'urn:ngsi-ld:When:w2', type: 'When', at: prop({ '@type': 'DateTime', '@value': 'not a date' }) },
      { id: 'urn:ngsi-ld:When:w3', type: 'When', at: prop({ '@type': 'DateTime', '@value': '2021-01-01T00:00:00Z' }) },
    ] });
    assert.equal(res.status, 201, res.body);
  });
  after(() => t?.close());

  it('dist-asc from a Polygon: an entity inside it is at distance 0, first', async () => {
    const polygon = [[[140, 37], [141, 37], [141, 38], [140, 38], [140, 37]]];
    const res = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-asc&orderGeometry=Polygon&orderFrom=${q(polygon)}` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['inside', 'near-vertex']);
  });

  it('dist-asc from a LineString: distance to the line, not to its vertices', async () => {
    // inside (140.5, 37.5) lies on the segment (139,37.5)-(142,37.5), ~130 km from both its ends;
    // near-vertex (139.9, 36.9) is ~67 km from the line and ~100 km from the end (139,37.5).
    const line = [[139, 37.5], [142, 37.5]];
    const res = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-asc&orderGeometry=LineString&orderFrom=${q(line)}` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['inside', 'near-vertex']);
  });

  it('dist-desc from a MultiPolygon or MultiLineString sorts by distance (not all Infinity, id order)', async () => {
    const multi = [[[[140, 37], [141, 37], [141, 38], [140, 38], [140, 37]]]];
    const res = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-desc&orderGeometry=MultiPolygon&orderFrom=${q(multi)}` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['near-vertex', 'inside'], 'farthest first');
    const lines = [[[140, 37.5], [141, 37.5]]];
    const res2 = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-desc&orderGeometry=MultiLineString&orderFrom=${q(lines)}` });
    assert.deepEqual(ids(res2.json), ['near-vertex', 'inside'], 'farthest first');
  });

  it('a null member sorts before a missing one (4.23.2: Null, then Attribute does not exist)', async () => {
    const stored = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Addr:a2?options=keyValues` });
    assert.deepEqual(stored.json.address, { city: null }, 'control: the null is stored and shown');
    const res = await call(t, { method: 'GET', url: `${E}?type=Addr&orderBy=address[city]` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['a3', 'a2', 'a1']);
  });

  it('DateTime values sort by time even with an invalid one among them', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=When&orderBy=at` });
    assert.equal(res.status, 200, res.body);
    const order = ids(res.json);
    assert.ok(order.indexOf('w3') < order.indexOf('w1'), `2021 before 2023: ${order}`);
  });

  it('orderBy on a query that sources would also answer is BadRequestData (5.7.2.4)', async () => {
    const reg = await call(t, { method: 'POST', url: '/ngsi-ld/v1/csourceRegistrations', body: {
      id: 'urn:ngsi-ld:ContextSourceRegistration:review-order', type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Spot' }] }], endpoint: 'http://127.0.0.1:6299' } });
    assert.equal(reg.status, 201, reg.body);
    try {
      const res = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location` });
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    } finally {
      await call(t, { method: 'DELETE', url: '/ngsi-ld/v1/csourceRegistrations/urn:ngsi-ld:ContextSourceRegistration:review-order' });
    }
  });

  it('orderBy on Query Temporal Evolution other than by id is BadRequestData (5.7.4.4), not ignored', async () => {
    const res = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities?type=Spot&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=createdAt&orderBy=location;desc` });
    assert.equal(res.status, 400, `${res.status}: ${res.body.slice(0, 200)}`);
  });

  it('control: order kept in GeoJSON and keyValues, limit=0 counts, offset beyond is empty', async () => {
    const from = q([139.9, 36.9]);
    const geo = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-desc&orderFrom=${from}&pick=id`, headers: { accept: 'application/geo+json' } });
    assert.equal(geo.status, 200, geo.body);
    assert.deepEqual(geo.json.features.map((f: { id: string }) => f.id.split(':').pop()), ['inside', 'near-vertex']);
    const kv = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location;dist-desc&orderFrom=${from}&options=keyValues&omit=location` });
    assert.deepEqual(ids(kv.json), ['inside', 'near-vertex']);
    const none = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location&limit=0&count=true` });
    assert.equal(none.headers['ngsild-results-count'], '2');
    assert.deepEqual(none.json, []);
    const beyond = await call(t, { method: 'GET', url: `${E}?type=Spot&orderBy=location&offset=50&count=true` });
    assert.deepEqual(beyond.json, []);
    assert.equal(beyond.headers['ngsild-results-count'], '2');
  });

  it('LanguageProperty by a language member (label[ja], as q reads it), sub-attributes and Relationships', async () => {
    const made = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      { id: 'urn:ngsi-ld:Lang:x1', type: 'Lang', label: { type: 'LanguageProperty', languageMap: { en: 'Apple', ja: 'ん' } },
        capacity: { type: 'Property', value: 1, reliability: { type: 'Property', value: 0.9 } }, owner: { type: 'Relationship', object: 'urn:ngsi-ld:Org:b' } },
      { id: 'urn:ngsi-ld:Lang:x2', type: 'Lang', label: { type: 'LanguageProperty', languageMap: { en: 'Zebra', ja: 'あ' } },
        capacity: { type: 'Property', value: 2, reliability: { type: 'Property', value: 0.1 } }, owner: { type: 'Relationship', object: 'urn:ngsi-ld:Org:a' } },
    ] });
    assert.equal(made.status, 201, made.body);
    const viaQ = await call(t, { method: 'GET', url: `${E}?type=Lang&q=${encodeURIComponent('label[ja]=="あ"')}` });
    assert.deepEqual(ids(viaQ.json), ['x2'], 'control: q reads label[ja]');
    const sub = await call(t, { method: 'GET', url: `${E}?type=Lang&orderBy=capacity.reliability` });
    assert.deepEqual(ids(sub.json), ['x2', 'x1'], 'sub-attribute');
    const rel = await call(t, { method: 'GET', url: `${E}?type=Lang&orderBy=owner` });
    assert.deepEqual(ids(rel.json), ['x2', 'x1'], 'Relationship object');
    const ja = await call(t, { method: 'GET', url: `${E}?type=Lang&orderBy=label[ja]` });
    assert.deepEqual(ids(ja.json), ['x2', 'x1'], 'label[ja]: あ before ん');
  });

  it('odd orderBy input is a 4xx, never a 500', async () => {
    const cases = ['orderBy=', 'orderBy=;desc', 'orderBy=a,,b', 'orderBy=a[', 'orderBy=a[]', 'orderBy=a..b', 'orderBy=a%00', 'orderBy=a&collation=',
      'orderBy=location;dist-asc&orderFrom=[1e400,0]', 'orderBy=location;dist-asc&orderFrom=[[1,2]]', 'orderBy=location;dist-asc&orderGeometry=Polygon&orderFrom=[[[0,0],[1,0],[0,0]]]',
      `orderBy=${'a.'.repeat(5000)}a`, `orderBy=a[${'b.'.repeat(5000)}b]`, 'orderBy=a&collation=und-u-ks-identic', 'orderBy=a&collation=x-invalid-🙂'];
    const bad: string[] = [];
    for (const c of cases) {
      const res = await call(t, { method: 'GET', url: `${E}?type=Spot&${c.replace(/🙂/g, encodeURIComponent('🙂'))}` });
      if (res.status >= 500) bad.push(`${c.slice(0, 60)} → ${res.status} ${res.body.slice(0, 120)}`);
    }
    assert.deepEqual(bad, []);
  });
});
