// テスト決済サービス (Test payment service): a stand-in for a real payment provider, so fees can
// be paid end to end with no real money. It speaks the contract the City OS's payment client
// expects (docs/procedures.md, "Paying fees"):
//   POST /v1/payments               create a payment (Idempotency-Key; the same key gives the same payment)
//   GET  /v1/payments/{id}          its status, for the City OS's server-to-server check
//   POST /v1/payments/{id}/refunds  refund a succeeded payment (idempotent)
//   POST /v1/payments/{id}/cancel   cancel a pending payment nobody paid (its checkout closes);
//                                   one already settled is answered as it is, unchanged
//   GET|POST /checkout/{id}         the tester's checkout page: pay with a test card, or cancel
// and, on every change, a webhook to the payment's webhookUrl signed with HMAC-SHA256 over
// "<unix time>.<body>" (header TestPay-Signature: t=…,v1=…). The API trusts one caller by a bearer
// key. Payments live in memory: a restart forgets them, as befits a test service.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { FONT_STYLESHEET, fontRoutes } from '../../platform/ui/assets-routes.ts';

export interface TestPayOptions {
  apiKey: string;
  webhookSecret: string;
  /** The address browsers reach the checkout page at, e.g. http://localhost:3006. */
  publicUrl: string;
  /** One line per event; the default prints to stdout. */
  log?: (line: string) => void;
}

export type TestPayStatus = 'pending' | 'succeeded' | 'declined' | 'cancelled' | 'refunded';

interface Payment {
  id: string;
  status: TestPayStatus;
  amountYen: number;
  reference: string;
  description: string;
  returnUrl: string;
  webhookUrl: string;
  createdAt: string;
  declineCode?: string;
  idempotencyKey: string;
  request: string;
}

/** The test cards: one that pays and one that is declined (the well-known 4242… pattern). */
export const TEST_CARDS = { success: '4242424242424242', decline: '4000000000000002' } as const;

export const SIGNATURE_HEADER = 'testpay-signature';

export function signWebhook(secret: string, body: string, unixTime: number): string {
  return `t=${unixTime},v1=${createHmac('sha256', secret).update(`${unixTime}.${body}`).digest('hex')}`;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const yen = (amount: number) => `${amount.toLocaleString('ja-JP')}円`;
const view = (p: Payment) => ({ id: p.id, status: p.status, amountYen: p.amountYen, currency: 'JPY', reference: p.reference, description: p.description, createdAt: p.createdAt, ...(p.declineCode ? { declineCode: p.declineCode } : {}) });

function problem(reply: FastifyReply, status: number, detail: string): FastifyReply {
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title: detail, status, detail });
}

