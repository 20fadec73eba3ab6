// Clause 6.14–6.17 and 6.31: batch create, upsert, update, merge and delete, with a result per
// entity (BatchOperationResult) and 207 when some fail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, building, call, type TestApp } from './broker-test-app.ts';

const OPS = '/ngsi-ld/v1/entityOperations';
const E = '/ngsi-ld/v1/entities';

describe('NGSI-LD batch operations (clause 6.14–6.17, 6.31)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  it('create should answer 201 with the ids when all succeed', async () => {
    const res = await call(t, { method: 'POST', url: `${OPS}/create`, body: [building('urn:ngsi-ld:Building:b1'), building('urn:ngsi-ld:Building:b2')] });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(res.json, ['urn:ngsi-ld:Building:b1', 'urn:ngsi-ld:Building:b2']);
  });

  it('create should answer 207 naming each failed entity and still create the good ones', async () => {
    const res = await call(t, {
      method: 'POST',
      url: `${OPS}/create`,
      body: [building('urn:ngsi-ld:Building:b1'), building('urn:ngsi-ld:Building:b3'), { id: 'not a uri', type: 'Building' }, building('urn:ngsi-ld:Building:b3')],
    });
    assert.equal(res.status, 207, res.body);
    assert.deepEqual(res.json.success, ['urn:ngsi-ld:Building:b3']);
    const errors = Object.fromEntries(res.json.errors.map((e: { entityId: string; error: { type: string } }) => [e.entityId, e.error.type.split('/').pop()]));
    // The second b3 in the same batch is refused: the first one created it.
    assert.deepEqual(errors, { 'not a uri': 'BadRequestData', 'urn:ngsi-ld:Building:b1': 'AlreadyExists', 'urn:ngsi-ld:Building:b3': 'AlreadyExists' });
    assert.equal(res.json.errors.length, 3);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b3` })).status, 200);
  });

  it('upsert should create (201 with the new ids) and replace or update existing entities', async () => {
    const res = await call(t, {
      method: 'POST',
      url: `${OPS}/upsert`,
      body: [
        { id: 'urn:ngsi-ld:Building:b1', type: 'Building', floors: { type: 'Property', value: 2 } },
        building('urn:ngsi-ld:Building:b4'),
      ],
    });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(res.json, ['urn:ngsi-ld:Building:b4']);
    const replaced = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b1?options=keyValues` });
    assert.deepEqual(replaced.json, { id: 'urn:ngsi-ld:Building:b1', type: 'Building', floors: 2 }, 'default upsert replaces');
    const update = await call(t, { method: 'POST', url: `${OPS}/upsert?options=update`, body: [{ id: 'urn:ngsi-ld:Building:b1', type: 'Building', colour: { type: 'Property', value: 'white' } }] });
    assert.equal(update.status, 204, update.body);
    const updated = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b1?options=keyValues` });
    assert.deepEqual(updated.json, { id: 'urn:ngsi-ld:Building:b1', type: 'Building', floors: 2, colour: 'white' });
  });

  it('update should change existing entities and report missing ones (207); noOverwrite keeps values', async () => {
    const res = await call(t, {
      method: 'POST',
      url: `${OPS}/update?options=noOverwrite`,
      body: [
        { id: 'urn:ngsi-ld:Building:b1', type: 'Building', floors: { type: 'Property', value: 9 }, roof: { type: 'Property', value: 'flat' } },
        { id: 'urn:ngsi-ld:Building:none', type: 'Building', floors: { type: 'Property', value: 1 } },
      ],
    });
    assert.equal(res.status, 207);
    assert.deepEqual(res.json.success, ['urn:ngsi-ld:Building:b1']);
    assert.equal(res.json.errors[0].entityId, 'urn:ngsi-ld:Building:none');
    assert.equal(res.json.errors[0].error.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
    const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b1?options=keyValues` });
    assert.equal(got.json.floors, 2);
    assert.equal(got.json.roof, 'flat');
  });

  it('merge should merge each entity (204)', async () => {
    const res = await call(t, { method: 'POST', url: `${OPS}/merge`, body: [{ id: 'urn:ngsi-ld:Building:b2', height: { type: 'Property', value: 42 }, name: 'urn:ngsi-ld:null' }] });
    assert.equal(res.status, 204, res.body);
    const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b2?options=keyValues` });
    assert.equal(got.json.height, 42);
    assert.equal(got.json.name, undefined);
  });

  it('delete should remove the listed entities and report unknown ones (207)', async () => {
    const res = await call(t, { method: 'POST', url: `${OPS}/delete`, body: ['urn:ngsi-ld:Building:b2', 'urn:ngsi-ld:Building:gone'] });
    assert.equal(res.status, 207);
    assert.deepEqual(res.json.success, ['urn:ngsi-ld:Building:b2']);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:b2` })).status, 404);
    const all = await call(t, { method: 'POST', url: `${OPS}/delete`, body: ['urn:ngsi-ld:Building:b4'] });
    assert.equal(all.status, 204);
  });

  it('should refuse a body that is not an array, and an empty batch', async () => {
    assert.equal((await call(t, { method: 'POST', url: `${OPS}/create`, body: building('urn:ngsi-ld:Building:x') })).status, 400);
    assert.equal((await call(t, { method: 'POST', url: `${OPS}/upsert`, body: [] })).status, 400);
  });

  it('should upsert 1,000 entities in one request', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => ({
      id: `urn:ngsi-ld:Sensor:${String(i).padStart(4, '0')}`,
      type: 'Sensor',
      temperature: { type: 'Property', value: i / 10 },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140 + i / 10000, 37.5] } },
    }));
    const res = await call(t, { method: 'POST', url: `${OPS}/upsert`, body });
    assert.equal(res.status, 201, res.body.slice(0, 300));
    assert.equal(res.json.length, 1000);
    const counted = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=0&count=true` });
    assert.equal(counted.headers['ngsild-results-count'], '1000');
  });
});
