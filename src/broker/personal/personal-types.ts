// Entity types flagged as holding residents' personal data (table broker_personal_types, written
// by the opt-in module when it registers a data provider of kind `broker`). The NGSI-LD API
// leaves them out of every read — queries, retrieves, temporal reads and notifications — whoever
// asks: such data leaves the City OS only through the opt-in gateway, after the consent check,
// and only the consenting resident's own entities (personal-entities.ts).
//
// Every read path needs the tenant's list, so each process caches it under the tenant's version
// (tenant-state.ts): a type flagged through one process is hidden by every other at once.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { TypeSelector } from '../entities/type-selector.ts';
import { NgsiError } from '../errors.ts';
import { tenantVersion, VersionedCache } from '../tenant-state.ts';

type Db = Kysely<any> | Transaction<any>;

export interface PersonalType {
  type: string;
  providerId: string;
  ownerAttribute: string;
}

export class PersonalTypes {
  readonly #cache = new VersionedCache<PersonalType[]>();

  /** The tenant's personal types; `version` when the caller already read it in its statement. */
  async of(db: Db, tenant: string, version?: number): Promise<PersonalType[]> {
    return this.#cache.get(tenant, version ?? (await tenantVersion(db, tenant)), async () =>
      (await sql<{ type: string; provider_id: string; owner_attribute: string }>`
        select type, provider_id, owner_attribute from broker_personal_types where tenant = ${tenant} order by type`.execute(db)).rows.map((r) => ({
        type: r.type,
        providerId: r.provider_id,
        ownerAttribute: r.owner_attribute,
      })),
    );
  }

  /** Expanded IRIs of the tenant's personal types, for a query's exclusion (empty: none). */
  async typesOf(db: Db, tenant: string, version?: number): Promise<string[]> {
    return (await this.of(db, tenant, version)).map((p) => p.type);
  }
}

/** The refusal a direct read of a personal entity gets (403, with where to go instead). */
export function personalDataRefusal(id: string): NgsiError {
  return new NgsiError(
    'Forbidden',
    `Entity ${id} holds a resident's personal data: it is served only through the opt-in gateway (/gateway/{provider}/entities), with the resident's consent`,
  );
}

/** Refuses a subscription that names a personal type: nothing would ever be sent to it. */
export function assertNoPersonalSelector(personal: readonly string[], selectors: ReadonlyArray<{ types: TypeSelector }> | undefined): void {
  const names = (s: TypeSelector): string[] => (s.kind === 'type' ? [s.name] : s.items.flatMap(names));
  const named = (selectors ?? []).flatMap((s) => names(s.types)).find((t) => personal.includes(t));
  if (named) {
    throw new NgsiError('Forbidden', `entities: ${named} holds residents' personal data, which is never notified; services get it only through the opt-in gateway, with the resident's consent`);
  }
}

/**
 * SQL true when the entity row `alias` is of a personal type, for reads that reach entities
 * by links (join, q's rel{attr}) rather than by a query's own conditions.
 */
export function personalEntitySql(alias: string) {
  return sql<boolean>`exists (select 1 from broker_personal_types p where p.tenant = ${sql.ref(`${alias}.tenant`)} and p.type = any(${sql.ref(`${alias}.types`)}))`;
}

/** True when one of `types` is personal. */
export function isPersonal(personal: readonly string[], types: readonly string[]): boolean {
  return personal.length > 0 && types.some((t) => personal.includes(t));
}
