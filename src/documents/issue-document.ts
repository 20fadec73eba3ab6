// Issuing and revoking a document: render, sign with the municipality's office-holder key,
// record (number, hashes, recipient, signer; the PDF sealed, as it carries personal data), audit,
// and tell the resident. Callers have checked permissions; this checks the facts.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { appendAudit } from '../platform/audit/audit-log.ts';
import type { AppContext } from '../platform/module.ts';
import { notify } from '../portal/exports.ts';
import { findAccountSummary, verifiedBasicFour } from '../identity/exports.ts';
import { documentsDb } from './db/schema.ts';
import { DocumentsErrors } from './errors.ts';
import { AppError } from '../platform/errors.ts';
import { renderDocument } from './pdf/render-document.ts';
import { signingIdentityOf } from './signing/lgpki-test-ca.ts';
import { signPdf } from './signing/sign-pdf.ts';
import { readSignature } from './verification/read-signature.ts';
import { codeAlphabet } from './verification/verify-document.ts';

export interface IssueDocumentInput {
  lgCode: string;
  accountId: string;
  /** A short machine name, e.g. "acceptance-certificate" (受理証明書). */
  kind: string;
  title: string;
  statement: string;
  fields: Array<{ label: string; value: string }>;
  /** As it is printed; default: the name the resident's My Number card carries. */
  recipientName?: string;
  /** Who issued it, for the record and the audit log (a staff actor id or "system:procedures"). */
  issuedBy: string;
  meta?: { ip?: string; requestId?: string };
}

export interface IssuedDocument {
  id: string;
  lgCode: string;
  number: string;
  verificationCode: string;
  sha256: string;
  issuedAt: Date;
  pdf: Buffer;
}

/** The title of the head who issues in the municipality's name: 会津若松市長, 福島県知事. */
export function headTitleOf(name: string): string {
  return name.endsWith('県') || name.endsWith('都') || name.endsWith('府') || name.endsWith('道') ? `${name}知事` : `${name}長`;
}

function newCode(): string {
  const chars = Array.from({ length: 12 }, () => codeAlphabet[randomInt(codeAlphabet.length)]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

async function nextNumber(app: AppContext, lgCode: string, issuedAt: Date): Promise<string> {
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: 'Asia/Tokyo', year: 'numeric' }).format(issuedAt));
  const prefix = `${lgCode}-${year}-`;
  const row = await documentsDb(app.db).selectFrom('documents_issued').select((eb) => eb.fn.countAll<string>().as('n')).where('lg_code', '=', lgCode).where('number', 'like', `${prefix}%`).executeTakeFirstOrThrow();
  return `第${prefix}${String(Number(row.n) + 1).padStart(6, '0')}号`;
}

