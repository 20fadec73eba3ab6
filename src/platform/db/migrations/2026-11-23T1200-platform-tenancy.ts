import { sql, type Kysely } from 'kysely';

// Prefecture → living zones (生活圏) → municipalities. Tenants are keyed by the official 6-digit
// local government code (全国地方公共団体コード); zones are not local governments and so are
// keyed by their prefecture and a short id. Foreign keys are deferrable so a restore can load
// tables in any order inside one transaction (SET CONSTRAINTS ALL DEFERRED).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table platform_tenants (
      lg_code char(6) primary key check (lg_code ~ '^[0-9]{6}$'),
      level text not null check (level in ('prefecture', 'municipality')),
      prefecture_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      zone_id text,
      name_ja text not null check (length(name_ja) between 1 and 100),
      name_en text not null check (length(name_en) between 1 and 100),
      sort_order integer not null default 0,
      contact jsonb not null default '{}'::jsonb,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((level = 'prefecture') = (lg_code = prefecture_code)),
      check (level = 'municipality' or zone_id is null)
    )`.execute(db);
  await sql`
    create table platform_zones (
      prefecture_code char(6) not null references platform_tenants (lg_code) deferrable initially immediate,
      zone_id text not null check (zone_id ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
      name_ja text not null,
      name_en text not null,
      sort_order integer not null default 0,
      primary key (prefecture_code, zone_id)
    )`.execute(db);
  await sql`
    alter table platform_tenants add foreign key (prefecture_code, zone_id)
      references platform_zones (prefecture_code, zone_id) deferrable initially immediate`.execute(db);
  await sql`create index platform_tenants_prefecture on platform_tenants (prefecture_code, sort_order)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table platform_tenants drop constraint if exists platform_tenants_prefecture_code_zone_id_fkey`.execute(db);
  await sql`drop table platform_zones`.execute(db);
  await sql`drop table platform_tenants`.execute(db);
}
