import { sql, type Kysely } from 'kysely';

// Context source registration subscriptions (clause 5.11) live beside entity subscriptions in
// broker_subscriptions, told apart by `kind`, so they share the notification outbox, its lease,
// retries and status members. Entity matching and the /subscriptions API read kind 'entity' only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table broker_subscriptions add column kind text not null default 'entity'
    constraint broker_subscriptions_kind check (kind in ('entity', 'csource'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from broker_subscriptions where kind = 'csource'`.execute(db);
  await sql`alter table broker_subscriptions drop column kind`.execute(db);
}
