// Saving one step of a bulk application as it was posted, right or wrong — the same for the
// resident's pages and the clerk's at the counter: posted text for a file field is ignored, a
// repeating group grows or shrinks, a shared answer that changes loses its prefilled mark, and a
// chosen file is checked (and scanned) before it is stored as the field's answer.
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { formValues, type FieldErrors } from '../../platform/ui/form-errors.ts';
import { LIMITS, type ResolvedField } from '../forms/form-definition.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import type { Step } from './application-flow.ts';
import type { ApplicationStore, StoredBulk } from './application-store.ts';
import { inspectUpload, saveAttachment, type Upload } from './attachments.ts';
import { replacePage, valuesOfPage } from './bulk-application.ts';

/**
 * multipart/form-data for the routes registered in `scoped` only: files read into memory up to the
 * largest size a form may allow (what is over it is cut and refused by checkUpload).
 */
export async function acceptUploads(scoped: FastifyInstance): Promise<void> {
  await scoped.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: LIMITS.fileBytes, files: 10, fields: 1000, fieldSize: 100_000, parts: 1010 },
    onFile: async (part) => {
      const data = await part.toBuffer();
      (part as unknown as { value: Upload }).value = { filename: part.filename, data, truncated: part.file.truncated };
    },
  });
}

/** A chosen file in a parsed body (an empty file input posts neither name nor bytes). */
export function uploadIn(body: Record<string, unknown>, key: string): Upload | undefined {
  const upload = body[key] as Upload | undefined;
  return upload && typeof upload === 'object' && Buffer.isBuffer(upload.data) && (upload.filename || upload.data.length) ? upload : undefined;
}

/** Saves the step's posted answers into the bulk; returns the group added to or removed from, and the files refused. */
export async function saveStep(
  ctx: ProceduresContext,
  store: ApplicationStore,
  bulk: StoredBulk,
  step: Step,
  body: Record<string, unknown>,
  actor: string,
): Promise<{ group: ResolvedField | undefined; uploadErrors: FieldErrors }> {
  const posted = formValues(body);
  // A file field's answer is only ever the name of a stored attachment, never posted text.
  const uploadErrors: FieldErrors = {};
  for (const field of step.page.fields.filter((f) => f.type === 'file')) delete posted[field.key];
  // Add or remove an item of a repeating group: the same page again, nothing checked yet.
  const groupKey = typeof body._add === 'string' ? body._add : typeof body._remove === 'string' ? body._remove : undefined;
  const group = groupKey ? step.page.fields.find((f) => f.key === groupKey && f.type === 'group') : undefined;
  if (group) {
    const current = Number.parseInt(String(posted[`${group.key}-count`] ?? '1'), 10) || 1;
    posted[`${group.key}-count`] = String(Math.max(1, current + (typeof body._add === 'string' ? 1 : -1)));
  }
  if (step.section === 'shared') {
    const before = bulk.shared.values;
    const values = replacePage(step.page, before, posted);
    // An answer that changed is no longer the one recorded (or verified by the card).
    const changed = step.page.fields.filter((f) => JSON.stringify(valuesOfPage({ ...step.page, fields: [f] }, before)) !== JSON.stringify(valuesOfPage({ ...step.page, fields: [f] }, values))).map((f) => f.key);
    const kept = (keys: string[] | undefined) => (keys ?? []).filter((k) => !changed.includes(k));
    bulk.shared = { ...bulk.shared, values, prefilled: kept(bulk.shared.prefilled), ...(bulk.shared.verified ? { verified: kept(bulk.shared.verified) } : {}) };
    await store.saveShared(ctx.db, bulk.id, bulk.shared);
    return { group, uploadErrors };
  }
  const application = bulk.applications.find((a) => a.id === step.section)!;
  const kept = replacePage(step.page, application.own.values, posted);
  for (const field of step.page.fields.filter((f) => f.type === 'file')) {
    const upload = uploadIn(body, field.key);
    if (upload) {
      const checked = await inspectUpload(ctx, field, upload, { actor, lgCode: application.lgCode });
      if ('error' in checked) uploadErrors[field.key] = checked.error;
      else {
        await saveAttachment(ctx.db, ctx.app.sealer, application, field.key, { filename: checked.filename, contentType: checked.contentType, data: upload.data });
        kept[field.key] = checked.filename;
        continue;
      }
    }
    if (application.own.values[field.key] !== undefined) kept[field.key] = application.own.values[field.key];
  }
  application.own = { values: kept };
  await store.saveOwn(ctx.db, application, application.own);
  return { group, uploadErrors };
}
