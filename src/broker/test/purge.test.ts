// Purge Entities (clause 5.6.21, HTTP 6.4.3.3: DELETE /entities): the entities a query selects
// are deleted, or with drop/keep only some of their attributes. Forwarding to registered
// sources is tested in registrations/test/federation.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPersonalTypes } from '../exports.ts';
import { brokerTestApp, building, call, DEFAULT, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const sensor = (n: number, pm25: number) => ({ id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor', pm25: { type: 'Property', value: pm25 }, name: { type: 'Property', value: `sensor ${n}` } });

describe('Purge Entities (DELETE /entities, clause 5.6.21)', () => {
  let t: TestApp;
  const exists = async (id: string) => (await call(t, { method: 'GET', url: `${E}/${id}` })).status === 200;
  before(async () => {
    t = await brokerTestApp();
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      sensor(1, 10), sensor(2, 60), sensor(3, 90),
      building('urn:ngsi-ld:Building:b1'), building('urn:ngsi-ld:Building:b2'),
      { id: 'urn:ngsi-ld:Patient:p1', type: 'Patient', pm25: { type: 'Property', value: 99 } },
    ] });
    assert.equal(res.status, 201, res.body);
    const tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    await setPersonalTypes(t.ctx.db, { tenant, providerId: 'test-provider', types: [`${DEFAULT}Patient`], ownerAttribute: 'owner' });
  });
  after(() => t.close());

  it('should delete the entities the query selects, and only those', async () => {
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Sensor&q=pm25>50` });
    assert.equal(res.status, 204, res.body);
    assert.deepEqual([await exists('urn:ngsi-ld:Sensor:1'), await exists('urn:ngsi-ld:Sensor:2'), await exists('urn:ngsi-ld:Sensor:3')], [true, false, false]);
    // The deletions are in the history, as any deletion is.
    const history = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Sensor:2?timerel=after&timeAt=2020-01-01T00:00:00Z&timeproperty=deletedAt' });
    assert.equal(history.status, 200, history.body);
  });

  it('should delete only the attributes drop names, or all but those keep names', async () => {
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?type=Building&drop=height` })).status, 204);
    const dropped = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b1` });
    assert.equal(dropped.json.height, undefined);
    assert.deepEqual(dropped.json.name, { type: 'Property', value: 'Building b1' });
    assert.ok(dropped.json.location);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?type=Building&keep=name` })).status, 204);
    const kept = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b2` });
    assert.deepEqual(Object.keys(kept.json).sort(), ['id', 'name', 'type']);
  });

  it('should never purge entities of a personal type, which the NGSI-LD API does not serve', async () => {
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?type=Patient` })).status, 204);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?q=pm25>0` })).status, 204);
    const row = await t.ctx.db.selectFrom('broker_entities' as never).select('id' as never).where('id' as never, '=', 'urn:ngsi-ld:Patient:p1' as never).execute();
    assert.equal(row.length, 1, 'the patient is still there');
    assert.equal(await exists('urn:ngsi-ld:Sensor:1'), false, 'the sensor matching q=pm25>0 went');
  });

  it('should refuse a purge that is too wide or malformed, naming the problem', async () => {
    await call(t, { method: 'POST', url: E, body: sensor(7, 1) });
    const cases: Array<[string, RegExp]> = [
      [`${E}?id=urn:ngsi-ld:Sensor:7`, /needs at least one of type, attrs, q/],
      [`${E}?type=Sensor&drop=name&keep=pm25`, /drop and keep cannot be used together/],
      [`${E}?type=Sensor&q=owner{name}==x`, /linked entity paths/],
      [`${E}?type=Sensor&q=pm25>>`, /q:/],
      [`${E}?type=Sensor&id=not-a-uri`, /not a URI/],
    ];
    for (const [url, detail] of cases) {
      const res = await call(t, { method: 'DELETE', url });
      assert.equal(res.status, 400, `${url}: ${res.body}`);
      assert.match(res.json.detail, detail, url);
    }
    assert.equal(await exists('urn:ngsi-ld:Sensor:7'), true);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?id=urn:ngsi-ld:Sensor:7&local=true` })).status, 204);
    assert.equal(await exists('urn:ngsi-ld:Sensor:7'), false);
  });

  it('should need broker.write', async () => {
    const guarded = await brokerTestApp({ brokerAuth: true });
    try {
      assert.equal((await call(guarded, { method: 'DELETE', url: `${E}?type=Sensor` })).status, 401);
    } finally {
      await guarded.close();
    }
  });
});
