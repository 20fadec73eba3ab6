// The database side of entities. Every write goes through `write`: it stores the new states of
// a set of entities, mirrors their geo-properties into broker_entity_geo and their values into
// broker_entity_values (entity-values.ts), and runs what the listeners (temporal history,
// subscriptions) add, all in one statement inside the caller's transaction, so a change and its
// consequences commit or vanish together (a crash loses neither).
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { PREPARED, textSet, type Database } from '../../platform/db/database.ts';
import { bbox } from '../geo/geometry.ts';
import { valueParts } from './entity-values.ts';
import type { StoredAttributes, StoredEntity } from './stored-entity.ts';
import { noteVersion, tenantVersion, tenantVersionSql } from '../tenant-state.ts';

export interface EntityChange {
  tenant: string;
  before: StoredEntity | null;
  after: StoredEntity | null;
}

export type BrokerTrx = Transaction<any>;
/**
 * Told of every write before it is stored; returns the statements (inserts, updates) to run as
 * parts of the write's own statement. It may read in `trx` first; it must not write there.
 * `tenantVersion` gives the tenant's version (tenant-state.ts) as of this transaction.
 */
export type ChangeListener = (trx: BrokerTrx, changes: EntityChange[], tenantVersion: () => Promise<number>) => Promise<RawBuilder<unknown>[]>;

interface EntityRow {
  tenant: string;
  id: string;
  types: string[];
  scopes: string[] | null;
  attrs: StoredAttributes | string;
  created_at: Date | string;
  modified_at: Date | string;
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function rowToEntity(row: EntityRow): StoredEntity {
  return {
    tenant: row.tenant,
    id: row.id,
    types: row.types,
    scopes: row.scopes,
    attrs: typeof row.attrs === 'string' ? (JSON.parse(row.attrs) as StoredAttributes) : row.attrs,
    createdAt: iso(row.created_at),
    modifiedAt: iso(row.modified_at),
  };
}

export class EntityStore {
  readonly #listeners: ChangeListener[] = [];
  readonly #afterCommit: Array<() => void> = [];
  /** The tenant version each open transaction's load read (see load). */
  readonly #versions = new WeakMap<BrokerTrx, { tenant: string; version: number }>();

  /** Entities created or deleted since the statistics were refreshed, and how many there were then. */
  #grownSinceAnalyze = 0;
  #rowsAtAnalyze = 0;
  #analyzing = false;

  /**
   * `analyzeEvery`: PGlite has no autovacuum, so without statistics every query plans as a full
   * scan; the store refreshes them itself once that many entities (or a fifth of the table, if
   * more) were created or deleted (0 = leave it to the server, as PostgreSQL's autovacuum does).
   * Updates do not count: they seldom change what plans need, and on PGlite an ANALYZE holds up
   * every request while it runs (0.6 s over 100,000 entities), which at 200 updates/s every 25 s
   * made the notification p99 a second.
   */
  constructor(readonly db: Database, private readonly analyzeEvery = 0) {}

  get kysely(): Kysely<any> {
    return this.db as unknown as Kysely<any>;
  }

  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Called after every committed write transaction (e.g. to wake the notification worker). */
  onCommit(callback: () => void): void {
    this.#afterCommit.push(callback);
  }

  async transaction<T>(fn: (trx: BrokerTrx) => Promise<T>): Promise<T> {
    const result = await this.kysely.transaction().execute(fn);
    for (const callback of this.#afterCommit) callback();
    if (this.analyzeEvery > 0 && !this.#analyzing && this.#grownSinceAnalyze >= Math.max(this.analyzeEvery, this.#rowsAtAnalyze / 5)) {
      this.#grownSinceAnalyze = 0;
      void this.#analyze();
    }
    return result;
  }

  /** One table at a time, so that requests waiting for PGlite's one connection run in between. */
  async #analyze(): Promise<void> {
    this.#analyzing = true;
    try {
      for (const table of ['broker_entities', 'broker_entity_geo', 'broker_entity_values']) await sql`analyze ${sql.table(table)}`.execute(this.kysely);
      const rows = await sql<{ n: number | string }>`select reltuples as n from pg_class where relname = 'broker_entities'`.execute(this.kysely);
      this.#rowsAtAnalyze = Math.max(0, Number(rows.rows[0]?.n ?? 0));
    } catch {
      // Statistics only help plans; the next growth tries again.
    } finally {
      this.#analyzing = false;
    }
  }

