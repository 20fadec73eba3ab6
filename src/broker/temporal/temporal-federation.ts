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

/**
 * A source's temporal entity as an entity and its instances; undefined when it is not a valid
 * one (the source's problem, not the query's). Deleted instances (the NGSI-LD Null) are left out.
 */
export function readTemporalEntity(tenant: string, item: Raw, terms: TermMap, timeproperty: TimeProperty, registration: string): TemporalPart | undefined {
  const id = item.id ?? item['@id'];
  if (!isUri(id)) return undefined;
  const now = new Date().toISOString();
  try {
    const kept = Object.fromEntries(Object.entries(item).filter(([, value]) => {
      const list = Array.isArray(value) ? value : [value];
      return !list.some((i) => isObject(i) && (i.value === NGSI_NULL || i.object === NGSI_NULL));
    }));
    const instances = readInstances(kept, terms, `Entity ${id}`).map(({ attr, given, stored }, n): StoredInstance => {
      const createdAt = text(given.createdAt) ?? now;
      const modifiedAt = text(given.modifiedAt) ?? createdAt;
      const observedAt = stored.observedAt ?? null;
      const time = timeproperty === 'observedAt' ? (observedAt ?? createdAt) : timeproperty === 'modifiedAt' ? modifiedAt : createdAt;
      const instanceId = typeof given.instanceId === 'string' ? given.instanceId : `${registration}#${id}#${n}`;
      return { attr, datasetId: stored.datasetId ?? '', instanceId, instance: stored, observedAt, createdAt, modifiedAt, deletedAt: null, time };
    });
    const createdAt = text(item.createdAt) ?? now;
    return {
      entity: { tenant, id, types: expandTypes(item.type ?? item['@type'], terms), scopes: parseScopes(item.scope), createdAt, modifiedAt: text(item.modifiedAt) ?? createdAt, deletedAt: null },
      instances,
    };
  } catch {
    return undefined;
  }
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
 * Temporal entities merged by id, sorted by id: types and scopes unioned, the earliest createdAt
 * and the latest modifiedAt; instances unioned (one per instanceId), `lastN` applied again.
 */
export function mergeTemporal(parts: TemporalPart[], lastN: number | undefined): TemporalPart[] {
  const byId = new Map<string, { entity: TemporalEntity; instances: Map<string, StoredInstance> }>();
  for (const { entity, instances } of parts) {
    let held = byId.get(entity.id);
    if (!held) byId.set(entity.id, (held = { entity: { ...entity, types: [...entity.types] }, instances: new Map() }));
    else {
      const target = held.entity;
      for (const type of entity.types) if (!target.types.includes(type)) target.types.push(type);
      if (entity.scopes) target.scopes = [...new Set([...(target.scopes ?? []), ...entity.scopes])];
      if (entity.createdAt < target.createdAt) target.createdAt = entity.createdAt;
      if (entity.modifiedAt > target.modifiedAt) target.modifiedAt = entity.modifiedAt;
    }
    for (const instance of instances) if (!held.instances.has(instance.instanceId)) held.instances.set(instance.instanceId, instance);
  }
  return [...byId.values()]
    .map(({ entity, instances }) => ({ entity, instances: lastOf([...instances.values()], lastN) }))
    .sort((a, b) => (a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0));
}
