// The pure part of every entity write: given the entity as stored (or null) and the converted
// request fragment, compute the entity as it must be stored afterwards, and report attributes
// that were not changed and why (for 207 answers). No database access here, so each rule of
// clause 5.6 is easy to read and test, and batch operations reuse the same functions.
import { NgsiError } from '../errors.ts';
import { NGSI_NULL, type EntityInput } from './entity-input.ts';
import type { StoredAttribute, StoredAttributes, StoredEntity } from './stored-entity.ts';

export interface NotUpdated {
  attributeName: string; // expanded IRI; compacted when rendered
  reason: string;
  /** The registration of a context source that did not change it (clause 5.2.19). */
  registrationId?: string;
}

export interface ChangeResult {
  after: StoredEntity;
  updated: string[];
  notUpdated: NotUpdated[];
}

function clone(entity: StoredEntity): StoredEntity {
  return { ...entity, types: [...entity.types], attrs: structuredClone(entity.attrs) };
}

export function newEntity(tenant: string, input: EntityInput, now: string): StoredEntity {
  if (input.types.length === 0) throw new NgsiError('BadRequestData', `Entity ${input.id}: "type" is required`);
  const attrs = stripNulls(input.attrs);
  return { tenant, id: input.id, types: input.types, scopes: input.scopes, attrs, createdAt: now, modifiedAt: now };
}

/** Removes merge-patch nulls, which mean nothing on a new entity. */
function stripNulls(attrs: StoredAttributes): StoredAttributes {
  const out: StoredAttributes = {};
  for (const [iri, instances] of Object.entries(attrs)) {
    const kept = instances.filter((i) => i.value !== NGSI_NULL);
    if (kept.length) out[iri] = kept;
  }
  return out;
}

/** PUT /entities/{id} (replace): everything but id and createdAt comes from the request. */
export function replaceEntity(before: StoredEntity, input: EntityInput, now: string): StoredEntity {
  return {
    ...before,
    types: input.types.length ? input.types : before.types,
    scopes: input.scopes,
    attrs: stripNulls(input.attrs),
    modifiedAt: now,
  };
}

function sameDataset(a: StoredAttribute, b: StoredAttribute): boolean {
  return (a.datasetId ?? null) === (b.datasetId ?? null);
}

/** Puts `instance` in place of the one with the same datasetId (keeping its createdAt), or adds it. */
function putInstance(list: StoredAttribute[], instance: StoredAttribute): StoredAttribute[] {
  const index = list.findIndex((i) => sameDataset(i, instance));
  if (index < 0) return [...list, instance];
  const next = [...list];
  next[index] = { ...instance, createdAt: list[index]!.createdAt };
  return next;
}

/**
 * POST /entities/{id}/attrs (append, clause 5.6.3.4), also batch update and upsert with update:
 * attributes added or replaced (with noOverwrite, existing ones kept), new types added, and
 * `scopes` (when given) replacing the entity's, or with noOverwrite joining them.
 */
export function appendAttributes(before: StoredEntity, attrs: StoredAttributes, now: string, noOverwrite: boolean, types: string[] = [], scopes: string[] | null = null): ChangeResult {
  const after = clone(before);
  const updated: string[] = [];
  const notUpdated: NotUpdated[] = [];
  for (const [iri, instances] of Object.entries(attrs)) {
    let list = after.attrs[iri] ?? [];
    for (const instance of instances) {
      if (noOverwrite && list.some((i) => sameDataset(i, instance))) {
        notUpdated.push({ attributeName: iri, reason: 'The attribute already exists and noOverwrite was requested' });
        continue;
      }
      list = putInstance(list, instance);
      if (!updated.includes(iri)) updated.push(iri);
    }
    if (list.length) after.attrs[iri] = list;
  }
  for (const type of types) if (!after.types.includes(type)) after.types.push(type);
  if (scopes) after.scopes = noOverwrite ? [...new Set([...(before.scopes ?? []), ...scopes])] : scopes;
  if (updated.length || types.length || scopes) after.modifiedAt = now;
  return { after, updated, notUpdated };
}

