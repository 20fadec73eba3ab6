// Paying a fee (手数料) against the real server and the real test payment service process: a
// resident applies for 住民票の写し (300 yen) in 会津若松市, pays with the test card and gets a
// receipt; a declined card and a cancel change nothing and allow a new attempt; the browser
// coming back proves nothing by itself; webhooks are taken only signed, fresh and once; two
// clicks at once charge once; staff refund through the API (audited), within their tenant only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { spawnDemoProcess, type DemoProcess } from '../../demo/spawn-demo-process.ts';
import { signWebhook } from '../../demo/payment/test-pay-app.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { proceduresDb } from '../db/schema.ts';
import { paymentStateOf } from '../exports.ts';
import { mainText, signedInResident } from './procedures-helpers.ts';

const ANSWERS: Record<string, string | string[]> = {
  fullName: '会津 花子', fullNameKana: 'あいづ はなこ',
  'birthDate-year': '平成2', 'birthDate-month': '4', 'birthDate-day': '1',
  'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46',
  phone: '0242-39-1111', email: 'hanako@example.jp', contents: 'household', purpose: 'work', declaration: 'yes',
};
const KEYS = { apiKey: randomBytes(16).toString('hex'), webhookSecret: randomBytes(24).toString('hex') };

describe('fee payments', () => {
  let app: TestApp;
  let base: string;
  let provider: DemoProcess;

  const person = (email: string) => signedInResident(app, base, email);
  type Person = Awaited<ReturnType<typeof person>>;

  /** Applies for 住民票の写し and returns the application (lgCode, id) and its done page. */
  const apply = async (who: Person) => {
    const started = await who.submitOn('/applications/new?procedure=072028/juminhyo-utsushi', '/applications/new', { procedure: '072028/juminhyo-utsushi' });
    const bulkId = /^\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
    await who.submitOn(`/applications/${bulkId}/prefill`, `/applications/${bulkId}/prefill`, { prefill: 'no' });
    let at = (await who.get(`/applications/${bulkId}`)).location!;
    for (let i = 0; i < 20 && !at.endsWith('/review'); i++) {
      const posted = await who.submitOn(at, at, ANSWERS);
      assert.equal(posted.status, 303, `${at}: ${mainText(posted.text).slice(0, 300)}`);
      at = posted.location!;
    }
    const review = await who.get(at);
    const submitted = await who.post(`/applications/${bulkId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
    assert.equal(submitted.status, 303);
    const done = await who.get(submitted.location!);
    const application = await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(['lg_code', 'id', 'receipt_number']).where('bulk_id', '=', bulkId).executeTakeFirstOrThrow();
    return { lgCode: application.lg_code, id: application.id, receiptNumber: application.receipt_number!, done };
  };
  /** Presses 「手数料を支払う」; `location` is the provider's checkout (from the page that leads there) or the City OS page it led to. */
  const pay = async (who: Person, application: { lgCode: string; id: string }) => {
    const csrf = hiddenField((await who.get('/account/applications')).text, '_csrf');
    const pressed = await who.post(`/account/applications/${application.lgCode}/${application.id}/pay`, csrf, {});
    if (pressed.status !== 303 || !pressed.location!.endsWith('/checkout')) return pressed;
    const leaving = await who.get(pressed.location!);
    assert.match(mainText(leaving.text), /決済サービスでお支払いください/);
    return { ...pressed, location: /<a href="([^"]+)" class="button"/.exec(leaving.text)![1]!.replaceAll('&amp;', '&') };
  };
  /** The tester's choice on the checkout page; returns the City OS page the browser ends on. */
  const checkout = async (who: Person, checkoutUrl: string, form: Record<string, string>) => {
    const shown = await fetch(checkoutUrl);
    assert.match(await shown.text(), /テスト決済サービスです。本物のお金は動きません/);
    const chosen = await fetch(checkoutUrl, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    assert.equal(chosen.status, 303, await chosen.text());
    const back = await who.get(new URL(chosen.headers.get('location')!).pathname);
    assert.equal(back.status, 303);
    return who.get(back.location!);
  };
  const paymentsOf = (applicationId: string) => proceduresDb(app.ctx.db).selectFrom('procedures_payments').selectAll().where('application_id', '=', applicationId).orderBy('created_at').execute();
  const auditCount = async (action: string, subject: string) => Number((await app.ctx.db.selectFrom('platform_audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', action).where('subject', '=', subject).executeTakeFirstOrThrow()).n);
  const webhook = (body: string, signature: string) => fetch(`${base}/payments/webhooks/test-pay`, { method: 'POST', headers: { 'content-type': 'application/json', 'testpay-signature': signature }, body });
  const staffToken = async (role: string, lgCode: string) => {
    const issued = await issueApiToken(app.ctx.db, { name: `${role} ${lgCode}`, createdBy: 'system' });
    await grantRole(app.ctx, system, { principalId: issued.principalId, role, scope: { level: 'municipality', prefectureCode: '070009', lgCode } }, { ip: null, requestId: null });
    return issued.token;
  };
  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    const providerPort = await freePort(5560, 5580);
    provider = await spawnDemoProcess({ entry: 'payment', args: ['--host', '127.0.0.1', '--port', String(providerPort)], env: { TESTPAY_API_KEY: KEYS.apiKey, TESTPAY_WEBHOOK_SECRET: KEYS.webhookSecret } });
    ({ app, base } = await createListeningTestApp([5500, 5520], { payment: { url: provider.url, ...KEYS } }));
  });
  after(async () => {
    await app?.close();
    await provider?.stop();
  });

  it('pays the fee with the test card: the result page, the receipt (領収書), My page and a notification', async () => {
    const hanako = await person('pay-success@example.jp');
    const application = await apply(hanako);
    assert.match(mainText(application.done.text), /手数料 300円/);
    assert.match(application.done.text, /手数料を支払う/);

    const started = await pay(hanako, application);
    assert.equal(started.status, 303);
    assert.match(started.location!, new RegExp(`^${provider.url}/checkout/tp_`));
    assert.equal((await paymentsOf(application.id))[0]!.status, 'pending');

    const result = await checkout(hanako, started.location!, { action: 'pay', card: '4242 4242 4242 4242' });
    assert.equal(result.status, 200);
    assert.match(mainText(result.text), /お支払いが完了しました/);
    assert.match(mainText(result.text), /300円/);
    const [payment] = await paymentsOf(application.id);
    assert.equal(payment!.status, 'paid');
    assert.equal(payment!.amount_yen, 300);
    assert.equal(await auditCount('procedures.payment_paid', `application:072028/${application.id}`), 1, 'the webhook and the status query record it once');

    const receipt = await hanako.get(`/account/payments/072028/${payment!.id}/receipt`);
    assert.equal(receipt.status, 200);
    assert.match(mainText(receipt.text), /領収書/);
    assert.match(mainText(receipt.text), /住民票の写しの交付請求の手数料として/);
    assert.match(mainText(receipt.text), new RegExp(application.receiptNumber));
    const mine = mainText((await hanako.get('/account/applications')).text);
    assert.match(mine, /300円 支払い済み 領収書を表示/);
    const notes = await app.ctx.db.selectFrom('portal_notifications' as never).selectAll().where('account_id' as never, '=', hanako.accountId as never).execute();
    assert.ok((notes as Array<{ title_ja: string }>).some((n) => n.title_ja === '手数料のお支払いを確認しました'), 'the resident is notified');
    assert.deepEqual(await paymentStateOf(app.ctx, '072028', application.id).then((s) => s && { status: s.status, feeYen: s.feeYen }), { status: 'paid', feeYen: 300 });

    // Paying again leads to the result, not to a second charge.
    const again = await pay(hanako, application);
    assert.equal(again.location, `/account/payments/072028/${payment!.id}`);
    assert.equal((await paymentsOf(application.id)).length, 1);

    // Someone else sees none of it.
    const stranger = await person('pay-stranger@example.jp');
    assert.equal((await stranger.get(`/account/payments/072028/${payment!.id}`)).status, 404);
    assert.equal((await stranger.get(`/account/payments/072028/${payment!.id}/receipt`)).status, 404);
    assert.equal((await pay(stranger, application)).status, 404);
  });

  it('a declined card and a cancel charge nothing, say so, and allow a new attempt', async () => {
    const taro = await person('pay-decline@example.jp');
    const application = await apply(taro);
    const declined = await checkout(taro, (await pay(taro, application)).location!, { action: 'pay', card: '4000000000000002' });
    assert.match(mainText(declined.text), /お支払いができませんでした/);
    assert.match(mainText(declined.text), /料金はかかっていません/);
    assert.deepEqual((await paymentsOf(application.id)).map((p) => [p.status, p.failure_code]), [['failed', 'card_declined']]);

    const cancelled = await checkout(taro, (await pay(taro, application)).location!, { action: 'cancel' });
    assert.match(mainText(cancelled.text), /お支払いを取り消しました/);
    assert.deepEqual((await paymentsOf(application.id)).map((p) => p.status), ['failed', 'cancelled']);

    // A wrong card number is asked again on the checkout page.
    const third = (await pay(taro, application)).location!;
    const wrong = await fetch(third, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=pay&card=1234' });
    assert.equal(wrong.status, 422);
    const paid = await checkout(taro, third, { action: 'pay', card: '4242424242424242' });
    assert.match(mainText(paid.text), /お支払いが完了しました/);
    assert.deepEqual((await paymentsOf(application.id)).map((p) => p.status), ['failed', 'cancelled', 'paid']);
  });

  it('the browser coming back proves nothing: the payment stays pending until the provider says otherwise', async () => {
    const jiro = await person('pay-return@example.jp');
    const application = await apply(jiro);
    await pay(jiro, application);
    const [payment] = await paymentsOf(application.id);
    const back = await jiro.get(`/payments/072028/${payment!.id}/return?status=succeeded&paid=1`);
    const shown = await jiro.get(back.location!);
    assert.match(mainText(shown.text), /お支払いを確認しています/);
    assert.equal((await paymentsOf(application.id))[0]!.status, 'pending');
    assert.equal((await jiro.get(`/account/payments/072028/${payment!.id}/receipt`)).status, 404, 'no receipt for an unpaid fee');
  });

  it('webhooks: a forged or stale one is refused; one delivered twice is recorded once', async () => {
    const saburo = await person('pay-webhook@example.jp');
    const application = await apply(saburo);
    await pay(saburo, application);
    const [payment] = await paymentsOf(application.id);
    const event = (id: string) => JSON.stringify({ id, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000), data: { id: payment!.provider_payment_id, status: 'succeeded', amountYen: 300, currency: 'JPY', reference: application.receiptNumber } });
    const now = Math.floor(Date.now() / 1000);

    const forged = await webhook(event('evt_forged'), signWebhook('not-the-secret-not-the-secret-000', event('evt_forged'), now));
    assert.equal(forged.status, 400);
    assert.equal((await forged.json()).code, 'TSN_PROCEDURES_WEBHOOK_REJECTED');
    const unsigned = await webhook(event('evt_unsigned'), '');
    assert.equal(unsigned.status, 400);
    const body = event('evt_stale');
    const stale = await webhook(body, signWebhook(KEYS.webhookSecret, body, now - 3600));
    assert.equal(stale.status, 400, 'a captured webhook replayed an hour later is refused');
    const tampered = await webhook(body.replace('"amountYen":300', '"amountYen":3'), signWebhook(KEYS.webhookSecret, body, now));
    assert.equal(tampered.status, 400, 'a body changed after signing is refused');
    assert.equal((await paymentsOf(application.id))[0]!.status, 'pending');

    const genuine = event('evt_genuine_1');
    const first = await webhook(genuine, signWebhook(KEYS.webhookSecret, genuine, now));
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { received: true, duplicate: false });
    const replayed = await webhook(genuine, signWebhook(KEYS.webhookSecret, genuine, now));
    assert.deepEqual(await replayed.json(), { received: true, duplicate: true });
    assert.equal((await paymentsOf(application.id))[0]!.status, 'paid');
    assert.equal(await auditCount('procedures.payment_paid', `application:072028/${application.id}`), 1);
    const taken = await proceduresDb(app.ctx.db).selectFrom('procedures_payment_webhooks').selectAll().where('event_id', '=', 'evt_genuine_1').execute();
    assert.equal(taken.length, 1);

    const unknown = JSON.stringify({ id: 'evt_unknown', type: 'payment.succeeded', data: { id: 'tp_nosuchpayment', status: 'succeeded', amountYen: 300, reference: 'x' } });
    assert.equal((await webhook(unknown, signWebhook(KEYS.webhookSecret, unknown, now))).status, 404);
  });

  it('two clicks at once make one payment and one checkout', async () => {
    const shiro = await person('pay-double@example.jp');
    const application = await apply(shiro);
    const csrf = hiddenField((await shiro.get('/account/applications')).text, '_csrf');
    const clicks = await Promise.all([1, 2, 3].map(() => shiro.post(`/account/applications/072028/${application.id}/pay`, csrf, {})));
    assert.deepEqual(clicks.map((c) => c.status), [303, 303, 303]);
    assert.equal(new Set(clicks.map((c) => c.location)).size, 1, 'every click goes to the same payment');
    assert.match(clicks[0]!.location!, /\/checkout$/);
    assert.match((await shiro.get(clicks[0]!.location!)).text, new RegExp(`href="${provider.url}/checkout/tp_`));
    const rows = await paymentsOf(application.id);
    assert.equal(rows.length, 1);
    assert.equal(await auditCount('procedures.payment_started', `application:072028/${application.id}`), 1);
  });

  it('staff see the payment and refund it through the API, audited, only in their municipality', async () => {
    const goro = await person('pay-refund@example.jp');
    const application = await apply(goro);
    await checkout(goro, (await pay(goro, application)).location!, { action: 'pay', card: '4242424242424242' });
    const approver = await staffToken('approver', '072028');
    const reviewer = await staffToken('reviewer', '072028');
    const koriyama = await staffToken('approver', '072036');
    const path = `/api/v1/applications/072028/${application.id}/payment`;

    const seen = await api('GET', path, reviewer);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.feeYen, 300);
    assert.deepEqual(seen.body.payments.map((p: { status: string }) => p.status), ['paid']);
    assert.equal((await api('GET', path, koriyama)).status, 403);
    assert.equal((await api('POST', `${path}/refund`, reviewer, { reason: '二重申請のため' })).status, 403);
    assert.equal((await api('POST', `${path}/refund`, koriyama, { reason: '二重申請のため' })).status, 403);
    const noReason = await api('POST', `${path}/refund`, approver, { reason: '' });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.errors[0].name, '/reason');

    const refunded = await api('POST', `${path}/refund`, approver, { reason: '二重申請のため' });
    assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
    assert.equal(refunded.body.status, 'refunded');
    assert.equal(await auditCount('procedures.payment_refund_requested', `application:072028/${application.id}`), 1);
    assert.equal(await auditCount('procedures.payment_refunded', `application:072028/${application.id}`), 1);
    const again = await api('POST', `${path}/refund`, approver, { reason: '二重申請のため' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'TSN_PROCEDURES_PAYMENT_NOT_PAID');
    assert.equal((await api('GET', `/api/v1/applications/072028/${crypto.randomUUID()}/payment`, approver)).status, 404);

    const [payment] = await paymentsOf(application.id);
    const receipt = mainText((await goro.get(`/account/payments/072028/${payment!.id}/receipt`)).text);
    assert.match(receipt, /この手数料は.+に返金しました/);
    assert.equal((await paymentStateOf(app.ctx, '072028', application.id))?.status, 'refunded');
  });
});
