import { sql, type Kysely } from 'kysely';

// Monitoring (EBPM, issue 6 part 7). An application's channel says how it reached the
// municipality: `online` (the resident applied on the portal) or `counter` (a clerk entered it
// with the resident at the counter, 書かない窓口). Applications made on paper outside this system
// are not rows here; staff record how many there were per procedure and month in
// procedures_paper_counts, so the online share is of all applications, not only of those in the
// system. Figures are computed from procedures_application_events when asked; the index serves
// the month ranges.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table procedures_applications add column channel text not null default 'online' check (channel in ('online', 'counter'))`.execute(db);
  await sql`create index procedures_application_events_time on procedures_application_events (lg_code, occurred_at)`.execute(db);
  await sql`
    create table procedures_paper_counts (
      lg_code char(6) not null,
      procedure_code text not null,
      month char(7) not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      count integer not null check (count between 0 and 1000000),
      recorded_by text not null,
      recorded_at timestamptz not null default now(),
      primary key (lg_code, procedure_code, month),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_paper_counts`.execute(db);
  await sql`drop index procedures_application_events_time`.execute(db);
  await sql`alter table procedures_applications drop column channel`.execute(db);
}
