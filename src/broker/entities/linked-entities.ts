// Linked Entity retrieval (clause 4.5.23, annex C.2.2): `join=flat|inline`, `joinLevel` and
// `containedBy` on Retrieve Entity and Query Entities. The Relationships and ListRelationships
// among the attributes a response shows are followed to entities of the same tenant held by this
// broker (targets elsewhere are left as they are), level by level, each entity at most once:
//   - flat: the linked entities are appended to the answer (an array, also for a retrieve);
//   - inline: each Relationship gets an `entity` sub-attribute (an array for several objects) and
//     each ListRelationship an `entityList`; in the simplified representation the attribute's
//     value is replaced by the linked entity (or the array of them).
// `containedBy` names entities already encountered (by the caller, in an earlier step of walking
// the graph); they are not repeated. Limits: joinLevel at most MAX_JOIN_LEVEL (TooComplexQuery),
// at most MAX_LINKED_ENTITIES linked entities in one answer (TooManyResults).
import { sql, type Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { personalEntitySql } from '../personal/personal-types.ts';
import { list, param, type Query } from '../http/request-options.ts';
import { assertEntityId } from './entity-input.ts';
import { attributeShown, renderEntity, selectedInstances, type RenderOptions } from './entity-output.ts';
import { rowToEntity } from './entity-store.ts';
import type { StoredAttribute, StoredEntity } from './stored-entity.ts';

export const MAX_JOIN_LEVEL = 5;
export const MAX_LINKED_ENTITIES = 1000;

export interface JoinRequest {
  mode: 'flat' | 'inline';
  level: number;
  containedBy: string[];
}

type Json = Record<string, unknown>;

/** `join`, `joinLevel` and `containedBy`; undefined without a join (or with join=@none). */
export function parseJoin(query: Query): JoinRequest | undefined {
  const join = param(query, 'join');
  if (join === undefined || join === '@none') return undefined;
  if (join !== 'flat' && join !== 'inline') throw new NgsiError('BadRequestData', `join: must be flat, inline or @none, not "${join}"`);
  const rawLevel = param(query, 'joinLevel');
  if (rawLevel !== undefined && !/^[1-9]\d*$/.test(rawLevel)) throw new NgsiError('BadRequestData', `joinLevel: must be a positive whole number, not "${rawLevel}"`);
  const level = rawLevel === undefined ? 1 : Number(rawLevel);
  if (level > MAX_JOIN_LEVEL) throw new NgsiError('TooComplexQuery', `joinLevel: at most ${MAX_JOIN_LEVEL}`);
  const containedBy = list(query, 'containedBy') ?? [];
  containedBy.forEach((id) => assertEntityId(id, 'containedBy'));
  return { mode: join, level, containedBy };
}

/** The entity ids a Relationship or ListRelationship instance points to. */
function targetsOf(instance: StoredAttribute): string[] {
  if (instance.type === 'Relationship') return instance.object === undefined ? [] : [instance.object].flat();
  if (instance.type === 'ListRelationship') return instance.objectList ?? [];
  return [];
}

function linksOf(entity: StoredEntity, render: RenderOptions): string[] {
  // Only the instances the answer shows (datasetId selects them, 4.5.5) are followed.
  return Object.entries(entity.attrs).flatMap(([iri, instances]) => (attributeShown(iri, render) ? selectedInstances(instances, render).flatMap(targetsOf) : []));
}

/**
 * The linked entities of `roots` up to the join level, in the order they are reached (breadth
 * first), read from the tenant with one query per level.
 */
export async function loadLinked(db: Kysely<any>, tenant: string, roots: StoredEntity[], join: JoinRequest, render: RenderOptions, onlyTypes?: string[]): Promise<Map<string, StoredEntity>> {
  const seen = new Set([...join.containedBy, ...roots.map((e) => e.id)]);
  const linked = new Map<string, StoredEntity>();
  let frontier = roots;
  for (let level = 1; level <= join.level && frontier.length > 0; level++) {
    const wanted = [...new Set(frontier.flatMap((e) => linksOf(e, render)))].filter((id) => !seen.has(id));
    wanted.forEach((id) => seen.add(id));
    if (wanted.length === 0) break;
    // Bounds the lookup itself; targets held elsewhere count too, so the bound is generous.
    if (wanted.length > MAX_LINKED_ENTITIES * 10) throw tooMany();
    // Personal entities are never reached this way: only the opt-in gateway serves them.
    const rows = (await sql`select * from broker_entities e where e.tenant = ${tenant} and e.id = any(${sql.val(wanted)}::text[])
      and not ${personalEntitySql('e')} ${onlyTypes ? sql`and e.types && ${sql.val(onlyTypes)}::text[]` : sql``}`.execute(db)).rows;
    const found = new Map(rows.map((r) => [(r as { id: string }).id, rowToEntity(r as never)]));
    frontier = wanted.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
    for (const entity of frontier) linked.set(entity.id, entity);
    if (linked.size > MAX_LINKED_ENTITIES) throw tooMany();
  }
  return linked;
}

function tooMany(): NgsiError {
  return new NgsiError('TooManyResults', `The linked entities exceed ${MAX_LINKED_ENTITIES}: lower joinLevel, narrow the query or leave Relationships out with pick/omit`);
}

/** join=flat: the entities themselves, then every linked entity. */
export function renderFlat(roots: StoredEntity[], linked: Map<string, StoredEntity>, render: RenderOptions): Json[] {
  return [...roots, ...linked.values()].map((e) => renderEntity(e, render));
}

/** join=inline: each entity with its linked entities inside its Relationships. */
export function renderInline(roots: StoredEntity[], linked: Map<string, StoredEntity>, join: JoinRequest, render: RenderOptions): Json[] {
  const seen = new Set([...join.containedBy, ...roots.map((e) => e.id)]);
  const simplified = render.representation === 'simplified';
  const inline = (entity: StoredEntity, depth: number): Json => {
    const out = renderEntity(entity, render);
    if (depth >= join.level) return out;
    for (const [iri, instances] of Object.entries(entity.attrs)) {
      if (!attributeShown(iri, render)) continue;
      const name = render.terms.compactIri(iri);
      const selected = selectedInstances(instances, render);
      selected.forEach((instance, k) => {
        const found = targetsOf(instance).filter((id) => linked.has(id) && !seen.has(id));
        if (found.length === 0) return;
        // Marked before descending, so a sibling or a deeper level never repeats an entity.
        found.forEach((id) => seen.add(id));
        const children = found.map((id) => inline(linked.get(id)!, depth + 1));
        const value = instance.type === 'Relationship' && !Array.isArray(instance.object) ? children[0] : children;
        // Where renderEntity put the instance: alone, or one of a multi-attribute (clause 4.5.5).
        if (simplified) {
          if (selected.length === 1) out[name] = value;
          else (out[name] as { dataset: Json }).dataset[instance.datasetId ?? '@none'] = value;
        } else {
          const shownInstance = (selected.length === 1 ? out[name] : (out[name] as Json[])[k]) as Json;
          shownInstance[instance.type === 'ListRelationship' ? 'entityList' : 'entity'] = value;
        }
      });
    }
    return out;
  };
  return roots.map((e) => inline(e, 0));
}
