import { sql, type Kysely } from 'kysely';

// The My Number card an account was confirmed with (level A): which certificate, and its basic
// four (基本4情報) as the card said them, sealed. One certificate confirms one account only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table identity_jpki_bindings (
      account_id uuid primary key references identity_accounts (id) on delete cascade deferrable initially immediate,
      certificate_fingerprint text not null unique,
      issuer text not null,
      serial_number text not null,
      not_after timestamptz not null,
      -- Sealed: name, address, date of birth and sex exactly as the certificate holds them.
      basic_four_sealed text not null,
      -- A blind index of name and date of birth: a renewed card of the same person still matches.
      person_index text not null,
      bound_at timestamptz not null default now(),
      last_verified_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index identity_jpki_bindings_person on identity_jpki_bindings (person_index)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table identity_jpki_bindings`.execute(db);
}
