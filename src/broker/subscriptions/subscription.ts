// The Subscription data type (clause 5.2.12): validation of what a client sends, the stored
// (expanded) form, and rendering back with the requester's @context. Names are stored expanded
// so a subscription made with one @context matches entities written with another; the
// subscriber's own @context is kept to render its notifications and to expand its q.
import { NgsiError } from '../errors.ts';
import { assertEntityId, assertName, isDateTime, isUri, NGSI_NULL, type TermMap } from '../entities/entity-input.ts';
import { expandTypeSelector, parseTypeSelector, type TypeSelector } from '../entities/type-selector.ts';
import { geoQueryToJson, parseGeoQuery } from '../geo/geo-query.ts';
import type { GeoQuery } from '../geo/types.ts';
import { attributeNameList, parseQ } from '../query/q-language.ts';
import { parseScopeQuery } from '../query/scope-query.ts';
import { parseCsf } from '../registrations/csf.ts';
import { checkProjection, ENTITY_MEMBERS } from '../http/request-options.ts';
import { MAX_JOIN_LEVEL } from '../entities/linked-entities.ts';
import { belowNgsiLd19, HEADER_NAME, keptSecret, MAX_COOLDOWN_MS, MAX_TIMEOUT_MS, REDACTED, SECRET_KEY } from '../registrations/registration.ts';
import { parseTimeQuery } from '../temporal/temporal-params.ts';
import type { TimeProperty, TimeQuery } from '../temporal/temporal-store.ts';

export const TRIGGERS = ['entityCreated', 'entityUpdated', 'entityDeleted', 'attributeCreated', 'attributeUpdated', 'attributeDeleted'] as const;
export type Trigger = (typeof TRIGGERS)[number];
export const DEFAULT_TRIGGERS: Trigger[] = ['attributeCreated', 'attributeUpdated'];

export type NotificationFormat = 'normalized' | 'keyValues' | 'simplified' | 'concise';

export interface EntitySelector {
  id?: string;
  idPattern?: string;
  /** The selector as the client wrote it (compacted on read) and its expanded form. */
  type: string;
  types: TypeSelector;
}

