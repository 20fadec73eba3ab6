// The pure parts of the temporal API: what a write adds to the history (historyOf), durations,
// aggregation methods and periods (clause 4.5.19).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEntity } from '../../entities/stored-entity.ts';
import { historyOf } from '../history-recorder.ts';
import type { TermMap } from '../../entities/entity-input.ts';
import { aggregate, ineligibility, periods, renderTemporalEntity, valueClass } from '../temporal-output.ts';
import { addDuration, AGGREGATION_METHODS, parseDuration, type AggregationMethod, type TemporalParams } from '../temporal-params.ts';
import type { StoredInstance, TemporalEntity } from '../temporal-store.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T01:00:00.000Z';

function entity(attrs: StoredEntity['attrs'], modifiedAt = T0): StoredEntity {
  return { tenant: 't', id: 'urn:ngsi-ld:X:1', types: ['https://example.org/X'], scopes: null, attrs, createdAt: T0, modifiedAt };
}

describe('historyOf: what an entity write records', () => {
  const a = { type: 'Property' as const, value: 1, createdAt: T0, modifiedAt: T0 };
  const b = { type: 'Property' as const, value: 2, createdAt: T0, modifiedAt: T0, datasetId: 'urn:ds:b' };

  it('should record every instance of a new entity', () => {
    const batch = historyOf([{ tenant: 't', before: null, after: entity({ p: [a, b] }) }]);
    assert.equal(batch.rows.length, 2);
    assert.deepEqual(batch.rows.map((r) => r.datasetId), ['', 'urn:ds:b']);
    assert.equal(batch.entities.length, 1);
  });

  it('should record only the instances a write touched, and a marker for removed ones', () => {
    const before = entity({ p: [a, b], q: [a] });
    const after = entity({ p: [{ ...a, value: 5, modifiedAt: T1 }, b] }, T1);
    const batch = historyOf([{ tenant: 't', before, after }]);
    assert.deepEqual(batch.rows.map((r) => [r.attr, r.datasetId, r.instance.value, r.deletedAt]), [
      ['p', '', 5, null],
      ['q', '', 'urn:ngsi-ld:null', T1],
    ]);
    assert.equal(batch.rows[0]!.createdAt, T1);
  });

  it('should mark every instance of a deleted entity', () => {
    const batch = historyOf([{ tenant: 't', before: entity({ p: [a, b] }), after: null }], T1);
    assert.equal(batch.rows.length, 2);
    assert.ok(batch.rows.every((r) => r.deletedAt === T1 && r.instance.value === 'urn:ngsi-ld:null'));
    assert.deepEqual(batch.deleted, [{ tenant: 't', id: 'urn:ngsi-ld:X:1', time: T1 }]);
  });
});

describe('ISO 8601 durations (4.5.19.1)', () => {
  it('should parse the allowed forms, treat zero as the whole range, and refuse others', () => {
    assert.deepEqual(parseDuration('P3Y6M4DT12H30M5S'), { years: 3, months: 6, weeks: 0, days: 4, hours: 12, minutes: 30, seconds: 5 });
    assert.equal(parseDuration('P2W')!.weeks, 2);
    assert.equal(parseDuration('PT0S'), null);
    assert.equal(parseDuration('P0D'), null);
    for (const bad of ['P', 'PT', '1H', 'PT1X', 'P1DT', '2026-01-01T00:00:00Z/P1D']) assert.throws(() => parseDuration(bad), /aggrPeriodDuration/);
  });

  it('should add months on the calendar and hours exactly', () => {
    assert.equal(new Date(addDuration(Date.parse('2026-01-15T00:00:00Z'), parseDuration('P1M')!)).toISOString(), '2026-02-15T00:00:00.000Z');
    assert.equal(new Date(addDuration(Date.parse('2026-01-15T00:00:00Z'), parseDuration('PT36H')!)).toISOString(), '2026-01-16T12:00:00.000Z');
  });

  it('should keep a month step on the last day of a shorter month, and count steps from the start', () => {
    const jan31 = Date.parse('2026-01-31T06:00:00Z');
    const month = parseDuration('P1M')!;
    const steps = [-1, 1, 2, 3, 13].map((n) => new Date(addDuration(jan31, month, n)).toISOString());
    assert.deepEqual(steps, ['2025-12-31T06:00:00.000Z', '2026-02-28T06:00:00.000Z', '2026-03-31T06:00:00.000Z', '2026-04-30T06:00:00.000Z', '2027-02-28T06:00:00.000Z']);
    assert.equal(new Date(addDuration(Date.parse('2024-02-29T00:00:00Z'), parseDuration('P1Y')!)).toISOString(), '2025-02-28T00:00:00.000Z');
    assert.equal(new Date(addDuration(Date.parse('2026-01-31T00:00:00Z'), parseDuration('P1M1D')!)).toISOString(), '2026-03-01T00:00:00.000Z');
  });
});

