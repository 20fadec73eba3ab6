// The generic form (汎用様式, 003B P3.3): for a low-volume procedure without a built form, the
// resident attaches the municipality's existing form file and fills a minimum record. It rides
// on the bulk application: one application of the chosen procedure on the tenant's generic form
// version (`hanyou-yoshiki`, published here on first use from GENERIC_FORM, after which staff may
// publish their own wording of it), so steps, review, submission, receipt numbers, attachments
// and My page are the same as for any application. procedures_generic_applications says where
// it goes and, for 「その他の手続」, what the resident called the procedure.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, system } from '../../platform/authz/actor.ts';
import type { Localized } from '../../platform/errors.ts';
import { findProcedure, type Procedure } from '../catalog/catalog-store.ts';
import { proceduresDb, type ProceduresDatabase } from '../db/schema.ts';
import { resolveDefinition, type FormDefinition } from '../forms/form-definition.ts';
import { findForm, findVersion, loadDictionary, publishVersion, saveDraft } from '../forms/form-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';

export const GENERIC_FORM_CODE = 'hanyou-yoshiki';
/** A municipality's procedure for 「その他の手続」: the resident names the procedure and picks the department. */
export const OTHER_PROCEDURE_CODE = 'hanyou-shinsei';

const L = (ja: string, en: string): Localized => ({ ja, en });

export const GENERIC_FORM: FormDefinition = {
  title: L('汎用様式による申請', 'Application with the generic form'),
  intro: L('記入した申請書（様式）のファイルを添付し、連絡先と用件を入力してください。', 'Attach the completed form as a file and give your contact details and what it is about.'),
  pages: [
    { id: 'name', title: L('申請する人', 'About you'), fields: [{ key: 'fullName', dictionary: 'full-name' }] },
    { id: 'contact', title: L('連絡先', 'How we can contact you'), fields: [{ key: 'phone', dictionary: 'phone' }, { key: 'email', dictionary: 'email', required: false }] },
    {
      id: 'subject',
      title: L('用件', 'What it is about'),
      fields: [
        { key: 'subject', type: 'text', label: L('件名', 'Subject'), hint: L('例：未熟児養育医療の給付申請書の提出', 'For example: Submitting the application for medical care of a premature baby'), required: true, maxLength: 100 },
        { key: 'message', type: 'text', multiline: true, label: L('担当課に伝えたいこと', 'Message to the department'), hint: L('書類について補足があれば書いてください', 'Anything the department should know about the papers'), required: false, maxLength: 2000 },
      ],
    },
    {
      id: 'form-file',
      fields: [{ key: 'formFile', type: 'file', label: L('記入した申請書（様式）のファイル', 'The completed form, as a file'), hint: L('PDF、JPG、PNG（10MBまで）。紙に記入したものは、写真に撮るかスキャンしてください', 'PDF, JPG or PNG, up to 10 MB. Photograph or scan a paper form'), required: true, accept: ['pdf', 'jpg', 'png'], maxBytes: 10 * 1024 * 1024 }],
    },
    { id: 'declaration', title: L('申告', 'Declaration'), fields: [{ key: 'declaration', type: 'declaration', label: L('記載した内容に誤りはありません', 'What I have entered is true') }] },
  ],
};

/** The tenant's generic form version: the latest published, or GENERIC_FORM published now (audited). */
export async function ensureGenericForm(ctx: ProceduresContext, lgCode: string): Promise<string> {
  const existing = await findForm(ctx.db, lgCode, GENERIC_FORM_CODE);
  if (existing?.latestVersion) return (await findVersion(ctx.db, lgCode, { code: GENERIC_FORM_CODE, version: existing.latestVersion }))!.id;
  const dictionary = await loadDictionary(ctx.db);
  const actor = actorId(system);
  await ctx.app.db.transaction().execute(async (trx) => {
    const db = proceduresDb(trx);
    if (!(await findForm(db, lgCode, GENERIC_FORM_CODE))) await saveDraft(db, { lgCode, code: GENERIC_FORM_CODE, draft: GENERIC_FORM, isTemplate: false }, null, actor);
    const form = (await findForm(db, lgCode, GENERIC_FORM_CODE))!;
    if (form.latestVersion) return;
    const published = await publishVersion(db, lgCode, GENERIC_FORM_CODE, resolveDefinition(form.draft, dictionary), form.draftVersion, actor);
    if (published) await appendAudit(trx, { actor, action: 'procedures.form_published', lgCode, subject: `form:${lgCode}/${GENERIC_FORM_CODE}`, details: { version: published.version, generic: true } });
  });
  return ensureGenericForm(ctx, lgCode);
}

/** The tenant's published procedures that accept the generic form, by title (without 「その他の手続」). */
export async function genericProcedures(db: ProceduresDatabase, lgCode: string): Promise<Array<Pick<Procedure, 'lgCode' | 'code' | 'title' | 'departmentCode'> & { department: Localized }>> {
  const rows = await db
    .selectFrom('procedures_procedures as p')
    .innerJoin('procedures_departments as d', (join) => join.onRef('d.lg_code', '=', 'p.lg_code').onRef('d.code', '=', 'p.department_code'))
    .select(['p.lg_code', 'p.code', 'p.title_ja', 'p.title_en', 'p.department_code', 'd.name_ja', 'd.name_en'])
    .where('p.lg_code', '=', lgCode).where('p.accepts_generic_form', '=', true).where('p.status', '=', 'published').where('p.practice', '=', false).where('p.code', '<>', OTHER_PROCEDURE_CODE)
    .orderBy('p.sort_order').orderBy('p.code')
    .execute();
  return rows.map((r) => ({ lgCode: r.lg_code, code: r.code, title: L(r.title_ja, r.title_en), departmentCode: r.department_code, department: L(r.name_ja, r.name_en) }));
}

/** The tenant's 「その他の手続」 procedure, when it offers one. */
export async function otherProcedure(db: ProceduresDatabase, lgCode: string): Promise<Procedure | undefined> {
  const found = await findProcedure(db, lgCode, OTHER_PROCEDURE_CODE);
  return found?.status === 'published' && found.acceptsGenericForm ? found : undefined;
}

/** Where a generic application goes, and the resident's title for 「その他の手続」. */
export async function genericOf(db: ProceduresDatabase, application: { lgCode: string; id: string }): Promise<{ departmentCode: string; title: string | null } | undefined> {
  const row = await db.selectFrom('procedures_generic_applications').select(['department_code', 'title']).where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).executeTakeFirst();
  return row && { departmentCode: row.department_code, title: row.title };
}