export interface StoredSubscription {
  id: string;
  subscriptionName?: string;
  description?: string;
  entities?: EntitySelector[];
  watchedAttributes?: string[];
  notificationTrigger: Trigger[];
  q?: string;
  /** Clause 4.9: attributes (comma-separated short names) whose values q expands, or never does. */
  expandValues?: string;
  jsonKeys?: string;
  geoQ?: GeoQuery & { geoproperty: string };
  scopeQ?: string;
  /** Only this broker's entities: the subscription is not distributed to context sources (5.2.12). */
  localOnly?: boolean;
  /** Context source registration subscriptions only (clause 5.11.2.4): a filter on the registrations' Context Source properties. */
  csf?: string;
  /** Context source registration subscriptions only: matched against observationInterval or managementInterval. */
  temporalQ?: TimeQuery & { timeproperty: TimeProperty };
  lang?: string;
  /** Accepted as given: this broker notifies in 1.9 (refused below that) and never splits entities. */
  ngsildConformance?: string;
  splitEntities?: false;
  /** The attribute instances notified (4.5.5): datasetId URIs, '' for the default instance ("@none"). */
  datasetId?: string[];
  notification: {
    attributes?: string[];
    /** Projections (4.21): expanded attribute names, or the entity members id, type and scope as they are. */
    pick?: string[];
    omit?: string[];
    /** Linked entities (4.5.23) added to the notified ones: flat after them, or inline in their Relationships. */
    join?: { mode: 'flat' | 'inline'; level: number };
    format: NotificationFormat;
    sysAttrs: boolean;
    /** Previous values (previousValue, previousObject, previousLanguageMap) of changed attributes (5.2.14). */
    showChanges?: boolean;
    endpoint: {
      uri: string;
      accept: 'application/json' | 'application/ld+json';
      receiverInfo?: Array<{ key: string; value: string }>;
      notifierInfo?: Array<{ key: string; value: string }>;
      /** Milliseconds a send may take before it counts as failed (at most the broker's own 10 s). */
      timeout?: number;
      /** Milliseconds after a failure before the endpoint is tried again (at least the retry backoff). */
      cooldown?: number;
    };
  };
  expiresAt?: string;
  throttling?: number;
  timeInterval?: number;
  isActive: boolean;
  /** The subscriber's @context, as given (the core context URL when none). */
  context: unknown;
  /** When that @context is not one URL: the URL of its ImplicitlyCreated copy, for notifications' Link (5.13.1). */
  contextUrl?: string;
  /** The @context notifications are sent with, when the subscriber names one (5.2.12 jsonldContext). */
  jsonldContext?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** In a PATCH (5.5.8) a member whose value is the NGSI-LD Null is removed, as with JSON null: read it as null. */
function nullsRead(members: Json, patching: boolean): Json {
  return patching ? Object.fromEntries(Object.entries(members).map(([k, v]) => [k, v === NGSI_NULL ? null : v])) : members;
}

function bad(detail: string): NgsiError {
  return new NgsiError('BadRequestData', detail);
}

/** receiverInfo and notifierInfo: pairs sent as HTTP headers (or MQTT metadata), so header-safe. */
function keyValues(value: unknown, where: string): Array<{ key: string; value: string }> {
  if (!Array.isArray(value) || !value.every((kv) => isObject(kv) && typeof kv.key === 'string' && kv.key !== '' && typeof kv.value === 'string')) {
    throw bad(`${where}: expected a list of {"key": "…", "value": "…"}`);
  }
  value.forEach((kv: { key: string; value: string }, i) => {
    if (!HEADER_NAME.test(kv.key)) throw bad(`${where}[${i}].key: "${kv.key}" cannot be sent as a header name`);
    if (/[\r\n\0]/.test(kv.value)) throw bad(`${where}[${i}].value: must not contain line breaks`);
  });
  return value as Array<{ key: string; value: string }>;
}

const LANGUAGE_TAG = /^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(;q=[01](\.\d{1,3})?)?$/;

/** pick or omit of a subscription: entity members (id, type, scope) or attribute names, expanded. */
function projectionList(value: unknown, where: string, terms: TermMap): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) throw bad(`${where}: expected a non-empty list of attribute names or id, type, scope`);
  return checkProjection(value as string[], where).map((n) => (ENTITY_MEMBERS.includes(n) ? n : terms.expandTerm(n)));
}

function names(value: unknown, where: string, terms: TermMap): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) throw bad(`${where}: expected a non-empty list of attribute names`);
  return (value as string[]).map((n) => {
    assertName(n, where);
    return terms.expandTerm(n);
  });
}

function positiveNumber(value: unknown, where: string, allowZero: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw bad(`${where}: expected a ${allowZero ? 'non-negative' : 'positive'} number of seconds`);
  }
  return value;
}

/** Validates a whole subscription (create) into its stored form. */
export function parseSubscription(body: unknown, terms: TermMap, context: unknown, generatedId: string): StoredSubscription {
  if (!isObject(body)) throw bad('The subscription must be a JSON object');
  if (body.type !== 'Subscription') throw bad('type: must be "Subscription"');
  const id = body.id === undefined ? generatedId : assertEntityId(body.id, 'id');
  if (body.notification === undefined) throw bad('notification: is required');
  const stored = applyFragment({ id, notificationTrigger: DEFAULT_TRIGGERS, isActive: true, context } as StoredSubscription, body, terms, true);
  if (!stored.entities && !stored.watchedAttributes) throw bad('A subscription needs entities or watchedAttributes (or both)');
  return stored;
}

/**
 * Applies the members of `body` to a subscription (create, or PATCH clause 5.8.2: given members
 * replace stored ones; null removes an optional one). Checks the combined result.
 */
