// EntityMaps (clauses 4.3.6.7, 4.5.25, 5.5.9.3, 5.7.1.4, 5.7.2.4, 5.14; HTTP 6.32, 6.34) on one
// broker: a query with entityMap=true fixes the entities it matches; later pages name the map in
// NGSILD-EntityMap and page through exactly those, with the filters checked again. The maps
// across a registered source are tested with a second broker process in federation.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenWithRole } from '../../../platform/authz/test/helpers.ts';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const M = '/ngsi-ld/v1/entityMaps';
const OPEN = '/ngsi-ld/ex/v1/openDataTypes';

const sensor = (n: number, pm25: number) => ({ id: `urn:ngsi-ld:Sensor:${String(n).padStart(2, '0')}`, type: 'Sensor', pm25: { type: 'Property', value: pm25 } });
const ids = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

describe('EntityMaps on Query and Retrieve Entities, and the /entityMaps resources', () => {
  let t: TestApp;
  let reader: Record<string, string>;
  let publisher: Record<string, string>;
  let admin: Record<string, string>;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true });
    reader = (await tokenWithRole(t.ctx, 'aud', 'auditor', { level: 'prefecture', prefectureCode: '070009' })).headers;
    publisher = (await tokenWithRole(t.ctx, 'pub', 'data_publisher', { level: 'prefecture', prefectureCode: '070009' })).headers;
    admin = (await tokenWithRole(t.ctx, 'adm', 'municipal_admin', { level: 'prefecture', prefectureCode: '070009' })).headers;
    // Sensors 01–12, pm25 = 10 × n: pm25>35 matches 04–12.
    const created = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', headers: publisher, body: Array.from({ length: 12 }, (_, i) => sensor(i + 1, 10 * (i + 1))) });
    assert.equal(created.status, 201, created.body);
  });
  after(() => t.close());

  it('should answer 201 with the map\'s location when a query asks for one, and page through the same entities with it', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>35&limit=4&entityMap=true&count=true`, headers: reader });
    assert.equal(first.status, 201, first.body);
    const location = first.headers['ngsild-entitymap'] as string;
    assert.match(location, /^\/ngsi-ld\/v1\/entityMaps\/urn%3Angsi-ld%3AEntityMap%3A/);
    assert.deepEqual(ids(first.json), ['04', '05', '06', '07']);
    assert.equal(first.headers['ngsild-results-count'], '9');

    // A sensor that starts to match after the map was made is not in it: the pages stay put.
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Sensor:01/attrs`, headers: publisher, body: { pm25: { type: 'Property', value: 99 } } })).status, 204);
    const second = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>35&limit=4&offset=4&count=true`, headers: { ...reader, 'ngsild-entitymap': location } });
    assert.equal(second.status, 200, second.body);
    assert.equal(second.headers['ngsild-entitymap'], location);
    assert.deepEqual(ids(second.json), ['08', '09', '10', '11']);
    assert.equal(second.headers['ngsild-results-count'], '9');
    // The next page's link goes on with the header, not by asking for a new map.
    assert.match(first.headers.link as string, /<\/ngsi-ld\/v1\/entities\?type=Sensor&q=pm25%3E35&limit=4&count=true&offset=4>; rel="next"/);
    const without = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>35&limit=4&offset=4`, headers: reader });
    assert.deepEqual(ids(without.json), ['07', '08', '09', '10'], 'without the map the new match shifts the page');
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Sensor:01/attrs`, headers: publisher, body: { pm25: { type: 'Property', value: 10 } } })).status, 204);
  });

  it('should check the filters again on each page: an entity that no longer matches leaves the map, and the page is filled from the next ones', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>35&limit=3&entityMap=true`, headers: reader });
    const location = first.headers['ngsild-entitymap'] as string;
    assert.deepEqual(ids(first.json), ['04', '05', '06']);
    // 07 falls below the threshold, 08 is deleted.
    assert.equal((await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Sensor:07/attrs`, headers: publisher, body: { pm25: { type: 'Property', value: 1 } } })).status, 204);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Sensor:08`, headers: publisher })).status, 204);
    try {
      const next = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>35&limit=3&offset=3&count=true`, headers: { ...reader, 'ngsild-entitymap': location } });
      assert.equal(next.status, 200, next.body);
      assert.deepEqual(ids(next.json), ['09', '10', '11'], 'a full page, though two of the map\'s entities dropped out');
      assert.equal(next.headers['ngsild-results-count'], '7', 'the two are out of the map');
      const map = await call(t, { method: 'GET', url: location, headers: reader });
      assert.equal(map.status, 200, map.body);
      assert.deepEqual(Object.keys(map.json.entityMap).map((id) => id.split(':').pop()), ['04', '05', '06', '09', '10', '11', '12']);
    } finally {
      await call(t, { method: 'PATCH', url: `${E}/urn:ngsi-ld:Sensor:07/attrs`, headers: publisher, body: { pm25: { type: 'Property', value: 70 } } });
      await call(t, { method: 'POST', url: E, headers: publisher, body: sensor(8, 80) });
    }
  });

  it('should make a map with GET or POST /entityMaps, serve it, extend its expiry, and delete it', async () => {
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor&q=pm25>100&entityMapLifetime=PT10M`, headers: reader });
    assert.equal(made.status, 201, made.body);
    assert.equal(made.headers['ngsild-entitymap'], `${M}/${encodeURIComponent(made.json.id)}`);
    assert.equal(made.json.type, 'EntityMap');
    assert.deepEqual(made.json.entityMap, { 'urn:ngsi-ld:Sensor:11': ['@none'], 'urn:ngsi-ld:Sensor:12': ['@none'] });
    assert.deepEqual(made.json.linkedMaps, {});
    const lifetime = Date.parse(made.json.expiresAt) - Date.now();
    assert.ok(lifetime > 9 * 60_000 && lifetime <= 10 * 60_000, `expires in about 10 minutes: ${made.json.expiresAt}`);

    const posted = await call(t, { method: 'POST', url: M, headers: reader, body: { type: 'Query', entities: [{ type: 'Sensor' }], q: 'pm25<25' } });
    assert.equal(posted.status, 201, posted.body);
    assert.deepEqual(Object.keys(posted.json.entityMap), ['urn:ngsi-ld:Sensor:01', 'urn:ngsi-ld:Sensor:02']);

    const url = made.headers['ngsild-entitymap'] as string;
    const later = new Date(Date.now() + 3 * 3_600_000).toISOString();
    assert.equal((await call(t, { method: 'PATCH', url, headers: reader, body: { expiresAt: later, entityMap: { ignored: ['@none'] } } })).status, 204);
    const read = await call(t, { method: 'GET', url, headers: reader });
    assert.equal(read.json.expiresAt, later);
    assert.equal(Object.keys(read.json.entityMap).length, 2, 'output-only members of an update are ignored');
    // The map works for a query just as one made by a query does.
    const page = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>100`, headers: { ...reader, 'ngsild-entitymap': made.json.id } });
    assert.equal(page.status, 200, page.body);
    assert.deepEqual(ids(page.json), ['11', '12']);

    assert.equal((await call(t, { method: 'DELETE', url, headers: reader })).status, 204);
    assert.equal((await call(t, { method: 'GET', url, headers: reader })).status, 404);
    assert.equal((await call(t, { method: 'DELETE', url, headers: reader })).status, 404);
    // A query naming a map that is gone gets a new one (5.7.2.4), not an error.
    const again = await call(t, { method: 'GET', url: `${E}?type=Sensor&q=pm25>100`, headers: { ...reader, 'ngsild-entitymap': url } });
    assert.equal(again.status, 201, again.body);
    assert.notEqual(again.headers['ngsild-entitymap'], url);
  });

  it('should treat an expired map as gone', async () => {
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor`, headers: reader });
    await t.ctx.db.updateTable('broker_entity_maps' as never).set({ expires_at: new Date(Date.now() - 1000) } as never).where('id' as never, '=', made.json.id as never).execute();
    const url = made.headers['ngsild-entitymap'] as string;
    assert.equal((await call(t, { method: 'GET', url, headers: reader })).status, 404);
    const query = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=1`, headers: { ...reader, 'ngsild-entitymap': url } });
    assert.equal(query.status, 201, 'a new map');
  });

  it('should answer Retrieve Entity with a map\'s location when asked for one', async () => {
    const res = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Sensor:03?entityMap=true`, headers: reader });
    assert.equal(res.status, 200, res.body);
    const map = await call(t, { method: 'GET', url: res.headers['ngsild-entitymap'] as string, headers: reader });
    assert.deepEqual(map.json.entityMap, { 'urn:ngsi-ld:Sensor:03': ['@none'] });
    const reused = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Sensor:03`, headers: { ...reader, 'ngsild-entitymap': res.headers['ngsild-entitymap'] as string } });
    assert.equal(reused.status, 200);
    assert.equal(reused.headers['ngsild-entitymap'], res.headers['ngsild-entitymap']);
  });

  it('should page the temporal API through an EntityMap too, and make one with /temporal/entityMaps', async () => {
    const history = 'timerel=after&timeAt=2020-01-01T00:00:00Z&timeproperty=modifiedAt';
    const T = '/ngsi-ld/v1/temporal/entities';
    const first = await call(t, { method: 'GET', url: `${T}?type=Sensor&q=pm25>100&${history}&limit=1&count=true&entityMap=true&splitEntities=false`, headers: reader });
    assert.equal(first.status, 201, first.body);
    assert.deepEqual(ids(first.json), ['11']);
    assert.equal(first.headers['ngsild-results-count'], '2');
    const location = first.headers['ngsild-entitymap'] as string;
    const next = await call(t, { method: 'GET', url: `${T}?type=Sensor&q=pm25>100&${history}&limit=1&offset=1`, headers: { ...reader, 'ngsild-entitymap': location } });
    assert.equal(next.status, 200, next.body);
    assert.deepEqual(ids(next.json), ['12']);
    assert.ok(Array.isArray(next.json[0].pm25), 'the temporal representation');

    const made = await call(t, { method: 'POST', url: '/ngsi-ld/v1/temporal/entityMaps', headers: reader,
      body: { type: 'Query', entities: [{ type: 'Sensor' }], q: 'pm25<25', temporalQ: { timerel: 'after', timeAt: '2020-01-01T00:00:00Z', timeproperty: 'modifiedAt' } } });
    assert.equal(made.status, 201, made.body);
    // q matches any instance in the interval: sensor 07 was at 1 for a while (a test above).
    assert.deepEqual(Object.keys(made.json.entityMap), ['urn:ngsi-ld:Sensor:01', 'urn:ngsi-ld:Sensor:02', 'urn:ngsi-ld:Sensor:07']);
    const untimed = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entityMaps?type=Sensor', headers: reader });
    assert.equal(untimed.status, 400, untimed.body);
    assert.match(untimed.json.detail, /timerel/);
  });

  it('should refuse what it cannot use with a 4xx naming the problem', async () => {
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      [`${E}?type=Sensor&entityMap=yes`, {}, 400, /entityMap: must be true or false/],
      [`${E}?type=Sensor&entityMap=true&entityMapLifetime=1h`, {}, 400, /entityMapLifetime/],
      [`${E}?type=Sensor&entityMap=true&entityMapLifetime=PT0.5S`, {}, 400, /at least PT1S/],
      [`${E}?type=Sensor&splitEntities=maybe&entityMap=true`, {}, 400, /splitEntities: must be true or false/],
      [`${E}?type=Sensor`, { 'ngsild-entitymap': 'not a map' }, 400, /NGSILD-EntityMap/],
      [`${M}?limit=5`, {}, 400, /needs at least one of type/],
      [`${M}/not-a-uri`, {}, 400, /not a URI/],
      [`${M}/urn:ngsi-ld:EntityMap:nowhere`, {}, 404, /does not exist/],
    ];
    for (const [url, headers, status, detail] of cases) {
      const res = await call(t, { method: 'GET', url, headers: { ...reader, ...headers } });
      assert.equal(res.status, status, `${url}: ${res.body}`);
      assert.match(res.json.detail, detail, url);
    }
    const made = await call(t, { method: 'GET', url: `${M}?type=Sensor`, headers: reader });
    const url = made.headers['ngsild-entitymap'] as string;
    for (const [body, detail] of [
      [{ expiresAt: '2026-13-01' }, /DateTime/],
      [{ expiresAt: '2020-01-01T00:00:00Z' }, /future/],
      [{ expiresAt: '2999-01-01T00:00:00Z' }, /at most 24 hours/],
      [{ name: 'x' }, /name: an EntityMap's only member that may be updated is expiresAt/],
      [{}, /expiresAt: required/],
    ] as const) {
      const res = await call(t, { method: 'PATCH', url, headers: reader, body });
      assert.equal(res.status, 400, res.body);
      assert.match(res.json.detail, detail);
    }
    assert.equal((await call(t, { method: 'GET', url: `${M}?type=Sensor` })).status, 401, 'credentials are needed');
  });

  it('should keep a map made by a full reader from an open-data reader, who gets a map of open types only', async () => {
    assert.equal((await call(t, { method: 'PUT', url: `${OPEN}/Sensor`, headers: admin })).status, 201);
    const full = await call(t, { method: 'GET', url: `${M}?type=Sensor`, headers: reader });
    const url = full.headers['ngsild-entitymap'] as string;
    assert.equal((await call(t, { method: 'GET', url })).status, 404, 'not for anonymous readers');
    assert.equal((await call(t, { method: 'DELETE', url })).status, 401, 'an anonymous reader may not end a map');
    const anonymous = await call(t, { method: 'GET', url: `${E}?type=Sensor&limit=2`, headers: { 'ngsild-entitymap': url } });
    assert.equal(anonymous.status, 201, 'a map of its own');
    const own = anonymous.headers['ngsild-entitymap'] as string;
    assert.notEqual(own, url);
    assert.equal((await call(t, { method: 'GET', url: own })).status, 200);
    assert.equal((await call(t, { method: 'GET', url: own, headers: reader })).status, 200, 'a full reader may use an open one');
  });
});