export function buildTestPayApp(options: TestPayOptions): FastifyInstance {
  const log = options.log ?? ((line: string) => console.log(line));
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.register(formbody);
  // Japanese text needs a Japanese font even on a machine without one (and without internet).
  fontRoutes(app);
  const payments = new Map<string, Payment>();
  const byKey = new Map<string, Payment>();
  const refundKeys = new Set<string>();
  const keyHash = createHash('sha256').update(options.apiKey).digest();

  const authorised = (header: string | undefined) => {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
    return timingSafeEqual(createHash('sha256').update(token).digest(), keyHash);
  };

  const sendWebhook = async (payment: Payment, type: string) => {
    const body = JSON.stringify({ id: `evt_${randomBytes(12).toString('hex')}`, type, created: Math.floor(Date.now() / 1000), data: view(payment) });
    try {
      const response = await fetch(payment.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(options.webhookSecret, body, Math.floor(Date.now() / 1000)) }, body, signal: AbortSignal.timeout(5000) });
      log(`webhook ${type} ${payment.id} → ${response.status}`);
    } catch (error) {
      // The City OS also asks for the status when the browser comes back, so a lost webhook costs nothing.
      log(`webhook ${type} ${payment.id} failed: ${(error as Error).message}`);
    }
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/') && !authorised(request.headers.authorization)) return problem(reply, 401, 'A valid API key is required (Authorization: Bearer …)');
  });

  app.post('/v1/payments', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{8,100}$/.test(key)) return problem(reply, 400, 'Idempotency-Key (8–100 letters, digits, - or _) is required');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { amountYen, reference, description, returnUrl, webhookUrl } = body;
    if (!Number.isInteger(amountYen) || (amountYen as number) < 1 || (amountYen as number) > 10_000_000) return problem(reply, 400, 'amountYen must be a whole number of yen from 1 to 10,000,000');
    if (typeof reference !== 'string' || reference.length < 1 || reference.length > 100) return problem(reply, 400, 'reference must be 1–100 characters');
    if (typeof description !== 'string' || description.length > 200) return problem(reply, 400, 'description must be at most 200 characters');
    for (const [name, url] of [['returnUrl', returnUrl], ['webhookUrl', webhookUrl]] as const) {
      if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !URL.canParse(url)) return problem(reply, 400, `${name} must be an http(s) URL`);
    }
    const fingerprint = JSON.stringify([amountYen, reference, description, returnUrl, webhookUrl]);
    const earlier = byKey.get(key);
    if (earlier) {
      if (earlier.request !== fingerprint) return problem(reply, 409, 'This Idempotency-Key was used for a different payment');
      return reply.code(200).send({ ...view(earlier), checkoutUrl: `${options.publicUrl}/checkout/${earlier.id}` });
    }
    const payment: Payment = {
      id: `tp_${randomBytes(12).toString('hex')}`, status: 'pending', amountYen: amountYen as number, reference, description: description as string, returnUrl: returnUrl as string, webhookUrl: webhookUrl as string,
      createdAt: new Date().toISOString(), idempotencyKey: key, request: fingerprint,
    };
    payments.set(payment.id, payment);
    byKey.set(key, payment);
    log(`payment ${payment.id} created: ${yen(payment.amountYen)} for ${reference}`);
    return reply.code(201).send({ ...view(payment), checkoutUrl: `${options.publicUrl}/checkout/${payment.id}` });
  });

  app.get<{ Params: { id: string } }>('/v1/payments/:id', async (request, reply) => {
    const payment = payments.get(request.params.id);
    return payment ? view(payment) : problem(reply, 404, 'No such payment');
  });

  app.post<{ Params: { id: string } }>('/v1/payments/:id/refunds', async (request, reply) => {
    const payment = payments.get(request.params.id);
    if (!payment) return problem(reply, 404, 'No such payment');
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{8,100}$/.test(key)) return problem(reply, 400, 'Idempotency-Key (8–100 letters, digits, - or _) is required');
    if (payment.status === 'refunded' && refundKeys.has(key)) return view(payment);
    if (payment.status !== 'succeeded') return problem(reply, 409, `A ${payment.status} payment cannot be refunded`);
    payment.status = 'refunded';
    refundKeys.add(key);
    log(`payment ${payment.id} refunded`);
    await sendWebhook(payment, 'payment.refunded');
    return view(payment);
  });

  app.post<{ Params: { id: string } }>('/v1/payments/:id/cancel', async (request, reply) => {
    const payment = payments.get(request.params.id);
    if (!payment) return problem(reply, 404, 'No such payment');
    // Only a pending payment can be cancelled; a paid one stays paid (the caller learns it here).
    if (payment.status !== 'pending') return view(payment);
    payment.status = 'cancelled';
    log(`payment ${payment.id} cancelled by the merchant`);
    await sendWebhook(payment, 'payment.cancelled');
    return view(payment);
  });

  const page = (reply: FastifyReply, status: number, title: string, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} - テスト決済サービス</title>
