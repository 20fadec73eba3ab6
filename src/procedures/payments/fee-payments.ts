// Paying an application's fee (手数料) through the payment provider, and what follows: the result
// verified by a signed webhook or by asking the provider, and refunds by staff. Every change of a
// payment's status is a guarded update (only from the status it was in) with its audit record
// in the same transaction, so whichever of the webhook and the status query arrives first records
// it and the other changes nothing.
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, system } from '../../platform/authz/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AppContext } from '../../platform/module.ts';
import { isUuid } from '../../platform/uuid.ts';
import type { Procedure } from '../catalog/catalog-store.ts';
import { proceduresDb, type ApplicationStatus, type PaymentStatus, type ProceduresDatabase } from '../db/schema.ts';
import { notify } from '../../portal/exports.ts';
import { TestPayProvider, type PaymentProvider, type ProviderPayment } from './payment-provider.ts';
import type { PaymentSettings } from '../../platform/config.ts';

export interface StoredPayment {
  lgCode: string;
  id: string;
  applicationId: string;
  applicantAccountId: string;
  amountYen: number;
  status: PaymentStatus;
  provider: string;
  providerPaymentId: string | null;
  checkoutUrl: string | null;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
  paidAt: Date | null;
  refundedAt: Date | null;
}

export interface Meta {
  actor: string;
  ip: string | null;
  requestId: string | null;
}

/** The fee of a procedure: the sum of its listed fees, in whole yen (0: free). */
export const feeOf = (procedure: Pick<Procedure, 'fees'>) => procedure.fees.reduce((sum, f) => sum + f.amountYen, 0);

/** Application statuses in which the fee can be paid (not a draft, not withdrawn or rejected). */
export const PAYABLE: readonly ApplicationStatus[] = ['submitted', 'received', 'returned', 'resubmitted', 'approved'];

/** Which status a verified provider status may move a payment from (anything else changes nothing). */
const FROM: Record<PaymentStatus, PaymentStatus[]> = { pending: [], paid: ['pending'], failed: ['pending'], cancelled: ['pending'], refunded: ['paid', 'pending'] };

/**
 * The provider's settings: TSUNAGU_PAYMENT_*, or outside production the demo's test payment
 * service on PORT+6 with keys derived from the data key (the launcher gives it the same).
 */
export function paymentSettingsOf(app: AppContext): PaymentSettings | undefined {
  if (app.config.payment) return app.config.payment;
  if (app.config.production) return undefined;
  const secret = (name: string) => app.sealer.blindIndex(`demo:${name}`, 'procedures.demo-secrets');
  return { url: `http://127.0.0.1:${app.config.port + 6}`, apiKey: secret('payment-api-key'), webhookSecret: secret('payment-webhook-secret') };
}

/** A procedures_payments row as a StoredPayment. */
export function row(r: { lg_code: string; id: string; application_id: string; applicant_account_id: string; amount_yen: number; status: PaymentStatus; provider: string; provider_payment_id: string | null; checkout_url: string | null; failure_code: string | null; created_at: Date; updated_at: Date; paid_at: Date | null; refunded_at: Date | null }): StoredPayment {
  return {
    lgCode: r.lg_code, id: r.id, applicationId: r.application_id, applicantAccountId: r.applicant_account_id, amountYen: r.amount_yen, status: r.status, provider: r.provider,
    providerPaymentId: r.provider_payment_id, checkoutUrl: r.checkout_url, failureCode: r.failure_code, createdAt: r.created_at, updatedAt: r.updated_at, paidAt: r.paid_at, refundedAt: r.refunded_at,
  };
}

export type StartResult = { kind: 'checkout'; payment: StoredPayment; url: string } | { kind: 'settled'; payment: StoredPayment };

export class FeePayments {
  readonly provider: PaymentProvider | undefined;

  constructor(
    private readonly app: AppContext,
    provider?: PaymentProvider,
  ) {
    const settings = paymentSettingsOf(app);
    this.provider = provider ?? (settings ? new TestPayProvider(settings, app.outbound) : undefined);
  }

  private get db(): ProceduresDatabase {
    return proceduresDb(this.app.db);
  }

