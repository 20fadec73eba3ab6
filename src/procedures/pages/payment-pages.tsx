// Paying a fee (手数料の支払い, My page, 003B P6), signed in as the applicant:
//   POST /account/applications/{lgCode}/{id}/pay     start or resume paying: to the provider's checkout
//   GET  /payments/{lgCode}/{paymentId}/return        where the provider sends the browser back: the
//                                                     result is asked of the provider, server to server
//   GET  /account/payments/{lgCode}/{paymentId}       the result (paid, declined, cancelled, pending, refunded)
//   GET  /account/payments/{lgCode}/{paymentId}/receipt  the receipt (領収書), printable
// and, for the provider only, POST /payments/webhooks/{provider}: a webhook, taken only with a
// valid signature and a fresh time (payments/payment-provider.ts). The browser coming back proves
// nothing: the status shown is always one the City OS verified.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag, type TagTone } from '../../platform/ui/components/tag/tag.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { ApplicationStore, type StoredApplication } from '../applications/application-store.ts';
import { findProcedure, type Procedure } from '../catalog/catalog-store.ts';
import type { PaymentStatus } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { feeOf, FeePayments, PAYABLE, type StoredPayment } from '../payments/fee-payments.ts';
import { PaymentProviderError, WebhookRejected } from '../payments/payment-provider.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { applicantOf, requireResident } from './application-pages.tsx';

const TONE: Record<PaymentStatus, TagTone> = { pending: 'warning', paid: 'success', failed: 'error', cancelled: 'neutral', refunded: 'info' };
const yen = (request: FastifyRequest, amount: number) => request.t('procedures.payment.yen', { amount: amount.toLocaleString(request.locale === 'ja' ? 'ja-JP' : 'en-GB') });

/** An application's fee and where its payment stands, for the confirmation page and My page. */
export interface FeeState {
  feeYen: number;
  /** The latest attempt, if any. */
  payment: StoredPayment | undefined;
  payable: boolean;
}

export async function feeStatesOf(ctx: ProceduresContext, payments: FeePayments, applications: StoredApplication[]): Promise<Map<string, FeeState>> {
  const states = new Map<string, FeeState>();
  for (const a of applications) {
    const procedure = await findProcedure(ctx.db, a.lgCode, a.procedureCode);
    const feeYen = procedure ? feeOf(procedure) : 0;
    if (feeYen === 0 || a.practice) continue;
    const payment = (await payments.ofApplication(a.lgCode, a.id))[0];
    states.set(a.id, { feeYen, payment, payable: !!payments.provider && PAYABLE.includes(a.status) });
  }
  return states;
}

/** The fee of one application: its status, the receipt when paid, or 「手数料を支払う」. */
export function FeeAction(props: { request: FastifyRequest; csrf: string; application: Pick<StoredApplication, 'lgCode' | 'id'>; state: FeeState; inFeeColumn?: boolean }) {
  const { request, csrf, application, state } = props;
  const { payment } = state;
  const canPay = state.payable && (!payment || payment.status === 'pending' || payment.status === 'failed' || payment.status === 'cancelled');
  return (
    <span class="fee-action">
      {!props.inFeeColumn && `${request.t('procedures.payment.fee')} `}{yen(request, payment?.amountYen ?? state.feeYen)}{' '}
      {payment && <Tag tone={TONE[payment.status]}>{request.t(`procedures.payment.status.${payment.status}`)}</Tag>}
      {payment && (payment.status === 'paid' || payment.status === 'refunded') && <> <a href={`/account/payments/${payment.lgCode}/${payment.id}/receipt`}>{request.t('procedures.payment.receiptLink')}</a></>}
      {canPay && (
        <form method="post" action={`/account/applications/${application.lgCode}/${application.id}/pay`} class="inline-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <Button>{payment?.status === 'pending' ? request.t('procedures.payment.continue') : request.t('procedures.payment.pay')}</Button>
        </form>
      )}
    </span>
  );
}

