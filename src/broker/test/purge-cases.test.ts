// Purge Entities (clause 5.6.21) in the harder cases: EntityMaps here and at a source (a plain
// HTTP server on port 5341 stands in for it), q values with braces, bad input, history,
// multi-attributes, odd source answers, access, and keep without a restriction.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { brokerTestApp, building, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';
const sensor = (n: number, pm25: number, extra: Record<string, unknown> = {}) => ({ id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor', pm25: { type: 'Property', value: pm25 }, ...extra });

describe('Purge Entities', () => {
  let t: TestApp;
  const exists = async (id: string, h: Record<string, string> = {}) => (await call(t, { method: 'GET', url: `${E}/${id}?local=true`, headers: h })).status === 200;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  it('should refuse a purge naming an EntityMap that is gone, and purge nothing', async () => {
    for (const n of [101, 102]) assert.equal((await call(t, { method: 'POST', url: E, body: sensor(n, 5) })).status, 201);
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Sensor&q=pm25==5`, headers: { 'ngsild-entitymap': '/ngsi-ld/v1/entityMaps/urn:ngsi-ld:EntityMap:does-not-exist' } });
    assert.equal(res.status, 400, res.body);
    assert.equal(await exists('urn:ngsi-ld:Sensor:101'), true, 'the map named nothing, yet Sensor:101 was purged');
  });

  it('should take braces inside a q string value as text, not as a linked-entity path', async () => {
    assert.equal((await call(t, { method: 'POST', url: E, body: sensor(201, 1, { name: { type: 'Property', value: 'a{b}' } }) })).status, 201);
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Sensor&q=${encodeURIComponent('name=="a{b}"')}` });
    assert.equal(res.status, 204, res.body);
  });

  it('should answer an idPattern PostgreSQL refuses with a 4xx, never a 500', async () => {
    for (const p of ['(?<n>x)', '\\p{L}+', 'a{,3}', '(?i)abc', 'x*+']) {
      const res = await call(t, { method: 'DELETE', url: `${E}?type=Sensor&idPattern=${encodeURIComponent(p)}` });
      assert.notEqual(res.status, 500, `${p}: ${res.body}`);
    }
  });

  it('should record a dropped attribute\'s deletion in the history', async () => {
    assert.equal((await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:d1') })).status, 201);
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Building&drop=height` });
    assert.equal(res.status, 204, res.body);
    const h = await call(t, { method: 'GET', url: '/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:Building:d1?options=temporalValues' });
    assert.ok(JSON.stringify(h.json?.height ?? '').includes('urn:ngsi-ld:null'), 'no deletion marker for height');
  });

  it('should ignore a drop of a name that is no attribute, and drop every instance of a multi-attribute', async () => {
    const body = { id: 'urn:ngsi-ld:Thing:e1', type: 'Thing', temp: [{ type: 'Property', value: 1 }, { type: 'Property', value: 2, datasetId: 'urn:ds:2' }], other: { type: 'Property', value: 0 }, scope: '/a/b' };
    assert.equal((await call(t, { method: 'POST', url: E, body })).status, 201);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?type=Thing&drop=nothere` })).status, 204);
    assert.equal((await call(t, { method: 'DELETE', url: `${E}?type=Thing&drop=temp` })).status, 204);
    const got = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Thing:e1` });
    assert.equal(got.json.temp, undefined);
    assert.ok(got.json.other);
  });
});

describe('Purge Entities: remote sources', () => {
  let t: TestApp;
  let server: http.Server;
  const seen: string[] = [];
  let answer: { status: number; body: string } = { status: 204, body: '' };
  before(async () => {
    t = await brokerTestApp();
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ id: 'urn:ngsi-ld:Bin:remote-1', type: 'Bin', fill: { type: 'Property', value: 99 } }]));
        return;
      }
      res.writeHead(answer.status, answer.body ? { 'content-type': 'application/json' } : {});
      res.end(answer.body);
    });
    await new Promise<void>((r) => server.listen(5341, '127.0.0.1', r));
    const reg = await call(t, { method: 'POST', url: R, body: { id: 'urn:ngsi-ld:ContextSourceRegistration:mock', type: 'ContextSourceRegistration',
      information: [{ entities: [{ type: 'Bin' }] }], endpoint: 'http://127.0.0.1:5341', operations: ['queryEntity', 'retrieveEntity', 'purgeEntity'] } });
    assert.equal(reg.status, 201, reg.body);
  });
  after(async () => {
    await t.close();
    await new Promise((r) => server.close(r));
  });

  it('should purge only what an EntityMap lists, asking no source the map names none of', async () => {
    for (const n of [1, 2]) assert.equal((await call(t, { method: 'POST', url: E, body: { id: `urn:ngsi-ld:Bin:local-${n}`, type: 'Bin', fill: { type: 'Property', value: 10 * n } } })).status, 201);
    // A map made of a narrower query: only Bin:local-1.
    const made = await call(t, { method: 'GET', url: `${E}?type=Bin&id=urn:ngsi-ld:Bin:local-1&local=true&entityMap=true` });
    assert.equal(made.status, 201, made.body);
    const loc = made.headers['ngsild-entitymap'] as string;
    seen.length = 0;
    const res = await call(t, { method: 'DELETE', url: `${E}?type=Bin`, headers: { 'ngsild-entitymap': loc } });
    assert.equal(res.status, 204, res.body);
    assert.equal(await exists(t, 'urn:ngsi-ld:Bin:local-1'), false);
    assert.equal(await exists(t, 'urn:ngsi-ld:Bin:local-2'), true);
    assert.deepEqual(seen.filter((s) => s.startsWith('DELETE')), [], 'the source was asked to purge every Bin although the map lists none there');
  });

  it('should answer a source\'s odd answers with a 207 naming it, never a 500', async () => {
    for (const a of [{ status: 200, body: '' }, { status: 207, body: 'null' }, { status: 207, body: '{"success":[],"errors":[{"entityId":"urn:x","error":null}]}' }, { status: 500, body: '<html>' }, { status: 301, body: '' }]) {
      answer = a;
      const res = await call(t, { method: 'DELETE', url: `${E}?type=Bin&q=fill>1000` });
      assert.equal(res.status, 207, `${a.status} ${a.body}: ${res.body}`);
    }
    answer = { status: 204, body: '' };
  });
});

async function exists(t: TestApp, id: string) {
  return (await call(t, { method: 'GET', url: `${E}/${id}?local=true` })).status === 200;
}

describe('Purge Entities: access', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true });
  });
  after(() => t.close());
  it('should let neither an auditor nor another municipality purge a municipality\'s entities', async () => {
    const KORIYAMA = '072036';
    const kp = (await tokenWithRole(t.ctx, 'kp', 'data_publisher', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
    const ka = (await tokenWithRole(t.ctx, 'ka', 'auditor', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
    const aa = (await tokenWithRole(t.ctx, 'aa', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' })).headers;
    assert.equal((await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:k1'), headers: { ...kp, 'ngsild-tenant': KORIYAMA } })).status, 201);
    const byAuditor = await call(t, { method: 'DELETE', url: `${E}?type=Building`, headers: { ...ka, 'ngsild-tenant': KORIYAMA } });
    const byAizu = await call(t, { method: 'DELETE', url: `${E}?type=Building`, headers: { ...aa, 'ngsild-tenant': KORIYAMA } });
    assert.equal(byAuditor.status, 403);
    assert.equal(byAizu.status, 403);
    const still = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:k1`, headers: { ...kp, 'ngsild-tenant': KORIYAMA } });
    assert.equal(still.status, 200);
  });
});

describe('Purge Entities: keep alone', () => {
  let t: TestApp;
  before(async () => { t = await brokerTestApp(); });
  after(() => t.close());
  it('should refuse keep alone as too wide a purge, and change nothing', async () => {
    assert.equal((await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:i1') })).status, 201);
    assert.equal((await call(t, { method: 'POST', url: E, body: sensor(900, 3) })).status, 201);
    const res = await call(t, { method: 'DELETE', url: `${E}?keep=nothingLikeThis` });
    assert.equal(res.status, 400, 'a keep list alone is not a restriction (Table 6.4.3.3-1: type, attrs, q or geometry)');
    const b = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:i1` });
    assert.ok(b.json.height, 'nothing was changed');
  });
});