  /**
   * One entity and the tenant's version (tenant-state.ts) in one statement: a retrieve needs
   * both, and one round trip instead of two is most of its cost.
   */
  async getWithVersion(tenant: string, id: string): Promise<{ entity: StoredEntity | undefined; version: number }> {
    const row = (await sql<EntityRow & { tenant_version: number }>`${PREPARED}
      select ${tenantVersionSql(tenant)} as tenant_version, e.*
      from (select 1) as one left join broker_entities e on e.tenant = ${tenant} and e.id = ${id}`.execute(this.kysely)).rows[0]!;
    noteVersion(tenant, Number(row.tenant_version));
    return { entity: row.id === null ? undefined : rowToEntity(row), version: Number(row.tenant_version) };
  }

  /**
   * Loads entities for a write, locking their rows until the transaction ends, and notes the
   * tenant's version (tenant-state.ts) read by the same statement, for the listeners.
   */
  async load(trx: BrokerTrx, tenant: string, ids: string[]): Promise<Map<string, StoredEntity>> {
    const rows = (await sql<EntityRow & { tenant_version: number }>`${PREPARED}
      select ${tenantVersionSql(tenant)} as tenant_version, e.*
      from (select 1) as one left join lateral (
        select * from broker_entities where tenant = ${tenant} and id in ${textSet(ids)} order by id for update
      ) e on true`.execute(trx)).rows;
    this.#versions.set(trx, { tenant, version: Number(rows[0]!.tenant_version) });
    const out = new Map<string, StoredEntity>();
    for (const row of rows) if (row.id !== null) out.set(row.id, rowToEntity(row));
    return out;
  }

  /** The tenant's version as this transaction's load read it, or read now. */
  async #tenantVersion(trx: BrokerTrx, tenant: string): Promise<number> {
    const loaded = this.#versions.get(trx);
    return loaded?.tenant === tenant ? loaded.version : tenantVersion(trx, tenant);
  }

