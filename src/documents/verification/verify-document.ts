// The public verdict on a document, in the order a reader needs it: is the signature intact over
// the whole file (else "altered"), was it made by a municipality's office-holder certificate from
// the configured CA and valid at signing (else "not genuine"), is it a document we issued, as
// issued, and is it still in force (else "altered", "unregistered" or "revoked").
import { createHash } from 'node:crypto';
import { bytesEqual, x509 } from '../../identity/jpki/pki.ts';
import type { AppContext } from '../../platform/module.ts';
import { documentsDb } from '../db/schema.ts';
import { fingerprintOf, trustedSigningCas } from '../signing/lgpki-test-ca.ts';
import { readSignature } from './read-signature.ts';

export type Verdict = 'genuine' | 'revoked' | 'altered' | 'not_genuine' | 'unregistered' | 'not_signed' | 'unknown_code';

export interface RegisteredDocument {
  lgCode: string;
  number: string;
  kind: string;
  title: string;
  issuedAt: Date;
  revokedAt: Date | null;
  sha256: string;
}

export interface Verification {
  verdict: Verdict;
  /** English, for logs and the API; the page words the verdict from the locale files. */
  detail: string;
  document?: RegisteredDocument;
  signer?: { subject: string; issuer: string; signingTime: string | null };
}

function registered(row: { lg_code: string; number: string; kind: string; title: string; issued_at: Date; revoked_at: Date | null; sha256: string }): RegisteredDocument {
  return { lgCode: row.lg_code, number: row.number, kind: row.kind, title: row.title, issuedAt: row.issued_at, revokedAt: row.revoked_at, sha256: row.sha256 };
}

async function chainsToCa(signer: x509.X509Certificate, cas: x509.X509Certificate[], at: Date): Promise<string | null> {
  for (const ca of cas) {
    if (!bytesEqual(ca.subjectName.toArrayBuffer(), signer.issuerName.toArrayBuffer())) continue;
    // Proven by signature, not by name: a CA that copies the stand-in's name gets nowhere.
    if (!(await signer.verify({ publicKey: ca.publicKey, signatureOnly: true }).catch(() => false))) continue;
    if (at < ca.notBefore || at > ca.notAfter) return 'the CA certificate was not valid at signing';
    if (at < signer.notBefore || at > signer.notAfter) return 'the signer certificate was not valid at signing';
    return null;
  }
  return 'the signer certificate was not issued by the configured CA';
}

export async function verifyFile(app: AppContext, file: Buffer): Promise<Verification> {
  // Whatever an uploaded file holds, the answer is a verdict, never a server error.
  const reading = await readSignature(file).catch(() => ({ ok: false as const, problem: 'malformed_signature' as const, detail: 'the signature cannot be read' }));
  if (!reading.ok) {
    const verdict: Verdict = reading.problem === 'bad_signature' || reading.problem === 'partial_coverage' || reading.problem === 'several_signatures' ? 'altered' : 'not_signed';
    return { verdict, detail: reading.detail };
  }
  const signer = { subject: reading.signer.subject, issuer: reading.signer.issuer, signingTime: reading.signingTime?.toISOString() ?? null };
  const db = documentsDb(app.db);
  const row = await db.selectFrom('documents_issued').selectAll().where('signed_digest', '=', reading.signedDigest).executeTakeFirst();
  // The registered issue time is the one we trust; the signature's own claim is the fallback.
  const at = row?.issued_at ?? reading.signingTime ?? new Date();
  const untrusted = await chainsToCa(reading.signer, await trustedSigningCas(app), at);
  if (untrusted) return { verdict: 'not_genuine', detail: untrusted, signer };
  if (!row) return { verdict: 'unregistered', detail: 'validly signed, but no document with this content was issued here', signer };
  if (row.signer_fingerprint !== (await fingerprintOf(reading.signer))) return { verdict: 'not_genuine', detail: 'signed with a certificate other than the one that issued this document', signer };
  const sha256 = createHash('sha256').update(file).digest('hex');
  if (sha256 !== row.sha256) return { verdict: 'altered', detail: 'the signed content is intact but other bytes of the file were changed', signer, document: registered(row) };
  if (row.revoked_at) return { verdict: 'revoked', detail: 'the document was revoked by its issuer', signer, document: registered(row) };
  return { verdict: 'genuine', detail: 'signed by the issuer, unaltered, registered and in force', signer, document: registered(row) };
}

/** By the code printed on the document: says what was issued under it, not that a copy is intact. */
export async function verifyCode(app: AppContext, code: string): Promise<Verification> {
  const normalised = normaliseCode(code);
  const row = normalised ? await documentsDb(app.db).selectFrom('documents_issued').selectAll().where('verification_code', '=', normalised).executeTakeFirst() : undefined;
  if (!row) return { verdict: 'unknown_code', detail: 'no document was issued with this code' };
  return row.revoked_at
    ? { verdict: 'revoked', detail: 'the document was revoked by its issuer', document: registered(row) }
    : { verdict: 'genuine', detail: 'a document with this code was issued and is in force', document: registered(row) };
}

// Codes use a 30-letter alphabet without 0/O, 1/I/L and U; readers may type lower case, full-width
// letters, spaces or no hyphens.
export const codeAlphabet = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export function normaliseCode(input: string): string | null {
  const plain = input.normalize('NFKC').toUpperCase().replace(/[\s\-‐－ー]/g, '');
  if (plain.length !== 12 || [...plain].some((ch) => !codeAlphabet.includes(ch))) return null;
  return `${plain.slice(0, 4)}-${plain.slice(4, 8)}-${plain.slice(8)}`;
}
