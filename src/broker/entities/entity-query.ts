// Query Entities (clause 5.7.2) against broker_entities: id, idPattern, type selection, attrs,
// q, scopeQ and geo-queries compiled to one SQL statement with bind parameters. Geo-queries
// prefilter on the bounding boxes in broker_entity_geo; the exact geometric test then runs on
// the candidates in order, so limit/offset count only true matches.
import { sql, type RawBuilder } from 'kysely';
import { textSet, type Database } from '../../platform/db/database.ts';
import { NgsiError } from '../errors.ts';
import { candidateBox, matchesGeoQuery, type GeoQuery } from '../geo/geo-query.ts';
import { nearPoint, nearPointSql } from '../geo/near-sql.ts';
import { compileQ } from '../query/q-sql.ts';
import { qCandidateChoices } from '../query/q-candidates.ts';
import type { QExpression } from '../query/q-language.ts';
import { compileScopeQuery, type ScopeQuery } from '../query/scope-query.ts';
import { rowToEntity } from './entity-store.ts';
import type { StoredEntity } from './stored-entity.ts';
import type { Csf } from '../registrations/csf.ts';
import { typeSelectorSql, type TypeSelector } from './type-selector.ts';
import { MAX_ORDERED, orderingAttributes, sortEntities, type Ordering } from '../query/ordering.ts';
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
  /** expandValues (clause 4.9): attributes, as short names, whose string values q expands. */
  expandValues?: string[] | undefined;
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
  /** orderBy (clause 4.23): sorted by these instead of by id. */
  ordering?: Ordering | undefined;
  /** scopeQ and the geo-query as the client wrote them (URL or POST body), to forward to sources. */
  written?: { scopeQ?: string | undefined; georel?: string | undefined; geometry?: string | undefined; coordinates?: string | undefined } | undefined;
  /** Which registered sources the query is forwarded to (clause 4.9, registrations/csf.ts). */
  csf?: Csf | undefined;
  /** local=true, or type=* (also in a POST query's body): this broker's entities only. */
  localOnly?: boolean | undefined;
  /** splitEntities=true (clause 4.3.6.7): sources may hold parts of entities, filtered once merged. */
  split?: boolean | undefined;
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

/** Up to this many candidates (q-candidates.ts), a page is read by walking them; see pageAndCount. */
const MAX_INDEX_CANDIDATES = 5000;
/** How many of a q's candidate sets (qCandidateChoices) are tried, best first. */
const MAX_CHOICES = 3;

/**
 * A query without a geo part, in ONE statement: the page, and with count=true the total (over
 * more than MAX_INDEX_CANDIDATES candidates, by a second statement: see denseTotal). When
 * the q has candidates in the value index (q-candidates.ts), materialized CTEs take at most
 * MAX_INDEX_CANDIDATES + 1 of each candidate set by index alone, and `c` is the first of them
 * that is not cut short. Of two branches gated on whether there is one (one-time filters: the
 * other branch never runs), one walks those candidates in id order, reading an entity only to
 * test it, until the page is full; the other, for matches too dense to list, walks the tenant's
 * entities in id order, which fills a page after a few rows. The planner is not left to choose:
 * it cannot tell how many entities a q matches, and a wrong guess either way reads thousands of
 * entities. A round trip saved is a good part of what a selective query costs, hence one
 * statement.
 */
