// The database side of entities. Every write goes through `write`: it stores the new states of
// a set of entities in one statement, mirrors their geo-properties into broker_entity_geo, and
// hands the changes to listeners (temporal history, subscriptions) inside the same transaction,
// so a change and its consequences commit or vanish together (a crash loses neither).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { bbox } from '../geo/geometry.ts';
import type { StoredAttributes, StoredEntity } from './stored-entity.ts';
import { tenantVersionSql } from '../tenant-state.ts';

export interface EntityChange {
  tenant: string;
  before: StoredEntity | null;
  after: StoredEntity | null;
}

export type BrokerTrx = Transaction<any>;
export type ChangeListener = (trx: BrokerTrx, changes: EntityChange[]) => Promise<void>;

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

  #writtenSinceAnalyze = 0;

  /**
   * `analyzeEvery`: PGlite has no autovacuum, so without statistics every query plans as a full
   * scan; the store refreshes them itself after that many entity writes (0 = leave it to the
   * server, as PostgreSQL's autovacuum does).
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
    if (this.analyzeEvery > 0 && this.#writtenSinceAnalyze >= this.analyzeEvery) {
      this.#writtenSinceAnalyze = 0;
      sql`analyze broker_entities, broker_entity_geo`.execute(this.kysely).catch(() => undefined);
    }
    return result;
  }

  async get(tenant: string, id: string, trx?: BrokerTrx): Promise<StoredEntity | undefined> {
    const row = await (trx ?? this.kysely)
      .selectFrom('broker_entities')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? rowToEntity(row as EntityRow) : undefined;
  }

  /**
   * One entity and the tenant's version (tenant-state.ts) in one statement: a retrieve needs
   * both, and one round trip instead of two is most of its cost.
   */
  async getWithVersion(tenant: string, id: string): Promise<{ entity: StoredEntity | undefined; version: number }> {
    const row = (await sql<EntityRow & { tenant_version: number }>`
      select ${tenantVersionSql(tenant)} as tenant_version, e.*
      from (select 1) as one left join broker_entities e on e.tenant = ${tenant} and e.id = ${id}`.execute(this.kysely)).rows[0]!;
    return { entity: row.id === null ? undefined : rowToEntity(row), version: Number(row.tenant_version) };
  }

  /** Loads entities for a write, locking their rows until the transaction ends. */
  async load(trx: BrokerTrx, tenant: string, ids: string[]): Promise<Map<string, StoredEntity>> {
    const out = new Map<string, StoredEntity>();
    if (ids.length === 0) return out;
    const rows = await trx
      .selectFrom('broker_entities')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('id', 'in', ids)
      .orderBy('id')
      .forUpdate()
      .execute();
    for (const row of rows) out.set(row.id as string, rowToEntity(row as EntityRow));
    return out;
  }

  /**
   * Stores the `after` state of each change (insert or update) or deletes the entity (after =
   * null). Inserts of entities that already exist fail with a unique violation (23505), which
   * callers turn into AlreadyExists.
   */
  async write(trx: BrokerTrx, unordered: EntityChange[]): Promise<void> {
    if (unordered.length === 0) return;
    // Rows are written (and locked) in id order, so concurrent writes of overlapping entities
    // (grouped single writes, batches) wait for each other instead of deadlocking.
    const changes = [...unordered].sort((a, b) => compareIds(entityId(a), entityId(b)));
    this.#writtenSinceAnalyze += changes.length;
    const tenant = changes[0]!.tenant;
    const inserts = changes.filter((c) => c.after && !c.before).map((c) => c.after!);
    const updates = changes.filter((c) => c.after && c.before).map((c) => c.after!);
    const deletes = changes.filter((c) => !c.after && c.before).map((c) => c.before!.id);
    for (let i = 0; i < inserts.length; i += 500) {
      await trx.insertInto('broker_entities').values(inserts.slice(i, i + 500).map(toRow)).execute();
    }
    if (updates.length) {
      for (let i = 0; i < updates.length; i += 500) {
        await trx
          .insertInto('broker_entities')
          .values(updates.slice(i, i + 500).map(toRow))
          .onConflict((oc) =>
            oc.columns(['tenant', 'id']).doUpdateSet({
              types: sql`excluded.types`,
              scopes: sql`excluded.scopes`,
              attrs: sql`excluded.attrs`,
              modified_at: sql`excluded.modified_at`,
            }),
          )
          .execute();
      }
    }
    if (deletes.length) {
      await trx.deleteFrom('broker_entities').where('tenant', '=', tenant).where('id', 'in', deletes).execute();
    }
    await this.#syncGeo(trx, tenant, [...inserts, ...updates], updates.map((e) => e.id));
    for (const listener of this.#listeners) await listener(trx, changes);
  }

  async #syncGeo(trx: BrokerTrx, tenant: string, entities: StoredEntity[], replacedIds: string[]): Promise<void> {
    if (replacedIds.length) {
      await trx.deleteFrom('broker_entity_geo').where('tenant', '=', tenant).where('entity_id', 'in', replacedIds).execute();
    }
    const rows: Array<Record<string, unknown>> = [];
    for (const entity of entities) {
      for (const [attr, instances] of Object.entries(entity.attrs)) {
        for (const instance of instances) {
          if (instance.type !== 'GeoProperty' || typeof instance.value !== 'object' || instance.value === null) continue;
          const [minLon, minLat, maxLon, maxLat] = bbox(instance.value as never);
          rows.push({
            tenant,
            entity_id: entity.id,
            attr,
            dataset_id: instance.datasetId ?? '',
            min_lon: minLon,
            min_lat: minLat,
            max_lon: maxLon,
            max_lat: maxLat,
          });
        }
      }
    }
    for (let i = 0; i < rows.length; i += 1000) {
      await trx.insertInto('broker_entity_geo').values(rows.slice(i, i + 1000)).execute();
    }
  }
}

const entityId = (change: EntityChange) => (change.after ?? change.before)!.id;
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function toRow(entity: StoredEntity): Record<string, unknown> {
  return {
    tenant: entity.tenant,
    id: entity.id,
    types: sql`${entity.types}::text[]`,
    scopes: entity.scopes ? sql`${entity.scopes}::text[]` : null,
    attrs: JSON.stringify(entity.attrs),
    created_at: entity.createdAt,
    modified_at: entity.modifiedAt,
  };
}

/** PostgreSQL's unique-violation code, raised by an insert of an entity that exists. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}
