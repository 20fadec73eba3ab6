import { sql, type Kysely } from 'kysely';

// Opt-in (オプトイン) and the API gateway. Data stays with the systems that hold it: the City OS
// keeps only who may ask whom for what (registries), what each resident agreed to (consents, with
// a signed receipt), the link between a resident and their record at each provider, and the log
// of every gateway call on a resident's data. Never the data itself.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Data providers: systems (a municipality's records system, …) the gateway forwards to, with
  // the credentials the City OS uses on the services' behalf (sealed; services never see them).
  await sql`
    create table optin_providers (
      id text primary key check (id ~ '^[a-z][a-z0-9-]{2,40}$'),
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      name_ja text not null,
      name_en text not null,
      description_ja text not null default '',
      description_en text not null default '',
      endpoint text not null,
      auth_method text not null check (auth_method in ('bearer', 'basic', 'none')),
      credentials_sealed text,
      timeout_ms integer not null default 5000 check (timeout_ms between 100 and 60000),
      status text not null default 'active' check (status in ('active', 'suspended')),
      created_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);
  await sql`
    create table optin_provider_items (
      provider_id text not null references optin_providers (id) on delete cascade deferrable initially immediate,
      code text not null check (code ~ '^[A-Za-z][A-Za-z0-9_]{0,63}$'),
      name_ja text not null,
      name_en text not null,
      description_ja text not null default '',
      description_en text not null default '',
      sensitivity text not null check (sensitivity in ('normal', 'sensitive', 'special_care')),
      sort_order integer not null default 0,
      primary key (provider_id, code)
    )`.execute(db);
  // Services: an OIDC client (identity module) registered for the gateway by its owner tenant,
  // usable only once prefecture staff approved it; suspension stops all its gateway access.
  await sql`
    create table optin_services (
      id text primary key check (id ~ '^[a-z][a-z0-9-]{2,40}$'),
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      client_id text not null unique,
      name_ja text not null,
      name_en text not null,
      description_ja text not null default '',
      description_en text not null default '',
      status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'suspended')),
      status_reason text,
      decided_by text,
      decided_at timestamptz,
      created_by text not null,
      created_at timestamptz not null default now(),
      version integer not null default 1
    )`.execute(db);
  await sql`
    create table optin_service_purposes (
      service_id text not null references optin_services (id) on delete cascade deferrable initially immediate,
      code text not null check (code ~ '^[a-z][a-z0-9-]{1,40}$'),
      text_ja text not null,
      text_en text not null,
      primary key (service_id, code)
    )`.execute(db);
  await sql`
    create table optin_service_items (
      service_id text not null references optin_services (id) on delete cascade deferrable initially immediate,
      provider_id text not null,
      item_code text not null,
      primary key (service_id, provider_id, item_code),
      foreign key (provider_id, item_code) references optin_provider_items (provider_id, code) on delete cascade deferrable initially immediate
    )`.execute(db);
  // A service's request for a resident's opt-in: shown to the resident once, then decided.
  await sql`
    create table optin_consent_requests (
      id uuid primary key default gen_random_uuid(),
      service_id text not null references optin_services (id) on delete cascade deferrable initially immediate,
      account_id uuid not null,
      provider_id text not null references optin_providers (id) on delete cascade deferrable initially immediate,
      items text[] not null,
      purpose_code text not null,
      retention_days integer not null check (retention_days between 0 and 3650),
      valid_days integer not null check (valid_days between 1 and 1095),
      return_uri text not null,
      state text,
      status text not null default 'pending' check (status in ('pending', 'approved', 'refused')),
      consent_id uuid,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      decided_at timestamptz
    )`.execute(db);
  await sql`create index optin_consent_requests_account on optin_consent_requests (account_id, created_at desc)`.execute(db);
  // Consents: what the resident agreed to, frozen as shown (purpose text included), with the
  // receipt the platform signed. Revoked consents stay as history.
  await sql`
    create table optin_consents (
      id uuid primary key default gen_random_uuid(),
      request_id uuid not null unique references optin_consent_requests (id) deferrable initially immediate,
      service_id text not null references optin_services (id) on delete cascade deferrable initially immediate,
      account_id uuid not null,
      provider_id text not null references optin_providers (id) on delete cascade deferrable initially immediate,
      items text[] not null,
      purpose_code text not null,
      purpose_ja text not null,
      purpose_en text not null,
      retention_days integer not null,
      valid_from timestamptz not null,
      valid_until timestamptz not null,
      receipt text not null,
      revoked_at timestamptz,
      revoked_by text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index optin_consents_lookup on optin_consents (account_id, service_id, provider_id)`.execute(db);
  await sql`create index optin_consents_service on optin_consents (service_id, created_at desc)`.execute(db);
  // The resident's identifier at a provider (宛名番号 or the like), found once by matching the
  // My Number card's verified attributes; sealed, as it identifies a person.
  await sql`
    create table optin_subject_links (
      account_id uuid not null,
      provider_id text not null references optin_providers (id) on delete cascade deferrable initially immediate,
      resident_ref_sealed text not null,
      linked_at timestamptz not null default now(),
      primary key (account_id, provider_id)
    )`.execute(db);
  // Every gateway call on a resident's data, allowed or refused, for the resident and governance.
  await sql`
    create table optin_access_log (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default now(),
      account_id uuid,
      service_id text,
      client_id text not null,
      provider_id text not null,
      consent_id uuid,
      purpose_code text,
      method text not null,
      path text not null,
      items_requested text[] not null default '{}',
      items_released text[] not null default '{}',
      items_withheld text[] not null default '{}',
      outcome text not null check (outcome in ('allowed', 'refused', 'failed')),
      reason text,
      status integer not null,
      duration_ms integer not null,
      request_id text
    )`.execute(db);
  await sql`create index optin_access_log_account on optin_access_log (account_id, occurred_at desc)`.execute(db);
  await sql`create index optin_access_log_service on optin_access_log (service_id, occurred_at desc)`.execute(db);
  await sql`create index optin_access_log_provider on optin_access_log (provider_id, occurred_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['optin_access_log', 'optin_subject_links', 'optin_consents', 'optin_consent_requests', 'optin_service_items', 'optin_service_purposes', 'optin_services', 'optin_provider_items', 'optin_providers']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
