// The standard export (標準出力, issue 6 part 8): a procedure's applications and their answers in
// one documented shape, as JSON or CSV, for a core system to take in and for moving to another
// vendor without anyone re-typing. Columns are the form's field keys (with the common field
// dictionary key each stands for), over every form version the exported applications used.
// Answers are sealed at rest: each is opened here, row by row, and the rows are read 100 at a
// time in (submitted_at, id) order, so 10,000 applications stream without being held in memory.
// docs/procedures.md#standard-export describes the schema.
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { AnswerValue } from '../forms/answer-engine.ts';
import type { ResolvedDefinition, ResolvedField } from '../forms/form-definition.ts';
import { japanInstant } from '../../platform/i18n/dates.ts';
import type { ApplicationChannel, ApplicationStatus, ProceduresDatabase } from '../db/schema.ts';
import { csvRow } from '../monitoring/csv.ts';
import { ownContext, type OwnState } from './application-store.ts';

export const EXPORT_SCHEMA = 'tsunagu.applications-export/1';
export const EXPORTABLE_STATUSES: ApplicationStatus[] = ['submitted', 'received', 'returned', 'resubmitted', 'approved', 'rejected', 'withdrawn'];
const BATCH = 100;

export interface ExportFilter {
  lgCode: string;
  procedureCode: string;
  /** Japan dates (YYYY-MM-DD), inclusive, on the first submission. */
  from?: string;
  to?: string;
  statuses: ApplicationStatus[];
}

export interface ExportField {
  key: string;
  dictionary: string | null;
  type: string;
  label: { ja: string; en: string };
  /** The form versions that have this field. */
  versions: number[];
  /** A repeating group: the fields of each item. */
  items?: Array<Omit<ExportField, 'versions' | 'items'>>;
}

const describe = (f: ResolvedField) => ({ key: f.key, dictionary: f.dictionary ?? null, type: f.type, label: f.label });

export interface ExportedApplication {
  id: string;
  receiptNumber: string | null;
  status: ApplicationStatus;
  channel: ApplicationChannel;
  formVersion: number;
  applicantAccountId: string;
  proxyAccountId: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  answers: Record<string, AnswerValue>;
}

function filtered(db: ProceduresDatabase, filter: ExportFilter) {
  let query = db
    .selectFrom('procedures_applications as a')
    .where('a.lg_code', '=', filter.lgCode)
    .where('a.procedure_code', '=', filter.procedureCode)
    .where('a.practice', '=', false)
    .where('a.status', 'in', filter.statuses)
    .where('a.submitted_at', 'is not', null);
  if (filter.from) query = query.where('a.submitted_at', '>=', japanInstant(filter.from));
  if (filter.to) query = query.where('a.submitted_at', '<', new Date(japanInstant(filter.to).getTime() + 86_400_000));
  return query;
}

export async function countExport(db: ProceduresDatabase, filter: ExportFilter): Promise<number> {
  const { n } = await filtered(db, filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(n);
}

/** The fields of the form versions the filter's applications used, newest version's order first. */
export async function exportFields(db: ProceduresDatabase, filter: ExportFilter): Promise<{ fields: ExportField[]; versionOf: Map<string, number> }> {
  const used = await db
    .selectFrom('procedures_form_versions as v')
    .select(['v.id', 'v.version', 'v.definition'])
    .where('v.lg_code', '=', filter.lgCode)
    .where('v.id', 'in', filtered(db, filter).select('a.form_version_id').distinct())
    .orderBy('v.version', 'desc')
    .execute();
  const fields = new Map<string, ExportField>();
  for (const v of used) {
    for (const page of (v.definition as unknown as ResolvedDefinition).pages) {
      for (const f of page.fields) {
        const found = fields.get(f.key);
        if (found) found.versions.push(v.version);
        else fields.set(f.key, { ...describe(f), versions: [v.version], ...(f.fields ? { items: f.fields.map(describe) } : {}) });
      }
    }
  }
  for (const f of fields.values()) f.versions.sort((a, b) => a - b);
  return { fields: [...fields.values()], versionOf: new Map(used.map((v) => [v.id, v.version])) };
}

/** The applications, opened, in order of first submission; read a batch at a time. */
export async function* exportApplications(db: ProceduresDatabase, sealer: Sealer, filter: ExportFilter, versionOf: Map<string, number>): AsyncGenerator<ExportedApplication> {
  let after: { at: Date; id: string } | undefined;
  for (;;) {
    const rows = await filtered(db, filter)
      .select(['a.id', 'a.lg_code', 'a.receipt_number', 'a.status', 'a.channel', 'a.form_version_id', 'a.applicant_account_id', 'a.proxy_account_id', 'a.submitted_at', 'a.answers_sealed'])
      .select((eb) =>
        eb.selectFrom('procedures_application_events as e').whereRef('e.lg_code', '=', 'a.lg_code').whereRef('e.application_id', '=', 'a.id').where('e.to_status', 'in', ['approved', 'rejected']).select((e) => e.fn.min('e.occurred_at').as('at')).as('decided_at'),
      )
      .$if(after !== undefined, (q) => q.where((eb) => eb.or([eb('a.submitted_at', '>', after!.at), eb.and([eb('a.submitted_at', '=', after!.at), eb('a.id', '>', after!.id)])])))
      .orderBy('a.submitted_at')
      .orderBy('a.id')
      .limit(BATCH)
      .execute();
    for (const r of rows) {
      const own = sealer.openJson<OwnState>(r.answers_sealed, ownContext(r.lg_code, r.id));
      yield {
        id: r.id, receiptNumber: r.receipt_number, status: r.status, channel: r.channel, formVersion: versionOf.get(r.form_version_id) ?? 0,
        applicantAccountId: r.applicant_account_id, proxyAccountId: r.proxy_account_id,
        submittedAt: r.submitted_at!.toISOString(), decidedAt: r.decided_at ? new Date(r.decided_at as Date).toISOString() : null,
        answers: own.answers ?? {},
      };
    }
    if (rows.length < BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.submitted_at!, id: last.id };
  }
}

// CSV: the application's own columns, then one column per field key; an address is two
// columns (<key>.postalCode, <key>.address); choices of a checkbox are joined with 「|」; a file is
// its name; a repeating group is its items as JSON.
export const CSV_BASE_COLUMNS = ['application_id', 'receipt_number', 'status', 'channel', 'form_version', 'applicant_account_id', 'proxy_account_id', 'submitted_at', 'decided_at'];

export function csvHeader(fields: ExportField[]): string {
  return csvRow([...CSV_BASE_COLUMNS, ...fields.flatMap((f) => (f.type === 'address' ? [`${f.key}.postalCode`, `${f.key}.address`] : [f.key]))]);
}

function cells(field: ExportField, value: AnswerValue | undefined): unknown[] {
  if (field.type === 'address') {
    const address = value as { postalCode?: string; address?: string } | undefined;
    return [address?.postalCode ?? '', address?.address ?? ''];
  }
  if (value === undefined || value === null) return [''];
  if (Array.isArray(value)) return [value.every((v) => typeof v === 'string') ? value.join('|') : JSON.stringify(value)];
  if (typeof value === 'object') return ['filename' in value ? value.filename : JSON.stringify(value)];
  return [value];
}

export function csvLine(fields: ExportField[], a: ExportedApplication): string {
  return csvRow([a.id, a.receiptNumber, a.status, a.channel, a.formVersion, a.applicantAccountId, a.proxyAccountId, a.submittedAt, a.decidedAt, ...fields.flatMap((f) => cells(f, a.answers[f.key]))]);
}
