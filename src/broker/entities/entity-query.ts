// Query Entities (clause 5.7.2) against broker_entities: id, idPattern, type selection, attrs,
// q, scopeQ and geo-queries compiled to one SQL statement with bind parameters. Geo-queries
// prefilter on the bounding boxes in broker_entity_geo; the exact geometric test then runs on
// the candidates in order, so limit/offset count only true matches.
import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { NgsiError } from '../errors.ts';
import { candidateBox, matchesGeoQuery, type GeoQuery } from '../geo/geo-query.ts';
import { nearPoint, nearPointSql } from '../geo/near-sql.ts';
import { compileQ } from '../query/q-sql.ts';
import { qIndexCondition } from '../query/q-index.ts';
import type { QExpression } from '../query/q-language.ts';
import { compileScopeQuery, type ScopeQuery } from '../query/scope-query.ts';
import { rowToEntity } from './entity-store.ts';
import type { StoredEntity } from './stored-entity.ts';
import type { Csf } from '../registrations/csf.ts';
import { typeSelectorSql, type TypeSelector } from './type-selector.ts';
import { noteVersion, StaleTenantVersion, tenantVersion, tenantVersionSql } from '../tenant-state.ts';

/** Largest page (documented in docs/broker.md); beyond it the answer is TooManyResults. */
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 20;

export interface EntityQuery {
  tenant: string;
  ids?: string[] | undefined;
  idPattern?: string | undefined;
  types?: TypeSelector | undefined;
  /** Entities having at least one of these (expanded) attributes. */
  attrs?: string[] | undefined;
  q?: QExpression | undefined;
  scopeQ?: ScopeQuery | undefined;
  /** Geo-query with `geoproperty` already expanded to an IRI. */
  geo?: (GeoQuery & { geoproperty: string }) | undefined;
  limit: number;
  offset: number;
  count: boolean;
  /** Expands the short names in q with the requester's @context. */
  expand: (term: string) => string;
  /** Types never served by this query: the tenant's personal types (personal-types.ts). */
  excludeTypes?: string[] | undefined;
  /** The only types served (an anonymous open-data read, open-data-types.ts), when given. */
  onlyTypes?: string[] | undefined;
  /** Which registered sources the query is forwarded to (clause 4.9, registrations/csf.ts). */
  csf?: Csf | undefined;
  /** The tenant's version (tenant-state.ts) as this request read it, so it is read once. */
  tenantVersion?: number | undefined;
  /**
   * tenantVersion was not read but assumed (the last one seen): the query's statement reads the
   * version too and throws StaleTenantVersion if it differs.
   */
  checkVersion?: boolean | undefined;
}

export interface QueryResult {
  entities: StoredEntity[];
  total?: number;
}

/** See indexCandidates. */
const MAX_INDEX_CANDIDATES = 500;

/**
 * The ids the attrs GIN index gives for q's equality terms (q-index.ts), when there are at most
 * MAX_INDEX_CANDIDATES of them; otherwise undefined. The planner estimates `@?` at a fixed 1 %
 * and, for `order by id limit n`, prefers walking the primary key and testing every entity,
 * which reads the whole tenant when the q matches a few. Asking the index first costs one short
 * query; when it finds more candidates than that, matches are dense enough for the walk to fill
 * a page quickly, and the planner is left to choose (counts still get the index condition).
 */
async function indexCandidates(db: Database, query: EntityQuery, indexed: RawBuilder<boolean> | undefined): Promise<string[] | undefined> {
  if (!indexed || query.ids?.length) return undefined;
  const rows = (await sql<{ id: string }>`select e.id from broker_entities e where e.tenant = ${query.tenant} and ${indexed}
    limit ${MAX_INDEX_CANDIDATES + 1}`.execute(db)).rows;
  return rows.length <= MAX_INDEX_CANDIDATES ? rows.map((r) => r.id) : undefined;
}

