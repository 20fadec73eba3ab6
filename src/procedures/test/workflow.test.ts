// The back office workflow against the real server: routings configured by municipal staff,
// department membership, queues that show only the tenant's and department's applications,
// receive → return with reasons per field → the resident corrects on the pages → resubmitted
// with the changes shown → two approvers (not one twice) → approved, notified and the signed
// document issued; two staff deciding at once (one 412); the order of a bulk application's parts;
// overdue flags and search.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { readOutbox } from '../../platform/mail/transports.ts';
import { documentsDb } from '../../documents/db/schema.ts';
import { portalDb } from '../../portal/db/schema.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText, startWorld, type ProceduresWorld } from './procedures-helpers.ts';
import { ANSWERS, submitApplications } from './workflow-helpers.ts';


describe('back office workflow', () => {
  let world: ProceduresWorld;
  const people: Record<string, { token: string; principalId: string }> = {};

  /** A token holding `role` for `lgCode`, and its principal (to add to departments). */
  const staff = async (name: string, role: string, lgCode: string) => {
    const issued = await issueApiToken(world.app.ctx.db, { name, createdBy: 'system' });
    const scope = lgCode === '070009' ? { level: 'prefecture' as const, prefectureCode: '070009' } : { level: 'municipality' as const, prefectureCode: '070009', lgCode };
    await grantRole(world.app.ctx, system, { principalId: issued.principalId, role, scope }, { ip: null, requestId: null });
    people[name] = { token: issued.token, principalId: issued.principalId };
    return people[name]!;
  };
  const join = async (admin: string, who: string, department: string) => {
    const added = await world.api('POST', `/api/v1/procedure-departments/${department}/members`, { principalId: people[who]!.principalId, displayName: who }, people[admin]!.token);
    assert.equal(added.status, 201, JSON.stringify(added.body));
  };
  const as = (who: string) => people[who]!.token;
  const detail = (who: string, key: string) => world.api('GET', `/api/v1/applications/${key}`, undefined, as(who));
  const decideAs = async (who: string, key: string, body: unknown, version?: string) => {
    const etag = version ?? (await detail(who, key)).headers.get('etag')!;
    return world.api('POST', `/api/v1/applications/${key}/decisions`, body, as(who), { 'if-match': etag });
  };

  const submitted = (accountId: string, procedures: string[], answers = ANSWERS) => submitApplications(world.app, accountId, procedures, answers);

  let resident: { accountId: string; cookie: string };
  /** Staff signed in to the pages (a session, as pages need): a kenko reviewer of 会津若松市 and a prefecture tax reviewer. */
  const sessions: Record<string, string> = {};
  const staffPage = (who: string, path: string) => world.page(path, { cookie: sessions[who]! });

  before(async () => {
    world = await startWorld([5300, 5319]);
    await staff('admin', 'municipal_admin', '072028');
    await staff('koriyamaAdmin', 'municipal_admin', '072036');
    await staff('prefAdmin', 'municipal_admin', '070009');
    await staff('reviewer', 'reviewer', '072028');
    await staff('approver1', 'approver', '072028');
    await staff('approver2', 'approver', '072028');
    await staff('kodomoReviewer', 'reviewer', '072028');
    await staff('koriyamaReviewer', 'reviewer', '072036');
    await staff('prefReviewer', 'reviewer', '070009');
    for (const who of ['reviewer', 'approver1', 'approver2']) await join('admin', who, '072028/kenko');
    await join('admin', 'kodomoReviewer', '072028/kodomo');
    await join('koriyamaAdmin', 'koriyamaReviewer', '072036/kenko');
    await join('prefAdmin', 'prefReviewer', '070009/zeimu');
    for (const [who, email, role, lgCode, department] of [['kenkoDesk', 'kenko-desk@city.example.jp', 'reviewer', '072028', '072028/kenko'], ['taxDesk', 'tax-desk@pref.example.jp', 'reviewer', '070009', '070009/zeimu']] as const) {
      const scope: Record<string, string> = lgCode === '070009' ? { level: 'prefecture', prefectureCode: '070009' } : { level: 'municipality', prefectureCode: '070009', lgCode };
      sessions[who] = `tsn_session=${(await onboardStaff(world.app, world.adminToken, email, [{ role, scope }], lgCode)).sessionToken}`;
      const added = await world.api('POST', `/api/v1/procedure-departments/${department}/members`, { email }, as(department.startsWith('070009') ? 'prefAdmin' : 'admin'));
      assert.equal(added.status, 201, JSON.stringify(added.body));
    }
    const registered = await registerResident(world.app, 'hanako-workflow@example.jp');
    resident = { accountId: registered.accountId, cookie: `tsn_session=${registered.sessionToken}` };
  });
  after(async () => world?.close());

  it('lets municipal staff configure a routing, checked and under If-Match; others are refused', async () => {
    const path = '/api/v1/procedures/072028/shussei-renraku/routing';
    const demo = await world.api('GET', path, undefined, as('reviewer'));
    assert.equal(demo.status, 200);
    assert.equal(demo.body.default, false, 'the demo data routes this procedure');
    const unrouted = await world.api('GET', '/api/v1/procedures/072028/hoiku-moushikomi/routing', undefined, as('reviewer'));
    assert.deepEqual([unrouted.body.default, unrouted.body.stages.map((s: { kind: string }) => s.kind), unrouted.body.stages[0].departmentCode], [true, ['receive', 'check', 'approve'], 'hoiku']);

    const bad = await world.api('PUT', path, { stages: [{ kind: 'approve', departmentCode: 'nowhere', role: 'reviewer', days: 3 }, { kind: 'receive', departmentCode: 'kenko', role: 'reviewer', days: 1 }] }, as('admin'), { 'if-match': demo.headers.get('etag')! });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { name: string }) => e.name).sort(), ['/stages/0/departmentCode', '/stages/0/kind', '/stages/0/role', '/stages/1/kind'].sort());

    const routing = { stages: [{ kind: 'receive', departmentCode: 'kenko', role: 'reviewer', days: 2 }, { kind: 'approve', departmentCode: 'kenko', role: 'approver', days: 2 }, { kind: 'approve', departmentCode: 'kenko', role: 'approver', days: 3 }], issueDocument: true, documentTitle: '出生連絡票 受理通知書' };
    assert.equal((await world.api('PUT', path, routing, as('admin'))).status, 428, 'replacing needs If-Match');
    assert.equal((await world.api('PUT', path, routing, as('reviewer'), { 'if-match': demo.headers.get('etag')! })).status, 403, 'a reviewer does not configure routings');
    assert.equal((await world.api('PUT', path, routing, as('koriyamaAdmin'), { 'if-match': demo.headers.get('etag')! })).status, 403, 'another municipality does not either');
    const saved = await world.api('PUT', path, routing, as('admin'), { 'if-match': demo.headers.get('etag')! });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.processingDays, 7);
    assert.equal((await world.api('PUT', path, routing, as('admin'), { 'if-match': demo.headers.get('etag')! })).status, 412, 'a stale version is refused');

    assert.equal((await world.api('POST', '/api/v1/procedure-departments/072028/kenko/members', { principalId: people['koriyamaReviewer']!.principalId, displayName: 'x' }, as('koriyamaAdmin'))).status, 403, 'only the tenant\'s administrators manage its departments');
    assert.equal((await world.api('POST', '/api/v1/procedure-departments/072028/kenko/members', { email: 'nobody@example.jp' }, as('admin'))).status, 404);
  });

  let key: string;

  it('shows an application only to the departments of its routing, in its own tenant', async () => {
    key = (await submitted(resident.accountId, ['072028/shussei-renraku']))[0]!;
    const queue = await world.api('GET', '/api/v1/application-queue', undefined, as('reviewer'));
    assert.equal(queue.status, 200);
    assert.deepEqual(queue.body.items.map((i: { id: string }) => `072028/${i.id}`), [key]);
    assert.equal(queue.body.items[0].applicantName, '會津 花子');
    assert.equal(queue.body.items[0].stageName.ja, '受付');
    for (const outsider of ['kodomoReviewer', 'koriyamaReviewer', 'prefReviewer']) {
      assert.equal((await world.api('GET', '/api/v1/application-queue', undefined, as(outsider))).body.total, 0, `${outsider} sees nothing of kenko's`);
      assert.equal((await detail(outsider, key)).status, 404, `${outsider} cannot open it`);
    }
    assert.equal((await detail('reviewer', key)).body.actions.join(), 'receive,return,reject');
    assert.deepEqual((await detail('approver1', key)).body.actions, [], 'an approver does not receive');
    assert.equal((await decideAs('approver1', key, { action: 'receive' })).status, 403);
  });

  it('refuses a second decision made on the same version (two staff at once)', async () => {
    const etag = (await detail('reviewer', key)).headers.get('etag')!;
    assert.equal((await world.api('POST', `/api/v1/applications/${key}/decisions`, { action: 'receive' }, as('reviewer'))).status, 428);
    const both = await Promise.all([decideAs('reviewer', key, { action: 'receive' }, etag), decideAs('reviewer', key, { action: 'receive' }, etag)]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 412]);
    const events = await proceduresDb(world.app.ctx.db).selectFrom('procedures_application_events').select(['from_status', 'to_status']).where('application_id', '=', key.split('/')[1]!).orderBy('seq').execute();
    assert.deepEqual(events.map((e) => `${e.from_status}>${e.to_status}`), ['draft>submitted', 'submitted>received'], 'received once');
  });

  it('returns with reasons per field; the resident corrects on the pages; staff see what changed', async () => {
    // At the first approval level the approver returns it: the birth weight looks wrong.
    const noReason = await decideAs('approver1', key, { action: 'return', reasons: [] });
    assert.equal(noReason.status, 400);
    const returned = await decideAs('approver1', key, { action: 'return', reasons: [{ field: 'birthWeight', reason: '出生体重を母子健康手帳のとおりに記入してください' }] });
    assert.equal(returned.status, 200, JSON.stringify(returned.body));
    assert.equal(returned.body.status, 'returned');
    const told = await portalDb(world.app.ctx.db).selectFrom('portal_notifications').select('title_ja').where('account_id', '=', resident.accountId).execute();
    assert.ok(told.some((n) => n.title_ja.includes('差し戻されました')), 'the resident is told');

    let cookie = resident.cookie;
    const page = async (path: string, form?: Record<string, string>) => {
      const response = await fetch(`${world.base}${path}`, { method: form ? 'POST' : 'GET', redirect: 'manual', headers: { cookie, accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body: form ? new URLSearchParams(form).toString() : undefined });
      const set = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      if (set) cookie = `${cookie}; ${set}`;
      return { status: response.status, text: await response.text(), location: response.headers.get('location') };
    };
    const mine = await page('/account/applications');
    assert.match(mainText(mine.text), /差戻し[\s\S]*出生体重（グラム） ：出生体重を母子健康手帳のとおりに記入してください/);
    const correct = `/account/applications/${key}/correct`;
    const form = await page(correct);
    assert.equal(form.status, 200);
    assert.match(form.text, /name="birthWeight"[^>]*value="3012"/, 'prefilled with what was submitted');
    assert.doesNotMatch(form.text, /name="phone"/, 'only the returned answers are asked again');
    const csrf = hiddenField(form.text, '_csrf');
    // A browser posts every box of the page (prefilled as above).
    const baby = { babyNameKana: '', 'babyBirthDate-year': '2026', 'babyBirthDate-month': '11', 'babyBirthDate-day': '20' };
    assert.match(form.text, /name="babyBirthDate-year"[^>]*value="2026"/);
    const wrong = await page(correct, { _csrf: csrf, ...baby, birthWeight: '12' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /href="#birthWeight"/);
    const fixed = await page(correct, { _csrf: csrf, ...baby, birthWeight: '3120' });
    assert.equal(fixed.status, 303, mainText(fixed.text).slice(0, 500));
    assert.match(mainText((await page(fixed.location!)).text), /再申請しました[\s\S]*再申請済み/);

    const seen = await detail('approver1', key);
    assert.equal(seen.body.status, 'resubmitted');
    const changes = seen.body.history.find((h: { action: string }) => h.action === 'resubmitted').changes;
    assert.deepEqual(changes, [{ field: 'birthWeight', before: 3012, after: 3120 }]);
    const shown = await staffPage('kenkoDesk', `/staff/applications/${key}`);
    assert.equal(shown.status, 200);
    assert.match(mainText(shown.text), /再申請で変わった回答[\s\S]*出生体重（グラム） 3,012 3,120/);
  });

  it('needs two different approvers for two levels, then approves, notifies and issues the signed document', async () => {
    assert.equal((await decideAs('approver1', key, { action: 'approve' })).body.status, 'received', 'level 1 of 2');
    const again = await decideAs('approver1', key, { action: 'approve' });
    assert.equal(again.status, 403, 'the same person cannot approve level 2');
    const final = await decideAs('approver2', key, { action: 'approve' });
    assert.equal(final.status, 200, JSON.stringify(final.body));
    assert.equal(final.body.status, 'approved');
    assert.match(final.body.document.number, /^第072028-\d{4}-\d{6}号$/);
    const issued = await documentsDb(world.app.ctx.db).selectFrom('documents_issued').select(['title', 'account_id']).where('id', '=', final.body.document.id).executeTakeFirstOrThrow();
    assert.deepEqual(issued, { title: '出生連絡票 受理通知書', account_id: resident.accountId });
    const titles = (await portalDb(world.app.ctx.db).selectFrom('portal_notifications').select('title_ja').where('account_id', '=', resident.accountId).execute()).map((n) => n.title_ja);
    assert.ok(titles.some((t) => t.includes('承認されました')) && titles.some((t) => t.includes('発行されました')));
    assert.equal((await decideAs('approver2', key, { action: 'reject', reason: 'x' })).status, 409, 'a decided application takes no more decisions');
    const audited = await world.app.ctx.db.selectFrom('platform_audit_events').select('action').where('subject', '=', `application:${key}`).orderBy('seq').execute();
    assert.deepEqual(audited.map((a) => a.action).filter((a) => a !== 'procedures.application_submitted'), ['procedures.application_received', 'procedures.application_returned', 'procedures.application_resubmitted', 'procedures.application_approved', 'procedures.application_approved']);
  });

  it('holds a later part of a bulk application until the earlier one is decided', async () => {
    // The prefecture's automobile tax waits for the city's birth notice applied for with it.
    const path = '/api/v1/procedures/070009/jidoushazei-jusho/routing';
    const current = await world.api('GET', path, undefined, as('prefAdmin'));
    const ordered = await world.api('PUT', path, { stages: current.body.stages, after: [{ lgCode: '072028', code: 'shussei-renraku' }] }, as('prefAdmin'), { 'if-match': current.headers.get('etag')! });
    assert.equal(ordered.status, 200, JSON.stringify(ordered.body));
    const [first, later] = await submitted(resident.accountId, ['072028/shussei-renraku', '070009/jidoushazei-jusho']);
    const queue = await world.api('GET', '/api/v1/application-queue', undefined, as('prefReviewer'));
    assert.deepEqual(queue.body.items.map((i: { id: string; waiting: boolean }) => [`070009/${i.id}`, i.waiting]), [[later, true]]);
    assert.equal((await decideAs('prefReviewer', later!, { action: 'receive' })).status, 409);
    const home = async () => mainText((await staffPage('taxDesk', '/staff')).text);
    assert.match(await home(), /税務課\s*：新着 0 件/);
    assert.equal((await decideAs('reviewer', first!, { action: 'reject', reason: '出生届が未提出です' })).status, 200);
    assert.match(await home(), /税務課\s*：新着 1 件/, 'its turn has come');
    // The department is told by e-mail too (the arrival job, then the mail job it queues).
    for (let i = 0; i < 3; i++) await world.app.ctx.queue.runDue(50);
    const mails = (await readOutbox(world.app.ctx.db, world.app.ctx.sealer, { limit: 200, offset: 0 })).filter((m) => m.to === 'tax-desk@pref.example.jp');
    assert.ok(mails.some((m) => /一括申請で先に処理する手続が決定され、この申請の税務課の「受付」の段階が始まりました/.test(m.text)), mails.map((m) => m.subject).join());
    assert.equal((await decideAs('prefReviewer', later!, { action: 'receive' })).status, 200);
  });

  it('flags overdue applications and finds them by receipt number or name', async () => {
    const [late] = await submitted(resident.accountId, ['072028/shussei-renraku'], { ...ANSWERS, fullName: '郡山 太郎', fullNameKana: 'コオリヤマ タロウ' });
    await proceduresDb(world.app.ctx.db).updateTable('procedures_application_work').set({ due_on: '2026-01-05' }).where('application_id', '=', late!.split('/')[1]!).execute();
    const overdue = await world.api('GET', '/api/v1/application-queue?overdue=true', undefined, as('reviewer'));
    assert.deepEqual(overdue.body.items.map((i: { id: string; overdue: boolean }) => [`072028/${i.id}`, i.overdue]), [[late, true]]);
    const receipt = (await detail('reviewer', late!)).body.receiptNumber as string;
    assert.equal((await world.api('GET', `/api/v1/application-queue?q=${receipt.slice(-6)}`, undefined, as('reviewer'))).body.items[0].receiptNumber, receipt);
    for (const q of ['郡山', 'こおりやま', 'ｺｵﾘﾔﾏ']) {
      const found = await world.api('GET', `/api/v1/application-queue?q=${encodeURIComponent(q)}`, undefined, as('reviewer'));
      assert.deepEqual(found.body.items.map((i: { applicantName: string }) => i.applicantName), ['郡山 太郎'], q);
    }
    const list = await staffPage('kenkoDesk', '/staff/applications?options=overdue');
    assert.equal(list.status, 200);
    assert.match(mainText(list.text), /郡山 太郎[\s\S]*期限超過/);
    assert.equal((await staffPage('kenkoDesk', '/staff/applications?status=everything')).status, 400);
  });
});
