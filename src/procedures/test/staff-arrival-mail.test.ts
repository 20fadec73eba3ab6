// E-mail to staff when an application reaches their department's stage: sent to the members of
// the stage's department who hold its role (not to other departments or municipalities, not to
// whoever moved it there), with no personal data of the resident; each staff member may turn the
// mails off on /staff/notifications (audited), and then gets none.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { readOutbox } from '../../platform/mail/transports.ts';
import { ApplicationStore } from '../applications/application-store.ts';
import { loadFlow } from '../applications/application-flow.ts';
import { submitApplication } from '../applications/submit-application.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { createProceduresContext } from '../procedures-context.ts';
import { resubmit } from '../workflow/decisions.ts';
import { ANSWERS } from './workflow-helpers.ts';

describe('e-mail to staff when an application reaches their stage', () => {
  let app: TestApp;
  const cookies: Record<string, string> = {};
  const EMAIL = { reviewerA: 'kenko-a@city.example.jp', reviewerB: 'kenko-b@city.example.jp', approver: 'kenko-approver@city.example.jp', kodomo: 'kodomo@city.example.jp', koriyama: 'koriyama@city.example.jp' };

  const inject = async (who: string, method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const response = await app.app.inject({ method, url, headers: { cookie: cookies[who]!, accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(form ? { payload: new URLSearchParams(form).toString() } : {}) });
    const set = [response.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
    if (set) cookies[who] = `${cookies[who]}; ${set}`;
    return response;
  };
  /** Posts the form of `page` back with `form` and the page's CSRF token. */
  const postOn = async (who: string, page: string, url: string, form: Record<string, string>) => inject(who, 'POST', url, { _csrf: hiddenField((await inject(who, 'GET', page)).body, '_csrf'), ...form });
  let seen = 0;
  /** The mails sent since the last call, once the queue (arrival jobs, then mail jobs) has run. */
  const newMail = async () => {
    for (let i = 0; i < 4; i++) await app.ctx.queue.runDue(50);
    const all = await readOutbox(app.ctx.db, app.ctx.sealer, { limit: 500, offset: 0 });
    const fresh = all.slice(0, all.length - seen).filter((m) => m.subject.includes('処理の番'));
    seen = all.length;
    return fresh;
  };

  let residentId: string;
  const submit = async () => {
    const db = proceduresDb(app.ctx.db);
    const store = new ApplicationStore(app.ctx.sealer);
    const procedure = (await findProcedure(db, '072028', 'shussei-renraku'))!;
    const bulkId = await store.createBulk(db, { lgCode: '072028', applicant: { accountId: residentId, proxyAccountId: null, mandateId: null }, lifeEventCode: null, practice: false, shared: { values: { fullName: ANSWERS.fullName!, fullNameKana: ANSWERS.fullNameKana!, 'address-postcode': ANSWERS['address-postcode']!, 'address-address': ANSWERS['address-address']!, phone: ANSWERS.phone! }, prefilled: [], prefill: null }, procedures: [{ lgCode: '072028', code: 'shussei-renraku', formVersionId: procedure.formVersionId!, own: ANSWERS }] });
    const flow = await loadFlow(db, (await store.findBulk(db, bulkId, residentId))!);
    const result = await submitApplication(createProceduresContext(app.ctx), flow, randomUUID(), todayInJapanIso(), { actor: `account:${residentId}`, ip: null, requestId: null });
    assert.equal(result.kind, 'submitted', JSON.stringify(result));
    return { id: flow.forms[0]!.application.id, receipt: (result as { receipts: Array<{ receiptNumber: string }> }).receipts[0]!.receiptNumber };
  };

  before(async () => {
    app = await createTestApp();
    const adminToken = await platformAdminToken(app);
    const admins: Record<string, string> = {};
    for (const lgCode of ['072028', '072036']) {
      const issued = await issueApiToken(app.ctx.db, { name: `admin ${lgCode}`, createdBy: 'system' });
      await grantRole(app.ctx, system, { principalId: issued.principalId, role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode } }, { ip: null, requestId: null });
      admins[lgCode] = issued.token;
    }
    const people: Array<[keyof typeof EMAIL, string, string, string]> = [['reviewerA', 'reviewer', '072028', 'kenko'], ['reviewerB', 'reviewer', '072028', 'kenko'], ['approver', 'approver', '072028', 'kenko'], ['kodomo', 'reviewer', '072028', 'kodomo'], ['koriyama', 'reviewer', '072036', 'kenko']];
    for (const [who, role, lgCode, department] of people) {
      const onboarded = await onboardStaff(app, adminToken, EMAIL[who], [{ role, scope: { level: 'municipality', prefectureCode: '070009', lgCode } }], lgCode);
      cookies[who] = `tsn_session=${onboarded.sessionToken}`;
      const added = await app.app.inject({ method: 'POST', url: `/api/v1/procedure-departments/${lgCode}/${department}/members`, headers: { authorization: `Bearer ${admins[lgCode]}` }, payload: { email: EMAIL[who] } });
      assert.equal(added.statusCode, 201, added.body);
    }
    residentId = (await registerResident(app, 'hanako-mail@example.jp')).accountId;
    await newMail();
  });
  after(async () => app?.close());

  let application: { id: string; receipt: string };

  it('should mail the reviewers of the receiving department, and no one else, without personal data', async () => {
    application = await submit();
    const mails = await newMail();
    assert.deepEqual(mails.map((m) => m.to).sort(), [EMAIL.reviewerA, EMAIL.reviewerB].sort(), 'the approver acts later; other departments and municipalities never');
    const mail = mails[0]!;
    assert.match(mail.subject, new RegExp(`出生連絡票.*${application.receipt}`));
    assert.match(mail.text, /新しい申請が、健康増進課の「受付」の段階に届きました/);
    assert.match(mail.text, /A new application has reached the "Receive" stage/);
    assert.match(mail.text, new RegExp(`受付番号：${application.receipt}`));
    assert.match(mail.text, /処理期限：\d{4}-\d{2}-\d{2}/);
    assert.match(mail.text, new RegExp(`/staff/applications/072028/${application.id}\\n`));
    for (const personal of ['會津', '花子', 'ハナコ', 'hanako', '3012', '0242391111', '965-0872']) assert.ok(!mail.text.includes(personal) && !mail.subject.includes(personal), `no ${personal} in the mail`);
  });

  it('should let a staff member turn the mails off (audited), and then send them none', async () => {
    const page = await inject('reviewerB', 'GET', '/staff/notifications');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /name="arrivalMail" type="radio" value="on" checked|value="on"[^>]*checked/, 'on by default');
    const home = await inject('reviewerB', 'GET', '/staff');
    assert.match(home.body, /href="\/staff\/notifications"/);
    assert.equal((await postOn('reviewerB', '/staff/notifications', '/staff/notifications', { arrivalMail: 'maybe' })).statusCode, 422);
    const saved = await postOn('reviewerB', '/staff/notifications', '/staff/notifications', { arrivalMail: 'off' });
    assert.equal(saved.statusCode, 200);
    assert.match(saved.body, /通知の設定を保存しました/);
    assert.match(saved.body, /value="off"[^>]*checked/);
    const audited = await app.ctx.db.selectFrom('platform_audit_events').select(['action', 'details']).where('action', '=', 'procedures.staff_notifications_changed').execute();
    assert.equal(audited.length, 1);
    assert.deepEqual(audited[0]!.details, { arrivalMail: false });

    await submit();
    assert.deepEqual((await newMail()).map((m) => m.to), [EMAIL.reviewerA]);
  });

  it('should mail the next stage when one is done, not the person who did it', async () => {
    const page = `/staff/applications/072028/${application.id}`;
    const detail = await inject('reviewerA', 'GET', page);
    const received = await inject('reviewerA', 'POST', `${page}/decide`, { _csrf: hiddenField(detail.body, '_csrf'), version: hiddenField(detail.body, 'version'), action: 'receive' });
    assert.equal(received.statusCode, 303, received.body.slice(0, 300));
    const mails = await newMail();
    assert.deepEqual(mails.map((m) => m.to), [EMAIL.approver]);
    assert.match(mails[0]!.text, /前の段階が終わり、申請が健康増進課の「決裁」の段階に進みました/);
  });

  it('should mail the stage again when the resident resubmits a correction', async () => {
    const page = `/staff/applications/072028/${application.id}`;
    const detail = await inject('approver', 'GET', page);
    const returned = await inject('approver', 'POST', `${page}/decide`, { _csrf: hiddenField(detail.body, '_csrf'), version: hiddenField(detail.body, 'version'), action: 'return', 'reason-birthWeight': '出生体重を確認してください' });
    assert.equal(returned.statusCode, 303, returned.body.slice(0, 300));
    assert.deepEqual(await newMail(), [], 'a return waits for the resident');
    const ctx = createProceduresContext(app.ctx);
    const stored = (await new ApplicationStore(app.ctx.sealer).findForStaff(ctx.db, '072028', application.id))!;
    assert.ok(await resubmit(ctx, stored, { values: stored.own.values, answers: { ...stored.own.answers, birthWeight: 3120 } }, `account:${residentId}`, { ip: null, requestId: null }));
    const mails = await newMail();
    assert.deepEqual(mails.map((m) => m.to), [EMAIL.approver]);
    assert.match(mails[0]!.text, /修正されて再申請され/);
  });
});