/**
 * A query without a geo part, in ONE statement: the page, and with count=true the total. For q
 * equality terms the index candidates of indexCandidates are asked in the same statement: a
 * materialized CTE takes at most MAX_INDEX_CANDIDATES + 1 ids from the attrs GIN index, and of
 * two branches gated on how many it found (one-time filters: the other branch never runs) one
 * tests just those candidates, the other leaves the plan to the planner. A round trip saved
 * is a good part of what a selective query costs.
 */
async function pageAndCount(db: Database, query: EntityQuery, indexed: RawBuilder<boolean> | undefined): Promise<QueryResult> {
  const where = sql.join(conditions(query, indexed, undefined), sql` and `);
  const gated = indexed && !query.ids?.length;
  const withCandidates = gated
    ? sql`with c as materialized (select e.id from broker_entities e where e.tenant = ${query.tenant} and ${indexed} limit ${MAX_INDEX_CANDIDATES + 1}) `
    : sql``;
  const branches = gated
    ? [sql`(select count(*) from c) <= ${MAX_INDEX_CANDIDATES} and e.id = any(array(select c.id from c))`, sql`(select count(*) from c) > ${MAX_INDEX_CANDIDATES}`]
    : [sql`true`];
  const page = sql.join(
    branches.map((branch) => sql`(select e.* from broker_entities e where ${branch} and ${where} order by e.id limit ${query.limit} offset ${query.offset})`),
    sql` union all `,
  );
  const total = sql.join(branches.map((branch) => sql`(select count(*) from broker_entities e where ${branch} and ${where})`), sql` + `);
  // What the statement answers besides the page: the total, and the tenant's version to check.
  const heads: RawBuilder<unknown>[] = [];
  if (query.count) heads.push(sql`${total} as ngsi_total`);
  if (query.checkVersion) heads.push(sql`${tenantVersionSql(query.tenant)} as ngsi_tenant_version`);
  if (heads.length === 0) {
    if (query.limit === 0) return { entities: [] };
    const rows = (await sql`${withCandidates}select p.* from (${page}) p order by p.id`.execute(db)).rows;
    return { entities: rows.map((r) => rowToEntity(r as never)) };
  }
  type Row = { ngsi_total?: string | number; ngsi_tenant_version?: string | number; id: string | null };
  const rows = query.limit === 0
    ? (await sql<Row>`${withCandidates}select ${sql.join(heads)}, null as id`.execute(db)).rows
    : // The heads on every row (one row of nulls besides them when the page is empty).
      (await sql<Row>`${withCandidates}select t.*, p.* from (select ${sql.join(heads)}) t left join (${page}) p on true order by p.id`.execute(db)).rows;
  if (query.checkVersion) await checkVersion(query, Number(rows[0]?.ngsi_tenant_version ?? 0));
  const entities = rows.filter((r) => r.id !== null).map((r) => rowToEntity(r as never));
  return query.count ? { entities, total: Number(rows[0]?.ngsi_total ?? 0) } : { entities };
}

/** Throws StaleTenantVersion when the version found is not the one the query assumed. */
async function checkVersion(query: EntityQuery, found: number): Promise<void> {
  if (found === query.tenantVersion) return;
  noteVersion(query.tenant, found);
  throw new StaleTenantVersion(found);
}

