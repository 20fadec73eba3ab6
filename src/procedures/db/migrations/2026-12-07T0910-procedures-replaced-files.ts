import { sql, type Kysely } from 'kysely';

// Attachments a resident replaced when correcting a returned application (差戻し): the file that
// was sent before, kept for the history next to the current one in procedures_application_files
// (its sealed bytes copied as they were, under the same sealing context).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_application_replaced_files (
      seq integer generated always as identity primary key,
      lg_code char(6) not null,
      application_id uuid not null,
      field_key text not null,
      filename text not null,
      content_type text not null,
      bytes integer not null check (bytes >= 0),
      data_sealed text not null,
      attached_at timestamptz not null,
      replaced_at timestamptz not null default now(),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade
    )`.execute(db);
  await sql`create index procedures_application_replaced_files_application on procedures_application_replaced_files (lg_code, application_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_application_replaced_files`.execute(db);
}
