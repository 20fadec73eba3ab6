// The @context store's table (see store.ts). A MigrationSet the broker module adds to its list.
import { sql, type Kysely, type Migration } from 'kysely';

const createContexts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table broker_jsonld_contexts (
        id text primary key,
        url text unique,
        kind text not null check (kind in ('Hosted', 'Cached', 'ImplicitlyCreated')),
        body jsonb not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        hits integer not null default 0
      )`.execute(db);
    await sql`create index broker_jsonld_contexts_kind on broker_jsonld_contexts (kind)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table broker_jsonld_contexts`.execute(db);
  },
};

export const jsonldMigrations: Record<string, Migration> = {
  '2026-11-23T1300-broker-jsonld-contexts': createContexts,
};
