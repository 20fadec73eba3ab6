import { sql, type Kysely } from 'kysely';

// The audit log is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, and every row
// carries the hash of the one before, so even someone who gets past the trigger (a superuser)
// leaves a break that `tsunagu audit verify` finds. The head row serialises appends and records
// the last sequence number, so removing rows at the end is detected too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_audit_events (
      seq bigint primary key,
      occurred_at timestamptz not null,
      actor text not null,
      action text not null,
      lg_code char(6),
      subject text,
      ip text,
      request_id text,
      details jsonb not null default '{}'::jsonb,
      prev_hash text not null,
      hash text not null
    )`.execute(db);
  await sql`create index platform_audit_events_tenant on platform_audit_events (lg_code, seq)`.execute(db);
  await sql`
    create table platform_audit_head (
      id integer primary key check (id = 1),
      seq bigint not null,
      hash text not null
    )`.execute(db);
  await sql`insert into platform_audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);
  await sql`
    create function platform_audit_events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'platform_audit_events is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger platform_audit_events_append_only before update or delete on platform_audit_events
      for each row execute function platform_audit_events_refuse_change()`.execute(db);
  await sql`
    create trigger platform_audit_events_no_truncate before truncate on platform_audit_events
      for each statement execute function platform_audit_events_refuse_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table platform_audit_events`.execute(db);
  await sql`drop table platform_audit_head`.execute(db);
  await sql`drop function platform_audit_events_refuse_change`.execute(db);
}
