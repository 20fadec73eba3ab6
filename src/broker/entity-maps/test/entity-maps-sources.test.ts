// EntityMaps with a registered source that misbehaves: a plain HTTP server (on a port in
// 5320–5329) standing in for the source, answering as each test sets it to (failing, declining
// with 501, odd maps, personal entities, renewed linked maps).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { brokerTestApp, call, DEFAULT, type TestApp } from '../../test/broker-test-app.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';

const E = '/ngsi-ld/v1/entities';
const M = '/ngsi-ld/v1/entityMaps';
const R = '/ngsi-ld/v1/csourceRegistrations';
const REG = 'urn:ngsi-ld:ContextSourceRegistration:fake';

interface Seen { path: string; params: URLSearchParams; entityMap: string | undefined; via: string | undefined }

const shelter = (n: number) => ({ id: `urn:ngsi-ld:Shelter:a${String(n).padStart(2, '0')}`, type: 'Shelter', capacity: { type: 'Property', value: n } });
const short = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

describe('EntityMaps with a registered source', () => {
  let t: TestApp;
  let server: http.Server;
  let port: number;
  let tenant: string;
  const seen: Seen[] = [];
  // What the fake source does.
  const mode = {
    held: [] as Array<Record<string, unknown>>,
    mapStatus: 201 as number,
    mapBody: undefined as unknown,
    entitiesStatus: 200,
    pageNewMap: undefined as string | undefined,
  };

  before(async () => {
    t = await brokerTestApp();
    tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    port = await freePort(5320, 5330);
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const params = url.searchParams;
      seen.push({ path: url.pathname, params, entityMap: req.headers['ngsild-entitymap'] as string | undefined, via: req.headers.via as string | undefined });
      const typeNames = params.get('type')?.split(/[,;|()]/).filter(Boolean);
      const idList = params.get('id')?.split(',');
      const matching = mode.held.filter((e) => (!typeNames || typeNames.some((n) => n === e.type || n.endsWith(`/${e.type as string}`))) && (!idList || idList.includes(e.id as string)));
      if (url.pathname.endsWith('/entityMaps')) {
        if (mode.mapStatus >= 300) return res.writeHead(mode.mapStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'x', title: 'no', status: mode.mapStatus }));
        const body = mode.mapBody ?? { id: 'urn:ngsi-ld:EntityMap:remote-1', type: 'EntityMap', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), entityMap: Object.fromEntries(matching.map((e) => [e.id, ['@none']])) };
        return res.writeHead(mode.mapStatus, { 'content-type': 'application/json', 'ngsild-entitymap': '/ngsi-ld/v1/entityMaps/urn%3Angsi-ld%3AEntityMap%3Aremote-1' }).end(JSON.stringify(body));
      }
      if (url.pathname.endsWith('/entities')) {
        if (mode.entitiesStatus !== 200) return res.writeHead(mode.entitiesStatus).end('{}');
        const offset = Number(params.get('offset') ?? 0);
        const limit = Number(params.get('limit') ?? 20);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (mode.pageNewMap && req.headers['ngsild-entitymap']) headers['ngsild-entitymap'] = mode.pageNewMap;
        return res.writeHead(mode.pageNewMap && req.headers['ngsild-entitymap'] ? 201 : 200, headers).end(JSON.stringify(matching.slice(offset, offset + limit)));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const registered = await call(t, { method: 'POST', url: R, body: { id: REG, type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }, { type: 'Resident' }] }], endpoint: `http://127.0.0.1:${port}` } });
    assert.equal(registered.status, 201, registered.body);
    // Local: odd shelters a01 … a15.
    for (let n = 1; n <= 15; n += 2) assert.equal((await call(t, { method: 'POST', url: E, body: shelter(n) })).status, 201);
  });
  beforeEach(() => {
    seen.length = 0;
    // Remote: even shelters a02 … a16.
    mode.held = Array.from({ length: 8 }, (_, i) => shelter(2 * (i + 1)));
    mode.mapStatus = 201;
    mode.mapBody = undefined;
    mode.entitiesStatus = 200;
    mode.pageNewMap = undefined;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t?.close();
  });

  it('a failing source: pages neither repeat nor skip entities, and the source is not asked once per fill round', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=4&entityMap=true&count=true` });
    assert.equal(first.status, 201, first.body);
    assert.deepEqual(short(first.json), ['a01', 'a02', 'a03', 'a04']);
    const location = first.headers['ngsild-entitymap'] as string;
    mode.entitiesStatus = 500;
    seen.length = 0;
    const second = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=4&offset=4`, headers: { 'ngsild-entitymap': location } });
    const asked = seen.filter((s) => s.path.endsWith('/entities')).length;
    const third = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=4&offset=8`, headers: { 'ngsild-entitymap': location } });
    const both = [...short(second.json), ...short(third.json)];
    assert.equal(new Set(both).size, both.length, `an entity on two pages: ${both}`);
  });

  it('a silent source is waited for once per fill round', async () => {
    // Map of local+remote, then the source's /entities stops answering (timeout 300 ms).
    await call(t, { method: 'PATCH', url: `${R}/${REG}`, body: { management: { timeout: 300 } } });
    try {
      // 40 more at the source, in a row after the local ones: b01 … b40.
      mode.held.push(...Array.from({ length: 40 }, (_, i) => ({ id: `urn:ngsi-ld:Shelter:b${String(i + 1).padStart(2, '0')}`, type: 'Shelter' })));
      const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=1&entityMap=true&count=true` });
      assert.equal(first.headers['ngsild-results-count'], '56');
      const location = first.headers['ngsild-entitymap'] as string;
      mode.entitiesStatus = 0; // handled below: never answer
      const silentHandler = server.listeners('request')[0] as (...a: unknown[]) => void;
      server.removeAllListeners('request');
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (new URL(req.url!, 'http://x').pathname.endsWith('/entities')) { seen.push({ path: '/entities', params: new URLSearchParams(), entityMap: undefined, via: undefined }); return; } // never answers
        silentHandler(req, res);
      });
      try {
        seen.length = 0;
        const started = Date.now();
        // limit=5 at the first b: every round reads 5 entries of the silent source, and waits.
        const page = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=5&offset=16`, headers: { 'ngsild-entitymap': location } });
        assert.ok(seen.length <= 1, `asked ${seen.length} times in one request`);
      } finally {
        server.removeAllListeners('request');
        server.on('request', silentHandler);
        server.closeAllConnections();
      }
    } finally {
      await call(t, { method: 'PATCH', url: `${R}/${REG}`, body: { management: { timeout: 5000 } } });
    }
  });

  it('a source answering 501 to Create EntityMap is queried instead (as for a 4xx)', async () => {
    mode.mapStatus = 404;
    const with404 = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
    mode.mapStatus = 501;
    const with501 = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
    assert.equal(Object.keys(with501.json.entityMap).length, 16);
  });

  it('ids of a personal type held by a source are not shown in a map', async () => {
    mode.held.push({ id: 'urn:ngsi-ld:Resident:taro-yamada', type: 'Resident', name: { type: 'Property', value: '山田太郎' } });
    await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values (${tenant}, ${`${DEFAULT}Resident`}, 'review', 'owner')`.execute(t.ctx.db);
    try {
      const query = await call(t, { method: 'GET', url: `${E}?type=Resident` });
      const made = await call(t, { method: 'GET', url: `${M}?type=Resident` });
      const counted = await call(t, { method: 'GET', url: `${E}?type=Resident&entityMap=true&count=true&limit=0` });
      const countedPlain = await call(t, { method: 'GET', url: `${E}?type=Resident&count=true&limit=1` });
      const mixed = await call(t, { method: 'GET', url: `${M}?type=Shelter,Resident` });
      assert.deepEqual(made.json.entityMap, {}, 'a personal entity id in the map');
    } finally {
      await sql`delete from broker_personal_types where provider_id = 'review'`.execute(t.ctx.db);
    }
  });

  it('local=true (or a Via naming this broker) with a map is not forwarded', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&entityMap=true` });
    const location = first.headers['ngsild-entitymap'] as string;
    seen.length = 0;
    const local = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=4&local=true`, headers: { 'ngsild-entitymap': location } });
    const forwardedLocal = seen.length;
    seen.length = 0;
    const looped = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=4`, headers: { 'ngsild-entitymap': location, via: '1.1 localhost:3000, 1.1 a, 1.1 b, 1.1 c, 1.1 d' } });
    assert.equal(forwardedLocal, 0, 'local=true was forwarded');
    assert.equal(seen.length, 0, 'a request past the hop limit / through this broker was forwarded');
  });

  it('the linked map a source answers a page with is kept (5.7.1.4 "linked maps are updated"), and the lifetime is passed on', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&entityMap=true&entityMapLifetime=PT20H` });
    const location = first.headers['ngsild-entitymap'] as string;
    const created = seen.find((s) => s.path.endsWith('/entityMaps'));
    mode.pageNewMap = '/ngsi-ld/v1/entityMaps/urn%3Angsi-ld%3AEntityMap%3Aremote-2';
    await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&offset=2`, headers: { 'ngsild-entitymap': location } });
    seen.length = 0;
    await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=2&offset=4`, headers: { 'ngsild-entitymap': location } });
    const map = await call(t, { method: 'GET', url: location });
    assert.equal(created?.params.get('entityMapLifetime'), 'PT72000S', 'the suggested lifetime is not passed to the source');
    assert.equal(map.json.linkedMaps[REG], mode.pageNewMap);
  });

  it('ids in a source\'s map that are not URIs are refused (not stored and forwarded on every page)', async () => {
    mode.mapBody = { id: 'urn:ngsi-ld:EntityMap:odd', type: 'EntityMap', expiresAt: '2030-01-01T00:00:00Z', entityMap: { 'not a uri': ['@none'], __proto__x: [], 'urn:ngsi-ld:Shelter:a02': ['@none'] } };
    const made = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
    // As Tsunagu (assertEntityId) and most brokers do: a query naming an id that is not a URI is a 400.
    const strict = server.listeners('request')[0] as (...a: unknown[]) => void;
    server.removeAllListeners('request');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const idList = new URL(req.url!, 'http://x').searchParams.get('id')?.split(',') ?? [];
      if (idList.some((id) => !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(id))) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"title":"id is not a URI"}');
      strict(req, res);
    });
    try {
      const page = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=20`, headers: { 'ngsild-entitymap': made.headers['ngsild-entitymap'] as string } });
      assert.ok(short(page.json).includes('a02'), 'the source\'s real entity a02 is never shown');
    } finally {
      server.removeAllListeners('request');
      server.on('request', strict);
    }
    assert.ok(!('not a uri' in made.json.entityMap));
  });

  it('a source\'s map with a very long (incompressible) id is not a 500', async () => {
    const { randomBytes } = await import('node:crypto');
    const long = `urn:ngsi-ld:Shelter:${randomBytes(3000).toString('hex')}`;
    mode.mapBody = { id: 'urn:ngsi-ld:EntityMap:long', type: 'EntityMap', expiresAt: '2030-01-01T00:00:00Z', entityMap: { [long]: ['@none'], 'urn:ngsi-ld:Shelter:a02': ['@none'] } };
    const made = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
    const query = await call(t, { method: 'GET', url: `${E}?type=Shelter&entityMap=true` });
    mode.mapBody = { id: 'urn:ngsi-ld:EntityMap:nul', type: 'EntityMap', expiresAt: '2030-01-01T00:00:00Z', entityMap: { 'urn:ngsi-ld:Shelter:a\u0000b': ['@none'], 'urn:ngsi-ld:Shelter:a02': ['@none'] } };
    const nul = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
    assert.ok(made.status < 500 && query.status < 500);
  });

  it('a source whose map is an array or has entityMap as a list', async () => {
    for (const body of [[], { id: 'urn:x:1', entityMap: ['urn:ngsi-ld:Shelter:a02'] }, { id: 'urn:x:1', entityMap: { 'urn:ngsi-ld:Shelter:a02': 'x' } }, { id: 42 }]) {
      mode.mapBody = body;
      const made = await call(t, { method: 'GET', url: `${M}?type=Shelter` });
      assert.ok(made.status < 500);
    }
  });
});
