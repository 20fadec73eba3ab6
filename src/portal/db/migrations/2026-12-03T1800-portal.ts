import { sql, type Kysely } from 'kysely';

// The portal's own tables: notices (お知らせ) that the prefecture and each municipality publish
// on the portal, and the in-app notifications centre of each account.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table portal_notices (
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      id uuid not null default gen_random_uuid(),
      category text not null check (category in ('info', 'important', 'emergency')),
      title_ja text not null check (length(title_ja) between 1 and 200),
      title_en text not null default '',
      body_ja text not null check (length(body_ja) between 1 and 10000),
      body_en text not null default '',
      published_from timestamptz not null,
      published_until timestamptz,
      created_by text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      version integer not null default 1,
      primary key (lg_code, id),
      check (published_until is null or published_until > published_from)
    )`.execute(db);
  await sql`create index portal_notices_published on portal_notices (published_from desc)`.execute(db);
  // Notifications belong to an account (a resident, a business or staff), not to a tenant; the
  // tenant that sent one is kept for the reader.
  await sql`
    create table portal_notifications (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null,
      lg_code text not null,
      title_ja text not null,
      title_en text not null,
      body_ja text not null default '',
      body_en text not null default '',
      link text check (link is null or link ~ '^/[^/]'),
      created_at timestamptz not null default now(),
      read_at timestamptz
    )`.execute(db);
  await sql`create index portal_notifications_account on portal_notifications (account_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table portal_notifications`.execute(db);
  await sql`drop table portal_notices`.execute(db);
}
