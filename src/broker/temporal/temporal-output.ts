// Temporal representations of an entity (clause 4.5.7–4.5.9, 4.5.19):
// - normalized: each attribute is an array of its instances in ascending time order, each with
//   its instanceId and the time property (observedAt, or createdAt/modifiedAt/deletedAt when that
//   is the query's timeproperty or sysAttrs is asked);
// - concise: the same without the instances' "type";
// - temporalValues (simplified, 4.5.9): {"type": "Property", "values": [[value, time], …]} and the
//   matching member per attribute type (objects, languageMaps, vocabs, jsons, valueLists,
//   objectLists);
// - aggregatedValues (4.5.19): {"type": "Property", "<method>": [[value, start, end], …]}.
// A multi-attribute (several datasetIds) gives one such object per datasetId, each with its
// datasetId. Names are compacted with the requester's @context.
import type { TermMap } from '../entities/entity-input.ts';
import { renderInstance } from '../entities/entity-output.ts';
import type { AttributeKind } from '../entities/stored-entity.ts';
import { NgsiError } from '../errors.ts';
import { addDuration, AGGREGATION_METHODS, periodIndex, periodRange, type Aggregation, type AggregationMethod, type TemporalParams } from './temporal-params.ts';
import type { StoredInstance, TemporalEntity } from './temporal-store.ts';

type Json = Record<string, unknown>;

const SIMPLIFIED_MEMBER: Record<AttributeKind, string> = {
  Property: 'values',
  GeoProperty: 'values',
  Relationship: 'objects',
  LanguageProperty: 'languageMaps',
  VocabProperty: 'vocabs',
  JsonProperty: 'jsons',
  ListProperty: 'valueLists',
  ListRelationship: 'objectLists',
};

export interface TemporalRenderContext {
  terms: TermMap;
  params: TemporalParams;
  /** When the query ran (the end of open time ranges for aggregation). */
  now: number;
  /** Aggregated elements the answer may still hold (MAX_AGGREGATED_VALUES over all its entities). */
  aggregatedBudget?: { left: number } | undefined;
}

/** Groups an attribute's instances per datasetId, keeping their order. */
function byDataset(instances: StoredInstance[]): StoredInstance[][] {
  const groups = new Map<string, StoredInstance[]>();
  for (const instance of instances) {
    const group = groups.get(instance.datasetId);
    if (group) group.push(instance);
    else groups.set(instance.datasetId, [instance]);
  }
  return [...groups.values()];
}

export function renderTemporalEntity(entity: TemporalEntity, instances: StoredInstance[], ctx: TemporalRenderContext): Json {
  const { terms, params } = ctx;
  const out: Json = {};
  if (params.members.id) out.id = entity.id;
  if (params.members.type) {
    const types = entity.types.map((t) => terms.compactIri(t));
    out.type = types.length === 1 ? types[0] : types;
  }
  if (params.members.scope && entity.scopes) out.scope = entity.scopes.length === 1 ? entity.scopes[0] : entity.scopes;
  const perAttribute = new Map<string, StoredInstance[]>();
  for (const instance of instances) {
    if (params.noAttributes || params.omitAttrs?.has(instance.attr)) continue;
    const list = perAttribute.get(instance.attr);
    if (list) list.push(instance);
    else perAttribute.set(instance.attr, [instance]);
  }
  for (const [iri, list] of perAttribute) {
    const name = terms.compactIri(iri);
    switch (params.format) {
      case 'temporalValues': {
        const rendered = byDataset(list).map((group) => simplified(group, terms, params.lang));
        out[name] = rendered.length === 1 ? rendered[0] : rendered;
        break;
      }
      case 'aggregatedValues': {
        ctx.aggregatedBudget ??= { left: MAX_AGGREGATED_VALUES };
        const rendered = byDataset(list).map((group) => aggregated(name, group, ctx, ctx.aggregatedBudget!));
        out[name] = rendered.length === 1 ? rendered[0] : rendered;
        break;
      }
      default:
        out[name] = list.map((instance) => normalized(instance, ctx));
    }
  }
  if (params.sysAttrs) {
    out.createdAt = entity.createdAt;
    out.modifiedAt = entity.modifiedAt;
    if (entity.deletedAt) out.deletedAt = entity.deletedAt;
  }
  return out;
}