async function pageAndCount(db: Database, query: EntityQuery, choices: RawBuilder<unknown>[]): Promise<QueryResult> {
  const where = sql.join(conditions(query), sql` and `);
  const window = (order: string) => sql`order by ${sql.ref(order)} limit ${query.limit} offset ${query.offset}`;
  let withCandidates = sql``;
  let page: RawBuilder<unknown> = sql`(select e.* from broker_entities e where ${where} ${window('e.id')})`;
  let total: RawBuilder<unknown> = sql`(select count(*) from broker_entities e where ${where})`;
  let dense: RawBuilder<unknown> = sql`false`;
  let denseTotal = async () => 0;
  if (choices.length && !query.ids?.length) {
    const sets = choices.slice(0, MAX_CHOICES);
    // Each set's size is counted once (n0, n1, …), not at every place that asks, and only when
    // asked: a later set is read only when the ones before it are too long.
    const short = (i: number) => sql`(select n from ${sql.raw(`n${i}`)}) <= ${MAX_INDEX_CANDIDATES}`;
    const firstShort = sets.map((_, i) => sql`select entity_id from ${sql.raw(`c${i}`)}
      where ${sql.join([...sets.slice(0, i).map((__, j) => sql`not ${short(j)}`), short(i)], sql` and `)}`);
    withCandidates = sql`with ${sql.join(sets.map((set, i) => sql`${sql.raw(`c${i}`)} as materialized (select k.entity_id from (${set}) k limit ${MAX_INDEX_CANDIDATES + 1})`))},
      ${sql.join(sets.map((_, i) => sql`${sql.raw(`n${i}`)} as materialized (select count(*) as n from ${sql.raw(`c${i}`)})`))},
      c as materialized (${sql.join(firstShort, sql` union all `)}) `;
    const few = sql`(${sql.join(sets.map((_, i) => short(i)), sql` or `)})`;
    // A lateral lookup per candidate (its LIMIT keeps the planner from turning it into a join
    // that reads every candidate first), in the candidates' id order.
    const walked = sql`(select distinct c.entity_id from c order by c.entity_id) k
      cross join lateral (select e.* from broker_entities e where e.id = k.entity_id and ${where} limit 1) e`;
    // Ordered by the candidates' id, which the planner sees is already the order of the walk.
    page = sql`(select e.* from ${walked} where ${few} ${window('k.entity_id')})
      union all (select e.* from broker_entities e where not ${few} and ${where} ${window('e.id')})`;
    // A count tests every candidate: fetched as one set, in table order, not one by one. Too
    // many candidates: counted by a second statement (denseTotal), as the plan of a count over
    // them in this one started parallel workers even when its branch did not run (40 ms here).
    total = sql`(select count(*) from broker_entities e where ${few} and e.id = any(array(select c.entity_id from c)) and ${where})`;
    dense = sql`not ${few}`;
    denseTotal = async () => Number((await sql<{ n: string | number }>`select count(*) as n from broker_entities e
      where e.id in (${sets[0]}) and ${where}`.execute(db)).rows[0]?.n ?? 0);
  }
  // What the statement answers besides the page: the total, and the tenant's version to check.
  const heads: RawBuilder<unknown>[] = [];
  if (query.count) heads.push(sql`${total} as ngsi_total`, sql`${dense} as ngsi_dense`);
  if (query.checkVersion) heads.push(sql`${tenantVersionSql(query.tenant)} as ngsi_tenant_version`);
  if (heads.length === 0) {
    if (query.limit === 0) return { entities: [] };
    const rows = (await sql`${withCandidates}select p.* from (${page}) p order by p.id`.execute(db)).rows;
    return { entities: rows.map((r) => rowToEntity(r as never)) };
  }
  type Row = { ngsi_total?: string | number; ngsi_dense?: boolean; ngsi_tenant_version?: string | number; id: string | null };
  const rows = query.limit === 0
    ? (await sql<Row>`${withCandidates}select ${sql.join(heads)}, null as id`.execute(db)).rows
    : // The heads on every row (one row of nulls besides them when the page is empty).
      (await sql<Row>`${withCandidates}select t.*, p.* from (select ${sql.join(heads)}) t left join (${page}) p on true order by p.id`.execute(db)).rows;
  if (query.checkVersion) await checkVersion(query, Number(rows[0]?.ngsi_tenant_version ?? 0));
  const entities = rows.filter((r) => r.id !== null).map((r) => rowToEntity(r as never));
  if (!query.count) return { entities };
  return { entities, total: rows[0]?.ngsi_dense ? await denseTotal() : Number(rows[0]?.ngsi_total ?? 0) };
}

/** Throws StaleTenantVersion when the version found is not the one the query assumed. */
async function checkVersion(query: EntityQuery, found: number): Promise<void> {
  if (found === query.tenantVersion) return;
  noteVersion(query.tenant, found);
  throw new StaleTenantVersion(found);
}

