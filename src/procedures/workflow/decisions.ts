// Staff decisions on an application, each in one transaction with its audit record: receive
// (受付), check done (審査完了), approve at the current level (決裁), return for correction with
// reasons per field (差戻し), reject with a reason (却下); and assign (担当者の割当) and comment.
// Every decision names the version of the application's work it was made on: a second decision
// on the same version (two staff at once) is refused with 412, never applied twice. Changes of
// status go through ApplicationStore.transition (procedures_application_events). After the
// commit the resident is told (notify) of a return, a rejection or the approval, and on the final
// approval of a procedure whose routing says so the signed document is issued.
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, type Actor } from '../../platform/authz/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { issueDocument } from '../../documents/exports.ts';
import { notify } from '../../portal/exports.ts';
import { ApplicationStore, type OwnState } from '../applications/application-store.ts';
import { replaceAttachment } from '../applications/attachments.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { proceduresDb, type ApplicationStatus, type ProceduresDatabase, type ReturnReason, type WorkAction } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { findVersion } from '../forms/form-store.ts';
import { ACTIVE, applicantNameOf, findWork, mayAct, maySee, memberOf, workOf, type StaffScope, type Work } from './work-store.ts';
import { stageName } from './routing.ts';
import { addWorkingDays } from './working-days.ts';
import { queueArrival } from './arrival-mail.ts';

export type Decision =
  | { action: 'receive' }
  | { action: 'check' }
  | { action: 'approve' }
  | { action: 'return'; reasons: ReturnReason[] }
  | { action: 'reject'; reason: string };

export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
}

const MAX_REASON = 1000;
const conflict = (detail: Localized) => new AppError(ProceduresErrors.ACTION_NOT_ALLOWED, { detail });
const stale = () => new AppError(PlatformErrors.PRECONDITION_FAILED, { detail: { ja: '他の職員が先にこの申請を処理しました。最新の状況を確認してからやり直してください', en: 'Another member of staff acted on this application first. Check its current state and try again' } });

/** The application and its work for a staff member who may see it; 404 otherwise (also for another tenant's). */
export async function loadForStaff(ctx: ProceduresContext, scope: StaffScope, lgCode: string, id: string, db: ProceduresDatabase = ctx.db) {
  const work = await findWork(db, lgCode, id);
  if (!work || !maySee(scope, work)) throw new AppError(ProceduresErrors.APPLICATION_NOT_FOUND);
  const application = await new ApplicationStore(ctx.app.sealer).findForStaff(db, lgCode, id);
  if (!application) throw new AppError(ProceduresErrors.APPLICATION_NOT_FOUND);
  return { work, application };
}

function checkDecision(decision: Decision): void {
  const problems: Array<{ name: string; in: 'body'; detail: Localized }> = [];
  if (decision.action === 'return') {
    if (decision.reasons.length === 0) problems.push({ name: 'reasons', in: 'body', detail: { ja: '差戻しの理由を一つ以上入力してください', en: 'Give at least one reason for returning' } });
    decision.reasons.forEach((r, i) => {
      if (!r.reason.trim()) problems.push({ name: `reasons/${i}/reason`, in: 'body', detail: { ja: '理由を入力してください', en: 'Enter the reason' } });
      if (r.reason.length > MAX_REASON) problems.push({ name: `reasons/${i}/reason`, in: 'body', detail: { ja: `理由は${MAX_REASON}文字以内で入力してください`, en: `Keep the reason to ${MAX_REASON} characters` } });
    });
  }
  if (decision.action === 'reject') {
    if (!decision.reason.trim()) problems.push({ name: 'reason', in: 'body', detail: { ja: '却下の理由を入力してください', en: 'Enter the reason for rejecting' } });
    if (decision.reason.length > MAX_REASON) problems.push({ name: 'reason', in: 'body', detail: { ja: `理由は${MAX_REASON}文字以内で入力してください`, en: `Keep the reason to ${MAX_REASON} characters` } });
  }
  if (problems.length) throw new AppError(ProceduresErrors.INVALID_DECISION, { problems });
}

/** Which decisions the stage allows, whatever the person. */
export function decisionsAt(work: Work, status: ApplicationStatus, waiting: boolean): Array<Decision['action']> {
  const stage = work.stages[work.stageIndex];
  if (!stage || waiting || !ACTIVE.includes(status)) return [];
  const forward = stage.kind === 'receive' ? 'receive' : stage.kind === 'check' ? 'check' : 'approve';
  return [forward, 'return', 'reject'];
}

