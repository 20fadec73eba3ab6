// kill -9 of the server while residents submit: a real `tsunagu serve` process (PGlite, or
// PostgreSQL when the suite runs with DATABASE_URL) takes many submissions at once and is
// killed with SIGKILL mid-way, while deliveries are also in flight to a slow receiver; after a
// restart every bulk application is either fully submitted (receipts, delivery row) with exactly
// one copy arriving at the receiver, or still a draft that can be submitted again. Nothing the
// server acknowledged is lost, nothing is half-written, and nothing arrives twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTsunagu } from '../../app.ts';
import { createCliTarget, type CliTarget } from '../../../test/helpers/cli.ts';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { startServerProcess, type ServerProcess } from '../../../test/helpers/server-process.ts';
import { testConfig, type TestApp } from '../../../test/helpers/test-database.ts';
import { municipalSigningCaPem } from '../../documents/exports.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { ApplicationStore } from '../../procedures/applications/application-store.ts';
import { proceduresDb } from '../../procedures/db/schema.ts';
import { deliveryDb } from '../db/schema.ts';
import { saveEndpoint } from '../endpoints/endpoint-store.ts';
import { browserFor, fillBulk, startReceiver, type Receiver } from './delivery-helpers.ts';

const RESIDENTS = 16;
const TOKEN = 'crash-test-core-system-token-42';

