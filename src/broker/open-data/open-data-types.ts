// Entity types a tenant publishes as open data (table broker_open_types): anyone may read their
// entities and history without credentials, through the ordinary NGSI-LD reads (Retrieve and
// Query Entities, POST entityOperations/query, the temporal API). Everything else — other types,
// writes, subscriptions, registrations, discovery — still needs credentials. A personal type
// (personal-types.ts) can never be marked, and personal types stay hidden whatever is marked.
//
// Every anonymous read needs the tenant's list, so each process caches it under the tenant's
// version (tenant-state.ts): a type marked or unmarked through one process is seen by every
// other at once.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { TypeSelector } from '../entities/type-selector.ts';
import { tenantVersion, VersionedCache } from '../tenant-state.ts';

type Db = Kysely<any> | Transaction<any>;

export interface OpenType {
  type: string;
  markedAt: string;
}

export class OpenDataTypes {
  readonly #cache = new VersionedCache<OpenType[]>();

  /** The tenant's open types (expanded IRIs), in name order. */
  async of(db: Db, tenant: string, version?: number): Promise<OpenType[]> {
    return this.#cache.get(tenant, version ?? (await tenantVersion(db, tenant)), async () =>
      (await sql<{ type: string; marked_at: Date | string }>`
        select type, marked_at from broker_open_types where tenant = ${tenant} order by type`.execute(db)).rows.map((r) => ({
        type: r.type,
        markedAt: new Date(r.marked_at).toISOString(),
      })),
    );
  }

  async typesOf(db: Db, tenant: string, version?: number): Promise<string[]> {
    return (await this.of(db, tenant, version)).map((o) => o.type);
  }

  /** Marks `type` open; false when it already was. */
  async mark(db: Db, tenant: string, type: string, markedBy: string): Promise<boolean> {
    const inserted = await sql`insert into broker_open_types (tenant, type, marked_by) values (${tenant}, ${type}, ${markedBy})
      on conflict (tenant, type) do nothing returning type`.execute(db);
    return inserted.rows.length > 0;
  }

  /** Unmarks `type`; false when it was not open. */
  async unmark(db: Db, tenant: string, type: string): Promise<boolean> {
    const deleted = await sql`delete from broker_open_types where tenant = ${tenant} and type = ${type} returning type`.execute(db);
    return deleted.rows.length > 0;
  }
}

/** Every type a selector names, whatever its operators. */
export function selectorTypes(selector: TypeSelector): string[] {
  return selector.kind === 'type' ? [selector.name] : selector.items.flatMap(selectorTypes);
}

/** True when the entity has one of the open types. */
export function isOpen(open: readonly string[], types: readonly string[]): boolean {
  return types.some((t) => open.includes(t));
}

/**
 * Whether an entity's history may be read as open data: every type it has ever had must be open
 * (its temporal record keeps them all), or data written while it was of a closed type, or under
 * a reused id, would come out with the open type's history.
 */
export function isOpenHistory(open: readonly string[], typesEver: readonly string[]): boolean {
  return typesEver.length > 0 && typesEver.every((t) => open.includes(t));
}
