import { sql, type Kysely } from 'kysely';

// The gateway writes an allowed call's access-log row while the provider is being called, and
// amends it if the provider then fails (gateway/gateway-routes.ts). The row is written in a batch
// with other calls' rows, so each call names its row with a key of its own to get the row's id
// back. Rows written before this migration have none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table optin_access_log add column call_id uuid`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table optin_access_log drop column call_id`.execute(db);
}
