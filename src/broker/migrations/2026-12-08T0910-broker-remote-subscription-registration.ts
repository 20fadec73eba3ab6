import { sql, type Kysely } from 'kysely';

// Distributed subscriptions made or replaced when a registration changes: each remote
// subscription records a fingerprint of what the request to its source depended on (endpoint,
// tenant, contextSourceInfo, localOnly), so a registration change replaces only the remote
// subscriptions it affects, and a repeated run of the job (at-least-once) leaves current ones alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table broker_remote_subscriptions add column registration_hash text`.execute(db);
  await sql`create index broker_remote_subscriptions_registration on broker_remote_subscriptions (tenant, registration_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index broker_remote_subscriptions_registration`.execute(db);
  await sql`alter table broker_remote_subscriptions drop column registration_hash`.execute(db);
}
