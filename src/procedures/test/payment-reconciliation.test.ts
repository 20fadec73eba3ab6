// Reconciling fee payments left pending, with the test payment service in this process and the
// City OS's public address unreachable, so no webhook ever arrives: a fee paid at the provider is
// recorded as paid (receipt available), a checkout left open is cancelled at the provider and
// expires, an attempt that never got a checkout expires, one the resident just went back to is
// left alone, and one the provider cannot answer for fails the run (kept on the job for
// operators) without holding up the others. It all runs as a job on the durable queue, which
// schedules its next run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { buildTestPayApp, TEST_CARDS } from '../../demo/payment/test-pay-app.ts';
import { proceduresDb } from '../db/schema.ts';
import { RECONCILE_TOPIC, scheduleReconciliation } from '../payments/payment-reconciliation.ts';
import { mainText, signedInResident } from './procedures-helpers.ts';

const ANSWERS: Record<string, string> = {
  fullName: '会津 花子', fullNameKana: 'あいづ はなこ', 'birthDate-year': '平成2', 'birthDate-month': '4', 'birthDate-day': '1',
  'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46', phone: '0242-39-1111', email: 'hanako@example.jp', contents: 'household', purpose: 'work', declaration: 'yes',
};
const KEYS = { apiKey: randomBytes(16).toString('hex'), webhookSecret: randomBytes(24).toString('hex') };

