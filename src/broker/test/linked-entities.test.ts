// Clause 4.5.23 and annex C.2.2: Linked Entity retrieval (join=flat|inline, joinLevel,
// containedBy) on Retrieve Entity and Query Entities, through the real HTTP routes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { notificationReceiver, until } from '../../../test/helpers/notification-receiver.ts';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const V = 'urn:ngsi-ld:Vehicle:A4567';
const P = 'urn:ngsi-ld:OffStreetParking:Downtown1';
const C = 'urn:ngsi-ld:Company:BigParkingCorp';
const ALICE = 'urn:ngsi-ld:Person:Alice';
const BOB = 'urn:ngsi-ld:Person:Bob';
const ANTWERP = 'urn:ngsi-ld:City:Antwerp';
const ROTTERDAM = 'urn:ngsi-ld:City:Rotterdam';

const named = (id: string, type: string, extra: Record<string, unknown> = {}) => ({ id, type, name: { type: 'Property', value: id.split(':').pop() }, ...extra });
const ids = (list: Array<{ id: string }>) => list.map((e) => e.id);

describe('NGSI-LD linked entity retrieval (clause 4.5.23)', () => {
  let t: TestApp;
  let rx: Awaited<ReturnType<typeof notificationReceiver>>;
  before(async () => {
    rx = await notificationReceiver([4660, 4680]);
    t = await brokerTestApp({ runWorker: true });
    await t.app.ready();
    const entities = [
      named(V, 'Vehicle', {
        isParked: { type: 'Relationship', objectType: 'OffStreetParking', object: P },
        passengers: { type: 'Relationship', object: [ALICE, BOB] },
        route: { type: 'ListRelationship', objectList: [ANTWERP, ROTTERDAM] },
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:HeldElsewhere' },
      }),
      // The parking links back to the vehicle: a loop the retrieval must not follow twice.
      named(P, 'OffStreetParking', { operatedBy: { type: 'Relationship', object: C }, occupant: { type: 'Relationship', object: V } }),
      named(C, 'Company'),
      named(ALICE, 'Person'),
      named(BOB, 'Person'),
      named(ANTWERP, 'City'),
      named(ROTTERDAM, 'City'),
    ];
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: entities });
    assert.equal(res.status, 201, res.body);
    // The same parking id in another tenant, with another name: never a match from this one.
    const other = await call(t, { method: 'POST', url: E, body: named(P, 'OffStreetParking', { name: { type: 'Property', value: 'Elsewhere' } }), headers: { 'ngsild-tenant': 'linked-other' } });
    assert.equal(other.status, 201, other.body);
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  it('q with a linked entity path should match on the attributes of the entities a Relationship points to', async () => {
    const cases: Array<[string, string[]]> = [
      ['isParked{name}=="Downtown1"', [V]],
      ['isParked{name}=="Elsewhere"', []],
      ['isParked{OffStreetParking:operatedBy{name}}=="BigParkingCorp"', [V]],
      ['isParked{Company:name}=="Downtown1"', []],
      ['route{name}=="Rotterdam"', [V]],
      ['passengers{name}=="Bob";name=="A4567"', [V]],
      ['isParked{name}=="nowhere"|name=="A4567"', [V]],
      ['isParked{name}!="Downtown1"', []],
      ['owner{name}', []],
      ['occupant{isParked{name}}=="Downtown1"', [P]],
    ];
    for (const [q, expected] of cases) {
      const res = await call(t, { method: 'GET', url: `${E}?q=${encodeURIComponent(q)}` });
      assert.equal(res.status, 200, `${q}: ${res.body}`);
      assert.deepEqual(ids(res.json), expected, q);
    }
  });

  it('q with a linked entity path should be refused where it cannot apply, with the spec error types', async () => {
    const temporal = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities?type=Vehicle&timerel=after&timeAt=2020-01-01T00:00:00Z&q=${encodeURIComponent('isParked{name}=="x"')}` });
    // Clause 5.7.4.4: linked entity filters on the temporal API are BadRequestData.
    assert.equal(temporal.status, 400, temporal.body);
    assert.match(temporal.json.detail, /linked entity paths .* cannot be used on the temporal API/);
    const bad = await call(t, { method: 'GET', url: `${E}?q=${encodeURIComponent('isParked{name=="x"')}` });
    assert.equal(bad.status, 400);
    assert.match(bad.json.detail, /expected "\}" to close the "\{" at position 8/);
  });

  it('a subscription with a linked entity q should notify a change whose linked entity matches', async () => {
    const sub = { type: 'Subscription', entities: [{ type: 'Vehicle' }], q: 'isParked{name}=="Downtown1"', notification: { endpoint: { uri: rx.url('/linked') } } };
    assert.equal((await call(t, { method: 'POST', url: '/ngsi-ld/v1/subscriptions', body: sub })).status, 201);
    const other = named('urn:ngsi-ld:Vehicle:B1', 'Vehicle', { isParked: { type: 'Relationship', object: C } });
    assert.equal((await call(t, { method: 'POST', url: E, body: other })).status, 201);
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/${V}/attrs`, body: { name: { type: 'Property', value: 'A4567 (moved)' } } })).status, 204);
    const got = await until('the notification of the matching vehicle', () => rx.for('/linked')[0]);
    assert.deepEqual(got.body.data.map((e: { id: string }) => e.id), [V], 'the vehicle parked at a Company is not notified');
    // Put back what later tests read.
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/${V}/attrs`, body: { name: { type: 'Property', value: 'A4567' } } })).status, 204);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Vehicle:B1` })).status, 204);
  });

  it('retrieve with join=inline should add entity/entityList sub-attributes for locally held targets only', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/${V}?join=inline` });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.isParked.object, P);
    assert.deepEqual(res.json.isParked.entity, {
      id: P,
      type: 'OffStreetParking',
      name: { type: 'Property', value: 'Downtown1' },
      operatedBy: { type: 'Relationship', object: C },
      occupant: { type: 'Relationship', object: V },
    });
    assert.deepEqual(ids(res.json.passengers.entity), [ALICE, BOB]);
    assert.deepEqual(ids(res.json.route.entityList), [ANTWERP, ROTTERDAM]);
    assert.equal(res.json.owner.entity, undefined, 'a target this broker does not hold is left as it is');
  });

  it('retrieve with joinLevel=2 should follow the next level, but never back to an entity already shown', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/${V}?join=inline&joinLevel=2` });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.isParked.entity.operatedBy.entity.id, C);
    assert.equal(res.json.isParked.entity.occupant.entity, undefined, 'the vehicle itself is not repeated');
  });

  it('retrieve with join=flat should answer an array of the entity and its linked entities, each once, leaving out containedBy', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/${V}?join=flat&joinLevel=3` });
    assert.equal(res.status, 200, res.body);
    // Level by level: the entity, what it links to, then what those link to.
    const got = ids(res.json);
    assert.equal(got[0], V);
    assert.deepEqual(got.slice(1, 6).sort(), [ANTWERP, ROTTERDAM, P, ALICE, BOB].sort());
    assert.equal(got[6], C);
    assert.equal(got.length, 7);
    const parking = res.json.find((e: { id: string }) => e.id === P);
    assert.deepEqual(parking.operatedBy, { type: 'Relationship', object: C }, 'flat entities carry no inline data');
    const known = await call(t, { method: 'GET', url: `${E}/${V}?join=flat&containedBy=${P},${ALICE}` });
    assert.deepEqual(ids(known.json).sort(), [V, BOB, ANTWERP, ROTTERDAM].sort());
  });

  it('with datasetId should follow only the Relationship instances of those datasets (4.5.5)', async () => {
    const id = 'urn:ngsi-ld:Truck:datasets';
    const keeper = [
      { type: 'Relationship', object: ALICE, datasetId: 'urn:ngsi-ld:Dataset:day' },
      { type: 'Relationship', object: BOB, datasetId: 'urn:ngsi-ld:Dataset:night' },
    ];
    assert.equal((await call(t, { method: 'POST', url: E, body: named(id, 'Truck', { keeper }) })).status, 201);
    const day = await call(t, { method: 'GET', url: `${E}/${id}?join=flat&datasetId=urn:ngsi-ld:Dataset:day` });
    assert.equal(day.status, 200, day.body);
    assert.deepEqual(ids(day.json), [id, ALICE], 'the night keeper is not shown, so not followed');
  });

  it('inline in the simplified representation should replace the Relationship value with the linked entity', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/${V}?join=inline&format=simplified` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json.isParked, { id: P, type: 'OffStreetParking', name: 'Downtown1', operatedBy: C, occupant: V });
    assert.deepEqual(res.json.passengers, [{ id: ALICE, type: 'Person', name: 'Alice' }, { id: BOB, type: 'Person', name: 'Bob' }]);
    assert.equal(res.json.owner, 'urn:ngsi-ld:Person:HeldElsewhere');
  });

  it('pick should choose which Relationships are followed, and apply to the linked entities too', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/${V}?join=flat&pick=id,type,passengers` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json, [
      { id: V, type: 'Vehicle', passengers: { type: 'Relationship', object: [ALICE, BOB] } },
      { id: ALICE, type: 'Person' },
      { id: BOB, type: 'Person' },
    ]);
  });

  it('query with join=flat should append the linked entities and count only the matches', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=Vehicle&join=flat&count=true` });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['ngsild-results-count'], '1');
    assert.equal(res.json[0].id, V);
    assert.deepEqual(ids(res.json).slice(1).sort(), [P, ALICE, BOB, ANTWERP, ROTTERDAM].sort());
    const inline = await call(t, { method: 'GET', url: `${E}?type=Vehicle,OffStreetParking&join=inline` });
    assert.deepEqual(ids(inline.json), [P, V], 'inline answers only the matching entities');
    assert.equal(inline.json[0].operatedBy.entity.id, C);
    assert.equal(inline.json[0].occupant.entity, undefined, 'the vehicle is a match of its own, not repeated inside the parking');
  });

  it('should refuse bad join parameters with the spec error types', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['join=deep', 400, 'BadRequestData', /join: must be flat, inline or @none/],
      ['join=flat&joinLevel=0', 400, 'BadRequestData', /joinLevel/],
      ['join=flat&joinLevel=two', 400, 'BadRequestData', /joinLevel/],
      ['join=inline&joinLevel=6', 403, 'TooComplexQuery', /at most 5/],
      ['join=flat&containedBy=not%20a%20uri', 400, 'BadRequestData', /containedBy/],
    ];
    for (const [params, status, type, detail] of cases) {
      const res = await call(t, { method: 'GET', url: `${E}/${V}?${params}` });
      assert.equal(res.status, status, params);
      assert.equal(res.json.type, `https://uri.etsi.org/ngsi-ld/errors/${type}`);
      assert.match(res.json.detail, detail);
    }
    const none = await call(t, { method: 'GET', url: `${E}/${V}?join=@none` });
    assert.equal(none.status, 200);
    assert.equal(none.json.isParked.entity, undefined);
  });
});