export function applyFragment(base: StoredSubscription, given: Json, terms: TermMap, creating = false): StoredSubscription {
  const body = nullsRead(given, !creating);
  const out: StoredSubscription = structuredClone(base);
  const has = (key: string) => key in body;
  const remove = (key: keyof StoredSubscription) => delete (out as unknown as Json)[key];
  // Members whose other values this broker cannot honour are refused, never silently dropped.
  if (body.splitEntities !== undefined && body.splitEntities !== null && body.splitEntities !== false) {
    if (body.splitEntities !== true) throw bad('splitEntities: must be true or false');
    throw new NgsiError('OperationNotSupported', 'splitEntities: this broker filters whole entities at each source (splitEntities false), not entities split between sources');
  }
  if (body.splitEntities === false) out.splitEntities = false;
  else if (has('splitEntities')) remove('splitEntities');
  if (body.ngsildConformance !== undefined && body.ngsildConformance !== null) {
    const version = body.ngsildConformance;
    if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) throw bad('ngsildConformance: must be major.minor, e.g. 1.9');
    if (belowNgsiLd19(version)) {
      throw new NgsiError('OperationNotSupported', `ngsildConformance: this broker notifies in NGSI-LD 1.9 and does not convert notifications to ${version} (clause 4.3.6.8)`);
    }
    out.ngsildConformance = version;
  } else if (has('ngsildConformance')) remove('ngsildConformance');
  if (!creating) {
    if (has('id') && body.id !== base.id) throw bad('id: a subscription id cannot be changed');
    if (has('type') && body.type !== 'Subscription') throw bad('type: must be "Subscription"');
  }
  if (has('subscriptionName')) {
    if (body.subscriptionName === null) remove('subscriptionName');
    else if (typeof body.subscriptionName !== 'string') throw bad('subscriptionName: must be a string');
    else out.subscriptionName = body.subscriptionName;
  }
  if (has('description')) {
    if (body.description === null) remove('description');
    else if (typeof body.description !== 'string') throw bad('description: must be a string');
    else out.description = body.description;
  }
  if (has('entities')) {
    if (body.entities === null) remove('entities');
    else {
      if (!Array.isArray(body.entities) || body.entities.length === 0) throw bad('entities: expected a non-empty list of {"type": …, "id" or "idPattern"}');
      out.entities = body.entities.map((e, i) => {
        const where = `entities[${i}]`;
        if (!isObject(e)) throw bad(`${where}: expected an object`);
        if (typeof e.type !== 'string' || e.type === '') throw bad(`${where}.type: is required`);
        const selector: EntitySelector = { type: e.type, types: expandTypeSelector(parseTypeSelector(e.type), (t) => terms.expandTerm(t)) };
        if (e.id !== undefined && e.idPattern !== undefined) throw bad(`${where}: give id or idPattern, not both`);
        if (e.id !== undefined) selector.id = assertEntityId(e.id, `${where}.id`);
        if (e.idPattern !== undefined) {
          if (typeof e.idPattern !== 'string') throw bad(`${where}.idPattern: must be a regular expression`);
          try {
            new RegExp(e.idPattern);
          } catch {
            throw bad(`${where}.idPattern: "${e.idPattern}" is not a valid regular expression`);
          }
          selector.idPattern = e.idPattern;
        }
        return selector;
      });
    }
  }
  if (has('watchedAttributes')) {
    if (body.watchedAttributes === null) remove('watchedAttributes');
    else out.watchedAttributes = names(body.watchedAttributes, 'watchedAttributes', terms);
  }
  if (has('notificationTrigger') && body.notificationTrigger === null) out.notificationTrigger = DEFAULT_TRIGGERS;
  else if (has('notificationTrigger')) {
    const list = body.notificationTrigger;
    if (!Array.isArray(list) || list.length === 0 || !list.every((t) => (TRIGGERS as readonly unknown[]).includes(t))) {
      throw bad(`notificationTrigger: expected a list of ${TRIGGERS.join(', ')}`);
    }
    out.notificationTrigger = [...new Set(list as Trigger[])];
  }
  if (has('q')) {
    if (body.q === null) remove('q');
    else if (typeof body.q !== 'string') throw bad('q: must be a query string');
    else {
      parseQ(body.q);
      out.q = body.q;
    }
  }
  for (const member of ['expandValues', 'jsonKeys'] as const) {
    if (!has(member)) continue;
    const value = body[member];
    if (value === null) remove(member);
    else if (typeof value !== 'string') throw bad(`${member}: must be a comma-separated list of attribute names`);
    else {
      attributeNameList(value, member);
      out[member] = value;
    }
  }
  if (has('geoQ')) {
    if (body.geoQ === null) remove('geoQ');
    else {
      if (!isObject(body.geoQ)) throw bad('geoQ: expected {"georel", "geometry", "coordinates"}');
      const geo = parseGeoQuery(body.geoQ as never, 'subscription');
      out.geoQ = { ...geo, geoproperty: terms.expandTerm(geo.geoproperty ?? 'location') };
    }
  }
  if (has('scopeQ')) {
    if (body.scopeQ === null) remove('scopeQ');
    else if (typeof body.scopeQ !== 'string') throw bad('scopeQ: must be a string');
    else {
      parseScopeQuery(body.scopeQ);
      out.scopeQ = body.scopeQ;
    }
  }
  if (has('jsonldContext')) {
    if (body.jsonldContext === null) remove('jsonldContext');
    else if (typeof body.jsonldContext !== 'string' || !/^https?:\/\//.test(body.jsonldContext)) throw bad('jsonldContext: must be the http(s) URL of a JSON-LD @context');
    else out.jsonldContext = body.jsonldContext;
  }
  if (has('localOnly')) {
    if (body.localOnly === null || body.localOnly === false) remove('localOnly');
    else if (body.localOnly !== true) throw bad('localOnly: must be true or false');
    else out.localOnly = true;
  }
  if (has('csf')) {
    if (body.csf === null) remove('csf');
    else if (typeof body.csf !== 'string') throw bad('csf: must be a query string');
    else {
      parseCsf(body.csf, (t) => t);
      out.csf = body.csf;
    }
  }
  if (has('temporalQ')) {
    if (body.temporalQ === null) remove('temporalQ');
    else out.temporalQ = temporalQuery(body.temporalQ);
  }
  if (has('datasetId')) {
    if (body.datasetId === null) remove('datasetId');
    else {
      if (!Array.isArray(body.datasetId) || body.datasetId.length === 0) throw bad('datasetId: expected a non-empty list of dataset URIs (or "@none" for the default instances)');
      out.datasetId = body.datasetId.map((d, i) => {
        if (d === '@none') return '';
        if (typeof d !== 'string' || !isUri(d)) throw bad(`datasetId[${i}]: "${String(d)}" is not a URI (or @none)`);
        return d;
      });
    }
  }
  if (has('lang')) {
    if (body.lang === null) remove('lang');
    else if (typeof body.lang !== 'string' || !body.lang.split(',').every((part) => LANGUAGE_TAG.test(part.trim()))) {
      throw bad('lang: must be a list of language tags (RFC 5646) such as "ja,en" or "ja;q=1,en;q=0.5"');
    } else out.lang = body.lang;
  }
  if (has('notification')) out.notification = parseNotification(body.notification, terms, creating ? undefined : base.notification);
  if (has('expiresAt')) {
    if (body.expiresAt === null) remove('expiresAt');
    else {
      if (!isDateTime(body.expiresAt)) throw bad('expiresAt: must be a date-time such as 2027-03-31T00:00:00Z');
      if (Date.parse(body.expiresAt) <= Date.now()) throw bad('expiresAt: must be in the future');
      out.expiresAt = new Date(body.expiresAt).toISOString();
    }
  }
  if (has('throttling')) {
    if (body.throttling === null) remove('throttling');
    else out.throttling = positiveNumber(body.throttling, 'throttling', false);
  }
  if (has('timeInterval')) {
    if (body.timeInterval === null) remove('timeInterval');
    else out.timeInterval = positiveNumber(body.timeInterval, 'timeInterval', false);
  }
  if (has('isActive') && body.isActive === null) out.isActive = true;
  else if (has('isActive')) {
    if (typeof body.isActive !== 'boolean') throw bad('isActive: must be true or false');
    out.isActive = body.isActive;
  }
  if (out.timeInterval !== undefined && out.watchedAttributes) throw bad('timeInterval and watchedAttributes cannot be used together');
  if (out.timeInterval !== undefined && out.throttling) throw bad('timeInterval and throttling cannot be used together');
  if (out.timeInterval !== undefined && !out.entities) throw bad('A periodic subscription (timeInterval) needs entities');
  return out;
}

