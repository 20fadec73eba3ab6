// EntityMaps of temporal queries: a later request may ask for another time range or projection
// (5.5.14), which must not take entities out of the map.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const T = '/ngsi-ld/v1/temporal/entities';
const pm = (value: number, observedAt: string) => ({ type: 'Property', value, observedAt });

describe('temporal EntityMaps and the query that made them', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    for (const [n, at] of [['a', '2026-11-01T00:00:00Z'], ['b', '2026-11-02T00:00:00Z'], ['c', '2025-01-01T00:00:00Z']] as const) {
      const res = await call(t, { method: 'POST', url: T, body: { id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor', pm25: [pm(1, at)], no2: [pm(2, at)] } });
      assert.equal(res.status, 201, res.body);
    }
  });
  after(() => t?.close());

  it('a page asked with another time window is refused (or leaves the map as it was)', async () => {
    const made = `${T}?type=Sensor&timerel=after&timeAt=2026-10-01T00:00:00Z&count=true&limit=1`;
    const first = await call(t, { method: 'GET', url: `${made}&entityMap=true` });
    assert.equal(first.status, 201, first.body);
    assert.equal(first.headers['ngsild-results-count'], '2');
    const location = first.headers['ngsild-entitymap'] as string;
    const other = await call(t, { method: 'GET', url: `${T}?type=Sensor&timerel=before&timeAt=2026-01-01T00:00:00Z&count=true`, headers: { 'ngsild-entitymap': location } });
    const again = await call(t, { method: 'GET', url: made, headers: { 'ngsild-entitymap': location } });
    assert.equal(again.status, 200, again.body);
    assert.equal(again.headers['ngsild-results-count'], '2', `the map made by the first query lost entries after a request with another time window (that one answered ${other.status}: ${other.body})`);
  });

  it('a page asked with another pick is refused (or leaves the map as it was)', async () => {
    const made = `${T}?type=Sensor&timerel=after&timeAt=2026-10-01T00:00:00Z&count=true&limit=1&pick=id,pm25`;
    const first = await call(t, { method: 'GET', url: `${made}&entityMap=true` });
    assert.equal(first.status, 201, first.body);
    const location = first.headers['ngsild-entitymap'] as string;
    await call(t, { method: 'GET', url: `${T}?type=Sensor&timerel=after&timeAt=2026-10-01T00:00:00Z&pick=id,humidity`, headers: { 'ngsild-entitymap': location } });
    const again = await call(t, { method: 'GET', url: made, headers: { 'ngsild-entitymap': location } });
    assert.equal(again.headers['ngsild-results-count'], '2', 'entries lost after a request with another pick');
  });
});
