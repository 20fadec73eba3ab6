// Turns an NGSI-LD entity or attribute fragment from a request (normalized or concise
// representation, clause 4.5) into the stored, expanded form (stored-entity.ts), checking every
// rule a client can break so nothing half-valid reaches the database. Names are expanded with
// the requester's @context term map; values are kept verbatim.
import { NgsiError } from '../errors.ts';
import { validateGeometry } from '../geo/geometry.ts';
import type { AttributeKind, StoredAttribute, StoredAttributes } from './stored-entity.ts';

/** What entity conversion needs from a resolved @context: term ↔ IRI lookups. */
export interface TermMap {
  expandTerm(term: string): string;
  compactIri(iri: string): string;
}

export const NGSI_NULL = 'urn:ngsi-ld:null';

const ATTRIBUTE_KINDS = new Set<AttributeKind>([
  'Property', 'Relationship', 'GeoProperty', 'LanguageProperty', 'VocabProperty', 'JsonProperty', 'ListProperty', 'ListRelationship',
]);
const GEOJSON_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']);
/** Core attributes that are GeoProperties whatever the payload says (core @context). */
const GEO_ATTRIBUTES = new Set(['location', 'observationSpace', 'operationSpace']);
/** Members of an attribute instance that are not sub-attributes. */
const INSTANCE_MEMBERS = new Set([
  'type', 'value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList', 'objectType',
  'datasetId', 'observedAt', 'unitCode', 'createdAt', 'modifiedAt', 'deletedAt', 'instanceId', 'lang', '@context',
]);
/** Entity members that are not attributes. */
export const ENTITY_MEMBERS = new Set(['id', '@id', 'type', '@type', 'scope', '@context', 'createdAt', 'modifiedAt', 'deletedAt']);

