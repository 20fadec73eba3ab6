import { sql, type Kysely } from 'kysely';

// The development outbox: where mail goes when no SMTP server is configured, so a developer (and
// the demo) can follow a verification link. Messages are sealed: they hold addresses and secrets.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_mail_outbox (
      id text primary key,
      message text not null,
      sent_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index platform_mail_outbox_sent on platform_mail_outbox (sent_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table platform_mail_outbox`.execute(db);
}
