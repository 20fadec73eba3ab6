// Clause 5.15.1 / 6.33, Retrieve Context Source Identity Information: GET /info/sourceIdentity
// answers a ContextSourceIdentity (5.2.40) whose contextSourceAlias is the name this broker puts
// in Via when it forwards a request, so another broker's loop detection (5.12) can use it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { contextSourceId, isoDuration } from '../http/info-routes.ts';
import { brokerTestApp, call, CORE, type TestApp } from './broker-test-app.ts';

const I = '/ngsi-ld/v1/info/sourceIdentity';
const PUBLIC_URL = 'https://broker.pref.fukushima.example';
const KORIYAMA = '072036';
// RFC 8141: urn:<NID>:<NSS>, the NSS of pchar and "/" (no brackets, spaces, …).
const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+$/;
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds in a duration of the shape isoDuration makes (days, hours, minutes, seconds). */
function seconds(duration: string): number {
  const m = DURATION.exec(duration);
  assert.ok(m && duration !== 'P' && !duration.endsWith('T'), `not an ISO 8601 duration: ${duration}`);
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

describe('Retrieve Context Source Identity Information (clause 5.15.1, 6.33)', () => {
  let t: TestApp;
  let prefectureAdmin: Record<string, string>;
  let koriyamaAuditor: Record<string, string>;
  let aizuAdmin: Record<string, string>;
  let prefecture: string;
  before(async () => {
    t = await brokerTestApp({ brokerAuth: true, publicUrl: PUBLIC_URL });
    prefecture = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    prefectureAdmin = (await tokenWithRole(t.ctx, 'pref', 'municipal_admin', { level: 'prefecture', prefectureCode: prefecture })).headers;
    koriyamaAuditor = (await tokenWithRole(t.ctx, 'ka', 'auditor', { level: 'municipality', prefectureCode: prefecture, lgCode: KORIYAMA })).headers;
    aizuAdmin = (await tokenWithRole(t.ctx, 'aa', 'municipal_admin', { level: 'municipality', prefectureCode: prefecture, lgCode: '072028' })).headers;
  });
  after(() => t.close());

  it('should answer a ContextSourceIdentity naming this broker by its public host', async () => {
    const before = Date.now();
    const res = await call(t, { method: 'GET', url: I, headers: prefectureAdmin });
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.equal(res.headers.link, `<${CORE}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    const body = res.json;
    assert.deepEqual(Object.keys(body).sort(), ['contextSourceAlias', 'contextSourceExtras', 'contextSourceTimeAt', 'contextSourceUptime', 'id', 'type']);
    assert.equal(body.type, 'ContextSourceIdentity');
    assert.equal(body.contextSourceAlias, 'broker.pref.fukushima.example');
    assert.equal(body.id, 'urn:ngsi-ld:ContextSource:broker.pref.fukushima.example');
    assert.match(body.id, URN);
    // Current time at the source, as an ISO 8601 DateTime.
    assert.match(body.contextSourceTimeAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const at = Date.parse(body.contextSourceTimeAt);
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000, `contextSourceTimeAt ${body.contextSourceTimeAt} is not now`);
    // Uptime: how long this process has run (the test app runs in the test's process).
    const up = seconds(body.contextSourceUptime);
    assert.ok(Math.abs(up - process.uptime()) < 5, `contextSourceUptime ${body.contextSourceUptime} vs process uptime ${process.uptime()} s`);
    // Raw JSON configuration, nothing secret: the tenant answered for is the prefecture without NGSILD-Tenant.
    assert.deepEqual(body.contextSourceExtras, { software: 'Tsunagu', ngsildVersion: '1.9.1', tenant: prefecture });
  });

  it('should give the @context inline with application/ld+json, and refuse GeoJSON with 406', async () => {
    const ld = await call(t, { method: 'GET', url: I, headers: { ...prefectureAdmin, accept: 'application/ld+json' } });
    assert.equal(ld.status, 200, ld.body);
    assert.match(ld.headers['content-type'] as string, /^application\/ld\+json/);
    assert.equal(ld.json['@context'], CORE);
    assert.equal(ld.json.type, 'ContextSourceIdentity');
    assert.equal(ld.headers.link, undefined);
    const geo = await call(t, { method: 'GET', url: I, headers: { ...prefectureAdmin, accept: 'application/geo+json' } });
    assert.equal(geo.status, 406, geo.body);
    assert.equal(geo.json.type, 'https://tsunagu.example/problems/ngsi-ld/NotAcceptable');
  });

  it('should answer for the tenant NGSILD-Tenant names, and NonexistentTenant for an unknown one', async () => {
    const koriyama = await call(t, { method: 'GET', url: I, headers: { ...koriyamaAuditor, 'ngsild-tenant': KORIYAMA } });
    assert.equal(koriyama.status, 200, koriyama.body);
    assert.equal(koriyama.json.contextSourceExtras.tenant, KORIYAMA);
    assert.equal(koriyama.json.contextSourceAlias, 'broker.pref.fukushima.example');
    const unknown = await call(t, { method: 'GET', url: I, headers: { ...prefectureAdmin, 'ngsild-tenant': 'no-such-tenant' } });
    assert.equal(unknown.status, 404, unknown.body);
    assert.equal(unknown.json.type, 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant');
  });

  it('should need broker.read on the tenant, as other reads do (401 without credentials, 403 for another municipality)', async () => {
    const anonymous = await call(t, { method: 'GET', url: I });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers['www-authenticate'] as string, /^Bearer/);
    const other = await call(t, { method: 'GET', url: I, headers: { ...aizuAdmin, 'ngsild-tenant': KORIYAMA } });
    assert.equal(other.status, 403);
  });

  it('should answer as contextSourceAlias the name a forwarded request carries in Via, and not forward a request that already passed it', async () => {
    const alias = (await call(t, { method: 'GET', url: I, headers: prefectureAdmin })).json.contextSourceAlias;
    assert.equal(alias, new URL(t.ctx.config.publicUrl).host);
    const seen: Array<http.IncomingHttpHeaders> = [];
    const source = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    const port = await freePort(6100, 6120);
    await new Promise<void>((resolve) => source.listen(port, '127.0.0.1', resolve));
    try {
      const reg = await call(t, {
        method: 'POST',
        url: '/ngsi-ld/v1/csourceRegistrations',
        headers: prefectureAdmin,
        body: { type: 'ContextSourceRegistration', information: [{ entities: [{ type: 'Shelter' }] }], endpoint: `http://127.0.0.1:${port}` },
      });
      assert.equal(reg.status, 201, reg.body);
      const query = await call(t, { method: 'GET', url: '/ngsi-ld/v1/entities?type=Shelter', headers: prefectureAdmin });
      assert.equal(query.status, 200, query.body);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.via, `1.1 ${alias}`);
      // Loop detection (5.12): a request whose Via already names this alias goes no further.
      const looped = await call(t, { method: 'GET', url: '/ngsi-ld/v1/entities?type=Shelter', headers: { ...prefectureAdmin, via: `1.1 ${alias}` } });
      assert.equal(looped.status, 200, looped.body);
      assert.equal(seen.length, 1);
    } finally {
      await new Promise((resolve) => source.close(resolve));
    }
  });

  it('should write the uptime as an ISO 8601 duration and the id as a valid URI whatever the host', () => {
    assert.equal(isoDuration(0), 'PT0S');
    assert.equal(isoDuration(3723.5), 'PT1H2M3.5S');
    assert.equal(isoDuration(86400), 'P1D');
    assert.equal(isoDuration(90061.25), 'P1DT1H1M1.25S');
    assert.equal(isoDuration(120.0004), 'PT2M');
    const ipv6 = contextSourceId('[::1]:3000');
    assert.equal(ipv6, 'urn:ngsi-ld:ContextSource:%5B::1%5D:3000');
    assert.match(ipv6, URN);
  });
});
