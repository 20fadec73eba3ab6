// Context Source Registrations (ETSI GS CIM 009 v1.9.1, clauses 5.2.9, 5.2.10, 5.2.8, 5.2.34,
// 4.3.6, 4.20): the JSON a client sends, checked member by member and turned into the stored,
// expanded form (entity types and attribute names as IRIs), and back into the compacted form a
// requester reads. Also the matching of a query against a registration's `information`
// (clause 5.12), shared by Query Context Source Registrations and the federation.
//
// Decisions:
// - `contextSourceInfo` is kept as given, because the broker must send it to the source
//   (e.g. an Authorization header). When a registration is read back, the values of keys that
//   look like credentials (authorization, cookie, *token*, *secret*, *password*, *apikey*,
//   *credential*) are shown as REDACTED; a PATCH that sends REDACTED back for such a key keeps the
//   stored value, so read-modify-write by a client does not destroy the secret.
// - An auxiliary registration without `operations` gets ["retrieveOps"] (the spec only allows
//   retrieveOps, retrieveEntity and queryEntity there); with other operations it is refused.
// - `expiresAt` may lie in the past: such a registration is kept but never used.
// - Unknown members are kept as registration properties (names expanded, values verbatim), as a
//   registration may carry Context Source properties (clause 5.2.9, used by csf).
import { NgsiError } from '../errors.ts';
import type { Csf } from './csf.ts';
import { assertKeyBytes, assertName, isDateTime, isUri, type TermMap } from '../entities/entity-input.ts';
import { typesMatch, type TypeSelector } from '../entities/type-selector.ts';
import { validateGeometry } from '../geo/geometry.ts';
import type { TimeProperty, TimeQuery } from '../temporal/temporal-store.ts';

export const REGISTRATION_TYPE = 'ContextSourceRegistration';
export const REDACTED = '********';
export const FROM_REQUEST = 'urn:ngsi-ld:request';

export type RegistrationMode = 'inclusive' | 'exclusive' | 'redirect' | 'auxiliary';
export const MODES: readonly RegistrationMode[] = ['inclusive', 'exclusive', 'redirect', 'auxiliary'];

/** Table 4.20-1: single operations. */
const OPERATIONS = new Set([
  'createEntity', 'updateEntity', 'appendAttrs', 'updateAttrs', 'deleteAttrs', 'deleteEntity', 'createBatch', 'upsertBatch',
  'updateBatch', 'deleteBatch', 'upsertTemporal', 'appendAttrsTemporal', 'deleteAttrsTemporal', 'updateAttrInstanceTemporal',
  'deleteAttrInstanceTemporal', 'deleteTemporal', 'mergeEntity', 'replaceEntity', 'replaceAttrs', 'mergeBatch', 'purgeEntity',
  'retrieveEntity', 'queryEntity', 'queryBatch', 'retrieveTemporal', 'queryTemporal', 'retrieveEntityTypes',
  'retrieveEntityTypeDetails', 'retrieveEntityTypeInfo', 'retrieveAttrTypes', 'retrieveAttrTypeDetails', 'retrieveAttrTypeInfo',
  'createSubscription', 'updateSubscription', 'retrieveSubscription', 'querySubscription', 'deleteSubscription',
  'retrieveEntityMap', 'updateEntityMap', 'deleteEntityMap', 'createEntityMapQueryEntity', 'createEntityMapQueryTemporal',
  'retrieveContextSourceIdentity',
]);

const CONSUMPTION_TYPES = ['retrieveEntityTypes', 'retrieveEntityTypeDetails', 'retrieveEntityTypeInfo', 'retrieveAttrTypes', 'retrieveAttrTypeDetails', 'retrieveAttrTypeInfo'];
const SUBSCRIPTION_OPS = ['createSubscription', 'updateSubscription', 'retrieveSubscription', 'querySubscription', 'deleteSubscription'];
const ENTITY_MAP_OPS = ['retrieveEntityMap', 'updateEntityMap', 'deleteEntityMap', 'createEntityMapQueryEntity'];

