import { sql, type Kysely } from 'kysely';

// A resident changing their e-mail address: the new address is confirmed by a link sent to it
// before it replaces the old one. Only the link's hash is stored; the new address is sealed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_email_changes (
      token_hash text primary key,
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      new_email_index text not null,
      new_email_sealed text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_email_changes_account on identity_email_changes (account_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_email_changes`.execute(db);
}
