// Attachments (添付ファイル) of an application's file fields. The type is decided by the first
// bytes of the content (a PDF, PNG or JPEG signature), never by the name alone: a text file
// called 「証明書.pdf」 is refused. Sizes are checked against the field's limit. The bytes are
// sealed at rest like the answers. When a virus scanner is configured (TSUNAGU_CLAMD_URL), every
// file is scanned before it is stored (inspectUpload); one that is infected, or that could not be
// checked, is refused and never stored.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { scanWithClamd, ScannerUnavailableError } from './virus-scan.ts';
import type { FieldError } from '../../platform/ui/form-errors.ts';
import { answerMessage } from '../forms/answer-messages.ts';
import { formatBytes } from '../forms/answer-engine.ts';
import { LIMITS, type ResolvedField } from '../forms/form-definition.ts';
import type { ProceduresDatabase } from '../db/schema.ts';

export interface Upload {
  filename: string;
  data: Buffer;
  truncated: boolean;
}

const SIGNATURES: Array<{ type: string; contentType: string; magic: number[] }> = [
  { type: 'pdf', contentType: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: 'png', contentType: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'jpg', contentType: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
];

/** What the content is, by its signature (jpeg counts as jpg). */
export function sniffType(data: Buffer): { type: string; contentType: string } | undefined {
  return SIGNATURES.find((s) => data.length >= s.magic.length && s.magic.every((b, i) => data[i] === b));
}

/** A name safe to show and store: no path, no control characters, at most 120 characters, the real extension. */
export function cleanFilename(name: string, type: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 120) || 'file';
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(base)?.[1]?.toLowerCase();
  const same = ext === type || (type === 'jpg' && ext === 'jpeg');
  return same ? base : `${base}.${type}`;
}

/** Checks an upload against the field: an error, or the type to store it as. */
export function checkUpload(field: ResolvedField, upload: Upload): { error: FieldError } | { type: string; contentType: string; filename: string } {
  const max = field.maxBytes ?? LIMITS.fileBytes;
  if (upload.truncated || upload.data.length > max) return { error: { message: answerMessage('fileSize', field.label, { size: formatBytes(max) }) } };
  const sniffed = sniffType(upload.data);
  const accepted = field.accept?.length ? field.accept.map((a) => (a === 'jpeg' ? 'jpg' : a)) : SIGNATURES.map((s) => s.type);
  if (!sniffed || !accepted.includes(sniffed.type)) return { error: { message: answerMessage('fileType', field.label, { types: (field.accept ?? accepted).map((a) => a.toUpperCase()).join('・') }) } };
  return { ...sniffed, filename: cleanFilename(upload.filename, sniffed.type) };
}

/**
 * checkUpload, then the virus scanner when one is configured. A file it finds infected is refused
 * and the finding audited (never the file); a scanner that cannot be reached refuses the file too.
 */
export async function inspectUpload(ctx: ProceduresContext, field: ResolvedField, upload: Upload, who: { actor: string; lgCode: string }): Promise<ReturnType<typeof checkUpload>> {
  const checked = checkUpload(field, upload);
  const url = ctx.app.config.clamdUrl;
  if ('error' in checked || !url) return checked;
  try {
    const result = await scanWithClamd(url, upload.data);
    if (result.clean) return checked;
    await appendAudit(ctx.app.db, { actor: who.actor, action: 'procedures.attachment_infected', lgCode: who.lgCode, details: { field: field.key, filename: checked.filename, bytes: upload.data.length, signature: result.signature } });
    return { error: { message: answerMessage('fileInfected', field.label) } };
  } catch (error) {
    if (!(error instanceof ScannerUnavailableError)) throw error;
    return { error: { message: answerMessage('fileUnscanned', field.label) } };
  }
}

const fileContext = (lgCode: string, applicationId: string, key: string) => `procedures_application_files.data:${lgCode}/${applicationId}/${key}`;

