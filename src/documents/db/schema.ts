// The documents module's view of the database.
import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';

export interface DocumentsSigningCaTable {
  id: string;
  certificate_pem: string;
  private_key_sealed: string;
  created_at: Generated<Date>;
}

export interface DocumentsSignersTable {
  lg_code: string;
  fingerprint: string;
  certificate_pem: string;
  private_key_sealed: string;
  created_at: Generated<Date>;
}

export interface DocumentsIssuedTable {
  lg_code: string;
  id: Generated<string>;
  number: string;
  kind: string;
  title: string;
  account_id: string;
  verification_code: string;
  sha256: string;
  signed_digest: string;
  signer_fingerprint: string;
  pdf_sealed: string;
  issued_by: string;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface DocumentsSchema {
  documents_signing_ca: DocumentsSigningCaTable;
  documents_signers: DocumentsSignersTable;
  documents_issued: DocumentsIssuedTable;
}

export type DocumentsDatabase = Kysely<DocumentsSchema>;

export function documentsDb(db: Database): DocumentsDatabase {
  return db as unknown as DocumentsDatabase;
}