/** Table 4.20-2: operation groups. */
const GROUPS: Record<string, string[]> = {
  federationOps: ['retrieveEntity', 'queryEntity', 'queryBatch', ...CONSUMPTION_TYPES, ...SUBSCRIPTION_OPS, ...ENTITY_MAP_OPS, 'retrieveContextSourceIdentity'],
  associationOps: ['retrieveEntity', 'queryEntity', 'queryBatch', ...CONSUMPTION_TYPES, ...SUBSCRIPTION_OPS, 'retrieveContextSourceIdentity'],
  updateOps: ['updateEntity', 'updateAttrs', 'replaceEntity', 'replaceAttrs'],
  retrieveOps: ['retrieveEntity', 'queryEntity'],
  redirectionOps: [
    'createEntity', 'updateEntity', 'appendAttrs', 'updateAttrs', 'deleteAttrs', 'deleteEntity', 'mergeEntity', 'replaceEntity',
    'replaceAttrs', 'retrieveEntity', 'queryEntity', 'purgeEntity', ...CONSUMPTION_TYPES, ...ENTITY_MAP_OPS, 'retrieveContextSourceIdentity',
  ],
};

const AUXILIARY_OPERATIONS = new Set(['retrieveOps', 'retrieveEntity', 'queryEntity']);

/** Members computed by the broker (Table 5.2.9-2 and system attributes): ignored on input. */
const READ_ONLY = new Set(['status', 'timesSent', 'timesFailed', 'lastSuccess', 'lastFailure', 'createdAt', 'modifiedAt', 'deletedAt']);

/** Members with a meaning in Table 5.2.9-1; everything else is a registration property. */
const KNOWN = new Set([
  'id', '@id', 'type', '@type', '@context', 'registrationName', 'description', 'information', 'tenant', 'observationInterval',
  'managementInterval', 'location', 'observationSpace', 'operationSpace', 'expiresAt', 'endpoint', 'contextSourceInfo', 'scope',
  'mode', 'operations', 'refreshRate', 'management', 'contextSourceAlias', 'datasetId',
]);

/** Headers a registration may not set through contextSourceInfo (they belong to the connection). */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection',
  'expect', 'via', 'ngsild-tenant',
]);
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Keys whose values are credentials: stored (they must be sent) but shown as REDACTED. */
export const SECRET_KEY = /authorization|cookie|token|secret|passw|api[-_]?key|credential/i;
/** The longest timeout and cooldown (ms) a registration's management, or a notification endpoint, may set. */
export const MAX_TIMEOUT_MS = 60_000;
export const MAX_COOLDOWN_MS = 86_400_000;

/** A major.minor NGSI-LD version below the 1.9 this broker speaks: it does not convert payloads for those (4.3.6.8). */
export function belowNgsiLd19(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major < 1 || (major === 1 && minor < 9);
}

/**
 * A client writing back what it read: a secret key's value REDACTED stands for the stored value of
 * that key (null when none is stored); any other pair is taken as given (undefined).
 */
export function keptSecret(key: string, value: string, stored: Array<{ key: string; value: string }> | undefined): string | null | undefined {
  if (value !== REDACTED || !SECRET_KEY.test(key)) return undefined;
  return stored?.find((p) => p.key.toLowerCase() === key.toLowerCase())?.value ?? null;
}
const DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const MEDIA_TYPES = new Set(['application/json', 'application/ld+json']);

export interface StoredEntityInfo {
  id?: string;
  idPattern?: string;
  /** Expanded type IRIs (an entity with several types has all of them). */
  types: string[];
}

export interface StoredRegistrationInfo {
  entities?: StoredEntityInfo[];
  /** Expanded IRIs. */
  propertyNames?: string[];
  relationshipNames?: string[];
}

export interface ManagementInfo {
  timeout?: number;
  cooldown?: number;
  localOnly?: boolean;
  cacheDuration?: string;
}

export interface KeyValuePair {
  key: string;
  value: string;
}

export interface TimeInterval {
  startAt: string;
  endAt?: string;
}

/** The body column: a registration with expanded names. */
export interface StoredRegistration {
  id: string;
  information: StoredRegistrationInfo[];
  endpoint: string;
  mode: RegistrationMode;
  /** As given (names and groups of Table 4.20); absent means federationOps. */
  operations?: string[];
  registrationName?: string;
  description?: string;
  contextSourceAlias?: string;
  /** The tenant to name (NGSILD-Tenant) when contacting the source. */
  tenant?: string;
  expiresAt?: string;
  management?: ManagementInfo;
  contextSourceInfo?: KeyValuePair[];
  scope?: string[];
  datasetId?: string[];
  location?: unknown;
  observationSpace?: unknown;
  operationSpace?: unknown;
  observationInterval?: TimeInterval;
  managementInterval?: TimeInterval;
  refreshRate?: string;
  /** Other members: expanded name → value as given. */
  properties?: Record<string, unknown>;
}

