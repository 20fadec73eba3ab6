// Reads and writes of forms: the common field dictionary, each tenant's forms with their draft,
// and the published versions. A draft save and a publish take the draft version the caller read
// and return undefined when someone else saved first (the API answers 412), so two designers
// never overwrite each other. Published versions are only ever inserted.
import { sql } from 'kysely';
import { AppError, type Localized } from '../../platform/errors.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresDatabase } from '../db/schema.ts';
import type { Dictionary, DictionaryEntry, FormDefinition, ResolvedDefinition } from './form-definition.ts';

export interface StoredForm {
  lgCode: string;
  code: string;
  title: Localized;
  draft: FormDefinition;
  isTemplate: boolean;
  copiedFrom: string | null;
  draftVersion: number;
  latestVersion: number | null;
  updatedBy: string;
  updatedAt: Date;
}

export interface FormVersion {
  lgCode: string;
  id: string;
  formCode: string;
  version: number;
  definition: ResolvedDefinition;
  publishedBy: string;
  publishedAt: Date;
}

export async function loadDictionary(db: ProceduresDatabase): Promise<Dictionary> {
  const rows = await db.selectFrom('procedures_field_dictionary').selectAll().orderBy('sort_order').orderBy('key').execute();
  return new Map(rows.map((r) => [r.key, { key: r.key, field: r.field as DictionaryEntry['field'] }]));
}

