import { sql, type Kysely } from 'kysely';

// One-time challenges a device must sign: a passkey registration or login (WebAuthn), and the My
// Number card's signature (JPKI). Each is used at most once and only until it expires, so a
// recorded answer can never be replayed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_challenges (
      id text primary key,
      purpose text not null check (purpose in ('passkey_register', 'passkey_login', 'jpki', 'counter_code')),
      account_id uuid references identity_accounts (id) on delete cascade deferrable initially immediate,
      challenge text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_challenges_expiry on identity_challenges (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_challenges`.execute(db);
}
