import { sql, type Kysely } from 'kysely';

// Accounts of the common ID (residents, businesses, staff), their sessions, one-time e-mail
// tokens, login throttling and second factors. Personal values (e-mail address, TOTP secret,
// profile) are sealed (platform/crypto/sealer.ts); the e-mail address is found by its blind index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_accounts (
      id uuid primary key default gen_random_uuid(),
      kind text not null check (kind in ('resident', 'business', 'staff')),
      -- The tenant the account belongs to: the prefecture for residents and businesses (the
      -- common ID is prefecture-wide), the staff member's own organisation for staff.
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      email_index text not null,
      email_sealed text not null,
      email_verified_at timestamptz,
      password_hash text,
      status text not null default 'active' check (status in ('active', 'invited', 'disabled')),
      assurance_level text not null default 'C' check (assurance_level in ('A', 'B', 'C')),
      display_name_sealed text,
      last_login_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1,
      unique (kind, email_index)
    )`.execute(db);

  await sql`
    create table identity_sessions (
      id_hash text primary key,
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      -- 'partial': password checked, second factor still owed; only 'complete' sessions sign in.
      stage text not null check (stage in ('partial', 'complete')),
      methods text[] not null default '{}',
      acr text not null default 'C' check (acr in ('A', 'B', 'C')),
      user_agent text,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index identity_sessions_account on identity_sessions (account_id)`.execute(db);

  await sql`
    create table identity_email_tokens (
      token_hash text primary key,
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      purpose text not null check (purpose in ('verify_email', 'reset_password', 'staff_invite')),
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_email_tokens_account on identity_email_tokens (account_id, purpose)`.execute(db);

  // Failed logins per e-mail blind index (whether or not an account has that address, so
  // throttling itself reveals nothing) and per account kind.
  await sql`
    create table identity_login_failures (
      kind text not null,
      email_index text not null,
      failures integer not null default 0,
      first_failed_at timestamptz not null default now(),
      locked_until timestamptz,
      primary key (kind, email_index)
    )`.execute(db);

  await sql`
    create table identity_totp (
      account_id uuid primary key references identity_accounts (id) on delete cascade deferrable initially immediate,
      secret_sealed text not null,
      confirmed_at timestamptz,
      -- The last 30-second step accepted: a code is never accepted twice.
      last_step bigint not null default 0,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table identity_recovery_codes (
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      code_hash text not null,
      used_at timestamptz,
      primary key (account_id, code_hash)
    )`.execute(db);

  await sql`
    create table identity_passkeys (
      credential_id text primary key,
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      public_key text not null,
      counter bigint not null default 0,
      transports text[] not null default '{}',
      name text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`create index identity_passkeys_account on identity_passkeys (account_id)`.execute(db);

  await sql`
    create table identity_profiles (
      account_id uuid primary key references identity_accounts (id) on delete cascade deferrable initially immediate,
      -- Sealed JSON: names (kanji, kana), date of birth, address, phone, household members.
      personal_sealed text not null,
      -- Kept in clear: which municipality's services to show is not sensitive on its own.
      residence_lg_code text references platform_tenants (lg_code) deferrable initially immediate,
      workplace_lg_code text references platform_tenants (lg_code) deferrable initially immediate,
      language text not null default 'ja' check (language in ('ja', 'en')),
      contact jsonb not null default '{}',
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['identity_profiles', 'identity_passkeys', 'identity_recovery_codes', 'identity_totp', 'identity_login_failures', 'identity_email_tokens', 'identity_sessions', 'identity_accounts']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
