import { sql, type Kysely } from 'kysely';

// Each staff member's own notification setting: whether they get an e-mail when an application
// reaches a stage of their department that their role acts at. No row means the default (on),
// so only those who changed it have one.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_staff_notification_settings (
      principal_id text primary key,
      arrival_mail boolean not null,
      updated_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_staff_notification_settings`.execute(db);
}
