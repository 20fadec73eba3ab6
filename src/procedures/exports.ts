// What other modules may use of the procedures module: the departments (課) of a tenant, e.g. for
// the visit booking of counter procedures; where an application's fee payment stands, for the
// back office's review pages.
import type { AppContext } from '../platform/module.ts';
import { findDepartment, findProcedure, listDepartments, type Department } from './catalog/catalog-store.ts';
import { proceduresDb, type PaymentStatus } from './db/schema.ts';
import { feeOf, FeePayments, paymentSettingsOf } from './payments/fee-payments.ts';
import { isUuid } from '../platform/uuid.ts';

export type { Department } from './catalog/catalog-store.ts';

export async function departmentsOf(app: AppContext, lgCode: string): Promise<Department[]> {
  return listDepartments(proceduresDb(app.db), [lgCode]);
}

export async function departmentOf(app: AppContext, lgCode: string, code: string): Promise<Department | undefined> {
  return findDepartment(proceduresDb(app.db), lgCode, code);
}

export { setCounterBooking } from './catalog/counter-booking.ts';
export { onApplicationsSubmitted } from './applications/submission-hooks.ts';
export type { SubmittedApplication, SubmissionHook } from './applications/submission-hooks.ts';
export { applicationRecord } from './applications/application-record.ts';
export type { ApplicationRecord } from './applications/application-record.ts';
export interface PaymentState {
  /** The procedure's fee now, in yen (0: free). */
  feeYen: number;
  /** The latest attempt's status, or 'unpaid' when nobody tried to pay yet. */
  status: PaymentStatus | 'unpaid';
  amountYen: number | null;
  paymentId: string | null;
  paidAt: Date | null;
  refundedAt: Date | null;
}

/** Where an application's fee stands (undefined: no such submitted application). */
export async function paymentStateOf(app: AppContext, lgCode: string, applicationId: string): Promise<PaymentState | undefined> {
  const db = proceduresDb(app.db);
  const application = isUuid(applicationId) ? await db.selectFrom('procedures_applications').select('procedure_code').where('lg_code', '=', lgCode).where('id', '=', applicationId).where('status', '<>', 'draft').executeTakeFirst() : undefined;
  if (!application) return undefined;
  const procedure = await findProcedure(db, lgCode, application.procedure_code);
  const latest = (await new FeePayments(app).ofApplication(lgCode, applicationId))[0];
  return {
    feeYen: procedure ? feeOf(procedure) : 0, status: latest?.status ?? 'unpaid', amountYen: latest?.amountYen ?? null, paymentId: latest?.id ?? null,
    paidAt: latest?.paidAt ?? null, refundedAt: latest?.refundedAt ?? null,
  };
}

/** The keys of the demo's test payment service when the City OS uses it (no TSUNAGU_PAYMENT_URL, not production). */
export function demoPaymentKeys(app: AppContext): { apiKey: string; webhookSecret: string } | undefined {
  if (app.config.payment || app.config.production) return undefined;
  const settings = paymentSettingsOf(app);
  return settings && { apiKey: settings.apiKey, webhookSecret: settings.webhookSecret };
}

/** A level A application's My Number card signature, verified again (application-signatures.ts). */
export { signatureOf } from './applications/application-signatures.ts';
export type { ApplicationSignature } from './applications/application-signatures.ts';