function normalized(stored: StoredInstance, ctx: TemporalRenderContext): Json {
  const { params, terms } = ctx;
  const rendered = renderInstance(stored.instance, { terms, representation: 'normalized', sysAttrs: false, lang: params.lang }) as Json;
  if (params.format === 'concise') delete rendered.type;
  rendered.instanceId = stored.instanceId;
  if (params.sysAttrs || params.timeproperty === 'createdAt') rendered.createdAt = stored.createdAt;
  if (params.sysAttrs || params.timeproperty === 'modifiedAt') rendered.modifiedAt = stored.modifiedAt;
  if (stored.deletedAt) rendered.deletedAt = stored.deletedAt;
  return rendered;
}

/**
 * With `lang` (clause 4.15, other than "*"), a LanguageProperty is shown as a Property holding
 * the string of the best language, as the normalized representation does (renderInstance).
 */
const picksLanguage = (lang: string[] | undefined): lang is string[] => !!lang && !lang.includes('*');

function chosenLanguage(stored: StoredInstance, terms: TermMap, lang: string[]): unknown {
  return renderInstance(stored.instance, { terms, representation: 'simplified', sysAttrs: false, lang });
}

/** The attribute type an attribute's temporal representation shows. */
function shownKind(kind: AttributeKind, lang: string[] | undefined): AttributeKind {
  return kind === 'LanguageProperty' && picksLanguage(lang) ? 'Property' : kind;
}

/** The main value of an instance as the simplified representation shows it. */
function mainValue(stored: StoredInstance, terms: TermMap, lang: string[] | undefined): unknown {
  const i = stored.instance;
  switch (i.type) {
    case 'Relationship': return i.object;
    case 'LanguageProperty': return picksLanguage(lang) ? chosenLanguage(stored, terms, lang) : { languageMap: i.languageMap };
    case 'VocabProperty': return { vocab: Array.isArray(i.vocab) ? i.vocab.map((v) => terms.compactIri(v)) : terms.compactIri(i.vocab ?? '') };
    case 'JsonProperty': return { json: i.json };
    case 'ListProperty': return i.valueList;
    case 'ListRelationship': return i.objectList;
    default: return i.value;
  }
}

function simplified(group: StoredInstance[], terms: TermMap, lang: string[] | undefined): Json {
  const last = group[group.length - 1]!;
  const kind = shownKind(last.instance.type, lang);
  const out: Json = { type: kind };
  if (last.datasetId) out.datasetId = last.datasetId;
  out[SIMPLIFIED_MEMBER[kind]] = group.map((stored) => [mainValue(stored, terms, lang), stored.time]);
  return out;
}

// ---- aggregation (clause 4.5.19) ----

/** How to read values: `lang` picks a LanguageProperty's string (renderInstance needs `terms`). */
interface Reading {
  terms: TermMap;
  lang?: string[] | undefined;
}

/** The value aggregation looks at; undefined for deletion markers. */
function aggregationValue(stored: StoredInstance, reading: Reading): unknown {
  if (stored.deletedAt) return undefined;
  const i = stored.instance;
  switch (i.type) {
    case 'Relationship': return i.object;
    case 'ListRelationship': return i.objectList;
    case 'ListProperty': return i.valueList;
    case 'LanguageProperty': return picksLanguage(reading.lang) ? chosenLanguage(stored, reading.terms, reading.lang) : i.languageMap;
    case 'VocabProperty': return i.vocab;
    case 'JsonProperty': return i.json;
    default: return i.value;
  }
}