function conditions(query: EntityQuery, indexed: RawBuilder<boolean> | undefined, candidates: string[] | undefined): RawBuilder<boolean>[] {
  const where: RawBuilder<boolean>[] = [sql<boolean>`e.tenant = ${query.tenant}`];
  if (query.ids?.length) where.push(sql<boolean>`e.id = any(${sql.val(query.ids)}::text[])`);
  if (candidates) where.push(sql<boolean>`e.id = any(${sql.val(candidates)}::text[])`);
  if (query.idPattern) where.push(sql<boolean>`e.id ~ ${query.idPattern}`);
  if (query.types) where.push(typeSelectorSql(query.types));
  if (query.excludeTypes?.length) where.push(sql<boolean>`not (e.types && ${sql.val(query.excludeTypes)}::text[])`);
  if (query.onlyTypes) where.push(sql<boolean>`e.types && ${sql.val(query.onlyTypes)}::text[]`);
  if (query.attrs?.length) where.push(sql<boolean>`e.attrs ?| ${sql.val(query.attrs)}::text[]`);
  if (query.q) {
    // The exact predicate, and for equality terms a condition the attrs GIN index answers.
    if (indexed) where.push(indexed);
    where.push(compileQ(query.q, { attrs: 'e.attrs', tenant: 'e.tenant', expand: query.expand, linkedTypes: query.onlyTypes }));
  }
  if (query.scopeQ) where.push(compileScopeQuery(query.scopeQ, 'e.scopes'));
  if (query.geo) {
    const box = candidateBox(query.geo);
    if (box) {
      const [minLon, minLat, maxLon, maxLat] = box;
      const near = nearPoint(query.geo);
      // array(…) runs once (an init plan), so the GiST index finds the candidates first.
      where.push(sql<boolean>`e.id = any(array(select g.entity_id from broker_entity_geo g where g.tenant = ${query.tenant}
        and g.attr = ${query.geo.geoproperty}
        and box(point(g.min_lon, g.min_lat), point(g.max_lon, g.max_lat)) && box(point(${minLon}::float8, ${minLat}::float8), point(${maxLon}::float8, ${maxLat}::float8))
        ${near ? sql`and ${nearPointSql(near)}` : sql``}))`);
    } else {
      where.push(sql<boolean>`e.attrs ? ${query.geo.geoproperty}`);
    }
  }
  return where;
}

export async function queryEntities(db: Database, query: EntityQuery): Promise<QueryResult> {
  if (query.limit > MAX_LIMIT) {
    throw new NgsiError('TooManyResults', `limit: at most ${MAX_LIMIT} entities per page; use offset to page through more`);
  }
  if (query.idPattern) checkRegex(query.idPattern);
  const indexed = query.q ? qIndexCondition(query.q, { attrs: 'e.attrs', expand: query.expand }) : undefined;
  if (!query.geo) return pageAndCount(db, query, indexed);
  if (query.checkVersion) await checkVersion(query, await tenantVersion(db, query.tenant));
  const where = sql.join(conditions(query, indexed, await indexCandidates(db, query, indexed)), sql` and `);
  // Geo: walk the candidates in id order, keeping exact matches.
  const geo = query.geo;
  const matches: StoredEntity[] = [];
  let matched = 0;
  let after: string | null = null;
  // The first chunk is about one page: the candidates are mostly matches (for points around a
  // point, all of them), so a page seldom needs more rows than it shows.
  let chunk = query.count ? 500 : Math.min(500, query.offset + query.limit + 10);
  for (;;) {
    const page = await sql`select e.* from broker_entities e where ${where} ${after === null ? sql`` : sql`and e.id > ${after}`}
      order by e.id limit ${chunk}`.execute(db);
    for (const row of page.rows) {
      const entity = rowToEntity(row as never);
      const instances = entity.attrs[geo.geoproperty] ?? [];
      if (!instances.some((i) => i.type === 'GeoProperty' && matchesGeoQuery(geo, i.value as never))) continue;
      if (matched >= query.offset && matches.length < query.limit) matches.push(entity);
      matched++;
    }
    if (page.rows.length < chunk) break;
    if (!query.count && matches.length >= query.limit) break;
    after = (page.rows[page.rows.length - 1] as { id: string }).id;
    chunk = 500;
  }
  return query.count ? { entities: matches, total: matched } : { entities: matches };
}

/** Rejects a regular expression PostgreSQL would refuse, before it reaches SQL as a 500. */
function checkRegex(pattern: string): void {
  try {
    new RegExp(pattern);
  } catch {
    throw new NgsiError('BadRequestData', `idPattern: "${pattern}" is not a valid regular expression`);
  }
}
