// Attachments scanned for malware before they are stored, against a local stand-in for ClamAV's
// clamd (test/helpers/clamd-standin.ts; the real daemon needs its signature database from the
// internet): the INSTREAM exchange itself, then a resident's upload over real HTTP — the EICAR
// test file is refused with the field named, never stored, and audited; a clean file is stored;
// a scanner that cannot be reached refuses the file rather than letting it through unchecked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { EICAR, startClamdStandIn } from '../../../test/helpers/clamd-standin.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { scanWithClamd, ScannerUnavailableError } from '../applications/virus-scan.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText, signedInResident } from './procedures-helpers.ts';

const pdf = (text: string) => Buffer.from(`%PDF-1.4\n${text}\n%%EOF`);

describe('virus scanning of attachments (clamd INSTREAM)', () => {
  it('should tell a clean file from the EICAR test file, also across several chunks', async () => {
    const clamd = await startClamdStandIn();
    try {
      assert.deepEqual(await scanWithClamd(clamd.url, pdf('保険証の写し')), { clean: true });
      assert.deepEqual(await scanWithClamd(clamd.url, pdf(EICAR)), { clean: false, signature: 'Eicar-Test-Signature' });
      const large = Buffer.concat([Buffer.alloc(200 * 1024, 0x20), Buffer.from(EICAR)]);
      assert.deepEqual(await scanWithClamd(clamd.url, large), { clean: false, signature: 'Eicar-Test-Signature' });
      assert.equal(clamd.scanned(), 3);
    } finally {
      await clamd.close();
    }
  });

  it('should report a scanner that answers nonsense, never answers, or is not there as unavailable', async () => {
    for (const mode of ['garbage', 'silent'] as const) {
      const clamd = await startClamdStandIn(mode);
      try {
        await assert.rejects(scanWithClamd(clamd.url, pdf('x'), 300), ScannerUnavailableError, mode);
      } finally {
        await clamd.close();
      }
    }
    const gone = await startClamdStandIn();
    await gone.close();
    await assert.rejects(scanWithClamd(gone.url, pdf('x')), ScannerUnavailableError);
  });
});

describe('a resident’s upload with a scanner configured', () => {
  let app: TestApp;
  let base: string;
  let clamd: Awaited<ReturnType<typeof startClamdStandIn>>;
  before(async () => {
    clamd = await startClamdStandIn();
    ({ app, base } = await createListeningTestApp([4976, 4980], { clamdUrl: clamd.url }));
  });
  after(async () => {
    await app?.close();
    await clamd?.close();
  });

  it('should refuse an infected file with the field named, store nothing and audit it; store a clean one; refuse when the scanner is down', async () => {
    const resident = await signedInResident(app, base, 'scan@example.jp');
    const { accountId } = resident;
    const started = await resident.submitOn('/applications/new?procedure=072028/kodomo-iryouhi', '/applications/new', { procedure: '072028/kodomo-iryouhi' });
    const id = /\/applications\/([0-9a-f-]{36})/.exec(started.location!)![1]!;
    const application = await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(['id']).where('bulk_id', '=', id).executeTakeFirstOrThrow();
    const step = `/applications/${id}/steps/${application.id}/insurance-card`;
    const upload = async (bytes: Buffer) => {
      const form = new FormData();
      form.set('_csrf', hiddenField((await resident.get(step)).text, '_csrf'));
      form.set('insuranceCard', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), '資格確認書.pdf');
      const response = await fetch(new URL(step, base), { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: resident.cookies() }, body: form });
      return { status: response.status, text: await response.text() };
    };
    const files = () => proceduresDb(app.ctx.db).selectFrom('procedures_application_files').select('filename').where('application_id', '=', application.id).execute();

    const infected = await upload(pdf(EICAR));
    assert.equal(infected.status, 422);
    assert.match(infected.text, /href="#insuranceCard"/);
    assert.match(mainText(infected.text), /ファイルからウイルスが見つかりました/);
    assert.deepEqual(await files(), [], 'nothing stored');
    const audit = await app.ctx.db.selectFrom('platform_audit_events').select(['actor', 'details']).where('action', '=', 'procedures.attachment_infected').executeTakeFirstOrThrow();
    assert.match(audit.actor, new RegExp(accountId), 'the resident who uploaded it');
    assert.equal((audit.details as Record<string, unknown>).signature, 'Eicar-Test-Signature');

    assert.equal((await upload(pdf('保険証の写し'))).status, 303);
    assert.deepEqual((await files()).map((f) => f.filename), ['資格確認書.pdf']);

    await clamd.close();
    const unchecked = await upload(pdf('別の写し'));
    assert.equal(unchecked.status, 422);
    assert.match(mainText(unchecked.text), /ファイルを確認できませんでした。しばらくしてから/);
  });
});