<link rel="stylesheet" href="${FONT_STYLESHEET}">
<style>body{font-family:'Noto Sans JP',system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1a1a1c}
.banner{background:#fff3c4;border:3px solid #b78f00;padding:.75rem 1rem;font-weight:bold}
.amount{font-size:2rem;font-weight:bold}label{display:block;font-weight:bold;margin-top:1rem}
input{font-size:1.2rem;padding:.4rem;width:100%;box-sizing:border-box;border:2px solid #1a1a1c}
button,input{font-family:inherit}
button{font-size:1.1rem;padding:.6rem 1.2rem;margin:1rem .5rem 0 0;border:2px solid #1a1a1c;cursor:pointer}
.pay{background:#00703c;color:#fff;border-color:#00703c}.error{color:#b00;font-weight:bold}
button:focus,input:focus{outline:3px solid #ffbf47;outline-offset:0}code{font-size:1.05rem}</style></head>
<body><main><p class="banner" role="note">テスト決済サービスです。本物のお金は動きません。<br><span lang="en">Test payment service — no real money is charged.</span></p>
<h1>${escape(title)}</h1>${body}</main></body></html>`);

  const checkoutForm = (p: Payment, error?: string, card = '') => `
<p>お支払い先: つなぐ（福島県共通ポータル）<br>内容: ${escape(p.description)}<br>管理番号: <code>${escape(p.reference)}</code></p>
<p class="amount">${yen(p.amountYen)}</p>
<form method="post" action="/checkout/${p.id}" novalidate>
${error ? `<p class="error" id="card-error" role="alert">${escape(error)}</p>` : ''}
<label for="card">テスト用カード番号 <span lang="en">(test card number)</span></label>
<p id="card-hint">成功: <code>4242 4242 4242 4242</code>／支払いを断られる: <code>4000 0000 0000 0002</code></p>
<input id="card" name="card" inputmode="numeric" autocomplete="off" value="${escape(card)}" aria-describedby="card-hint${error ? ' card-error' : ''}"${error ? ' aria-invalid="true"' : ''}>
<button class="pay" name="action" value="pay">${yen(p.amountYen)}を支払う（テスト）</button>
<button name="action" value="cancel">支払いをやめて戻る</button>
</form>`;

  app.get<{ Params: { id: string } }>('/checkout/:id', async (request, reply) => {
    const payment = payments.get(request.params.id);
    if (!payment) return page(reply, 404, 'お支払いが見つかりません', '<p>このお支払いはありません。申請したサイトに戻ってやり直してください。</p>');
    if (payment.status !== 'pending') return page(reply, 409, 'このお支払いは終わっています', `<p>状態: ${payment.status}</p><p><a href="${escape(payment.returnUrl)}">申請したサイトに戻る</a></p>`);
    return page(reply, 200, 'お支払い（テスト）', checkoutForm(payment));
  });

  app.post<{ Params: { id: string } }>('/checkout/:id', async (request, reply) => {
    const payment = payments.get(request.params.id);
    if (!payment) return page(reply, 404, 'お支払いが見つかりません', '<p>このお支払いはありません。</p>');
    if (payment.status !== 'pending') return reply.redirect(payment.returnUrl, 303);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.action === 'cancel') {
      payment.status = 'cancelled';
      log(`payment ${payment.id} cancelled by the tester`);
      await sendWebhook(payment, 'payment.cancelled');
      return reply.redirect(payment.returnUrl, 303);
    }
    const card = String(body.card ?? '').replace(/[\s-]/g, '');
    if (card !== TEST_CARDS.success && card !== TEST_CARDS.decline) return page(reply, 422, 'お支払い（テスト）', checkoutForm(payment, 'テスト用のカード番号（4242 4242 4242 4242 または 4000 0000 0000 0002）を入力してください', String(body.card ?? '').slice(0, 30)));
    if (card === TEST_CARDS.success) payment.status = 'succeeded';
    else Object.assign(payment, { status: 'declined', declineCode: 'card_declined' });
    log(`payment ${payment.id} ${payment.status}`);
    await sendWebhook(payment, payment.status === 'succeeded' ? 'payment.succeeded' : 'payment.declined');
    return reply.redirect(payment.returnUrl, 303);
  });

  app.get('/', async (_request, reply) => page(reply, 200, 'テスト決済サービス', '<p>つなぐの手数料の支払いを試すためのサービスです。申請の画面から「手数料を支払う」を選ぶと、ここに来ます。</p>'));
  return app;
}