export interface RegistrationStatus {
  status?: 'ok' | 'failed' | undefined;
  timesSent: number;
  timesFailed: number;
  lastSuccess?: string | undefined;
  lastFailure?: string | undefined;
  createdAt: string;
  modifiedAt: string;
}

export interface Registration {
  tenant: string;
  body: StoredRegistration;
  state: RegistrationStatus;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(detail: string): never {
  throw new NgsiError('BadRequestData', detail);
}

function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') bad(`${field}: must be a non-empty string`);
  return value;
}

function dateTime(value: unknown, field: string): string {
  if (!isDateTime(value)) {
    bad(`${field}: "${String(value)}" is not a DateTime (e.g. 2026-12-31T23:59:59Z)`);
  }
  return new Date(value).toISOString();
}

function nameList(value: unknown, field: string, terms: TermMap): string[] {
  if (!Array.isArray(value) || value.length === 0) bad(`${field}: must be a non-empty array of attribute names`);
  return [...new Set(value.map((name, i) => {
    if (typeof name !== 'string') bad(`${field}[${i}]: must be a string`);
    assertName(name, `${field}[${i}]`);
    return terms.expandTerm(name);
  }))];
}

function regex(pattern: string, field: string): void {
  try {
    new RegExp(pattern);
  } catch {
    bad(`${field}: "${pattern}" is not a valid regular expression`);
  }
}

function parseEntityInfo(value: unknown, field: string, terms: TermMap): StoredEntityInfo {
  if (!isObject(value)) bad(`${field}: must be an object with "type" and optionally "id" or "idPattern"`);
  const rawType = value.type ?? value['@type'];
  if (rawType === undefined) bad(`${field}.type: is required (clause 5.2.8)`);
  const list = Array.isArray(rawType) ? rawType : [rawType];
  if (list.length === 0) bad(`${field}.type: at least one entity type is required`);
  const types = [...new Set(list.map((t) => {
    const name = nonEmptyString(t, `${field}.type`);
    assertName(name, `${field}.type`);
    return terms.expandTerm(name);
  }))];
  const out: StoredEntityInfo = { types };
  const id = value.id ?? value['@id'];
  if (id !== undefined) {
    if (!isUri(id)) bad(`${field}.id: "${String(id)}" is not a URI`);
    out.id = id;
  }
  if (value.idPattern !== undefined) {
    const pattern = nonEmptyString(value.idPattern, `${field}.idPattern`);
    regex(pattern, `${field}.idPattern`);
    // id takes precedence over idPattern (clause 5.2.8): keep only the id.
    if (out.id === undefined) out.idPattern = pattern;
  }
  for (const key of Object.keys(value)) {
    if (!['type', '@type', 'id', '@id', 'idPattern'].includes(key)) bad(`${field}: unknown member "${key}" (EntityInfo has type, id and idPattern)`);
  }
  return out;
}

function parseInformation(value: unknown, terms: TermMap): StoredRegistrationInfo[] {
  if (!Array.isArray(value) || value.length === 0) bad('information: must be a non-empty array of RegistrationInfo');
  return value.map((raw, i) => {
    const field = `information[${i}]`;
    if (!isObject(raw)) bad(`${field}: must be an object`);
    const out: StoredRegistrationInfo = {};
    if (raw.entities !== undefined) {
      if (!Array.isArray(raw.entities) || raw.entities.length === 0) bad(`${field}.entities: must be a non-empty array of EntityInfo`);
      out.entities = raw.entities.map((e, j) => parseEntityInfo(e, `${field}.entities[${j}]`, terms));
    }
    if (raw.propertyNames !== undefined) out.propertyNames = nameList(raw.propertyNames, `${field}.propertyNames`, terms);
    if (raw.relationshipNames !== undefined) out.relationshipNames = nameList(raw.relationshipNames, `${field}.relationshipNames`, terms);
    for (const key of Object.keys(raw)) {
      if (!['entities', 'propertyNames', 'relationshipNames'].includes(key)) bad(`${field}: unknown member "${key}"`);
    }
    if (!out.entities && !out.propertyNames && !out.relationshipNames) bad(`${field}: give at least one of entities, propertyNames or relationshipNames`);
    return out;
  });
}

