// The datasetId parameter of Retrieve Entity and Query Entities (clauses 4.5.5, 5.7.1.4,
// 5.7.2.4): only the attribute instances with the given datasetIds are shown ("@none" is the
// default instance); an attribute left without instances is not shown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const RADAR = 'urn:ngsi-ld:Dataset:radar';
const GAUGE = 'urn:ngsi-ld:Dataset:gauge';

describe('datasetId selection on retrieval and query (clause 4.5.5)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const created = await call(t, {
      method: 'POST',
      url: E,
      body: {
        id: 'urn:ngsi-ld:River:abukuma',
        type: 'River',
        level: [
          { type: 'Property', value: 2.1 },
          { type: 'Property', value: 2.4, datasetId: RADAR },
          { type: 'Property', value: 2.3, datasetId: GAUGE },
        ],
        name: { type: 'Property', value: '阿武隈川' },
        location: [
          { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.47, 37.76] } },
          { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.5, 37.8] }, datasetId: GAUGE },
        ],
      },
    });
    assert.equal(created.status, 201, created.body);
  });
  after(() => t.close());

  it('should keep only the selected instances on Retrieve Entity, and drop attributes without any', async () => {
    const radar = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:River:abukuma?datasetId=${RADAR}` });
    assert.equal(radar.status, 200, radar.body);
    assert.deepEqual(radar.json.level, { type: 'Property', value: 2.4, datasetId: RADAR });
    assert.equal(radar.json.name, undefined, 'name has no radar instance');
    assert.equal(radar.json.location, undefined);
    const two = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:River:abukuma?datasetId=@none,${GAUGE}&options=keyValues` });
    // Simplified, a multi-attribute is its values by datasetId (clause 4.5.4).
    assert.deepEqual(two.json.level, { dataset: { '@none': 2.1, [GAUGE]: 2.3 } });
    assert.equal(two.json.name, '阿武隈川', '@none selects the default instance');
    const all = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:River:abukuma` });
    assert.equal(all.json.level.length, 3, 'without datasetId every instance is shown');
  });

  it('should select instances on Query Entities and for the GeoJSON geometry', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=River&datasetId=${GAUGE}&options=keyValues` });
    assert.deepEqual(res.json, [{ id: 'urn:ngsi-ld:River:abukuma', type: 'River', level: 2.3, location: { type: 'Point', coordinates: [140.5, 37.8] } }]);
    const geo = await call(t, { method: 'GET', url: `${E}?type=River&datasetId=${GAUGE}`, headers: { accept: 'application/geo+json' } });
    assert.deepEqual(geo.json.features[0].geometry, { type: 'Point', coordinates: [140.5, 37.8] });
  });

  it('should refuse a datasetId that is not a URI', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:River:abukuma?datasetId=radar` });
    assert.equal(res.status, 400);
    assert.match(res.json.detail, /datasetId: "radar" is not a URI/);
  });
});
