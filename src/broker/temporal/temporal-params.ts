// The query-string parameters of the temporal API (clause 6.18.3.2, 6.19.3.1): the temporal
// query (timerel, timeAt, endTimeAt, timeproperty; clause 4.11), lastN, the representation
// (normalized, concise, temporalValues, aggregatedValues with aggrMethods/aggrPeriodDuration),
// projection (attrs, pick, omit), datasetId and lang. Every bad value is a BadRequestData that
// names the parameter.
import { NgsiError } from '../errors.ts';
import { assertName, isDateTime } from '../entities/entity-input.ts';
import { parseLang } from '../entities/entity-output.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { datasetIds as datasetIdSelection, ENTITY_MEMBERS, list, param, projectedMembers, projection, type Query } from '../http/request-options.ts';
import type { TimeProperty, TimeQuery, TimeRel } from './temporal-store.ts';

export type TemporalFormat = 'normalized' | 'concise' | 'temporalValues' | 'aggregatedValues';

export const AGGREGATION_METHODS = ['avg', 'distinctCount', 'max', 'min', 'stddev', 'sum', 'sumsq', 'totalCount'] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

/** An ISO 8601 duration (clause 4.5.19.1), kept by component for calendar arithmetic. */
export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export interface Aggregation {
  methods: AggregationMethod[];
  /** null: one period spanning the whole time range (a zero duration, or none given). */
  period: Duration | null;
  /** aggrPeriodDuration as given, for error messages. */
  periodText?: string | undefined;
}

export interface TemporalParams {
  time?: TimeQuery | undefined;
  timeproperty: TimeProperty;
  lastN?: number | undefined;
  format: TemporalFormat;
  sysAttrs: boolean;
  aggregation?: Aggregation | undefined;
  /** Expanded attribute IRIs to return (attrs, or the attribute names in pick); undefined = all. */
  attrs?: string[] | undefined;
  /** Expanded attribute IRIs to leave out (attribute names in omit). */
  omitAttrs?: Set<string> | undefined;
  /** pick names only entity members (id, type, scope): no attribute is shown. */
  noAttributes?: boolean;
  /** Entity members kept (pick) or dropped (omit) among id, type and scope. */
  members: { id: boolean; type: boolean; scope: boolean };
  /** '' stands for the default instance ("@none"). */
  datasetIds?: string[] | undefined;
  lang?: string[] | undefined;
}

const TIMERELS = new Set<TimeRel>(['before', 'after', 'between']);
const TIME_PROPERTIES = new Set<TimeProperty>(['observedAt', 'createdAt', 'modifiedAt', 'deletedAt']);
const KNOWN_OPTIONS = new Set(['normalized', 'concise', 'temporalValues', 'aggregatedValues', 'sysAttrs', 'keyValues', 'simplified']);
const FORMATS = new Set(['normalized', 'concise', 'temporalValues', 'aggregatedValues', 'simplified', 'keyValues']);

function dateTime(query: Query, name: string): string | undefined {
  const value = param(query, name);
  if (value === undefined) return undefined;
  if (!isDateTime(value)) throw new NgsiError('BadRequestData', `${name}: "${value}" is not a DateTime such as 2026-11-23T09:00:00Z`);
  return new Date(value).toISOString();
}

/** The temporal query (clause 4.11); `required` for Query Temporal Evolution (clause 5.7.4.4). */
export function parseTimeQuery(query: Query, required: boolean): { time?: TimeQuery; timeproperty: TimeProperty } {
  const timerel = param(query, 'timerel');
  const timeAt = dateTime(query, 'timeAt');
  const endTimeAt = dateTime(query, 'endTimeAt');
  const timeproperty = param(query, 'timeproperty') ?? 'observedAt';
  if (!TIME_PROPERTIES.has(timeproperty as TimeProperty)) {
    throw new NgsiError('BadRequestData', `timeproperty: "${timeproperty}" is not observedAt, createdAt, modifiedAt or deletedAt`);
  }
  if (timerel === undefined) {
    if (required) throw new NgsiError('BadRequestData', 'timerel: Query Temporal Evolution of Entities needs a temporal query (timerel=before|after|between and timeAt)');
    if (timeAt !== undefined) throw new NgsiError('BadRequestData', 'timerel: required when timeAt is given (before, after or between)');
    if (endTimeAt !== undefined) throw new NgsiError('BadRequestData', 'endTimeAt: only with timerel=between');
    return { timeproperty: timeproperty as TimeProperty };
  }
  if (!TIMERELS.has(timerel as TimeRel)) throw new NgsiError('BadRequestData', `timerel: "${timerel}" is not before, after or between`);
  if (timeAt === undefined) throw new NgsiError('BadRequestData', `timeAt: required with timerel=${timerel}`);
  if (timerel === 'between') {
    if (endTimeAt === undefined) throw new NgsiError('BadRequestData', 'endTimeAt: required with timerel=between');
    if (Date.parse(endTimeAt) <= Date.parse(timeAt)) throw new NgsiError('BadRequestData', 'endTimeAt: must be later than timeAt');
  } else if (endTimeAt !== undefined) {
    throw new NgsiError('BadRequestData', `endTimeAt: only with timerel=between, not ${timerel}`);
  }
  return { time: { timerel: timerel as TimeRel, timeAt, endTimeAt }, timeproperty: timeproperty as TimeProperty };
}