export async function paymentPages(app: FastifyInstance, ctx: ProceduresContext, payments: FeePayments): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);
  const base = ctx.app.config.publicUrl;

  // The provider's trouble is the operator's to read in the log; the resident gets a 503 to retry.
  const unavailable = (request: FastifyRequest) => (error: unknown): never => {
    if (error instanceof PaymentProviderError) {
      request.log.warn({ err: error }, 'the payment provider failed');
      throw new AppError(ProceduresErrors.PAYMENT_UNAVAILABLE);
    }
    throw error;
  };

  app.post<{ Params: { lgCode: string; id: string } }>('/account/applications/:lgCode/:id/pay', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const owner = applicantOf(account).accountId;
    const application = await store.findApplication(ctx.db, request.params.lgCode, request.params.id, owner);
    if (!application || application.practice || !application.receiptNumber) throw new AppError(PlatformErrors.NOT_FOUND);
    const procedure = await findProcedure(ctx.db, application.lgCode, application.procedureCode);
    if (!procedure || feeOf(procedure) === 0) throw new AppError(ProceduresErrors.NO_FEE);
    if (!PAYABLE.includes(application.status)) throw new AppError(ProceduresErrors.NOT_PAYABLE);
    if (!payments.provider) throw new AppError(ProceduresErrors.PAYMENT_UNAVAILABLE);
    const started = await payments
      .start({ lgCode: application.lgCode, id: application.id, applicantAccountId: owner, receiptNumber: application.receiptNumber }, procedure, {
        returnUrl: (paymentId) => `${base}/payments/${application.lgCode}/${paymentId}/return`,
        webhookUrl: `${base}/payments/webhooks/${payments.provider.name}`,
      }, { actor: actorId(request.actor), ip: request.ip, requestId: request.id })
      .catch(unavailable(request));
    return reply.redirect(`/account/payments/${started.payment.lgCode}/${started.payment.id}${started.kind === 'checkout' ? '/checkout' : ''}`, 303);
  });

  const loadPayment = async (request: FastifyRequest<{ Params: { lgCode: string; paymentId: string } }>, reply: FastifyReply) => {
    const account = requireResident(request, reply);
    if (!account) return undefined;
    const owner = applicantOf(account).accountId;
    const payment = await payments.find(request.params.lgCode, request.params.paymentId, owner);
    const application = payment && (await store.findApplication(ctx.db, payment.lgCode, payment.applicationId, owner));
    const procedure = application && (await findProcedure(ctx.db, application.lgCode, application.procedureCode));
    if (!payment || !application || !procedure) throw new AppError(PlatformErrors.NOT_FOUND);
    return { payment, application, procedure };
  };

  // Leaving for the provider's checkout is a link the resident follows, not a redirect: the
  // page's form-action 'self' would stop a form post from leading to another site, and the
  // resident should know they are going to the payment service.
  app.get<{ Params: { lgCode: string; paymentId: string } }>('/account/payments/:lgCode/:paymentId/checkout', async (request, reply) => {
    const loaded = await loadPayment(request, reply);
    if (!loaded) return reply;
    const { payment, procedure } = loaded;
    if (payment.status !== 'pending' || !payment.checkoutUrl) return reply.redirect(`/account/payments/${payment.lgCode}/${payment.id}`, 303);
    const t = request.t;
    const title = t('procedures.payment.checkout.title');
    return sendPage(reply, { title, backLink: { href: '/account/applications' } }, (
      <>
        <h1>{title}</h1>
        <p class="receipt-amount">{procedure.title[request.locale]} {t('procedures.payment.fee')} <strong>{yen(request, payment.amountYen)}</strong></p>
        <p>{t('procedures.payment.checkout.body', { provider: t(`procedures.payment.provider.${payment.provider}`) })}</p>
        <p><Button href={payment.checkoutUrl}>{t('procedures.payment.checkout.go')}</Button></p>
        <p>{t('procedures.payment.checkout.after')}</p>
      </>
    ));
  });

  // The browser back from the provider: ask the provider, then show what it said.
  app.get<{ Params: { lgCode: string; paymentId: string } }>('/payments/:lgCode/:paymentId/return', async (request, reply) => {
    const loaded = await loadPayment(request, reply);
    if (!loaded) return reply;
    await payments.sync(loaded.payment).catch((error: unknown) => request.log.warn({ err: error, paymentId: loaded.payment.id }, 'the payment status could not be checked with the provider'));
    return reply.redirect(`/account/payments/${loaded.payment.lgCode}/${loaded.payment.id}`, 303);
  });

  app.get<{ Params: { lgCode: string; paymentId: string } }>('/account/payments/:lgCode/:paymentId', async (request, reply) => {
    const loaded = await loadPayment(request, reply);
    if (!loaded) return reply;
    let { payment } = loaded;
    const { application, procedure } = loaded;
    // Still pending: perhaps the webhook is late; the provider knows.
    if (payment.status === 'pending') payment = await payments.sync(payment).catch(() => payment);
    const t = request.t;
    const title = t(`procedures.payment.resultTitle.${payment.status}`);
    const csrf = pageCsrfToken(reply);
    const payAgain = PAYABLE.includes(application.status) && (payment.status === 'failed' || payment.status === 'cancelled' || payment.status === 'pending');
    return sendPage(reply, { title, backLink: { href: '/account/applications' } }, (
      <>
        {payment.status === 'paid' ? <Panel title={title}>{yen(request, payment.amountYen)}</Panel> : <h1>{title}</h1>}
        <p>{t(`procedures.payment.resultBody.${payment.status}`)}</p>
        <PaymentSummary request={request} payment={payment} application={application} procedure={procedure} />
        {payAgain && (
          <form method="post" action={`/account/applications/${application.lgCode}/${application.id}/pay`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <Button>{payment.status === 'pending' ? t('procedures.payment.continue') : t('procedures.payment.payAgain')}</Button>
          </form>
        )}
        {(payment.status === 'paid' || payment.status === 'refunded') && <p><a href={`/account/payments/${payment.lgCode}/${payment.id}/receipt`}>{t('procedures.payment.receiptLink')}</a></p>}
        <p><a href="/account/applications">{t('procedures.payment.toApplications')}</a></p>
      </>
    ));
  });

  // The receipt (領収書): what was paid, for what, when; says so when refunded since.
  app.get<{ Params: { lgCode: string; paymentId: string } }>('/account/payments/:lgCode/:paymentId/receipt', async (request, reply) => {
    const loaded = await loadPayment(request, reply);
    if (!loaded) return reply;
    const { payment, application, procedure } = loaded;
    if (payment.status !== 'paid' && payment.status !== 'refunded') throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: 'この支払いは完了していないため、領収書はありません', en: 'This payment is not complete, so there is no receipt' } });
    const t = request.t;
    const title = t('procedures.payment.receipt.title');
    const tenant = await ctx.app.tenants.get(payment.lgCode);
    return sendPage(reply, { title, backLink: { href: `/account/payments/${payment.lgCode}/${payment.id}` } }, (
      <>
        <h1>{title}</h1>
        {payment.status === 'refunded' && <WarningText>{t('procedures.payment.receipt.refunded', { date: formatDate(request, payment.refundedAt) })}</WarningText>}
        <p class="receipt-amount">{t('procedures.payment.receipt.amount')} <strong>{yen(request, payment.amountYen)}</strong></p>
        <p>{t('procedures.payment.receipt.for', { procedure: procedure.title[request.locale] })}</p>
        <PaymentSummary request={request} payment={payment} application={application} procedure={procedure} />
        <p>{t('procedures.payment.receipt.issuer', { tenant: tenant?.name[request.locale] ?? payment.lgCode })}</p>
        <p class="no-print">{t('procedures.payment.receipt.print')}</p>
      </>
    ));
  });

  // Webhooks: the raw bytes are needed for the signature, so this scope keeps JSON unparsed.
  await app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));
    scoped.post<{ Params: { provider: string } }>('/payments/webhooks/:provider', async (request, reply) => {
      if (!payments.provider || request.params.provider !== payments.provider.name) throw new AppError(PlatformErrors.NOT_FOUND);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      try {
        const taken = await payments.takeWebhook(request.headers, body, new Date());
        if (taken.result === 'unknown') throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: 'この支払いは登録されていません', en: 'No such payment is registered' } });
        return reply.send({ received: true, duplicate: taken.result === 'duplicate' });
      } catch (error) {
        if (error instanceof WebhookRejected) {
          request.log.warn({ reason: error.message }, 'a payment webhook was refused');
          throw new AppError(ProceduresErrors.WEBHOOK_REJECTED, { detail: { ja: '署名または時刻を確認できません', en: error.message } });
        }
        throw error;
      }
    });
  });
}