describe('aggregation methods (Table 4.5.19.1-1 to -3)', () => {
  const at = (time: string, value: unknown = 1): StoredInstance => ({
    attr: 'p', datasetId: '', instanceId: 'urn:i', observedAt: time, createdAt: time, modifiedAt: time, deletedAt: null, time,
    instance: { type: 'Property', value, createdAt: time, modifiedAt: time },
  });
  const show = (slices: Array<{ start: number; end: number; items: unknown[] }>) =>
    slices.map((s) => [new Date(s.start).toISOString().slice(11, 16), new Date(s.end).toISOString().slice(11, 16), s.items.length]);
  const hourly = { methods: ['sum'] as AggregationMethod[], period: parseDuration('PT1H'), periodText: 'PT1H' };

  it('should aggregate numbers, booleans, arrays, strings and typed times as the tables say', () => {
    assert.equal(aggregate('avg', [1, 2, 3, 6]), 3);
    assert.equal(aggregate('sum', [true, false, true]), 2);
    assert.equal(aggregate('max', [[1], [1, 2, 3]]), 3);
    assert.equal(aggregate('min', ['b', 'a', 'c']), 'a');
    assert.equal(aggregate('max', ['b', 'a', 'c']), 'c');
    assert.equal(aggregate('max', ['2026-01-01T09:00:00+09:00', '2026-01-01T01:00:00Z']), '2026-01-01T01:00:00Z', 'DateTime strings by instant');
    assert.equal(aggregate('distinctCount', [{ a: 1 }, { a: 1 }, { a: 2 }]), 2);
    assert.equal(aggregate('totalCount', ['x', 'x']), 2);
    assert.equal(aggregate('distinctCount', ['urn:a', 'urn:b', 'urn:a']), 2);
    const time = (value: string) => ({ '@type': 'Time', '@value': value });
    assert.deepEqual(aggregate('avg', [time('08:00:00'), time('09:30:00')]), time('08:45:00'), 'Table 4.5.19.1-2: the average time of Times');
    assert.deepEqual(aggregate('max', [time('09:00:00Z'), time('08:30:00+09:00')]), time('08:30:00+09:00'), 'by time of day in UTC: 08:30+09:00 is 23:30Z');
    const dateTime = (value: string) => ({ '@type': 'DateTime', '@value': value });
    assert.deepEqual(aggregate('min', [dateTime('2026-01-02T00:00:00Z'), dateTime('2026-01-01T12:00:00Z')]), dateTime('2026-01-01T12:00:00Z'));
  });

  it('should tell which methods the tables mark N/A for each kind of value (InvalidRequest)', () => {
    const reading = { terms: { compactIri: (iri: string) => iri } as unknown as TermMap };
    const eligible = (stored: StoredInstance, lang?: string[]) => AGGREGATION_METHODS.filter((m) => !ineligibility(m, new Set([valueClass(stored, { ...reading, lang })])));
    const instance = (attribute: Record<string, unknown>): StoredInstance => ({ ...at(T0), instance: { createdAt: T0, modifiedAt: T0, ...attribute } as any });
    const property = (value: unknown) => instance({ type: 'Property', value });
    assert.deepEqual(eligible(property(1)), [...AGGREGATION_METHODS]);
    assert.deepEqual(eligible(property(true)), [...AGGREGATION_METHODS]);
    assert.deepEqual(eligible(property([1, 2])), ['avg', 'distinctCount', 'max', 'min', 'sum', 'totalCount']);
    assert.deepEqual(eligible(property('a')), ['distinctCount', 'max', 'min', 'totalCount']);
    assert.deepEqual(eligible(property('2026-01-01T00:00:00Z')), ['distinctCount', 'max', 'min', 'totalCount'], 'no avg of DateTimes (Table 4.5.19.1-2)');
    assert.deepEqual(eligible(property({ '@type': 'DateTime', '@value': '2026-01-01T00:00:00Z' })), ['distinctCount', 'max', 'min', 'totalCount']);
    assert.deepEqual(eligible(property({ '@type': 'Time', '@value': '08:00:00' })), ['avg', 'distinctCount', 'max', 'min', 'totalCount']);
    assert.deepEqual(eligible(property({ a: 1 })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'Relationship', object: 'urn:a' })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'ListRelationship', objectList: ['urn:a'] })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'VocabProperty', vocab: 'https://example.org/a' })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'LanguageProperty', languageMap: { en: 'a' } })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'LanguageProperty', languageMap: { en: 'a' } }), ['en']), ['distinctCount', 'max', 'min', 'totalCount'], 'with lang: its string');
    assert.deepEqual(eligible(instance({ type: 'JsonProperty', json: 1 })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'GeoProperty', value: { type: 'Point', coordinates: [0, 0] } })), ['distinctCount', 'totalCount']);
    assert.deepEqual(eligible(instance({ type: 'ListProperty', valueList: [1] })), ['avg', 'distinctCount', 'max', 'min', 'sum', 'totalCount']);
    assert.match(ineligibility('sum', new Set(['relationship']))!, /^sum does not apply to relationship targets \(only distinctCount, totalCount\)/);
    assert.match(ineligibility('max', new Set(['number', 'string']))!, /^max cannot compare values that mix numbers and strings/);
    assert.equal(ineligibility('sum', new Set(['number', 'boolean', 'array'])), undefined);
    assert.equal(ineligibility('totalCount', new Set(['number', 'string'])), undefined);
  });

  it('should cut the range into periods from timeAt, keeping the empty ones (4.5.19.0)', () => {
    const group = [at('2026-01-01T00:30:00.000Z', 1), at('2026-01-01T00:45:00.000Z', 2), at('2026-01-01T05:10:00.000Z', 3)];
    const params = { time: { timerel: 'between', timeAt: '2026-01-01T00:00:00.000Z', endTimeAt: '2026-01-01T06:00:00.000Z' } } as TemporalParams;
    assert.deepEqual(show(periods(group, hourly, params, Date.now())), [
      ['00:00', '01:00', 2], ['01:00', '02:00', 0], ['02:00', '03:00', 0], ['03:00', '04:00', 0], ['04:00', '05:00', 0], ['05:00', '06:00', 1],
    ]);
    const cut = { time: { timerel: 'between', timeAt: '2026-01-01T00:00:00.000Z', endTimeAt: '2026-01-01T01:30:00.000Z' } } as TemporalParams;
    assert.deepEqual(show(periods(group.slice(0, 2), hourly, cut, Date.now())), [['00:00', '01:00', 2], ['01:00', '01:30', 0]], 'the last period ends with the range');
    const monthly = periods(group, { methods: ['sum'], period: parseDuration('P1M') }, params, Date.now());
    assert.deepEqual(monthly.map((s) => [new Date(s.end).toISOString(), s.items.length]), [['2026-01-01T06:00:00.000Z', 3]], 'a period ends with the range');
    assert.deepEqual(show(periods([], hourly, cut, Date.now())), [['00:00', '01:00', 0], ['01:00', '01:30', 0]], 'between knows its periods without instances');
  });

  it('should end an after range now or past the last instance, with the last period whole, and count before periods back from timeAt', () => {
    const group = [at('2026-01-01T00:30:00.000Z'), at('2026-01-01T02:10:00.000Z')];
    const after = { time: { timerel: 'after', timeAt: '2026-01-01T00:00:00.000Z' } } as TemporalParams;
    assert.deepEqual(show(periods(group, hourly, after, Date.parse('2026-01-01T00:20:00.000Z'))), [['00:00', '01:00', 1], ['01:00', '02:00', 0], ['02:00', '03:00', 1]]);
    assert.deepEqual(show(periods(group, hourly, after, Date.parse('2026-01-01T04:05:00.000Z'))), [
      ['00:00', '01:00', 1], ['01:00', '02:00', 0], ['02:00', '03:00', 1], ['03:00', '04:00', 0], ['04:00', '05:00', 0],
    ], 'empty periods up to now');
    const before = { time: { timerel: 'before', timeAt: '2026-01-01T03:45:00.000Z' } } as TemporalParams;
    assert.deepEqual(show(periods(group, hourly, before, Date.now())), [['23:45', '00:45', 1], ['00:45', '01:45', 0], ['01:45', '02:45', 1], ['02:45', '03:45', 0]]);
    const none = {} as TemporalParams;
    assert.deepEqual(show(periods(group, hourly, none, Date.parse('2026-01-01T02:00:00.000Z'))), [['00:30', '01:30', 1], ['01:30', '02:30', 1]]);
    assert.deepEqual(periods([], hourly, before, Date.now()), [], 'before has no start without instances');
  });

  it('should refuse more than 10,000 periods with TooManyResults naming aggrPeriodDuration', () => {
    const group = [at('2026-01-01T00:00:00.000Z'), at('2026-01-01T03:00:00.000Z')];
    const before = { time: { timerel: 'before', timeAt: '2026-01-01T04:00:00.000Z' } } as TemporalParams;
    const seconds = { methods: ['sum'] as AggregationMethod[], period: parseDuration('PT1S'), periodText: 'PT1S' };
    assert.throws(() => periods(group, seconds, before, Date.now()), (e: any) => e.type === 'TooManyResults' && /^aggrPeriodDuration: PT1S cuts the time range into 14,400 periods, more than the 10,000/.test(e.message));
    assert.equal(periods(group, { ...seconds, period: parseDuration('PT2S') }, before, Date.now()).length, 7200);
  });

  it('should give empty periods 0 for totalCount, distinctCount, sum and sumsq, and null for the others', () => {
    assert.deepEqual(AGGREGATION_METHODS.map((m) => [m, aggregate(m, [])]), [
      ['avg', null], ['distinctCount', 0], ['max', null], ['min', null], ['stddev', null], ['sum', 0], ['sumsq', 0], ['totalCount', 0],
    ]);
  });

  it('should refuse an aggregated answer of more than its budget of values with TooManyResults', () => {
    const entity = { id: 'urn:ngsi-ld:X:1', types: ['X'], scopes: null, createdAt: T0, modifiedAt: T0 } as unknown as TemporalEntity;
    const params = { format: 'aggregatedValues', members: { id: true, type: true, scope: false }, aggregation: { methods: ['sum', 'max'], period: parseDuration('PT1H'), periodText: 'PT1H' },
      time: { timerel: 'between', timeAt: '2026-01-01T00:00:00.000Z', endTimeAt: '2026-01-01T03:00:00.000Z' } } as unknown as TemporalParams;
    const terms = { compactIri: (iri: string) => iri } as unknown as TermMap;
    const budget = { left: 11 };
    const ctx = { terms, params, now: Date.now(), aggregatedBudget: budget };
    assert.deepEqual(renderTemporalEntity(entity, [at(T0)], ctx).p, { type: 'Property', sum: [[1, T0, T1], [0, T1, '2026-01-01T02:00:00.000Z'], [0, '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']], max: [[1, T0, T1], [null, T1, '2026-01-01T02:00:00.000Z'], [null, '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']] });
    assert.equal(budget.left, 5);
    assert.throws(() => renderTemporalEntity(entity, [at(T0)], ctx), (e: any) => e.type === 'TooManyResults' && /more than 1,000,000 values/.test(e.message));
  });
});