// Clause 4.6.2: characters that may not appear in names (they break URLs and the query language).
const FORBIDDEN_NAME = /[<>"'=;()\s\\]|[\u0000-\u001f\u007f]/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]*$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

export function isUri(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && URI.test(value);
}

// Stored ids, datasetIds and expanded names are parts of b-tree keys, and PostgreSQL refuses an
// index entry over 2,704 bytes (a failed write). The widest keys hold three of them (the geo
// table: entity id, attribute, datasetId; the value index: attribute, up to 512 bytes of text,
// entity id), so each is held to 800 bytes, which always fits whatever the characters.
export const MAX_KEY_BYTES = 800;

/** Refuses an id or IRI too long to be stored as part of an index key; `subject` names it. */
export function assertKeyBytes(value: string, subject: (shown: string) => string): string {
  if (Buffer.byteLength(value) > MAX_KEY_BYTES) {
    throw new NgsiError('BadRequestData', `${subject(`"${truncate(value)}"`)} is longer than ${MAX_KEY_BYTES} bytes (UTF-8)`);
  }
  return value;
}

export function assertEntityId(id: unknown, where = 'id'): string {
  if (typeof id !== 'string' || id === '') throw new NgsiError('BadRequestData', `${where}: an entity id is required`);
  if (!isUri(id)) throw new NgsiError('BadRequestData', `${where}: "${truncate(id)}" is not a URI (e.g. urn:ngsi-ld:Building:001)`);
  return assertKeyBytes(id, (shown) => `${where}: ${shown}`);
}

export function assertName(name: string, where: string): void {
  if (name === '' || name.length > 512 || FORBIDDEN_NAME.test(name)) {
    throw new NgsiError('BadRequestData', `${where}: "${truncate(name)}" is not a valid name (no spaces, quotes, <, >, =, ;, ( or ))`);
  }
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface EntityInput {
  id: string;
  types: string[];
  scopes: string[] | null;
  attrs: StoredAttributes;
}

export interface ConvertOptions {
  terms: TermMap;
  now: string;
  /** Merge-patch: attributes or members set to "urn:ngsi-ld:null" mean delete. */
  allowNull?: boolean;
}

/** Expands entity types (string or array) to IRIs. */
export function expandTypes(value: unknown, terms: TermMap, where = 'type'): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new NgsiError('BadRequestData', `${where}: at least one entity type is required`);
  return [...new Set(list.map((t) => {
    if (typeof t !== 'string' || t === '') throw new NgsiError('BadRequestData', `${where}: an entity type must be a non-empty string`);
    assertName(t, where);
    return assertKeyBytes(terms.expandTerm(t), (shown) => `${where}: "${truncate(t)}" expands to ${shown}, which`);
  }))];
}

export function parseScopes(value: unknown): string[] | null {
  if (value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  for (const scope of list) {
    if (typeof scope !== 'string' || !/^\/[^/#+\s]+(\/[^/#+\s]+)*$/.test(scope)) {
      throw new NgsiError('BadRequestData', `scope: "${String(scope)}" is not a scope (e.g. /Fukushima/Aizu)`);
    }
  }
  return list.length ? [...new Set(list as string[])] : null;
}

/** A whole entity (create, replace, batch create/upsert). */
export function convertEntity(body: unknown, options: ConvertOptions, requireType = true): EntityInput {
  if (!isPlainObject(body)) throw new NgsiError('BadRequestData', 'The entity must be a JSON object');
  const id = assertEntityId(body.id ?? body['@id']);
  const rawType = body.type ?? body['@type'];
  if (rawType === undefined && requireType) throw new NgsiError('BadRequestData', `Entity ${id}: "type" is required`);
  const types = rawType === undefined ? [] : expandTypes(rawType, options.terms);
  const scopes = parseScopes(body.scope);
  const attrs = convertAttributes(body, options, `Entity ${id}`);
  return { id, types, scopes, attrs };
}

/** The attribute members of a fragment (append, update, merge), keyed by expanded IRI. */
export function convertAttributes(body: Record<string, unknown>, options: ConvertOptions, where: string): StoredAttributes {
  const attrs: StoredAttributes = {};
  for (const [name, raw] of Object.entries(body)) {
    if (ENTITY_MEMBERS.has(name)) continue;
    assertName(name, `${where}: attribute`);
    const iri = assertKeyBytes(options.terms.expandTerm(name), (shown) => `${where}: attribute "${truncate(name)}" expands to ${shown}, which`);
    const instances = Array.isArray(raw) && raw.length > 0 && raw.every(isInstanceLike) ? raw : [raw];
    const converted = instances.map((instance) => convertInstance(name, instance, options, `${where}: attribute "${name}"`));
    const seen = new Set<string>();
    for (const instance of converted) {
      const key = instance.datasetId ?? '@default';
      if (seen.has(key)) {
        throw new NgsiError('BadRequestData', `${where}: attribute "${name}" has two instances with ${instance.datasetId ? `datasetId ${instance.datasetId}` : 'no datasetId'}`);
      }
      seen.add(key);
    }
    attrs[iri] = converted;
  }
  return attrs;
}

/** An array of attribute objects is a multi-attribute; any other array is a concise value. */
function isInstanceLike(value: unknown): boolean {
  return isPlainObject(value) && (typeof value.type === 'string' && ATTRIBUTE_KINDS.has(value.type as AttributeKind) || 'datasetId' in value);
}

/** Infers the attribute kind of a concise attribute (clause 4.5.18) or checks the given one. */
function kindOf(name: string, raw: unknown, where: string): { kind: AttributeKind; body: Record<string, unknown> } {
  if (isPlainObject(raw)) {
    if (typeof raw.type === 'string' && ATTRIBUTE_KINDS.has(raw.type as AttributeKind)) {
      return { kind: raw.type as AttributeKind, body: raw };
    }
    if (typeof raw.type === 'string' && GEOJSON_TYPES.has(raw.type) && 'coordinates' in raw) {
      return { kind: 'GeoProperty', body: { value: raw } };
    }
    if (raw.type !== undefined) {
      throw new NgsiError('BadRequestData', `${where}: "type" must be Property, Relationship, GeoProperty, LanguageProperty, VocabProperty, JsonProperty, ListProperty or ListRelationship, not ${JSON.stringify(raw.type)}`);
    }
    if ('object' in raw) return { kind: 'Relationship', body: raw };
    if ('languageMap' in raw) return { kind: 'LanguageProperty', body: raw };
    if ('vocab' in raw) return { kind: 'VocabProperty', body: raw };
    if ('json' in raw) return { kind: 'JsonProperty', body: raw };
    if ('valueList' in raw) return { kind: 'ListProperty', body: raw };
    if ('objectList' in raw) return { kind: 'ListRelationship', body: raw };
    if ('value' in raw) {
      const value = raw.value;
      const geo = GEO_ATTRIBUTES.has(name) || (isPlainObject(value) && typeof value.type === 'string' && GEOJSON_TYPES.has(value.type) && 'coordinates' in value);
      return { kind: geo ? 'GeoProperty' : 'Property', body: raw };
    }
    // A concise Property whose value is a JSON object without NGSI-LD members.
    return { kind: 'Property', body: { value: raw } };
  }
  if (raw === null || raw === undefined) throw new NgsiError('BadRequestData', `${where}: the value may not be null`);
  return { kind: 'Property', body: { value: raw } };
}

function convertInstance(name: string, raw: unknown, options: ConvertOptions, where: string, nested = false): StoredAttribute {
  if (options.allowNull && raw === NGSI_NULL) {
    return { type: 'Property', value: NGSI_NULL, createdAt: options.now, modifiedAt: options.now };
  }
  let { kind, body } = kindOf(name, raw, where);
  if (GEO_ATTRIBUTES.has(name) && kind === 'Property') kind = 'GeoProperty';
  const out: StoredAttribute = { type: kind, createdAt: options.now, modifiedAt: options.now };
  const { terms } = options;
  switch (kind) {
    case 'Property':
      if (!('value' in body) || body.value === null) throw new NgsiError('BadRequestData', `${where}: a Property needs a non-null "value"`);
      // NGSI-LD null deletes, in updates and merges (PATCH) only; elsewhere it would be stored as text.
      if (body.value === NGSI_NULL && !options.allowNull) {
        throw new NgsiError('BadRequestData', `${where}: ${NGSI_NULL} deletes only in an update or merge (PATCH); to remove an attribute, DELETE it`);
      }
      out.value = body.value;
      break;
    case 'GeoProperty':
      if (!('value' in body)) throw new NgsiError('BadRequestData', `${where}: a GeoProperty needs a "value" (a GeoJSON geometry)`);
      out.value = options.allowNull && body.value === NGSI_NULL ? NGSI_NULL : validateGeometry(body.value, `${where}: value`);
      break;
    case 'Relationship': {
      const object = body.object;
      const list = Array.isArray(object) ? object : [object];
      if (list.length === 0 || !list.every(isUri)) throw new NgsiError('BadRequestData', `${where}: a Relationship needs an "object" that is a URI (or a list of URIs)`);
      out.object = object as string | string[];
      if (body.objectType !== undefined) {
        if (typeof body.objectType !== 'string') throw new NgsiError('BadRequestData', `${where}: "objectType" must be a type name`);
        out.objectType = terms.expandTerm(body.objectType);
      }
      break;
    }
    case 'LanguageProperty': {
      const map = body.languageMap;
      if (!isPlainObject(map) || Object.keys(map).length === 0) throw new NgsiError('BadRequestData', `${where}: a LanguageProperty needs a "languageMap" object such as {"ja": "…", "en": "…"}`);
      for (const [tag, text] of Object.entries(map)) {
        if (!/^([A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*|@none)$/.test(tag)) throw new NgsiError('BadRequestData', `${where}: "${tag}" is not a language tag (BCP 47, e.g. ja or en)`);
        const texts = Array.isArray(text) ? text : [text];
        if (!texts.every((t) => typeof t === 'string')) throw new NgsiError('BadRequestData', `${where}: languageMap.${tag} must be a string`);
      }
      out.languageMap = map as Record<string, string>;
      break;
    }
    case 'VocabProperty': {
      const vocab = body.vocab;
      const list = Array.isArray(vocab) ? vocab : [vocab];
      if (list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) throw new NgsiError('BadRequestData', `${where}: a VocabProperty needs a "vocab" term (or list of terms)`);
      const expanded = (list as string[]).map((v) => terms.expandTerm(v));
      out.vocab = Array.isArray(vocab) ? expanded : expanded[0]!;
      break;
    }
    case 'JsonProperty':
      if (!('json' in body) || body.json === null) throw new NgsiError('BadRequestData', `${where}: a JsonProperty needs a non-null "json"`);
      out.json = body.json;
      break;
    case 'ListProperty':
      if (!Array.isArray(body.valueList)) throw new NgsiError('BadRequestData', `${where}: a ListProperty needs a "valueList" array`);
      out.valueList = body.valueList;
      break;
    case 'ListRelationship':
      if (!Array.isArray(body.objectList) || !body.objectList.every((o) => isUri(o) || (isPlainObject(o) && isUri(o.object)))) {
        throw new NgsiError('BadRequestData', `${where}: a ListRelationship needs an "objectList" of URIs`);
      }
      out.objectList = body.objectList.map((o) => (isPlainObject(o) ? (o.object as string) : (o as string)));
      break;
  }
  if (body.datasetId !== undefined) {
    if (nested) throw new NgsiError('BadRequestData', `${where}: a sub-attribute cannot have a datasetId`);
    if (!isUri(body.datasetId)) throw new NgsiError('BadRequestData', `${where}: "datasetId" must be a URI`);
    out.datasetId = assertKeyBytes(body.datasetId, (shown) => `${where}: "datasetId" ${shown}`);
  }
  if (body.observedAt !== undefined) {
    if (!isDateTime(body.observedAt)) {
      throw new NgsiError('BadRequestData', `${where}: "observedAt" must be a date-time such as 2026-11-23T09:00:00Z`);
    }
    out.observedAt = new Date(body.observedAt).toISOString();
  }
  if (body.unitCode !== undefined) {
    if (typeof body.unitCode !== 'string' || body.unitCode === '') throw new NgsiError('BadRequestData', `${where}: "unitCode" must be a UN/CEFACT code such as CEL`);
    out.unitCode = body.unitCode;
  }
  for (const [subName, subRaw] of Object.entries(body)) {
    if (INSTANCE_MEMBERS.has(subName)) continue;
    assertName(subName, `${where}: sub-attribute`);
    out.sub ??= {};
    out.sub[terms.expandTerm(subName)] = convertInstance(subName, subRaw, options, `${where}.${subName}`, true);
  }
  return out;
}

/**
 * A DateTime (clause 4.6.3) that is on the calendar: Date.parse would take 2025-02-30 for 2 March
 * and 24:00:00 for the next day, and the value stored would not be the one sent.
 */
export function isDateTime(value: unknown): value is string {
  const parts = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = parts[9] === undefined || (Number(parts[9]) <= 23 && Number(parts[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}
