import { sql, type Kysely } from 'kysely';

// NGSI-LD subscriptions and their notification outbox. A change to an entity writes one outbox
// row per matching subscription in the same transaction as the change, so a crash can lose
// neither; the notifier delivers the rows in order, per subscription, and deletes them only after
// the receiver accepted them (at-least-once). `delivery_until` is a lease: one process at a time
// delivers a subscription's rows, so order and throttling hold across processes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_subscriptions (
      tenant text not null,
      id text not null,
      body jsonb not null,
      is_active boolean not null default true,
      expires_at timestamptz,
      throttling double precision not null default 0,
      time_interval double precision,
      next_periodic_at timestamptz,
      times_sent bigint not null default 0,
      times_failed bigint not null default 0,
      last_notification timestamptz,
      last_success timestamptz,
      last_failure timestamptz,
      last_failure_reason text,
      delivery_until timestamptz,
      created_at timestamptz not null default now(),
      modified_at timestamptz not null default now(),
      primary key (tenant, id)
    )`.execute(db);
  await sql`create index broker_subscriptions_active on broker_subscriptions (tenant) where is_active`.execute(db);
  await sql`
    create table broker_notifications (
      seq bigint generated always as identity primary key,
      tenant text not null,
      subscription_id text not null,
      trigger text not null,
      entity jsonb not null,
      attempts integer not null default 0,
      due_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      foreign key (tenant, subscription_id) references broker_subscriptions (tenant, id) on delete cascade deferrable initially immediate
    )`.execute(db);
  await sql`create index broker_notifications_due on broker_notifications (due_at)`.execute(db);
  await sql`create index broker_notifications_subscription on broker_notifications (tenant, subscription_id, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table broker_notifications`.execute(db);
  await sql`drop table broker_subscriptions`.execute(db);
}
