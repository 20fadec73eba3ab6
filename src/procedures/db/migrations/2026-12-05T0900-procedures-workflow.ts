import { sql, type Kysely } from 'kysely';

// The back office workflow (issue 6 parts 3–5): how each procedure's applications are routed
// (stages, each with a department and a role, and working days), which staff belong to which
// department, where each submitted application is in its routing, and what staff did with it.
//
// procedures_routings: one per procedure that has its own routing (without one, the default of
// workflow/routing.ts applies). `after` lists procedures whose applications in the same bulk
// application must be decided first (転入届 before 児童手当).
// procedures_staff_departments: who works in which department (課), by principal id.
// procedures_application_work: a submitted application's place in its routing; the routing is
// copied in at submission, so a routing changed later applies only to new applications. `version`
// is the ETag staff act under: two decisions on the same version, one wins.
// procedures_application_actions: every staff action (and the resident's resubmission) with its
// reasons; changes of status are also in procedures_application_events, as before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_routings (
      lg_code char(6) not null,
      procedure_code text not null,
      stages jsonb not null,
      after jsonb not null default '[]',
      issue_document boolean not null default false,
      document_title text,
      version integer not null default 1,
      updated_by text not null,
      updated_at timestamptz not null default now(),
      primary key (lg_code, procedure_code),
      foreign key (lg_code, procedure_code) references procedures_procedures (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);

  await sql`
    create table procedures_staff_departments (
      lg_code char(6) not null,
      department_code text not null,
      principal_id text not null,
      display_name text not null,
      added_by text not null,
      added_at timestamptz not null default now(),
      primary key (lg_code, department_code, principal_id),
      foreign key (lg_code, department_code) references procedures_departments (lg_code, code) on delete cascade deferrable initially immediate
    )`.execute(db);
  await sql`create index procedures_staff_departments_principal on procedures_staff_departments (principal_id)`.execute(db);

  await sql`
    create table procedures_application_work (
      lg_code char(6) not null,
      application_id uuid not null,
      bulk_id uuid not null,
      procedure_code text not null,
      stages jsonb not null,
      after jsonb not null default '[]',
      issue_document boolean not null default false,
      document_title text,
      stage_index integer not null default 0,
      department_code text not null,
      assignee text,
      assignee_name text,
      stage_started_at timestamptz not null default now(),
      due_on text not null check (due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      version integer not null default 1,
      primary key (lg_code, application_id),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate
    )`.execute(db);
  await sql`create index procedures_application_work_queue on procedures_application_work (lg_code, department_code, due_on)`.execute(db);
  await sql`create index procedures_application_work_bulk on procedures_application_work (bulk_id)`.execute(db);

  await sql`
    create table procedures_application_actions (
      lg_code char(6) not null,
      application_id uuid not null,
      seq bigint generated always as identity,
      action text not null check (action in ('received', 'checked', 'approved', 'returned', 'resubmitted', 'rejected', 'assigned', 'commented', 'issued')),
      stage_index integer not null,
      actor text not null,
      actor_name text not null,
      note text,
      reasons jsonb,
      changes_sealed text,
      occurred_at timestamptz not null default now(),
      primary key (lg_code, application_id, seq),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['procedures_application_actions', 'procedures_application_work', 'procedures_staff_departments', 'procedures_routings']) await sql`drop table ${sql.table(table)}`.execute(db);
}