export function parseLastN(query: Query): number | undefined {
  const raw = param(query, 'lastN');
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(raw)) throw new NgsiError('BadRequestData', `lastN: "${raw}" is not a positive integer`);
  return Number(raw);
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const MAX_DURATION_YEARS = 10_000;

/** ISO 8601 duration P[n]Y[n]M[n]DT[n]H[n]M[n]S or P[n]W; null for a zero duration. */
export function parseDuration(text: string, where = 'aggrPeriodDuration'): Duration | null {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    throw new NgsiError('BadRequestData', `${where}: "${text}" is not an ISO 8601 duration such as PT1H, P1D or P1M`);
  }
  const n = (i: number) => Number(match[i] ?? 0);
  const duration: Duration = { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
  // Periods past dates JavaScript can hold would make no period at all (NaN), so cap them.
  const days = duration.years * 365.25 + duration.months * 30.44 + duration.weeks * 7 + duration.days + (duration.hours * 3_600 + duration.minutes * 60 + duration.seconds) / 86_400;
  if (!(days <= MAX_DURATION_YEARS * 365.25)) throw new NgsiError('BadRequestData', `${where}: "${text}" is longer than ${MAX_DURATION_YEARS.toLocaleString('en')} years`);
  return Object.values(duration).every((v) => v === 0) ? null : duration;
}

/**
 * `start` plus `times` × `duration` (times may be negative), calendar-aware for years and months
 * (UTC): a month step that lands past the end of a shorter month stays on its last day, so
 * 31 January plus P1M is 28 February, and plus 2 × P1M is 31 March. Periods are computed from
 * their first start with `times` (never by adding to the previous end, which would drift to the
 * 28th after February).
 */
export function addDuration(start: number, duration: Duration, times = 1): number {
  let at = start;
  const months = (duration.years * 12 + duration.months) * times;
  if (months) {
    const from = new Date(start);
    const month = from.getUTCMonth() + months;
    const lastDay = new Date(new Date(0).setUTCFullYear(from.getUTCFullYear(), month + 1, 0)).getUTCDate();
    const date = new Date(start);
    date.setUTCFullYear(from.getUTCFullYear(), month, Math.min(from.getUTCDate(), lastDay));
    at = date.getTime();
  }
  return at + times * ((duration.weeks * 7 + duration.days) * 86_400 + duration.hours * 3_600 + duration.minutes * 60 + duration.seconds) * 1000;
}

/** Most periods one aggregated attribute may have (clause 4.5.19.0: one array element per period). */
export const MAX_AGGREGATION_PERIODS = 10_000;

/** The period holding `t`: the largest i with addDuration(anchor, duration, i) <= t (i may be negative). */
export function periodIndex(anchor: number, duration: Duration, t: number): number {
  // A first guess from the mean length (exact for durations without years and months), then
  // corrected against the calendar.
  const mean = (duration.years * 365.2425 + duration.months * 30.436875) * 86_400_000 + addDuration(0, { ...duration, years: 0, months: 0 });
  let i = Math.floor((t - anchor) / mean);
  while (addDuration(anchor, duration, i) > t) i -= 1;
  while (addDuration(anchor, duration, i + 1) <= t) i += 1;
  return i;
}

/**
 * The periods [from, to) (indexes from `anchor`) that cover [start, end). More than
 * MAX_AGGREGATION_PERIODS is a TooManyResults naming the duration (`text`, as given).
 */
export function periodRange(anchor: number, duration: Duration, start: number, end: number, text: string): { from: number; to: number } {
  const from = periodIndex(anchor, duration, start);
  const last = periodIndex(anchor, duration, end);
  const to = Math.max(from, addDuration(anchor, duration, last) < end ? last + 1 : last);
  if (to - from > MAX_AGGREGATION_PERIODS) {
    throw new NgsiError(
      'TooManyResults',
      `aggrPeriodDuration: ${text} cuts the time range into ${(to - from).toLocaleString('en')} periods, more than the ${MAX_AGGREGATION_PERIODS.toLocaleString('en')} an aggregated attribute may hold; use a longer aggrPeriodDuration or a shorter time range (timerel=between)`,
    );
  }
  return { from, to };
}