export async function issueDocument(app: AppContext, input: IssueDocumentInput): Promise<IssuedDocument> {
  const tenant = await app.tenants.get(input.lgCode);
  if (!tenant) throw new AppError(DocumentsErrors.UNKNOWN_TENANT);
  const account = await findAccountSummary(app, input.accountId);
  if (!account || account.kind !== 'resident') throw new AppError(DocumentsErrors.UNKNOWN_RECIPIENT);
  const recipientName = input.recipientName?.trim() || (await verifiedBasicFour(app, input.accountId))?.name;
  if (!recipientName) throw new AppError(DocumentsErrors.RECIPIENT_NAME_REQUIRED);
  const municipality = tenant.name.ja;
  const headTitle = headTitleOf(municipality);
  const identity = await signingIdentityOf(app, { lgCode: input.lgCode, municipality, headTitle });
  const verificationUrl = `${app.config.publicUrl.replace(/\/$/, '')}/verify`;
  const db = documentsDb(app.db);
  // Two issues at once may pick the same number: the unique key refuses one, which tries again.
  for (let attempt = 0; ; attempt++) {
    const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const number = await nextNumber(app, input.lgCode, issuedAt);
    const verificationCode = newCode();
    const unsigned = await renderDocument({ municipality, issuerTitle: headTitle, title: input.title, number, issuedAt, recipientName, statement: input.statement, fields: input.fields, verificationCode, verificationUrl });
    const pdf = await signPdf(unsigned, identity, { reason: `${input.title} ${number}`, location: municipality, name: headTitle, signingTime: issuedAt });
    const reading = await readSignature(pdf);
    if (!reading.ok) throw new Error(`the document just signed does not verify: ${reading.detail}`);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    // The id is made here so the PDF is sealed bound to its row and stored in the same statement.
    const id = randomUUID();
    const inserted = await db
      .insertInto('documents_issued')
      .values({
        id,
        lg_code: input.lgCode,
        number,
        kind: input.kind,
        title: input.title,
        account_id: input.accountId,
        verification_code: verificationCode,
        sha256,
        signed_digest: reading.signedDigest,
        signer_fingerprint: identity.fingerprint,
        pdf_sealed: app.sealer.seal(pdf.toString('base64'), `documents_issued.pdf:${id}`),
        issued_by: input.issuedBy,
        issued_at: issuedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      if (attempt < 5) continue;
      throw new AppError(DocumentsErrors.BUSY);
    }
    await appendAudit(app.db, { actor: input.issuedBy, action: 'documents.issued', lgCode: input.lgCode, subject: inserted.id, ip: input.meta?.ip ?? null, requestId: input.meta?.requestId ?? null, details: { number, kind: input.kind, sha256 } });
    await notify(app, input.accountId, {
      lgCode: input.lgCode,
      title: { ja: `${input.title}が発行されました`, en: `Your ${input.kind} document was issued` },
      body: { ja: `${municipality}から${input.title}（${number}）が届きました。マイページからダウンロードできます。`, en: `${tenant.name.en} issued document ${number}. Download it from My page.` },
      link: `/account/documents/${inserted.id}`,
    });
    return { id: inserted.id, lgCode: input.lgCode, number, verificationCode, sha256, issuedAt, pdf };
  }
}

export async function revokeDocument(app: AppContext, input: { lgCode: string; id: string; reason: string; revokedBy: string; meta?: { ip?: string; requestId?: string } }): Promise<{ number: string; revokedAt: Date }> {
  const db = documentsDb(app.db);
  const row = await db.selectFrom('documents_issued').select(['number', 'account_id', 'title', 'revoked_at']).where('lg_code', '=', input.lgCode).where('id', '=', input.id).executeTakeFirst();
  if (!row) throw new AppError(DocumentsErrors.NOT_FOUND);
  if (row.revoked_at) return { number: row.number, revokedAt: row.revoked_at };
  const revokedAt = new Date();
  await db.updateTable('documents_issued').set({ revoked_at: revokedAt, revoked_reason: input.reason }).where('lg_code', '=', input.lgCode).where('id', '=', input.id).where('revoked_at', 'is', null).execute();
  await appendAudit(app.db, { actor: input.revokedBy, action: 'documents.revoked', lgCode: input.lgCode, subject: input.id, ip: input.meta?.ip ?? null, requestId: input.meta?.requestId ?? null, details: { number: row.number, reason: input.reason } });
  await notify(app, row.account_id, {
    lgCode: input.lgCode,
    title: { ja: `${row.title}（${row.number}）が取り消されました`, en: `Document ${row.number} was revoked` },
    body: { ja: `理由：${input.reason}`, en: `Reason: ${input.reason}` },
    link: `/account/documents/${input.id}`,
  });
  return { number: row.number, revokedAt };
}

/** The PDF of a resident's own document, or undefined (also for another's: the caller says 404). */
export async function documentPdfFor(app: AppContext, accountId: string, id: string): Promise<{ number: string; pdf: Buffer } | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const row = await documentsDb(app.db).selectFrom('documents_issued').select(['id', 'number', 'pdf_sealed']).where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  if (!row) return undefined;
  return { number: row.number, pdf: Buffer.from(app.sealer.open(row.pdf_sealed, `documents_issued.pdf:${row.id}`), 'base64') };
}
