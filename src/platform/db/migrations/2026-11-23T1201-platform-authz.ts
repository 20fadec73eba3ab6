import { sql, type Kysely } from 'kysely';

// Scoped role assignments and the operator API tokens that can hold them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_role_assignments (
      id uuid primary key default gen_random_uuid(),
      principal_id text not null check (length(principal_id) between 1 and 200),
      role text not null,
      scope_level text not null check (scope_level in ('prefecture', 'zone', 'municipality')),
      prefecture_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      zone_id text,
      lg_code char(6) references platform_tenants (lg_code) deferrable initially immediate,
      granted_by text not null,
      granted_at timestamptz not null default now(),
      foreign key (prefecture_code, zone_id) references platform_zones (prefecture_code, zone_id) deferrable initially immediate,
      check ((scope_level = 'zone') = (zone_id is not null)),
      check ((scope_level = 'municipality') = (lg_code is not null))
    )`.execute(db);
  await sql`
    create unique index platform_role_assignments_unique on platform_role_assignments
      (principal_id, role, prefecture_code, coalesce(zone_id, ''), coalesce(lg_code, ''))`.execute(db);
  await sql`
    create table platform_api_tokens (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 100),
      token_hash text not null unique,
      created_by text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table platform_api_tokens`.execute(db);
  await sql`drop table platform_role_assignments`.execute(db);
}