/** The temporalQ member: {timerel, timeAt, endTimeAt, timeproperty} checked as the temporal query parameters are (clause 4.11). */
function temporalQuery(value: unknown): TimeQuery & { timeproperty: TimeProperty } {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw bad('temporalQ: expected {"timerel": "before|after|between", "timeAt": "…", "endTimeAt": "…", "timeproperty": "…"} with string values');
  }
  const unknown = Object.keys(value).filter((k) => !['timerel', 'timeAt', 'endTimeAt', 'timeproperty'].includes(k));
  if (unknown.length) throw bad(`temporalQ: unknown member ${unknown.join(', ')}`);
  if (value.timerel === undefined) throw bad('temporalQ.timerel: is required (before, after or between)');
  try {
    const { time, timeproperty } = parseTimeQuery(value as Record<string, string>, true);
    return { ...time!, timeproperty };
  } catch (error) {
    if (error instanceof NgsiError) throw bad(`temporalQ.${error.detail}`);
    throw error;
  }
}

function parseNotification(given: unknown, terms: TermMap, base: StoredSubscription['notification'] | undefined): StoredSubscription['notification'] {
  if (!isObject(given)) throw bad('notification: expected an object with an endpoint');
  const value = nullsRead(given, base !== undefined);
  const out: StoredSubscription['notification'] = structuredClone(base ?? { format: 'normalized', sysAttrs: false, endpoint: undefined as never });
  if ('attributes' in value) {
    if (value.attributes === null) delete out.attributes;
    else out.attributes = names(value.attributes, 'notification.attributes', terms);
  }
  for (const member of ['pick', 'omit'] as const) {
    if (!(member in value)) continue;
    if (value[member] === null) delete out[member];
    else out[member] = projectionList(value[member], `notification.${member}`, terms);
  }
  if ('join' in value || 'joinLevel' in value) {
    const mode = 'join' in value ? value.join : out.join?.mode;
    const level = 'joinLevel' in value ? value.joinLevel : out.join?.level;
    if (mode !== undefined && mode !== null && mode !== '@none' && mode !== 'flat' && mode !== 'inline') throw bad('notification.join: must be flat, inline or @none');
    if (level !== undefined && level !== null && !(Number.isInteger(level) && (level as number) >= 1)) throw bad('notification.joinLevel: must be a positive whole number');
    if ((level as number) > MAX_JOIN_LEVEL) throw new NgsiError('TooComplexQuery', `notification.joinLevel: at most ${MAX_JOIN_LEVEL}`);
    if (mode === 'flat' || mode === 'inline') out.join = { mode, level: (level as number | null | undefined) ?? 1 };
    else delete out.join;
  }
  if (out.pick && out.omit) throw bad('notification.pick and notification.omit cannot be used together');
  if (out.pick && out.attributes) throw bad('notification.attributes is a deprecated synonym of pick: give one of them');
  if ('format' in value) {
    if (!['normalized', 'keyValues', 'simplified', 'concise'].includes(value.format as string)) throw bad('notification.format: must be normalized, keyValues (simplified) or concise');
    out.format = value.format as NotificationFormat;
  }
  if ('sysAttrs' in value) {
    if (typeof value.sysAttrs !== 'boolean') throw bad('notification.sysAttrs: must be true or false');
    out.sysAttrs = value.sysAttrs;
  }
  if ('showChanges' in value) {
    if (value.showChanges === null || value.showChanges === false) delete out.showChanges;
    else if (value.showChanges !== true) throw bad('notification.showChanges: must be true or false');
    else out.showChanges = true;
  }
  if (out.showChanges && (out.format === 'keyValues' || out.format === 'simplified')) throw bad('notification.showChanges: cannot be true with format keyValues (5.2.14)');
  if ('endpoint' in value || !base) {
    if (!isObject(value.endpoint)) throw bad('notification.endpoint: is required ({"uri": "https://…"})');
    const endpoint = nullsRead(value.endpoint, base !== undefined);
    if (typeof endpoint.uri !== 'string' || !isUri(endpoint.uri)) throw bad('notification.endpoint.uri: must be an absolute URI');
    const scheme = endpoint.uri.slice(0, endpoint.uri.indexOf(':')).toLowerCase();
    if (!['http', 'https', 'mqtt', 'mqtts'].includes(scheme)) throw bad('notification.endpoint.uri: use http, https, mqtt or mqtts');
    try {
      const url = new URL(endpoint.uri);
      if (!url.hostname) throw new Error('no host');
    } catch {
      throw bad('notification.endpoint.uri: not a valid URL');
    }
    const accept = endpoint.accept ?? 'application/json';
    if (accept !== 'application/json' && accept !== 'application/ld+json') throw bad('notification.endpoint.accept: must be application/json or application/ld+json');
    out.endpoint = { uri: keptPassword(endpoint.uri, base?.endpoint.uri), accept };
    if (endpoint.receiverInfo !== undefined) out.endpoint.receiverInfo = keptSecrets(keyValues(endpoint.receiverInfo, 'notification.endpoint.receiverInfo'), base?.endpoint.receiverInfo);
    if (endpoint.notifierInfo !== undefined) out.endpoint.notifierInfo = mqttNotifierInfo(keyValues(endpoint.notifierInfo, 'notification.endpoint.notifierInfo'));
    // Bounded as a registration's management timeout and cooldown are (1 min, 1 day).
    for (const [member, max] of [['timeout', MAX_TIMEOUT_MS], ['cooldown', MAX_COOLDOWN_MS]] as const) {
      const ms = endpoint[member];
      if (ms === undefined || ms === null) continue;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw bad(`notification.endpoint.${member}: expected a positive number of milliseconds`);
      if (ms > max) throw bad(`notification.endpoint.${member}: at most ${max} ms`);
      out.endpoint[member] = ms;
    }
  }
  return out;
}