function parseEndpoint(value: unknown): string {
  const text = nonEmptyString(value, 'endpoint');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    bad(`endpoint: "${text}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('endpoint: must be an http or https URL');
  if (url.username || url.password) bad('endpoint: must not carry credentials; put them in contextSourceInfo (e.g. Authorization)');
  if (url.search || url.hash) bad('endpoint: must not carry a query or fragment');
  return text;
}

function parseOperations(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) bad('operations: must be a non-empty array of operation names (clause 4.20)');
  return [...new Set(value.map((op, i) => {
    if (typeof op !== 'string' || (!OPERATIONS.has(op) && !(op in GROUPS))) bad(`operations[${i}]: "${String(op)}" is not an operation or operation group of clause 4.20`);
    return op;
  }))];
}

function positiveNumber(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) bad(`${field}: must be a number greater than 0`);
  if (value > max) bad(`${field}: at most ${max}`);
  return value;
}

function parseManagement(value: unknown): ManagementInfo {
  if (!isObject(value)) bad('management: must be an object (RegistrationManagementInfo, clause 5.2.34)');
  const out: ManagementInfo = {};
  for (const [key, raw] of Object.entries(value)) {
    switch (key) {
      case 'timeout': out.timeout = positiveNumber(raw, 'management.timeout', MAX_TIMEOUT_MS); break;
      case 'cooldown': out.cooldown = positiveNumber(raw, 'management.cooldown', MAX_COOLDOWN_MS); break;
      case 'localOnly':
        if (typeof raw !== 'boolean') bad('management.localOnly: must be true or false');
        out.localOnly = raw;
        break;
      case 'cacheDuration':
        if (typeof raw !== 'string' || !DURATION.test(raw)) bad('management.cacheDuration: must be an ISO 8601 duration (e.g. PT30S)');
        out.cacheDuration = raw;
        break;
      default: bad(`management: unknown member "${key}" (timeout, cooldown, localOnly, cacheDuration)`);
    }
  }
  return out;
}

function parseContextSourceInfo(value: unknown, previous: KeyValuePair[] | undefined): KeyValuePair[] {
  if (!Array.isArray(value)) bad('contextSourceInfo: must be an array of {"key", "value"} pairs');
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const field = `contextSourceInfo[${i}]`;
    if (!isObject(raw)) bad(`${field}: must be an object with "key" and "value"`);
    const key = nonEmptyString(raw.key, `${field}.key`);
    if (typeof raw.value !== 'string') bad(`${field}.value: must be a string`);
    let val = raw.value;
    const lower = key.toLowerCase();
    if (seen.has(lower)) bad(`${field}.key: "${key}" is given twice`);
    seen.add(lower);
    if (lower === 'ngsild-tenant' || lower === 'tenant') bad(`${field}.key: the tenant of the source is given by the registration's "tenant" member, not contextSourceInfo (clause 4.3.6.5)`);
    if (!HEADER_NAME.test(key)) bad(`${field}.key: "${key}" cannot be sent as an HTTP header name`);
    if (RESERVED_HEADERS.has(lower)) bad(`${field}.key: "${key}" belongs to the connection and cannot be set (clause 4.3.6.5)`);
    if (/[\r\n\0]/.test(val)) bad(`${field}.value: must not contain line breaks`);
    if ((lower === 'accept' || lower === 'contenttype') && val !== FROM_REQUEST && !MEDIA_TYPES.has(val)) {
      bad(`${field}.value: ${key} must be application/json or application/ld+json (clause 4.3.6.6)`);
    }
    if (lower === 'jsonldcontext' && !/^https?:\/\//.test(val)) bad(`${field}.value: jsonldContext must be an http(s) URL of a JSON-LD @context (clause 4.3.6.6)`);
    if (lower === 'ngsildconformance') {
      if (!/^\d+\.\d+$/.test(val)) bad(`${field}.value: ngsildConformance must be major.minor, e.g. 1.8`);
      // 4.3.6.8: payloads for an older source would need converting, which this broker does not do.
      if (belowNgsiLd19(val)) {
        throw new NgsiError('OperationNotSupported', `${field}.value: this broker sends NGSI-LD 1.9 payloads and does not convert them for a source conforming to ${val} (clause 4.3.6.8)`);
      }
    }
    const kept = keptSecret(key, val, previous);
    if (kept === null) bad(`${field}.value: "${REDACTED}" stands for a stored secret, but this registration has none for "${key}"`);
    if (kept !== undefined) val = kept;
    return { key, value: val };
  });
}

