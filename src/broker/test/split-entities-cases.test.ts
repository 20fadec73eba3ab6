// Split entities (clause 4.3.6.7) against sources that behave unlike this broker: a source that
// sends fewer entities a page than asked, one with more than can be merged, one holding a string
// PostgreSQL cannot store, and parts of one entity typed differently here and there. A plain
// HTTP server (ports 5361–5369) stands in for the source and answers what each test sets.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from './broker-test-app.ts';
import { freePort } from '../../../test/helpers/server-process.ts';

const E = '/ngsi-ld/v1/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
const REG = 'urn:ngsi-ld:ContextSourceRegistration:split-cases';
const ids = (json: Array<{ id: string }>) => json.map((e) => e.id.split(':').pop());

type Entity = Record<string, unknown> & { id: string };

describe('split entities with sources unlike this broker', () => {
  let t: TestApp;
  let server: http.Server;
  let url: string;
  const asked: URL[] = [];
  const purged: URL[] = [];
  /**
   * What the source holds; the most it sends a page (undefined: what is asked); its count
   * (sent when asked, as brokers do; a number: that count whatever it holds; false: none);
   * `one`: it answers every page with its first entity; `failGet`: the status of every GET.
   */
  const source = { held: [] as Entity[], pageCap: undefined as number | undefined, count: true as boolean | number, raw: undefined as string | undefined, one: false, failGet: undefined as number | undefined };

  const register = async (type: string, operations?: string[], extra: Record<string, unknown> = {}) => {
    await call(t, { method: 'DELETE', url: `${R}/${REG}` });
    const res = await call(t, { method: 'POST', url: R, body: { id: REG, type: 'ContextSourceRegistration', endpoint: url, information: [{ entities: [{ type }] }], ...(operations ? { operations } : {}), ...extra } });
    assert.equal(res.status, 201, res.body);
  };

  before(async () => {
    t = await brokerTestApp();
    const port = await freePort(5361, 5370);
    url = `http://127.0.0.1:${port}`;
    server = http.createServer((req, res) => {
      const u = new URL(req.url!, url);
      asked.push(u);
      if (req.method === 'DELETE') {
        purged.push(u);
        return res.writeHead(204).end();
      }
      const one = /\/entities\/(.+)$/.exec(u.pathname);
      if (one) {
        const found = source.held.find((e) => e.id === decodeURIComponent(one[1]!));
        return found ? res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(found)) : res.writeHead(404).end();
      }
      if (source.failGet) return res.writeHead(source.failGet, { 'content-type': 'application/json' }).end('{"type":"https://uri.etsi.org/ngsi-ld/errors/InternalError"}');
      if (source.raw !== undefined) return res.writeHead(200, { 'content-type': 'application/json' }).end(source.raw);
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const limit = Math.min(Number(u.searchParams.get('limit') ?? 20), source.pageCap ?? Infinity);
      const wanted = u.searchParams.get('id')?.split(',');
      const held = wanted ? source.held.filter((e) => wanted.includes(e.id)) : source.held;
      const count = typeof source.count === 'number' ? source.count : held.length;
      const counted = source.count !== false && u.searchParams.get('count') === 'true' ? { 'ngsild-results-count': String(count) } : {};
      res.writeHead(200, { 'content-type': 'application/json', ...counted }).end(JSON.stringify(source.one ? held.slice(0, 1) : held.slice(offset, offset + limit)));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });

  beforeEach(() => {
    asked.length = 0;
    purged.length = 0;
    Object.assign(source, { held: [], pageCap: undefined, count: true, raw: undefined, one: false, failGet: undefined });
  });

  after(async () => {
    await t?.close();
    await new Promise((r) => server?.close(r));
  });

  const shelters = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({
    id: `urn:ngsi-ld:Shelter:${prefix}-${String(i).padStart(5, '0')}`, type: 'Shelter', capacity: { type: 'Property', value: i },
  }));

  it('should read on from a source that sends fewer entities a page than asked, as its count says', async () => {
    await register('Shelter');
    source.held = shelters(150, 'cap');
    source.pageCap = 100;
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity==120&count=true&splitEntities=true` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['cap-00120']);
    assert.equal(res.headers['ngsild-results-count'], '1');
    // The plain merged query reads on the same way, with no count asked by the client, and so
    // does an EntityMap.
    const plain = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=1&offset=149` });
    assert.deepEqual(ids(plain.json), ['cap-00149']);
    const map = await call(t, { method: 'GET', url: `${E}?type=Shelter&entityMap=true&count=true&limit=1` });
    assert.equal(map.status, 201, map.body);
    assert.equal(map.headers['ngsild-results-count'], '150');
  });

  it('should count a merged query with limit=0, and say so when a source sends too few a page to be read to its end', async () => {
    await register('Shelter');
    source.held = shelters(30, 'n');
    const counted = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=0&count=true` });
    assert.equal(counted.status, 200, counted.body);
    assert.deepEqual(counted.json, []);
    assert.equal(counted.headers['ngsild-results-count'], '30');
    source.held = shelters(6000, 'slow');
    source.pageCap = 50;
    const deep = await call(t, { method: 'GET', url: `${E}?type=Shelter&offset=5500&limit=3` });
    assert.equal(deep.status, 200, deep.body);
    assert.match(String(deep.headers['ngsild-warning']), /sends so few entities a request/);
  });

  it('should refuse an EntityMap of a source holding more than a map can, read in full pages', async () => {
    await register('Shelter');
    source.held = shelters(100_001, 'huge');
    const map = await call(t, { method: 'GET', url: `${E}?type=Shelter&entityMap=true&count=true&limit=1` });
    assert.equal(map.status, 403, map.body.slice(0, 300));
    assert.equal(map.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults');
  });

  it('should take a count that says more than a source has for what it is, and not follow a source that never ends', async () => {
    await register('Shelter');
    source.held = shelters(3, 'few');
    source.count = 5;
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity==1&splitEntities=true` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['few-00001']);
    // One entity a page, and a count of a million: refused after the first page.
    source.one = true;
    source.count = 1_000_000;
    asked.length = 0;
    const endless = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity==1&splitEntities=true` });
    assert.equal(endless.status, 403, endless.body);
    assert.ok(asked.length <= 2, `${asked.length} requests`);
    // A plain query stops after a bounded number of requests too: the 10 full pages its window
    // needs and 100 more, and says it read the source only in part.
    asked.length = 0;
    const plain = await call(t, { method: 'GET', url: `${E}?type=Shelter&limit=1000&offset=9000` });
    assert.equal(plain.status, 200, plain.body);
    assert.ok(asked.length <= 110, `${asked.length} requests`);
    assert.match(String(plain.headers['ngsild-warning']), /sends so few entities a request/);
  });

  it('should refuse with TooManyResults a source holding more of the selection than can be merged, counted or not', async () => {
    await register('Shelter');
    source.held = shelters(10_001, 'big');
    for (const count of [true, false]) {
      source.count = count;
      const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity==10000&splitEntities=true` });
      assert.equal(res.status, 403, `count ${count}: ${res.body}`);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults');
      assert.match(res.json.detail, /split-cases/);
    }
  });

  it('should filter around a string the database cannot hold, not answer 400', async () => {
    await register('Shelter');
    source.raw = '[{"id":"urn:ngsi-ld:Shelter:nul","type":"Shelter","name":{"type":"Property","value":"a\\u0000b"},"capacity":{"type":"Property","value":1}},'
      + '{"id":"urn:ngsi-ld:Shelter:lone","type":"Shelter","name":{"type":"Property","value":"x\\ud800"},"capacity":{"type":"Property","value":2}},'
      + '{"id":"urn:ngsi-ld:Shelter:ok","type":"Shelter","capacity":{"type":"Property","value":500}}]';
    const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=capacity>100&splitEntities=true` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res.json), ['ok']);
  });

  it('should merge a part held here under another type, and meet a type selector of both', async () => {
    const made = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Shelter:hall', type: 'Shelter', name: { type: 'Property', value: 'Hall' } } });
    assert.equal(made.status, 201, made.body);
    await register('Building');
    source.held = [{ id: 'urn:ngsi-ld:Shelter:hall', type: 'Building', height: { type: 'Property', value: 12 } }];
    const building = await call(t, { method: 'GET', url: `${E}?type=Building&q=${encodeURIComponent('name=="Hall";height==12')}&splitEntities=true&count=true` });
    assert.equal(building.status, 200, building.body);
    assert.deepEqual(ids(building.json), ['hall']);
    assert.equal(building.headers['ngsild-results-count'], '1');
    const both = await call(t, { method: 'GET', url: `${E}?type=${encodeURIComponent('Shelter;Building')}&q=height==12&splitEntities=true` });
    assert.equal(both.status, 200, both.body);
    assert.deepEqual(ids(both.json), ['hall']);
    const map = await call(t, { method: 'GET', url: `${E}?type=Building&q=${encodeURIComponent('name=="Hall";height==12')}&splitEntities=true&entityMap=true` });
    assert.equal(map.status, 201, map.body);
    assert.deepEqual(ids(map.json), ['hall']);
    // A retrieve assembles the entity anyway: splitEntities is taken with an EntityMap too.
    const retrieved = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Shelter:hall?entityMap=true&splitEntities=true&options=keyValues` });
    assert.equal(retrieved.status, 200, retrieved.body);
    assert.equal(retrieved.json.height, 12);
    await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Shelter:hall?local=true` });
  });

  it('should purge split entities that match once merged, each party its part, by id and without the filters', async () => {
    await register('Pool', ['queryEntity', 'retrieveEntity', 'purgeEntity']);
    for (const id of ['p1', 'p4']) {
      const made = await call(t, { method: 'POST', url: E, body: { id: `urn:ngsi-ld:Pool:${id}`, type: 'Pool', name: { type: 'Property', value: 'Pool' }, ...(id === 'p4' ? { capacity: { type: 'Property', value: 5 } } : {}) } });
      assert.equal(made.status, 201, made.body);
    }
    source.held = [
      { id: 'urn:ngsi-ld:Pool:p1', type: 'Pool', capacity: { type: 'Property', value: 5 } },
      { id: 'urn:ngsi-ld:Pool:p2', type: 'Pool', capacity: { type: 'Property', value: 5 } },
      { id: 'urn:ngsi-ld:Pool:p3', type: 'Pool', capacity: { type: 'Property', value: 9 } },
    ];
    const q = encodeURIComponent('name=="Pool";capacity==5');
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Pool&q=${q}&splitEntities=true` });
    assert.equal(res.status, 204, res.body);
    // p1 (name here, capacity there) and p4 (whole here) matched; p2 has no name, p3 another capacity.
    for (const id of ['p1', 'p4']) assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Pool:${id}?local=true` })).status, 404, id);
    assert.equal(purged.length, 1);
    assert.equal(purged[0]!.searchParams.get('id'), 'urn:ngsi-ld:Pool:p1');
    assert.equal(purged[0]!.searchParams.get('q'), null);
    // Not with an EntityMap, which lists candidates for split entities.
    const mapped = await call(t, { method: 'DELETE', url: `${E}?type=Pool&q=${q}&splitEntities=true`, headers: { 'ngsild-entitymap': 'urn:ngsi-ld:EntityMap:any' } });
    assert.equal(mapped.status, 422, mapped.body);
  });

  it('should purge nothing when a source that may hold parts cannot be read, or cannot be asked', async () => {
    const q = encodeURIComponent('capacity==5');
    const made = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Pool:x', type: 'Pool', capacity: { type: 'Property', value: 5, observedAt: '2020-01-01T00:00:00Z' } } });
    assert.equal(made.status, 201, made.body);
    await register('Pool', ['queryEntity', 'retrieveEntity', 'purgeEntity'], { management: { cooldown: 600_000 }, dataProvider: 'aizu' });
    // The source holds x's newer capacity (9): merged, x does not match.
    source.held = [{ id: 'urn:ngsi-ld:Pool:x', type: 'Pool', capacity: { type: 'Property', value: 9, observedAt: '2026-01-01T00:00:00Z' } }, { id: 'urn:ngsi-ld:Pool:y', type: 'Pool', capacity: { type: 'Property', value: 5 } }];
    assert.deepEqual(ids((await call(t, { method: 'GET', url: `${E}?type=Pool&q=${q}&splitEntities=true` })).json), ['y']);
    source.failGet = 500;
    const failed = await call(t, { method: 'DELETE', url: `${E}?type=Pool&q=${q}&splitEntities=true` });
    assert.equal(failed.status, 502, failed.body);
    assert.match(failed.json.detail, /nothing was purged/);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Pool:x?local=true` })).status, 200, 'x is kept here');
    assert.equal(purged.length, 0);
    // Queries leave the source out while it cools down, and say so.
    source.failGet = undefined;
    asked.length = 0;
    const cooling = await call(t, { method: 'GET', url: `${E}?type=Pool` });
    assert.equal(cooling.status, 200, cooling.body);
    assert.match(String(cooling.headers['ngsild-warning']), /cooling down after a failure, not asked until/);
    assert.equal(asked.length, 0);
    // …but not a query whose csf would not have asked it anyway.
    const elsewhere = await call(t, { method: 'GET', url: `${E}?type=Pool&csf=${encodeURIComponent('dataProvider=="koriyama"')}` });
    assert.equal(elsewhere.status, 200, elsewhere.body);
    assert.equal(elsewhere.headers['ngsild-warning'], undefined);
    // Cooling down after that failure, the source is still asked before a purge: y goes, x stays.
    source.failGet = undefined;
    const purgedNow = await call(t, { method: 'DELETE', url: `${E}?type=Pool&q=${q}&splitEntities=true` });
    assert.equal(purgedNow.status, 204, purgedNow.body);
    assert.deepEqual(purged.map((u) => u.searchParams.get('id')), ['urn:ngsi-ld:Pool:y']);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Pool:x?local=true` })).status, 200);
    // A source that takes purges but cannot be asked for its parts.
    await register('Pool', ['purgeEntity', 'deleteEntity']);
    purged.length = 0;
    const unasked = await call(t, { method: 'DELETE', url: `${E}?type=Pool&q=${q}&splitEntities=true` });
    assert.equal(unasked.status, 409, unasked.body);
    assert.equal(purged.length, 0);
    await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Pool:x?local=true` });
  });

  it('should judge a purge with the parts an auxiliary source adds, as the query does', async () => {
    const made = await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Pond:a', type: 'Pond', name: { type: 'Property', value: 'A' } } });
    assert.equal(made.status, 201, made.body);
    await register('Pond', ['queryEntity', 'retrieveEntity'], { mode: 'auxiliary' });
    source.held = [{ id: 'urn:ngsi-ld:Pond:a', type: 'Pond', capacity: { type: 'Property', value: 5 } }];
    const q = encodeURIComponent('name=="A";capacity==5');
    assert.deepEqual(ids((await call(t, { method: 'GET', url: `${E}?type=Pond&q=${q}&splitEntities=true` })).json), ['a']);
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Pond&q=${q}&splitEntities=true` });
    assert.equal(res.status, 204, res.body);
    assert.equal((await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Pond:a?local=true` })).status, 404);
    assert.equal(purged.length, 0, 'an auxiliary source is never sent the purge');
  });

  it('should keep a POST query for every type (type "*") to this broker, as GET type=* is', async () => {
    await register('Shelter');
    source.held = shelters(1, 'far');
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: '*' }] } });
    assert.equal(res.status, 200, res.body);
    assert.ok(!ids(res.json).includes('far-00000'), res.body);
    assert.deepEqual(asked.map((u) => u.pathname), []);
  });
});