/** notifierInfo of the MQTT binding (Table 7.2-1): MQTT-QoS 0, 1 or 2; MQTT-Version mqtt3.1.1 or mqtt5.0. */
function mqttNotifierInfo(pairs: Array<{ key: string; value: string }>) {
  for (const { key, value } of pairs) {
    if (key === 'MQTT-QoS' && !['0', '1', '2'].includes(value)) throw bad(`notification.endpoint.notifierInfo: MQTT-QoS must be 0, 1 or 2, not "${value}"`);
    if (key === 'MQTT-Version' && !['mqtt3.1.1', 'mqtt5.0'].includes(value)) throw bad(`notification.endpoint.notifierInfo: MQTT-Version must be mqtt3.1.1 or mqtt5.0, not "${value}"`);
  }
  return pairs;
}

// Credentials in an endpoint (an MQTT password in the URI, an Authorization receiverInfo) are
// shown as REDACTED to readers; a PATCH that sends REDACTED back keeps the stored value.

function redactedUri(uri: string): string {
  const url = new URL(uri);
  if (!url.password) return uri;
  url.password = REDACTED;
  return url.toString();
}

function keptPassword(uri: string, stored: string | undefined): string {
  const url = new URL(uri);
  if (url.password !== REDACTED) return uri;
  const before = stored ? new URL(stored) : undefined;
  if (!before?.password || before.host !== url.host || before.username !== url.username) throw bad(`notification.endpoint.uri: "${REDACTED}" stands for a stored password, but this subscription has none for ${url.username}@${url.host}`);
  url.password = before.password;
  return url.toString();
}