async function record(db: ProceduresDatabase, work: Work, action: WorkAction, actor: { id: string; name: string }, extra: { note?: string | null; reasons?: ReturnReason[]; changesSealed?: string } = {}): Promise<void> {
  await db.insertInto('procedures_application_actions').values({
    lg_code: work.lgCode, application_id: work.applicationId, action, stage_index: work.stageIndex, actor: actor.id, actor_name: actor.name,
    note: extra.note ?? null, reasons: extra.reasons ? JSON.stringify(extra.reasons) : null, changes_sealed: extra.changesSealed ?? null,
  }).execute();
}

/** Moves the work on (or keeps it at its stage) under the version it was read at; false when someone else moved it first. */
async function moveWork(db: ProceduresDatabase, work: Work, stageIndex: number, today: string, changes: { assignee?: { id: string; name: string } | null } = {}): Promise<boolean> {
  const next = work.stages[stageIndex];
  const moved = stageIndex !== work.stageIndex;
  const updated = await db.updateTable('procedures_application_work').set({
    stage_index: stageIndex, version: sql<number>`version + 1`,
    ...(moved && next ? { department_code: next.departmentCode, stage_started_at: sql<Date>`now()`, due_on: addWorkingDays(today, next.days), assignee: null, assignee_name: null } : {}),
    ...(changes.assignee !== undefined ? { assignee: changes.assignee?.id ?? null, assignee_name: changes.assignee?.name ?? null } : {}),
  }).where('lg_code', '=', work.lgCode).where('application_id', '=', work.applicationId).where('version', '=', work.version).executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export interface DecisionResult {
  status: ApplicationStatus;
  stageIndex: number;
  version: number;
  document?: { id: string; number: string };
}

export async function decide(ctx: ProceduresContext, actor: Actor, scope: StaffScope, key: { lgCode: string; id: string }, expectedVersion: number, decision: Decision, meta: RequestMeta): Promise<DecisionResult> {
  checkDecision(decision);
  const store = new ApplicationStore(ctx.app.sealer);
  const today = todayInJapanIso();
  const who = { id: actorId(actor), name: actor.kind === 'principal' ? actor.displayName : actorId(actor) };
  const outcome = await ctx.app.db.transaction().execute(async (trx: Database) => {
    const db = proceduresDb(trx);
    const { work, application } = await loadForStaff(ctx, scope, key.lgCode, key.id, db);
    if (work.version !== expectedVersion) throw stale();
    if (!ACTIVE.includes(application.status)) throw conflict({ ja: `この申請は「${application.status}」のため、処理できません`, en: `This application is ${application.status} and takes no decision now` });
    if (!(await mayAct(ctx.app, actor, scope, work))) throw new AppError(ProceduresErrors.NOT_YOUR_STAGE);
    if (work.waiting) throw conflict({ ja: '同時に申請された先の手続の決定を待っています', en: 'This application waits for the decision on a procedure applied for with it' });
    if (!decisionsAt(work, application.status, false).includes(decision.action)) {
      throw conflict({ ja: `この申請は「${stageName(work.stages, work.stageIndex, 'ja')}」の段階で、状況は「${application.status}」です`, en: `This application is at stage "${stageName(work.stages, work.stageIndex, 'en')}" with status "${application.status}"` });
    }
    // Two approval levels mean two people: whoever approved an earlier level cannot approve the next.
    if (decision.action === 'approve') {
      const earlier = await db.selectFrom('procedures_application_actions').select('seq').where('lg_code', '=', work.lgCode).where('application_id', '=', work.applicationId)
        .where('action', '=', 'approved').where('actor', '=', who.id).where('stage_index', '<', work.stageIndex).executeTakeFirst();
      if (earlier) throw new AppError(ProceduresErrors.NOT_YOUR_STAGE, { detail: { ja: '前の段階を決裁した人は、次の段階を決裁できません。別の決裁者が決裁してください', en: 'Whoever approved an earlier level cannot approve the next one; another approver must' } });
    }
    const from = application.status;
    const lastStage = work.stageIndex === work.stages.length - 1;
    let to: ApplicationStatus = from;
    let stageIndex = work.stageIndex;
    let action: WorkAction;
    switch (decision.action) {
      case 'receive': to = 'received'; stageIndex++; action = 'received'; break;
      case 'check': to = 'received'; stageIndex++; action = 'checked'; break;
      case 'approve': to = lastStage ? 'approved' : 'received'; stageIndex = lastStage ? work.stages.length : stageIndex + 1; action = 'approved'; break;
      case 'return': to = 'returned'; action = 'returned'; break;
      case 'reject': to = 'rejected'; action = 'rejected'; break;
    }
    if (!(await moveWork(db, work, stageIndex, today))) throw stale();
    if (to !== from && !(await store.transition(db, application, from, to, who.id))) throw stale();
    if (stageIndex !== work.stageIndex && stageIndex < work.stages.length) {
      await queueArrival(ctx.app, trx, { lgCode: work.lgCode, applicationId: work.applicationId, stageIndex, kind: 'advanced', actor: who.id });
    }
    const reasons = decision.action === 'return' ? decision.reasons.map((r) => ({ field: r.field, reason: r.reason.trim() })) : undefined;
    const note = decision.action === 'reject' ? decision.reason.trim() : null;
    await record(db, work, action, who, { note, ...(reasons ? { reasons } : {}) });
    await appendAudit(trx, {
      actor: who.id, action: `procedures.application_${action}`, lgCode: work.lgCode, subject: `application:${work.lgCode}/${work.applicationId}`, ip: meta.ip, requestId: meta.requestId,
      details: { receiptNumber: application.receiptNumber, stage: work.stageIndex, stageKind: work.stages[work.stageIndex]?.kind, from, to, ...(reasons ? { fields: reasons.map((r) => r.field) } : {}) },
    });
    // A decided application lets the ones that waited for it start their clock now.
    if (to === 'approved' || to === 'rejected') {
      const waited = await db.selectFrom('procedures_application_work').select(['lg_code', 'application_id', 'stages']).where('bulk_id', '=', work.bulkId)
        .where(sql<boolean>`after @> ${JSON.stringify([{ lgCode: work.lgCode, code: work.procedureCode }])}::jsonb`).where('stage_index', '=', 0).execute();
      for (const w of waited) {
        await db.updateTable('procedures_application_work').set({ stage_started_at: sql<Date>`now()`, due_on: addWorkingDays(today, w.stages[0]!.days), version: sql<number>`version + 1` })
          .where('lg_code', '=', w.lg_code).where('application_id', '=', w.application_id).execute();
        await queueArrival(ctx.app, trx, { lgCode: w.lg_code, applicationId: w.application_id, stageIndex: 0, kind: 'released' });
      }
    }
    return { work, application, from, to, stageIndex, reasons, note };
  });

  const { work, application, to, reasons, note } = outcome;
  const procedure = await findProcedure(ctx.db, work.lgCode, work.procedureCode);
  const title = procedure?.title ?? { ja: work.procedureCode, en: work.procedureCode };
  const link = `/account/applications/${work.lgCode}/${work.applicationId}`;
  const number = application.receiptNumber;
  let document: DecisionResult['document'];
  if (to === 'returned') {
    await notify(ctx.app, application.applicantAccountId, { lgCode: work.lgCode, title: { ja: `${title.ja}の申請が差し戻されました`, en: `Your application for ${title.en} was returned for correction` }, body: { ja: `受付番号 ${number}。修正が必要な項目と理由を確認し、修正して再申請してください（${reasons!.length}件）。`, en: `Receipt number ${number}. See what to correct and why (${reasons!.length}), then resubmit.` }, link });
  } else if (to === 'rejected') {
    await notify(ctx.app, application.applicantAccountId, { lgCode: work.lgCode, title: { ja: `${title.ja}の申請は却下されました`, en: `Your application for ${title.en} was rejected` }, body: { ja: `受付番号 ${number}。理由：${note}`, en: `Receipt number ${number}. Reason: ${note}` }, link });
  } else if (to === 'approved') {
    await notify(ctx.app, application.applicantAccountId, { lgCode: work.lgCode, title: { ja: `${title.ja}の申請が承認されました`, en: `Your application for ${title.en} was approved` }, body: { ja: `受付番号 ${number}。${work.issueDocument ? '決定の文書をマイページの「発行された文書」からダウンロードできます。' : ''}`, en: `Receipt number ${number}.${work.issueDocument ? ' Download the decision from "Your documents" on My page.' : ''}` }, link });
    if (work.issueDocument) document = await issueFor(ctx, work, application, who, title, meta);
  }
  const after = await findWork(ctx.db, work.lgCode, work.applicationId);
  return { status: to, stageIndex: outcome.stageIndex, version: after!.version, ...(document ? { document } : {}) };
}

/** The signed decision document (決定通知書) on the final approval; recorded as an action. */
async function issueFor(ctx: ProceduresContext, work: Work, application: { receiptNumber: string | null; applicantAccountId: string; submittedAt: Date | null; formVersionId: string; own: OwnState }, who: { id: string; name: string }, title: Localized, meta: RequestMeta) {
  const documentTitle = work.documentTitle ?? `${title.ja}の決定通知書`;
  const name = applicantNameOf(application.own, (await findVersion(ctx.db, work.lgCode, { id: application.formVersionId }))?.definition);
  const issued = await issueDocument(ctx.app, {
    lgCode: work.lgCode, accountId: application.applicantAccountId, kind: 'procedure-decision', title: documentTitle,
    statement: `${title.ja}について、次のとおり申請を承認したことを通知します。`,
    fields: [
      { label: '手続', value: title.ja },
      { label: '受付番号', value: application.receiptNumber ?? '' },
      { label: '申請日', value: application.submittedAt ? todayInJapanIso(application.submittedAt) : '' },
      { label: '決定', value: '承認' },
    ],
    ...(name ? { recipientName: name } : {}),
    issuedBy: who.id,
    meta: { ...(meta.ip ? { ip: meta.ip } : {}), ...(meta.requestId ? { requestId: meta.requestId } : {}) },
  });
  await record(ctx.db, { ...work, stageIndex: work.stages.length }, 'issued', who, { note: issued.number });
  return { id: issued.id, number: issued.number };
}

/** Assigns the application at its current stage to a member of the stage's department (or nobody). */
export async function assign(ctx: ProceduresContext, actor: Actor, scope: StaffScope, key: { lgCode: string; id: string }, expectedVersion: number, assignee: string | null, meta: RequestMeta): Promise<number> {
  const who = { id: actorId(actor), name: actor.kind === 'principal' ? actor.displayName : actorId(actor) };
  return ctx.app.db.transaction().execute(async (trx: Database) => {
    const db = proceduresDb(trx);
    const { work, application } = await loadForStaff(ctx, scope, key.lgCode, key.id, db);
    if (work.version !== expectedVersion) throw stale();
    const stage = work.stages[work.stageIndex];
    if (!stage || !memberOf(scope, work.lgCode, stage.departmentCode)) throw new AppError(ProceduresErrors.NOT_YOUR_STAGE);
    if (!ACTIVE.includes(application.status) && application.status !== 'returned') throw conflict({ ja: '決定済みの申請には担当者を割り当てられません', en: 'A decided application cannot be assigned' });
    let person: { id: string; name: string } | null = null;
    if (assignee) {
      const member = await db.selectFrom('procedures_staff_departments').select(['principal_id', 'display_name']).where('lg_code', '=', work.lgCode).where('department_code', '=', stage.departmentCode).where('principal_id', '=', assignee).executeTakeFirst();
      if (!member) throw new AppError(ProceduresErrors.INVALID_DECISION, { problems: [{ name: 'assignee', in: 'body', detail: { ja: '担当者は、この段階の担当課の職員から選んでください', en: 'Choose someone of the department of this stage' } }] });
      person = { id: member.principal_id, name: member.display_name };
    }
    if (!(await moveWork(db, work, work.stageIndex, todayInJapanIso(), { assignee: person }))) throw stale();
    await record(db, work, 'assigned', who, { note: person?.name ?? null });
    await appendAudit(trx, { actor: who.id, action: 'procedures.application_assigned', lgCode: work.lgCode, subject: `application:${work.lgCode}/${work.applicationId}`, ip: meta.ip, requestId: meta.requestId, details: { assignee: person?.id ?? null, stage: work.stageIndex } });
    return work.version + 1;
  });
}

export const MAX_COMMENT = 2000;

/** A comment for colleagues (not shown to the resident). */
export async function comment(ctx: ProceduresContext, actor: Actor, scope: StaffScope, key: { lgCode: string; id: string }, text: string, meta: RequestMeta): Promise<void> {
  const body = text.trim();
  if (!body || body.length > MAX_COMMENT) throw new AppError(ProceduresErrors.INVALID_DECISION, { problems: [{ name: 'comment', in: 'body', detail: body ? { ja: `コメントは${MAX_COMMENT}文字以内で入力してください`, en: `Keep the comment to ${MAX_COMMENT} characters` } : { ja: 'コメントを入力してください', en: 'Enter a comment' } }] });
  const who = { id: actorId(actor), name: actor.kind === 'principal' ? actor.displayName : actorId(actor) };
  await ctx.app.db.transaction().execute(async (trx: Database) => {
    const { work } = await loadForStaff(ctx, scope, key.lgCode, key.id, proceduresDb(trx));
    await record(proceduresDb(trx), work, 'commented', who, { note: body });
    await appendAudit(trx, { actor: who.id, action: 'procedures.application_commented', lgCode: work.lgCode, subject: `application:${work.lgCode}/${work.applicationId}`, ip: meta.ip, requestId: meta.requestId, details: { length: body.length } });
  });
}

export interface HistoryEntry {
  at: Date;
  action: WorkAction;
  stageIndex: number;
  actorName: string;
  note: string | null;
  reasons: ReturnReason[] | null;
  changes: Change[] | null;
}

/** One answer changed by a resubmission: the field and the values before and after (answers as stored). */
export interface Change {
  field: string;
  before: unknown;
  after: unknown;
  /** A file field whose attachment was replaced (the old file is kept: listReplacedAttachments). */
  replaced?: true;
}

/** A new file for a returned file field, already checked (checkUpload). */
export interface Replacement {
  key: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

const changesContext = (lgCode: string, id: string) => `procedures_application_actions.changes:${lgCode}/${id}`;

export async function historyOf(ctx: ProceduresContext, work: Pick<Work, 'lgCode' | 'applicationId'>): Promise<HistoryEntry[]> {
  const rows = await ctx.db.selectFrom('procedures_application_actions').selectAll().where('lg_code', '=', work.lgCode).where('application_id', '=', work.applicationId).orderBy('seq').execute();
  return rows.map((r) => ({
    at: r.occurred_at, action: r.action, stageIndex: r.stage_index, actorName: r.actor_name, note: r.note, reasons: r.reasons,
    changes: r.changes_sealed ? ctx.app.sealer.openJson<Change[]>(r.changes_sealed, changesContext(r.lg_code, r.application_id)) : null,
  }));
}

/** The reasons of the latest return, for the resident's pages. */
export async function latestReturn(db: ProceduresDatabase, key: { lgCode: string; id: string }): Promise<{ at: Date; reasons: ReturnReason[] } | undefined> {
  const row = await db.selectFrom('procedures_application_actions').select(['occurred_at', 'reasons']).where('lg_code', '=', key.lgCode).where('application_id', '=', key.id).where('action', '=', 'returned').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row && { at: row.occurred_at, reasons: row.reasons ?? [] };
}

/**
 * The resident's corrected answers: returned → resubmitted with the new answers, the changes
 * recorded (sealed: they are answers) for staff to see, and the stage's clock started again.
 * False when the application was not returned (any more).
 */
export async function resubmit(ctx: ProceduresContext, application: { lgCode: string; id: string; own: OwnState; receiptNumber: string | null }, own: OwnState, actor: string, meta: RequestMeta, replacements: Replacement[] = []): Promise<boolean> {
  const before = application.own.answers ?? {};
  const after = own.answers ?? {};
  const replaced = new Set(replacements.map((r) => r.key));
  // A replaced file is a change even under the same name: its content is new.
  const changes: Change[] = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((field) => replaced.has(field) || JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null, ...(replaced.has(field) ? { replaced: true as const } : {}) }));
  const store = new ApplicationStore(ctx.app.sealer);
  return ctx.app.db.transaction().execute(async (trx: Database) => {
    const db = proceduresDb(trx);
    const work = await db.selectFrom('procedures_application_work').selectAll().where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).forUpdate().executeTakeFirst();
    if (!work || !(await store.transition(db, application, 'returned', 'resubmitted', actor, { own }))) return false;
    for (const r of replacements) await replaceAttachment(db, ctx.app.sealer, application, r.key, r);
    const current = workOf(work);
    const stage = current.stages[current.stageIndex];
    await db.updateTable('procedures_application_work').set({ stage_started_at: sql<Date>`now()`, due_on: addWorkingDays(todayInJapanIso(), stage?.days ?? 1), version: sql<number>`version + 1` })
      .where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).execute();
    await queueArrival(ctx.app, trx, { lgCode: application.lgCode, applicationId: application.id, stageIndex: current.stageIndex, kind: 'resubmitted' });
    await record(db, current, 'resubmitted', { id: actor, name: '申請者' }, { note: `${changes.length}`, changesSealed: ctx.app.sealer.sealJson(changes, changesContext(application.lgCode, application.id)) });
    await appendAudit(trx, { actor, action: 'procedures.application_resubmitted', lgCode: application.lgCode, subject: `application:${application.lgCode}/${application.id}`, ip: meta.ip, requestId: meta.requestId, details: { receiptNumber: application.receiptNumber, changedFields: changes.map((c) => c.field), ...(replaced.size ? { replacedFiles: [...replaced] } : {}) } });
    return true;
  });
}