export async function saveAttachment(db: ProceduresDatabase, sealer: Sealer, application: { lgCode: string; id: string }, key: string, file: { filename: string; contentType: string; data: Buffer }): Promise<void> {
  const row = { filename: file.filename, content_type: file.contentType, bytes: file.data.length, data_sealed: sealer.sealJson(file.data.toString('base64'), fileContext(application.lgCode, application.id, key)) };
  await db
    .insertInto('procedures_application_files')
    .values({ lg_code: application.lgCode, application_id: application.id, field_key: key, ...row })
    .onConflict((oc) => oc.columns(['lg_code', 'application_id', 'field_key']).doUpdateSet(row))
    .execute();
}

/** The attachments of an application by field key (names and sizes, not the bytes). */
export async function listAttachments(db: ProceduresDatabase, application: { lgCode: string; id: string }): Promise<Map<string, { filename: string; bytes: number; contentType: string }>> {
  const rows = await db.selectFrom('procedures_application_files').select(['field_key', 'filename', 'bytes', 'content_type']).where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).execute();
  return new Map(rows.map((r) => [r.field_key, { filename: r.filename, bytes: r.bytes, contentType: r.content_type }]));
}

/** The bytes of an attachment (for the back office and the resident's own download). */
export async function openAttachment(db: ProceduresDatabase, sealer: Sealer, application: { lgCode: string; id: string }, key: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('procedures_application_files').select('data_sealed').where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).where('field_key', '=', key).executeTakeFirst();
  return row ? Buffer.from(sealer.openJson<string>(row.data_sealed, fileContext(application.lgCode, application.id, key)), 'base64') : undefined;
}

/**
 * Replaces a field's attachment on a correction: the file sent before is kept (its sealed bytes
 * as they were) in procedures_application_replaced_files, the new one becomes the attachment.
 * Answers the name of the file replaced, or undefined when there was none. Run in the transaction
 * of the resubmission.
 */
export async function replaceAttachment(db: ProceduresDatabase, sealer: Sealer, application: { lgCode: string; id: string }, key: string, file: { filename: string; contentType: string; data: Buffer }): Promise<string | undefined> {
  const old = await db.deleteFrom('procedures_application_files').where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).where('field_key', '=', key)
    .returning(['filename', 'content_type', 'bytes', 'data_sealed', 'created_at']).executeTakeFirst();
  if (old) {
    await db.insertInto('procedures_application_replaced_files').values({
      lg_code: application.lgCode, application_id: application.id, field_key: key, filename: old.filename, content_type: old.content_type, bytes: old.bytes, data_sealed: old.data_sealed, attached_at: old.created_at,
    }).execute();
  }
  await saveAttachment(db, sealer, application, key, file);
  return old?.filename;
}

export interface ReplacedAttachment {
  seq: number;
  fieldKey: string;
  filename: string;
  contentType: string;
  bytes: number;
  replacedAt: Date;
}

/** The attachments replaced on corrections, oldest first (names and sizes, not the bytes). */
export async function listReplacedAttachments(db: ProceduresDatabase, application: { lgCode: string; id: string }): Promise<ReplacedAttachment[]> {
  const rows = await db.selectFrom('procedures_application_replaced_files').select(['seq', 'field_key', 'filename', 'content_type', 'bytes', 'replaced_at'])
    .where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).orderBy('seq').execute();
  return rows.map((r) => ({ seq: r.seq, fieldKey: r.field_key, filename: r.filename, contentType: r.content_type, bytes: r.bytes, replacedAt: r.replaced_at }));
}

/** A replaced attachment with its bytes, or undefined (also for another application's). */
export async function openReplacedAttachment(db: ProceduresDatabase, sealer: Sealer, application: { lgCode: string; id: string }, seq: number): Promise<(ReplacedAttachment & { data: Buffer }) | undefined> {
  const row = await db.selectFrom('procedures_application_replaced_files').selectAll()
    .where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).where('seq', '=', seq).executeTakeFirst();
  if (!row) return undefined;
  const data = Buffer.from(sealer.openJson<string>(row.data_sealed, fileContext(row.lg_code, row.application_id, row.field_key)), 'base64');
  return { seq: row.seq, fieldKey: row.field_key, filename: row.filename, contentType: row.content_type, bytes: row.bytes, replacedAt: row.replaced_at, data };
}