/** PATCH /entities/{id}/attrs (update): only attributes (and datasetIds) that exist are replaced. */
export function updateAttributes(before: StoredEntity, attrs: StoredAttributes, now: string): ChangeResult {
  const after = clone(before);
  const updated: string[] = [];
  const notUpdated: NotUpdated[] = [];
  for (const [iri, instances] of Object.entries(attrs)) {
    let list = after.attrs[iri];
    for (const instance of instances) {
      if (!list || !list.some((i) => sameDataset(i, instance))) {
        notUpdated.push({ attributeName: iri, reason: instance.datasetId ? `The attribute has no instance with datasetId ${instance.datasetId}` : 'The attribute does not exist' });
        continue;
      }
      if (instance.value === NGSI_NULL) {
        list = list.filter((i) => !sameDataset(i, instance));
      } else {
        list = putInstance(list, instance);
      }
      if (!updated.includes(iri)) updated.push(iri);
    }
    if (list && list.length) after.attrs[iri] = list;
    else delete after.attrs[iri];
  }
  if (updated.length) after.modifiedAt = now;
  return { after, updated, notUpdated };
}

const MAIN_MEMBERS = ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList'] as const;

/** Merges the members of `patch` into `target` (partial attribute update and merge-patch). */
function mergeInstance(target: StoredAttribute, patch: StoredAttribute, now: string): StoredAttribute {
  const out: StoredAttribute = { ...target, modifiedAt: now };
  const hasMain = MAIN_MEMBERS.some((key) => patch[key] !== undefined);
  if (hasMain && patch.type !== target.type) {
    // A different kind replaces the attribute's main value entirely.
    for (const key of MAIN_MEMBERS) delete out[key];
    delete out.objectType;
    out.type = patch.type;
  }
  for (const key of ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList', 'objectType', 'observedAt', 'unitCode'] as const) {
    if (patch[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = patch[key];
  }
  if (patch.sub) {
    const sub = { ...(target.sub ?? {}) };
    for (const [iri, subPatch] of Object.entries(patch.sub)) {
      if (subPatch.value === NGSI_NULL) delete sub[iri];
      else sub[iri] = sub[iri] ? mergeInstance(sub[iri]!, subPatch, now) : subPatch;
    }
    if (Object.keys(sub).length) out.sub = sub;
    else delete out.sub;
  }
  return out;
}

/** PATCH /entities/{id}/attrs/{attr} (partial attribute update, clause 5.6.4). */
export function patchAttribute(before: StoredEntity, iri: string, patch: StoredAttribute, now: string): StoredEntity {
  const list = before.attrs[iri];
  const index = list?.findIndex((i) => sameDataset(i, patch)) ?? -1;
  if (!list || index < 0) {
    throw new NgsiError('ResourceNotFound', patch.datasetId ? `The attribute has no instance with datasetId ${patch.datasetId}` : `Entity ${before.id} has no such attribute`);
  }
  const after = clone(before);
  const next = [...list];
  next[index] = mergeInstance(list[index]!, patch, now);
  after.attrs[iri] = next;
  after.modifiedAt = now;
  return after;
}

/** PATCH /entities/{id} (merge, clause 5.6.17): add, merge, or delete with urn:ngsi-ld:null. */
export function mergeEntity(before: StoredEntity, input: EntityInput, now: string): StoredEntity {
  const after = clone(before);
  for (const [iri, instances] of Object.entries(input.attrs)) {
    let list = after.attrs[iri] ?? [];
    for (const instance of instances) {
      const index = list.findIndex((i) => sameDataset(i, instance));
      if (instance.value === NGSI_NULL) {
        list = list.filter((i) => !sameDataset(i, instance));
      } else if (index < 0) {
        list = [...list, instance];
      } else {
        list = [...list];
        list[index] = mergeInstance(list[index]!, instance, now);
      }
    }
    if (list.length) after.attrs[iri] = list;
    else delete after.attrs[iri];
  }
  for (const type of input.types) if (!after.types.includes(type)) after.types.push(type);
  if (input.scopes) after.scopes = input.scopes;
  after.modifiedAt = now;
  return after;
}

/** DELETE /entities/{id}/attrs/{attr}: one instance (datasetId), the default one, or all. */
export function deleteAttribute(before: StoredEntity, iri: string, datasetId: string | undefined, deleteAll: boolean, now: string): StoredEntity {
  const list = before.attrs[iri];
  if (!list) throw new NgsiError('ResourceNotFound', `Entity ${before.id} has no such attribute`);
  const kept = deleteAll ? [] : list.filter((i) => (i.datasetId ?? undefined) !== datasetId);
  if (kept.length === list.length) {
    throw new NgsiError('ResourceNotFound', datasetId ? `The attribute has no instance with datasetId ${datasetId}` : 'The attribute has no default instance (give datasetId or deleteAll=true)');
  }
  const after = clone(before);
  if (kept.length) after.attrs[iri] = kept;
  else delete after.attrs[iri];
  after.modifiedAt = now;
  return after;
}