const formatDate = (request: FastifyRequest, date: Date | null) => (date ? formatDateTime(date, request.locale) : '');

function PaymentSummary(props: { request: FastifyRequest; payment: StoredPayment; application: StoredApplication; procedure: Procedure }) {
  const { request, payment, application, procedure } = props;
  const t = request.t;
  return (
    <SummaryList
      rows={[
        { key: t('procedures.payment.row.procedure'), value: procedure.title[request.locale] },
        { key: t('procedures.payment.row.receiptNumber'), value: application.receiptNumber ?? '' },
        { key: t('procedures.payment.row.amount'), value: yen(request, payment.amountYen) },
        { key: t('procedures.payment.row.status'), value: <Tag tone={TONE[payment.status]}>{t(`procedures.payment.status.${payment.status}`)}</Tag> },
        ...(payment.paidAt ? [{ key: t('procedures.payment.row.paidAt'), value: formatDate(request, payment.paidAt) }] : []),
        ...(payment.refundedAt ? [{ key: t('procedures.payment.row.refundedAt'), value: formatDate(request, payment.refundedAt) }] : []),
        { key: t('procedures.payment.row.method'), value: t(`procedures.payment.provider.${payment.provider}`) },
        { key: t('procedures.payment.row.paymentId'), value: <code>{payment.id}</code> },
      ]}
    />
  );
}