/**
 * What a value is for aggregation (Tables 4.5.19.1-1 to -3): a JSON native type, a typed
 * DateTime, Date or Time ({"@type": "DateTime", "@value": …}), a URI (VocabProperty) or a
 * relationship target. A GeoProperty's geometry, a JsonProperty's json and a LanguageProperty's
 * languageMap are objects; with `lang`, a LanguageProperty is its chosen string.
 */
export type ValueClass = 'number' | 'boolean' | 'array' | 'string' | 'object' | 'DateTime' | 'Date' | 'Time' | 'URI' | 'relationship';

const COUNTS: readonly AggregationMethod[] = ['distinctCount', 'totalCount'];
const ELIGIBLE: Record<ValueClass, readonly AggregationMethod[]> = {
  number: AGGREGATION_METHODS,
  boolean: AGGREGATION_METHODS,
  array: ['avg', 'distinctCount', 'max', 'min', 'sum', 'totalCount'],
  string: ['distinctCount', 'max', 'min', 'totalCount'],
  object: COUNTS,
  DateTime: ['distinctCount', 'max', 'min', 'totalCount'],
  Date: ['distinctCount', 'max', 'min', 'totalCount'],
  Time: ['avg', 'distinctCount', 'max', 'min', 'totalCount'],
  URI: COUNTS,
  relationship: COUNTS,
};
const DESCRIPTION: Record<ValueClass, string> = {
  number: 'numbers',
  boolean: 'booleans',
  array: 'arrays',
  string: 'strings',
  object: 'JSON objects',
  DateTime: 'DateTimes',
  Date: 'Dates',
  Time: 'Times',
  URI: 'URIs',
  relationship: 'relationship targets',
};
/** Values min, max and avg can compare with each other: numbers with booleans (1/0) and array sizes. */
const FAMILY: Record<ValueClass, string> = {
  number: 'number', boolean: 'number', array: 'number', string: 'string', object: 'object', DateTime: 'DateTime', Date: 'Date', Time: 'Time', URI: 'URI', relationship: 'relationship',
};

const TIME = /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?$/;

/** A typed DateTime, Date or Time value ({"@type": "Time", "@value": "08:30:00"}), or undefined. */
function typed(value: unknown): { type: 'DateTime' | 'Date' | 'Time'; value: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { '@type': type, '@value': text } = value as Record<string, unknown>;
  if (typeof text !== 'string') return undefined;
  if (type === 'DateTime' && !Number.isNaN(Date.parse(text))) return { type, value: text };
  if (type === 'Date' && /^\d{4}-\d{2}-\d{2}$/.test(text)) return { type, value: text };
  if (type === 'Time' && TIME.test(text)) return { type, value: text };
  return undefined;
}

export function valueClass(stored: StoredInstance, reading: Reading): ValueClass {
  const i = stored.instance;
  switch (i.type) {
    case 'Relationship':
    case 'ListRelationship':
      return 'relationship';
    case 'VocabProperty': return 'URI';
    case 'ListProperty': return 'array';
    case 'LanguageProperty':
      if (picksLanguage(reading.lang)) break;
      return 'object';
    case 'JsonProperty':
    case 'GeoProperty':
      return 'object';
  }
  const value = aggregationValue(stored, reading);
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'array';
  return typed(value)?.type ?? 'object';
}

/**
 * Why `method` cannot aggregate values of these classes (clause 5.7.3.4/5.7.4.4: InvalidRequest),
 * or undefined when it can: a class the tables mark N/A, or values min, max or avg cannot compare.
 */
export function ineligibility(method: AggregationMethod, classes: Set<ValueClass>): string | undefined {
  const refused = [...classes].find((c) => !ELIGIBLE[c].includes(method));
  if (refused) {
    const allowed = ELIGIBLE[refused];
    return `${method} does not apply to ${DESCRIPTION[refused]} (only ${allowed.join(', ')})`;
  }
  if (COUNTS.includes(method)) return undefined;
  const families = new Set([...classes].map((c) => FAMILY[c]));
  if (families.size > 1) return `${method} cannot compare values that mix ${[...classes].map((c) => DESCRIPTION[c]).join(' and ')}`;
  return undefined;
}

