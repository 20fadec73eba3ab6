import { sql, type Kysely } from 'kysely';

// Distributed subscriptions (clause 5.8.1.4): for each local subscription, the subscriptions this
// broker made at matching registered context sources, so that updates and deletes reach them and
// incoming notifications find their local subscription. The source notifies
// /ngsi-ld/ex/v1/remoteNotifications/{token}; only the token's SHA-256 is stored.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_remote_subscriptions (
      tenant text not null,
      subscription_id text not null,
      registration_id text not null,
      endpoint text not null,
      remote_id text not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      primary key (tenant, subscription_id, registration_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table broker_remote_subscriptions`.execute(db);
}
