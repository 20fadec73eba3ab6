import { sql, type Kysely } from 'kysely';

// Proxies (代理): a mandate lets one account act for another, for all procedures or those listed,
// until a date. A resident gives one by handing an invitation code to the proxy; a counter clerk
// registers one from a paper power of attorney (委任状), whose scan is kept sealed. A session
// acting for someone names the mandate it acts under.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_mandates (
      id uuid primary key default gen_random_uuid(),
      grantor_account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      proxy_account_id uuid references identity_accounts (id) on delete cascade deferrable initially immediate,
      invite_hash text unique,
      scope text not null check (scope in ('all', 'listed')),
      description_sealed text,
      valid_until date not null,
      source text not null check (source in ('resident', 'counter')),
      lg_code text references platform_tenants (lg_code) deferrable initially immediate,
      created_by text not null,
      status text not null check (status in ('pending', 'active', 'revoked')),
      accepted_at timestamptz,
      revoked_at timestamptz,
      revoked_by text,
      created_at timestamptz not null default now(),
      check (proxy_account_id is null or proxy_account_id <> grantor_account_id)
    )`.execute(db);
  await sql`create index identity_mandates_grantor on identity_mandates (grantor_account_id)`.execute(db);
  await sql`create index identity_mandates_proxy on identity_mandates (proxy_account_id)`.execute(db);
  await sql`
    create table identity_mandate_documents (
      mandate_id uuid primary key references identity_mandates (id) on delete cascade deferrable initially immediate,
      filename text not null,
      content_type text not null,
      size integer not null,
      content_sealed text not null,
      uploaded_by text not null,
      uploaded_at timestamptz not null default now()
    )`.execute(db);
  await sql`alter table identity_sessions add column acting_for uuid references identity_mandates (id) on delete set null deferrable initially immediate`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table identity_sessions drop column acting_for`.execute(db);
  await sql`drop table identity_mandate_documents`.execute(db);
  await sql`drop table identity_mandates`.execute(db);
}
