import { sql, type Kysely } from 'kysely';

// Electronic signatures with the My Number card (署名用電子証明書) over level A applications.
// One row per application: the manifest the card signed (the digests of the content of every
// level A application of the bulk application, no personal data), the signature, and the
// signer's certificate, sealed (it carries the basic four). Signing again replaces the row.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table procedures_application_signatures (
      lg_code char(6) not null,
      application_id uuid not null,
      manifest text not null,
      signature text not null,
      certificate_sealed text not null,
      certificate_fingerprint text not null,
      signed_at timestamptz not null default now(),
      primary key (lg_code, application_id),
      foreign key (lg_code, application_id) references procedures_applications (lg_code, id) on delete cascade
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table procedures_application_signatures`.execute(db);
}
