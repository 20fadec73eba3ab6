import { sql, type Kysely } from 'kysely';

// Identity checks at a counter (level B, 003B P5.4): a staff member, with their own account,
// compared an identity document with the resident's recorded name, date of birth and address.
// The document's number is not kept; its kind, where, when and by whom are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_identity_checks (
      id uuid primary key default gen_random_uuid(),
      account_id uuid not null references identity_accounts (id) on delete cascade deferrable initially immediate,
      -- The office where the check happened.
      lg_code text not null references platform_tenants (lg_code) deferrable initially immediate,
      document_type text not null check (document_type in ('drivers_license', 'passport', 'residence_card', 'my_number_card', 'disability_certificate', 'other_photo_id')),
      checked_by text not null,
      profile_version integer not null,
      checked_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_identity_checks_account on identity_identity_checks (account_id, checked_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_identity_checks`.execute(db);
}
