// Open-data entity types (issue 7, "a tenant can mark entity types as open data"): a Tsunagu
// extension to the access rules of clause 4.14. A tenant administrator marks a type; anyone may
// then read its entities and their history without credentials (Retrieve and Query Entities,
// 5.7.1–5.7.2; Query via POST, 6.23; the temporal API, 5.7.3–5.7.4), and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTsunagu, type Tsunagu } from '../../../app.ts';
import { tokenWithRole } from '../../../platform/authz/test/helpers.ts';
import { testConfig } from '../../../../test/helpers/test-database.ts';
import { setPersonalTypes } from '../../exports.ts';
import { brokerTestApp, building, call, DEFAULT, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const OPEN = '/ngsi-ld/ex/v1/openDataTypes';

function shelter(id: string, capacity: number, extra: Record<string, unknown> = {}) {
  return { id, type: 'Shelter', capacity: { type: 'Property', value: capacity }, ...extra };
}

describe('Open-data entity types (public read)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let publisher: Record<string, string>;
  let aizuAdmin: Record<string, string>;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true });
    admin = (await tokenWithRole(t.ctx, 'pref', 'municipal_admin', { level: 'prefecture', prefectureCode: '070009' })).headers;
    publisher = (await tokenWithRole(t.ctx, 'pub', 'data_publisher', { level: 'prefecture', prefectureCode: '070009' })).headers;
    aizuAdmin = (await tokenWithRole(t.ctx, 'aizu', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' })).headers;
    const created = await call(t, {
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/create',
      headers: publisher,
      body: [
        shelter('urn:ngsi-ld:Shelter:s1', 300, { nearBuilding: { type: 'Relationship', object: 'urn:ngsi-ld:Building:b1' } }),
        shelter('urn:ngsi-ld:Shelter:s2', 50),
        building('urn:ngsi-ld:Building:b1', { capacity: { type: 'Property', value: 900 } }),
      ],
    });
    assert.equal(created.status, 201, created.body);
  });
  after(() => t.close());

  it('should let only a tenant administrator mark a type, in the audit log, and never a personal type', async () => {
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Shelter` })).status, 401);
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Shelter`, headers: publisher })).status, 403, 'a data publisher may not publish');
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Shelter`, headers: aizuAdmin })).status, 403, 'another municipality may not publish the prefecture\'s');
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Shelter`, headers: admin })).status, 201);
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Shelter`, headers: admin })).status, 204, 'marking again changes nothing');
    const audit = await t.ctx.db.selectFrom('platform_audit_events').select(['action', 'lg_code', 'details']).where('action', 'like', 'broker.open_type%').execute();
    assert.deepEqual(audit.map((a) => [a.action, a.lg_code, (a.details as { type: string }).type]), [['broker.open_type_marked', '070009', `${DEFAULT}Shelter`]]);

    await setPersonalTypes(t.ctx.db, { tenant: '070009', providerId: 'p1', types: [`${DEFAULT}Patient`], ownerAttribute: `${DEFAULT}owner` });
    const personal = await call(t, { method: 'PUT', url: `${OPEN}/Patient`, headers: admin });
    assert.equal(personal.status, 400);
    assert.match(personal.json.detail, /personal data/);
    const bad = await call(t, { method: 'PUT', url: `${OPEN}/bad%20name`, headers: admin });
    assert.equal(bad.status, 400);

    const listed = await call(t, { method: 'GET', url: OPEN });
    assert.equal(listed.status, 200, 'anyone may see what is open');
    assert.deepEqual(listed.json.map((o: { type: string }) => o.type), ['Shelter']);
  });

  it('should serve entities of open types without a token, and only those', async () => {
    const byType = await call(t, { method: 'GET', url: `${E}?type=Shelter&count=true` });
    assert.equal(byType.status, 200, byType.body);
    assert.deepEqual(byType.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2']);
    assert.equal(byType.headers['ngsild-results-count'], '2');
    // Without a type, still only the open types: the Building's capacity matches the q too.
    const byQ = await call(t, { method: 'GET', url: `${E}?q=capacity>10&count=true` });
    assert.deepEqual(byQ.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2']);
    assert.equal(byQ.headers['ngsild-results-count'], '2');
    const signedIn = await call(t, { method: 'GET', url: `${E}?q=capacity>10`, headers: publisher });
    assert.equal(signedIn.json.length, 3, 'a reader with broker.read sees every type');

    const closed = await call(t, { method: 'GET', url: `${E}?type=Building` });
    assert.equal(closed.status, 401);
    assert.match(closed.json.detail, /Building is not open data.*Open types: Shelter/);
    const mixed = await call(t, { method: 'GET', url: `${E}?type=Shelter,Building` });
    assert.deepEqual(mixed.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2']);

    const retrieved = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:s1?options=keyValues` });
    assert.equal(retrieved.status, 200);
    assert.equal(retrieved.json.capacity, 300);
    for (const id of ['urn:ngsi-ld:Building:b1', 'urn:ngsi-ld:Building:none']) {
      const refused = await call(t, { method: 'GET', url: `${E}/${id}` });
      assert.equal(refused.status, 401, `${id}: not open, and whether it exists is not told`);
    }

    const posted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', attrs: ['capacity'] } });
    assert.deepEqual(posted.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2']);
  });

  it('should never reach an entity of another type through links', async () => {
    const joined = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:s1?join=inline` });
    assert.equal(joined.status, 200);
    assert.equal(joined.json.nearBuilding.entity, undefined, 'the Building is not inlined');
    assert.ok((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:s1?join=inline`, headers: publisher })).json.nearBuilding.entity);
    // q on a linked Building would tell its attribute values.
    const probe = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=nearBuilding{height}==20` });
    assert.deepEqual(probe.json, []);
    const probeSignedIn = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=nearBuilding{height}==20`, headers: publisher });
    assert.deepEqual(probeSignedIn.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1']);
  });

  it('should serve the history of open types without a token', async () => {
    const history = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Shelter:s2' });
    assert.equal(history.status, 200, history.body);
    assert.equal(history.json.capacity[0].value, 50);
    const queried = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities?attrs=capacity&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=modifiedAt' });
    assert.equal(queried.status, 200, queried.body);
    const signedIn = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities?attrs=capacity&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=modifiedAt', headers: publisher });
    assert.equal(signedIn.json.length, 3, 'a reader with broker.read sees the Building\'s history too');
    assert.deepEqual(queried.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2']);
    assert.equal((await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Building:b1' })).status, 401);
    assert.equal((await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities?type=Building&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=modifiedAt' })).status, 401);
  });

  it('should not serve the history of an entity that was of a closed type, or whose id a closed entity had', async () => {
    const write = async (method: 'POST' | 'PUT' | 'DELETE', url: string, body: unknown) => {
      const res = await call(t, { method, url: `/ngsi-ld/v1/entities${url}`, headers: publisher, body });
      assert.ok(res.status < 300, res.body);
    };
    // A shelter turned into a closed Building, with data written since.
    await write('POST', '', shelter('urn:ngsi-ld:Shelter:s7', 70));
    await write('PUT', '/urn:ngsi-ld:Shelter:s7', { type: 'Building', owner: { type: 'Property', value: '非公開の所有者' } });
    // A closed Building deleted, its id then used by a shelter.
    await write('POST', '', building('urn:ngsi-ld:Shelter:s8', { owner: { type: 'Property', value: '前の所有者' } }));
    await write('DELETE', '/urn:ngsi-ld:Shelter:s8', undefined);
    await write('POST', '', shelter('urn:ngsi-ld:Shelter:s8', 80));
    for (const id of ['urn:ngsi-ld:Shelter:s7', 'urn:ngsi-ld:Shelter:s8']) {
      const res = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities/${id}` });
      assert.equal(res.status, 401, `${id}: ${res.body}`);
    }
    for (const select of ['type=Shelter', 'idPattern=Shelter', 'attrs=owner']) {
      const queried = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities?${select}&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=modifiedAt` });
      assert.equal(queried.status, 200, queried.body);
      assert.ok(!queried.body.includes('所有者'), `${select}: ${queried.body}`);
      assert.ok(queried.json.every((e: { id: string }) => ['urn:ngsi-ld:Shelter:s1', 'urn:ngsi-ld:Shelter:s2'].includes(e.id)), `${select}: ${queried.body}`);
    }
    const signedIn = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Shelter:s7', headers: publisher });
    assert.equal(signedIn.status, 200, 'a reader with broker.read still has it');
    await write('DELETE', '/urn:ngsi-ld:Shelter:s8', undefined);
  });

  it('should still need credentials for writes, subscriptions and other tenants', async () => {
    assert.equal((await call(t, { method: 'POST', url: E, body: shelter('urn:ngsi-ld:Shelter:s9', 1) })).status, 401);
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Shelter:s1/attrs`, body: { capacity: { type: 'Property', value: 0 } } })).status, 401);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Shelter:s1` })).status, 401);
    assert.equal((await call(t, { method: 'GET', url: '/ngsi-ld/v1/subscriptions' })).status, 401);
    assert.equal((await call(t, { method: 'GET', url: '/ngsi-ld/v1/types' })).status, 401);
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=Shelter`, headers: { 'ngsild-tenant': '072036' } })).status, 401, '郡山市 has published nothing');
    // A signed-in caller without broker.read on the tenant reads its open data too, and gets 403 for the rest.
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=Shelter`, headers: aizuAdmin })).json.length, 2);
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=Building`, headers: aizuAdmin })).status, 403);
  });

  it('should close a type again when unmarked, through every server process at once', async () => {
    // A second Tsunagu on the same database: its own caches, as another server process has.
    const other: Tsunagu = await buildTsunagu({ config: testConfig({ brokerAuth: true }), database: t.database, logger: false, migrate: false });
    try {
      const viaOther = (url: string) => other.app.inject({ method: 'GET', url });
      assert.equal((await viaOther(`${E}?type=Shelter`)).statusCode, 200);
      assert.equal((await call(t, { method: 'DELETE', url: `${OPEN}/Shelter`, headers: admin })).status, 204);
      assert.equal((await viaOther(`${E}?type=Shelter`)).statusCode, 401, 'closed in the other process at once');
      assert.equal((await viaOther(`${E}/urn:ngsi-ld:Shelter:s1`)).statusCode, 401);
      assert.equal((await call(t, { method: 'DELETE', url: `${OPEN}/Shelter`, headers: admin })).status, 404);
      assert.equal((await other.app.inject({ method: 'PUT', url: `${OPEN}/Shelter`, headers: admin })).statusCode, 201);
      assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:s1` })).status, 200, 'opened through the other process, seen here at once');
      const audit = await t.ctx.db.selectFrom('platform_audit_events').select('action').where('action', 'like', 'broker.open_type%').orderBy('seq').execute();
      assert.deepEqual(audit.map((a) => a.action), ['broker.open_type_marked', 'broker.open_type_unmarked', 'broker.open_type_marked']);
    } finally {
      await other.close();
    }
  });
});
