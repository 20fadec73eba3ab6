// Clause 4.14 (tenants) and the platform guard on the NGSI-LD API: the NGSILD-Tenant header
// maps to platform tenants, data of one tenant is invisible to another, a create may make a
// broker-only tenant, and every call needs credentials with the right role in scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { brokerTestApp, building, call, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const FUKUSHIMA_CITY = '072010';
const KORIYAMA = '072036';

describe('NGSI-LD tenants and access (clause 4.14)', () => {
  let t: TestApp;
  let prefectureAdmin: Record<string, string>;
  let koriyamaPublisher: Record<string, string>;
  let koriyamaAuditor: Record<string, string>;
  let aizuAdmin: Record<string, string>;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true });
    prefectureAdmin = (await tokenWithRole(t.ctx, 'pref', 'municipal_admin', { level: 'prefecture', prefectureCode: '070009' })).headers;
    koriyamaPublisher = (await tokenWithRole(t.ctx, 'kp', 'data_publisher', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
    koriyamaAuditor = (await tokenWithRole(t.ctx, 'ka', 'auditor', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
    aizuAdmin = (await tokenWithRole(t.ctx, 'aa', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' })).headers;
  });
  after(() => t.close());

  it('should answer 401 without credentials and name the scheme', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=Building` });
    assert.equal(res.status, 401);
    assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
  });

  it('should keep each tenant\'s entities invisible to the others', async () => {
    const create = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:k1'), headers: { ...koriyamaPublisher, 'ngsild-tenant': KORIYAMA } });
    assert.equal(create.status, 201, create.body);
    const inKoriyama = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:k1`, headers: { ...koriyamaPublisher, 'ngsild-tenant': KORIYAMA } });
    assert.equal(inKoriyama.status, 200);
    const inPrefecture = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:Building:k1`, headers: prefectureAdmin });
    assert.equal(inPrefecture.status, 404, 'without the header the tenant is the prefecture');
    const inFukushimaCity = await call(t, { method: 'GET', url: `${E}?type=Building`, headers: { ...prefectureAdmin, 'ngsild-tenant': FUKUSHIMA_CITY } });
    assert.deepEqual(inFukushimaCity.json, []);
    // The same id may exist in two tenants.
    const same = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:k1'), headers: { ...prefectureAdmin, 'ngsild-tenant': FUKUSHIMA_CITY } });
    assert.equal(same.status, 201);
  });

  it('should refuse another municipality\'s tenant (403) and writes by a read-only role', async () => {
    const aizuReads = await call(t, { method: 'GET', url: `${E}?type=Building`, headers: { ...aizuAdmin, 'ngsild-tenant': KORIYAMA } });
    assert.equal(aizuReads.status, 403);
    const auditorReads = await call(t, { method: 'GET', url: `${E}?type=Building`, headers: { ...koriyamaAuditor, 'ngsild-tenant': KORIYAMA } });
    assert.equal(auditorReads.status, 200);
    assert.equal(auditorReads.json.length, 1);
    const auditorWrites = await call(t, { method: 'DELETE', url: `${E}/urn:ngsi-ld:Building:k1`, headers: { ...koriyamaAuditor, 'ngsild-tenant': KORIYAMA } });
    assert.equal(auditorWrites.status, 403);
  });

  it('should guard the @context store: serving one is public, listing needs broker.read, adding broker.write, deleting broker.manage_tenants on the prefecture', async () => {
    const C = '/ngsi-ld/v1/jsonldContexts';
    const body = { '@context': { Shelter: 'https://example.org/disaster#Shelter' } };
    assert.equal((await call(t, { method: 'POST', url: C, body })).status, 401);
    assert.equal((await call(t, { method: 'POST', url: C, body, headers: { ...koriyamaAuditor, 'ngsild-tenant': KORIYAMA } })).status, 403);
    const added = await call(t, { method: 'POST', url: C, body, headers: { ...koriyamaPublisher, 'ngsild-tenant': KORIYAMA } });
    assert.equal(added.status, 201, added.body);
    const at = added.headers.location as string;
    // Clients and other brokers dereference the URL without credentials.
    const served = await call(t, { method: 'GET', url: at });
    assert.equal(served.status, 200);
    assert.deepEqual(served.json, body);
    assert.equal((await call(t, { method: 'GET', url: `${at}?details=true` })).status, 401);
    assert.equal((await call(t, { method: 'GET', url: C })).status, 401);
    const listed = await call(t, { method: 'GET', url: C, headers: { ...koriyamaAuditor, 'ngsild-tenant': KORIYAMA } });
    assert.equal(listed.status, 200);
    assert.ok(listed.json.some((url: string) => url.endsWith(at)));
    // Shared by every tenant: a municipality's administrator may not delete it, the prefecture's may.
    assert.equal((await call(t, { method: 'DELETE', url: at })).status, 401);
    assert.equal((await call(t, { method: 'DELETE', url: at, headers: { ...aizuAdmin, 'ngsild-tenant': '072028' } })).status, 403);
    assert.equal((await call(t, { method: 'DELETE', url: at, headers: prefectureAdmin })).status, 204);
    assert.equal((await call(t, { method: 'GET', url: at })).status, 404);
  });

  it('should refuse an @context larger than 1 MiB (413), though entity bodies may be larger, and store nothing', async () => {
    const C = '/ngsi-ld/v1/jsonldContexts';
    const terms = Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`term${i}`, `https://example.org/vocabulary/term${i}`]));
    const body = { '@context': terms };
    assert.ok(JSON.stringify(body).length > 1024 * 1024);
    const refused = await call(t, { method: 'POST', url: C, body, headers: prefectureAdmin });
    assert.equal(refused.status, 413, refused.body);
    assert.match(refused.json.type, /PayloadTooLarge$/);
    assert.match(refused.json.detail, /@context: at most 1 MiB/);
    const listed = await call(t, { method: 'GET', url: `${C}?kind=Hosted`, headers: prefectureAdmin });
    assert.ok(!listed.json.some((url: string) => url.includes('term')), 'nothing hosted');
    const before = listed.json.length;
    assert.equal((await call(t, { method: 'POST', url: C, body: { '@context': { small: 'https://example.org/small' } }, headers: prefectureAdmin })).status, 201);
    assert.equal((await call(t, { method: 'GET', url: `${C}?kind=Hosted`, headers: prefectureAdmin })).json.length, before + 1);
    // An entity body of the same size is within the broker's own limit (16 MiB by default).
    const big = { ...building('urn:ngsi-ld:Building:big'), note: { type: 'Property', value: 'x'.repeat(1_200_000) } };
    assert.equal((await call(t, { method: 'POST', url: E, body: big, headers: prefectureAdmin })).status, 201);
  });

  it('should answer NonexistentTenant for reads of an unknown tenant', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=Building`, headers: { ...prefectureAdmin, 'ngsild-tenant': 'openiot' } });
    assert.equal(res.status, 404);
    assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant');
  });

  it('should create a broker-only tenant on create, for a caller who may manage tenants only', async () => {
    const refused = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:o1'), headers: { ...koriyamaPublisher, 'ngsild-tenant': 'openiot' } });
    assert.equal(refused.status, 403);
    const created = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:o1'), headers: { ...prefectureAdmin, 'ngsild-tenant': 'openiot' } });
    assert.equal(created.status, 201, created.body);
    const read = await call(t, { method: 'GET', url: `${E}?type=Building`, headers: { ...prefectureAdmin, 'ngsild-tenant': 'openiot' } });
    assert.deepEqual(read.json.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Building:o1']);
    const badName = await call(t, { method: 'POST', url: E, body: building('urn:ngsi-ld:Building:o2'), headers: { ...prefectureAdmin, 'ngsild-tenant': 'bad tenant!' } });
    assert.equal(badName.status, 400);
  });
});
