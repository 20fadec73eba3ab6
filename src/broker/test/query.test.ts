// Clause 5.7.2 / 6.4.3.2 and 6.23: Query Entities by id, idPattern, type expressions, attrs, q,
// scopeQ and geo-queries; paging and counts; GeoJSON; discovery of types and attributes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { brokerTestApp, call, DEFAULT, type TestApp } from './broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';

// City halls of four Fukushima municipalities, with a few attributes to query on.
const halls = [
  { id: 'urn:ngsi-ld:CityHall:072010', name: '福島市役所', pop: 272000, zone: 'kenpoku', at: [140.4748, 37.7608], scope: '/Fukushima/Kenpoku' },
  { id: 'urn:ngsi-ld:CityHall:072036', name: '郡山市役所', pop: 316000, zone: 'kenchu', at: [140.3597, 37.4005], scope: '/Fukushima/Kenchu' },
  { id: 'urn:ngsi-ld:CityHall:072028', name: '会津若松市役所', pop: 113000, zone: 'aizu', at: [139.9298, 37.4947], scope: '/Fukushima/Aizu' },
  { id: 'urn:ngsi-ld:CityHall:072044', name: 'いわき市役所', pop: 325000, zone: 'iwaki', at: [140.8877, 37.0505], scope: '/Fukushima/Iwaki' },
];

const ids = (res: { json: Array<{ id: string }> }) => res.json.map((e) => e.id);

