// Clauses 5.9, 5.10, 6.8, 6.9: create, query, retrieve, update and delete context source
// registrations through the real HTTP server (inject) and database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { building, call } from '../../test/broker-test-app.ts';
import { REDACTED } from '../registration.ts';
import { brokerTestApp, type TestApp } from '../../test/broker-test-app.ts';
import { RegistrationStore } from '../registration-store.ts';

const R = '/ngsi-ld/v1/csourceRegistrations';
const DEFAULT = 'https://uri.etsi.org/ngsi-ld/default-context/';

function registration(extra: Record<string, unknown> = {}) {
  return {
    type: 'ContextSourceRegistration',
    information: [{ entities: [{ type: 'Shelter' }], propertyNames: ['capacity', 'name'] }],
    endpoint: 'http://aizu.example.org:1026',
    ...extra,
  };
}

describe('NGSI-LD context source registrations (clauses 5.9, 5.10, 6.8, 6.9)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  describe('6.8.3.1 register context source', () => {
    it('should answer 201 with a Location, generate an id, and read back compacted with the defaults', async () => {
      const created = await call(t, { method: 'POST', url: R, body: registration() });
      assert.equal(created.status, 201, created.body);
      const location = created.headers.location as string;
      assert.match(location, /^\/ngsi-ld\/v1\/csourceRegistrations\/urn%3Angsi-ld%3AContextSourceRegistration%3A[0-9a-f-]{36}$/);
      const got = await call(t, { method: 'GET', url: location });
      assert.equal(got.status, 200);
      assert.deepEqual(got.json, {
        id: decodeURIComponent(location.split('/').pop()!),
        type: 'ContextSourceRegistration',
        information: [{ entities: [{ type: 'Shelter' }], propertyNames: ['capacity', 'name'] }],
        endpoint: 'http://aizu.example.org:1026',
        mode: 'inclusive',
        timesSent: 0,
        timesFailed: 0,
      });
      const stored = await new RegistrationStore(t.ctx.db).get((await t.ctx.tenants.trees())[0]!.prefecture.lgCode, got.json.id);
      assert.deepEqual(stored!.body.information[0]!.entities![0]!.types, [`${DEFAULT}Shelter`]);
    });

    it('should keep a given id, refuse it a second time with 409 and show createdAt/modifiedAt with sysAttrs', async () => {
      const id = 'urn:ngsi-ld:ContextSourceRegistration:given';
      assert.equal((await call(t, { method: 'POST', url: R, body: registration({ id }) })).status, 201);
      const again = await call(t, { method: 'POST', url: R, body: registration({ id }) });
      assert.equal(again.status, 409);
      assert.equal(again.json.type, 'https://uri.etsi.org/ngsi-ld/errors/AlreadyExists');
      const got = await call(t, { method: 'GET', url: `${R}/${id}?options=sysAttrs` });
      assert.match(got.json.createdAt, /^\d{4}-\d{2}-\d{2}T/);
      assert.match(got.json.modifiedAt, /^\d{4}-\d{2}-\d{2}T/);
    });

    it('should refuse bad registrations with BadRequestData naming the member', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ ...registration(), type: 'Subscription' }, /type: must be "ContextSourceRegistration"/],
        [{ information: registration().information, endpoint: 'http://x.example' }, /type: is required/],
        [registration({ information: [] }), /information: must be a non-empty array/],
        [registration({ information: [{}] }), /information\[0\]: give at least one of/],
        [registration({ information: [{ entities: [{ id: 'urn:ngsi-ld:X:1' }] }] }), /information\[0\]\.entities\[0\]\.type: is required/],
        [registration({ information: [{ entities: [{ type: 'X', id: 'not a uri' }] }] }), /entities\[0\]\.id/],
        [registration({ information: [{ entities: [{ type: 'X', idPattern: '(' }] }] }), /idPattern/],
        [registration({ information: [{ propertyNames: [] }] }), /propertyNames: must be a non-empty array/],
        [registration({ endpoint: 'ftp://x.example' }), /endpoint: must be an http or https URL/],
        [registration({ endpoint: 'not a url' }), /endpoint: .* is not an absolute URL/],
        [registration({ endpoint: 'http://user:pw@x.example' }), /endpoint: must not carry credentials/],
        [{ type: 'ContextSourceRegistration', information: registration().information }, /endpoint: is required/],
        [registration({ mode: 'proxy' }), /mode: "proxy" is not/],
        [registration({ operations: ['fly'] }), /operations\[0\]: "fly"/],
        [registration({ mode: 'auxiliary', operations: ['createEntity'] }), /auxiliary registration may only offer/],
        [registration({ mode: 'exclusive' }), /exclusive registration must name entities by id/],
        [registration({ expiresAt: 'tomorrow' }), /expiresAt: "tomorrow" is not a DateTime/],
        [registration({ management: { timeout: 0 } }), /management\.timeout: must be a number greater than 0/],
        [registration({ management: { retries: 3 } }), /management: unknown member "retries"/],
        [registration({ contextSourceInfo: { key: 'a', value: 'b' } }), /contextSourceInfo: must be an array/],
        [registration({ contextSourceInfo: [{ key: 'NGSILD-Tenant', value: 'x' }] }), /registration's "tenant" member/],
        [registration({ contextSourceInfo: [{ key: 'Content-Length', value: '1' }] }), /belongs to the connection/],
        [registration({ contextSourceInfo: [{ key: 'accept', value: 'text/html' }] }), /accept must be application\/json/],
        [registration({ contextSourceInfo: [{ key: 'X-Key', value: 'a\r\nb' }] }), /must not contain line breaks/],
        [registration({ tenant: 'bad tenant' }), /tenant: must be a tenant name/],
        [registration({ location: { type: 'Point', coordinates: [200, 0] } }), /location/],
      ];
      for (const [body, detail] of cases) {
        const res = await call(t, { method: 'POST', url: R, body });
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.body}`);
        assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
        assert.match(res.json.detail, detail);
      }
    });

    it('should give an auxiliary registration retrieveOps when it names no operations', async () => {
      const id = 'urn:ngsi-ld:ContextSourceRegistration:aux';
      assert.equal((await call(t, { method: 'POST', url: R, body: registration({ id, mode: 'auxiliary' }) })).status, 201);
      const got = await call(t, { method: 'GET', url: `${R}/${id}` });
      assert.deepEqual(got.json.operations, ['retrieveOps']);
    });

    it('should expand names with the requester\'s inline @context and show full IRIs to a requester without it', async () => {
      const id = 'urn:ngsi-ld:ContextSourceRegistration:ctx';
      const body = {
        ...registration({ id, information: [{ entities: [{ type: 'EvacuationSite' }], propertyNames: ['capacity'] }] }),
        '@context': [{ EvacuationSite: 'https://example.org/disaster#EvacuationSite', capacity: 'https://example.org/disaster#capacity' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'],
      };
      const created = await call(t, { method: 'POST', url: R, body, headers: { 'content-type': 'application/ld+json' } });
      assert.equal(created.status, 201, created.body);
      const got = await call(t, { method: 'GET', url: `${R}/${id}` });
      assert.deepEqual(got.json.information, [{ entities: [{ type: 'https://example.org/disaster#EvacuationSite' }], propertyNames: ['https://example.org/disaster#capacity'] }]);
    });

    it('should refuse an exclusive registration over attributes the broker holds, and a redirect one over entities it holds, with 409', async () => {
      const local = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entities', body: building('urn:ngsi-ld:Building:held') });
      assert.equal(local.status, 201, local.body);
      const exclusive = await call(t, { method: 'POST', url: R, body: registration({ mode: 'exclusive', information: [{ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:held' }], propertyNames: ['height'] }] }) });
      assert.equal(exclusive.status, 409, exclusive.body);
      assert.equal(exclusive.json.type, 'https://uri.etsi.org/ngsi-ld/errors/Conflict');
      const redirect = await call(t, { method: 'POST', url: R, body: registration({ mode: 'redirect', information: [{ entities: [{ type: 'Building', idPattern: '^urn:ngsi-ld:Building:h' }] }] }) });
      assert.equal(redirect.status, 409, redirect.body);
      // Attributes the broker does not hold may be registered exclusively, but only once.
      const free = registration({ mode: 'exclusive', information: [{ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:held' }], propertyNames: ['energy'] }] });
      assert.equal((await call(t, { method: 'POST', url: R, body: free })).status, 201);
      assert.equal((await call(t, { method: 'POST', url: R, body: free })).status, 409);
      // Nor may a redirect registration take them over afterwards (4.3.6.3); other attributes it may.
      const redirected = await call(t, { method: 'POST', url: R, body: { ...free, mode: 'redirect' } });
      assert.equal(redirected.status, 409, redirected.body);
      assert.match(redirected.json.detail, /exclusive/);
      const other = registration({ mode: 'redirect', information: [{ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:held' }], propertyNames: ['solarPanels'] }] });
      assert.equal((await call(t, { method: 'POST', url: R, body: other })).status, 201);
    });
  });

  describe('6.8.3.2 query context source registrations', () => {
    before(async () => {
      await call(t, { method: 'POST', url: R, body: registration({ id: 'urn:ngsi-ld:ContextSourceRegistration:q-vehicle', information: [{ entities: [{ type: 'Vehicle' }], propertyNames: ['speed'] }, { entities: [{ type: 'Bus' }] }] }) });
      await call(t, { method: 'POST', url: R, body: registration({ id: 'urn:ngsi-ld:ContextSourceRegistration:q-bus-1', information: [{ entities: [{ type: 'Bus', id: 'urn:ngsi-ld:Bus:1' }] }] }) });
    });

    it('should select by type and answer only the matching information elements', async () => {
      const res = await call(t, { method: 'GET', url: `${R}?type=Bus` });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.map((r: { id: string }) => r.id), ['urn:ngsi-ld:ContextSourceRegistration:q-bus-1', 'urn:ngsi-ld:ContextSourceRegistration:q-vehicle']);
      const vehicle = res.json.find((r: { id: string }) => r.id.endsWith('q-vehicle'));
      assert.deepEqual(vehicle.information, [{ entities: [{ type: 'Bus' }] }]);
    });

    it('should select by attrs, id and idPattern, and count', async () => {
      const byAttr = await call(t, { method: 'GET', url: `${R}?type=Vehicle&attrs=speed&count=true` });
      assert.deepEqual(byAttr.json.map((r: { id: string }) => r.id), ['urn:ngsi-ld:ContextSourceRegistration:q-vehicle']);
      assert.equal(byAttr.headers['ngsild-results-count'], '1');
      const noAttr = await call(t, { method: 'GET', url: `${R}?type=Vehicle&attrs=colour` });
      assert.deepEqual(noAttr.json, []);
      const byId = await call(t, { method: 'GET', url: `${R}?type=Bus&id=urn:ngsi-ld:Bus:2` });
      assert.deepEqual(byId.json.map((r: { id: string }) => r.id), ['urn:ngsi-ld:ContextSourceRegistration:q-vehicle']);
      const byPattern = await call(t, { method: 'GET', url: `${R}?type=Bus&idPattern=^urn:ngsi-ld:Bus:1$` });
      assert.equal(byPattern.json.length, 2);
      const paged = await call(t, { method: 'GET', url: `${R}?type=Bus&limit=1&offset=1` });
      assert.deepEqual(paged.json.map((r: { id: string }) => r.id), ['urn:ngsi-ld:ContextSourceRegistration:q-vehicle']);
    });

    it('should select by a geo-query on location or another GeoProperty, and by scopeQ', async () => {
      const aizu = { type: 'Polygon', coordinates: [[[139.8, 37.4], [140.0, 37.4], [140.0, 37.6], [139.8, 37.6], [139.8, 37.4]]] };
      const osaka = { type: 'Point', coordinates: [135.5, 34.7] };
      for (const [id, location, scope] of [['geo-aizu', aizu, '/Fukushima/Aizu'], ['geo-osaka', osaka, '/Osaka']] as const) {
        const res = await call(t, { method: 'POST', url: R, body: registration({ id: `urn:ngsi-ld:ContextSourceRegistration:${id}`, information: [{ entities: [{ type: 'Dam' }] }], location, scope }) });
        assert.equal(res.status, 201, res.body);
      }
      const found = async (params: string) => {
        const res = await call(t, { method: 'GET', url: `${R}?type=Dam&${params}` });
        assert.equal(res.status, 200, res.body);
        return res.json.map((r: { id: string }) => r.id.split(':').pop());
      };
      const near = (metres: number) => `georel=${encodeURIComponent(`near;maxDistance==${metres}`)}&geometry=Point&coordinates=${encodeURIComponent('[139.93,37.49]')}`;
      assert.deepEqual(await found(near(1000)), ['geo-aizu'], '会津若松市役所 is inside the Aizu polygon');
      assert.deepEqual(await found(`georel=disjoint&geometry=Point&coordinates=${encodeURIComponent('[139.93,37.49]')}`), ['geo-osaka']);
      assert.deepEqual(await found(`${near(1000)}&geoproperty=observationSpace`), [], 'neither has an observationSpace');
      assert.deepEqual(await found('scopeQ=/Fukushima/%23'), ['geo-aizu']);
      assert.deepEqual(await found('scopeQ=/Osaka'), ['geo-osaka']);
      for (const [params, status, type] of [
        ['georel=foo&geometry=Point&coordinates=[1,2]', 400, 'BadRequestData'],
        [`${near(1000)}&geoproperty=capacity`, 400, 'BadRequestData'],
        ['timerel=during&timeAt=2000-01-01T00:00:00Z', 400, 'BadRequestData'],
        ['timerel=before&timeAt=2025-02-30T00:00:00Z', 400, 'BadRequestData'],
        ['timerel=between&timeAt=2000-01-01T00:00:00Z', 400, 'BadRequestData'],
      ] as const) {
        const res = await call(t, { method: 'GET', url: `${R}?type=Dam&${params}` });
        assert.equal(res.json.type, `https://uri.etsi.org/ngsi-ld/errors/${type}`, `${params}: ${res.body}`);
        assert.equal(res.status, status, params);
      }
    });

    it('should match a temporal query against observationInterval or managementInterval, and leave interval sources out of latest queries', async () => {
      const sources = [
        ['time-latest', {}],
        ['time-2024', { observationInterval: { startAt: '2024-01-01T00:00:00Z', endAt: '2025-01-01T00:00:00Z' } }],
        ['time-since-2025', { observationInterval: { startAt: '2025-01-01T00:00:00Z' } }],
        ['time-managed-2024', { managementInterval: { startAt: '2024-01-01T00:00:00Z', endAt: '2025-01-01T00:00:00Z' } }],
      ] as const;
      for (const [id, extra] of sources) {
        const res = await call(t, { method: 'POST', url: R, body: registration({ id: `urn:ngsi-ld:ContextSourceRegistration:${id}`, information: [{ entities: [{ type: 'RiverGauge' }] }], ...extra }) });
        assert.equal(res.status, 201, res.body);
      }
      const found = async (params: string) => {
        const res = await call(t, { method: 'GET', url: `${R}?type=RiverGauge${params}` });
        assert.equal(res.status, 200, res.body);
        return res.json.map((r: { id: string }) => r.id.split(':').pop()).sort();
      };
      assert.deepEqual(await found(''), ['time-latest'], 'without a temporal query only the source of latest values');
      assert.deepEqual(await found('&timerel=after&timeAt=2024-06-01T00:00:00Z'), ['time-2024']);
      assert.deepEqual(await found('&timerel=before&timeAt=2025-01-01T00:00:00Z'), ['time-2024', 'time-since-2025'], 'an end of the interval matches');
      assert.deepEqual(await found('&timerel=after&timeAt=2030-01-01T00:00:00Z'), ['time-since-2025'], 'an interval without endAt is open');
      assert.deepEqual(await found('&timerel=between&timeAt=2024-12-01T00:00:00Z&endTimeAt=2025-02-01T00:00:00Z'), ['time-2024', 'time-since-2025']);
      assert.deepEqual(await found('&timerel=between&timeAt=2023-01-01T00:00:00Z&endTimeAt=2024-01-01T00:00:00Z'), [], 'the upper bound is exclusive');
      assert.deepEqual(await found('&timerel=after&timeAt=2024-06-01T00:00:00Z&timeproperty=modifiedAt'), ['time-managed-2024'], 'system times test managementInterval');
      const listed = await call(t, { method: 'GET', url: `${R}?limit=1000` });
      assert.ok(['time-latest', 'time-2024'].every((id) => listed.json.some((r: { id: string }) => r.id.endsWith(id))), 'the bare listing shows every registration');
    });

    it('should list every registration without a filter', async () => {
      const res = await call(t, { method: 'GET', url: `${R}?limit=100` });
      assert.equal(res.status, 200);
      assert.ok(res.json.length >= 4);
    });
  });

  describe('6.9.3 retrieve, update and delete', () => {
    const id = 'urn:ngsi-ld:ContextSourceRegistration:crud';
    before(async () => {
      const res = await call(t, {
        method: 'POST',
        url: R,
        body: registration({ id, contextSourceInfo: [{ key: 'Authorization', value: 'Bearer s3cret' }, { key: 'X-Region', value: 'aizu' }, { key: 'X-User', value: 'urn:ngsi-ld:request' }] }),
      });
      assert.equal(res.status, 201, res.body);
    });

    it('should answer 404 ResourceNotFound for an unknown registration and 400 for an id that is not a URI', async () => {
      const missing = await call(t, { method: 'GET', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:none` });
      assert.equal(missing.status, 404);
      assert.equal(missing.json.type, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
      assert.equal((await call(t, { method: 'GET', url: `${R}/not%20a%20uri` })).status, 400);
      assert.equal((await call(t, { method: 'PATCH', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:none`, body: { endpoint: 'http://x.example' } })).status, 404);
      assert.equal((await call(t, { method: 'DELETE', url: `${R}/urn:ngsi-ld:ContextSourceRegistration:none` })).status, 404);
    });

    it('should never show credentials, and keep them when a client writes the redacted value back', async () => {
      const got = await call(t, { method: 'GET', url: `${R}/${id}` });
      assert.deepEqual(got.json.contextSourceInfo, [{ key: 'Authorization', value: REDACTED }, { key: 'X-Region', value: 'aizu' }, { key: 'X-User', value: 'urn:ngsi-ld:request' }]);
      const patched = await call(t, { method: 'PATCH', url: `${R}/${id}`, body: { contextSourceInfo: got.json.contextSourceInfo, description: '会津の避難所' } });
      assert.equal(patched.status, 204, patched.body);
      const tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
      const stored = await new RegistrationStore(t.ctx.db).get(tenant, id);
      assert.equal(stored!.body.contextSourceInfo![0]!.value, 'Bearer s3cret');
      assert.equal(stored!.body.description, '会津の避難所');
    });

    it('should update members, remove a member given as null, keep the rest, and refuse a changed id or bad value', async () => {
      const patched = await call(t, { method: 'PATCH', url: `${R}/${id}`, body: { endpoint: 'https://aizu.example.org/broker', expiresAt: '2030-01-01T00:00:00Z', description: null } });
      assert.equal(patched.status, 204, patched.body);
      const got = await call(t, { method: 'GET', url: `${R}/${id}` });
      assert.equal(got.json.endpoint, 'https://aizu.example.org/broker');
      assert.equal(got.json.expiresAt, '2030-01-01T00:00:00.000Z');
      assert.equal(got.json.description, undefined);
      assert.deepEqual(got.json.information, registration().information);
      const otherId = await call(t, { method: 'PATCH', url: `${R}/${id}`, body: { id: 'urn:ngsi-ld:ContextSourceRegistration:other' } });
      assert.equal(otherId.status, 400);
      const badMode = await call(t, { method: 'PATCH', url: `${R}/${id}`, body: { mode: 'exclusive' } });
      assert.equal(badMode.status, 400);
      assert.match(badMode.json.detail, /exclusive registration must name entities by id/);
      const removeEndpoint = await call(t, { method: 'PATCH', url: `${R}/${id}`, body: { endpoint: null } });
      assert.equal(removeEndpoint.status, 400);
    });

    it('should delete with 204, after which the registration is gone', async () => {
      assert.equal((await call(t, { method: 'DELETE', url: `${R}/${id}` })).status, 204);
      assert.equal((await call(t, { method: 'GET', url: `${R}/${id}` })).status, 404);
    });
  });
});