function optionsOf(query: Query): Set<string> {
  const values = list(query, 'options') ?? [];
  for (const value of values) {
    if (!KNOWN_OPTIONS.has(value)) throw new NgsiError('BadRequestData', `options: unknown option "${value}" (use temporalValues, aggregatedValues, concise, normalized or sysAttrs)`);
  }
  return new Set(values);
}

function formatOf(query: Query, opts: Set<string>): TemporalFormat {
  const format = param(query, 'format');
  if (format !== undefined && !FORMATS.has(format)) {
    throw new NgsiError('BadRequestData', `format: "${format}" is not normalized, concise, temporalValues or aggregatedValues`);
  }
  const chosen = new Set<TemporalFormat>();
  for (const name of [format, ...opts]) {
    if (name === 'temporalValues' || name === 'simplified' || name === 'keyValues') chosen.add('temporalValues');
    else if (name === 'aggregatedValues') chosen.add('aggregatedValues');
    else if (name === 'concise') chosen.add('concise');
  }
  if (chosen.size > 1) throw new NgsiError('BadRequestData', 'options/format: choose one of temporalValues, aggregatedValues and concise');
  return [...chosen][0] ?? 'normalized';
}

function aggregationOf(query: Query, format: TemporalFormat): Aggregation | undefined {
  const methods = list(query, 'aggrMethods');
  const duration = param(query, 'aggrPeriodDuration');
  if (format !== 'aggregatedValues') return undefined;
  if (!methods) throw new NgsiError('BadRequestData', 'aggrMethods: required with aggregatedValues (avg, distinctCount, max, min, stddev, sum, sumsq, totalCount)');
  for (const method of methods) {
    if (!(AGGREGATION_METHODS as readonly string[]).includes(method)) {
      throw new NgsiError('BadRequestData', `aggrMethods: "${method}" is not one of ${AGGREGATION_METHODS.join(', ')}`);
    }
  }
  return { methods: [...new Set(methods)] as AggregationMethod[], period: duration === undefined ? null : parseDuration(duration), periodText: duration };
}

function names(query: Query, name: string): string[] | undefined {
  const items = list(query, name);
  items?.forEach((item) => assertName(item, name));
  return items;
}

/** All parameters of Retrieve (required=false) or Query (required=true) Temporal Evolution. */
export function parseTemporalParams(query: Query, terms: ResolvedTerms, requireTimeQuery: boolean): TemporalParams {
  const { time, timeproperty } = parseTimeQuery(query, requireTimeQuery);
  const opts = optionsOf(query);
  const format = formatOf(query, opts);
  const aggregation = aggregationOf(query, format);
  // Periods from timeAt to endTimeAt (between) or at least to now (after): refuse too many before
  // reading the history. Before's range starts at the first instance, so temporal-output checks it.
  if (aggregation?.period && time && time.timerel !== 'before') {
    const start = Date.parse(time.timeAt);
    const end = time.timerel === 'between' ? Date.parse(time.endTimeAt!) : Date.now();
    periodRange(start, aggregation.period, start, end, aggregation.periodText ?? '');
  }
  const attrs = names(query, 'attrs');
  // Clause 5.7.3.4/5.7.4.4: a projection into linked entities (rel{attr}) is a BadRequestData on
  // the temporal API (Query and Retrieve Entities answer OperationNotSupported instead).
  for (const name of ['pick', 'omit']) {
    if (/[{}]/.test(param(query, name) ?? '')) {
      throw new NgsiError('BadRequestData', `${name}: linked entity projections (relationship{attribute}) cannot be used on the temporal API`);
    }
  }
  const pick = projection(query, 'pick');
  const omit = projection(query, 'omit');
  if (pick && omit) throw new NgsiError('BadRequestData', 'pick and omit cannot be used together');
  const attributeNames = (items: string[] | undefined) => items?.filter((n) => !ENTITY_MEMBERS.includes(n)).map((n) => terms.expandTerm(n));
  let selected = attrs?.map((n) => terms.expandTerm(n));
  const picked = attributeNames(pick);
  // pick=id (no attribute picked) selects entities as without pick, and shows no attribute.
  if (picked?.length) selected = selected ? selected.filter((iri) => picked.includes(iri)) : picked;
  const members = projectedMembers(pick, omit);
  const datasetIds = datasetIdSelection(query);
  const omitted = attributeNames(omit);
  return {
    time,
    timeproperty,
    lastN: parseLastN(query),
    format,
    sysAttrs: opts.has('sysAttrs'),
    aggregation,
    attrs: selected,
    omitAttrs: omitted?.length ? new Set(omitted) : undefined,
    noAttributes: picked !== undefined && picked.length === 0,
    members,
    datasetIds,
    lang: parseLang(param(query, 'lang')),
  };
}