function keptSecrets(pairs: Array<{ key: string; value: string }>, stored: Array<{ key: string; value: string }> | undefined) {
  return pairs.map(({ key, value }) => {
    const kept = keptSecret(key, value, stored);
    if (kept === null) throw bad(`notification.endpoint.receiverInfo: "${REDACTED}" stands for a stored secret, but this subscription has none for "${key}"`);
    return { key, value: kept ?? value };
  });
}

export interface SubscriptionStatus {
  timesSent: number;
  timesFailed: number;
  lastNotification: string | null;
  lastSuccess: string | null;
  lastFailure: string | null;
  lastFailureReason: string | null;
  createdAt: string;
  modifiedAt: string;
}

/** Clause 5.2.12 as the requester sees it: compacted names and the status members. */
export function renderSubscription(sub: StoredSubscription, status: SubscriptionStatus, terms: TermMap, sysAttrs = false): Json {
  const out: Json = { id: sub.id, type: 'Subscription' };
  if (sub.subscriptionName) out.subscriptionName = sub.subscriptionName;
  if (sub.description) out.description = sub.description;
  if (sub.entities) {
    out.entities = sub.entities.map((e) => ({
      ...(e.id ? { id: e.id } : {}),
      ...(e.idPattern ? { idPattern: e.idPattern } : {}),
      type: compactSelector(e.types, terms),
    }));
  }
  if (sub.watchedAttributes) out.watchedAttributes = sub.watchedAttributes.map((a) => terms.compactIri(a));
  out.notificationTrigger = sub.notificationTrigger;
  if (sub.q) out.q = sub.q;
  if (sub.expandValues) out.expandValues = sub.expandValues;
  if (sub.jsonKeys) out.jsonKeys = sub.jsonKeys;
  if (sub.geoQ) out.geoQ = { ...geoQueryToJson(sub.geoQ), geoproperty: terms.compactIri(sub.geoQ.geoproperty) };
  if (sub.scopeQ) out.scopeQ = sub.scopeQ;
  if (sub.jsonldContext) out.jsonldContext = sub.jsonldContext;
  if (sub.localOnly) out.localOnly = true;
  if (sub.csf) out.csf = sub.csf;
  if (sub.temporalQ) {
    const { timerel, timeAt, endTimeAt, timeproperty } = sub.temporalQ;
    out.temporalQ = { timerel, timeAt, ...(endTimeAt ? { endTimeAt } : {}), timeproperty };
  }
  if (sub.ngsildConformance) out.ngsildConformance = sub.ngsildConformance;
  if (sub.splitEntities === false) out.splitEntities = false;
  if (sub.datasetId) out.datasetId = sub.datasetId.map((d) => d || '@none');
  if (sub.lang) out.lang = sub.lang;
  const expired = sub.expiresAt !== undefined && Date.parse(sub.expiresAt) <= Date.now();
  const failing = status.lastFailure !== null && (status.lastSuccess === null || status.lastFailure > status.lastSuccess);
  out.notification = {
    ...(sub.notification.attributes ? { attributes: sub.notification.attributes.map((a) => terms.compactIri(a)) } : {}),
    ...(sub.notification.pick ? { pick: sub.notification.pick.map((a) => (ENTITY_MEMBERS.includes(a) ? a : terms.compactIri(a))) } : {}),
    ...(sub.notification.join ? { join: sub.notification.join.mode, joinLevel: sub.notification.join.level } : {}),
    ...(sub.notification.omit ? { omit: sub.notification.omit.map((a) => (ENTITY_MEMBERS.includes(a) ? a : terms.compactIri(a))) } : {}),
    format: sub.notification.format,
    sysAttrs: sub.notification.sysAttrs,
    ...(sub.notification.showChanges ? { showChanges: true } : {}),
    endpoint: {
      ...sub.notification.endpoint,
      uri: redactedUri(sub.notification.endpoint.uri),
      ...(sub.notification.endpoint.receiverInfo ? { receiverInfo: sub.notification.endpoint.receiverInfo.map(({ key, value }) => ({ key, value: SECRET_KEY.test(key) ? REDACTED : value })) } : {}),
    },
    status: failing ? 'failed' : 'ok',
    timesSent: status.timesSent,
    timesFailed: status.timesFailed,
    ...(status.lastNotification ? { lastNotification: status.lastNotification } : {}),
    ...(status.lastSuccess ? { lastSuccess: status.lastSuccess } : {}),
    ...(status.lastFailure ? { lastFailure: status.lastFailure } : {}),
  };
  if (sub.expiresAt) out.expiresAt = sub.expiresAt;
  if (sub.throttling !== undefined) out.throttling = sub.throttling;
  if (sub.timeInterval !== undefined) out.timeInterval = sub.timeInterval;
  out.isActive = sub.isActive;
  out.status = expired ? 'expired' : sub.isActive ? 'active' : 'paused';
  if (sysAttrs) {
    out.createdAt = status.createdAt;
    out.modifiedAt = status.modifiedAt;
  }
  return out;
}

function compactSelector(selector: TypeSelector, terms: TermMap): string {
  if (selector.kind === 'type') return terms.compactIri(selector.name);
  const joined = selector.items.map((s) => (s.kind === 'type' ? compactSelector(s, terms) : `(${compactSelector(s, terms)})`));
  return joined.join(selector.kind === 'and' ? ';' : '|');
}