  /** Every attempt to pay an application's fee, newest first. */
  async ofApplication(lgCode: string, applicationId: string): Promise<StoredPayment[]> {
    if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(applicationId)) return [];
    const rows = await this.db.selectFrom('procedures_payments').selectAll().where('lg_code', '=', lgCode).where('application_id', '=', applicationId).orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(row);
  }

  /** A payment of this person's (any other id is not found). */
  async find(lgCode: string, id: string, ownerAccountId: string): Promise<StoredPayment | undefined> {
    if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(id)) return undefined;
    const found = await this.db.selectFrom('procedures_payments').selectAll().where('lg_code', '=', lgCode).where('id', '=', id).where('applicant_account_id', '=', ownerAccountId).executeTakeFirst();
    return found && row(found);
  }

  private async reload(payment: Pick<StoredPayment, 'lgCode' | 'id'>): Promise<StoredPayment> {
    return row(await this.db.selectFrom('procedures_payments').selectAll().where('lg_code', '=', payment.lgCode).where('id', '=', payment.id).executeTakeFirstOrThrow());
  }

  /**
   * Starts (or resumes) paying an application's fee. The open attempt is found or made in one
   * statement guarded by the partial unique index, and the provider is asked with the attempt's
   * id as its idempotency key: two clicks at once end at the same checkout, charged once.
   */
  async start(application: { lgCode: string; id: string; applicantAccountId: string; receiptNumber: string }, procedure: Pick<Procedure, 'fees' | 'title'>, urls: { returnUrl: (paymentId: string) => string; webhookUrl: string }, meta: Meta): Promise<StartResult> {
    const provider = this.provider;
    if (!provider) throw new Error('No payment provider is configured');
    const amountYen = feeOf(procedure);
    let payment = await this.app.db.transaction().execute(async (trx) => {
      const db = proceduresDb(trx);
      const inserted = await db
        .insertInto('procedures_payments')
        .values({ lg_code: application.lgCode, application_id: application.id, applicant_account_id: application.applicantAccountId, amount_yen: amountYen, provider: provider.name })
        .onConflict((oc) => oc.columns(['lg_code', 'application_id']).where('status', 'in', ['pending', 'paid']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) {
        await appendAudit(trx, { ...meta, action: 'procedures.payment_started', lgCode: application.lgCode, subject: `application:${application.lgCode}/${application.id}`, details: { paymentId: inserted.id, amountYen, provider: provider.name, receiptNumber: application.receiptNumber } });
        return row(inserted);
      }
      return row(await db.selectFrom('procedures_payments').selectAll().where('lg_code', '=', application.lgCode).where('application_id', '=', application.id).where('status', 'in', ['pending', 'paid']).executeTakeFirstOrThrow());
    });
    if (payment.status !== 'pending') return { kind: 'settled', payment };
    if (payment.providerPaymentId) {
      // Resumed: the provider may know more than we do (a webhook that never arrived).
      payment = await this.sync(payment);
      if (payment.status !== 'pending') return { kind: 'settled', payment };
      if (payment.checkoutUrl) {
        // Back at the checkout: the time reconciliation counts from starts again (payment-reconciliation.ts).
        await this.db.updateTable('procedures_payments').set({ updated_at: sql<Date>`now()` }).where('lg_code', '=', payment.lgCode).where('id', '=', payment.id).where('status', '=', 'pending').execute();
        return { kind: 'checkout', payment, url: payment.checkoutUrl };
      }
    }
    const created = await provider.create({ idempotencyKey: payment.id, amountYen: payment.amountYen, reference: application.receiptNumber, description: `${procedure.title.ja} 手数料`.slice(0, 200), returnUrl: urls.returnUrl(payment.id), webhookUrl: urls.webhookUrl });
    if (created.amountYen !== payment.amountYen) throw new Error(`The provider created payment ${created.providerPaymentId} for ${created.amountYen} yen, not ${payment.amountYen}`);
    await this.db.updateTable('procedures_payments').set({ provider_payment_id: created.providerPaymentId, checkout_url: created.checkoutUrl, updated_at: sql<Date>`now()` }).where('lg_code', '=', payment.lgCode).where('id', '=', payment.id).where('provider_payment_id', 'is', null).execute();
    payment = await this.reload(payment);
    return { kind: 'checkout', payment, url: payment.checkoutUrl ?? created.checkoutUrl };
  }

  /** Asks the provider (server to server) and records what it says. */
  async sync(payment: StoredPayment): Promise<StoredPayment> {
    if (!this.provider || !payment.providerPaymentId || (payment.status !== 'pending' && payment.status !== 'paid')) return payment;
    const verified = await this.provider.status(payment.providerPaymentId);
    const changed = await this.app.db.transaction().execute((trx) => this.settle(trx, payment, verified, { actor: actorId(system), ip: null, requestId: null }, 'status-query'));
    const now = await this.reload(payment);
    if (changed) await this.notifyChange(now);
    return now;
  }

  /**
   * A payment pending too long (payment-reconciliation.ts): the provider's status is recorded when
   * it has settled (a webhook that never arrived); one still open at the provider is cancelled
   * there first, so it can no longer be paid, and recorded as cancelled with failure code
   * 'expired'. An attempt the provider never gave a checkout for (the City OS stopped between
   * asking and recording it) cannot have been paid, as nobody saw its checkout: it expires here.
   */
  async reconcile(payment: StoredPayment): Promise<'settled' | 'expired' | 'unchanged'> {
    const meta = { actor: actorId(system), ip: null, requestId: null };
    if (payment.status !== 'pending' || !this.provider) return 'unchanged';
    if (!payment.providerPaymentId) {
      const expired = await this.app.db.transaction().execute(async (trx) => {
        const updated = await proceduresDb(trx).updateTable('procedures_payments').set({ status: 'cancelled', failure_code: 'expired', updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
          .where('lg_code', '=', payment.lgCode).where('id', '=', payment.id).where('status', '=', 'pending').where('provider_payment_id', 'is', null).executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await appendAudit(trx, { ...meta, action: 'procedures.payment_cancelled', lgCode: payment.lgCode, subject: `application:${payment.lgCode}/${payment.applicationId}`, details: { paymentId: payment.id, amountYen: payment.amountYen, provider: payment.provider, providerPaymentId: null, source: 'reconciliation', failureCode: 'expired' } });
        return true;
      });
      if (!expired) return 'unchanged';
      await this.notifyChange(await this.reload(payment));
      return 'expired';
    }
    let verified = await this.provider.status(payment.providerPaymentId);
    let outcome: 'settled' | 'expired' = 'settled';
    if (verified.status === 'pending') {
      verified = await this.provider.cancel(payment.providerPaymentId);
      // Paid at the last moment: the provider says so, and that is recorded instead.
      if (verified.status === 'cancelled') [verified, outcome] = [{ ...verified, failureCode: 'expired' }, 'expired'];
    }
    const changed = await this.app.db.transaction().execute((trx) => this.settle(trx, payment, verified, meta, 'reconciliation'));
    if (!changed) return 'unchanged';
    await this.notifyChange(await this.reload(payment));
    return outcome;
  }

  /**
   * Records a status the provider confirmed. False when it changes nothing (already recorded, or
   * a move the payment cannot make). Refuses a different payment or amount.
   */
  async settle(trx: Database, payment: StoredPayment, verified: ProviderPayment, meta: Meta, source: 'webhook' | 'status-query' | 'refund' | 'reconciliation'): Promise<boolean> {
    if (verified.providerPaymentId !== payment.providerPaymentId || verified.amountYen !== payment.amountYen) throw new Error(`Provider payment ${verified.providerPaymentId} (${verified.amountYen} yen) does not match payment ${payment.id}`);
    const from = FROM[verified.status];
    if (!from.includes(payment.status)) return false;
    const updated = await proceduresDb(trx)
      .updateTable('procedures_payments')
      .set({
        status: verified.status, updated_at: sql<Date>`now()`, version: sql<number>`version + 1`,
        ...(verified.status === 'paid' || (verified.status === 'refunded' && payment.status === 'pending') ? { paid_at: sql<Date>`now()` } : {}),
        ...(verified.status === 'refunded' ? { refunded_at: sql<Date>`now()` } : {}),
        ...(verified.failureCode ? { failure_code: verified.failureCode } : {}),
      })
      .where('lg_code', '=', payment.lgCode).where('id', '=', payment.id).where('status', 'in', from)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await appendAudit(trx, { ...meta, action: `procedures.payment_${verified.status}`, lgCode: payment.lgCode, subject: `application:${payment.lgCode}/${payment.applicationId}`, details: { paymentId: payment.id, amountYen: payment.amountYen, provider: payment.provider, providerPaymentId: payment.providerPaymentId, source, ...(verified.failureCode ? { failureCode: verified.failureCode } : {}) } });
    return true;
  }

  /**
   * A verified webhook: its event id is recorded once (a second delivery or a replay changes
   * nothing) in the same transaction as the change it brings. 'unknown': no such payment here.
   */
  async takeWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, now: Date): Promise<{ result: 'recorded' | 'duplicate' | 'unknown'; payment?: StoredPayment; changed?: boolean }> {
    const provider = this.provider;
    if (!provider) return { result: 'unknown' };
    const event = provider.verifyWebhook(headers, rawBody, now);
    const found = await this.db.selectFrom('procedures_payments').selectAll().where('provider', '=', provider.name).where('provider_payment_id', '=', event.payment.providerPaymentId).executeTakeFirst();
    if (!found) return { result: 'unknown' };
    const payment = row(found);
    const taken = await this.app.db.transaction().execute(async (trx) => {
      const inserted = await proceduresDb(trx).insertInto('procedures_payment_webhooks').values({ provider: provider.name, event_id: event.eventId, event_type: event.type, provider_payment_id: event.payment.providerPaymentId }).onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return { result: 'duplicate' as const, payment };
      const changed = await this.settle(trx, payment, event.payment, { actor: actorId(system), ip: null, requestId: null }, 'webhook');
      return { result: 'recorded' as const, payment, changed };
    });
    if (!taken.changed) return taken;
    const current = await this.reload(payment);
    await this.notifyChange(current);
    return { ...taken, payment: current };
  }

  /** Refunds the paid fee of an application (staff); the decision is audited before the provider is asked. */
  async refund(lgCode: string, applicationId: string, reason: string, meta: Meta): Promise<{ kind: 'refunded'; payment: StoredPayment } | { kind: 'not-paid' }> {
    const paid = (await this.ofApplication(lgCode, applicationId)).find((p) => p.status === 'paid');
    if (!paid || !paid.providerPaymentId || !this.provider) return { kind: 'not-paid' };
    await this.app.db.transaction().execute((trx) => appendAudit(trx, { ...meta, action: 'procedures.payment_refund_requested', lgCode, subject: `application:${lgCode}/${applicationId}`, details: { paymentId: paid.id, amountYen: paid.amountYen, reason } }));
    const verified = await this.provider.refund(paid.providerPaymentId, `refund-${paid.id}`);
    if (verified.status !== 'refunded') throw new Error(`The provider did not refund payment ${paid.id} (status ${verified.status})`);
    const changed = await this.app.db.transaction().execute((trx) => this.settle(trx, paid, verified, meta, 'refund'));
    const now = await this.reload(paid);
    if (changed) await this.notifyChange(now);
    return { kind: 'refunded', payment: now };
  }

  /** Tells the resident that their fee was paid, refunded or left unpaid too long (the other outcomes they saw themselves). */
  private async notifyChange(payment: StoredPayment): Promise<void> {
    const link = `/account/payments/${payment.lgCode}/${payment.id}`;
    const amount = payment.amountYen.toLocaleString('ja-JP');
    if (payment.status === 'paid') await notify(this.app, payment.applicantAccountId, { lgCode: payment.lgCode, title: { ja: '手数料のお支払いを確認しました', en: 'Your fee payment was received' }, body: { ja: `${amount}円。領収書は申請の一覧から表示できます。`, en: `${amount} yen. Your receipt is in your applications.` }, link });
    if (payment.status === 'cancelled' && payment.failureCode === 'expired') await notify(this.app, payment.applicantAccountId, { lgCode: payment.lgCode, title: { ja: '手数料のお支払いの期限が切れました', en: 'Your fee payment expired' }, body: { ja: `${amount}円のお支払いが完了しないまま時間がたったため、取り消しました。お金は引き落とされていません。申請の一覧の「もう一度支払う」から支払えます。`, en: `The ${amount} yen payment was not completed in time, so it was cancelled. Nothing was charged. Pay again from your applications.` }, link });
    if (payment.status === 'refunded') await notify(this.app, payment.applicantAccountId, { lgCode: payment.lgCode, title: { ja: '手数料を返金しました', en: 'Your fee was refunded' }, body: { ja: `${amount}円を返金しました。`, en: `${amount} yen was refunded.` }, link });
  }
}
