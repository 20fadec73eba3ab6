import { sql, type Kysely } from 'kysely';

// Entity types that hold residents' personal data (opt-in, docs/optin.md). The opt-in module
// registers them with a data provider of kind `broker`; the broker then serves them to nobody
// through the NGSI-LD API (queries, retrieves, temporal, subscriptions leave them out) and only
// through the gateway, after the consent check, to the resident's own entities.
//
// The tenant's version is bumped on every change (the trigger of 2026-12-03T0200), so each
// process's cache of a tenant's personal types (personal/personal-types.ts) is never stale.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_personal_types (
      tenant text not null,
      type text not null,
      provider_id text not null,
      -- The Relationship naming the resident: its object is urn:ngsi-ld:Person:<common-ID subject>.
      owner_attribute text not null,
      created_at timestamptz not null default now(),
      primary key (tenant, type)
    )`.execute(db);
  await sql`create index broker_personal_types_provider on broker_personal_types (provider_id)`.execute(db);
  await sql`
    create trigger broker_personal_types_version
      after insert or delete or update on broker_personal_types
      for each row execute function broker_bump_tenant_version()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger broker_personal_types_version on broker_personal_types`.execute(db);
  await sql`drop table broker_personal_types`.execute(db);
}
