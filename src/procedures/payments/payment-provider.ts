// The payment provider behind fee payments (手数料の支払い), as an interface so a municipality's
// contracted provider can replace the test one: create a payment for an amount with a return
// address, learn its result from a signed webhook or a status query, and refund it. The City OS
// trusts only what it verified itself: a webhook whose signature and time check out, or its own
// server-to-server status query; never the browser coming back.
//
// TestPayProvider speaks the test payment service's API (src/demo/payment), through the outbound
// guard like every connection the City OS makes to an address it was configured with.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaymentSettings } from '../../platform/config.ts';
import type { OutboundGuard } from '../../platform/outbound/outbound-guard.ts';
import type { PaymentStatus } from '../db/schema.ts';

export interface ProviderPayment {
  providerPaymentId: string;
  status: PaymentStatus;
  amountYen: number;
  reference: string;
  failureCode?: string;
}

export interface CreatePayment {
  /** The same key gives the same payment at the provider: a retry never makes a second one. */
  idempotencyKey: string;
  amountYen: number;
  reference: string;
  description: string;
  returnUrl: string;
  webhookUrl: string;
}

export interface WebhookEvent {
  eventId: string;
  type: string;
  payment: ProviderPayment;
}

export interface PaymentProvider {
  /** Stored with each payment, and the last part of the webhook address. */
  readonly name: string;
  create(input: CreatePayment): Promise<ProviderPayment & { checkoutUrl: string }>;
  status(providerPaymentId: string): Promise<ProviderPayment>;
  refund(providerPaymentId: string, idempotencyKey: string): Promise<ProviderPayment>;
  /** Closes a pending payment nobody paid; a payment already settled comes back as it is. */
  cancel(providerPaymentId: string): Promise<ProviderPayment>;
  /** The event of a webhook, or throws WebhookRejected (bad signature, stale time, bad body). */
  verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, now: Date): WebhookEvent;
}

/** The provider could not be reached or answered something unexpected (the resident may retry). */
export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
}

/** A webhook that is not the provider's, or is too old to trust. */
export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
}

/** How far a webhook's signed time may be from now: a captured request replayed later is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

const STATUSES: Record<string, PaymentStatus> = { pending: 'pending', succeeded: 'paid', declined: 'failed', cancelled: 'cancelled', refunded: 'refunded' };

function toPayment(body: unknown): ProviderPayment {
  const b = (body ?? {}) as Record<string, unknown>;
  const status = typeof b.status === 'string' ? STATUSES[b.status] : undefined;
  if (typeof b.id !== 'string' || !status || !Number.isInteger(b.amountYen) || typeof b.reference !== 'string') throw new PaymentProviderError('The payment provider answered with an unexpected payment');
  return { providerPaymentId: b.id, status, amountYen: b.amountYen as number, reference: b.reference, ...(typeof b.declineCode === 'string' ? { failureCode: b.declineCode.slice(0, 60) } : {}) };
}

export class TestPayProvider implements PaymentProvider {
  readonly name = 'test-pay';

  constructor(
    private readonly settings: PaymentSettings,
    private readonly outbound: OutboundGuard,
  ) {}

  private async call(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.outbound.fetch(`${this.settings.url}${path}`, {
        method,
        redirect: 'error',
        headers: { authorization: `Bearer ${this.settings.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new PaymentProviderError(`The payment provider could not be reached: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) throw new PaymentProviderError(`The payment provider answered ${response.status} to ${method} ${path}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new PaymentProviderError(`The payment provider answered ${method} ${path} with something other than JSON`);
    }
  }

  async create(input: CreatePayment): Promise<ProviderPayment & { checkoutUrl: string }> {
    const body = (await this.call('POST', '/v1/payments', { amountYen: input.amountYen, reference: input.reference, description: input.description, returnUrl: input.returnUrl, webhookUrl: input.webhookUrl }, input.idempotencyKey)) as Record<string, unknown>;
    const checkoutUrl = body.checkoutUrl;
    if (typeof checkoutUrl !== 'string' || !/^https?:\/\//.test(checkoutUrl)) throw new PaymentProviderError('The payment provider gave no checkout address');
    return { ...toPayment(body), checkoutUrl };
  }

  async status(providerPaymentId: string): Promise<ProviderPayment> {
    return toPayment(await this.call('GET', `/v1/payments/${encodeURIComponent(providerPaymentId)}`));
  }

  async refund(providerPaymentId: string, idempotencyKey: string): Promise<ProviderPayment> {
    return toPayment(await this.call('POST', `/v1/payments/${encodeURIComponent(providerPaymentId)}/refunds`, {}, idempotencyKey));
  }

  async cancel(providerPaymentId: string): Promise<ProviderPayment> {
    return toPayment(await this.call('POST', `/v1/payments/${encodeURIComponent(providerPaymentId)}/cancel`, {}));
  }

  verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Buffer, now: Date): WebhookEvent {
    const header = headers['testpay-signature'];
    const parsed = typeof header === 'string' ? /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header) : null;
    if (!parsed) throw new WebhookRejected('The TestPay-Signature header is missing or malformed');
    const time = Number(parsed[1]);
    if (Math.abs(now.getTime() / 1000 - time) > WEBHOOK_TOLERANCE_SECONDS) throw new WebhookRejected(`The signature's time is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds from now`);
    const expected = createHmac('sha256', this.settings.webhookSecret).update(`${time}.`).update(rawBody).digest();
    if (!timingSafeEqual(expected, Buffer.from(parsed[2]!, 'hex'))) throw new WebhookRejected('The signature does not match');
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookRejected('The body is not JSON');
    }
    if (typeof event.id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(event.id) || typeof event.type !== 'string') throw new WebhookRejected('The event has no id or type');
    try {
      return { eventId: event.id, type: event.type.slice(0, 60), payment: toPayment(event.data) };
    } catch {
      throw new WebhookRejected('The event carries no payment');
    }
  }
}
