// Fee payments for staff (the back office's review pages use paymentStateOf from exports.ts):
//   GET  /api/v1/applications/{lgCode}/{id}/payment          the fee and every attempt to pay it
//   POST /api/v1/applications/{lgCode}/{id}/payment/refund   { "reason" }: refund the paid fee (audited)
// Problems as RFC 9457 problem+json; the tenant in the path and the permission are checked before anything else.
import type { FastifyInstance } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { isUuid } from '../../platform/uuid.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { ProceduresErrors } from '../errors.ts';
import { feeOf, type FeePayments, type StoredPayment } from '../payments/fee-payments.ts';
import { PaymentProviderError } from '../payments/payment-provider.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { mayWriteTenant } from './api-helpers.ts';

export const paymentView = (p: StoredPayment) => ({
  id: p.id, status: p.status, amountYen: p.amountYen, provider: p.provider, providerPaymentId: p.providerPaymentId, failureCode: p.failureCode,
  createdAt: p.createdAt.toISOString(), paidAt: p.paidAt?.toISOString() ?? null, refundedAt: p.refundedAt?.toISOString() ?? null,
});

export async function paymentsApi(app: FastifyInstance, ctx: ProceduresContext, payments: FeePayments): Promise<void> {
  type P = { Params: { lgCode: string; id: string } };
  const applicationOf = async (lgCode: string, id: string) => {
    const found = isUuid(id) ? await ctx.db.selectFrom('procedures_applications').select(['lg_code', 'id', 'procedure_code', 'status', 'receipt_number']).where('lg_code', '=', lgCode).where('id', '=', id).where('practice', '=', false).where('status', '<>', 'draft').executeTakeFirst() : undefined;
    if (!found) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: 'この申請は見つかりません', en: 'This application was not found' } });
    return found;
  };

  app.get<P>('/api/v1/applications/:lgCode/:id/payment', { preValidation: mayWriteTenant(ctx.app, 'procedures.read_payments') }, async (request) => {
    const application = await applicationOf(request.params.lgCode, request.params.id);
    const procedure = await findProcedure(ctx.db, application.lg_code, application.procedure_code);
    const attempts = await payments.ofApplication(application.lg_code, application.id);
    return { applicationId: application.id, receiptNumber: application.receipt_number, feeYen: procedure ? feeOf(procedure) : 0, payments: attempts.map(paymentView) };
  });

  app.post<P & { Body: { reason?: unknown } }>('/api/v1/applications/:lgCode/:id/payment/refund', { preValidation: mayWriteTenant(ctx.app, 'procedures.refund_payments') }, async (request) => {
    const application = await applicationOf(request.params.lgCode, request.params.id);
    const reason = typeof request.body?.reason === 'string' ? request.body.reason.trim() : '';
    if (reason.length < 1 || reason.length > 500) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: '/reason', in: 'body', detail: { ja: '返金の理由を1〜500文字で入力してください', en: 'Give the reason for the refund (1–500 characters)' } }] });
    const refunded = await payments.refund(application.lg_code, application.id, reason, { actor: actorId(request.actor), ip: request.ip, requestId: request.id }).catch((error: unknown) => {
      if (error instanceof PaymentProviderError) {
        request.log.warn({ err: error }, 'the payment provider failed to refund');
        throw new AppError(ProceduresErrors.PAYMENT_UNAVAILABLE);
      }
      throw error;
    });
    if (refunded.kind === 'not-paid') throw new AppError(ProceduresErrors.PAYMENT_NOT_PAID);
    return paymentView(refunded.payment);
  });
}
