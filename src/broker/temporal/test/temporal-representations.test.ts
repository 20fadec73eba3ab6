// Clause 4.5.19, 5.7.3.4 and 5.7.4.4 through the real HTTP routes: aggregation periods (empty
// ones, month ends, the cap), the methods each kind of value takes, lang in the simplified and
// aggregated formats, and linked-entity projections.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';

const E = '/ngsi-ld/v1/entities';
const T = '/ngsi-ld/v1/temporal/entities';
const BAD = 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData';

describe('NGSI-LD temporal representations and aggregation (4.5.19, 5.7.3–5.7.4)', () => {
  let t: TestApp;
  before(async () => {
    t = await brokerTestApp();
  });
  after(() => t.close());

  describe('empty aggregation periods (4.5.19.0)', () => {
    const id = 'urn:ngsi-ld:Meter:e1';
    before(async () => {
      const res = await call(t, { method: 'POST', url: T, body: {
        id,
        type: 'Meter',
        num: [[5, '2026-01-01T00:00:00Z'], [7, '2026-01-01T00:30:00Z'], [4, '2026-01-01T03:10:00Z']].map(([value, observedAt]) => ({ type: 'Property', value, observedAt })),
      } });
      assert.equal(res.status, 201, res.body);
    });

    it('should answer one element per period of the time range, empty periods included', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=num&options=aggregatedValues&aggrMethods=totalCount,sum,avg&aggrPeriodDuration=PT1H&timerel=between&timeAt=2026-01-01T00:00:00Z&endTimeAt=2026-01-01T04:00:00Z` });
      assert.equal(res.status, 200, res.body);
      const hours = ['00', '01', '02', '03', '04'].map((h) => `2026-01-01T${h}:00:00.000Z`);
      const each = (values: unknown[]) => values.map((v, i) => [v, hours[i], hours[i + 1]]);
      assert.deepEqual(res.json.num.totalCount, each([2, 0, 0, 1]));
      assert.deepEqual(res.json.num.sum, each([12, 0, 0, 4]));
      assert.deepEqual(res.json.num.avg, each([6, null, null, 4]));
    });

    it('should refuse a period duration that cuts the range into more than 10,000 periods with TooManyResults', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=num&options=aggregatedValues&aggrMethods=sum&aggrPeriodDuration=PT1S&timerel=between&timeAt=2026-01-01T00:00:00Z&endTimeAt=2027-01-01T00:00:00Z` });
      assert.equal(res.status, 403, res.body);
      assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults');
      assert.match(res.json.detail, /^aggrPeriodDuration: PT1S cuts the time range into 31,536,000 periods, more than the 10,000/);
      const before = await call(t, { method: 'GET', url: `${T}/${id}?attrs=num&options=aggregatedValues&aggrMethods=sum&aggrPeriodDuration=PT1S&timerel=before&timeAt=2026-01-01T04:00:00Z` });
      assert.equal(before.status, 403, before.body);
      assert.match(before.json.detail, /^aggrPeriodDuration: PT1S cuts the time range into 14,400 periods/);
    });
  });

  describe('attributes an aggregation method cannot aggregate (5.7.3.4, 5.7.4.4)', () => {
    const id = 'urn:ngsi-ld:Meter:i1';
    before(async () => {
      const at = '2026-01-01T00:00:00Z';
      const res = await call(t, { method: 'POST', url: T, body: {
        id,
        type: 'Meter',
        num: { type: 'Property', value: 1, observedAt: at },
        label: { type: 'Property', value: 'north', observedAt: at },
        config: { type: 'Property', value: { mode: 'eco' }, observedAt: at },
        owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:a', observedAt: at },
      } });
      assert.equal(res.status, 201, res.body);
    });

    const aggregated = (attrs: string, methods: string, path = `/${id}?`) => call(t, {
      method: 'GET',
      url: `${T}${path}attrs=${attrs}&options=aggregatedValues&aggrMethods=${methods}&aggrPeriodDuration=PT1H&timerel=between&timeAt=2026-01-01T00:00:00Z&endTimeAt=2026-01-01T02:00:00Z`,
    });

    it('should raise InvalidRequest naming the attribute and method for sum over a Relationship, sum or avg over strings, and min over JSON objects', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['owner', 'totalCount,sum', /^aggrMethods: attribute "owner" cannot be aggregated with sum: sum does not apply to relationship targets \(only distinctCount, totalCount\)/],
        ['label', 'max,sum', /^aggrMethods: attribute "label" cannot be aggregated with sum: sum does not apply to strings/],
        ['label', 'avg', /^aggrMethods: attribute "label" cannot be aggregated with avg/],
        ['config', 'min', /^aggrMethods: attribute "config" cannot be aggregated with min: min does not apply to JSON objects/],
        ['num,owner', 'max', /attribute "owner" cannot be aggregated with max/],
      ];
      for (const [attrs, methods, detail] of cases) {
        const res = await aggregated(attrs, methods);
        assert.equal(res.status, 400, `${attrs} ${methods}: ${res.body}`);
        assert.equal(res.json.type, 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest', `${attrs} ${methods}`);
        assert.match(res.json.detail, detail, `${attrs} ${methods}`);
      }
      const query = await aggregated('owner', 'sum', '?type=Meter&');
      assert.equal(query.status, 400, query.body);
      assert.equal(query.json.type, 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest');
    });

    it('should still aggregate what the tables allow: counts of anything, min and max of strings', async () => {
      const res = await aggregated('num,label,config,owner', 'totalCount,distinctCount');
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json.owner.distinctCount, [[1, '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z'], [0, '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']]);
      const strings = await aggregated('label', 'min,max');
      assert.equal(strings.status, 200, strings.body);
      assert.equal(strings.json.label.max[0][0], 'north');
    });
  });

  describe('month-based aggregation periods (4.5.19.1)', () => {
    const id = 'urn:ngsi-ld:Meter:m1';
    before(async () => {
      const res = await call(t, { method: 'POST', url: T, body: {
        id,
        type: 'Meter',
        num: ['2026-01-31T12:00:00Z', '2026-02-28T12:00:00Z', '2026-03-31T12:00:00Z', '2026-04-29T12:00:00Z'].map((observedAt, i) => ({ type: 'Property', value: i + 1, observedAt })),
      } });
      assert.equal(res.status, 201, res.body);
    });

    it('should end a P1M period that starts on 31 January on the last day of February, and the next on 31 March', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=num&options=aggregatedValues&aggrMethods=sum&aggrPeriodDuration=P1M&timerel=between&timeAt=2026-01-31T00:00:00Z&endTimeAt=2026-04-30T00:00:00Z` });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json.num.sum, [
        [1, '2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z'],
        [2, '2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z'],
        [7, '2026-03-31T00:00:00.000Z', '2026-04-30T00:00:00.000Z'],
      ]);
    });
  });

  describe('lang in the simplified and aggregated temporal representations (4.15)', () => {
    const id = 'urn:ngsi-ld:Sign:l1';
    before(async () => {
      const res = await call(t, { method: 'POST', url: T, body: {
        id,
        type: 'Sign',
        lang: [
          { type: 'LanguageProperty', languageMap: { en: 'open', ja: '営業中' }, observedAt: '2026-01-01T00:00:00Z' },
          { type: 'LanguageProperty', languageMap: { en: 'open', ja: '開店' }, observedAt: '2026-01-01T00:10:00Z' },
          { type: 'LanguageProperty', languageMap: { en: 'closed', ja: '閉店' }, observedAt: '2026-01-01T00:20:00Z' },
        ],
      } });
      assert.equal(res.status, 201, res.body);
    });

    it('should show a LanguageProperty as a Property in the chosen language with options=temporalValues, as normalized does', async () => {
      const res = await call(t, { method: 'GET', url: `${T}/${id}?attrs=lang&lang=en&options=temporalValues` });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json.lang, {
        type: 'Property',
        values: [['open', '2026-01-01T00:00:00.000Z'], ['open', '2026-01-01T00:10:00.000Z'], ['closed', '2026-01-01T00:20:00.000Z']],
      });
      const ja = await call(t, { method: 'GET', url: `${T}/${id}?attrs=lang&lang=ja&options=temporalValues&lastN=1` });
      assert.deepEqual(ja.json.lang.values, [['閉店', '2026-01-01T00:20:00.000Z']]);
      const normalized = await call(t, { method: 'GET', url: `${T}/${id}?attrs=lang&lang=en&lastN=1` });
      assert.deepEqual([normalized.json.lang[0].type, normalized.json.lang[0].value], ['Property', 'closed']);
      const all = await call(t, { method: 'GET', url: `${T}/${id}?attrs=lang&lang=*&options=temporalValues&lastN=1` });
      assert.deepEqual(all.json.lang, { type: 'LanguageProperty', languageMaps: [[{ languageMap: { en: 'closed', ja: '閉店' } }, '2026-01-01T00:20:00.000Z']] });
    });

    it('should aggregate the chosen language\'s strings with options=aggregatedValues', async () => {
      const url = (lang: string, methods: string) => `${T}/${id}?attrs=lang${lang}&options=aggregatedValues&aggrMethods=${methods}&timerel=between&timeAt=2026-01-01T00:00:00Z&endTimeAt=2026-01-01T01:00:00Z`;
      const range = ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z'];
      const en = await call(t, { method: 'GET', url: url('&lang=en', 'distinctCount,max') });
      assert.equal(en.status, 200, en.body);
      assert.deepEqual(en.json.lang, { type: 'Property', distinctCount: [[2, ...range]], max: [['open', ...range]] });
      const ja = await call(t, { method: 'GET', url: url('&lang=ja', 'distinctCount') });
      assert.deepEqual(ja.json.lang.distinctCount, [[3, ...range]]);
      const maps = await call(t, { method: 'GET', url: url('', 'max') });
      assert.equal(maps.status, 400, 'without lang the values are languageMaps, which only the counts apply to');
    });
  });

  describe('linked-entity projections (5.7.3.4, 5.7.4.4)', () => {
    before(async () => {
      const res = await call(t, { method: 'POST', url: E, body: {
        id: 'urn:ngsi-ld:Probe:p1',
        type: 'Probe',
        link: { type: 'Relationship', object: 'urn:ngsi-ld:Probe:p2', observedAt: '2026-01-01T00:00:00Z' },
      } });
      assert.equal(res.status, 201, res.body);
    });

    it('should answer BadRequestData, not OperationNotSupported, to pick or omit with rel{attr} on Retrieve and Query Temporal Evolution', async () => {
      const urls = [
        `${T}/urn:ngsi-ld:Probe:p1?pick=${encodeURIComponent('link{temp}')}`,
        `${T}/urn:ngsi-ld:Probe:p1?omit=${encodeURIComponent('link{temp}')}`,
        `${T}?type=Probe&timerel=after&timeAt=2020-01-01T00:00:00Z&pick=${encodeURIComponent('id,link{temp}')}`,
      ];
      for (const url of urls) {
        const res = await call(t, { method: 'GET', url });
        assert.equal(res.status, 400, `${url}: ${res.body}`);
        assert.equal(res.json.type, BAD, url);
        assert.match(res.json.detail, /^(pick|omit): linked entity projections/, url);
      }
      const post = await call(t, { method: 'POST', url: '/ngsi-ld/v1/temporal/entityOperations/query', body: {
        type: 'Query', entities: [{ type: 'Probe' }], pick: ['link{temp}'], temporalQ: { timerel: 'after', timeAt: '2020-01-01T00:00:00Z' },
      } });
      assert.equal(post.status, 400, post.body);
      assert.equal(post.json.type, BAD);
    });
  });
});
