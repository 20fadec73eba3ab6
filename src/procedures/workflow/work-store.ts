// Where submitted applications are in their routing, and what staff may see of them. An
// application enters its routing when it is submitted (the routing is copied in). Staff see an
// application only when its tenant is one they may review for AND they belong to a department of
// its routing; they act only at a stage of their department and with the stage's role.
// An application waits (先行手続の決定待ち) while an application of its bulk application for a
// procedure in its `after` list is not decided yet.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Actor } from '../../platform/authz/actor.ts';
import { covers } from '../../platform/authz/guard.ts';
import type { AppContext } from '../../platform/module.ts';
import { isUuid } from '../../platform/uuid.ts';
import type { ApplicationStatus, ProcedureRef, ProceduresDatabase, Stage } from '../db/schema.ts';
import type { OwnState } from '../applications/application-store.ts';
import { sharedKeyOf } from '../applications/bulk-application.ts';
import type { ResolvedDefinition } from '../forms/form-definition.ts';
import { routingFor } from './routing.ts';
import { addWorkingDays } from './working-days.ts';
import { departmentsOfPrincipal } from './memberships.ts';

export const REVIEW_PERMISSION = 'procedures.review_applications';
/** Statuses staff act on; `returned` waits for the resident, the others are decided. */
export const ACTIVE: ApplicationStatus[] = ['submitted', 'received', 'resubmitted'];
export const DECIDED: ApplicationStatus[] = ['approved', 'rejected', 'withdrawn'];

export interface Work {
  lgCode: string;
  applicationId: string;
  bulkId: string;
  procedureCode: string;
  stages: Stage[];
  after: ProcedureRef[];
  issueDocument: boolean;
  documentTitle: string | null;
  stageIndex: number;
  departmentCode: string;
  assignee: string | null;
  assigneeName: string | null;
  stageStartedAt: Date;
  dueOn: string;
  version: number;
}

/**
 * Puts a just-submitted application at the first stage of its procedure's routing. A generic-form
 * application (汎用様式) goes to the department the resident was shown and, for 「その他の手続」,
 * chose: the routing's stages (kinds, roles, days) all in that department, so it is in that
 * department's queue and no other.
 */
export async function enterWorkflow(db: ProceduresDatabase, application: { lgCode: string; id: string; bulkId: string; procedureCode: string }, today: string): Promise<void> {
  const routing = await routingFor(db, application.lgCode, application.procedureCode);
  if (!routing) throw new Error(`No procedure ${application.lgCode}/${application.procedureCode}`);
  const generic = await db.selectFrom('procedures_generic_applications').select('department_code').where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).executeTakeFirst();
  const stages = generic ? routing.stages.map((s) => ({ ...s, departmentCode: generic.department_code })) : routing.stages;
  const first = stages[0]!;
  await db.insertInto('procedures_application_work').values({
    lg_code: application.lgCode, application_id: application.id, bulk_id: application.bulkId, procedure_code: application.procedureCode,
    stages: JSON.stringify(stages), after: JSON.stringify(routing.after), issue_document: routing.issueDocument, document_title: routing.documentTitle,
    department_code: first.departmentCode, stage_started_at: sql<Date>`now()`, due_on: addWorkingDays(today, first.days),
  }).execute();
}

/** SQL: true while an application this one comes after, in the same bulk application, is undecided. */
export function waitingSql(work: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from procedures_applications o where o.bulk_id = ${sql.ref(`${work}.bulk_id`)} and o.status not in ('approved', 'rejected', 'withdrawn')
    and ${sql.ref(`${work}.after`)} @> jsonb_build_array(jsonb_build_object('lgCode', o.lg_code, 'code', o.procedure_code)))`;
}

export async function findWork(db: ProceduresDatabase, lgCode: string, applicationId: string): Promise<(Work & { waiting: boolean }) | undefined> {
  if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(applicationId)) return undefined;
  const row = await db.selectFrom('procedures_application_work as w').selectAll('w').select(waitingSql('w').as('waiting'))
    .where('w.lg_code', '=', lgCode).where('w.application_id', '=', applicationId).executeTakeFirst();
  return row && { ...workOf(row), waiting: Boolean(row.waiting) };
}

export function workOf(row: { lg_code: string; application_id: string; bulk_id: string; procedure_code: string; stages: Stage[]; after: ProcedureRef[]; issue_document: boolean; document_title: string | null; stage_index: number; department_code: string; assignee: string | null; assignee_name: string | null; stage_started_at: Date; due_on: string; version: number }): Work {
  return {
    lgCode: row.lg_code, applicationId: row.application_id, bulkId: row.bulk_id, procedureCode: row.procedure_code, stages: row.stages, after: row.after,
    issueDocument: row.issue_document, documentTitle: row.document_title, stageIndex: row.stage_index, departmentCode: row.department_code,
    assignee: row.assignee, assigneeName: row.assignee_name, stageStartedAt: row.stage_started_at, dueOn: row.due_on, version: row.version,
  };
}

/** What a staff member may see and do: the departments they belong to, in tenants they may review for. */
export interface StaffScope {
  principalId: string;
  displayName: string;
  departments: Array<{ lgCode: string; code: string }>;
}

export async function staffScopeOf(app: AppContext, db: ProceduresDatabase, actor: Actor): Promise<StaffScope | undefined> {
  if (actor.kind !== 'principal') return undefined;
  const readable = await app.guard.tenantsFor(actor, REVIEW_PERMISSION);
  const departments = (await departmentsOfPrincipal(db, actor.principalId)).filter((d) => readable.has(d.lgCode));
  return { principalId: actor.principalId, displayName: actor.displayName, departments };
}

export const memberOf = (scope: StaffScope, lgCode: string, departmentCode: string) => scope.departments.some((d) => d.lgCode === lgCode && d.code === departmentCode);

/** Staff see an application when they belong to a department of its routing (of its tenant). */
export const maySee = (scope: StaffScope, work: Work) => work.stages.some((s) => memberOf(scope, work.lgCode, s.departmentCode));

/** Staff act at the current stage when they belong to its department and hold its role for the tenant. */
export async function mayAct(app: AppContext, actor: Actor, scope: StaffScope, work: Work): Promise<boolean> {
  const stage = work.stages[work.stageIndex];
  if (!stage || actor.kind !== 'principal' || !memberOf(scope, work.lgCode, stage.departmentCode)) return false;
  const tenant = await app.tenants.get(work.lgCode);
  return Boolean(tenant && actor.assignments.some((a) => a.role === stage.role && covers(a, tenant)));
}

/**
 * An answer the form links to a common field dictionary entry (氏名 is `full-name`), whatever key
 * the form gave the field: an imported paper form may call it `name`. Without the definition (or
 * without such a field) the dictionary's own name for it is tried.
 */
function dictionaryAnswer(own: OwnState, definition: ResolvedDefinition | undefined, entry: string): string {
  const answers = own.answers ?? {};
  const field = definition?.pages.flatMap((p) => p.fields).find((f) => f.dictionary === entry);
  const value = (field ? answers[field.key] ?? own.values[field.key] : undefined) ?? answers[sharedKeyOf(entry)] ?? own.values[sharedKeyOf(entry)];
  return typeof value === 'string' ? value : '';
}

/** The applicant's name as answered (氏名 from the common field dictionary), for staff lists and documents. */
export const applicantNameOf = (own: OwnState, definition?: ResolvedDefinition) => dictionaryAnswer(own, definition, 'full-name');

export const applicantKanaOf = (own: OwnState, definition?: ResolvedDefinition) => dictionaryAnswer(own, definition, 'full-name-kana');
