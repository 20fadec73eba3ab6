// Clause 5.7.4.4 (S3): geo-queries on Query Temporal Evolution of Entities are checked against
// the GeoProperty instances within the temporal query's interval, through the real HTTP routes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const T = '/ngsi-ld/v1/temporal/entities';
const FUKUSHIMA_STATION = [140.4748, 37.7608];
const KORIYAMA_STATION = [140.3597, 37.398];
const AIZU = [139.9297, 37.4947];

const at = (coordinates: number[], observedAt: string) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates }, observedAt });
const ids = (list: Array<{ id: string }>) => list.map((e) => e.id);

describe('NGSI-LD temporal API geo-queries (clause 5.7.4.4)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const create = async (id: string, coordinates: number[]) => {
      const res = await call(t, { method: 'POST', url: E, body: { id, type: 'Bus', location: at(coordinates, '2026-02-01T00:00:00Z') } });
      assert.equal(res.status, 201, res.body);
    };
    await create('urn:ngsi-ld:Bus:1', FUKUSHIMA_STATION);
    await create('urn:ngsi-ld:Bus:2', AIZU);
    // Bus 1 drives to Koriyama an hour later.
    const moved = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Bus:1/attrs`, body: { location: at(KORIYAMA_STATION, '2026-02-01T01:00:00Z') } });
    assert.equal(moved.status, 204, moved.body);
  });
  after(() => t.close());

  const near = (point: number[], window: string) =>
    `${T}?type=Bus&${window}&georel=near;maxDistance==2000&geometry=Point&coordinates=${encodeURIComponent(JSON.stringify(point))}`;

  it('should select the entities whose location was near the point within the interval', async () => {
    const early = await call(t, { method: 'GET', url: near(FUKUSHIMA_STATION, 'timerel=between&timeAt=2026-02-01T00:00:00Z&endTimeAt=2026-02-01T00:30:00Z') });
    assert.equal(early.status, 200, early.body);
    assert.deepEqual(ids(early.json), ['urn:ngsi-ld:Bus:1']);
    const late = await call(t, { method: 'GET', url: near(FUKUSHIMA_STATION, 'timerel=after&timeAt=2026-02-01T00:30:00Z') });
    assert.deepEqual(ids(late.json), [], 'after 00:30 bus 1 was in Koriyama');
    const koriyama = await call(t, { method: 'GET', url: near(KORIYAMA_STATION, 'timerel=after&timeAt=2026-02-01T00:00:00Z') });
    assert.deepEqual(ids(koriyama.json), ['urn:ngsi-ld:Bus:1']);
    assert.deepEqual(koriyama.json[0].location.map((i: { value: { coordinates: number[] } }) => i.value.coordinates), [FUKUSHIMA_STATION, KORIYAMA_STATION], 'the answer keeps every instance in the interval');
  });

  it('should accept a geo-query as the only selector, with within and geoproperty', async () => {
    const box = [[[139.8, 37.4], [140.0, 37.4], [140.0, 37.6], [139.8, 37.6], [139.8, 37.4]]];
    const res = await call(t, { method: 'GET', url: `${T}?timerel=after&timeAt=2026-01-01T00:00:00Z&georel=within&geometry=Polygon&coordinates=${encodeURIComponent(JSON.stringify(box))}&geoproperty=location` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Bus:2']);
    const other = await call(t, { method: 'GET', url: `${T}?timerel=after&timeAt=2026-01-01T00:00:00Z&georel=within&geometry=Polygon&coordinates=${encodeURIComponent(JSON.stringify(box))}&geoproperty=route` });
    assert.deepEqual(ids(other.json), []);
  });

  it('should refuse an incomplete or malformed geo-query with BadRequestData', async () => {
    for (const params of ['georel=near;maxDistance==10', 'georel=near;maxDistance==10&geometry=Point&coordinates=[1]', 'georel=inside&geometry=Point&coordinates=[140,37]']) {
      const res = await call(t, { method: 'GET', url: `${T}?type=Bus&timerel=after&timeAt=2026-01-01T00:00:00Z&${params}` });
      assert.equal(res.status, 400, params);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    }
  });
});
