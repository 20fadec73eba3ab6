// Per-process caches of what every entity write and retrieve reads about a tenant: its active
// subscriptions (the matcher runs on every write) and whether it has context source
// registrations (every retrieve and query would otherwise ask). Reading them from the database
// on each request cost a round trip per request; caching them naively would break the rule
// that two server processes on one database behave as one.
//
// So each cached value carries the tenant's version (broker_tenant_versions, bumped by triggers
// in the transaction that changes a subscription or registration; see the migration
// 2026-12-03T0200). A caller reads the version in the same statement or transaction as the work
// that relies on it (cheap: a primary-key read, often folded into a statement it runs anyway) and
// uses the cached value only when the versions are equal. The version is always read before the
// value is loaded, so a value is never labelled newer than it is: at worst it is reloaded once
// more than needed.
import { sql, type Kysely, type Transaction } from 'kysely';

type Db = Kysely<any> | Transaction<any>;

/** The tenant's current version (0 before its first subscription or registration). */
export async function tenantVersion(db: Db, tenant: string): Promise<number> {
  const row = (await sql<{ version: number | string }>`select version from broker_tenant_versions where tenant = ${tenant}`.execute(db)).rows[0];
  const version = row ? Number(row.version) : 0;
  noteVersion(tenant, version);
  return version;
}

/**
 * The newest version this process has seen of each tenant. A query may run on it instead of
 * reading the version first, if its own statement reads the version too and the answer is
 * thrown away (StaleTenantVersion) when they differ: one round trip instead of two.
 */
const seen = new Map<string, number>();

export function noteVersion(tenant: string, version: number): void {
  const known = seen.get(tenant);
  if (known !== undefined && known >= version) return;
  if (known === undefined && seen.size >= MAX_TENANTS) seen.clear();
  seen.set(tenant, version);
}

export function lastSeenVersion(tenant: string): number | undefined {
  return seen.get(tenant);
}

/** A statement found the tenant's version other than the one its caller assumed: run it again. */
export class StaleTenantVersion extends Error {
  constructor(readonly version: number) {
    super(`the tenant's version is now ${version}`);
  }
}

/** SQL for the version inside another statement (e.g. a retrieve's select list). */
export function tenantVersionSql(tenant: string) {
  return sql<number>`coalesce((select v.version from broker_tenant_versions v where v.tenant = ${tenant}), 0)`;
}

/** Bounds the cache: tenants are few (a prefecture's municipalities and broker-only tenants). */
const MAX_TENANTS = 10_000;

export class VersionedCache<T> {
  readonly #entries = new Map<string, { version: number; value: T }>();

  /** The value for `version`: cached when it was loaded at that version, else loaded now. */
  async get(tenant: string, version: number, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(tenant);
    if (hit && hit.version === version) return hit.value;
    // Not shared with concurrent callers: `load` may run in the caller's transaction (on PGlite
    // the only connection), and a failed transaction must not leave a failed load behind.
    const value = await load();
    const latest = this.#entries.get(tenant);
    if (!latest || latest.version <= version) {
      if (!latest && this.#entries.size >= MAX_TENANTS) this.#entries.clear();
      this.#entries.set(tenant, { version, value });
    }
    return value;
  }
}