function parseInterval(value: unknown, field: string): TimeInterval {
  if (!isObject(value)) bad(`${field}: must be an object with startAt (and endAt)`);
  const out: TimeInterval = { startAt: dateTime(value.startAt, `${field}.startAt`) };
  if (value.endAt !== undefined) out.endAt = dateTime(value.endAt, `${field}.endAt`);
  if (out.endAt && out.endAt < out.startAt) bad(`${field}: endAt is before startAt`);
  return out;
}

function parseScope(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) bad('scope: must not be empty');
  for (const scope of list) {
    if (typeof scope !== 'string' || !/^\/[^/#+\s]+(\/[^/#+\s]+)*$/.test(scope)) bad(`scope: "${String(scope)}" is not a scope (e.g. /Fukushima/Aizu)`);
  }
  return [...new Set(list as string[])];
}

export interface ParseOptions {
  terms: TermMap;
  /** The stored registration a PATCH applies to (its secrets may be written back as REDACTED). */
  previous?: StoredRegistration | undefined;
}

/**
 * The members of a registration or fragment, checked and expanded. A member given as null is
 * returned as null (a PATCH removes it). Read-only members are ignored.
 */
export function parseMembers(body: Json, options: ParseOptions): Partial<Record<keyof StoredRegistration, unknown>> {
  const { terms } = options;
  const out: Partial<Record<keyof StoredRegistration, unknown>> = {};
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (READ_ONLY.has(key) || key === '@context' || key === 'id' || key === '@id' || key === 'type' || key === '@type') continue;
    if (value === null || value === 'urn:ngsi-ld:null') {
      if (['information', 'endpoint'].includes(key)) bad(`${key}: is required and cannot be removed`);
      if (KNOWN.has(key)) out[key as keyof StoredRegistration] = null;
      else properties[terms.expandTerm(key)] = null;
      continue;
    }
    switch (key) {
      case 'information': out.information = parseInformation(value, terms); break;
      case 'endpoint': out.endpoint = parseEndpoint(value); break;
      case 'mode':
        if (!MODES.includes(value as RegistrationMode)) bad(`mode: "${String(value)}" is not inclusive, exclusive, redirect or auxiliary`);
        out.mode = value;
        break;
      case 'operations': out.operations = parseOperations(value); break;
      case 'registrationName':
      case 'description':
      case 'contextSourceAlias':
        out[key] = nonEmptyString(value, key);
        break;
      case 'tenant':
        if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(value)) bad('tenant: must be a tenant name (letters, digits, _ and -, at most 64)');
        out.tenant = value;
        break;
      case 'expiresAt': out.expiresAt = dateTime(value, 'expiresAt'); break;
      case 'management': out.management = parseManagement(value); break;
      case 'contextSourceInfo': out.contextSourceInfo = parseContextSourceInfo(value, options.previous?.contextSourceInfo); break;
      case 'scope': out.scope = parseScope(value); break;
      case 'datasetId': {
        const list = Array.isArray(value) ? value : [value];
        if (list.length === 0 || list.some((d) => d !== '@none' && !isUri(d))) bad('datasetId: must be URIs or "@none"');
        out.datasetId = list as string[];
        break;
      }
      case 'location':
      case 'observationSpace':
      case 'operationSpace':
        out[key] = validateGeometry(value, key);
        break;
      case 'observationInterval':
      case 'managementInterval':
        out[key] = parseInterval(value, key);
        break;
      case 'refreshRate':
        if (typeof value !== 'string' || !DURATION.test(value)) bad('refreshRate: must be an ISO 8601 duration (e.g. PT1M)');
        out.refreshRate = value;
        break;
      default:
        assertName(key, 'registration member');
        properties[terms.expandTerm(key)] = value;
    }
  }
  if (Object.keys(properties).length) out.properties = properties;
  return out;
}

function checkType(body: Json, required: boolean): void {
  const type = body.type ?? body['@type'];
  if (type === undefined) {
    if (required) bad(`type: is required and must be "${REGISTRATION_TYPE}"`);
    return;
  }
  if (type !== REGISTRATION_TYPE) bad(`type: must be "${REGISTRATION_TYPE}", got ${JSON.stringify(type)}`);
}