describe('kill -9 of the server during submissions', () => {
  let target: CliTarget;
  let receiver: Receiver;
  let server: ServerProcess | undefined;
  let adminHeaders: Record<string, string>;
  const residents: Array<{ sessionToken: string; bulkId: string; aizuApplicationId: string }> = [];

  const start = () =>
    startServerProcess({ ports: [5270, 5290], readyTimeoutMs: 180_000, env: { ...target.env, NODE_ENV: 'test', TSUNAGU_DEMO_DATA: 'false', TSUNAGU_OUTBOUND_PRIVATE: 'allow', TSUNAGU_JOB_LEASE_SECONDS: '2', TSUNAGU_RATE_LIMIT: '100000' } });

  before(async () => {
    target = await createCliTarget();
    // Prepared in this process on the same database: the demo catalog, the endpoint of
    // 会津若松市 pointing at a slow receiver, and residents with complete drafts.
    const database = await target.open();
    const config = testConfig({ dataDir: target.workDir, publicUrl: 'http://127.0.0.1:5291', port: 5291 });
    const tsunagu = await buildTsunagu({ config, database, logger: false });
    await tsunagu.seed();
    const app = { ...tsunagu, database } as TestApp;
    receiver = await startReceiver([5260, 5270], { tokens: { '072028': TOKEN }, trustAnchor: await municipalSigningCaPem(app.ctx), args: ['--delay-ms', '200'] });
    await saveEndpoint(deliveryDb(app.ctx.db), app.ctx.sealer, '072028', { url: `${receiver.url}/deliveries`, token: TOKEN, procedures: null, enabled: true }, null, 'test');
    adminHeaders = (await tokenWithRole(app.ctx, '会津若松市 管理', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' })).headers;
    await tsunagu.app.listen({ port: 5291, host: '127.0.0.1' });
    // One draft filled through the pages; the others are copies of its answers for other residents.
    const first = await registerResident(app, 'crash0@example.jp');
    const model = await fillBulk(browserFor('http://127.0.0.1:5291', first.sessionToken), ['072028/shussei-renraku', '070009/jidoushazei-jusho']);
    const store = new ApplicationStore(app.ctx.sealer);
    const db = proceduresDb(app.ctx.db);
    const filled = (await store.findBulk(db, model, first.accountId))!;
    for (let i = 0; i < RESIDENTS; i++) {
      const who = i === 0 ? first : await registerResident(app, `crash${i}@example.jp`);
      const bulkId = i === 0 ? model : await store.createBulk(db, {
        lgCode: filled.lgCode, applicant: { accountId: who.accountId, proxyAccountId: null, mandateId: null }, lifeEventCode: null, practice: false, shared: filled.shared,
        procedures: filled.applications.map((a) => ({ lgCode: a.lgCode, code: a.procedureCode, formVersionId: a.formVersionId, own: a.own.values })),
      });
      const bulk = (await store.findBulk(db, bulkId, who.accountId))!;
      residents.push({ sessionToken: who.sessionToken, bulkId, aizuApplicationId: bulk.applications.find((a) => a.lgCode === '072028')!.id });
    }
    await tsunagu.close();
    await database.close();
  });

  after(async () => {
    await server?.stop('SIGKILL');
    await receiver?.stop();
    await target?.cleanup();
  });

  it('leaves every application submitted with one delivery, or a draft that can be submitted again', async () => {
    server = await start();
    const url = server.url;
    const browsers = residents.map((r) => browserFor(url, r.sessionToken));
    const forms = await Promise.all(browsers.map(async (b, i) => {
      const review = await b.get(`/applications/${residents[i]!.bulkId}/review`);
      assert.equal(review.status, 200, `resident ${i} has a complete draft`);
      return { csrf: hiddenField(review.text, '_csrf'), submissionKey: hiddenField(review.text, 'submissionKey') };
    }));

    // Everyone submits at once; the server is killed when the first few have their answer.
    const acknowledged = new Set<number>();
    let answered = 0;
    let killed: Promise<void> | undefined;
    const sent = browsers.map((b, i) =>
      b.post(`/applications/${residents[i]!.bulkId}/submit`, forms[i]!.csrf, { submissionKey: forms[i]!.submissionKey }).then(
        (r) => {
          if (r.status === 303 && r.location?.endsWith('/done')) acknowledged.add(i);
          if (++answered === 3) killed = server!.stop('SIGKILL');
        },
        () => undefined, // the connection died with the server
      ),
    );
    await Promise.all(sent);
    await (killed ?? server.stop('SIGKILL'));
    const beforeRestart = (await receiver.received()).length;

    server = await start();
    const after = residents.map((r) => browserFor(server!.url, r.sessionToken));
    let drafts = 0;
    for (const [i, b] of after.entries()) {
      const review = await b.get(`/applications/${residents[i]!.bulkId}/review`);
      if (review.status === 303) {
        assert.equal(review.location, `/applications/${residents[i]!.bulkId}/done`);
        continue;
      }
      assert.ok(!acknowledged.has(i), `resident ${i}'s submission was acknowledged before the kill, so it must not be a draft now`);
      assert.equal(review.status, 200, `resident ${i}: a draft that can be submitted`);
      drafts++;
      const again = await b.post(`/applications/${residents[i]!.bulkId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
      assert.equal(again.location, `/applications/${residents[i]!.bulkId}/done`, `resident ${i} submits again`);
    }

    // Every application of 会津若松市 is delivered, each exactly once at the receiver.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const listed = await fetch(`${server.url}/api/v1/deliveries/072028?status=delivered`, { headers: { ...adminHeaders, accept: 'application/json' } });
      const body = (await listed.json()) as { total: number };
      if (body.total === RESIDENTS) break;
      assert.ok(Date.now() < deadline, `only ${body.total} of ${RESIDENTS} delivered in time:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const arrived = await receiver.received();
    assert.equal(arrived.length, RESIDENTS, 'one copy per application');
    assert.deepEqual(new Set(arrived.map((r) => r.applicationId)), new Set(residents.map((r) => r.aizuApplicationId)));
    await server.stop();
    server = undefined;

    // Nothing half-written: each bulk application and its two applications moved together, with
    // one receipt and one event each, and one delivery row for 会津若松市's.
    const database = await target.open();
    try {
      const db = proceduresDb(database.db);
      const bulks = await db.selectFrom('procedures_bulk_applications').select(['id', 'status']).where('id', 'in', residents.map((r) => r.bulkId)).execute();
      assert.deepEqual(bulks.map((b) => b.status), Array(RESIDENTS).fill('submitted'));
      const apps = await db.selectFrom('procedures_applications').select(['lg_code', 'id', 'status', 'receipt_number']).where('bulk_id', 'in', residents.map((r) => r.bulkId)).execute();
      assert.equal(apps.length, RESIDENTS * 2);
      assert.ok(apps.every((a) => a.status === 'submitted' && a.receipt_number));
      const receipts = await db.selectFrom('procedures_receipts').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(receipts.n), RESIDENTS * 2, 'no receipt number left from a rolled-back submission');
      const events = await db.selectFrom('procedures_application_events').select((eb) => eb.fn.countAll<string>().as('n')).where('to_status', '=', 'submitted').executeTakeFirstOrThrow();
      assert.equal(Number(events.n), RESIDENTS * 2);
      const deliveries = await deliveryDb(database.db).selectFrom('delivery_deliveries').select(['application_id', 'status']).execute();
      assert.equal(deliveries.length, RESIDENTS);
      assert.ok(deliveries.every((d) => d.status === 'delivered'));
    } finally {
      await database.close();
    }
    // For the record: how the kill fell (varies from run to run).
    console.log(`kill -9 after ${acknowledged.size} acknowledged submissions; ${drafts} drafts submitted again; ${beforeRestart} deliveries had arrived before the restart`);
  });
});
