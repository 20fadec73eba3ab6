// Context source registrations (clause 5.2.9). One row per registration per broker tenant. The
// registration itself is kept in `body` with entity types and attribute names expanded to IRIs
// (see registration.ts), so requesters with different @contexts see the same registration and
// matching a query is a comparison of IRIs. `endpoint`, `mode` and `expires_at` are columns so
// the federation can pick candidates without reading every body; the status members of
// Table 5.2.9-2 (status, timesSent, timesFailed, lastSuccess, lastFailure) are columns because
// they change on every forwarded request, not when the registration is updated.
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_registrations (
      tenant text not null,
      id text not null,
      body jsonb not null,
      endpoint text not null,
      mode text not null default 'inclusive',
      expires_at timestamptz,
      created_at timestamptz not null,
      modified_at timestamptz not null,
      status text,
      times_sent integer not null default 0,
      times_failed integer not null default 0,
      last_success timestamptz,
      last_failure timestamptz,
      primary key (tenant, id)
    )`.execute(db);
  await sql`create index broker_registrations_expiry on broker_registrations (tenant, expires_at)`.execute(db);
}

async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table broker_registrations`.execute(db);
}

export const registrationMigrations: Record<string, Migration> = {
  '2026-11-23T1303-broker-registrations': { up, down },
};
