// Queries with the Query data type (clause 5.2.23) in a POST body, through the real HTTP routes:
// Query Temporal Evolution of Entities via POST (clause 5.7.4, 6.24: temporalQ, geoQ, the
// personal types left out) and linked entity retrieval (join) on entityOperations/query.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPersonalTypes } from '../exports.ts';
import { brokerTestApp, call, DEFAULT, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const TQ = '/ngsi-ld/v1/temporal/entityOperations/query';
const Q = '/ngsi-ld/v1/entityOperations/query';
const FUKUSHIMA_STATION = [140.4748, 37.7608];
const KORIYAMA_STATION = [140.3597, 37.398];

const at = (coordinates: number[], observedAt: string) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates }, observedAt });
const ids = (list: Array<{ id: string }>) => list.map((e) => e.id);
const near = (point: number[]) => ({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: point });

describe('POST queries: temporal/entityOperations/query and join on entityOperations/query', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const create = async (body: Record<string, unknown>) => {
      const res = await call(t, { method: 'POST', url: E, body });
      assert.equal(res.status, 201, res.body);
    };
    await create({ id: 'urn:ngsi-ld:Bus:1', type: 'Bus', location: at(FUKUSHIMA_STATION, '2026-02-01T00:00:00Z'),
      speed: { type: 'Property', value: 30, observedAt: '2026-02-01T00:00:00Z' }, operator: { type: 'Relationship', object: 'urn:ngsi-ld:Company:c1' } });
    await create({ id: 'urn:ngsi-ld:Bus:2', type: 'Bus', location: at(KORIYAMA_STATION, '2026-02-01T00:00:00Z') });
    await create({ id: 'urn:ngsi-ld:Company:c1', type: 'Company', name: { type: 'Property', value: '福島交通' } });
    await create({ id: 'urn:ngsi-ld:Patient:p1', type: 'Patient', location: at(FUKUSHIMA_STATION, '2026-02-01T00:00:00Z') });
    const moved = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Bus:1/attrs`, body: { speed: { type: 'Property', value: 40, observedAt: '2026-02-01T01:00:00Z' } } });
    assert.equal(moved.status, 204, moved.body);
    const tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    await setPersonalTypes(t.ctx.db, { tenant, providerId: 'test-provider', types: [`${DEFAULT}Patient`], ownerAttribute: 'owner' });
  });
  after(() => t.close());

  it('should answer the temporal evolution of the entities the Query body selects, with temporalQ', async () => {
    const res = await call(t, { method: 'POST', url: `${TQ}?options=temporalValues`, body: { type: 'Query', entities: [{ type: 'Bus' }], attrs: ['speed'],
      temporalQ: { timerel: 'between', timeAt: '2026-02-01T00:00:00Z', endTimeAt: '2026-02-01T02:00:00Z' } } });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json, [{ id: 'urn:ngsi-ld:Bus:1', type: 'Bus', speed: { type: 'Property', values: [[30, '2026-02-01T00:00:00.000Z'], [40, '2026-02-01T01:00:00.000Z']] } }]);
    const lastN = await call(t, { method: 'POST', url: TQ, body: { type: 'Query', entities: [{ id: 'urn:ngsi-ld:Bus:1' }], attrs: ['speed'], q: 'speed>35',
      temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z', lastN: 1 } } });
    assert.equal(lastN.status, 200, lastN.body);
    assert.deepEqual(lastN.json[0].speed.map((i: { value: number }) => i.value), [40]);
  });

  it('should apply the geoQ of the body to the GeoProperty instances in the interval, and leave personal types out', async () => {
    const res = await call(t, { method: 'POST', url: TQ, body: { type: 'Query', geoQ: near(FUKUSHIMA_STATION), temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } } });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['urn:ngsi-ld:Bus:1'], 'the Patient near the station is personal data');
    const counted = await call(t, { method: 'POST', url: `${TQ}?count=true`, body: { type: 'Query', entities: [{ type: 'Patient' }], temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } } });
    assert.deepEqual(counted.json, []);
    assert.equal(counted.headers['ngsild-results-count'], '0');
  });

  it('should refuse a body that is not a usable Query with BadRequestData', async () => {
    const bodies: unknown[] = [
      [],
      { type: 'Subscription', entities: [{ type: 'Bus' }] },
      { type: 'Query', entities: [{ type: 'Bus' }] },
      { type: 'Query', entities: [{ type: 'Bus' }], temporalQ: { timerel: 'during', timeAt: '2026-01-01T00:00:00Z' } },
      { type: 'Query', entities: [{ type: 'Bus' }], temporalQ: 'after' },
      { type: 'Query', entities: { type: 'Bus' }, temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } },
      { type: 'Query', attrs: 'speed', temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } },
      { type: 'Query', geoQ: { georel: 'near;maxDistance==10', geometry: 'Point' }, temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } },
    ];
    for (const body of bodies) {
      const res = await call(t, { method: 'POST', url: TQ, body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    }
    const onEntities = await call(t, { method: 'POST', url: Q, body: { type: 'Query', entities: [{ type: 'Bus' }], temporalQ: { timerel: 'after', timeAt: '2026-01-01T00:00:00Z' } } });
    assert.equal(onEntities.status, 400, onEntities.body);
  });

  it('should give the next and previous pages of entityOperations/query as links to POST the same body to', async () => {
    const body = { type: 'Query', entities: [{ type: 'Bus' }] };
    const first = await call(t, { method: 'POST', url: `${Q}?limit=1&count=true`, body });
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(ids(first.json), ['urn:ngsi-ld:Bus:1']);
    const next = /<([^>]*)>; rel="next"/.exec(String(first.headers.link))?.[1];
    assert.equal(next, `${Q}?limit=1&count=true&offset=1`);
    const second = await call(t, { method: 'POST', url: next!, body });
    assert.deepEqual(ids(second.json), ['urn:ngsi-ld:Bus:2']);
    assert.doesNotMatch(String(second.headers.link), /rel="next"/);
    assert.match(String(second.headers.link), /offset=0&limit=1|limit=1[^>]*offset=0/);
  });

  it('should follow Relationships with join on entityOperations/query, as GET does', async () => {
    const body = { type: 'Query', entities: [{ id: 'urn:ngsi-ld:Bus:1' }], pick: ['id', 'type', 'operator', 'name'] };
    const inline = await call(t, { method: 'POST', url: `${Q}?join=inline&options=keyValues`, body });
    assert.equal(inline.status, 200, inline.body);
    assert.deepEqual(inline.json, [{ id: 'urn:ngsi-ld:Bus:1', type: 'Bus', operator: { id: 'urn:ngsi-ld:Company:c1', type: 'Company', name: '福島交通' } }]);
    const flat = await call(t, { method: 'POST', url: `${Q}?join=flat`, body });
    assert.deepEqual(ids(flat.json), ['urn:ngsi-ld:Bus:1', 'urn:ngsi-ld:Company:c1']);
    const get = await call(t, { method: 'GET', url: `${E}?id=urn:ngsi-ld:Bus:1&pick=id,type,operator,name&join=flat` });
    assert.deepEqual(flat.json, get.json);
    const tooDeep = await call(t, { method: 'POST', url: `${Q}?join=flat&joinLevel=9`, body });
    assert.equal(tooDeep.status, 403, tooDeep.body);
    assert.equal(tooDeep.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooComplexQuery');
  });
});
