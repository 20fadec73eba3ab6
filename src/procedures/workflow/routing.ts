// A procedure's routing (処理経路): the stages its applications go through — receive (受付), an
// optional check (審査), one to five approval levels (決裁) — each with the department (課) and
// the role that act and the working days it should take; then the application is closed
// (approved, and the signed document issued when the routing says so). `after` names procedures
// whose applications in the same bulk application must be decided first.
// Without a saved routing, defaultRouting() applies: everything in the procedure's department.
import { sql } from 'kysely';
import type { FieldProblem } from '../../platform/errors.ts';
import { AppError } from '../../platform/errors.ts';
import type { ProcedureRef, ProceduresDatabase, Stage, StageKind, StageRole } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';

export interface Routing {
  stages: Stage[];
  after: ProcedureRef[];
  issueDocument: boolean;
  /** The document's title when one is issued (default: 「<procedure>の決定通知書」). */
  documentTitle: string | null;
}

export interface StoredRouting extends Routing {
  lgCode: string;
  procedureCode: string;
  version: number;
  updatedAt: Date;
}

export const STAGE_KINDS: StageKind[] = ['receive', 'check', 'approve'];
export const STAGE_ROLES: StageRole[] = ['reviewer', 'approver', 'counter_clerk', 'municipal_admin'];
export const MAX_APPROVAL_LEVELS = 5;

export const STAGE_LABEL: Record<StageKind, { ja: string; en: string }> = {
  receive: { ja: '受付', en: 'Receive' },
  check: { ja: '審査', en: 'Check' },
  approve: { ja: '決裁', en: 'Approve' },
};

/** 「受付」「審査」「決裁（第2段）」 */
export function stageName(stages: Stage[], index: number, locale: 'ja' | 'en'): string {
  const stage = stages[index];
  if (!stage) return locale === 'ja' ? '完了' : 'Closed';
  if (stage.kind !== 'approve') return STAGE_LABEL[stage.kind][locale];
  const level = stages.slice(0, index + 1).filter((s) => s.kind === 'approve').length;
  const levels = stages.filter((s) => s.kind === 'approve').length;
  if (levels === 1) return STAGE_LABEL.approve[locale];
  return locale === 'ja' ? `決裁（第${level}段）` : `Approve (level ${level})`;
}

export function defaultRouting(departmentCode: string): Routing {
  return {
    stages: [
      { kind: 'receive', departmentCode, role: 'reviewer', days: 2 },
      { kind: 'check', departmentCode, role: 'reviewer', days: 5 },
      { kind: 'approve', departmentCode, role: 'approver', days: 3 },
    ],
    after: [],
    issueDocument: false,
    documentTitle: null,
  };
}

/** The standard processing period (標準処理期間): the working days of every stage. */
export const processingDays = (routing: Pick<Routing, 'stages'>) => routing.stages.reduce((sum, s) => sum + s.days, 0);

/**
 * Checks a routing body for `lgCode/procedureCode`: the stage order, departments of the tenant,
 * procedures in `after` that exist and are not the procedure itself. Every problem at once.
 */