  /**
   * Stores the `after` state of each change (insert or update) or deletes the entity (after =
   * null), all in ONE statement: the entity rows, their geo boxes and every listener's
   * statements (history, notifications) run as the parts of a WITH, so a write costs one round
   * trip however much it touches. Inserts of entities that already exist fail with a unique
   * violation (23505), which callers turn into AlreadyExists.
   *
   * The parts of one WITH all see the database as it was before the statement and their order is
   * not defined, so no two parts may touch the same rows: geo boxes are upserted, and only the
   * boxes the new states no longer have are deleted.
   */
  async write(trx: BrokerTrx, unordered: EntityChange[]): Promise<void> {
    if (unordered.length === 0) return;
    // Rows are written (and locked) in id order, so concurrent writes of overlapping entities
    // (grouped single writes, batches) wait for each other instead of deadlocking.
    const changes = [...unordered].sort((a, b) => compareIds(entityId(a), entityId(b)));
    this.#grownSinceAnalyze += changes.filter((c) => !c.before || !c.after).length;
    const tenant = changes[0]!.tenant;
    const inserts = changes.filter((c) => c.after && !c.before).map((c) => c.after!);
    const updates = changes.filter((c) => c.after && c.before).map((c) => c.after!);
    const deletes = changes.filter((c) => !c.after && c.before).map((c) => c.before!.id);
    const parts: RawBuilder<unknown>[] = [];
    if (inserts.length) {
      parts.push(sql`insert into broker_entities (tenant, id, types, scopes, attrs, created_at, modified_at)
        select ${tenant}, r->>'id', ${TEXT_ARRAY('types')}, ${TEXT_ARRAY('scopes')}, r->'attrs',
          (r->>'createdAt')::timestamptz, (r->>'modifiedAt')::timestamptz
        from jsonb_array_elements(${entityRows(inserts)}::jsonb) with ordinality as u(r, n) order by u.n`);
    }
    if (updates.length) {
      parts.push(sql`update broker_entities e set types = ${TEXT_ARRAY('types')}, scopes = ${TEXT_ARRAY('scopes')},
          attrs = r->'attrs', modified_at = (r->>'modifiedAt')::timestamptz
        from jsonb_array_elements(${entityRows(updates)}::jsonb) as u(r)
        where e.tenant = ${tenant} and e.id = r->>'id'`);
    }
    // Deleting an entity deletes its boxes (on delete cascade).
    if (deletes.length) parts.push(sql`delete from broker_entities where tenant = ${tenant} and id in ${textSet(deletes)}`);
    parts.push(...geoParts(tenant, [...inserts, ...updates], updates.map((e) => e.id)));
    parts.push(...valueParts(tenant, changes));
    // Listeners see the changes in the caller's order (notifications go out in that order).
    const version = () => this.#tenantVersion(trx, tenant);
    for (const listener of this.#listeners) parts.push(...(await listener(trx, unordered, version)));
    const withs = parts.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part})`);
    // Prepared (PostgreSQL): every part has a fixed text with its rows in one JSON parameter, so
    // the statement's text depends only on which parts a write has, a small set per connection.
    await sql`${PREPARED}with ${sql.join(withs)} select 1`.execute(trx);
  }
}

/** `types` or `scopes` of a JSON row `r` as text[] (scopes may be null). */
const TEXT_ARRAY = (member: 'types' | 'scopes') =>
  sql.raw(`case when jsonb_typeof(r->'${member}') = 'array' then array(select jsonb_array_elements_text(r->'${member}')) end`);

function entityRows(entities: StoredEntity[]): string {
  return JSON.stringify(entities.map((e) => ({ id: e.id, types: e.types, scopes: e.scopes, attrs: e.attrs, createdAt: e.createdAt, modifiedAt: e.modifiedAt })));
}

/** The geo-property boxes of the new states: upserted, and for replaced entities the rest deleted. */
function geoParts(tenant: string, entities: StoredEntity[], replacedIds: string[]): RawBuilder<unknown>[] {
  const rows: Array<{ entity_id: string; attr: string; dataset_id: string; box: [number, number, number, number] }> = [];
  for (const entity of entities) {
    for (const [attr, instances] of Object.entries(entity.attrs)) {
      for (const instance of instances) {
        if (instance.type !== 'GeoProperty' || typeof instance.value !== 'object' || instance.value === null) continue;
        rows.push({ entity_id: entity.id, attr, dataset_id: instance.datasetId ?? '', box: bbox(instance.value as never) });
      }
    }
  }
  const parts: RawBuilder<unknown>[] = [];
  if (replacedIds.length) {
    // Ids, attribute IRIs and dataset ids are URIs, which never contain a space.
    const kept = rows.map((r) => `${r.entity_id} ${r.attr} ${r.dataset_id}`);
    parts.push(sql`delete from broker_entity_geo g where g.tenant = ${tenant} and g.entity_id in ${textSet(replacedIds)}
      and not (g.entity_id || ' ' || g.attr || ' ' || g.dataset_id in ${textSet(kept)})`);
  }
  if (rows.length) {
    parts.push(sql`insert into broker_entity_geo (tenant, entity_id, attr, dataset_id, min_lon, min_lat, max_lon, max_lat)
      select ${tenant}, r->>'entity_id', r->>'attr', r->>'dataset_id',
        (r->'box'->>0)::float8, (r->'box'->>1)::float8, (r->'box'->>2)::float8, (r->'box'->>3)::float8
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as u(r)
      on conflict (tenant, entity_id, attr, dataset_id) do update set
        min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat`);
  }
  return parts;
}

const entityId = (change: EntityChange) => (change.after ?? change.before)!.id;
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** PostgreSQL's unique-violation code, raised by an insert of an entity that exists. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}
