// Clause 5.6.11–5.6.16, 5.7.3–5.7.4, 6.18–6.22: the temporal API through the real HTTP server
// (inject) and database. History comes from ordinary entity writes (recorded on every change)
// and from the temporal API's own writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { call } from '../../test/broker-test-app.ts';
import { brokerTestApp, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const T = '/ngsi-ld/v1/temporal/entities';
const BAD = 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData';
const NOT_FOUND = 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound';

function sensor(id: string, temperature: number, observedAt: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: 'Sensor',
    temperature: { type: 'Property', value: temperature, observedAt, unitCode: 'CEL' },
    name: { type: 'Property', value: `Sensor ${id.split(':').pop()}` },
    ...extra,
  };
}

async function observe(t: TestApp, id: string, temperature: number, observedAt: string) {
  const res = await call(t, { method: 'PATCH', url: `${E}/${id}/attrs`, body: { temperature: { type: 'Property', value: temperature, observedAt, unitCode: 'CEL' } } });
  assert.equal(res.status, 204, res.body);
}

describe('NGSI-LD temporal API', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  describe('history recorded on every entity write (4.5.7)', () => {
    const id = 'urn:ngsi-ld:Sensor:h1';
    before(async () => {
      assert.equal((await call(t, { method: 'POST', url: E, body: sensor(id, 10, '2026-01-01T00:00:00Z') })).status, 201);
      await observe(t, id, 11, '2026-01-01T01:00:00Z');
      await observe(t, id, 12, '2026-01-01T02:00:00Z');
    });

    it('should answer every written instance in time order, each with an instanceId and observedAt, and leave untouched attributes alone', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}` });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.id, id);
      assert.equal(res.json.type, 'Sensor');
      const temperature = res.json.temperature;
      assert.deepEqual(temperature.map((i: any) => [i.type, i.value, i.observedAt, i.unitCode]), [
        ['Property', 10, '2026-01-01T00:00:00.000Z', 'CEL'],
        ['Property', 11, '2026-01-01T01:00:00.000Z', 'CEL'],
        ['Property', 12, '2026-01-01T02:00:00.000Z', 'CEL'],
      ]);
      for (const instance of temperature) assert.match(instance.instanceId, /^urn:ngsi-ld:attribute:instance:[0-9a-f-]{36}$/);
      assert.equal(new Set(temperature.map((i: any) => i.instanceId)).size, 3);
      assert.equal(res.json.name.length, 1, 'name was written once');
      assert.match(res.headers.link as string, /ngsi-ld-core-context/);
    });

    it('should record a repeated value as a new data point (the instance was written again)', async () => {
      await observe(t, id, 12, '2026-01-01T03:00:00Z');
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&options=temporalValues` });
      assert.deepEqual(res.json.temperature, {
        type: 'Property',
        values: [
          [10, '2026-01-01T00:00:00.000Z'],
          [11, '2026-01-01T01:00:00.000Z'],
          [12, '2026-01-01T02:00:00.000Z'],
          [12, '2026-01-01T03:00:00.000Z'],
        ],
      });
      assert.equal(res.json.name, undefined, 'attrs projects the answer');
    });

    it('should record a deleted attribute as an instance with value urn:ngsi-ld:null and deletedAt, and keep the history after the entity is deleted', async () => {
      const other = 'urn:ngsi-ld:Sensor:h2';
      await call(t, { method: 'POST', url: E, body: sensor(other, 5, '2026-01-02T00:00:00Z', { status: { type: 'Relationship', object: 'urn:ngsi-ld:Status:ok' } }) });
      assert.equal((await call(t, { method: 'DELETE', url: `${E}/${other}/attrs/status` })).status, 204);
      const afterAttr = await call(t, { method: 'GET', url: `${T}/${other}?attrs=status` });
      assert.equal(afterAttr.json.status.length, 2);
      const marker = afterAttr.json.status[1];
      assert.equal(marker.type, 'Relationship');
      assert.equal(marker.object, 'urn:ngsi-ld:null');
      assert.ok(Date.parse(marker.deletedAt) > 0, 'deletedAt is a DateTime');

      assert.equal((await call(t, { method: 'DELETE', url: `${E}/${other}` })).status, 204);
      assert.equal((await call(t, { method: 'GET', url: `${E}/${other}` })).status, 404);
      const history = await call(t, { method: 'GET', url: `${T}/${other}` });
      assert.equal(history.status, 200, 'history outlives the entity');
      assert.deepEqual(history.json.temperature.map((i: any) => i.value), [5, 'urn:ngsi-ld:null']);
      assert.deepEqual(history.json.name.map((i: any) => i.value), ['Sensor h2', 'urn:ngsi-ld:null']);
      // Only the deletions, by their deletedAt.
      const deletions = await call(t, { method: 'GET', url: `${T}/${other}?timeproperty=deletedAt&timerel=after&timeAt=2020-01-01T00:00:00Z` });
      assert.equal(deletions.status, 200);
      for (const name of ['temperature', 'name', 'status']) {
        assert.ok(deletions.json[name].every((i: any) => i.deletedAt), `${name}: only deletion markers`);
      }
    });

    it('should record one instance per entity and attribute of a batch upsert of 1,000 entities', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => sensor(`urn:ngsi-ld:Sensor:b${String(i).padStart(4, '0')}`, i, '2026-02-01T00:00:00Z'));
      const res = await call(t, { method: 'POST', url: '/ngsi-ld/v1/entityOperations/upsert', body: batch });
      assert.equal(res.status, 201, res.body);
      const counted = await sql<{ n: number }>`select count(*)::int as n from broker_attribute_instances where entity_id like 'urn:ngsi-ld:Sensor:b%'`.execute(t.ctx.db);
      assert.equal(counted.rows[0]!.n, 2000);
      const query = await call(t, { method: 'GET', url: `${T}?type=Sensor&idPattern=Sensor:b&timerel=after&timeAt=2026-02-01T00:00:00Z&count=true&limit=2&lastN=1` });
      assert.equal(query.status, 200, query.body);
      assert.equal(query.headers['ngsild-results-count'], '1000');
      assert.deepEqual(query.json.map((e: any) => e.id), ['urn:ngsi-ld:Sensor:b0000', 'urn:ngsi-ld:Sensor:b0001']);
      // A pointer to the next page (5.5.9.1), which reads on where this one stopped.
      const next = /<([^>]*)>;\s*rel="next"/.exec(String(query.headers.link))?.[1];
      assert.ok(next, String(query.headers.link));
      assert.deepEqual((await call(t, { method: 'GET', url: next })).json.map((e: any) => e.id), ['urn:ngsi-ld:Sensor:b0002', 'urn:ngsi-ld:Sensor:b0003']);
      // type=* is every type.
      const every = await call(t, { method: 'GET', url: `${T}?type=*&idPattern=Sensor:b&timerel=after&timeAt=2026-02-01T00:00:00Z&count=true&limit=1&lastN=1` });
      assert.equal(every.headers['ngsild-results-count'], '1000');
    });
  });

  describe('temporal query (4.11), lastN and representations', () => {
    const id = 'urn:ngsi-ld:Sensor:q1';
    before(async () => {
      await call(t, { method: 'POST', url: E, body: sensor(id, 1, '2026-03-01T00:00:00Z') });
      for (let h = 1; h < 6; h++) await observe(t, id, h + 1, `2026-03-01T0${h}:00:00Z`);
    });

    const values = async (query: string) => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&${query}` });
      assert.equal(res.status, 200, res.body);
      return (res.json.temperature ?? []).map((i: any) => i.value);
    };

    it('should treat before as exclusive, after as inclusive and between as [timeAt, endTimeAt)', async () => {
      assert.deepEqual(await values('timerel=before&timeAt=2026-03-01T02:00:00Z'), [1, 2]);
      assert.deepEqual(await values('timerel=after&timeAt=2026-03-01T04:00:00Z'), [5, 6]);
      assert.deepEqual(await values('timerel=between&timeAt=2026-03-01T01:00:00Z&endTimeAt=2026-03-01T03:00:00Z'), [2, 3]);
      assert.deepEqual(await values('timerel=between&timeAt=2026-03-01T01:00:00%2B09:00&endTimeAt=2026-03-01T09:30:00%2B09:00'), [1]);
    });

    it('should give the last n instances within the interval, still in ascending order', async () => {
      assert.deepEqual(await values('lastN=2'), [5, 6]);
      assert.deepEqual(await values('timerel=before&timeAt=2026-03-01T03:00:00Z&lastN=2'), [2, 3]);
    });

    it('should select instances by createdAt or modifiedAt when asked, and show that time property', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&timeproperty=modifiedAt&timerel=after&timeAt=2020-01-01T00:00:00Z&lastN=1` });
      assert.equal(res.json.temperature.length, 1);
      assert.equal(res.json.temperature[0].value, 6);
      assert.ok(Date.parse(res.json.temperature[0].modifiedAt) > Date.parse('2026-01-01T00:00:00Z') || Date.parse(res.json.temperature[0].modifiedAt) > 0);
      const none = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&timeproperty=createdAt&timerel=before&timeAt=2000-01-01T00:00:00Z` });
      assert.equal(none.status, 200);
      assert.equal(none.json.temperature, undefined);
    });

    it('should show sysAttrs, concise instances, and pick/omit entity members', async () => {
      const sys = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&lastN=1&options=sysAttrs` });
      assert.ok(sys.json.createdAt && sys.json.modifiedAt);
      assert.ok(sys.json.temperature[0].createdAt && sys.json.temperature[0].modifiedAt);
      const concise = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&lastN=1&format=concise` });
      assert.equal(concise.json.temperature[0].type, undefined);
      assert.equal(concise.json.temperature[0].value, 6);
      const picked = await call(t, { method: 'GET', url: `${T}/${id}?pick=id,name` });
      assert.deepEqual(Object.keys(picked.json).sort(), ['id', 'name']);
      const omitted = await call(t, { method: 'GET', url: `${T}/${id}?omit=type,temperature` });
      assert.deepEqual(Object.keys(omitted.json).sort(), ['id', 'name']);
    });

    it('should aggregate per period (4.5.19): avg, sum, min, max, totalCount, distinctCount, stddev, sumsq', async () => {
      const res = await call(t, {
        method: 'GET',
        url: `${T}/${id}?attrs=temperature&options=aggregatedValues&aggrMethods=avg,sum,min,max,totalCount,distinctCount,sumsq,stddev&aggrPeriodDuration=PT3H&timerel=between&timeAt=2026-03-01T00:00:00Z&endTimeAt=2026-03-01T06:00:00Z`,
      });
      assert.equal(res.status, 200, res.body);
      const a = res.json.temperature;
      assert.equal(a.type, 'Property');
      const p1 = ['2026-03-01T00:00:00.000Z', '2026-03-01T03:00:00.000Z'];
      const p2 = ['2026-03-01T03:00:00.000Z', '2026-03-01T06:00:00.000Z'];
      assert.deepEqual(a.avg, [[2, ...p1], [5, ...p2]]);
      assert.deepEqual(a.sum, [[6, ...p1], [15, ...p2]]);
      assert.deepEqual(a.min, [[1, ...p1], [4, ...p2]]);
      assert.deepEqual(a.max, [[3, ...p1], [6, ...p2]]);
      assert.deepEqual(a.totalCount, [[3, ...p1], [3, ...p2]]);
      assert.deepEqual(a.distinctCount, [[3, ...p1], [3, ...p2]]);
      assert.deepEqual(a.sumsq, [[14, ...p1], [77, ...p2]]);
      assert.ok(Math.abs(a.stddev[0][0] - Math.sqrt(2 / 3)) < 1e-9);
      const whole = await call(t, { method: 'GET', url: `${T}/${id}?attrs=temperature&options=aggregatedValues&aggrMethods=max&timerel=between&timeAt=2026-03-01T00:00:00Z&endTimeAt=2026-03-02T00:00:00Z` });
      assert.deepEqual(whole.json.temperature.max, [[6, '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z']]);
      const strings = await call(t, { method: 'GET', url: `${T}/${id}?attrs=name&options=aggregatedValues&aggrMethods=max,totalCount` });
      assert.equal(strings.json.name.max[0][0], 'Sensor q1');
      const avg = await call(t, { method: 'GET', url: `${T}/${id}?attrs=name&options=aggregatedValues&aggrMethods=max,avg,totalCount` });
      assert.equal(avg.status, 400, 'avg does not apply to strings (5.7.3.4: InvalidRequest)');
    });

    it('should render each attribute type in the simplified temporal representation (4.5.9)', async () => {
      const rich = 'urn:ngsi-ld:Thing:s1';
      await call(t, { method: 'POST', url: E, body: {
        id: rich,
        type: 'Thing',
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:a', observedAt: '2026-04-01T00:00:00Z' },
        says: { type: 'LanguageProperty', languageMap: { ja: 'はい', en: 'yes' }, observedAt: '2026-04-01T00:00:00Z' },
        list: { type: 'ListProperty', valueList: [1, 2], observedAt: '2026-04-01T00:00:00Z' },
      } });
      const res = await call(t, { method: 'GET', url: `${T}/${rich}?format=temporalValues` });
      assert.deepEqual(res.json.owner, { type: 'Relationship', objects: [['urn:ngsi-ld:Person:a', '2026-04-01T00:00:00.000Z']] });
      assert.deepEqual(res.json.says, { type: 'LanguageProperty', languageMaps: [[{ languageMap: { ja: 'はい', en: 'yes' } }, '2026-04-01T00:00:00.000Z']] });
      assert.deepEqual(res.json.list, { type: 'ListProperty', valueLists: [[[1, 2], '2026-04-01T00:00:00.000Z']] });
    });

    it('should keep the datasets of a multi-attribute apart and filter them with datasetId', async () => {
      const multi = 'urn:ngsi-ld:Sensor:m1';
      await call(t, { method: 'POST', url: E, body: {
        id: multi,
        type: 'Sensor',
        temperature: [
          { type: 'Property', value: 1, observedAt: '2026-05-01T00:00:00Z' },
          { type: 'Property', value: 100, observedAt: '2026-05-01T00:00:00Z', datasetId: 'urn:ngsi-ld:Dataset:b' },
        ],
      } });
      const simplified = await call(t, { method: 'GET', url: `${T}/${multi}?options=temporalValues` });
      assert.equal(simplified.json.temperature.length, 2);
      assert.deepEqual(simplified.json.temperature.find((d: any) => d.datasetId === 'urn:ngsi-ld:Dataset:b').values, [[100, '2026-05-01T00:00:00.000Z']]);
      const only = await call(t, { method: 'GET', url: `${T}/${multi}?datasetId=@none` });
      assert.deepEqual(only.json.temperature.map((i: any) => i.value), [1]);
      const dataset = await call(t, { method: 'GET', url: `${T}/${multi}?datasetId=urn:ngsi-ld:Dataset:b` });
      assert.deepEqual(dataset.json.temperature.map((i: any) => [i.value, i.datasetId]), [[100, 'urn:ngsi-ld:Dataset:b']]);
    });
  });

  describe('6.18.3.2 query temporal evolution of entities', () => {
    before(async () => {
      await call(t, { method: 'POST', url: E, body: sensor('urn:ngsi-ld:Sensor:x1', 20, '2026-06-01T00:00:00Z') });
      await call(t, { method: 'POST', url: E, body: sensor('urn:ngsi-ld:Sensor:x2', 30, '2026-06-01T00:00:00Z') });
      await observe(t, 'urn:ngsi-ld:Sensor:x2', 31, '2026-06-02T00:00:00Z');
      await call(t, { method: 'POST', url: E, body: { id: 'urn:ngsi-ld:Room:x3', type: 'Room', temperature: { type: 'Property', value: 25, observedAt: '2026-06-01T00:00:00Z' } } });
    });

    it('should return only entities with instances in the interval, in id order, with only those instances', async () => {
      const res = await call(t, { method: 'GET', url: `${T}?type=Sensor&idPattern=Sensor:x&timerel=after&timeAt=2026-06-01T12:00:00Z` });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json.map((e: any) => e.id), ['urn:ngsi-ld:Sensor:x2']);
      assert.deepEqual(res.json[0].temperature.map((i: any) => i.value), [31]);
      assert.equal(res.json[0].name, undefined, 'name has no observedAt, so it does not match a temporal query on observedAt');
      const both = await call(t, { method: 'GET', url: `${T}?type=Sensor&idPattern=Sensor:x&timerel=before&timeAt=2026-07-01T00:00:00Z&count=true` });
      assert.deepEqual(both.json.map((e: any) => e.id), ['urn:ngsi-ld:Sensor:x1', 'urn:ngsi-ld:Sensor:x2']);
      assert.equal(both.headers['ngsild-results-count'], '2');
    });

    it('should select by attrs across types, and by q over the instances in the interval', async () => {
      const byAttr = await call(t, { method: 'GET', url: `${T}?attrs=temperature&idPattern=:x[0-9]$&timerel=between&timeAt=2026-06-01T00:00:00Z&endTimeAt=2026-06-01T00:00:01Z` });
      assert.deepEqual(byAttr.json.map((e: any) => e.id), ['urn:ngsi-ld:Room:x3', 'urn:ngsi-ld:Sensor:x1', 'urn:ngsi-ld:Sensor:x2']);
      const hot = await call(t, { method: 'GET', url: `${T}?type=Sensor,Room&idPattern=:x[0-9]$&q=temperature>29&timerel=before&timeAt=2026-06-01T12:00:00Z` });
      assert.equal(hot.status, 200, hot.body);
      assert.deepEqual(hot.json.map((e: any) => e.id), ['urn:ngsi-ld:Sensor:x2']);
      // x2 was 31 only after the interval: q looks at the interval's instances.
      const hotter = await call(t, { method: 'GET', url: `${T}?type=Sensor&idPattern=:x[0-9]$&q=temperature>30&timerel=before&timeAt=2026-06-01T12:00:00Z` });
      assert.deepEqual(hotter.json, []);
    });

    it('should compact names with the requester\'s @context', async () => {
      const body = {
        '@context': [{ Probe: 'https://example.org/city#Probe', level: 'https://example.org/city#level' }, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld'],
        id: 'urn:ngsi-ld:Probe:c1',
        type: 'Probe',
        level: { type: 'Property', value: 3, observedAt: '2026-06-01T00:00:00Z' },
      };
      assert.equal((await call(t, { method: 'POST', url: E, body, headers: { 'content-type': 'application/ld+json' } })).status, 201);
      const plain = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Probe:c1` });
      assert.equal(plain.json.type, 'https://example.org/city#Probe');
      assert.ok(plain.json['https://example.org/city#level']);
      const withContext = await call(t, {
        method: 'GET',
        url: `${T}?type=Probe&timerel=after&timeAt=2026-01-01T00:00:00Z`,
        headers: { accept: 'application/ld+json' },
      });
      // Without the user context, "Probe" expands under the default vocabulary: nothing.
      assert.deepEqual(withContext.json, []);
      const byIri = await call(t, { method: 'GET', url: `${T}?type=${encodeURIComponent('https://example.org/city#Probe')}&timerel=after&timeAt=2026-01-01T00:00:00Z`, headers: { accept: 'application/ld+json' } });
      assert.equal(byIri.json.length, 1);
      assert.ok(byIri.json[0]['@context']);
    });

    it('should refuse bad temporal parameters with BadRequestData naming the parameter', async () => {
      const cases: Array<[string, RegExp]> = [
        ['type=Sensor', /^timerel:/],
        ['type=Sensor&timerel=after', /^timeAt:/],
        ['type=Sensor&timerel=during&timeAt=2026-01-01T00:00:00Z', /^timerel:/],
        ['type=Sensor&timerel=after&timeAt=yesterday', /^timeAt:/],
        ['type=Sensor&timerel=between&timeAt=2026-01-01T00:00:00Z', /^endTimeAt:/],
        ['type=Sensor&timerel=before&timeAt=2026-01-01T00:00:00Z&endTimeAt=2026-02-01T00:00:00Z', /^endTimeAt:/],
        ['type=Sensor&timerel=between&timeAt=2026-02-01T00:00:00Z&endTimeAt=2026-01-01T00:00:00Z', /^endTimeAt:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&timeproperty=seenAt', /^timeproperty:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&lastN=0', /^lastN:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&lastN=-1', /^lastN:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&lastN=two', /^lastN:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=aggregatedValues', /^aggrMethods:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=aggregatedValues&aggrMethods=median', /^aggrMethods:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=1h', /^aggrPeriodDuration:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=P99999999999999999999Y', /^aggrPeriodDuration: .* longer than 10,000 years/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&offset=99999999999999999999', /./],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=temporalValues,aggregatedValues', /^options\/format:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&options=fast', /^options:/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&datasetId=not%20a%20uri', /^datasetId:/],
        ['timerel=after&timeAt=2026-01-01T00:00:00Z', /at least one of type/],
        ['type=Sensor&timerel=after&timeAt=2026-01-01T00:00:00Z&q=temperature>>1', /./],
      ];
      for (const [query, detail] of cases) {
        const res = await call(t, { method: 'GET', url: `${T}?${query}` });
        assert.equal(res.status, 400, `${query}: ${res.body}`);
        assert.equal(res.json.type, BAD, query);
        assert.match(res.json.detail, detail, query);
      }
      const retrieve = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:x1?timeAt=2026-01-01T00:00:00Z` });
      assert.equal(retrieve.status, 400);
      assert.match(retrieve.json.detail, /^timerel:/);
      const badId = await call(t, { method: 'GET', url: `${T}/not-a-uri` });
      assert.equal(badId.status, 400);
      const unknown = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Sensor:none` });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.type, NOT_FOUND);
    });
  });

  describe('temporal API writes (5.6.11–5.6.16)', () => {
    const id = 'urn:ngsi-ld:Vehicle:t1';

    it('should create a temporal evolution with 201 and Location, then add instances with 204, without creating an entity', async () => {
      const created = await call(t, {
        method: 'POST',
        url: T,
        body: {
          id,
          type: 'Vehicle',
          speed: [
            { type: 'Property', value: 50, observedAt: '2026-07-01T00:00:00Z' },
            { type: 'Property', value: 60, observedAt: '2026-07-01T00:01:00Z' },
          ],
        },
      });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.headers.location, `${T}/urn%3Angsi-ld%3AVehicle%3At1`);
      const added = await call(t, { method: 'POST', url: T, body: { id, type: 'Car', speed: { type: 'Property', value: 70, observedAt: '2026-07-01T00:02:00Z' } } });
      assert.equal(added.status, 204, added.body);
      assert.equal((await call(t, { method: 'GET', url: `${E}/${id}` })).status, 404, 'the temporal API does not create a current entity');
      const res = await call(t, { method: 'GET', url: `${T}/${id}` });
      assert.deepEqual(res.json.type, ['Vehicle', 'Car']);
      assert.deepEqual(res.json.speed.map((i: any) => i.value), [50, 60, 70]);
    });

    it('should refuse a create without type and instances that are not objects', async () => {
      const noType = await call(t, { method: 'POST', url: T, body: { id: 'urn:ngsi-ld:Vehicle:t9', speed: [{ type: 'Property', value: 1 }] } });
      assert.equal(noType.status, 400);
      assert.match(noType.json.detail, /"type" is required/);
      const notObject = await call(t, { method: 'POST', url: T, body: { id: 'urn:ngsi-ld:Vehicle:t9', type: 'Vehicle', speed: [1, 2] } });
      assert.equal(notObject.status, 400);
      assert.equal((await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Vehicle:t9` })).status, 404);
    });

    it('should add attributes to an existing temporal evolution (204) and answer 404 for an unknown one', async () => {
      const res = await call(t, { method: 'POST', url: `${T}/${id}/attrs`, body: { fuel: [{ type: 'Property', value: 0.5, observedAt: '2026-07-01T00:00:00Z', datasetId: 'urn:ngsi-ld:Dataset:gauge' }] } });
      assert.equal(res.status, 204, res.body);
      const unknown = await call(t, { method: 'POST', url: `${T}/urn:ngsi-ld:Vehicle:none/attrs`, body: { fuel: [{ type: 'Property', value: 1 }] } });
      assert.equal(unknown.status, 404);
      const got = await call(t, { method: 'GET', url: `${T}/${id}?attrs=fuel` });
      assert.deepEqual(got.json.fuel.map((i: any) => [i.value, i.datasetId]), [[0.5, 'urn:ngsi-ld:Dataset:gauge']]);
    });

    it('should modify one instance by instanceId, keeping createdAt, and delete one', async () => {
      const before = await call(t, { method: 'GET', url: `${T}/${id}?attrs=speed&options=sysAttrs` });
      const [first, second] = before.json.speed;
      const url = `${T}/${id}/attrs/speed/${encodeURIComponent(first.instanceId)}`;
      const patched = await call(t, { method: 'PATCH', url, body: { speed: [{ type: 'Property', value: 55, observedAt: '2026-07-01T00:00:30Z' }] } });
      assert.equal(patched.status, 204, patched.body);
      const afterPatch = await call(t, { method: 'GET', url: `${T}/${id}?attrs=speed&options=sysAttrs` });
      const modified = afterPatch.json.speed.find((i: any) => i.instanceId === first.instanceId);
      assert.equal(modified.value, 55);
      assert.equal(modified.observedAt, '2026-07-01T00:00:30.000Z');
      assert.equal(modified.createdAt, first.createdAt);
      assert.ok(Date.parse(modified.modifiedAt) >= Date.parse(first.modifiedAt));

      const wrongBody = await call(t, { method: 'PATCH', url, body: { other: [{ type: 'Property', value: 1 }] } });
      assert.equal(wrongBody.status, 400);
      const missing = await call(t, { method: 'PATCH', url: `${T}/${id}/attrs/speed/urn:ngsi-ld:attribute:instance:none`, body: { speed: [{ type: 'Property', value: 1 }] } });
      assert.equal(missing.status, 404);
      const notUri = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/speed/no%20uri` });
      assert.equal(notUri.status, 400);

      const deleted = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/speed/${encodeURIComponent(second.instanceId)}` });
      assert.equal(deleted.status, 204);
      const again = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/speed/${encodeURIComponent(second.instanceId)}` });
      assert.equal(again.status, 404);
      const left = await call(t, { method: 'GET', url: `${T}/${id}?attrs=speed` });
      assert.deepEqual(left.json.speed.map((i: any) => i.value), [55, 70]);
    });

    it('should delete an attribute\'s default instances, one dataset, or all of them', async () => {
      const noDefault = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/fuel` });
      assert.equal(noDefault.status, 404, 'fuel has only a dataset instance');
      const byDataset = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/fuel?datasetId=urn:ngsi-ld:Dataset:gauge` });
      assert.equal(byDataset.status, 204);
      const gone = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/fuel?deleteAll=true` });
      assert.equal(gone.status, 404);
      const all = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/speed?deleteAll=true` });
      assert.equal(all.status, 204);
      const res = await call(t, { method: 'GET', url: `${T}/${id}` });
      assert.equal(res.status, 200);
      assert.equal(res.json.speed, undefined);
      const both = await call(t, { method: 'DELETE', url: `${T}/${id}/attrs/speed?deleteAll=true&datasetId=urn:x:1` });
      assert.equal(both.status, 400);
    });

    it('should delete the whole temporal evolution (204), then answer 404', async () => {
      assert.equal((await call(t, { method: 'DELETE', url: `${T}/${id}` })).status, 204);
      assert.equal((await call(t, { method: 'GET', url: `${T}/${id}` })).status, 404);
      assert.equal((await call(t, { method: 'DELETE', url: `${T}/${id}` })).status, 404);
      const rows = await sql<{ n: number }>`select count(*)::int as n from broker_attribute_instances where entity_id = ${id}`.execute(t.ctx.db);
      assert.equal(rows.rows[0]!.n, 0);
    });
  });
});