/** The exact conditions of a query (and for a geo query, its box candidates). */
function conditions(query: EntityQuery): RawBuilder<boolean>[] {
  const where: RawBuilder<boolean>[] = [sql<boolean>`e.tenant = ${query.tenant}`];
  if (query.ids?.length) where.push(sql<boolean>`e.id = any(${sql.val(query.ids)}::text[])`);
  if (query.idPattern) where.push(sql<boolean>`e.id ~ ${query.idPattern}`);
  if (query.types) where.push(typeSelectorSql(query.types));
  if (query.excludeTypes?.length) where.push(sql<boolean>`not (e.types && ${sql.val(query.excludeTypes)}::text[])`);
  if (query.onlyTypes) where.push(sql<boolean>`e.types && ${sql.val(query.onlyTypes)}::text[]`);
  if (query.attrs?.length) where.push(sql<boolean>`e.attrs ?| ${sql.val(query.attrs)}::text[]`);
  if (query.q) {
    where.push(compileQ(query.q, { attrs: 'e.attrs', tenant: 'e.tenant', expand: query.expand, expandValues: query.expandValues, linkedTypes: query.onlyTypes }));
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

/**
 * The conditions of a query that reads every match (an EntityMap, orderBy), with the q's best
 * candidate set from the value index (q-candidates.ts), so that the whole tenant is not walked.
 */
function candidateConditions(query: EntityQuery): RawBuilder<boolean>[] {
  const choices = query.q ? qCandidateChoices(query.q, { tenant: query.tenant, expand: query.expand, expandValues: query.expandValues }) : [];
  return [...conditions(query), ...(choices.length ? [sql<boolean>`e.id in (${choices[0]})`] : [])];
}

/** A page of entities is at most MAX_LIMIT long (TooManyResults beyond). */
export function assertPageLimit(limit: number): void {
  if (limit > MAX_LIMIT) throw new NgsiError('TooManyResults', `limit: at most ${MAX_LIMIT} entities per page; use offset to page through more`);
}

export async function queryEntities(db: Database, query: EntityQuery): Promise<QueryResult> {
  assertPageLimit(query.limit);
  if (query.idPattern) checkRegex(query.idPattern);
  if (query.ordering) return orderedQuery(db, query, query.ordering);
  const choices = query.q ? qCandidateChoices(query.q, { tenant: query.tenant, expand: query.expand, expandValues: query.expandValues }) : [];
  if (!query.geo) return pageAndCount(db, query, choices);
  if (query.checkVersion) await checkVersion(query, await tenantVersion(db, query.tenant));
  // The box candidates (conditions) and the q's value candidates: the planner picks the leader.
  const where = sql.join([...conditions(query), ...(choices.length ? [sql<boolean>`e.id in (${choices[0]})`] : [])], sql` and `);
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

/**
 * The ids of every entity the query matches (its limit and offset aside), in id order, at most
 * `max` + 1 of them so the caller can tell there are more: what an EntityMap is made of.
 */
export async function matchingIds(db: Database, query: EntityQuery, max: number): Promise<string[]> {
  if (query.idPattern) checkRegex(query.idPattern);
  const where = sql.join(candidateConditions(query), sql` and `);
  if (!query.geo) {
    return (await sql<{ id: string }>`select e.id from broker_entities e where ${where} order by e.id limit ${max + 1}`.execute(db)).rows.map((r) => r.id);
  }
  // Geo: the exact test runs here on the box candidates, a thousand at a time in id order.
  const geo = query.geo;
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; geo: unknown }[] = (await sql<{ id: string; geo: unknown }>`select e.id, e.attrs -> ${geo.geoproperty} as geo from broker_entities e
      where ${where} ${after === null ? sql`` : sql`and e.id > ${after}`} order by e.id limit 1000`.execute(db)).rows;
    for (const row of rows) {
      const instances = (typeof row.geo === 'string' ? JSON.parse(row.geo) : row.geo) as { type?: string; value?: unknown }[] | null;
      if ((instances ?? []).some((i) => i.type === 'GeoProperty' && matchesGeoQuery(geo, i.value as never)) && ids.push(row.id) > max) return ids;
    }
    if (rows.length < 1000) return ids;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * A query with orderBy (clause 4.23): every candidate is read with just the attributes the
 * ordering (and a geo-query's exact test) needs, at most MAX_ORDERED of them, sorted, and the
 * page's entities read whole.
 */
async function orderedQuery(db: Database, query: EntityQuery, ordering: Ordering): Promise<QueryResult> {
  if (query.checkVersion) await checkVersion(query, await tenantVersion(db, query.tenant));
  const needed = [...new Set([...orderingAttributes(ordering), ...(query.geo ? [query.geo.geoproperty] : [])])];
  const picked = sql.join(needed.map((name) => sql`${name}::text, e.attrs -> ${name}`));
  const rows = (await sql<Record<string, unknown>>`select e.tenant, e.id, e.types, e.scopes, e.created_at, e.modified_at,
      jsonb_build_object(${picked}) as attrs
    from broker_entities e where ${sql.join(candidateConditions(query), sql` and `)} order by e.id limit ${MAX_ORDERED + 1}`.execute(db)).rows;
  if (rows.length > MAX_ORDERED) {
    throw new NgsiError('TooManyResults', `orderBy: the query matches more than ${MAX_ORDERED.toLocaleString('en')} entities, the most this broker sorts; narrow it with type, q or a geo-query`);
  }
  let candidates = rows.map((r) => rowToEntity(r as never));
  const geo = query.geo;
  if (geo) candidates = candidates.filter((e) => (e.attrs[geo.geoproperty] ?? []).some((i) => i.type === 'GeoProperty' && matchesGeoQuery(geo, i.value as never)));
  const page = sortEntities(candidates, ordering).slice(query.offset, query.offset + query.limit);
  const full = page.length
    ? new Map((await sql`select e.* from broker_entities e where e.tenant = ${query.tenant} and e.id in ${textSet(page.map((e) => e.id))}`.execute(db)).rows.map((r) => {
      const entity = rowToEntity(r as never);
      return [entity.id, entity] as const;
    }))
    : new Map<string, StoredEntity>();
  const entities = page.map((e) => full.get(e.id)).filter((e): e is StoredEntity => e !== undefined);
  return query.count ? { entities, total: candidates.length } : { entities };
}
