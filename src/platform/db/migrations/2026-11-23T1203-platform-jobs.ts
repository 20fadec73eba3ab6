import { sql, type Kysely } from 'kysely';

// The durable job queue (outbox): work is written in the same transaction as the change that
// causes it, so it is never lost, and a worker claims it with a lease, so a crashed worker's
// job runs again (at-least-once delivery).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_jobs (
      id bigint generated always as identity primary key,
      topic text not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'running', 'done', 'dead')),
      attempts integer not null default 0,
      max_attempts integer not null check (max_attempts between 1 and 100),
      run_at timestamptz not null default now(),
      locked_until timestamptz,
      last_error text,
      dedupe_key text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index platform_jobs_due on platform_jobs (run_at) where status in ('pending', 'running')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table platform_jobs`.execute(db);
}
