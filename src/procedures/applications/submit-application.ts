// Submitting a bulk application (申請する): every form is checked in full with the shared answers
// copied in, then, in one transaction, the submission key is recorded (its primary key makes a
// double click, a reload or a retry find the first submission instead of making a second), each
// application moves draft → submitted with its receipt number and the normalised answers, and
// each change is audited. A practice bulk application is deleted instead: it goes nowhere.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudits, type AuditEntry } from '../../platform/audit/audit-log.ts';
import type { Database } from '../../platform/db/database.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { ApplicationStore, nextReceiptNumber } from './application-store.ts';
import { checkStep, formValuesOf, stepsOf, type Flow, type Step } from './application-flow.ts';
import { enterWorkflow } from '../workflow/work-store.ts';
import { queueArrival } from '../workflow/arrival-mail.ts';
import { runSubmissionHooks } from './submission-hooks.ts';

export type SubmitResult =
  | { kind: 'submitted'; receipts: Array<{ lgCode: string; procedureCode: string; receiptNumber: string }> }
  | { kind: 'already'; bulkId: string | null; practice: boolean }
  | { kind: 'practice'; receipts: Array<{ procedureCode: string; receiptNumber: string }> }
  | { kind: 'incomplete'; steps: Step[] };

export interface SubmitRequest {
  actor: string;
  ip: string | null;
  requestId: string | null;
}

/**
 * `beforeSubmit` runs in the submission's transaction once the bulk application is known to move
 * (not for a repeat or a practice one): the counter records the resident's confirmation there, so
 * there is never a confirmation without a submission or the other way round.
 */
export async function submitApplication(ctx: ProceduresContext, flow: Flow, submissionKey: string, today: string, meta: SubmitRequest, beforeSubmit?: (trx: Database) => Promise<void>): Promise<SubmitResult> {
  const { bulk } = flow;
  const incomplete = stepsOf(flow, today).filter((step) => Object.keys(checkStep(step, today).errors).length > 0);
  const store = new ApplicationStore(ctx.app.sealer);
  return ctx.app.db.transaction().execute(async (trx: Database) => {
    const db = proceduresDb(trx);
    const earlier = await db.selectFrom('procedures_application_submissions').selectAll().where('submission_key', '=', submissionKey).executeTakeFirst();
    if (earlier) return { kind: 'already', bulkId: earlier.bulk_id, practice: earlier.practice } as const;
    if (bulk.status !== 'draft') return { kind: 'already', bulkId: bulk.id, practice: bulk.practice } as const;
    if (incomplete.length) return { kind: 'incomplete', steps: incomplete } as const;
    const inserted = await db.insertInto('procedures_application_submissions').values({ submission_key: submissionKey, bulk_id: bulk.practice ? null : bulk.id, practice: bulk.practice }).onConflict((oc) => oc.column('submission_key').doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return { kind: 'already', bulkId: bulk.practice ? null : bulk.id, practice: bulk.practice } as const;

    if (bulk.practice) {
      // Nothing of a practice application is kept: no receipt from the real sequence, no audit.
      const receipts = flow.forms.map((f) => ({ procedureCode: f.application.procedureCode, receiptNumber: `練習-${String(randomInt(0, 1_000_000)).padStart(6, '0')}` }));
      await db.deleteFrom('procedures_bulk_applications').where('id', '=', bulk.id).execute();
      return { kind: 'practice', receipts } as const;
    }

    const moved = await db.updateTable('procedures_bulk_applications').set({ status: 'submitted', submitted_at: sql<Date>`now()`, updated_at: sql<Date>`now()` }).where('id', '=', bulk.id).where('status', '=', 'draft').executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return { kind: 'already', bulkId: bulk.id, practice: false } as const;
    await beforeSubmit?.(trx);
    const receipts: Array<{ lgCode: string; procedureCode: string; receiptNumber: string }> = [];
    const audits: AuditEntry[] = [];
    for (const form of flow.forms) {
      const values = formValuesOf(flow, form);
      const answers = validateAnswers(form.definition, values, { today }).values;
      const receiptNumber = await nextReceiptNumber(db, form.application, today);
      const ok = await store.transition(db, form.application, 'draft', 'submitted', meta.actor, { receiptNumber, own: { values, answers } });
      if (!ok) throw new Error(`Application ${form.application.id} was not a draft`);
      await enterWorkflow(db, form.application, today);
      await queueArrival(ctx.app, trx, { lgCode: form.application.lgCode, applicationId: form.application.id, stageIndex: 0, kind: 'submitted' });
      audits.push({
        actor: meta.actor, action: 'procedures.application_submitted', lgCode: form.application.lgCode, subject: `application:${form.application.lgCode}/${form.application.id}`, ip: meta.ip, requestId: meta.requestId,
        details: { bulkId: bulk.id, procedure: form.application.procedureCode, formVersionId: form.application.formVersionId, receiptNumber, applicant: bulk.applicantAccountId, channel: bulk.channel, ...(bulk.proxyAccountId ? { proxy: bulk.proxyAccountId } : {}) },
      });
      receipts.push({ lgCode: form.application.lgCode, procedureCode: form.application.procedureCode, receiptNumber });
    }
    // Other modules' work for these applications (delivery to core systems) commits with them.
    await runSubmissionHooks(ctx.app, trx, flow.forms.map((f, i) => ({ lgCode: f.application.lgCode, id: f.application.id, procedureCode: f.application.procedureCode, receiptNumber: receipts[i]!.receiptNumber })));
    // Last: the audit chain's lock is held until commit, and every audited change waits for it.
    await appendAudits(trx, audits);
    return { kind: 'submitted', receipts } as const;
  });
}