type FormRow = Awaited<ReturnType<typeof formRows>>[number];
const formRows = (db: ProceduresDatabase) => db.selectFrom('procedures_forms').selectAll().execute();
const formOf = (r: FormRow): StoredForm => ({
  lgCode: r.lg_code,
  code: r.code,
  title: { ja: r.title_ja, en: r.title_en },
  draft: r.draft as FormDefinition,
  isTemplate: r.is_template,
  copiedFrom: r.copied_from,
  draftVersion: r.draft_version,
  latestVersion: r.latest_version,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

export async function findForm(db: ProceduresDatabase, lgCode: string, code: string): Promise<StoredForm | undefined> {
  const row = await db.selectFrom('procedures_forms').selectAll().where('lg_code', '=', lgCode).where('code', '=', code).executeTakeFirst();
  return row && formOf(row);
}

/** Forms of the given owners; with `templates`, also every template (a municipality copies them). */
export async function listForms(db: ProceduresDatabase, owners: string[], templates = false): Promise<StoredForm[]> {
  if (owners.length === 0 && !templates) return [];
  const rows = await db
    .selectFrom('procedures_forms')
    .selectAll()
    .where((eb) => eb.or([...(owners.length ? [eb('lg_code', 'in', owners)] : []), ...(templates ? [eb('is_template', '=', true)] : [])]))
    .orderBy('lg_code')
    .orderBy('code')
    .execute();
  return rows.map(formOf);
}

/** Creates (expected null) or replaces the draft; the new draft version, or undefined when stale. */
export async function saveDraft(
  trx: ProceduresDatabase,
  form: { lgCode: string; code: string; draft: FormDefinition; isTemplate: boolean; copiedFrom?: string | null },
  expected: number | null,
  actor: string,
): Promise<number | undefined> {
  const values = { title_ja: form.draft.title.ja, title_en: form.draft.title.en, draft: JSON.stringify(form.draft), is_template: form.isTemplate, updated_by: actor, updated_at: new Date() };
  if (expected === null) {
    const inserted = await trx
      .insertInto('procedures_forms')
      .values({ lg_code: form.lgCode, code: form.code, created_by: actor, copied_from: form.copiedFrom ?? null, latest_version: null, ...values })
      .onConflict((oc) => oc.columns(['lg_code', 'code']).doNothing())
      .returning('draft_version')
      .executeTakeFirst();
    return inserted?.draft_version;
  }
  const updated = await trx
    .updateTable('procedures_forms')
    .set({ ...values, draft_version: sql<number>`draft_version + 1` })
    .where('lg_code', '=', form.lgCode)
    .where('code', '=', form.code)
    .where('draft_version', '=', expected)
    .returning('draft_version')
    .executeTakeFirst();
  return updated?.draft_version;
}

/** Freezes a resolved definition as the next version, under the draft version the caller read. */
export async function publishVersion(trx: ProceduresDatabase, lgCode: string, code: string, definition: ResolvedDefinition, expected: number, actor: string): Promise<FormVersion | undefined> {
  const head = await trx
    .updateTable('procedures_forms')
    .set({ latest_version: sql<number>`coalesce(latest_version, 0) + 1`, draft_version: sql<number>`draft_version + 1`, updated_by: actor, updated_at: new Date() })
    .where('lg_code', '=', lgCode)
    .where('code', '=', code)
    .where('draft_version', '=', expected)
    .returning(['latest_version'])
    .executeTakeFirst();
  if (!head?.latest_version) return undefined;
  const row = await trx
    .insertInto('procedures_form_versions')
    .values({ lg_code: lgCode, form_code: code, version: head.latest_version, definition: JSON.stringify(definition), published_by: actor })
    .returningAll()
    .executeTakeFirstOrThrow();
  return versionOf(row);
}

type VersionRow = { lg_code: string; id: string; form_code: string; version: number; definition: object; published_by: string; published_at: Date };
const versionOf = (r: VersionRow): FormVersion => ({ lgCode: r.lg_code, id: r.id, formCode: r.form_code, version: r.version, definition: r.definition as ResolvedDefinition, publishedBy: r.published_by, publishedAt: r.published_at });

export async function listVersions(db: ProceduresDatabase, lgCode: string, code: string): Promise<FormVersion[]> {
  const rows = await db.selectFrom('procedures_form_versions').selectAll().where('lg_code', '=', lgCode).where('form_code', '=', code).orderBy('version', 'desc').execute();
  return rows.map(versionOf);
}

/** A version by its number or by its id (what a procedure and, later, an application hold). */
export async function findVersion(db: ProceduresDatabase, lgCode: string, by: { code: string; version: number } | { id: string }): Promise<FormVersion | undefined> {
  let query = db.selectFrom('procedures_form_versions').selectAll().where('lg_code', '=', lgCode);
  query = 'id' in by ? query.where('id', '=', by.id) : query.where('form_code', '=', by.code).where('version', '=', by.version);
  const row = await query.executeTakeFirst();
  return row && versionOf(row);
}

/** Points a procedure at a published version, under the procedure version the caller read. */
export async function linkProcedure(trx: ProceduresDatabase, lgCode: string, procedureCode: string, formVersionId: string | null, expected: number, actor: string): Promise<number | undefined> {
  const updated = await trx
    .updateTable('procedures_procedures')
    .set({ form_version_id: formVersionId, version: sql<number>`version + 1`, updated_by: actor, updated_at: new Date() })
    .where('lg_code', '=', lgCode)
    .where('code', '=', procedureCode)
    .where('version', '=', expected)
    .returning('version')
    .executeTakeFirst();
  return updated?.version;
}

/**
 * What a copy starts from: the latest PUBLISHED version of a template of the tenant's own
 * prefecture, or of one of the tenant's own forms, never a draft (a template's draft may be
 * half-edited by the prefecture). Not found when there is no such form or nothing is published.
 */
export async function copySource(db: ProceduresDatabase, target: { lgCode: string; prefectureCode: string }, from: { lgCode: string; code: string }): Promise<FormVersion> {
  const source = await findForm(db, from.lgCode, from.code);
  const allowed = source && ((source.isTemplate && source.lgCode === target.prefectureCode) || source.lgCode === target.lgCode);
  if (!allowed) throw new AppError(ProceduresErrors.FORM_NOT_FOUND, { detail: { ja: 'コピー元の申請様式（県のひな形）が見つかりません', en: 'The form to copy (a prefecture template) was not found' } });
  const published = source.latestVersion ? await findVersion(db, source.lgCode, { code: source.code, version: source.latestVersion }) : undefined;
  if (!published) throw new AppError(ProceduresErrors.FORM_VERSION_NOT_FOUND, { detail: { ja: 'コピー元の申請様式には公開した版がまだありません', en: 'The form to copy has no published version yet' } });
  return published;
}
