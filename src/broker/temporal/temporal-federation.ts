// Temporal queries and retrieves with registered context sources (clauses 5.7.3.4, 5.7.4.4):
// a municipality's broker that keeps the history of its sensors registers `queryTemporal` and
// `retrieveTemporal`; the prefecture broker forwards temporal requests to it (registrations/
// federation.ts) and merges its temporal entities with its own history here, by entity id and
// by attribute instance (an instance both give, by instanceId, is shown once). The merged
// instances are rendered as local ones are, so every format (temporalValues, aggregatedValues,
// concise) works on the whole history.
import { NgsiError } from '../errors.ts';
import { assertName, convertAttributes, ENTITY_MEMBERS, expandTypes, isUri, NGSI_NULL, parseScopes, type TermMap } from '../entities/entity-input.ts';
import type { StoredAttribute } from '../entities/stored-entity.ts';
import type { TemporalEntity, StoredInstance, TimeProperty } from './temporal-store.ts';
import type { TemporalInstance } from './history-recorder.ts';
import { canonicalJson } from '../jsonld/index.ts';

type Raw = Record<string, unknown>;

export interface TemporalPart {
  entity: TemporalEntity;
  instances: StoredInstance[];
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The attribute instances of a temporal entity's body (normalized temporal representation,
 * 4.5.8): each instance as given and converted. Throws BadRequestData naming the first bad one.
 */
export function readInstances(body: Raw, terms: TermMap, where: string): Array<{ attr: string; given: Raw; stored: StoredAttribute }> {
  const now = new Date().toISOString();
  const out: Array<{ attr: string; given: Raw; stored: StoredAttribute }> = [];
  for (const [name, raw] of Object.entries(body)) {
    if (ENTITY_MEMBERS.has(name)) continue;
    assertName(name, `${where}: attribute`);
    const iri = terms.expandTerm(name);
    const instances = Array.isArray(raw) ? raw : [raw];
    if (instances.length === 0) throw new NgsiError('BadRequestData', `${where}: attribute "${name}" has no instances`);
    instances.forEach((instance, index) => {
      if (!isObject(instance)) throw new NgsiError('BadRequestData', `${where}: attribute "${name}"[${index}] must be an attribute instance object`);
      const { instanceId: _instanceId, ...rest } = instance;
      out.push({ attr: iri, given: instance, stored: convertAttributes({ [name]: rest }, { terms, now }, `${where}[${index}]`)[iri]![0]! });
    });
  }
  return out;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined);

/** The main member of each attribute kind, which a deletion marker sets to the NGSI-LD Null. */
const MAIN: Record<string, string> = {
  Property: 'value', GeoProperty: 'value', Relationship: 'object', LanguageProperty: 'languageMap',
  VocabProperty: 'vocab', JsonProperty: 'json', ListProperty: 'valueList', ListRelationship: 'objectList',
};

/** Whether an instance is a deletion marker (4.5.8: its main value the NGSI-LD Null, or a deletedAt). */
function isMarker(given: Raw): boolean {
  if (typeof given.deletedAt === 'string') return true;
  const main = given[MAIN[String(given.type)] ?? 'value'];
  if (main === NGSI_NULL) return true;
  if (Array.isArray(main)) return main.length === 1 && main[0] === NGSI_NULL;
  return isObject(main) && main['@none'] === NGSI_NULL;
}

/** A deletion marker as this broker's history keeps one (history-recorder.ts deletionRow). */
function marker(given: Raw, at: string): TemporalInstance {
  const type = (typeof given.type === 'string' && MAIN[given.type] ? given.type : 'Property') as StoredAttribute['type'];
  const out: TemporalInstance = { type, createdAt: at, modifiedAt: at, deletedAt: at };
  const main = MAIN[type]!;
  (out as unknown as Raw)[main] = main === 'languageMap' ? { '@none': NGSI_NULL } : main === 'valueList' || main === 'objectList' ? [NGSI_NULL] : NGSI_NULL;
  if (typeof given.datasetId === 'string') out.datasetId = given.datasetId;
  return out;
}

/**
 * A source's temporal entity as an entity and its instances; undefined when it is not a valid
 * one (the source's problem, not the query's). Deletion markers are kept as markers, as this
 * broker's history keeps them. An instance that is not valid is left out and counted in `skipped`.
 */
