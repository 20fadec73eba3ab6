import { sql, type Kysely } from 'kysely';

// Businesses logging in through GビズID. A business account (identity_accounts kind 'business',
// owned by the prefecture like residents' accounts) is linked to one GビズID subject; the link
// keeps what GビズID last said about the business and the person's place in it, refreshed at
// every login. Pending logins hold what the callback must check (state, nonce, PKCE verifier)
// on the server, each usable once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_gbizid_links (
      account_id uuid primary key references identity_accounts (id) on delete cascade deferrable initially immediate,
      -- The issuer is part of the key, so the stand-in's subjects never meet real GビズID ones.
      issuer text not null,
      subject text not null,
      account_type text not null check (account_type in ('entry', 'prime', 'member')),
      corp_type text not null check (corp_type in ('corporation', 'sole_proprietor')),
      -- Public (published by the National Tax Agency), so kept in clear to find a corporation's
      -- accounts; check digit verified before it is written. Null for sole proprietors.
      corporate_number text check (corporate_number ~ '^[1-9][0-9]{12}$'),
      corporate_name_sealed text not null,
      -- The GビズID Prime holder: the representative (代表者) or the sole proprietor.
      representative boolean not null,
      linked_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (issuer, subject)
    )`.execute(db);
  await sql`create index identity_gbizid_links_corporate_number on identity_gbizid_links (corporate_number)`.execute(db);

  await sql`
    create table identity_gbizid_pending (
      state_hash text primary key,
      nonce text not null,
      code_verifier_sealed text not null,
      return_to text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_gbizid_pending_expiry on identity_gbizid_pending (expires_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_gbizid_pending`.execute(db);
  await sql`drop table identity_gbizid_links`.execute(db);
}