/** Rules that involve several members (clause 5.9.2.4 / 5.9.3.4). */
export function checkRegistration(reg: StoredRegistration): void {
  if (reg.mode === 'auxiliary') {
    if (!reg.operations) reg.operations = ['retrieveOps'];
    const other = reg.operations.filter((op) => !AUXILIARY_OPERATIONS.has(op));
    if (other.length) bad(`operations: an auxiliary registration may only offer retrieveOps, retrieveEntity or queryEntity (not ${other.join(', ')})`);
  }
  if (reg.mode === 'exclusive') {
    reg.information.forEach((info, i) => {
      if (!info.entities || info.entities.some((e) => !e.id)) bad(`information[${i}].entities: an exclusive registration must name entities by id (clause 4.3.6.3)`);
      if (!info.propertyNames && !info.relationshipNames) bad(`information[${i}]: an exclusive registration must name the attributes it provides (propertyNames or relationshipNames)`);
    });
  }
}

/** A new registration from a POST body. */
export function parseRegistration(body: unknown, terms: TermMap, generateId: () => string): StoredRegistration {
  if (!isObject(body)) bad('The registration must be a JSON object');
  checkType(body, true);
  const rawId = body.id ?? body['@id'];
  let id: string;
  if (rawId === undefined) id = generateId();
  else {
    if (!isUri(rawId)) bad(`id: "${String(rawId)}" is not a URI`);
    id = assertKeyBytes(rawId, (shown) => `id: ${shown}`);
  }
  if (body.information === undefined) bad('information: is required (a non-empty array of RegistrationInfo)');
  if (body.endpoint === undefined) bad('endpoint: is required (the URL of the source\'s NGSI-LD API)');
  const members = parseMembers(body, { terms });
  const reg = { id, mode: 'inclusive', ...dropNulls(members) } as StoredRegistration;
  checkRegistration(reg);
  return reg;
}

/** Applies a PATCH fragment (clause 5.9.3: top-level members replaced, null removes). */
export function applyFragment(previous: StoredRegistration, body: unknown, terms: TermMap, pathId: string): StoredRegistration {
  if (!isObject(body)) bad('The registration fragment must be a JSON object');
  checkType(body, false);
  const givenId = body.id ?? body['@id'];
  if (givenId !== undefined && givenId !== pathId) bad(`id: a registration's id cannot be changed (${String(givenId)} differs from ${pathId})`);
  const members = parseMembers(body, { terms, previous });
  const next: Record<string, unknown> = { ...previous };
  for (const [key, value] of Object.entries(members)) {
    if (key === 'properties') {
      const merged = { ...(previous.properties ?? {}) } as Record<string, unknown>;
      for (const [name, v] of Object.entries(value as Json)) {
        if (v === null) delete merged[name];
        else merged[name] = v;
      }
      if (Object.keys(merged).length) next.properties = merged;
      else delete next.properties;
    } else if (value === null) {
      delete next[key];
    } else {
      next[key] = value;
    }
  }
  if (!next.mode) next.mode = 'inclusive';
  const reg = next as unknown as StoredRegistration;
  if (members.mode === 'auxiliary' && !members.operations && previous.mode !== 'auxiliary') delete reg.operations;
  checkRegistration(reg);
  return reg;
}

function dropNulls<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    if (k === 'properties') {
      const props = Object.fromEntries(Object.entries(v as Json).filter(([, p]) => p !== null));
      if (Object.keys(props).length) out[k] = props;
      continue;
    }
    out[k] = v;
  }
  return out as T;
}

export interface RenderRegistrationOptions {
  terms: TermMap;
  sysAttrs: boolean;
  /** Show the status members (timesSent…); not in notifications. Default true. */
  status?: boolean;
}