/** Numbers for avg/sum/…: numbers, booleans as 1/0, arrays by their size; else undefined. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return value.length;
  return undefined;
}

const isDateTimeString = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value);

/** Seconds since midnight of a Time, in UTC when it has an offset. */
function secondsOfDay(text: string): number {
  const [, h, m, sec, zone] = TIME.exec(text)!;
  let seconds = Number(h) * 3_600 + Number(m) * 60 + Number(sec);
  if (zone && zone !== 'Z') seconds -= (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 3_600 + Number(zone.slice(4, 6)) * 60);
  return ((seconds % 86_400) + 86_400) % 86_400;
}

/** The first (min) or last (max) value by `key`. */
function extreme<T>(values: T[], key: (value: T) => number | string, method: 'min' | 'max'): T {
  let best = values[0] as T;
  for (const value of values) {
    const k = key(value);
    const b = key(best);
    if (method === 'min' ? k < b : k > b) best = value;
  }
  return best;
}

/**
 * One method over one period's values, which ineligibility() has let through (values of one
 * family). Empty periods: the counts and sums of nothing are 0, the others null.
 */
export function aggregate(method: AggregationMethod, values: unknown[]): unknown {
  if (method === 'totalCount') return values.length;
  if (method === 'distinctCount') return new Set(values.map((v) => JSON.stringify(v))).size;
  if (values.length === 0) return method === 'sum' || method === 'sumsq' ? 0 : null;
  const first = typed(values[0]);
  if (first) {
    // Typed DateTime, Date or Time: min and max by instant, date or time of day; avg of Times.
    const key = (v: unknown) => {
      const text = typed(v)!.value;
      return first.type === 'DateTime' ? Date.parse(text) : first.type === 'Time' ? secondsOfDay(text) : text;
    };
    if (method === 'min' || method === 'max') return extreme(values, key, method);
    if (method === 'avg' && first.type === 'Time') {
      const mean = values.reduce<number>((sum, v) => sum + (key(v) as number), 0) / values.length;
      const zoned = values.some((v) => /(Z|[+-]\d{2}:\d{2})$/.test(typed(v)!.value));
      const time = new Date(Math.round(mean * 1000)).toISOString().slice(11, 23).replace(/\.000$/, '');
      return { '@type': 'Time', '@value': zoned ? `${time}Z` : time };
    }
    return null;
  }
  if (typeof values[0] === 'string') {
    // Strings: lexicographical order; DateTimes by instant.
    if (method !== 'min' && method !== 'max') return null;
    const strings = values as string[];
    const dates = strings.every(isDateTimeString);
    return extreme(strings, (v) => (dates ? Date.parse(v) : v), method);
  }
  const numbers = values.map(numeric);
  if (!numbers.every((n) => n !== undefined)) return null;
  const xs = numbers as number[];
  const sum = xs.reduce((s, x) => s + x, 0);
  switch (method) {
    case 'min': return extreme(xs, (x) => x, 'min');
    case 'max': return extreme(xs, (x) => x, 'max');
    case 'sum': return sum;
    case 'avg': return sum / xs.length;
    case 'sumsq': return xs.reduce((s, x) => s + x * x, 0);
    case 'stddev': {
      const mean = sum / xs.length;
      return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    }
  }
  return null;
}

/** Most [value, start, end] elements one aggregated answer may hold, over all its entities. */
export const MAX_AGGREGATED_VALUES = 1_000_000;

export interface Period {
  start: number;
  end: number;
  items: StoredInstance[];
}

