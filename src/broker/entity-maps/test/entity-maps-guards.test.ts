// EntityMaps on one broker, the guards: personal and open-data types, a map's query key, bounds
// on limit and lifetime, who may change a map, bad input, tenants.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { tokenWithRole } from '../../../platform/authz/test/helpers.ts';
import { brokerTestApp, call, DEFAULT, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const M = '/ngsi-ld/v1/entityMaps';
const OPEN = '/ngsi-ld/ex/v1/openDataTypes';

const sensor = (n: number, pm25: number) => ({ id: `urn:ngsi-ld:Sensor:${String(n).padStart(2, '0')}`, type: 'Sensor', pm25: { type: 'Property', value: pm25 } });
const ids = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

describe('EntityMaps on one broker', () => {
  let t: TestApp;
  let reader: Record<string, string>;
  let publisher: Record<string, string>;
  let admin: Record<string, string>;
  let tenant: string;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true });
    tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    reader = (await tokenWithRole(t.ctx, 'aud', 'auditor', { level: 'prefecture', prefectureCode: '070009' })).headers;
    publisher = (await tokenWithRole(t.ctx, 'pub', 'data_publisher', { level: 'prefecture', prefectureCode: '070009' })).headers;
    admin = (await tokenWithRole(t.ctx, 'adm', 'municipal_admin', { level: 'prefecture', prefectureCode: '070009' })).headers;
    const created = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', headers: publisher, body: Array.from({ length: 12 }, (_, i) => sensor(i + 1, 10 * (i + 1))) });
    assert.equal(created.status, 201, created.body);
    const park = await call(t, { method: 'POST', url: E, headers: publisher, body: { id: 'urn:ngsi-ld:Park:1', type: 'Park', name: { type: 'Property', value: 'p' } } });
    assert.equal(park.status, 201, park.body);
  });
  after(() => t.close());

  it('personal type flagged by another process is hidden from map pages too (as without a map)', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Park&entityMap=true`, headers: reader });
    assert.equal(first.status, 201, first.body);
    assert.deepEqual(ids(first.json), ['1']);
    const location = first.headers['ngsild-entitymap'] as string;
    // As another server process would: straight to the database.
    await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values (${tenant}, ${`${DEFAULT}Park`}, 'elsewhere', 'owner')`.execute(t.ctx.db);
    try {
      const withMap = await call(t, { method: 'GET', url: `${E}?type=Park`, headers: { ...reader, 'ngsild-entitymap': location } });
      assert.equal(withMap.status, 200, withMap.body);
      const retrieved = await call(t, { method: 'GET', url: location, headers: reader });
      assert.deepEqual(ids(withMap.json), [], 'with a map: the personal entity must be hidden too');
      const without = await call(t, { method: 'GET', url: `${E}?type=Park`, headers: reader });
      assert.deepEqual(ids(without.json), [], 'without a map: hidden at once');
    } finally {
      await sql`delete from broker_personal_types where provider_id = 'elsewhere'`.execute(t.ctx.db);
    }
  });

  it('a huge limit or offset is a 4xx, not a 500', async () => {
    for (const q of ['limit=100000000000000000000', 'offset=100000000000000000000']) {
      const plain = await call(t, { method: 'GET', url: `${E}?type=Sensor&${q}`, headers: reader });
      const mapped = await call(t, { method: 'GET', url: `${E}?type=Sensor&${q}&entityMap=true`, headers: reader });
      assert.ok(mapped.status < 500, `${q} with a map: ${mapped.status} ${mapped.body}`);
    }
  });

  it('limit above 1000 is TooManyResults with a map as without', async () => {
    const plain = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=5000`, headers: reader });
    const mapped = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=5000&entityMap=true`, headers: reader });
    assert.equal(mapped.status, plain.status);
  });

  it('a tiny entityMapLifetime gives a usable map (or a 400), not one already expired', async () => {
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor&entityMapLifetime=PT0.0001S`, headers: reader });
    if (made.status === 201) {
      const read = await call(t, { method: 'GET', url: made.headers['ngsild-entitymap'] as string, headers: reader });
      assert.equal(read.status, 200, `the 201 map is already gone: ${read.body}`);
    }
  });

  it('one client using another\'s map with a narrower q must not shrink it for the other', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=3&entityMap=true&count=true`, headers: reader });
    const location = first.headers['ngsild-entitymap'] as string;
    assert.equal(first.headers['ngsild-results-count'], '12');
    await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>110&limit=100`, headers: { ...publisher, 'ngsild-entitymap': location } });
    const again = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=3&offset=3&count=true`, headers: { ...reader, 'ngsild-entitymap': location } });
    assert.equal(again.headers['ngsild-results-count'], '12', 'the original query still matches all 12');
  });

  it('an anonymous reader does not learn ids of a type that is no longer open (map made while it was)', async () => {
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Sensor`, headers: admin })).status, 201);
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor` });
    assert.equal(made.status, 201, made.body);
    const url = made.headers['ngsild-entitymap'] as string;
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Park`, headers: admin })).status, 201, 'something stays open');
    assert.equal((await call(t, { method: 'DELETE', url: `${OPEN}/Sensor`, headers: admin })).status, 204);
    try {
      assert.equal((await call(t, { method: 'GET', url: `${E}?type=Sensor` })).status >= 400, true, 'Sensor is not open any more');
      const read = await call(t, { method: 'GET', url });
      assert.ok(read.status === 404 || Object.keys(read.json.entityMap).length === 0, 'ids of closed entities visible to anonymous');
    } finally {
      await call(t, { method: 'DELETE', url: `${OPEN}/Park`, headers: admin });
    }
  });

  it('an anonymous reader cannot delete (or extend) a map', async () => {
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Sensor`, headers: admin })).status < 300, true);
    try {
      const made = await call(t, { method: 'GET', url: `${M}?type=Sensor` });
      const url = made.headers['ngsild-entitymap'] as string;
      const patched = await call(t, { method: 'PATCH', url, body: { expiresAt: new Date(Date.now() + 23 * 3_600_000).toISOString() } });
      const deleted = await call(t, { method: 'DELETE', url });
      assert.ok(deleted.status >= 400, 'an anonymous request deleted a map');
    } finally {
      await call(t, { method: 'DELETE', url: `${OPEN}/Sensor`, headers: admin });
    }
  });

  it('bad input: never a 500', async () => {
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor`, headers: reader });
    const url = made.headers['ngsild-entitymap'] as string;
    const cases: Array<{ method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: unknown; headers?: Record<string, string> }> = [
      { method: 'PATCH', url, body: [] },
      { method: 'PATCH', url, body: 'null' },
      { method: 'PATCH', url, body: { expiresAt: 5 } },
      { method: 'PATCH', url, body: { expiresAt: null } },
      { method: 'PATCH', url, body: { expiresAt: '2026-12-13T10:00:00' } },
      { method: 'PATCH', url, body: { expiresAt: { '@value': '2030-01-01T00:00:00Z' } } },
      { method: 'PATCH', url: `${M}/urn:x:${'a'.repeat(5000)}`, body: { expiresAt: '2030-01-01T00:00:00Z' } },
      { method: 'POST', url: M, body: { type: 'Query', entities: [{ type: 'Sensor' }], entityMapLifetime: 5 } },
      { method: 'POST', url: M, body: { type: 'Query', entities: [{ type: 'Sensor' }], entityMap: 'true' } },
      { method: 'POST', url: M, body: { type: 'Query', entities: [{ type: 'Sensor' }], splitEntities: 1 } },
      { method: 'POST', url: M, body: { type: 'Query', entities: [{ type: 'Sensor' }], entityMapLifetime: 'P99999999999999999999Y' } },
      { method: 'POST', url: M, body: [] },
      { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: 'Sensor' }], entityMap: true, entityMapLifetime: ['PT1H'] } },
      { method: 'GET', url: `${E}?type=Sensor&entityMap=true&entityMapLifetime=P9999Y` },
      { method: 'GET', url: `${E}?type=Sensor&entityMap=true&entityMapLifetime=PT99999999999999999999999S` },
      { method: 'GET', url: `${E}?type=Sensor&entityMap=true&entityMapLifetime=PT0.5S` },
      { method: 'GET', url: `${E}?type=Sensor`, headers: { 'ngsild-entitymap': '/ngsi-ld/v1/entityMaps/%E0%A4%A' } },
      { method: 'GET', url: `${E}?type=Sensor`, headers: { 'ngsild-entitymap': `urn:x:${'a'.repeat(20000)}` } },
      { method: 'GET', url: `${E}?type=Sensor`, headers: { 'ngsild-entitymap': 'urn:x:a\u0000b' } },
      { method: 'GET', url: `${E}/urn:ngsi-ld:Sensor:01?entityMap=true&entityMapLifetime=PT0.5S` },
      { method: 'GET', url: `${E}/urn:ngsi-ld:Sensor:01`, headers: { 'ngsild-entitymap': 'http://x/entityMaps/' } },
      { method: 'GET', url: `${M}/urn:ngsi-ld:EntityMap:x?limit=abc` },
      { method: 'GET', url: `${M}?type=Sensor&limit=5000` },
      { method: 'GET', url: `${M}?type=Sensor&offset=100000000000000000000` },
    ];
    const out: string[] = [];
    for (const c of cases) {
      let res;
      try {
        res = await call(t, { method: c.method, url: c.url, body: c.body, headers: { ...reader, ...(c.headers ?? {}) } });
      } catch (error) {
        out.push(`${c.method} ${c.url.slice(0, 90)} ${JSON.stringify(c.body)} -> THROW ${String(error)}`);
        continue;
      }
      out.push(`${c.method} ${c.url.slice(0, 90)} ${JSON.stringify(c.body)?.slice(0, 80)} -> ${res.status} ${res.json?.detail?.slice(0, 100) ?? ''}`);
    }
    assert.ok(!out.some((l) => / -> 5\d\d| THROW/.test(l)), 'a 5xx');
  });

  it('limit=0&count=true, GeoJSON, join with a map', async () => {
    const zero = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=0&count=true&entityMap=true`, headers: reader });
    const geo = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=2&entityMap=true`, headers: { ...reader, accept: 'application/geo+json' } });
    const join = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=2&entityMap=true&join=flat`, headers: reader });
    assert.equal(zero.status, 201);
    assert.equal(zero.headers['ngsild-results-count'], '12');
  });

  it('a map of one tenant named under another tenant is not used there', async () => {
    const trees = await t.ctx.tenants.trees();
    const muni = (trees[0]!.zones.flatMap((z) => z.municipalities)[0] ?? trees[0]!.unzoned[0])!.lgCode;
    const made = await call(t, { method: 'GET', url: `${E}?type=Sensor&entityMap=true`, headers: reader });
    const location = made.headers['ngsild-entitymap'] as string;
    const other = await call(t, { method: 'GET', url: `${E}?type=Sensor`, headers: { ...reader, 'ngsild-entitymap': location, 'ngsild-tenant': muni } });
    const read = await call(t, { method: 'GET', url: location, headers: { ...reader, 'ngsild-tenant': muni } });
    assert.notEqual(other.headers['ngsild-entitymap'], location);
  });
});
