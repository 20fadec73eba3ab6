import { sql, type Kysely } from 'kysely';

// The generic form (汎用様式, 003B P3.3): for low-volume procedures without a built form, a
// resident attaches the municipality's existing form file (PDF or image) and fills a minimum
// record (name, contact, subject, message). Such an application is an ordinary application of
// the procedure, on the tenant's built-in generic form version; this table adds where it goes
// (the destination department) and, for 「その他の手続」 (the tenant's hanyou-shinsei procedure),
// the title of the procedure in the resident's words. The back office routes a generic
// application by department_code.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table procedures_procedures add column accepts_generic_form boolean not null default false`.execute(db);
  await sql`
    create table procedures_generic_applications (
      lg_code char(6) not null,
      application_id uuid not null,
      department_code text not null,
      title text check (title is null or char_length(title) between 1 and 100),
      primary key (lg_code, application_id),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade deferrable initially immediate,
      foreign key (lg_code, department_code) references procedures_departments (lg_code, code) deferrable initially immediate
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_generic_applications`.execute(db);
  await sql`alter table procedures_procedures drop column accepts_generic_form`.execute(db);
}
