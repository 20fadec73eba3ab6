// Replacing an attachment when correcting a returned application (差戻し): the reviewer returns it
// with a reason on the file field; the correction page offers that field (and no other answer),
// checks the new file as on first submission, and resubmits; staff see the file replaced (old and
// new names) and can still download the old one, which nobody of another municipality can.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { saveAttachment } from '../applications/attachments.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText } from './procedures-helpers.ts';
import { ANSWERS, submitApplications } from './workflow-helpers.ts';

const PDF = Buffer.from('%PDF-1.4\n最初の資格確認書\n%%EOF');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe('replacing an attachment on correction', () => {
  let app: TestApp;
  const cookies: Record<string, string> = {};
  const request = async (who: string, method: 'GET' | 'POST', url: string, body?: URLSearchParams | FormData) => {
    // A FormData body goes as a browser sends it: multipart/form-data with its boundary.
    const encoded = body ? new Response(body) : undefined;
    const response = await app.app.inject({
      method, url,
      headers: { cookie: cookies[who]!, accept: 'text/html', ...(encoded ? { 'content-type': encoded.headers.get('content-type')! } : {}) },
      ...(encoded ? { payload: Buffer.from(await encoded.arrayBuffer()) } : {}),
    });
    const set = [response.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]).join('; ');
    if (set) cookies[who] = `${cookies[who]}; ${set}`;
    return response;
  };
  let key: string;

  before(async () => {
    app = await createTestApp();
    const adminToken = await platformAdminToken(app);
    const admin = await issueApiToken(app.ctx.db, { name: 'admin', createdBy: 'system' });
    await grantRole(app.ctx, system, { principalId: admin.principalId, role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }, { ip: null, requestId: null });
    for (const [who, lgCode] of [['kodomo', '072028'], ['koriyama', '072036']] as const) {
      const email = `${who}-desk@city.example.jp`;
      cookies[who] = `tsn_session=${(await onboardStaff(app, adminToken, email, [{ role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode } }], lgCode)).sessionToken}`;
      if (lgCode === '072028') {
        const added = await app.app.inject({ method: 'POST', url: '/api/v1/procedure-departments/072028/kodomo/members', headers: { authorization: `Bearer ${admin.token}` }, payload: { email } });
        assert.equal(added.statusCode, 201, added.body);
      }
    }
    const resident = await registerResident(app, 'hanako-files@example.jp');
    cookies['resident'] = `tsn_session=${resident.sessionToken}`;
    const answers = { ...ANSWERS, 'children-count': '1', 'children-0-fullName': '會津　太郎', 'children-0-fullNameKana': 'アイヅ タロウ', 'children-0-birthDate-year': '2020', 'children-0-birthDate-month': '5', 'children-0-birthDate-day': '5', 'children-0-relationship': 'child', insurance: 'kokuho', insuranceCard: '資格確認書.pdf' };
    key = (await submitApplications(app, resident.accountId, ['072028/kodomo-iryouhi'], answers))[0]!;
    const [lgCode, id] = key.split('/') as [string, string];
    await saveAttachment(proceduresDb(app.ctx.db), app.ctx.sealer, { lgCode, id }, 'insuranceCard', { filename: '資格確認書.pdf', contentType: 'application/pdf', data: PDF });
  });
  after(async () => app?.close());

  it('should let the resident replace the returned file, checked as on first submission', async () => {
    const staffPage = `/staff/applications/${key}`;
    const detail = await request('kodomo', 'GET', staffPage);
    const returned = await request('kodomo', 'POST', `${staffPage}/decide`, new URLSearchParams({ _csrf: hiddenField(detail.body, '_csrf'), version: hiddenField(detail.body, 'version'), action: 'return', 'reason-insuranceCard': '有効期限が切れています。新しいものを添付してください' }));
    assert.equal(returned.statusCode, 303, returned.body.slice(0, 300));

    const correct = `/account/applications/${key}/correct`;
    const form = await request('resident', 'GET', correct);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /enctype="multipart\/form-data"/);
    assert.match(form.body, /type="file"[^>]*name="insuranceCard"|name="insuranceCard"[^>]*type="file"/);
    assert.match(mainText(form.body), /添付済み： 資格確認書\.pdf/);
    assert.doesNotMatch(form.body, /name="phone"/, 'only the returned answer is asked again');
    const send = (file: Blob, name: string) => {
      const body = new FormData();
      body.set('_csrf', hiddenField(form.body, '_csrf'));
      body.set('insuranceCard', file, name);
      return request('resident', 'POST', correct, body);
    };
    const wrong = await send(new Blob(['not really a pdf']), 'card.pdf');
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /href="#insuranceCard"/);
    assert.match(mainText(wrong.body), /PDF・JPG・PNGのファイルを選んでください/);
    const big = new Uint8Array(5 * 1024 * 1024 + 10);
    big.set(PNG);
    assert.match(mainText((await send(new Blob([big]), 'big.png')).body), /5MB以下のファイルにしてください/);
    assert.equal((await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select('status').where('id', '=', key.split('/')[1]!).executeTakeFirstOrThrow()).status, 'returned', 'nothing resubmitted yet');

    const fixed = await send(new Blob([PNG]), '新しい資格確認書.png');
    assert.equal(fixed.statusCode, 303, mainText(fixed.body).slice(0, 500));
  });

  it('should show staff the file replaced, old and new names, with both files kept', async () => {
    const page = await request('kodomo', 'GET', `/staff/applications/${key}`);
    assert.equal(page.statusCode, 200);
    const text = mainText(page.body);
    assert.match(text, /再申請で変わった回答[\s\S]*子どもの資格確認書または資格情報のお知らせ 資格確認書\.pdf 新しい資格確認書\.png（ファイルを差し替え）/);
    assert.match(text, /差し替えられた以前のファイル[\s\S]*資格確認書\.pdf/);
    const current = await request('kodomo', 'GET', `/staff/applications/${key}/files/insuranceCard`);
    assert.deepEqual([current.statusCode, current.headers['content-type']], [200, 'image/png']);
    assert.deepEqual(current.rawPayload, PNG);
    const link = /href="([^"]*\/replaced-files\/\d+)"/.exec(page.body)![1]!;
    const earlier = await request('kodomo', 'GET', link);
    assert.deepEqual([earlier.statusCode, earlier.headers['content-type']], [200, 'application/pdf']);
    assert.deepEqual(earlier.rawPayload, PDF);
    assert.equal((await request('koriyama', 'GET', link)).statusCode, 404, 'another municipality\'s staff cannot');
    const audited = await app.ctx.db.selectFrom('platform_audit_events').select('details').where('action', '=', 'procedures.application_resubmitted').executeTakeFirstOrThrow();
    assert.deepEqual((audited.details as { replacedFiles: string[] }).replacedFiles, ['insuranceCard']);
  });
});
