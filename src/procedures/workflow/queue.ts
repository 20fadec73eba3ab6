// A department's queue (処理待ち一覧): the applications at a stage of the staff member's
// departments, filtered by status, procedure, overdue and assignment, searched by receipt
// number or applicant name, oldest due first, a page at a time. Names are sealed with the
// answers, so a name search opens the answers of at most NAME_SEARCH_LIMIT candidates (the
// other filters first) in the server; a receipt number is searched in SQL.
import { sql } from 'kysely';
import type { ApplicationStatus, ProceduresDatabase, Stage } from '../db/schema.ts';
import type { ApplicationStore } from '../applications/application-store.ts';
import { findVersion } from '../forms/form-store.ts';
import type { ResolvedDefinition } from '../forms/form-definition.ts';
import { ACTIVE, applicantKanaOf, applicantNameOf, waitingSql, type StaffScope } from './work-store.ts';

export const QUEUE_STATUSES = ['active', 'returned', 'approved', 'rejected', 'withdrawn', 'all'] as const;
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const NAME_SEARCH_LIMIT = 1000;

export interface QueueFilter {
  /** "lgCode/code" of one of the staff member's departments, or all of them. */
  department?: string;
  status: QueueStatus;
  /** "lgCode/code" */
  procedure?: string;
  overdue: boolean;
  mine: boolean;
  q?: string;
  page: number;
  pageSize: number;
}

export interface QueueRow {
  lgCode: string;
  id: string;
  receiptNumber: string;
  procedureCode: string;
  status: ApplicationStatus;
  stages: Stage[];
  stageIndex: number;
  departmentCode: string;
  assignee: string | null;
  assigneeName: string | null;
  dueOn: string;
  overdue: boolean;
  waiting: boolean;
  submittedAt: Date;
  applicantName: string;
  version: number;
}

/** Folds a name for search: NFKC, no spaces, katakana as hiragana. */
const fold = (text: string) => text.normalize('NFKC').replace(/[\s\u3000]+/g, '').replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60)).toLowerCase();

export async function listQueue(db: ProceduresDatabase, store: ApplicationStore, scope: StaffScope, filter: QueueFilter, today: string): Promise<{ rows: QueueRow[]; total: number }> {
  const departments = filter.department ? scope.departments.filter((d) => `${d.lgCode}/${d.code}` === filter.department) : scope.departments;
  if (departments.length === 0) return { rows: [], total: 0 };
  let query = db.selectFrom('procedures_application_work as w')
    .innerJoin('procedures_applications as a', (join) => join.onRef('a.lg_code', '=', 'w.lg_code').onRef('a.id', '=', 'w.application_id'))
    .where((eb) => eb.or(departments.map((d) => eb.and([eb('w.lg_code', '=', d.lgCode), eb('w.department_code', '=', d.code)]))))
    .where('a.practice', '=', false);
  if (filter.status === 'active') query = query.where('a.status', 'in', ACTIVE);
  else if (filter.status !== 'all') query = query.where('a.status', '=', filter.status);
  if (filter.procedure) {
    const [lgCode, code] = filter.procedure.split('/');
    query = query.where('w.lg_code', '=', lgCode!).where('w.procedure_code', '=', code!);
  }
  if (filter.mine) query = query.where('w.assignee', '=', scope.principalId);
  if (filter.overdue) query = query.where('a.status', 'in', ACTIVE).where('w.due_on', '<', today).where((eb) => eb.not(waitingSql('w')));
  const q = filter.q?.trim();
  const byNumber = q !== undefined && q !== '' && /^[0-9-]+$/.test(q);
  if (byNumber) query = query.where(sql<boolean>`strpos(a.receipt_number, ${q}) > 0`);
  const selected = query
    .select(['w.lg_code', 'w.application_id', 'w.procedure_code', 'w.stages', 'w.stage_index', 'w.department_code', 'w.assignee', 'w.assignee_name', 'w.due_on', 'w.version', 'a.status', 'a.receipt_number', 'a.submitted_at', 'a.answers_sealed', 'a.form_version_id'])
    .select(waitingSql('w').as('waiting'))
    .orderBy('w.due_on').orderBy('a.submitted_at').orderBy('w.application_id');
  const toRow = (r: Awaited<ReturnType<typeof selected.execute>>[number], applicantName: string): QueueRow => ({
    lgCode: r.lg_code, id: r.application_id, receiptNumber: r.receipt_number ?? '', procedureCode: r.procedure_code, status: r.status, stages: r.stages, stageIndex: r.stage_index,
    departmentCode: r.department_code, assignee: r.assignee, assigneeName: r.assignee_name, dueOn: r.due_on, waiting: Boolean(r.waiting), submittedAt: r.submitted_at ?? new Date(0),
    overdue: ACTIVE.includes(r.status) && r.due_on < today && !r.waiting, applicantName, version: r.version,
  });
  // Which answer is the name depends on the form version (its field keys): read each version once.
  const versions = new Map<string, Promise<ResolvedDefinition | undefined>>();
  const definitionOf = (r: { lg_code: string; form_version_id: string }) => {
    if (!versions.has(r.form_version_id)) versions.set(r.form_version_id, findVersion(db, r.lg_code, { id: r.form_version_id }).then((v) => v?.definition));
    return versions.get(r.form_version_id)!;
  };
  const offset = (filter.page - 1) * filter.pageSize;
  if (q && !byNumber) {
    const wanted = fold(q);
    const candidates = await selected.limit(NAME_SEARCH_LIMIT).execute();
    const matching: QueueRow[] = [];
    for (const r of candidates) {
      const own = store.openOwn(r.lg_code, r.application_id, r.answers_sealed);
      const definition = await definitionOf(r);
      const name = applicantNameOf(own, definition);
      if (fold(name).includes(wanted) || fold(applicantKanaOf(own, definition)).includes(wanted)) matching.push(toRow(r, name));
    }
    return { rows: matching.slice(offset, offset + filter.pageSize), total: matching.length };
  }
  const [rows, counted] = await Promise.all([
    selected.limit(filter.pageSize).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const named = await Promise.all(rows.map(async (r) => toRow(r, applicantNameOf(store.openOwn(r.lg_code, r.application_id, r.answers_sealed), await definitionOf(r)))));
  return { rows: named, total: Number(counted.n) };
}

/** Per department of the staff member: applications whose turn has come and nobody has taken yet. */
export async function newInQueue(db: ProceduresDatabase, scope: StaffScope): Promise<Array<{ lgCode: string; code: string; count: number }>> {
  if (scope.departments.length === 0) return [];
  const rows = await db.selectFrom('procedures_application_work as w')
    .innerJoin('procedures_applications as a', (join) => join.onRef('a.lg_code', '=', 'w.lg_code').onRef('a.id', '=', 'w.application_id'))
    .where((eb) => eb.or(scope.departments.map((d) => eb.and([eb('w.lg_code', '=', d.lgCode), eb('w.department_code', '=', d.code)]))))
    .where('a.status', 'in', ACTIVE).where('a.practice', '=', false).where('w.assignee', 'is', null).where((eb) => eb.not(waitingSql('w')))
    .select(['w.lg_code', 'w.department_code']).select((eb) => eb.fn.countAll<number>().as('n'))
    .groupBy(['w.lg_code', 'w.department_code']).execute();
  return scope.departments.map((d) => ({ ...d, count: Number(rows.find((r) => r.lg_code === d.lgCode && r.department_code === d.code)?.n ?? 0) }));
}
