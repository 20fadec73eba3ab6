// A submitted application as another part of the City OS receives it (delivery to a core system
// today, the back office's exports later): what was asked and answered, in the form version the
// resident filled, with each answer also as a person reads it in Japanese, the attachments'
// names, sizes and SHA-256 digests, and who applied. Not scoped to a person: callers check who
// may see it. Drafts are not records: undefined.
import { createHash } from 'node:crypto';
import type { AppContext } from '../../platform/module.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import type { Localized } from '../../platform/errors.ts';
import type { AnswerValue, Answers } from '../forms/answer-engine.ts';
import type { ResolvedDefinition, ResolvedField } from '../forms/form-definition.ts';
import { findVersion } from '../forms/form-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { formatAnswer } from '../pages/form-answers-view.tsx';
import { ownContext, type OwnState } from './application-store.ts';
import { openAttachment } from './attachments.ts';

export interface ApplicationRecord {
  lgCode: string;
  id: string;
  receiptNumber: string;
  status: string;
  submittedAt: Date;
  procedure: { code: string; title: Localized; department: { code: string; name: Localized } };
  form: { code: string; versionId: string; version: number };
  applicant: { accountId: string; proxyAccountId: string | null; mandateId: string | null };
  /** The normalised answers by field key (dates ISO, addresses { postalCode, address }…). */
  answers: Answers;
  /** Every answered field in form order, labelled and formatted in Japanese. */
  readable: Array<{ key: string; label: string; value: string }>;
  attachments: Array<{ field: string; filename: string; contentType: string; bytes: number; sha256: string }>;
}

function readableAnswers(definition: ResolvedDefinition, answers: Answers): ApplicationRecord['readable'] {
  const t = translator('ja');
  const rows: ApplicationRecord['readable'] = [];
  const visit = (field: ResolvedField, value: AnswerValue | undefined) => {
    if (value === undefined) return;
    rows.push({ key: field.key, label: field.label.ja, value: formatAnswer(field, value, 'ja', t) });
  };
  for (const page of definition.pages) for (const field of page.fields) visit(field, answers[field.key]);
  return rows;
}

export async function applicationRecord(app: AppContext, lgCode: string, id: string): Promise<ApplicationRecord | undefined> {
  const db = proceduresDb(app.db);
  const row = await db
    .selectFrom('procedures_applications as a')
    .innerJoin('procedures_procedures as p', (j) => j.onRef('p.lg_code', '=', 'a.lg_code').onRef('p.code', '=', 'a.procedure_code'))
    .innerJoin('procedures_departments as d', (j) => j.onRef('d.lg_code', '=', 'p.lg_code').onRef('d.code', '=', 'p.department_code'))
    .select(['a.lg_code', 'a.id', 'a.receipt_number', 'a.status', 'a.submitted_at', 'a.procedure_code', 'a.form_version_id', 'a.applicant_account_id', 'a.proxy_account_id', 'a.mandate_id', 'a.answers_sealed', 'a.practice', 'p.title_ja', 'p.title_en', 'p.department_code', 'd.name_ja', 'd.name_en'])
    .where('a.lg_code', '=', lgCode)
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (!row || row.status === 'draft' || row.practice || !row.receipt_number || !row.submitted_at) return undefined;
  const version = await findVersion(db, lgCode, { id: row.form_version_id });
  if (!version) return undefined;
  const own = app.sealer.openJson<OwnState>(row.answers_sealed, ownContext(row.lg_code, row.id));
  const answers = own.answers ?? {};
  const files = await db.selectFrom('procedures_application_files').select(['field_key', 'filename', 'content_type', 'bytes']).where('lg_code', '=', lgCode).where('application_id', '=', id).orderBy('field_key').execute();
  const attachments = [];
  for (const f of files) {
    const data = await openAttachment(db, app.sealer, { lgCode, id }, f.field_key);
    attachments.push({ field: f.field_key, filename: f.filename, contentType: f.content_type, bytes: f.bytes, sha256: createHash('sha256').update(data ?? Buffer.alloc(0)).digest('hex') });
  }
  return {
    lgCode: row.lg_code,
    id: row.id,
    receiptNumber: row.receipt_number,
    status: row.status,
    submittedAt: row.submitted_at,
    procedure: { code: row.procedure_code, title: { ja: row.title_ja, en: row.title_en }, department: { code: row.department_code, name: { ja: row.name_ja, en: row.name_en } } },
    form: { code: version.formCode, versionId: version.id, version: version.version },
    applicant: { accountId: row.applicant_account_id, proxyAccountId: row.proxy_account_id, mandateId: row.mandate_id },
    answers,
    readable: readableAnswers(version.definition, answers),
    attachments,
  };
}