/** The compacted JSON of a registration (clause 5.2.9), secrets redacted. */
export function renderRegistration(registration: Registration, options: RenderRegistrationOptions, onlyInfo?: StoredRegistrationInfo[]): Json {
  const { terms } = options;
  const reg = registration.body;
  const compactAll = (names: string[]) => names.map((n) => terms.compactIri(n));
  const out: Json = { id: reg.id, type: REGISTRATION_TYPE };
  if (reg.registrationName) out.registrationName = reg.registrationName;
  if (reg.description) out.description = reg.description;
  out.information = (onlyInfo ?? reg.information).map((info) => {
    const i: Json = {};
    if (info.entities) {
      i.entities = info.entities.map((e) => {
        const types = compactAll(e.types);
        const entity: Json = { type: types.length === 1 ? types[0] : types };
        if (e.id) entity.id = e.id;
        if (e.idPattern) entity.idPattern = e.idPattern;
        return entity;
      });
    }
    if (info.propertyNames) i.propertyNames = compactAll(info.propertyNames);
    if (info.relationshipNames) i.relationshipNames = compactAll(info.relationshipNames);
    return i;
  });
  if (reg.tenant) out.tenant = reg.tenant;
  for (const key of ['observationInterval', 'managementInterval', 'location', 'observationSpace', 'operationSpace', 'expiresAt'] as const) {
    if (reg[key] !== undefined) out[key] = reg[key];
  }
  out.endpoint = reg.endpoint;
  if (reg.contextSourceInfo) out.contextSourceInfo = reg.contextSourceInfo.map(redact);
  if (reg.scope) out.scope = reg.scope.length === 1 ? reg.scope[0] : reg.scope;
  out.mode = reg.mode;
  if (reg.operations) out.operations = reg.operations;
  for (const key of ['refreshRate', 'management', 'contextSourceAlias', 'datasetId'] as const) {
    if (reg[key] !== undefined) out[key] = reg[key];
  }
  for (const [iri, value] of Object.entries(reg.properties ?? {})) out[terms.compactIri(iri)] = value;
  const state = registration.state;
  if (options.status === false) return out;
  if (state.status) out.status = state.status;
  out.timesSent = state.timesSent;
  out.timesFailed = state.timesFailed;
  if (state.lastSuccess) out.lastSuccess = state.lastSuccess;
  if (state.lastFailure) out.lastFailure = state.lastFailure;
  if (options.sysAttrs) {
    out.createdAt = state.createdAt;
    out.modifiedAt = state.modifiedAt;
  }
  return out;
}

function redact(pair: KeyValuePair): KeyValuePair {
  if (pair.value !== FROM_REQUEST && SECRET_KEY.test(pair.key)) return { key: pair.key, value: REDACTED };
  return pair;
}

// ---------------------------------------------------------------------------------------------
// Matching (clause 5.12)

/** What a query asks for, with names expanded. */
export interface RegistrationFilter {
  selector?: TypeSelector | undefined;
  ids?: string[] | undefined;
  idPattern?: string | undefined;
  /** Attributes named by attrs, q and the geo-query; matched against the registered names. */
  attrs?: string[] | undefined;
  /** A context source filter (csf.ts): checked by the callers, against Context Source properties. */
  csf?: Csf | undefined;
}

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** Whether an EntityInfo may describe entities the filter asks for. */
export function entityInfoMatches(info: StoredEntityInfo, filter: RegistrationFilter): boolean {
  if (filter.selector && !typesMatch(filter.selector, info.types)) return false;
  if (filter.ids?.length) {
    if (info.id) {
      if (!filter.ids.includes(info.id)) return false;
    } else if (info.idPattern) {
      const re = safeRegex(info.idPattern);
      if (re && !filter.ids.some((id) => re.test(id))) return false;
    }
  }
  if (filter.idPattern && info.id) {
    const re = safeRegex(filter.idPattern);
    if (re && !re.test(info.id)) return false;
  }
  return true;
}

export function registeredNames(info: StoredRegistrationInfo): string[] | undefined {
  if (!info.propertyNames && !info.relationshipNames) return undefined;
  return [...(info.propertyNames ?? []), ...(info.relationshipNames ?? [])];
}

