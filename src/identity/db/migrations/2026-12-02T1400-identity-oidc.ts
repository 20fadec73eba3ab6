import { sql, type Kysely } from 'kysely';

// The OpenID Provider's state: what oidc-provider persists (sessions, grants, codes, tokens,
// interactions) in one table keyed by model and id; the services registered as clients; and the
// signing keys, sealed, with their rotation status.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_oidc_models (
      model text not null,
      id text not null,
      payload jsonb not null,
      grant_id text,
      user_code text,
      uid text,
      account_id text,
      expires_at timestamptz,
      consumed_at timestamptz,
      primary key (model, id)
    )`.execute(db);
  await sql`create index identity_oidc_models_grant on identity_oidc_models (grant_id) where grant_id is not null`.execute(db);
  await sql`create index identity_oidc_models_uid on identity_oidc_models (uid) where uid is not null`.execute(db);
  await sql`create index identity_oidc_models_account on identity_oidc_models (account_id) where account_id is not null`.execute(db);
  await sql`create index identity_oidc_models_expiry on identity_oidc_models (expires_at)`.execute(db);

  await sql`
    create table identity_oidc_clients (
      client_id text primary key,
      -- The tenant that owns the service (a municipality or the prefecture).
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      name_ja text not null,
      name_en text not null,
      -- redirect_uris, post_logout_redirect_uris, grant_types, token_endpoint_auth_method, scope…
      metadata jsonb not null,
      secret_sealed text,
      status text not null default 'active' check (status in ('active', 'suspended')),
      created_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);

  await sql`
    create table identity_oidc_keys (
      kid text primary key,
      jwk_sealed text not null,
      -- 'current' signs; 'previous' is still published so tokens it signed keep verifying.
      status text not null check (status in ('current', 'previous', 'retired')),
      created_at timestamptz not null default now(),
      retired_at timestamptz
    )`.execute(db);
  await sql`create unique index identity_oidc_keys_one_current on identity_oidc_keys (status) where status = 'current'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_oidc_keys`.execute(db);
  await sql`drop table identity_oidc_clients`.execute(db);
  await sql`drop table identity_oidc_models`.execute(db);
}