export function readTemporalEntity(tenant: string, item: Raw, terms: TermMap, timeproperty: TimeProperty, registration: string): (TemporalPart & { skipped: number }) | undefined {
  const id = item.id ?? item['@id'];
  if (!isUri(id)) return undefined;
  const now = new Date().toISOString();
  let types: string[];
  let scopes: string[] | null;
  try {
    types = expandTypes(item.type ?? item['@type'], terms);
    scopes = parseScopes(item.scope);
  } catch {
    return undefined;
  }
  const instances: StoredInstance[] = [];
  let skipped = 0;
  for (const [name, raw] of Object.entries(item)) {
    if (ENTITY_MEMBERS.has(name)) continue;
    for (const given of Array.isArray(raw) ? raw : [raw]) {
      try {
        if (!isObject(given)) throw new Error('not an instance');
        // A marker's times default to its deletedAt, as this broker's markers are written then.
        const deletedAt = isMarker(given) ? (text(given.deletedAt) ?? text(given.modifiedAt) ?? now) : null;
        const createdAt = text(given.createdAt) ?? deletedAt ?? now;
        const modifiedAt = text(given.modifiedAt) ?? createdAt;
        const iri = terms.expandTerm(name);
        const stored: TemporalInstance = deletedAt ? marker(given, deletedAt) : readInstances({ [name]: given }, terms, `Entity ${id}`)[0]!.stored;
        const observedAt = stored.observedAt ?? null;
        const time = timeproperty === 'observedAt' ? (observedAt ?? createdAt) : timeproperty === 'modifiedAt' ? modifiedAt : timeproperty === 'deletedAt' ? (deletedAt ?? createdAt) : createdAt;
        const instanceId = typeof given.instanceId === 'string' ? given.instanceId : `${registration}#${id}#${instances.length}`;
        instances.push({ attr: iri, datasetId: stored.datasetId ?? '', instanceId, instance: stored, observedAt, createdAt, modifiedAt, deletedAt, time });
      } catch {
        skipped++;
      }
    }
  }
  const createdAt = text(item.createdAt) ?? now;
  return { entity: { tenant, id, types, scopes, createdAt, modifiedAt: text(item.modifiedAt) ?? createdAt, deletedAt: null }, instances, skipped };
}

/** The last `lastN` instances of each attribute (by time), as the store keeps them (4.11). */
function lastOf(instances: StoredInstance[], lastN: number | undefined): StoredInstance[] {
  const sorted = [...instances].sort((a, b) => (a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : Date.parse(a.time) - Date.parse(b.time)));
  if (lastN === undefined) return sorted;
  const counts = new Map<string, number>();
  const kept: StoredInstance[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const n = counts.get(sorted[i]!.attr) ?? 0;
    if (n < lastN) kept.unshift(sorted[i]!);
    counts.set(sorted[i]!.attr, n + 1);
  }
  return kept;
}

/**
 * What identifies an observed instance whatever broker holds it: its attribute, dataset and
 * observedAt, and everything it holds (sub-attributes included) but the system's members, as
 * canonical JSON (object keys sorted: jsonb reorders them); undefined without observedAt.
 */
function observation(instance: StoredInstance): string | undefined {
  if (!instance.observedAt || instance.deletedAt) return undefined;
  const { observedAt: _observed, ...content } = instance.instance as unknown as Raw;
  return canonicalJson([instance.attr, instance.datasetId, Date.parse(instance.observedAt), comparable(content)]);
}

/** Members each broker sets for itself, at any level (a sub-attribute's too). */
const SYSTEM_MEMBERS = new Set(['instanceId', 'createdAt', 'modifiedAt', 'deletedAt']);

/** A JSON value as any broker would hold the same content: system members left out, times (observedAt) as instants. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Raw = {};
  for (const [key, member] of Object.entries(value)) {
    if (SYSTEM_MEMBERS.has(key)) continue;
    out[key] = key === 'observedAt' && typeof member === 'string' && !Number.isNaN(Date.parse(member)) ? Date.parse(member) : comparable(member);
  }
  return out;
}

/**
 * Temporal entities merged by id, sorted by id: types and scopes unioned, the earliest createdAt
 * and the latest modifiedAt; instances unioned (one per instanceId), `lastN` applied again.
 */
export function mergeTemporal(parts: TemporalPart[], lastN: number | undefined): TemporalPart[] {
  const byId = new Map<string, { entity: TemporalEntity; instances: Map<string, StoredInstance>; observed: Map<string, number> }>();
  parts.forEach(({ entity, instances }, part) => {
    let held = byId.get(entity.id);
    if (!held) byId.set(entity.id, (held = { entity: { ...entity, types: [...entity.types] }, instances: new Map(), observed: new Map() }));
    else {
      const target = held.entity;
      for (const type of entity.types) if (!target.types.includes(type)) target.types.push(type);
      if (entity.scopes) target.scopes = [...new Set([...(target.scopes ?? []), ...entity.scopes])];
      if (entity.createdAt < target.createdAt) target.createdAt = entity.createdAt;
      if (entity.modifiedAt > target.modifiedAt) target.modifiedAt = entity.modifiedAt;
    }
    for (const instance of instances) {
      if (held.instances.has(instance.instanceId)) continue;
      // A copy (an inclusive source's) has its own instanceId: the same observation, value and
      // dataset from another part is the same instance.
      const key = observation(instance);
      if (key !== undefined) {
        const seenIn = held.observed.get(key);
        if (seenIn !== undefined && seenIn !== part) continue;
        held.observed.set(key, part);
      }
      held.instances.set(instance.instanceId, instance);
    }
  });
  return [...byId.values()]
    .map(({ entity, instances }) => ({ entity, instances: lastOf([...instances.values()], lastN) }))
    .sort((a, b) => (a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0));
}
