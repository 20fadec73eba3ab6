import { sql, type Kysely } from 'kysely';

// Issued documents with an official signature (職責署名): the TEST stand-in for LGPKI's CA, each
// municipality's signing key and certificate (the private keys sealed), and every document issued.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table documents_signing_ca (
      id text primary key check (id = 'test-lgpki'),
      certificate_pem text not null,
      private_key_sealed text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table documents_signers (
      lg_code text not null,
      fingerprint text not null,
      certificate_pem text not null,
      private_key_sealed text not null,
      created_at timestamptz not null default now(),
      primary key (lg_code, fingerprint)
    )`.execute(db);
  await sql`
    create table documents_issued (
      lg_code text not null,
      id uuid not null default gen_random_uuid(),
      number text not null,
      kind text not null,
      title text not null,
      account_id uuid not null,
      verification_code text not null unique,
      sha256 text not null unique,
      signed_digest text not null,
      signer_fingerprint text not null,
      pdf_sealed text not null,
      issued_by text not null,
      issued_at timestamptz not null,
      revoked_at timestamptz,
      revoked_reason text,
      primary key (lg_code, id),
      unique (lg_code, number)
    )`.execute(db);
  await sql`create unique index documents_issued_id on documents_issued (id)`.execute(db);
  await sql`create index documents_issued_account on documents_issued (account_id, issued_at desc)`.execute(db);
  await sql`create index documents_issued_digest on documents_issued (signed_digest)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table documents_issued`.execute(db);
  await sql`drop table documents_signers`.execute(db);
  await sql`drop table documents_signing_ca`.execute(db);
}