/** Whether an EntityInfo's id or idPattern (none: any) takes the entity id. */
export function idMatches(info: { id?: string; idPattern?: string }, id: string): boolean {
  if (info.id) return info.id === id;
  if (info.idPattern) {
    try {
      return new RegExp(info.idPattern).test(id);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Keeps of an entity that came from a source only what the registration's information covers
 * (4.3.6.1: the registration's constraints are respected both ways): null when no element covers
 * the entity, else the registered attribute names it was cut to (undefined: any attribute).
 */
export function keepCovered(info: StoredRegistrationInfo[], entity: { id: string; types: string[]; attrs: Record<string, unknown> }): Set<string> | undefined | null {
  const covering = info.filter((i) => !i.entities || i.entities.some((e) => idMatches(e, entity.id) && e.types.some((t) => entity.types.includes(t))));
  if (covering.length === 0) return null;
  const allowed = covering.every((i) => registeredNames(i)) ? new Set(covering.flatMap((i) => registeredNames(i)!)) : undefined;
  if (allowed) {
    for (const name of Object.keys(entity.attrs)) if (!allowed.has(name)) delete entity.attrs[name];
  }
  return allowed;
}

/** The RegistrationInfo elements of a registration that match the filter (empty: no match). */
export function matchingInformation(reg: StoredRegistration, filter: RegistrationFilter): StoredRegistrationInfo[] {
  return reg.information.filter((info) => {
    // Without EntityInfo any entity is possible (clause 5.10.2.4).
    if (info.entities && !info.entities.some((e) => entityInfoMatches(e, filter))) return false;
    const names = registeredNames(info);
    if (names && filter.attrs?.length && !filter.attrs.some((a) => names.includes(a))) return false;
    return true;
  });
}

/** Whether the registration offers an operation (directly or through a group, clause 4.20). */
export function offers(reg: StoredRegistration, operation: string): boolean {
  const ops = reg.operations ?? ['federationOps'];
  return ops.some((op) => op === operation || GROUPS[op]?.includes(operation));
}

/** Table 4.20-1's operations on the temporal evolution (no group of Table 4.20-2 holds them). */
const TEMPORAL_OPERATIONS = ['upsertTemporal', 'appendAttrsTemporal', 'deleteAttrsTemporal', 'updateAttrInstanceTemporal', 'deleteAttrInstanceTemporal', 'deleteTemporal', 'retrieveTemporal', 'queryTemporal', 'createEntityMapQueryTemporal'];

/** Whether a registration's source keeps history: it offers an operation on the temporal evolution. */
export function keepsHistory(reg: StoredRegistration): boolean {
  return TEMPORAL_OPERATIONS.some((op) => offers(reg, op));
}

/** The GeoProperties of a registration (Table 5.2.9-1), which a geo-query on registrations tests. */
export const REGISTRATION_GEOPROPERTIES = ['location', 'observationSpace', 'operationSpace'] as const;

/** Registrations for temporal sources (clause 5.9.1) do not take part in latest-value queries. */
export function isTemporal(reg: StoredRegistration): boolean {
  return reg.observationInterval !== undefined || reg.managementInterval !== undefined;
}

/** The registration's interval for a time property, as epoch ms (end Infinity when open). */
function intervalOf(reg: StoredRegistration, timeproperty: TimeProperty): { start: number; end: number } | undefined {
  const interval = timeproperty === 'observedAt' ? reg.observationInterval : reg.managementInterval;
  if (!interval) return undefined;
  return { start: Date.parse(interval.startAt), end: interval.endAt === undefined ? Infinity : Date.parse(interval.endAt) };
}

/**
 * Whether a source whose interval is the registration's may hold history the temporal query
 * asks for (forwarding, 5.7.3.4 and 5.7.4.4): the query's range and the interval overlap. Unlike
 * matchesTimeQuery (discovery), `after` a time before the interval starts still reaches it.
 */
export function overlapsTimeQuery(reg: StoredRegistration, time: TimeQuery, timeproperty: TimeProperty): boolean {
  const interval = intervalOf(reg, timeproperty);
  if (!interval) return true;
  const at = Date.parse(time.timeAt);
  if (time.timerel === 'after') return interval.end >= at;
  if (time.timerel === 'before') return interval.start < at;
  return interval.start < Date.parse(time.endTimeAt!) && interval.end >= at;
}

/**
 * Whether a temporal query matches the registration's time interval (clause 5.10.2.4): observedAt
 * is tested against observationInterval, the system times against managementInterval; without
 * that interval there is no match. before/after match when timeAt lies in the interval or on an
 * end of it; between matches when [timeAt, endTimeAt) overlaps it. An interval without endAt is open.
 */
export function matchesTimeQuery(reg: StoredRegistration, time: TimeQuery, timeproperty: TimeProperty): boolean {
  const interval = intervalOf(reg, timeproperty);
  if (!interval) return false;
  const at = Date.parse(time.timeAt);
  if (time.timerel !== 'between') return interval.start <= at && at <= interval.end;
  return at <= interval.end && Date.parse(time.endTimeAt!) > interval.start;
}
