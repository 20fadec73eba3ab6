// Where a generic-form application (汎用様式) goes in the back office: a resident of 会津若松市
// sends 「その他の手続」 to the department they chose (こども家庭課), and it is in that
// department's queue, with the name they gave the procedure, and in no other: not in 市民課 (the
// department of the 「その他の手続」 procedure itself), nor in 郡山市's こども家庭課.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { mainText, signedInResident, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

const ANSWERS: Record<string, string> = { fullName: '会津 次郎', phone: '0242-39-1111', subject: '犬の登録事項の変更', declaration: 'yes' };

describe('generic form routing (汎用様式の提出先)', () => {
  let world: ProceduresWorld;
  const staff: Record<string, { token: string; principalId: string }> = {};

  before(async () => {
    world = await startWorld([5910, 5919]);
    // A reviewer in each department that could wrongly see it, and one in the chosen department.
    for (const [name, lgCode, department] of [['kodomo', '072028', 'kodomo'], ['shimin', '072028', 'shimin'], ['koriyama', '072036', 'kodomo']] as const) {
      const issued = await issueApiToken(world.app.ctx.db, { name, createdBy: 'system' });
      await grantRole(world.app.ctx, system, { principalId: issued.principalId, role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode } }, { ip: null, requestId: null });
      const added = await world.api('POST', `/api/v1/procedure-departments/${lgCode}/${department}/members`, { principalId: issued.principalId, displayName: name });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      staff[name] = { token: issued.token, principalId: issued.principalId };
    }
  });
  after(async () => world?.close());

  it('a generic application should be in the chosen department’s queue, and only there', async () => {
    const jiro = await signedInResident(world.app, world.base, 'generic-routing-jiro@example.jp');
    const started = await jiro.submitOn('/applications/generic?lgCode=072028', '/applications/generic', { lgCode: '072028', procedure: 'other', title: '犬の登録事項変更届', department: 'kodomo' });
    assert.equal(started.status, 303, mainText(started.text));
    const bulkId = /\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
    await jiro.submitOn(`/applications/${bulkId}/prefill`, `/applications/${bulkId}/prefill`, { prefill: 'no' });
    let at = (await jiro.get(`/applications/${bulkId}`)).location!;
    for (let i = 0; i < 10 && !at.endsWith('/review'); i++) {
      const shown = await jiro.get(at);
      const form = new FormData();
      form.set('_csrf', hiddenField(shown.text, '_csrf'));
      for (const [k, v] of Object.entries(ANSWERS)) form.set(k, v);
      if (/name="formFile"/.test(shown.text)) form.set('formFile', new Blob([new TextEncoder().encode('%PDF-1.4\n犬の登録事項変更届\n%%EOF')]), '届出.pdf');
      const posted = await fetch(new URL(at, world.base), { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: jiro.cookies() }, body: form });
      assert.equal(posted.status, 303, mainText(await posted.text()));
      at = posted.headers.get('location')!;
    }
    const review = await jiro.get(at);
    const submitted = await jiro.post(`/applications/${bulkId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
    assert.equal(submitted.status, 303, mainText(submitted.text));
    const receipt = /<strong class="receipt-number">([0-9-]+)<\/strong>/.exec((await jiro.get(submitted.location!)).text)![1]!;

    const queue = async (who: string) => (await world.api('GET', '/api/v1/application-queue?status=all', undefined, staff[who]!.token)).body.items.map((i: { receiptNumber: string }) => i.receiptNumber);
    assert.ok((await queue('kodomo')).includes(receipt), 'in the chosen department’s queue');
    assert.ok(!(await queue('shimin')).includes(receipt), 'not in the department of 「その他の手続」 itself');
    assert.ok(!(await queue('koriyama')).includes(receipt), 'not in another municipality’s department of the same name');
    const item = (await world.api('GET', '/api/v1/application-queue?status=all', undefined, staff['kodomo']!.token)).body.items.find((i: { receiptNumber: string }) => i.receiptNumber === receipt);
    assert.equal(item.departmentCode, 'kodomo');
    // Every stage stays in the chosen department, and its staff see the resident's name for the procedure.
    const detail = await world.api('GET', `/api/v1/applications/${item.lgCode}/${item.id}`, undefined, staff['kodomo']!.token);
    assert.deepEqual([...new Set(detail.body.work.stages.map((s: { departmentCode: string }) => s.departmentCode))], ['kodomo']);
    assert.equal((await world.api('GET', `/api/v1/applications/${item.lgCode}/${item.id}`, undefined, staff['shimin']!.token)).status, 404);
  });
});
