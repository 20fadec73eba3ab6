// The standard export: a procedure's applications with their answers opened, as the documented
// JSON and CSV — one column per field key (with its dictionary key in the JSON's fields), CSV
// that a spreadsheet reads back exactly (BOM, commas, quotes, newlines, no formulas), filters by
// Japan date and status, more than one batch streamed, audited, refused to anyone else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { CookieBrowser } from '../../../test/helpers/cookie-browser.ts';
import { staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';
import { seedApplication } from './seeded-applications.ts';

const KORIYAMA = '072036';
const PROCEDURE = 'shussei-renraku';
const EXPORT = `/api/v1/procedures/${KORIYAMA}/${PROCEDURE}/applications/export`;
const NOTES = 'Ring twice, please; the bell is "quiet",\nand the gate sticks.';

describe('standard export', () => {
  let world: ProceduresWorld;
  let admin: string;
  let ids: { first: string; second: string; third: string };

  before(async () => {
    world = await startWorld([5616, 5630]);
    admin = await staffToken(world, 'municipal_admin', KORIYAMA);
    const answers = (name: string, extra: Record<string, unknown> = {}) => ({
      fullName: name, fullNameKana: 'コオリヤマ ハナコ', address: { postalCode: '963-8601', address: '郡山市朝日一丁目23-7' }, phone: '0249241111',
      babyBirthDate: '2025-05-20', birthWeight: 3120, visitWish: 'yes', visitNotes: NOTES, ...extra,
    }) as never;
    // 1: approved; 2: submitted at 00:30 on 1 June in Japan (31 May in UTC); 3: a formula-looking name.
    ids = {
      first: (await seedApplication(world, { lgCode: KORIYAMA, procedure: PROCEDURE, answers: answers('郡山 花子'), history: [['submitted', '2025-05-10T01:00:00Z'], ['received', '2025-05-11T01:00:00Z'], ['approved', '2025-05-12T01:00:00Z']] })).id,
      second: (await seedApplication(world, { lgCode: KORIYAMA, procedure: PROCEDURE, answers: answers('安積 太郎', { visitWish: 'no', visitNotes: undefined }), channel: 'counter', history: [['submitted', '2025-05-31T15:30:00Z']] })).id,
      third: (await seedApplication(world, { lgCode: KORIYAMA, procedure: PROCEDURE, answers: answers('=HYPERLINK("http://example.com")'), history: [['submitted', '2025-06-02T01:00:00Z']] })).id,
    };
    // Never exported: a practice application.
    await seedApplication(world, { lgCode: KORIYAMA, procedure: PROCEDURE, practice: true, answers: answers('練習'), history: [['submitted', '2025-05-15T01:00:00Z']] });
  });
  after(async () => world?.close());

  it('should give the documented JSON: the fields with their dictionary keys and every application opened', async () => {
    const got = await world.api('GET', EXPORT, undefined, admin);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.match(got.headers.get('content-disposition')!, /attachment; filename="applications-072036-shussei-renraku.json"/);
    assert.equal(got.body.schema, 'tsunagu.applications-export/1');
    assert.equal(got.body.count, 3);
    const keys = got.body.fields.map((f: { key: string; dictionary: string | null }) => `${f.key}:${f.dictionary ?? ''}`);
    assert.deepEqual(keys, ['fullName:full-name', 'fullNameKana:full-name-kana', 'address:address', 'phone:phone', 'babyNameKana:full-name-kana', 'babyBirthDate:birth-date', 'birthWeight:', 'visitWish:', 'visitNotes:']);
    assert.deepEqual(got.body.fields[0].versions, [1]);
    assert.deepEqual(got.body.applications.map((a: { id: string }) => a.id), [ids.first, ids.second, ids.third], 'in order of submission');
    const first = got.body.applications[0];
    assert.equal(first.status, 'approved');
    assert.equal(first.decidedAt, '2025-05-12T01:00:00.000Z');
    assert.equal(first.formVersion, 1);
    assert.deepEqual(first.answers.address, { postalCode: '963-8601', address: '郡山市朝日一丁目23-7' });
    assert.equal(first.answers.visitNotes, NOTES);
    assert.equal(got.body.applications[1].channel, 'counter');
    assert.equal(got.body.applications.some((a: { answers: { fullName: string } }) => a.answers.fullName === '練習'), false, 'no practice application');
  });

  it('should give CSV a spreadsheet reads back exactly: BOM, a column per key, commas, quotes and newlines kept, no formulas', async () => {
    const response = await fetch(`${world.base}${EXPORT}?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/csv; charset=utf-8/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const [header, ...rows]: string[][] = parse(bytes.subarray(3).toString('utf8'));
    assert.deepEqual(header, ['application_id', 'receipt_number', 'status', 'channel', 'form_version', 'applicant_account_id', 'proxy_account_id', 'submitted_at', 'decided_at', 'fullName', 'fullNameKana', 'address.postalCode', 'address.address', 'phone', 'babyNameKana', 'babyBirthDate', 'birthWeight', 'visitWish', 'visitNotes']);
    assert.equal(rows.length, 3);
    const col = (row: string[], name: string) => row[header!.indexOf(name)];
    assert.equal(col(rows[0]!, 'visitNotes'), NOTES, 'the comma, the quotes and the newline survive');
    assert.equal(col(rows[0]!, 'address.postalCode'), '963-8601');
    assert.equal(col(rows[0]!, 'birthWeight'), '3120');
    assert.equal(col(rows[1]!, 'visitNotes'), '', 'a field not answered is empty');
    assert.equal(col(rows[2]!, 'fullName'), `'=HYPERLINK("http://example.com")`, 'a formula is written as text');
  });

  it('should filter by Japan date and status', async () => {
    const june = await world.api('GET', `${EXPORT}?from=2025-06-01&to=2025-06-30`, undefined, admin);
    assert.deepEqual(june.body.applications.map((a: { id: string }) => a.id), [ids.second, ids.third], '00:30 on 1 June in Japan is June');
    const may = await world.api('GET', `${EXPORT}?to=2025-05-31`, undefined, admin);
    assert.deepEqual(may.body.applications.map((a: { id: string }) => a.id), [ids.first]);
    const approved = await world.api('GET', `${EXPORT}?status=approved`, undefined, admin);
    assert.deepEqual(approved.body.applications.map((a: { id: string }) => a.id), [ids.first]);
    assert.deepEqual(approved.body.filter.statuses, ['approved']);
    const none = await world.api('GET', `${EXPORT}?status=rejected`, undefined, admin);
    assert.deepEqual([none.body.count, none.body.applications, none.body.fields], [0, [], []]);
  });

  it('should refuse bad filters with the parameter named', async () => {
    const status = await world.api('GET', `${EXPORT}?status=approved,draft`, undefined, admin);
    assert.equal(status.status, 400);
    assert.equal(status.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.match(JSON.stringify(status.body), /"status"/);
    assert.match(JSON.stringify(status.body), /draft/);
    assert.equal((await world.api('GET', `${EXPORT}?from=2025-02-30`, undefined, admin)).status, 400);
    assert.equal((await world.api('GET', `${EXPORT}?from=2025-06-01&to=2025-05-01`, undefined, admin)).status, 400);
    assert.equal((await world.api('GET', `${EXPORT}?format=xml`, undefined, admin)).status, 400);
    assert.equal((await world.api('GET', `/api/v1/procedures/${KORIYAMA}/no-such/applications/export`, undefined, admin)).status, 404);
    assert.equal((await world.api('GET', `/api/v1/procedures/070009/renshu-shinsei/applications/export`, undefined, world.adminToken)).status, 404, 'the practice procedure has nothing to export');
  });

  it('should refuse another tenant’s staff and staff without the permission, and audit every export', async () => {
    assert.equal((await world.api('GET', EXPORT, undefined, await staffToken(world, 'municipal_admin', '072028'))).status, 403);
    assert.equal((await world.api('GET', EXPORT, undefined, await staffToken(world, 'auditor', KORIYAMA))).status, 403, 'reading figures is not exporting personal data');
    assert.equal((await world.api('GET', EXPORT, undefined, null as unknown as string)).status, 401);
    assert.equal((await fetch(`${world.base}${EXPORT}?format=csv&status=approved`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
    const log = await world.api('GET', `/api/v1/audit-events?lgCode=${KORIYAMA}`, undefined, world.adminToken);
    const exported = (log.body.items ?? log.body.events).filter((e: { action: string }) => e.action === 'procedures.applications_exported');
    assert.ok(exported.some((e: { subject: string; details: { format: string; count: number; statuses: string[] } }) => e.subject === `procedure:${KORIYAMA}/${PROCEDURE}` && e.details.format === 'csv' && e.details.count === 1 && e.details.statuses.join() === 'approved'), JSON.stringify(exported));
  });

  it('should stream more applications than one batch, each once', async () => {
    for (let i = 0; i < 105; i++) {
      await seedApplication(world, { lgCode: KORIYAMA, procedure: PROCEDURE, answers: { fullName: `一括 ${i}` } as never, history: [['submitted', new Date(Date.UTC(2025, 7, 1, 0, 0, i % 5)).toISOString()]] });
    }
    const got = await world.api('GET', `${EXPORT}?from=2025-08-01`, undefined, admin);
    assert.equal(got.headers.get('x-total-count'), '105');
    const names = got.body.applications.map((a: { answers: { fullName: string } }) => a.answers.fullName);
    assert.equal(names.length, 105);
    assert.equal(new Set(names).size, 105, 'no application twice across batches with equal submission times');
  });

  it('staff should choose a procedure, period and statuses on a page, and get the file', async () => {
    const browser = new CookieBrowser();
    browser.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, 'kanri@city.koriyama.example.jp', [{ role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA } }])).sessionToken);
    const get = async (path: string) => {
      const response = await browser.request(`${world.base}${path}`, { headers: { accept: 'text/html' } });
      return { status: response.status, html: await response.text(), location: response.headers.get('location') };
    };
    assert.match((await get('/staff')).html, /href="\/staff\/procedures\/export"/);
    const page = await get('/staff/procedures/export');
    assert.equal(page.status, 200);
    assert.match(page.html, /<option value="072036\/shussei-renraku">出生連絡票の提出（新生児訪問）<\/option>/);
    assert.match(page.html, /個人情報が含まれます/);
    const wrong = await get(`/staff/procedures/export?procedure=072036%2F${PROCEDURE}&from=2025-06-31&format=csv`);
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /href="#status"/);
    assert.match(wrong.html, /href="#from"/);
    const ok = await get(`/staff/procedures/export?procedure=072036%2F${PROCEDURE}&from=2025-05-01&to=2025-05-31&status=approved&status=submitted&format=csv`);
    assert.equal(ok.status, 303);
    assert.equal(ok.location, `${EXPORT}?format=csv&from=2025-05-01&to=2025-05-31&status=approved%2Csubmitted`);
    const file = await browser.request(`${world.base}${ok.location}`);
    assert.equal(file.status, 200);
    assert.equal(parse(Buffer.from(await file.arrayBuffer()).subarray(3).toString('utf8'), { columns: true }).length, 1, 'May: the approved one');
    const auditorBrowser = new CookieBrowser();
    auditorBrowser.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, 'kansa@city.koriyama.example.jp', [{ role: 'auditor', scope: { level: 'municipality', prefectureCode: '070009', lgCode: KORIYAMA } }])).sessionToken);
    assert.equal((await auditorBrowser.request(`${world.base}/staff/procedures/export`, { headers: { accept: 'text/html' } })).status, 403);
  });
});