describe('NGSI-LD query entities (clause 6.4.3.2, 6.23)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
    const entities = halls.map((h) => ({
      id: h.id,
      type: ['CityHall', 'PublicBuilding'],
      scope: h.scope,
      name: { type: 'Property', value: h.name },
      population: { type: 'Property', value: h.pop, observedAt: '2026-10-01T00:00:00Z' },
      zone: { type: 'Property', value: h.zone },
      address: { type: 'Property', value: { addressRegion: '福島県', postalCode: h.zone === 'aizu' ? '965-8601' : '960-0000' } },
      municipality: { type: 'Relationship', object: `urn:ngsi-ld:Municipality:${h.id.slice(-6)}` },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: h.at } },
    }));
    entities.push({ id: 'urn:ngsi-ld:Park:1', type: ['Park'], location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.47, 37.76] } } } as never);
    const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/create', body: entities });
    assert.equal(res.status, 201, res.body);
  });
  after(() => t.close());

  it('should leave out a type made personal elsewhere from the very next query, though queries run on the version last seen', async () => {
    // A query assumes the tenant's version it saw last and its own statement checks it. The row
    // is written straight to the database, as another server process would, so nothing in this
    // process hears of it.
    const tenant = (await t.ctx.tenants.trees())[0]!.prefecture.lgCode;
    const park = async () => ids(await call(t, { method: 'GET', url: `${E}?type=Park` }));
    const parkByPost = async () => ids(await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', body: { type: 'Query', entities: [{ type: 'Park' }] } }));
    const counted = async () => (await call(t, { method: 'GET', url: `${E}?type=Park&count=true&limit=0` })).headers['ngsild-results-count'];
    assert.deepEqual(await park(), ['urn:ngsi-ld:Park:1']);
    assert.deepEqual(await parkByPost(), ['urn:ngsi-ld:Park:1']);
    await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values (${tenant}, ${`${DEFAULT}Park`}, 'elsewhere', 'owner')`.execute(t.ctx.db);
    assert.deepEqual(await park(), []);
    assert.deepEqual(await parkByPost(), []);
    assert.equal(await counted(), '0');
    await sql`delete from broker_personal_types where provider_id = 'elsewhere'`.execute(t.ctx.db);
    assert.deepEqual(await park(), ['urn:ngsi-ld:Park:1']);
    assert.equal(await counted(), '1');
  });

  it('should refuse a query with no filter at all', async () => {
    const res = await call(t, { method: 'GET', url: E });
    assert.equal(res.status, 400);
    assert.match(res.json.detail, /at least one of type/);
  });

  it('should select by type, type lists and type expressions', async () => {
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=CityHall` })).json.length, 4);
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=Park,CityHall` })).json.length, 5);
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=${encodeURIComponent('(CityHall;PublicBuilding)|Park')}` })).json.length, 5);
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=${encodeURIComponent('CityHall;Park')}` })).json.length, 0);
    const bad = await call(t, { method: 'GET', url: `${E}?type=${encodeURIComponent('(CityHall')}` });
    assert.equal(bad.status, 400);
  });

  it('should select by id list and idPattern, and refuse a broken pattern with 400', async () => {
    const byId = await call(t, { method: 'GET', url: `${E}?id=urn:ngsi-ld:CityHall:072036,urn:ngsi-ld:Park:1` });
    assert.deepEqual(ids(byId), ['urn:ngsi-ld:CityHall:072036', 'urn:ngsi-ld:Park:1']);
    const pattern = await call(t, { method: 'GET', url: `${E}?idPattern=${encodeURIComponent('^urn:ngsi-ld:CityHall:0720[13]')}` });
    assert.deepEqual(ids(pattern), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:CityHall:072036']);
    const broken = await call(t, { method: 'GET', url: `${E}?idPattern=${encodeURIComponent('([a-')}` });
    assert.equal(broken.status, 400);
  });

  it('should filter with q: comparisons, ranges, lists, regex, sub-attributes, compound values and relationships', async () => {
    const q = async (expr: string) => ids(await call(t, { method: 'GET', url: `${E}?type=CityHall&q=${encodeURIComponent(expr)}` }));
    assert.deepEqual(await q('population>300000'), ['urn:ngsi-ld:CityHall:072036', 'urn:ngsi-ld:CityHall:072044']);
    assert.deepEqual(await q('population==100000..280000'), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:CityHall:072028']);
    assert.deepEqual(await q('zone=="aizu","iwaki"'), ['urn:ngsi-ld:CityHall:072028', 'urn:ngsi-ld:CityHall:072044']);
    assert.deepEqual(await q('name~="^郡山"'), ['urn:ngsi-ld:CityHall:072036']);
    assert.deepEqual(await q('population<200000|zone=="kenpoku"'), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:CityHall:072028']);
    assert.deepEqual(await q('population>200000;zone!="kenchu"'), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:CityHall:072044']);
    assert.deepEqual(await q('address[postalCode]=="965-8601"'), ['urn:ngsi-ld:CityHall:072028']);
    assert.deepEqual(await q('municipality=="urn:ngsi-ld:Municipality:072044"'), ['urn:ngsi-ld:CityHall:072044']);
    assert.equal((await q('population.observedAt>=2026-09-01T00:00:00Z')).length, 4);
    assert.equal((await q('population.observedAt>2026-10-02T00:00:00Z')).length, 0);
  });

  it('should expand the values of the attributes named in expandValues with the requester’s @context, but not those in jsonKeys (clause 4.9)', async () => {
    // Opening status as schema.org IRIs; the requester's @context names them by short terms.
    const SCHEMA = 'https://schema.org/';
    const hosted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/jsonldContexts', body: { '@context': { Open: `${SCHEMA}OpenStatus`, Closed: `${SCHEMA}ClosedStatus` } } });
    assert.equal(hosted.status, 201, hosted.body);
    const link = `<${t.ctx.config.publicUrl}${hosted.headers.location}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;
    // In 福島市's tenant, so that discovery of the default tenant (below) does not see them.
    const tenant = { 'NGSILD-Tenant': '072010' };
    const made = await call(t, {
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/create',
      headers: tenant,
      body: [['Shelter:open', 'OpenStatus'], ['Shelter:closed', 'ClosedStatus']].map(([id, status]) => ({
        id: `urn:ngsi-ld:${id}`, type: 'Shelter', status: { type: 'Property', value: `${SCHEMA}${status}` },
      })),
    });
    assert.equal(made.status, 201, made.body);
    const q = async (query: string) => {
      const res = await call(t, { method: 'GET', url: `${E}?type=Shelter&${query}`, headers: { link, ...tenant } });
      assert.equal(res.status, 200, res.body);
      return ids(res);
    };
    assert.deepEqual(await q('q=status==Open&expandValues=status'), ['urn:ngsi-ld:Shelter:open']);
    assert.deepEqual(await q('q=status==Open,Closed&expandValues=status'), ['urn:ngsi-ld:Shelter:closed', 'urn:ngsi-ld:Shelter:open']);
    assert.deepEqual(await q('q=status!=Open&expandValues=status'), ['urn:ngsi-ld:Shelter:closed']);
    // Without expandValues, or with the attribute in jsonKeys, the value is compared as written.
    assert.deepEqual(await q('q=status==Open'), []);
    assert.deepEqual(await q('q=status==Open&expandValues=status&jsonKeys=status'), []);
    // The Query body of POST entityOperations/query carries it too; so does the temporal API.
    const posted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query', headers: { link, ...tenant }, body: { type: 'Query', entities: [{ type: 'Shelter' }], q: 'status==Closed', expandValues: 'status' } });
    assert.equal(posted.status, 200, posted.body);
    assert.deepEqual(ids(posted), ['urn:ngsi-ld:Shelter:closed']);
    const history = await call(t, { method: 'GET', url: `/ngsi-ld/v1/temporal/entities?type=Shelter&q=status==Closed&expandValues=status&timerel=after&timeAt=2000-01-01T00:00:00Z&timeproperty=createdAt`, headers: { link, ...tenant } });
    assert.equal(history.status, 200, history.body);
    assert.deepEqual(ids(history), ['urn:ngsi-ld:Shelter:closed']);

    const bad = await call(t, { method: 'GET', url: `${E}?type=Shelter&q=status==Open&expandValues=${encodeURIComponent('sta tus')}`, headers: tenant });
    assert.equal(bad.status, 400);
    assert.match(bad.json.detail, /^expandValues: "sta tus" is not a valid name/);
  });

  it('should answer a malformed q with 400 naming the problem, never a 500', async () => {
    for (const expr of ['population>', 'population>>3', '(zone=="a"', 'name~="("', "zone=='x'); drop table broker_entities; --"]) {
      const res = await call(t, { method: 'GET', url: `${E}?type=CityHall&q=${encodeURIComponent(expr)}` });
      assert.equal(res.status, 400, `${expr}: ${res.body}`);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    }
    assert.equal((await call(t, { method: 'GET', url: `${E}?type=CityHall` })).json.length, 4);
  });

  it('should filter by scopeQ', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?scopeQ=${encodeURIComponent('/Fukushima/Aizu,/Fukushima/Iwaki')}` });
    assert.deepEqual(ids(res), ['urn:ngsi-ld:CityHall:072028', 'urn:ngsi-ld:CityHall:072044']);
    const all = await call(t, { method: 'GET', url: `${E}?scopeQ=${encodeURIComponent('/Fukushima/#')}` });
    assert.equal(all.json.length, 4);
  });

  it('should answer near, within and disjoint geo-queries', async () => {
    // 10 km around Fukushima city hall: the hall and the park.
    const near = await call(t, { method: 'GET', url: `${E}?georel=${encodeURIComponent('near;maxDistance==10000')}&geometry=Point&coordinates=${encodeURIComponent('[140.4748,37.7608]')}` });
    assert.equal(near.status, 200, near.body);
    assert.deepEqual(ids(near), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:Park:1']);
    const far = await call(t, { method: 'GET', url: `${E}?type=CityHall&georel=${encodeURIComponent('near;minDistance==50000')}&geometry=Point&coordinates=${encodeURIComponent('[140.4748,37.7608]')}` });
    assert.deepEqual(ids(far), ['urn:ngsi-ld:CityHall:072028', 'urn:ngsi-ld:CityHall:072044']);
    // A box around the Nakadori (central) part of the prefecture.
    const box = JSON.stringify([[[140.2, 37.3], [140.6, 37.3], [140.6, 37.9], [140.2, 37.9], [140.2, 37.3]]]);
    const within = await call(t, { method: 'GET', url: `${E}?type=CityHall&georel=within&geometry=Polygon&coordinates=${encodeURIComponent(box)}` });
    assert.deepEqual(ids(within), ['urn:ngsi-ld:CityHall:072010', 'urn:ngsi-ld:CityHall:072036']);
    const disjoint = await call(t, { method: 'GET', url: `${E}?type=CityHall&georel=disjoint&geometry=Polygon&coordinates=${encodeURIComponent(box)}` });
    assert.deepEqual(ids(disjoint), ['urn:ngsi-ld:CityHall:072028', 'urn:ngsi-ld:CityHall:072044']);
    const bad = await call(t, { method: 'GET', url: `${E}?type=CityHall&georel=near&geometry=Point&coordinates=${encodeURIComponent('[140.4]')}` });
    assert.equal(bad.status, 400);
  });

  it('should page with limit and offset, count with count=true, and refuse a limit over 1000', async () => {
    const first = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=3&count=true` });
    assert.equal(first.json.length, 3);
    assert.equal(first.headers['ngsild-results-count'], '4');
    const second = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=3&offset=3` });
    assert.deepEqual(ids(second), ['urn:ngsi-ld:CityHall:072044']);
    // Pointers to the next and previous pages (5.5.9.1), beside the @context Link.
    const links = (res: { headers: Record<string, unknown> }) => Object.fromEntries([...String(res.headers.link).matchAll(/<([^>]*)>;\s*rel="(next|prev)"/g)].map((m) => [m[2], m[1]]));
    assert.deepEqual(links(first), { next: `${E}?type=CityHall&limit=3&count=true&offset=3` });
    assert.match(String(first.headers.link), /json-ld#context/);
    assert.deepEqual(links(second), { prev: `${E}?type=CityHall&limit=3&offset=0` }, 'the last page has only a pointer back');
    const middle = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=1&offset=1` });
    const pointers = links(middle);
    assert.deepEqual(Object.keys(pointers).sort(), ['next', 'prev']);
    const third = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=1&offset=2` });
    assert.deepEqual(ids(await call(t, { method: 'GET', url: pointers.next! })), ids(third), 'the pointer needs nothing more');
    const everyType = await call(t, { method: 'GET', url: `${E}?type=*&q=zone==%22kenpoku%22&count=true` });
    assert.equal(everyType.status, 200, everyType.body);
    assert.ok(everyType.json.length > 0 && everyType.json.every((e: { zone: { value: string } }) => e.zone.value === 'kenpoku'), 'type=* is every type');
    const anyType = await call(t, { method: 'GET', url: `${E}?q=zone==%22kenpoku%22&count=true` });
    assert.equal(everyType.headers['ngsild-results-count'], anyType.headers['ngsild-results-count']);
    const onlyCount = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=0&count=true` });
    assert.deepEqual(onlyCount.json, []);
    assert.equal(onlyCount.headers['ngsild-results-count'], '4');
    const tooMany = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=1001` });
    assert.equal(tooMany.status, 403);
    assert.equal(tooMany.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults');
    const bad = await call(t, { method: 'GET', url: `${E}?type=CityHall&limit=ten` });
    assert.equal(bad.status, 400);
  });

  it('should select attributes with attrs and omit, and filter entities that have none of attrs', async () => {
    const picked = await call(t, { method: 'GET', url: `${E}?type=CityHall&attrs=zone&options=keyValues&limit=1` });
    assert.deepEqual(picked.json, [{ id: 'urn:ngsi-ld:CityHall:072010', type: ['CityHall', 'PublicBuilding'], scope: '/Fukushima/Kenpoku', zone: 'kenpoku' }]);
    const omitted = await call(t, { method: 'GET', url: `${E}?id=urn:ngsi-ld:CityHall:072010&omit=address,location,municipality,population&options=keyValues` });
    assert.deepEqual(Object.keys(omitted.json[0]).sort(), ['id', 'name', 'scope', 'type', 'zone']);
    const having = await call(t, { method: 'GET', url: `${E}?attrs=zone` });
    assert.equal(having.json.length, 4, 'the park has no zone');
  });

  it('should project with pick and omit as clause 4.21 says: , or | between names, and id, type and scope as members', async () => {
    const get = async (params: string) => {
      const res = await call(t, { method: 'GET', url: `${E}?id=urn:ngsi-ld:CityHall:072010&options=keyValues&${params}` });
      assert.equal(res.status, 200, res.body);
      return res.json[0];
    };
    assert.deepEqual(await get('pick=zone|population'), { population: 272000, zone: 'kenpoku' });
    assert.deepEqual(await get('pick=id,zone'), { id: 'urn:ngsi-ld:CityHall:072010', zone: 'kenpoku' });
    assert.deepEqual(Object.keys(await get('omit=type|scope,address,location,municipality')).sort(), ['id', 'name', 'population', 'zone']);
    const posted = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/query?options=keyValues', body: { type: 'Query', entities: [{ id: 'urn:ngsi-ld:CityHall:072010' }], pick: ['id', 'name'] } });
    assert.deepEqual(posted.json, [{ id: 'urn:ngsi-ld:CityHall:072010', name: '福島市役所' }]);
    const one = await call(t, { method: 'GET', url: `${E}/urn:ngsi-ld:CityHall:072010?options=keyValues&pick=type|zone` });
    assert.deepEqual(one.json, { type: ['CityHall', 'PublicBuilding'], zone: 'kenpoku' });
    const linked = await call(t, { method: 'GET', url: `${E}?type=CityHall&pick=${encodeURIComponent('municipality{name}')}` });
    assert.equal(linked.json.type, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported', linked.body);
    const empty = await call(t, { method: 'GET', url: `${E}?type=CityHall&pick=${encodeURIComponent(',|')}` });
    assert.equal(empty.status, 400);
  });

  it('should answer GeoJSON for Accept: application/geo+json', async () => {
    const res = await call(t, { method: 'GET', url: `${E}?type=CityHall&attrs=name&options=keyValues&limit=1`, headers: { accept: 'application/geo+json' } });
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/geo\+json/);
    assert.equal(res.json.type, 'FeatureCollection');
    assert.deepEqual(res.json.features[0], {
      id: 'urn:ngsi-ld:CityHall:072010',
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [140.4748, 37.7608] },
      properties: { type: ['CityHall', 'PublicBuilding'], scope: '/Fukushima/Kenpoku', name: '福島市役所' },
    });
  });

  it('should answer POST entityOperations/query like GET /entities', async () => {
    const res = await call(t, {
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/query?count=true',
      body: { type: 'Query', entities: [{ type: 'CityHall' }], q: 'population>300000', attrs: ['zone'] },
    });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(ids(res), ['urn:ngsi-ld:CityHall:072036', 'urn:ngsi-ld:CityHall:072044']);
    assert.equal(res.headers['ngsild-results-count'], '2');
  });

  describe('discovery (clause 6.25–6.28)', () => {
    it('should list types and attributes, with details', async () => {
      const types = await call(t, { method: 'GET', url: '/ngsi-ld/v1/types' });
      assert.equal(types.json.type, 'EntityTypeList');
      assert.deepEqual(types.json.typeList, ['CityHall', 'Park', 'PublicBuilding']);
      const detail = await call(t, { method: 'GET', url: '/ngsi-ld/v1/types/CityHall' });
      assert.equal(detail.json.entityCount, 4);
      const municipality = detail.json.attributeDetails.find((a: { attributeName: string }) => a.attributeName === 'municipality');
      assert.deepEqual(municipality.attributeTypes, ['Relationship']);
      assert.equal((await call(t, { method: 'GET', url: '/ngsi-ld/v1/types/Nothing' })).status, 404);
      const attrs = await call(t, { method: 'GET', url: '/ngsi-ld/v1/attributes' });
      assert.ok(attrs.json.attributeList.includes('population'));
      assert.ok(attrs.json.attributeList.includes('location'));
      const location = await call(t, { method: 'GET', url: '/ngsi-ld/v1/attributes/location' });
      assert.equal(location.json.attributeCount, 5);
      assert.deepEqual(location.json.typeNames, ['CityHall', 'Park', 'PublicBuilding']);
    });

    it('should add what registered sources may hold (clause 5.7.11) unless local=true, and never show personal types', async () => {
      // 郡山市: one local entity, a source registered for air quality, and a personal type.
      const tenant = { 'NGSILD-Tenant': '072036' };
      const get = async (url: string) => {
        const res = await call(t, { method: 'GET', url: `/ngsi-ld/v1/${url}`, headers: tenant });
        assert.equal(res.status, 200, res.body);
        return res.json;
      };
      const made = await call(t, { method: 'POST', url: E, headers: tenant, body: { id: 'urn:ngsi-ld:Shelter:k1', type: 'Shelter', capacity: { type: 'Property', value: 80 } } });
      assert.equal(made.status, 201, made.body);
      const personal = await call(t, { method: 'POST', url: E, headers: tenant, body: { id: 'urn:ngsi-ld:CareRecord:1', type: 'CareRecord', careLevel: { type: 'Property', value: 2 }, capacity: { type: 'Property', value: 1 } } });
      assert.equal(personal.status, 201, personal.body);
      await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values ('072036', ${`${DEFAULT}CareRecord`}, 'discovery-test', 'owner')`.execute(t.ctx.db);
      const registration = await call(t, {
        method: 'POST',
        url: '/ngsi-ld/v1/csourceRegistrations',
        headers: tenant,
        body: {
          type: 'ContextSourceRegistration',
          information: [
            { entities: [{ type: 'AirQualityObserved' }], propertyNames: ['pm25', 'capacity'], relationshipNames: ['refDevice'] },
            { entities: [{ type: 'CareRecord' }], propertyNames: ['diagnosis'] },
          ],
          endpoint: 'http://127.0.0.1:9/unreachable',
        },
      });
      assert.equal(registration.status, 201, registration.body);

      assert.deepEqual((await get('types')).typeList, ['AirQualityObserved', 'Shelter']);
      // The source is asked too (5.7.11); it cannot be reached, which the answer says.
      const warned = await call(t, { method: 'GET', url: '/ngsi-ld/v1/types', headers: tenant });
      assert.match(String(warned.headers['ngsild-warning']), /127\.0\.0\.1:9\/unreachable/);
      assert.deepEqual((await get('types?local=true')).typeList, ['Shelter']);
      assert.deepEqual((await get('types?details=true')).map((e: { typeName: string; attributeNames: string[] }) => [e.typeName, e.attributeNames]),
        [['AirQualityObserved', ['capacity', 'pm25', 'refDevice']], ['Shelter', ['capacity']]]);
      const air = await get('types/AirQualityObserved');
      assert.equal(air.entityCount, 0, 'nothing is stored here');
      assert.deepEqual(air.attributeDetails.map((a: { attributeName: string; attributeTypes: string[] }) => [a.attributeName, a.attributeTypes]),
        [['capacity', ['Property']], ['pm25', ['Property']], ['refDevice', ['Relationship']]]);
      assert.deepEqual((await get('attributes')).attributeList, ['capacity', 'pm25', 'refDevice']);
      const capacity = await get('attributes/capacity');
      assert.equal(capacity.attributeCount, 1, 'the Shelter; the personal CareRecord is not counted');
      assert.deepEqual(capacity.typeNames, ['AirQualityObserved', 'Shelter']);
      assert.deepEqual((await get('attributes?details=true&local=true')).map((a: { attributeName: string }) => a.attributeName), ['capacity']);
      for (const url of ['types/CareRecord', 'attributes/careLevel', 'attributes/diagnosis', 'types/AirQualityObserved?local=true']) {
        const res = await call(t, { method: 'GET', url: `/ngsi-ld/v1/${url}`, headers: tenant });
        assert.equal(res.status, 404, `${url}: ${res.body}`);
      }
      const bad = await call(t, { method: 'GET', url: '/ngsi-ld/v1/types?local=yes', headers: tenant });
      assert.equal(bad.status, 400);
      assert.match(bad.json.detail, /^local: must be true or false/);
      await sql`delete from broker_personal_types where provider_id = 'discovery-test'`.execute(t.ctx.db);
    });
  });
});
