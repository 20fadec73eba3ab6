// Split entities (clause 4.3.6.7, `splitEntities=true`): the parts of one entity may be held by
// this broker and several sources, so a filter cannot be applied where each part is held (a q
// on `capacity` at a source that holds only `name` would drop the entity). The sources are
// asked for every entity of the selection (type, id, idPattern) without filters, the parts are
// merged here with this broker's parts, and the filters (type selector, attrs, q, geo-query,
// scopeQ) are applied to the merged entities. An entity held only here is filtered in SQL as
// usual.
import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { EntityQuery } from '../entities/entity-query.ts';
import type { StoredEntity } from '../entities/stored-entity.ts';
import { typesMatch, type TypeSelector } from '../entities/type-selector.ts';
import { matchesGeoQuery } from '../geo/geo-query.ts';
import type { Geometry } from '../geo/types.ts';
import { compileQ } from '../query/q-sql.ts';
import { matchesScopeQuery } from '../query/scope-query.ts';

/**
 * The query's selection only: what each source is asked for when entities may be split. A type
 * selector becomes "any of its types" (`A;B` may be met by an entity whose parts are an A here
 * and a B there); the merged entity is given the selector itself.
 */
export function selectionOnly(query: EntityQuery): EntityQuery {
  return { ...query, types: query.types && anyOf(query.types), attrs: undefined, q: undefined, expandValues: undefined, scopeQ: undefined, geo: undefined, written: {}, ordering: undefined };
}

/**
 * This broker's parts of the entities `ids`, read to be merged with the sources' parts: the
 * selection without filters, and of whatever type (the merged entity is given the types).
 */
export function partsQuery(query: EntityQuery, ids: string[]): EntityQuery {
  return { ...selectionOnly(query), types: undefined, ids };
}

function anyOf(selector: TypeSelector): TypeSelector {
  const names = [...new Set(typeNames(selector))];
  return names.length === 1 ? { kind: 'type', name: names[0]! } : { kind: 'or', items: names.map((name) => ({ kind: 'type', name })) };
}

function typeNames(selector: TypeSelector): string[] {
  return selector.kind === 'type' ? [selector.name] : selector.items.flatMap(typeNames);
}

/** A source's strings as PostgreSQL's jsonb takes them (no NUL, no lone surrogate). */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k) as string, storable(v)]));
  return value;
}

/**
 * The entities (merged from their parts) that the query's filters take. The q runs in one SQL
 * statement over all of them, with the same translation as a query of stored entities, so its
 * operators mean exactly what they mean there.
 */
export async function filterMerged(db: Database, query: EntityQuery, entities: StoredEntity[]): Promise<StoredEntity[]> {
  const kept = entities.filter((e) => (!query.types || typesMatch(query.types, e.types))
    && (!query.attrs?.length || query.attrs.some((a) => (e.attrs[a]?.length ?? 0) > 0))
    && (!query.scopeQ || matchesScopeQuery(query.scopeQ, e.scopes))
    && (!query.geo || (e.attrs[query.geo.geoproperty] ?? []).some((i) => i.type === 'GeoProperty' && matchesGeoQuery(query.geo!, i.value as Geometry))));
  if (!query.q || kept.length === 0) return kept;
  const condition = compileQ(query.q, { attrs: sql`m.attrs`, tenant: sql`${query.tenant}::text`, expand: query.expand, expandValues: query.expandValues, linkedTypes: query.onlyTypes });
  // A source's entity may hold strings jsonb refuses; they are replaced, for the test only.
  const rows = await sql<{ i: string | number }>`select m.i from jsonb_array_elements(${JSON.stringify(kept.map((e) => storable(e.attrs)))}::jsonb) with ordinality as m(attrs, i)
    where ${condition}`.execute(db);
  const passed = new Set(rows.rows.map((r) => Number(r.i) - 1));
  return kept.filter((_, i) => passed.has(i));
}
