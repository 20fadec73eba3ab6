// Delivery to core systems against the real server and a real receiver process (the demo core
// system, which verifies the signature and dedupes): the endpoint API with its checks and
// access rules, a submitted application arriving signed with its PDF copy, retries after a 500
// and after a lost answer without a second copy at the receiver, a permanent failure and the
// last attempt shown to staff with the error (never the token) and sent again from the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { municipalSigner, municipalSigningCaPem } from '../../documents/exports.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { deliveryDb } from '../db/schema.ts';
import { buildEnvelope } from '../envelope/delivery-envelope.ts';
import { detachedJws } from '../envelope/detached-jws.ts';
import { DELIVERY_ATTEMPTS } from '../outbox/enqueue-deliveries.ts';
import { browserFor, fillBulk, runDeliveryJobs, startReceiver, submitBulk, type Receiver } from './delivery-helpers.ts';

const AIZU = '072028';
const KORIYAMA = '072036';
const TOKEN = 'aizu-core-system-token-0123456789';

describe('delivery to core systems', () => {
  let app: TestApp;
  let base: string;
  let receiver: Receiver;
  let flaky: Receiver;
  let trustAnchor: string;
  let aizuAdmin: Record<string, string>;
  let koriyamaAdmin: Record<string, string>;

  const api = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { ...headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, etag: response.headers.get('etag') };
  };
  const deliveriesOf = (lgCode: string) => deliveryDb(app.ctx.db).selectFrom('delivery_deliveries').selectAll().where('lg_code', '=', lgCode).orderBy('created_at').execute();
  const setEndpoint = async (body: Record<string, unknown>) => {
    const current = await api('GET', `/api/v1/delivery-endpoints/${AIZU}`, aizuAdmin);
    const saved = await api('PUT', `/api/v1/delivery-endpoints/${AIZU}`, { ...aizuAdmin, ...(current.etag ? { 'if-match': current.etag } : {}) }, body);
    assert.ok([200, 201].includes(saved.status), JSON.stringify(saved.body));
    return saved;
  };
  let residents = 0;
  /** A new resident applies for 出生連絡票 (会津若松市) and 自動車税 (福島県); returns the bulk id. */
  const applyAsNewResident = async () => {
    const { sessionToken } = await registerResident(app, `resident${++residents}@example.jp`);
    const who = browserFor(base, sessionToken);
    const bulkId = await fillBulk(who, [`${AIZU}/shussei-renraku`, '070009/jidoushazei-jusho']);
    const sent = await submitBulk(who, bulkId);
    assert.equal(sent.status, 303);
    assert.equal(sent.location, `/applications/${bulkId}/done`);
    return bulkId;
  };

  before(async () => {
    // The production address policy (private addresses refused), with the loopback address
    // allowed for the receivers this test starts.
    ({ app, base } = await createListeningTestApp([5200, 5230], { outbound: { privateNetworks: 'refuse', allow: ['127.0.0.1'] } }));
    trustAnchor = await municipalSigningCaPem(app.ctx);
    [receiver, flaky] = await Promise.all([
      startReceiver([5230, 5260], { tokens: { [AIZU]: TOKEN }, trustAnchor }),
      startReceiver([5230, 5260], { tokens: { [AIZU]: TOKEN }, trustAnchor, args: ['--fail-first', '1', '--lose-ack-first', '1'] }),
    ]);
    aizuAdmin = (await tokenWithRole(app.ctx, '会津若松市 管理', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: AIZU })).headers;
    koriyamaAdmin = (await tokenWithRole(app.ctx, '郡山市 管理', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA })).headers;
  });
  after(async () => {
    await Promise.all([receiver?.stop(), flaky?.stop()]);
    await app?.close();
  });

  it('lets a municipal administrator set the endpoint, refusing a bad URL, another tenant and a stale write', async () => {
    const path = `/api/v1/delivery-endpoints/${AIZU}`;
    assert.equal((await api('GET', path, aizuAdmin)).status, 404, 'none yet');
    for (const [url, why] of [
      ['http://10.0.0.7/deliveries', /10\.0\.0\.7 is a private address/],
      ['http://169.254.169.254/latest', /link-local/],
      ['ftp://core.example.jp/in', /https?:\/\//],
      [`http://user:pass@127.0.0.1:${new URL(receiver.url).port}/deliveries`, /利用者名やパスワード/],
      ['not a url', /絶対URL/],
    ] as const) {
      const refused = await api('PUT', path, aizuAdmin, { url, token: TOKEN });
      assert.equal(refused.status, 400, url);
      assert.equal(refused.body.code, 'TSN_DELIVERY_INVALID_ENDPOINT');
      assert.equal(refused.body.errors[0].name, '/url');
      assert.match(refused.body.errors[0].detail, why, url);
    }
    const shortToken = await api('PUT', path, aizuAdmin, { url: `${receiver.url}/deliveries`, token: 'short', procedures: ['no-such-procedure'] });
    assert.equal(shortToken.status, 400);
    assert.deepEqual(shortToken.body.errors.map((e: { name: string }) => e.name), ['/token', '/procedures']);

    // 郡山市's administrator can neither read nor write 会津若松市's endpoint.
    assert.equal((await api('PUT', path, koriyamaAdmin, { url: `${receiver.url}/deliveries`, token: TOKEN })).status, 403);
    assert.equal((await api('GET', path, koriyamaAdmin)).status, 403);
    assert.equal((await api('GET', `/api/v1/deliveries/${AIZU}`, koriyamaAdmin)).status, 403);
    assert.equal((await api('GET', path, {})).status, 401);

    const created = await api('PUT', path, aizuAdmin, { url: `${receiver.url}/deliveries`, token: TOKEN, procedures: ['kokuho-kanyu'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.etag, '"v1"');
    assert.deepEqual({ hasToken: created.body.hasToken, enabled: created.body.enabled, procedures: created.body.procedures }, { hasToken: true, enabled: true, procedures: ['kokuho-kanyu'] });
    assert.ok(!JSON.stringify(created.body).includes(TOKEN), 'the token is never given back');
    assert.equal((await api('PUT', path, aizuAdmin, { url: `${receiver.url}/deliveries` })).status, 428, 'a replace needs If-Match');
    assert.equal((await api('PUT', path, { ...aizuAdmin, 'if-match': '"v9"' }, { url: `${receiver.url}/deliveries` })).status, 412);
    const audit = await app.ctx.db.selectFrom('platform_audit_events').select(['action', 'details']).where('action', '=', 'delivery.endpoint_saved').execute();
    assert.equal(audit.length, 1);
    assert.ok(!JSON.stringify(audit).includes(TOKEN), 'nor written to the audit log');
  });

  it('delivers nothing for a procedure the endpoint does not take', async () => {
    await applyAsNewResident();
    assert.deepEqual(await deliveriesOf(AIZU), [], '出生連絡票 is not among the procedures (kokuho-kanyu only)');
  });

  it('delivers a submitted application, signed, with its PDF copy, once, to a real receiver', async () => {
    await setEndpoint({ url: `${receiver.url}/deliveries`, procedures: null });
    const bulkId = await applyAsNewResident();
    const apps = await deliveryDb(app.ctx.db).selectFrom('procedures_applications').selectAll().where('bulk_id', '=', bulkId).orderBy('position').execute();
    const aizu = apps.find((a) => a.lg_code === AIZU)!;
    // Written with the submission: the delivery row and its job, before any worker ran.
    const [delivery] = await deliveriesOf(AIZU);
    assert.equal(delivery?.application_id, aizu.id);
    assert.equal(delivery.status, 'pending');
    assert.equal((await app.ctx.db.selectFrom('platform_jobs').select('status').where('id', '=', Number(delivery.job_id)).executeTakeFirstOrThrow()).status, 'pending');
    assert.deepEqual(await deliveriesOf('070009'), [], 'the prefecture has no endpoint');

    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    const [done] = await deliveriesOf(AIZU);
    assert.equal(done?.status, 'delivered');
    assert.equal(done.attempts, 1);
    const arrived = await receiver.received();
    assert.deepEqual(arrived.map((r) => [r.deliveryId, r.receiptNumber, r.applicationId, r.procedure, r.arrivals]), [[delivery.id, aizu.receipt_number, aizu.id, 'shussei-renraku', 1]]);
    assert.match(arrived[0]!.signer.subject, /OU=lg 072028/);

    const envelope = await (await fetch(`${receiver.url}/deliveries/${delivery.id}.json`)).json() as Record<string, any>;
    assert.equal(envelope.schema, 'tsunagu.delivery/v1');
    assert.equal(envelope.municipality.name, '会津若松市');
    assert.equal(envelope.application.form.version, 1);
    assert.equal(envelope.answers.fullName, '髙橋　﨑子', 'rare kanji exactly as typed');
    assert.equal(envelope.answers.birthWeight, 3012, 'normalised from full-width digits');
    assert.ok(envelope.readable.some((r: { label: string; value: string }) => r.label === '出生体重（グラム）' && r.value === '3,012'));
    const pdf = Buffer.from(await (await fetch(`${receiver.url}/deliveries/${delivery.id}.pdf`)).arrayBuffer());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.equal((await PDFDocument.load(pdf)).getTitle(), `出生連絡票の提出（新生児訪問）　申請書（写し） ${aizu.receipt_number}`);
    const page = await (await fetch(`${receiver.url}/`)).text();
    assert.match(page, new RegExp(`${aizu.receipt_number}[\\s\\S]*確認済み`));

    // Run again (as after a crash between sending and recording): nothing is sent twice.
    await app.ctx.db.updateTable('platform_jobs').set({ status: 'pending' }).where('id', '=', Number(delivery.job_id)).execute();
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    assert.equal((await receiver.received())[0]!.arrivals, 1, 'a delivered delivery is not sent again');
  });

  it('the receiver refuses an altered body, a signature of another municipality and a wrong token', async () => {
    const [delivery] = await deliveriesOf(AIZU);
    const envelope = await buildEnvelope(app.ctx, { id: delivery!.id, lgCode: AIZU, applicationId: delivery!.application_id, createdAt: delivery!.created_at });
    const body = Buffer.from(JSON.stringify(envelope));
    const post = (bytes: Buffer, signature: string, token = TOKEN) =>
      fetch(`${receiver.url}/deliveries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'tsunagu-signature': signature, 'tsunagu-delivery-id': delivery!.id }, body: new Uint8Array(bytes) });
    const signature = await detachedJws(AIZU, body, await municipalSigner(app.ctx, AIZU));
    const altered = Buffer.from(JSON.stringify({ ...envelope, answers: { ...envelope.answers, birthWeight: 9999 } }));
    const refusedAltered = await post(altered, signature);
    assert.equal(refusedAltered.status, 400);
    assert.match(((await refusedAltered.json()) as { error: string }).error, /signature does not match/);
    const koriyamaSigned = await detachedJws(KORIYAMA, body, await municipalSigner(app.ctx, KORIYAMA));
    assert.match(((await (await post(body, koriyamaSigned)).json()) as { error: string }).error, /not 072028's/);
    assert.equal((await post(body, signature, 'another-token-0123456789')).status, 401);
    assert.equal((await post(body, signature)).status, 200, 'the genuine one is accepted (as a duplicate)');
    assert.equal((await receiver.received()).length, 1);
  });

  it('retries after a 500 and after a lost answer, and the receiver keeps one copy', async () => {
    await setEndpoint({ url: `${flaky.url}/deliveries` });
    await applyAsNewResident();
    const latest = async () => (await deliveriesOf(AIZU)).at(-1)!;
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    let delivery = await latest();
    assert.deepEqual([delivery.status, delivery.attempts, delivery.last_http_status], ['pending', 1, 500]);
    assert.match(delivery.last_error!, /HTTP 500.*busy/);
    assert.deepEqual(await flaky.received(), [], 'the 500 came before anything was stored');
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    delivery = await latest();
    assert.deepEqual([delivery.status, delivery.attempts], ['pending', 2], 'stored, but the answer was lost');
    assert.equal((await flaky.received()).length, 1);
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    delivery = await latest();
    assert.deepEqual([delivery.status, delivery.attempts, delivery.last_error], ['delivered', 3, null]);
    const arrived = await flaky.received();
    assert.deepEqual(arrived.map((r) => [r.deliveryId, r.arrivals]), [[delivery.id, 2]], 'one copy, though it arrived twice');
  });

  it('shows failed deliveries to staff with the error but never the token, and sends them again', async () => {
    // A wrong token: the receiver answers 401, which no retry would change: failed at once.
    await setEndpoint({ url: `${receiver.url}/deliveries`, token: 'a-wrong-token-for-the-receiver-42' });
    await applyAsNewResident();
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    const wrongToken = (await deliveriesOf(AIZU)).at(-1)!;
    assert.deepEqual([wrongToken.status, wrongToken.attempts, wrongToken.last_http_status], ['failed', 1, 401]);
    // Nobody listening: retried with backoff, failed after the last attempt.
    const closed = `http://127.0.0.1:${await freePort(5295, 5300)}/deliveries`;
    await setEndpoint({ url: closed, token: TOKEN });
    await applyAsNewResident();
    await runDeliveryJobs(app.ctx.db, app.ctx.queue, DELIVERY_ATTEMPTS);
    const unreachable = (await deliveriesOf(AIZU)).at(-1)!;
    assert.deepEqual([unreachable.status, unreachable.attempts], ['failed', DELIVERY_ATTEMPTS]);
    assert.match(unreachable.last_error!, /ECONNREFUSED/);
    const jobs = await app.ctx.db.selectFrom('platform_jobs').select(['last_error']).where('topic', '=', 'delivery.send').execute();
    assert.ok(!JSON.stringify(jobs).includes(TOKEN) && !JSON.stringify(await deliveriesOf(AIZU)).includes(TOKEN), 'no token in any error');

    const admin = await platformAdminToken(app);
    const staff = await onboardStaff(app, admin, 'renkei@city.aizuwakamatsu.example.jp', [{ role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: AIZU } }]);
    const clerk = browserFor(base, staff.sessionToken);
    const failedPage = await clerk.get(`/staff/delivery?lgCode=${AIZU}&status=failed`);
    assert.equal(failedPage.status, 200);
    assert.match(failedPage.text, /会津若松市の配信（2件）/);
    assert.match(failedPage.text, /送信失敗/);
    assert.match(failedPage.text, /HTTP 401/);
    assert.match(failedPage.text, /ECONNREFUSED/);
    assert.match(failedPage.text, /設定済み（表示しません）/);
    assert.ok(!failedPage.text.includes(TOKEN), 'the page never shows the token');
    assert.equal((await clerk.get(`/staff/delivery?lgCode=${KORIYAMA}`)).status, 404, "郡山市's deliveries are not this reviewer's");

    // Fixed by the administrator, then sent again from the page: delivered, once.
    await setEndpoint({ url: `${receiver.url}/deliveries`, token: TOKEN });
    for (const failed of [wrongToken, unreachable]) {
      const sent = await clerk.post(`/staff/delivery/${AIZU}/${failed.id}/retry`, hiddenField(failedPage.text, '_csrf'), {});
      assert.equal(sent.status, 303);
    }
    assert.equal((await clerk.post(`/staff/delivery/${AIZU}/${wrongToken.id}/retry`, hiddenField(failedPage.text, '_csrf'), {})).status, 409, 'not failed any more');
    await runDeliveryJobs(app.ctx.db, app.ctx.queue);
    const after = await deliveriesOf(AIZU);
    assert.deepEqual(after.map((d) => d.status), ['delivered', 'delivered', 'delivered', 'delivered']);
    const arrived = await receiver.received();
    for (const d of [wrongToken, unreachable]) assert.equal(arrived.filter((r) => r.deliveryId === d.id).length, 1);
    const retried = await app.ctx.db.selectFrom('platform_audit_events').select(['actor', 'lg_code']).where('action', '=', 'delivery.retried').execute();
    assert.equal(retried.length, 2);
    const listed = await api('GET', `/api/v1/deliveries/${AIZU}?status=delivered`, aizuAdmin);
    assert.equal(listed.body.total, 4);
    assert.equal((await api('POST', `/api/v1/deliveries/${AIZU}/${wrongToken.id}/retry`, koriyamaAdmin)).status, 403);
  });
});