describe('reconciling pending fee payments (未確定の支払いの確認)', () => {
  let app: TestApp;
  let base: string;
  let provider: FastifyInstance;
  let providerUrl: string;

  before(async () => {
    const port = await freePort(5920, 5929);
    providerUrl = `http://127.0.0.1:${port}`;
    provider = buildTestPayApp({ ...KEYS, publicUrl: providerUrl, log: () => {} });
    await provider.listen({ port, host: '127.0.0.1' });
    // Webhooks go to the public address: nothing listens there, so none arrives.
    ({ app, base } = await createListeningTestApp([5930, 5939], { payment: { url: providerUrl, ...KEYS }, publicUrl: 'http://127.0.0.1:5999' }));
  });
  after(async () => {
    await app?.close();
    await provider?.close();
  });

  const db = () => proceduresDb(app.ctx.db);
  /** Applies for 住民票の写し (300 yen) and presses 「手数料を支払う」; the application and its payment row. */
  const applyAndPay = async (who: Awaited<ReturnType<typeof signedInResident>>) => {
    const started = await who.submitOn('/applications/new?procedure=072028/juminhyo-utsushi', '/applications/new', { procedure: '072028/juminhyo-utsushi' });
    const bulkId = /^\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
    await who.submitOn(`/applications/${bulkId}/prefill`, `/applications/${bulkId}/prefill`, { prefill: 'no' });
    let at = (await who.get(`/applications/${bulkId}`)).location!;
    for (let i = 0; i < 20 && !at.endsWith('/review'); i++) at = (await who.submitOn(at, at, ANSWERS)).location!;
    const review = await who.get(at);
    assert.equal((await who.post(`/applications/${bulkId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') })).status, 303);
    const application = await db().selectFrom('procedures_applications').select(['lg_code', 'id']).where('bulk_id', '=', bulkId).executeTakeFirstOrThrow();
    const pressed = await who.submitOn('/account/applications', `/account/applications/072028/${application.id}/pay`, {});
    assert.equal(pressed.status, 303, mainText(pressed.text));
    return { id: application.id, payment: await db().selectFrom('procedures_payments').selectAll().where('application_id', '=', application.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow() };
  };
  const paymentOf = (id: string) => db().selectFrom('procedures_payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const aged = (id: string) => db().updateTable('procedures_payments').set({ updated_at: sql<Date>`now() - interval '2 hours'` }).where('id', '=', id).execute();
  const audited = (action: string, paymentId: string) => app.ctx.db.selectFrom('platform_audit_events').select('details').where('action', '=', action).where(sql<boolean>`details->>'paymentId' = ${paymentId}`).execute();

  it('the job should settle what the provider settled, expire what was left, and schedule its next run', async () => {
    const hanako = await signedInResident(app, base, 'reconcile-hanako@example.jp');
    // Paid at the provider; the webhook is lost.
    const paid = await applyAndPay(hanako);
    const checkout = await fetch(paid.payment.checkout_url!, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ card: TEST_CARDS.success }).toString() });
    assert.equal(checkout.status, 303);
    assert.equal((await paymentOf(paid.payment.id)).status, 'pending', 'no webhook arrived');
    // A checkout left open; one the resident goes back to; an attempt the City OS never recorded a checkout for; one the provider does not know.
    const left = await applyAndPay(hanako);
    const recent = await applyAndPay(hanako);
    const unstarted = await applyAndPay(hanako);
    await db().updateTable('procedures_payments').set({ provider_payment_id: null, checkout_url: null }).where('id', '=', unstarted.payment.id).execute();
    const unknown = await applyAndPay(hanako);
    await db().updateTable('procedures_payments').set({ provider_payment_id: 'tp_nosuchpayment' }).where('id', '=', unknown.payment.id).execute();
    for (const p of [paid, left, recent, unstarted, unknown]) await aged(p.payment.id);
    // Back at the checkout of an old attempt: it counts as recent again.
    assert.equal((await hanako.submitOn('/account/applications', `/account/applications/072028/${recent.id}/pay`, {})).status, 303);

    // As scheduled an hour ago by a running worker, so its time has come.
    await scheduleReconciliation(app.ctx, app.ctx.db, new Date(Date.now() - 3_600_000));
    await app.ctx.queue.runDue(10);

    assert.equal((await paymentOf(paid.payment.id)).status, 'paid');
    assert.equal((await hanako.get(`/account/payments/072028/${paid.payment.id}/receipt`)).status, 200, 'the receipt (領収書) is there');
    assert.deepEqual((await audited('procedures.payment_paid', paid.payment.id)).map((a) => (a.details as { source: string }).source), ['reconciliation']);

    assert.deepEqual([(await paymentOf(left.payment.id)).status, (await paymentOf(left.payment.id)).failure_code], ['cancelled', 'expired']);
    assert.equal((await fetch(left.payment.checkout_url!)).status, 409, 'the left checkout can no longer be paid');
    assert.equal((await audited('procedures.payment_cancelled', left.payment.id)).length, 1);
    assert.deepEqual([(await paymentOf(unstarted.payment.id)).status, (await paymentOf(unstarted.payment.id)).failure_code], ['cancelled', 'expired']);
    assert.equal((await audited('procedures.payment_cancelled', unstarted.payment.id)).length, 1);
    assert.equal((await paymentOf(recent.payment.id)).status, 'pending', 'a checkout the resident went back to just now is left alone');
    const notices = mainText((await hanako.get('/account/notifications')).text);
    assert.match(notices, /手数料のお支払いを確認しました/);
    assert.match(notices, /手数料のお支払いの期限が切れました/);
    assert.equal((await paymentOf(unknown.payment.id)).status, 'pending');

    const jobs = await app.ctx.db.selectFrom('platform_jobs').select(['status', 'run_at', 'last_error']).where('topic', '=', RECONCILE_TOPIC).orderBy('id').execute();
    assert.equal(jobs.length, 2);
    assert.equal(jobs[0]!.status, 'pending', 'the run is retried, as the provider could not answer for one payment');
    assert.match(jobs[0]!.last_error ?? '', /1 of 4 payments could not be checked/);
    assert.equal(jobs[1]!.status, 'pending');
    assert.ok(jobs[1]!.run_at.getTime() > Date.now(), 'the next run is scheduled');

    // An expired fee can be paid again: a new checkout.
    const again = await hanako.submitOn('/account/applications', `/account/applications/072028/${left.id}/pay`, {});
    assert.equal(again.status, 303);
    assert.match(again.location!, /\/checkout$/);
  });
});
