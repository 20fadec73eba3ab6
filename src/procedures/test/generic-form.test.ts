// The generic form (汎用様式) against the real server: a resident of 会津若松市 sends the form file
// of 未熟児養育医療 (a counter procedure that accepts the generic form) and gets a receipt number
// and a row on My page; 「その他の手続」 asks for the procedure's name and the division, and
// stores where it goes; a file that is not a PDF or image is refused; another person finds none of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText } from './procedures-helpers.ts';

const PDF = new Uint8Array(new TextEncoder().encode('%PDF-1.4\n養育医療給付申請書\n%%EOF'));
const ANSWERS: Record<string, string> = { fullName: '会津 花子', phone: '0242-39-1111', email: 'hanako@example.jp', subject: '養育医療の申請書の提出', message: '意見書は病院から郵送されます。', declaration: 'yes' };

describe('generic form (汎用様式)', () => {
  let app: TestApp;
  let base: string;

  const person = async (email: string) => {
    const { sessionToken } = await registerResident(app, email);
    let cookie = `tsn_session=${sessionToken}`;
    const get = async (path: string) => {
      const response = await fetch(new URL(path, base), { redirect: 'manual', headers: { accept: 'text/html', cookie } });
      const set = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      if (set) cookie = `${cookie}; ${set}`;
      return { status: response.status, text: await response.text(), location: response.headers.get('location') };
    };
    const send = async (path: string, form: FormData | URLSearchParams) => {
      const response = await fetch(new URL(path, base), { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie }, body: form });
      return { status: response.status, text: await response.text(), location: response.headers.get('location') };
    };
    const csrfOf = async (path: string) => hiddenField((await get(path)).text, '_csrf');
    return { get, send, csrfOf };
  };
  type Person = Awaited<ReturnType<typeof person>>;

  /** Starts from the choice page and returns the bulk application's id. */
  const start = async (who: Person, form: Record<string, string>) => {
    const started = await who.send('/applications/generic', new URLSearchParams({ _csrf: await who.csrfOf('/applications/generic?lgCode=072028'), lgCode: '072028', ...form }));
    assert.equal(started.status, 303, mainText(started.text));
    return /^\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
  };
  /** Answers every step (the file as `file`) up to the review, then submits; returns the done page. */
  const complete = async (who: Person, bulkId: string, file: { name: string; bytes: Uint8Array<ArrayBuffer> }) => {
    await who.send(`/applications/${bulkId}/prefill`, new URLSearchParams({ _csrf: await who.csrfOf(`/applications/${bulkId}/prefill`), prefill: 'no' }));
    let at = (await who.get(`/applications/${bulkId}`)).location!;
    for (let i = 0; i < 15 && !at.endsWith('/review'); i++) {
      const shown = await who.get(at);
      const form = new FormData();
      form.set('_csrf', hiddenField(shown.text, '_csrf'));
      for (const [k, v] of Object.entries(ANSWERS)) form.set(k, v);
      if (/name="formFile"/.test(shown.text)) form.set('formFile', new Blob([file.bytes]), file.name);
      const posted = await who.send(at, form);
      if (posted.status !== 303) return { refused: posted };
      at = posted.location!;
    }
    const review = await who.get(at);
    assert.match(mainText(review.text), /様式\.pdf/);
    const submitted = await who.send(`/applications/${bulkId}/submit`, new URLSearchParams({ _csrf: hiddenField(review.text, '_csrf'), submissionKey: hiddenField(review.text, 'submissionKey') }));
    assert.equal(submitted.status, 303);
    return { done: await who.get(submitted.location!) };
  };
  const applicationOf = (bulkId: string) => proceduresDb(app.ctx.db).selectFrom('procedures_applications as a').leftJoin('procedures_generic_applications as g', (j) => j.onRef('g.lg_code', '=', 'a.lg_code').onRef('g.application_id', '=', 'a.id')).select(['a.id', 'a.lg_code', 'a.procedure_code', 'a.status', 'a.receipt_number', 'g.department_code', 'g.title']).where('a.bulk_id', '=', bulkId).executeTakeFirstOrThrow();

  before(async () => {
    ({ app, base } = await createListeningTestApp([5521, 5540]));
  });
  after(async () => app?.close());

  it('sends a procedure’s form file with the minimum record: receipt number, My page, the department it goes to', async () => {
    const hanako = await person('generic-hanako@example.jp');
    const detail = await hanako.get('/procedures/072028/mijukuji-iryou');
    assert.match(detail.text, /href="\/applications\/generic\?procedure=072028\/mijukuji-iryou"/);
    const choice = await hanako.get('/applications/generic?procedure=072028/mijukuji-iryou');
    assert.equal(choice.status, 200);
    assert.match(mainText(choice.text), /未熟児養育医療の給付申請 提出先：健康増進課/);
    assert.match(mainText(choice.text), /その他の手続/);
    assert.match(choice.text, /value="mijukuji-iryou"[^>]*checked/);

    const bulkId = await start(hanako, { procedure: 'mijukuji-iryou' });
    const { done } = await complete(hanako, bulkId, { name: '様式.pdf', bytes: PDF });
    const application = await applicationOf(bulkId);
    assert.equal(application.status, 'submitted');
    assert.equal(application.procedure_code, 'mijukuji-iryou');
    assert.equal(application.department_code, 'kenko');
    assert.match(mainText(done!.text), new RegExp(`受付番号 ${application.receipt_number}`));
    const mine = mainText((await hanako.get('/account/applications')).text);
    assert.match(mine, new RegExp(`未熟児養育医療の給付申請 ${application.receipt_number} 申請済み`));
    const file = await proceduresDb(app.ctx.db).selectFrom('procedures_application_files').select(['filename', 'content_type']).where('application_id', '=', application.id).executeTakeFirstOrThrow();
    assert.deepEqual(file, { filename: '様式.pdf', content_type: 'application/pdf' });

    // Another person finds none of it.
    const taro = await person('generic-taro@example.jp');
    assert.equal((await taro.get(`/applications/${bulkId}`)).status, 404);
    assert.equal((await taro.get(`/applications/${bulkId}/done`)).status, 404);
    assert.equal((await taro.get(`/account/applications/072028/${application.id}/withdraw`)).status, 404);
    assert.equal((await taro.get(`/applications/${bulkId}/files/${application.id}/formFile`)).status, 404);
    assert.doesNotMatch(mainText((await taro.get('/account/applications')).text), /未熟児養育医療/);
  });

  it('「その他の手続」 needs the procedure’s name and the division, and keeps what was typed on an error', async () => {
    const jiro = await person('generic-jiro@example.jp');
    const missing = await jiro.send('/applications/generic', new URLSearchParams({ _csrf: await jiro.csrfOf('/applications/generic?lgCode=072028'), lgCode: '072028', procedure: 'other', title: '犬の登録事項変更届', department: '' }));
    assert.equal(missing.status, 422);
    assert.match(missing.text, /<title>エラー：/);
    assert.match(missing.text, /href="#department"/);
    assert.match(mainText(missing.text), /提出先の担当課を選んでください/);
    assert.match(missing.text, /value="犬の登録事項変更届"/);
    const none = await jiro.send('/applications/generic', new URLSearchParams({ _csrf: await jiro.csrfOf('/applications/generic?lgCode=072028'), lgCode: '072028' }));
    assert.equal(none.status, 422);
    assert.match(mainText(none.text), /申請する手続を選んでください/);
    const unknown = await jiro.send('/applications/generic', new URLSearchParams({ _csrf: await jiro.csrfOf('/applications/generic?lgCode=072028'), lgCode: '072028', procedure: 'tennyu-todoke' }));
    assert.equal(unknown.status, 422, 'a procedure that does not accept the generic form cannot be chosen');
    assert.equal((await jiro.get('/applications/generic?lgCode=999999')).status, 400);

    const bulkId = await start(jiro, { procedure: 'other', title: '犬の登録事項変更届', department: 'kokuho' });
    const application = await applicationOf(bulkId);
    assert.deepEqual([application.procedure_code, application.department_code, application.title], ['hanyou-shinsei', 'kokuho', '犬の登録事項変更届']);
  });

  it('refuses a file that is not a PDF, JPG or PNG, whatever its name says', async () => {
    const saburo = await person('generic-saburo@example.jp');
    const bulkId = await start(saburo, { procedure: 'mijukuji-iryou' });
    const { refused } = await complete(saburo, bulkId, { name: '様式.pdf', bytes: new Uint8Array(new TextEncoder().encode('just text, not a PDF')) });
    assert.equal(refused!.status, 422);
    assert.match(refused!.text, /href="#formFile"/);
    assert.match(mainText(refused!.text), /PDF・JPG・PNGのファイルを選んでください/);
    assert.equal((await applicationOf(bulkId)).status, 'draft');
  });
});
