import { sql, type Kysely } from 'kysely';

// Applications (申請) and bulk applications (一括申請). A bulk application is what a resident
// fills in one sitting: the shared answers (共通項目, asked once) and one application per
// procedure, each pinned to the form version it was started with. Answers are personal data and
// are stored sealed (the platform sealer, bound to the row). A submitted application gets one
// receipt number (受付番号) from procedures_receipts' running number, unique across the installation.
//
// Statuses leave room for the back office (issue 6): draft → submitted → received → returned ⇄
// resubmitted → approved | rejected; withdrawn by the resident before anyone decided.
// Every change of status is a row in procedures_application_events (and in the audit log).
//
// Idempotent submission: the review page carries the bulk application's submission key; the
// first POST inserts it into procedures_application_submissions (primary key), so a double click,
// a reload or a retry finds it there and is shown the same confirmation.
export async function up(db: Kysely<unknown>): Promise<void> {
  // A practice procedure (練習用の手続) is filled and submitted like any other, but its
  // applications are never kept, delivered or counted.
  await sql`alter table procedures_procedures add column practice boolean not null default false`.execute(db);

  await sql`
    create table procedures_bulk_applications (
      id uuid primary key default gen_random_uuid(),
      lg_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      applicant_account_id uuid not null,
      proxy_account_id uuid,
      mandate_id text,
      life_event_code text,
      practice boolean not null default false,
      status text not null default 'draft' check (status in ('draft', 'submitted')),
      shared_sealed text not null,
      submission_key uuid not null unique default gen_random_uuid(),
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      submitted_at timestamptz
    )`.execute(db);
  await sql`create index procedures_bulk_applications_applicant on procedures_bulk_applications (applicant_account_id, status)`.execute(db);

  await sql`
    create table procedures_applications (
      lg_code char(6) not null,
      id uuid not null default gen_random_uuid(),
      bulk_id uuid not null references procedures_bulk_applications (id) on delete cascade,
      position integer not null,
      procedure_code text not null,
      form_version_id uuid not null,
      applicant_account_id uuid not null,
      proxy_account_id uuid,
      mandate_id text,
      practice boolean not null default false,
      status text not null default 'draft'
        check (status in ('draft', 'submitted', 'received', 'returned', 'resubmitted', 'approved', 'rejected', 'withdrawn')),
      answers_sealed text not null,
      receipt_number text unique,
      copied_from uuid,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      submitted_at timestamptz,
      decided_at timestamptz,
      primary key (lg_code, id),
      unique (bulk_id, lg_code, procedure_code),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) deferrable initially immediate,
      foreign key (lg_code, form_version_id) references procedures_form_versions (lg_code, id) deferrable initially immediate
    )`.execute(db);
  await sql`create index procedures_applications_applicant on procedures_applications (applicant_account_id, status)`.execute(db);
  await sql`create index procedures_applications_queue on procedures_applications (lg_code, procedure_code, status) where not practice`.execute(db);

  await sql`
    create table procedures_application_events (
      lg_code char(6) not null,
      application_id uuid not null,
      seq bigint generated always as identity,
      from_status text,
      to_status text not null,
      actor text not null,
      occurred_at timestamptz not null default now(),
      primary key (lg_code, application_id, seq),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade
    )`.execute(db);

  // Attachments (添付ファイル): one per file field of an application, the bytes sealed like the
  // answers. The type is what the content says (checked on upload), not what the name claims.
  await sql`
    create table procedures_application_files (
      lg_code char(6) not null,
      application_id uuid not null,
      field_key text not null,
      filename text not null,
      content_type text not null,
      bytes integer not null check (bytes >= 0),
      data_sealed text not null,
      created_at timestamptz not null default now(),
      primary key (lg_code, application_id, field_key),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate
    )`.execute(db);

  // One row per receipt number issued: its identity column is the running number, so a restore
  // (which resets identity sequences) never hands out a number twice.
  await sql`
    create table procedures_receipts (
      seq bigint generated always as identity primary key,
      lg_code char(6) not null,
      application_id uuid not null,
      issued_at timestamptz not null default now(),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate
    )`.execute(db);

  await sql`
    create table procedures_application_submissions (
      submission_key uuid primary key,
      bulk_id uuid,
      practice boolean not null default false,
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['procedures_application_submissions', 'procedures_receipts', 'procedures_application_files', 'procedures_application_events', 'procedures_applications', 'procedures_bulk_applications']) await sql`drop table ${sql.table(table)}`.execute(db);
  await sql`alter table procedures_procedures drop column practice`.execute(db);
}
