// Distributed writes (clauses 4.3.6.2–4.3.6.3, 5.6.1–5.6.6, 5.6.17–5.6.19): a municipal broker,
// started as a real separate process, holds some attributes of the prefecture's entities; writes
// on the prefecture broker go to it as its registrations say.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';
import { freePort, startSourceBroker, type SourceBroker } from './federation-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
/** This file's ports (other test files keep to other ranges). */
const PORTS: [number, number] = [4600, 4700];
const WRITES = ['createEntity', 'updateAttrs', 'appendAttrs', 'deleteAttrs', 'deleteEntity', 'mergeEntity', 'replaceEntity', 'retrieveOps'];

async function atSource(source: SourceBroker, id: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${source.url}${E}/${encodeURIComponent(id)}`);
  return { status: res.status, json: res.status === 200 ? await res.json() : undefined };
}

// One municipal broker process serves both suites (starting one takes seconds).
let source: SourceBroker;
let deadEndpoint: string;
before(async () => {
  source = await startSourceBroker(PORTS);
  deadEndpoint = `http://127.0.0.1:${await freePort(...PORTS)}`;
});
after(async () => {
  await source?.close();
});

describe('Distributed writes to registered context sources (clause 4.3.6)', () => {
  let t: TestApp;

  const register = async (body: Record<string, unknown>) => {
    const res = await call(t, { method: 'POST', url: R, body: { type: 'ContextSourceRegistration', ...body } });
    assert.equal(res.status, 201, res.body);
  };

  before(async () => {
    t = await brokerTestApp();
    // The municipality holds the capacity of shelter w1 (exclusive: one entity, named attributes).
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-exclusive', mode: 'exclusive', operations: WRITES, endpoint: source.url,
      information: [{ entities: [{ id: 'urn:ngsi-ld:Shelter:w1', type: 'Shelter' }], propertyNames: ['capacity'] }] });
    // Whole vehicles live at the municipality, but it takes no writes through us.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-readonly', mode: 'redirect', operations: ['retrieveOps'], endpoint: source.url,
      information: [{ entities: [{ type: 'Vehicle' }] }] });
    // Sensors are kept here and copied to the municipality.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-inclusive', mode: 'inclusive', operations: ['createEntity', 'updateAttrs'], endpoint: source.url,
      information: [{ entities: [{ type: 'Sensor' }] }] });
    // Pumps' flow is held by a source that is down.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-dead', mode: 'redirect', operations: WRITES, endpoint: deadEndpoint,
      management: { timeout: 2000 }, information: [{ entities: [{ type: 'Pump' }], propertyNames: ['flow'] }] });
    // A shelter whose capacity is named by the municipality's own vocabulary (registered after
    // the Vehicle redirect registration: another type is no overlap, clause 5.9.2.4).
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-vocab', mode: 'exclusive', operations: WRITES, endpoint: source.url,
      information: [{ entities: [{ id: 'urn:ngsi-ld:Shelter:w9', type: 'Shelter' }], propertyNames: ['https://aizu.example/ns/capacity'] }] });
    // Auxiliary sources never receive writes.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:w-aux', mode: 'auxiliary', endpoint: deadEndpoint, information: [{ entities: [{ type: 'Sensor' }] }] });
  });

  after(async () => {
    await t?.close();
  });

  it('should create the exclusive attributes at the source and the rest here, and read them back merged', async () => {
    const created = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Shelter:w1', type: 'Shelter',
      name: { type: 'Property', value: '西避難所' }, capacity: { type: 'Property', value: 200 } } });
    assert.equal(created.status, 201, created.body);
    const remote = await atSource(source, 'urn:ngsi-ld:Shelter:w1');
    assert.deepEqual(remote.json, { id: 'urn:ngsi-ld:Shelter:w1', type: 'Shelter', capacity: { type: 'Property', value: 200 } });
    const local = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:w1?local=true` });
    assert.deepEqual(local.json, { id: 'urn:ngsi-ld:Shelter:w1', type: 'Shelter', name: { type: 'Property', value: '西避難所' } });
    const merged = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:w1?options=keyValues` });
    assert.deepEqual(merged.json, { id: 'urn:ngsi-ld:Shelter:w1', type: 'Shelter', name: '西避難所', capacity: 200 });
  });

  it('should send updates, appends, merges, replaces and attribute deletes of owned attributes to the source only', async () => {
    const id = 'urn:ngsi-ld:Shelter:w1';
    const updated = await call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { capacity: { type: 'Property', value: 150 }, name: { type: 'Property', value: '西避難所（体育館）' } } });
    assert.equal(updated.status, 204, updated.body);
    assert.equal((await atSource(source, id)).json.capacity.value, 150);
    const partial = await call(t, { method: 'PATCH', url: `${E}/${id}/attrs/capacity`, body: { value: 140 } });
    assert.equal(partial.status, 204, partial.body);
    assert.equal((await atSource(source, id)).json.capacity.value, 140);
    const merged = await call(t, { method: 'PATCH', url: `${E}/${id}`, body: { capacity: { type: 'Property', value: 120 } } });
    assert.equal(merged.status, 204, merged.body);
    const local = await call(t, { method: 'GET', url: `${E}/${id}?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id, type: 'Shelter', name: '西避難所（体育館）' });
    assert.equal((await atSource(source, id)).json.capacity.value, 120);
    const appended = await call(t, { method: 'POST', url: `${E}/${id}/attrs`, body: { capacity: { type: 'Property', value: 110 }, floors: { type: 'Property', value: 2 } } });
    assert.equal(appended.status, 204, appended.body);
    assert.equal((await atSource(source, id)).json.capacity.value, 110);
    assert.equal((await atSource(source, id)).json.floors, undefined);
    const replaced = await call(t, { method: 'PUT', url: `${E}/${id}`, body: { type: 'Shelter', name: { type: 'Property', value: '西避難所' }, capacity: { type: 'Property', value: 100 } } });
    assert.equal(replaced.status, 204, replaced.body);
    assert.equal((await atSource(source, id)).json.capacity.value, 100);
    assert.deepEqual((await call(t, { method: 'GET', url: `${E}/${id}?local=true&options=keyValues` })).json, { id, type: 'Shelter', name: '西避難所' });
    const deleted = await call(t, { method: 'DELETE', url: `${E}/${id}/attrs/capacity` });
    assert.equal(deleted.status, 204, deleted.body);
    assert.equal((await atSource(source, id)).json.capacity, undefined);
  });

  it('should add a type named without attributes here, though a source holds some of the entity', async () => {
    const id = 'urn:ngsi-ld:Shelter:w1';
    const res = await call(t, { method: 'POST', url: `${E}/${id}/attrs`, body: { type: ['Shelter', 'Building'] } });
    assert.equal(res.status, 204, res.body);
    const local = await call(t, { method: 'GET', url: `${E}/${id}?local=true` });
    assert.deepEqual(local.json.type, ['Shelter', 'Building']);
  });

  it('should refuse with Conflict a write to a redirect registration that does not offer it, and store nothing', async () => {
    const res = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Vehicle:v1', type: 'Vehicle', speed: { type: 'Property', value: 30 } } });
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/Conflict');
    assert.match(res.json.detail, /w-readonly/);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Vehicle:v1?local=true` })).status, 404);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Vehicle:v1')).status, 404);
    // A Vehicle stored here anyway (local=true) is deleted here; the registration's part fails.
    const stray = await call(t, { method: 'POST', url: `${E}?local=true`, body: { id: 'urn:ngsi-ld:Vehicle:v2', type: 'Vehicle' } });
    assert.equal(stray.status, 201, stray.body);
    const deleted = await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Vehicle:v2` });
    assert.equal(deleted.status, 207, deleted.body);
    assert.deepEqual(deleted.json.notUpdated.map((n: { registrationId: string }) => n.registrationId), ['urn:ngsi-ld:ContextSourceRegistration:w-readonly']);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Vehicle:v2?local=true` })).status, 404);
  });

  it('should keep an inclusive source\'s copy in step and never write to an auxiliary one', async () => {
    const id = 'urn:ngsi-ld:Sensor:s1';
    // The auxiliary registration points at a dead endpoint: were it written to, this would be a 207.
    const created = await call(t, { method: 'POST', url: E, body: { id, type: 'Sensor', temperature: { type: 'Property', value: 21 } } });
    assert.equal(created.status, 201, created.body);
    const updated = await call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { temperature: { type: 'Property', value: 23 } } });
    assert.equal(updated.status, 204, updated.body);
    assert.equal((await atSource(source, id)).json.temperature.value, 23);
    const local = await call(t, { method: 'GET', url: `${E}/${id}?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id, type: 'Sensor', temperature: 23 });
    // Delete Entity is not offered by the inclusive registration: only the local entity goes.
    assert.equal((await call(t, { method: 'DELETE', url: `${E}/${id}` })).status, 204);
    assert.equal((await call(t, { method: 'GET', url: `${E}/${id}?local=true` })).status, 404);
    assert.equal((await atSource(source, id)).status, 200);
  });

  it('should report the part a dead source did not take (207), and answer an error naming it when nothing was written', async () => {
    const id = 'urn:ngsi-ld:Pump:p1';
    const created = await call(t, { method: 'POST', url: E, body: { id, type: 'Pump', label: { type: 'Property', value: '第1ポンプ' }, flow: { type: 'Property', value: 3.5 } } });
    assert.equal(created.status, 207, created.body);
    assert.deepEqual(created.json.updated, ['label']);
    assert.equal(created.headers.location, `${E}/${encodeURIComponent(id)}`);
    assert.equal(created.json.notUpdated.length, 1);
    assert.equal(created.json.notUpdated[0].attributeName, 'flow');
    assert.equal(created.json.notUpdated[0].registrationId, 'urn:ngsi-ld:ContextSourceRegistration:w-dead');
    assert.ok(created.json.notUpdated[0].reason.includes(deadEndpoint), created.json.notUpdated[0].reason);
    const local = await call(t, { method: 'GET', url: `${E}/${id}?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id, type: 'Pump', label: '第1ポンプ' });
    const onlyFlow = await call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { flow: { type: 'Property', value: 4 } } });
    assert.equal(onlyFlow.status, 502, onlyFlow.body);
    assert.match(onlyFlow.json.detail, /w-dead/);
    assert.ok(onlyFlow.json.detail.includes(deadEndpoint));
  });

  it('should delete an entity at the exclusive source and here', async () => {
    const id = 'urn:ngsi-ld:Shelter:w1';
    await call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { capacity: { type: 'Property', value: 90 } } });
    assert.equal((await atSource(source, id)).status, 200);
    const deleted = await call(t, { method: 'DELETE', url: `${E}/${id}` });
    assert.equal(deleted.status, 204, deleted.body);
    assert.equal((await atSource(source, id)).status, 404);
    assert.equal((await call(t, { method: 'GET', url: `${E}/${id}` })).status, 404);
  });

  it('should answer ResourceNotFound for an entity of a known type nobody holds, and name a dead source that might hold it', async () => {
    const typed = await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Shelter:nowhere?type=Shelter` });
    assert.equal(typed.status, 404, typed.body);
    assert.equal(typed.json.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
    const patched = await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Thing:nowhere/attrs?type=Thing`, body: { flow: { type: 'Property', value: 1 } } });
    assert.equal(patched.status, 404, patched.body);
    // Without a type, registrations by type alone match (clause 5.12): the dead Pump source might
    // hold it, so the answer names it rather than claiming the entity does not exist.
    const untyped = await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Shelter:nowhere` });
    assert.equal(untyped.status, 502, untyped.body);
    assert.match(untyped.json.detail, /w-dead/);
    assert.doesNotMatch(untyped.json.detail, /w-readonly/, 'a registration that may not hold it is no conflict');
  });

  it('should relay a source\'s refusal when it was the only part of the write', async () => {
    const id = 'urn:ngsi-ld:Shelter:w1';
    await call(t, { method: 'POST', url: E, body: { id, type: 'Shelter', capacity: { type: 'Property', value: 1 } } });
    // The entity is now here (empty) and at the source (capacity): creating it again fails in both.
    const again = await call(t, { method: 'POST', url: E, body: { id, type: 'Shelter', capacity: { type: 'Property', value: 2 } } });
    assert.equal(again.status, 409, again.body);
    assert.equal(again.json.type, 'https://uri.etsi.org/ngsi-ld/errors/AlreadyExists');
    assert.equal((await atSource(source, id)).json.capacity.value, 1);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}/${id}` })).status, 204);
  });

  it('should send names of the requester\'s @context to the source as full IRIs', async () => {
    const id = 'urn:ngsi-ld:Shelter:w9';
    const body = { '@context': [{ cap: 'https://aizu.example/ns/capacity' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'],
      id, type: 'Shelter', cap: { type: 'Property', value: 80 }, name: { type: 'Property', value: '北避難所' } };
    const created = await call(t, { method: 'POST', url: E, body, headers: { 'content-type': 'application/ld+json' } });
    assert.equal(created.status, 201, created.body);
    assert.deepEqual((await atSource(source, id)).json, { id, type: 'Shelter', 'https://aizu.example/ns/capacity': { type: 'Property', value: 80 } });
    const local = await call(t, { method: 'GET', url: `${E}/${id}?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id, type: 'Shelter', name: '北避難所' });
  });

  it('should leave the sources out of a write with local=true', async () => {
    const id = 'urn:ngsi-ld:Sensor:s-local';
    const created = await call(t, { method: 'POST', url: `${E}?local=true`, body: { id, type: 'Sensor', temperature: { type: 'Property', value: 5 } } });
    assert.equal(created.status, 201, created.body);
    assert.equal((await atSource(source, id)).status, 404);
  });
});

describe('Distributed batch operations (clauses 5.6.7–5.6.10, 5.6.20)', () => {
  let t: TestApp;

  before(async () => {
    t = await brokerTestApp();
    const register = async (body: Record<string, unknown>) => {
      const res = await call(t, { method: 'POST', url: R, body: { type: 'ContextSourceRegistration', ...body } });
      assert.equal(res.status, 201, res.body);
    };
    // Parking lots' occupancy is held by the municipality, which takes batches.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:b-redirect', mode: 'redirect', endpoint: source.url,
      operations: ['createBatch', 'upsertBatch', 'updateBatch', 'deleteBatch', 'retrieveOps'], information: [{ entities: [{ type: 'Parking' }], propertyNames: ['occupancy'] }] });
    // Toilets' status is held by a source that is down.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:b-dead', mode: 'redirect', endpoint: deadEndpoint, management: { timeout: 2000 },
      operations: ['createEntity', 'deleteEntity'], information: [{ entities: [{ type: 'Toilet' }], propertyNames: ['status'] }] });
    // Whole tanks live at the municipality, which takes single writes only (no batch operations).
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:b-tank', mode: 'redirect', endpoint: source.url,
      operations: ['redirectionOps'], information: [{ entities: [{ type: 'Tank' }] }] });
    // Gauges are kept here and copied there, attribute by attribute.
    await register({ id: 'urn:ngsi-ld:ContextSourceRegistration:b-gauge', mode: 'inclusive', endpoint: source.url,
      operations: ['createEntity', 'updateAttrs', 'appendAttrs', 'retrieveOps'], information: [{ entities: [{ type: 'Gauge' }] }] });
  });

  after(async () => {
    await t?.close();
  });

  it('should create the registered attributes at the source in one batch and the rest here', async () => {
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      { id: 'urn:ngsi-ld:Parking:p1', type: 'Parking', name: { type: 'Property', value: '駅前駐車場' }, occupancy: { type: 'Property', value: 12 } },
      { id: 'urn:ngsi-ld:Parking:p2', type: 'Parking', occupancy: { type: 'Property', value: 3 } },
      { id: 'urn:ngsi-ld:Bench:b1', type: 'Bench', seats: { type: 'Property', value: 4 } },
    ] });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual([...res.json].sort(), ['urn:ngsi-ld:Bench:b1', 'urn:ngsi-ld:Parking:p1', 'urn:ngsi-ld:Parking:p2']);
    assert.deepEqual((await atSource(source, 'urn:ngsi-ld:Parking:p1')).json, { id: 'urn:ngsi-ld:Parking:p1', type: 'Parking', occupancy: { type: 'Property', value: 12 } });
    assert.equal((await atSource(source, 'urn:ngsi-ld:Bench:b1')).status, 404);
    const local = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Parking:p1?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id: 'urn:ngsi-ld:Parking:p1', type: 'Parking', name: '駅前駐車場' });
  });

  it('should update and delete at the source in batches', async () => {
    const updated = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/update', body: [{ id: 'urn:ngsi-ld:Parking:p1', type: 'Parking', occupancy: { type: 'Property', value: 20 } }] });
    assert.equal(updated.status, 204, updated.body);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Parking:p1')).json.occupancy.value, 20);
    const deleted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/delete', body: ['urn:ngsi-ld:Parking:p1', 'urn:ngsi-ld:Parking:p2', 'urn:ngsi-ld:Bench:b1'] });
    assert.equal(deleted.status, 204, deleted.body);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Parking:p1')).status, 404);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Parking:p2')).status, 404);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Parking:p1?local=true` })).status, 404);
  });

  it('should name the dead source for its entities and keep what was written here (207)', async () => {
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [
      { id: 'urn:ngsi-ld:Toilet:t1', type: 'Toilet', status: { type: 'Property', value: 'open' }, floor: { type: 'Property', value: 1 } },
      { id: 'urn:ngsi-ld:Bench:b2', type: 'Bench', seats: { type: 'Property', value: 2 } },
    ] });
    assert.equal(res.status, 207, res.body);
    assert.deepEqual([...res.json.success].sort(), ['urn:ngsi-ld:Bench:b2', 'urn:ngsi-ld:Toilet:t1']);
    assert.equal(res.json.errors.length, 1);
    assert.equal(res.json.errors[0].entityId, 'urn:ngsi-ld:Toilet:t1');
    assert.equal(res.json.errors[0].error.status, 502);
    assert.ok(res.json.errors[0].error.detail.includes('b-dead') && res.json.errors[0].error.detail.includes(deadEndpoint), res.json.errors[0].error.detail);
    const local = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Toilet:t1?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id: 'urn:ngsi-ld:Toilet:t1', type: 'Toilet', floor: 1 });
  });

  it('should refuse with Conflict the entities of a redirect registration that offers neither the batch nor the single operation', async () => {
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/merge', body: [{ id: 'urn:ngsi-ld:Toilet:t1', status: { type: 'Property', value: 'closed' } }] });
    assert.equal(res.status, 207, res.body);
    assert.deepEqual(res.json.success, []);
    assert.equal(res.json.errors[0].error.type, 'https://uri.etsi.org/ngsi-ld/errors/Conflict');
    assert.match(res.json.errors[0].error.detail, /b-dead/);
  });

  it('should upsert entity by entity at a source without batch operations: create, then replace or update', async () => {
    const upsert = (options: string, body: Record<string, unknown>) => call(t, { method: 'POST', url: `/ngsi-ld/v1/entityOperations/upsert${options}`, body: [{ id: 'urn:ngsi-ld:Tank:u1', type: 'Tank', ...body }] });
    const first = await upsert('', { level: { type: 'Property', value: 10 }, colour: { type: 'Property', value: 'blue' } });
    assert.ok([201, 204].includes(first.status), first.body);
    assert.deepEqual((await atSource(source, 'urn:ngsi-ld:Tank:u1')).json, { id: 'urn:ngsi-ld:Tank:u1', type: 'Tank', level: { type: 'Property', value: 10 }, colour: { type: 'Property', value: 'blue' } });
    const replaced = await upsert('', { level: { type: 'Property', value: 11 } });
    assert.equal(replaced.status, 204, replaced.body);
    assert.deepEqual((await atSource(source, 'urn:ngsi-ld:Tank:u1')).json, { id: 'urn:ngsi-ld:Tank:u1', type: 'Tank', level: { type: 'Property', value: 11 } }, 'replaced: colour is gone');
    const updated = await upsert('?options=update', { level: { type: 'Property', value: 12 } });
    assert.equal(updated.status, 204, updated.body);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Tank:u1')).json.level.value, 12);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Tank:u1?local=true` })).status, 404, 'nothing of a redirected entity is kept here');
  });

  it('should match an update or merge without a type by the entity\'s own types, not take a registration of another type for its holder', async () => {
    assert.equal((await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [{ id: 'urn:ngsi-ld:Bench:b3', type: 'Bench', seats: { type: 'Property', value: 4 } }] })).status, 201);
    const updated = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/update', body: [{ id: 'urn:ngsi-ld:Bench:b3', seats: { type: 'Property', value: 6 } }] });
    assert.equal(updated.status, 204, updated.body);
    const merged = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/merge', body: [{ id: 'urn:ngsi-ld:Bench:b3', colour: { type: 'Property', value: 'green' } }] });
    assert.equal(merged.status, 204, merged.body);
    const local = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Bench:b3?local=true&options=keyValues` });
    assert.deepEqual(local.json, { id: 'urn:ngsi-ld:Bench:b3', type: 'Bench', seats: 6, colour: 'green' });
    assert.equal((await atSource(source, 'urn:ngsi-ld:Bench:b3')).status, 404, 'the Tank source was not written to');
  });

  it('should not overwrite at a source when the batch update says noOverwrite', async () => {
    assert.equal((await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: [{ id: 'urn:ngsi-ld:Gauge:g1', type: 'Gauge', level: { type: 'Property', value: 1 } }] })).status, 201);
    assert.equal((await atSource(source, 'urn:ngsi-ld:Gauge:g1')).json.level.value, 1);
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/update?options=noOverwrite', body: [{ id: 'urn:ngsi-ld:Gauge:g1', type: 'Gauge', level: { type: 'Property', value: 99 }, unit: { type: 'Property', value: 'cm' } }] });
    assert.equal(res.status, 204, res.body);
    const there = (await atSource(source, 'urn:ngsi-ld:Gauge:g1')).json;
    assert.equal(there.level.value, 1, 'the source keeps its value, as this broker does');
    assert.equal(there.unit.value, 'cm', 'a new attribute is appended');
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Gauge:g1?local=true&options=keyValues` })).json.level, 1);
  });
});