/**
 * The periods of the query's time range, each [start, end) with its instances; empty periods are
 * kept (clause 4.5.19.0: as many array elements as there are periods in the time range). The range:
 * - between: [timeAt, endTimeAt), the last period cut at endTimeAt;
 * - after: from timeAt to now (or just past the last instance, if later), the last period whole;
 * - before: up to timeAt, from the period holding the first instance, the periods counted back
 *   from timeAt so that the last one ends on it;
 * - no temporal query (Retrieve only): from the first instance to now, as after.
 * A zero duration makes one period of the whole range, ending at now (after, none) or timeAt
 * (before) and starting at the first instance (before, none).
 */
export function periods(group: StoredInstance[], aggregation: Aggregation, params: TemporalParams, now: number): Period[] {
  const times = group.map((s) => Date.parse(s.time));
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const time = params.time;
  const openEnd = Math.max(now, last + 1);
  let anchor: number;
  let start: number;
  let end: number;
  let cutAtEnd = true;
  if (time?.timerel === 'between') {
    anchor = start = Date.parse(time.timeAt);
    end = Date.parse(time.endTimeAt!);
  } else if (time?.timerel === 'after') {
    anchor = start = Date.parse(time.timeAt);
    end = openEnd;
    cutAtEnd = false;
  } else if (time?.timerel === 'before') {
    if (times.length === 0) return [];
    start = first;
    anchor = end = Date.parse(time.timeAt);
  } else {
    if (times.length === 0) return [];
    anchor = start = first;
    end = openEnd;
    cutAtEnd = false;
  }
  const period = aggregation.period;
  if (!period) return [{ start, end, items: group.filter((_, i) => times[i]! >= start && times[i]! < end) }];
  const { from, to } = periodRange(anchor, period, start, end, aggregation.periodText ?? '');
  const out: Period[] = [];
  for (let i = from; i < to; i++) {
    const periodEnd = addDuration(anchor, period, i + 1);
    out.push({ start: addDuration(anchor, period, i), end: cutAtEnd ? Math.min(periodEnd, end) : periodEnd, items: [] });
  }
  const rangeStart = out[0]?.start ?? start;
  const rangeEnd = out[out.length - 1]?.end ?? end;
  group.forEach((stored, k) => {
    const t = times[k]!;
    if (t < rangeStart || t >= rangeEnd) return;
    out[periodIndex(anchor, period, t) - from]?.items.push(stored);
  });
  return out;
}

function aggregated(name: string, group: StoredInstance[], ctx: TemporalRenderContext, budget: { left: number }): Json {
  const { params, now, terms } = ctx;
  const aggregation = params.aggregation!;
  const reading: Reading = { terms, lang: params.lang };
  const last = group[group.length - 1]!;
  const out: Json = { type: shownKind(last.instance.type, params.lang) };
  if (last.datasetId) out.datasetId = last.datasetId;
  const live = group.filter((s) => !s.deletedAt);
  // Clause 5.7.3.4/5.7.4.4: an attribute some requested method cannot aggregate is an InvalidRequest.
  const classes = new Set(live.map((stored) => valueClass(stored, reading)));
  for (const method of aggregation.methods) {
    const why = ineligibility(method, classes);
    if (why) throw new NgsiError('InvalidRequest', `aggrMethods: attribute "${name}" cannot be aggregated with ${method}: ${why}; leave ${name} out with attrs, or choose other aggrMethods`);
  }
  const slices = periods(live, aggregation, params, now);
  budget.left -= slices.length * aggregation.methods.length;
  if (budget.left < 0) {
    throw new NgsiError(
      'TooManyResults',
      `The aggregated answer would hold more than ${MAX_AGGREGATED_VALUES.toLocaleString('en')} values (periods × aggrMethods × attributes × entities); use a longer aggrPeriodDuration, a shorter time range, fewer aggrMethods or attrs, or fewer entities (limit)`,
    );
  }
  for (const method of aggregation.methods) {
    out[method] = slices.map((slice) => [
      aggregate(method, slice.items.map((stored) => aggregationValue(stored, reading))),
      new Date(slice.start).toISOString(),
      new Date(slice.end).toISOString(),
    ]);
  }
  return out;
}