export async function checkRouting(db: ProceduresDatabase, lgCode: string, procedureCode: string, body: Routing): Promise<void> {
  const problems: FieldProblem[] = [];
  const problem = (name: string, ja: string, en: string) => problems.push({ name, in: 'body', detail: { ja, en } });
  const { stages } = body;
  if (stages[0]?.kind !== 'receive') problem('/stages/0/kind', '最初の段階は受付（receive）にしてください', 'The first stage must be "receive"');
  stages.forEach((s, i) => {
    if (i > 0 && s.kind === 'receive') problem(`/stages/${i}/kind`, '受付（receive）は最初の段階だけです', '"receive" can only be the first stage');
    if (s.kind === 'check' && stages.slice(0, i).some((p) => p.kind === 'check' || p.kind === 'approve')) problem(`/stages/${i}/kind`, '審査（check）は受付の次に一つだけ置けます', 'One "check" stage, right after "receive"');
    if (s.kind === 'approve' && s.role !== 'approver' && s.role !== 'municipal_admin') problem(`/stages/${i}/role`, '決裁の段階は決裁者（approver）か団体管理者にしてください', 'An "approve" stage needs the approver (or municipal_admin) role');
  });
  const levels = stages.filter((s) => s.kind === 'approve').length;
  if (levels === 0) problem('/stages', '決裁（approve）の段階が一つ以上必要です', 'At least one "approve" stage is needed');
  if (levels > MAX_APPROVAL_LEVELS) problem('/stages', `決裁は${MAX_APPROVAL_LEVELS}段までです`, `At most ${MAX_APPROVAL_LEVELS} approval levels`);
  const departments = new Set((await db.selectFrom('procedures_departments').select('code').where('lg_code', '=', lgCode).execute()).map((d) => d.code));
  stages.forEach((s, i) => {
    if (!departments.has(s.departmentCode)) problem(`/stages/${i}/departmentCode`, `担当課「${s.departmentCode}」は登録されていません`, `Department "${s.departmentCode}" is not registered`);
  });
  for (const [i, ref] of body.after.entries()) {
    if (ref.lgCode === lgCode && ref.code === procedureCode) {
      problem(`/after/${i}`, '自分自身を先に処理する手続にはできません', 'A procedure cannot wait for itself');
      continue;
    }
    const found = await db.selectFrom('procedures_procedures').select('code').where('lg_code', '=', ref.lgCode).where('code', '=', ref.code).executeTakeFirst();
    if (!found) problem(`/after/${i}`, `手続「${ref.lgCode}/${ref.code}」はありません`, `There is no procedure ${ref.lgCode}/${ref.code}`);
  }
  // A cycle would make two applications wait for each other for ever.
  for (const [i, ref] of body.after.entries()) {
    const theirs = await findRouting(db, ref.lgCode, ref.code);
    if (theirs?.after.some((r) => r.lgCode === lgCode && r.code === procedureCode)) {
      problem(`/after/${i}`, `手続「${ref.code}」が、この手続を先に処理する設定になっています（循環）`, `Procedure "${ref.code}" already waits for this one (a cycle)`);
    }
  }
  if (problems.length) throw new AppError(ProceduresErrors.INVALID_ROUTING, { problems });
}

export async function findRouting(db: ProceduresDatabase, lgCode: string, procedureCode: string): Promise<StoredRouting | undefined> {
  const row = await db.selectFrom('procedures_routings').selectAll().where('lg_code', '=', lgCode).where('procedure_code', '=', procedureCode).executeTakeFirst();
  return row && { lgCode: row.lg_code, procedureCode: row.procedure_code, stages: row.stages, after: row.after, issueDocument: row.issue_document, documentTitle: row.document_title, version: row.version, updatedAt: row.updated_at };
}

/** The routing that applies: the saved one, or the default in the procedure's department. */
export async function routingFor(db: ProceduresDatabase, lgCode: string, procedureCode: string): Promise<Routing | undefined> {
  const saved = await findRouting(db, lgCode, procedureCode);
  if (saved) return saved;
  const procedure = await db.selectFrom('procedures_procedures').select('department_code').where('lg_code', '=', lgCode).where('code', '=', procedureCode).executeTakeFirst();
  return procedure && defaultRouting(procedure.department_code);
}

/** Creates (expected null) or replaces (expected = the current version); the new version, or undefined when stale. */
export async function saveRouting(db: ProceduresDatabase, lgCode: string, procedureCode: string, routing: Routing, expected: number | null, actor: string): Promise<number | undefined> {
  const values = { stages: JSON.stringify(routing.stages), after: JSON.stringify(routing.after), issue_document: routing.issueDocument, document_title: routing.documentTitle, updated_by: actor };
  if (expected === null) {
    const inserted = await db.insertInto('procedures_routings').values({ lg_code: lgCode, procedure_code: procedureCode, ...values }).onConflict((oc) => oc.doNothing()).returning('version').executeTakeFirst();
    return inserted?.version;
  }
  const updated = await db.updateTable('procedures_routings').set({ ...values, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` })
    .where('lg_code', '=', lgCode).where('procedure_code', '=', procedureCode).where('version', '=', expected).returning('version').executeTakeFirst();
  return updated?.version;
}

export async function deleteRouting(db: ProceduresDatabase, lgCode: string, procedureCode: string, expected: number): Promise<boolean> {
  const deleted = await db.deleteFrom('procedures_routings').where('lg_code', '=', lgCode).where('procedure_code', '=', procedureCode).where('version', '=', expected).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}
