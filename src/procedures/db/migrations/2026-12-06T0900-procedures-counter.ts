import { sql, type Kysely } from 'kysely';

// Counter assistance (書かない窓口, issue 6 part 6): a clerk starts a bulk application for a
// resident standing at the counter, and the resident confirms it on the counter screen before it
// is submitted. One row per such bulk application: the office (the clerk's municipality, which
// alone may see or continue it), who started it, and the resident's confirmation (when, recorded
// by which clerk, and the SHA-256 of the content confirmed). The applications themselves carry
// channel 'counter'. Cancelling deletes the draft and, by the cascade, this row; the audit log
// keeps what happened.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_counter_applications (
      bulk_id uuid primary key references procedures_bulk_applications (id) on delete cascade,
      lg_code char(6) not null,
      started_by text not null,
      started_by_name text not null,
      started_at timestamptz not null default now(),
      confirmed_at timestamptz,
      confirmed_by text,
      confirmed_digest text
    )`.execute(db);
  await sql`create index procedures_counter_applications_office on procedures_counter_applications (lg_code, started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_counter_applications`.execute(db);
}
