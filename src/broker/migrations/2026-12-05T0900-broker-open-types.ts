import { sql, type Kysely } from 'kysely';

// Entity types a tenant publishes as open data: anyone may read entities of these types, and
// their history, without credentials (open-data/open-data-types.ts). A tenant administrator marks
// and unmarks them; each change is in the audit log.
//
// The tenant's version is bumped on every change (the trigger of 2026-12-03T0200), so each
// process's cache of a tenant's open types is never stale: a type unmarked through one process
// is closed by every other at once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_open_types (
      tenant text not null,
      type text not null,
      marked_by text not null,
      marked_at timestamptz not null default now(),
      primary key (tenant, type)
    )`.execute(db);
  await sql`
    create trigger broker_open_types_version
      after insert or delete or update on broker_open_types
      for each row execute function broker_bump_tenant_version()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger broker_open_types_version on broker_open_types`.execute(db);
  await sql`drop table broker_open_types`.execute(db);
}
