// E-mail to staff when an application's turn comes at their department: a new submission, the
// previous stage done, a corrected resubmission, or (in a bulk application) the procedure it
// waited for decided. The change queues a job in its own transaction, so nothing is sent for a
// change that did not commit; the job then tells the members of the stage's department who hold
// the stage's role for the tenant, except whoever made the change and those who turned these
// mails off (/staff/notifications). Mail leaves the City OS, so it names the procedure, receipt
// number, stage and due date and links to the staff page, never the resident's name or answers.
import type { Database } from '../../platform/db/database.ts';
import { loadAssignments } from '../../platform/authz/authenticate.ts';
import { covers } from '../../platform/authz/guard.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import type { JobHandler } from '../../platform/queue/job-queue.ts';
import type { AppContext } from '../../platform/module.ts';
import { staffMailAddresses } from '../../identity/exports.ts';
import { findDepartment, findProcedure } from '../catalog/catalog-store.ts';
import type { ProceduresDatabase } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { listMembers } from './memberships.ts';
import { stageName } from './routing.ts';
import { ACTIVE, findWork } from './work-store.ts';

export const ARRIVAL_TOPIC = 'procedures.arrival_mail';

export type ArrivalKind = 'submitted' | 'advanced' | 'resubmitted' | 'released';

export interface Arrival {
  lgCode: string;
  applicationId: string;
  /** The stage reached; the job sends nothing once the application has moved on from it. */
  stageIndex: number;
  kind: ArrivalKind;
  /** Who made the change (they know already). */
  actor?: string;
}

/** Queues the mail in the transaction `db` of the change that brings the application to the stage. */
export async function queueArrival(app: AppContext, db: Database, arrival: Arrival): Promise<void> {
  await app.queue.enqueue(db, ARRIVAL_TOPIC, arrival, { maxAttempts: 10 });
}

/** True unless the staff member turned the arrival mails off. */
export async function arrivalMailOn(db: ProceduresDatabase, principalId: string): Promise<boolean> {
  const row = await db.selectFrom('procedures_staff_notification_settings').select('arrival_mail').where('principal_id', '=', principalId).executeTakeFirst();
  return row?.arrival_mail ?? true;
}

/** Saves the setting; true when it changed. */
export async function setArrivalMail(db: ProceduresDatabase, principalId: string, on: boolean): Promise<boolean> {
  if ((await arrivalMailOn(db, principalId)) === on) return false;
  await db.insertInto('procedures_staff_notification_settings').values({ principal_id: principalId, arrival_mail: on })
    .onConflict((oc) => oc.column('principal_id').doUpdateSet({ arrival_mail: on, updated_at: new Date() })).execute();
  return true;
}

const ja = translator('ja');
const en = translator('en');

export function arrivalMailer(ctx: ProceduresContext): JobHandler {
  return async (arrival: Arrival) => {
    const work = await findWork(ctx.db, arrival.lgCode, arrival.applicationId);
    const stage = work?.stages[arrival.stageIndex];
    if (!work || !stage || work.waiting || work.stageIndex !== arrival.stageIndex) return;
    const application = await ctx.db.selectFrom('procedures_applications').select(['status', 'receipt_number']).where('lg_code', '=', work.lgCode).where('id', '=', work.applicationId).executeTakeFirst();
    const tenant = await ctx.app.tenants.get(work.lgCode);
    if (!application || !ACTIVE.includes(application.status) || !tenant) return;

    const recipients: string[] = [];
    for (const member of await listMembers(ctx.db, work.lgCode, stage.departmentCode)) {
      if (member.principalId === arrival.actor || !(await arrivalMailOn(ctx.db, member.principalId))) continue;
      const assignments = await loadAssignments(ctx.app.db, member.principalId);
      if (assignments.some((a) => a.role === stage.role && covers(a, tenant))) recipients.push(member.principalId);
    }
    const addresses = await staffMailAddresses(ctx.app, recipients);
    if (addresses.size === 0) return;

    const procedure = (await findProcedure(ctx.db, work.lgCode, work.procedureCode))?.title ?? { ja: work.procedureCode, en: work.procedureCode };
    const department = (await findDepartment(ctx.db, work.lgCode, stage.departmentCode))?.name ?? { ja: stage.departmentCode, en: stage.departmentCode };
    const number = application.receipt_number ?? '';
    const values = (locale: 'ja' | 'en') => ({ procedure: procedure[locale], number, department: department[locale], stage: stageName(work.stages, work.stageIndex, locale), due: work.dueOn });
    const part = (t: typeof ja, locale: 'ja' | 'en') => {
      const v = values(locale);
      return [t(`procedures.arrivalMail.lead.${arrival.kind}`, v), '', t('procedures.arrivalMail.procedure', v), t('procedures.arrivalMail.number', v), t('procedures.arrivalMail.stage', v), t('procedures.arrivalMail.due', v)].join('\n');
    };
    const base = ctx.app.config.publicUrl;
    const text = [
      part(ja, 'ja'), '', part(en, 'en'), '',
      `${ja('procedures.arrivalMail.open')} / ${en('procedures.arrivalMail.open')}`, `${base}/staff/applications/${work.lgCode}/${work.applicationId}`, '',
      `${ja('procedures.arrivalMail.privacy')} / ${en('procedures.arrivalMail.privacy')}`,
      `${ja('procedures.arrivalMail.settings')} / ${en('procedures.arrivalMail.settings')} ${base}/staff/notifications`,
      '-- ', 'つなぐ（県・市町村共通ポータル） / Tsunagu',
    ].join('\n');
    const subject = `${ja('procedures.arrivalMail.subject', values('ja'))} / ${en('procedures.arrivalMail.subject', values('en'))}`;
    // All or none: a retried job must not send some of its mails twice.
    await ctx.app.db.transaction().execute(async (trx) => {
      for (const to of addresses.values()) await ctx.app.mail.send(trx, { to, subject, text });
    });
  };
}
