// The bulk application (一括申請) against the real server: a resident applies for two demo
// procedures at once (shared answers asked once, prefilled from the profile only after saying
// yes and shown as such), checks the answers, submits twice and gets one application per
// procedure with its receipt number and a notification; drafts resume; another resident sees
// nothing; withdraw and copy from My page; practice mode keeps nothing; bad input is a 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { identityDb } from '../../identity/db/schema.ts';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText, signedInResident } from './procedures-helpers.ts';

// Everything a step might ask; each step keeps only the names its own fields post.
const ANSWERS: Record<string, string> = {
  fullNameKana: 'あいづ はなこ',
  'birthDate-year': '平成2', 'birthDate-month': '4', 'birthDate-day': '1',
  'address-postcode': '９６５－０８７２', 'address-address': '福島県会津若松市東栄町3-46',
  phone: '0242-39-1111', email: 'hanako@example.jp',
  'previousAddress-postcode': '100-0001', 'previousAddress-address': '東京都千代田区千代田1-1',
  plate: '会津 300 あ 12-34', declaration: 'yes', visitWish: 'no',
  'babyBirthDate-year': '2026', 'babyBirthDate-month': '11', 'babyBirthDate-day': '20', birthWeight: '３０１２',
  favourite: 'winter',
};

describe('bulk application', () => {
  let app: TestApp;
  let base: string;

  const person = (email: string) => signedInResident(app, base, email);
  type Person = Awaited<ReturnType<typeof person>>;

  /** Starts a bulk application and returns its id. */
  const start = async (who: Person, procedures: string[], lifeEvent?: string) => {
    const query = procedures.map((p) => `procedure=${encodeURIComponent(p)}`).join('&');
    const started = await who.submitOn(`/applications/new?${query}`, '/applications/new', { procedure: procedures, ...(lifeEvent ? { lifeEvent } : {}) });
    assert.equal(started.status, 303, started.text);
    return /^\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
  };
  /** Answers every step from `from` until the review page; returns the step paths visited. */
  const walk = async (who: Person, from: string, answers: Record<string, string> = ANSWERS) => {
    const visited: string[] = [];
    let at = from;
    for (let i = 0; i < 40 && !at.endsWith('/review'); i++) {
      const shown = await who.get(at);
      assert.equal(shown.status, 200, `${at}: ${mainText(shown.text).slice(0, 300)}`);
      visited.push(at);
      // Keep what is already filled in (the prefilled name) unless the answers say otherwise.
      const kept = Object.fromEntries([...shown.text.matchAll(/<input[^>]*name="(fullName)"[^>]*value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
      const posted = await who.post(at, hiddenField(shown.text, '_csrf'), { ...kept, ...answers });
      assert.equal(posted.status, 303, `${at}: ${mainText(posted.text).slice(0, 400)}`);
      at = posted.location!;
    }
    return visited;
  };
  const applicationsOf = (bulkId: string) => proceduresDb(app.ctx.db).selectFrom('procedures_applications').selectAll().where('bulk_id', '=', bulkId).orderBy('position').execute();

  before(async () => {
    ({ app, base } = await createListeningTestApp([4975, 4990]));
  });
  after(async () => app?.close());

  let hanako: Person;
  let bulkId: string;

  it('applies for two procedures with the shared answers asked once, prefilled only when allowed', async () => {
    hanako = await person('hanako@example.jp');
    await new ProfileStore(app.ctx.sealer).save(identityDb(app.ctx.db), hanako.accountId, {
      personal: { familyName: '會津', givenName: '花子', familyNameKana: 'アイヅ', givenNameKana: 'ハナコ', birthDate: '1990-04-01', postalCode: '965-0872', addressLine: '東栄町3-46', phone: '0242391111', household: [] },
      residenceLgCode: '072028', workplaceLgCode: null, language: 'ja', contact: {},
    }, null);

    // The procedure page and the start page offer it; the start page lists both.
    assert.match((await hanako.get('/procedures/070009/jidoushazei-jusho')).text, /action="\/applications\/new"[\s\S]*オンラインで申請する/);
    const overview = await hanako.get('/applications/new?procedure=070009/jidoushazei-jusho&procedure=072028/shussei-renraku');
    assert.equal(overview.status, 200);
    assert.match(mainText(overview.text), /自動車税[\s\S]*出生連絡票/);
    bulkId = await start(hanako, ['070009/jidoushazei-jusho', '072028/shussei-renraku'], 'moving-in');
    const started = await proceduresDb(app.ctx.db).selectFrom('procedures_bulk_applications').select(['lg_code', 'life_event_code', 'status']).where('id', '=', bulkId).executeTakeFirstOrThrow();
    assert.deepEqual(started, { lg_code: '072028', life_event_code: 'moving-in', status: 'draft' }, 'the municipality and the life event it came from');

    // Resuming a fresh draft asks about the profile first; nothing is prefilled before the answer.
    const resume = await hanako.get(`/applications/${bulkId}`);
    assert.equal(resume.location, `/applications/${bulkId}/prefill`);
    const unanswered = await hanako.submitOn(`/applications/${bulkId}/prefill`, `/applications/${bulkId}/prefill`, {});
    assert.equal(unanswered.status, 422);
    assert.match(unanswered.text, /href="#prefill"/);
    const allowed = await hanako.submitOn(`/applications/${bulkId}/prefill`, `/applications/${bulkId}/prefill`, { prefill: 'yes' });
    assert.equal(allowed.location, `/applications/${bulkId}/steps/shared/full-name`);
    const named = await hanako.get(allowed.location!);
    assert.match(named.text, /value="會津　花子"/, 'the name comes from the profile exactly as stored');
    assert.match(mainText(named.text), /プロフィールから入力/);

    // A wrong phone number: 422, the field named and linked, what was typed kept.
    const steps = await walk(hanako, allowed.location!);
    const phoneStep = `/applications/${bulkId}/steps/shared/phone`;
    const wrong = await hanako.submitOn(`${phoneStep}?review=1`, `${phoneStep}?review=1`, { phone: '12ab' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /href="#phone"/);
    assert.match(wrong.text, /value="12ab"/);
    assert.match(wrong.text, /<title>エラー：/);
    assert.equal((await hanako.get(`/applications/${bulkId}`)).location, phoneStep, 'the wrong answer was saved, and resuming goes to it');
    const fixed = await hanako.submitOn(`${phoneStep}?review=1`, `${phoneStep}?review=1`, { phone: '０２４２－３９－１１１１' });
    assert.equal(fixed.location, `/applications/${bulkId}/review`);
    const visited: string[] = [];

    // The shared questions were one step each, and no form asked them again.
    const all = [...steps, ...visited];
    assert.equal(new Set(all.filter((s) => s.endsWith('/full-name'))).size, 1);
    for (const path of all.filter((s) => !s.includes('/shared/'))) assert.doesNotMatch((await hanako.get(path)).text, /name="fullName"|name="address-postcode"|name="phone"/, path);

    // The review shows both applications, the prefilled name marked, change links.
    const review = await hanako.get(`/applications/${bulkId}/review`);
    assert.equal(review.status, 200);
    const text = mainText(review.text);
    assert.match(text, /會津 花子 プロフィールから入力/);
    assert.match(text, /アイヅ ハナコ/, 'kana normalised');
    assert.match(text, /自動車税[\s\S]*出生連絡票/);
    assert.match(review.text, /href="\/applications\/[0-9a-f-]+\/steps\/shared\/phone\?review=1"/);

    // Answers are sealed at rest.
    for (const row of await applicationsOf(bulkId)) assert.doesNotMatch(row.answers_sealed, /花子|hanako|1234/);

    // Submit twice at once (a double click): one application per procedure, one receipt each.
    const key = hiddenField(review.text, 'submissionKey');
    const csrf = hiddenField(review.text, '_csrf');
    const [a, b] = await Promise.all([hanako.post(`/applications/${bulkId}/submit`, csrf, { submissionKey: key }), hanako.post(`/applications/${bulkId}/submit`, csrf, { submissionKey: key })]);
    assert.deepEqual([a.status, b.status], [303, 303]);
    assert.equal((await hanako.post(`/applications/${bulkId}/submit`, csrf, { submissionKey: key })).location, `/applications/${bulkId}/done`, 'a retry lands on the same confirmation');
    const rows = await applicationsOf(bulkId);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => [r.lg_code, r.procedure_code, r.status]), [['070009', 'jidoushazei-jusho', 'submitted'], ['072028', 'shussei-renraku', 'submitted']]);
    assert.match(rows[0]!.receipt_number!, /^070009-\d{8}-\d{6}$/);
    assert.match(rows[1]!.receipt_number!, /^072028-\d{8}-\d{6}$/);
    const done = await hanako.get(`/applications/${bulkId}/done`);
    assert.match(mainText(done.text), new RegExp(`${rows[0]!.receipt_number}[\\s\\S]*${rows[1]!.receipt_number}`));
    const notes = await app.ctx.db.selectFrom('portal_notifications' as never).select(['title_ja' as never, 'body_ja' as never]).where('account_id' as never, '=', hanako.accountId as never).execute() as Array<{ title_ja: string; body_ja: string }>;
    assert.equal(notes.filter((n) => n.title_ja === '申請を受け付けました').length, 1);
    assert.match(notes[0]!.body_ja, new RegExp(rows[1]!.receipt_number!));
    const events = await proceduresDb(app.ctx.db).selectFrom('procedures_application_events').selectAll().where('application_id', 'in', rows.map((r) => r.id)).execute();
    assert.equal(events.length, 2);
    // Her home page shows the procedures she applied for, with their receipt numbers.
    assert.match(mainText((await hanako.get('/')).text), new RegExp(`あなたの申請[\\s\\S]*${rows[0]!.receipt_number}`));
  });

  it('keeps applications to their owner: another resident gets 404 everywhere', async () => {
    const taro = await person('taro@example.jp');
    const [one] = await applicationsOf(bulkId);
    for (const path of [`/applications/${bulkId}`, `/applications/${bulkId}/review`, `/applications/${bulkId}/done`, `/applications/${bulkId}/steps/shared/full-name`, `/account/applications/${one!.lg_code}/${one!.id}/withdraw`]) assert.equal((await taro.get(path)).status, 404, path);
    const csrf = hiddenField((await taro.get('/account/applications')).text, '_csrf');
    assert.equal((await taro.post(`/account/applications/${one!.lg_code}/${one!.id}/withdraw`, csrf, {})).status, 404);
    assert.equal((await taro.post(`/account/applications/${one!.lg_code}/${one!.id}/copy`, csrf, {})).status, 404);
    assert.doesNotMatch((await taro.get('/account/applications')).text, new RegExp(one!.receipt_number!));
  });

  it('lists applications on My page, withdraws one after confirming, and copies one into a new draft', async () => {
    const [tax] = await applicationsOf(bulkId);
    const mine = await hanako.get('/account/applications');
    assert.match(mainText(mine.text), new RegExp(`${tax!.receipt_number} 申請済み`));
    const confirm = await hanako.get(`/account/applications/${tax!.lg_code}/${tax!.id}/withdraw`);
    assert.match(mainText(confirm.text), /取り下げますか/);
    const withdrawn = await hanako.post(`/account/applications/${tax!.lg_code}/${tax!.id}/withdraw`, hiddenField(confirm.text, '_csrf'), {});
    assert.equal(withdrawn.status, 303);
    assert.equal((await applicationsOf(bulkId))[0]!.status, 'withdrawn');
    assert.equal((await hanako.post(`/account/applications/${tax!.lg_code}/${tax!.id}/withdraw`, hiddenField(confirm.text, '_csrf'), {})).status, 409, 'not twice');
    const audit = await app.ctx.db.selectFrom('platform_audit_events' as never).select('action' as never).where('subject' as never, '=', `application:${tax!.lg_code}/${tax!.id}` as never).execute() as Array<{ action: string }>;
    assert.deepEqual(audit.map((e) => e.action).sort(), ['procedures.application_submitted', 'procedures.application_withdrawn']);

    const copied = await hanako.post(`/account/applications/${tax!.lg_code}/${tax!.id}/copy`, hiddenField(confirm.text, '_csrf'), {});
    assert.match(copied.location!, /^\/applications\/[0-9a-f-]+\/review$/);
    const review = await hanako.get(copied.location!);
    assert.equal(review.status, 200);
    assert.match(mainText(review.text), /會津 花子[\s\S]*会津 300 あ 12-34/);
    assert.match(review.text, /name="submissionKey"/, 'complete, so it can be submitted as it is');
  });

  it('saves a draft as the resident goes, resumes it, and deletes it', async () => {
    const id = await start(hanako, ['072028/shussei-renraku']);
    await hanako.submitOn(`/applications/${id}/prefill`, `/applications/${id}/prefill`, { prefill: 'no' });
    const first = `/applications/${id}/steps/shared/full-name`;
    assert.equal((await hanako.submitOn(first, first, { fullName: '髙橋　﨑子' })).status, 303);
    const list = await hanako.get('/account/applications');
    assert.match(list.text, new RegExp(`href="/applications/${id}"`));
    const resumed = await hanako.get(`/applications/${id}`);
    assert.equal(resumed.location, `/applications/${id}/steps/shared/full-name-kana`, 'the first step still to answer');
    assert.match((await hanako.get(first)).text, /value="髙橋　﨑子"/, 'rare kanji kept exactly');
    // 「保存して、あとで続ける」 keeps what is on the page, even half typed, and says it was saved.
    const kana = `/applications/${id}/steps/shared/full-name-kana`;
    const later = await hanako.submitOn(kana, kana, { fullNameKana: 'たかはし', _later: '1' });
    assert.equal(later.location, '/account/applications?saved=1');
    assert.match(mainText((await hanako.get(later.location!)).text), /下書きを保存しました/);
    assert.match((await hanako.get(kana)).text, /value="たかはし"/, 'what was typed on the page was kept');
    assert.equal((await hanako.post(`/applications/${id}/delete`, hiddenField(list.text, '_csrf'), {})).status, 303);
    assert.equal((await hanako.get(`/applications/${id}`)).status, 404);
  });

  it('lets anyone practise: says so on every page, and keeps nothing', async () => {
    const before = (await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    for (let round = 0; round < 2; round++) {
      const id = await start(hanako, ['070009/renshu-shinsei']);
      const prefill = await hanako.get(`/applications/${id}/prefill`);
      assert.match(mainText(prefill.text), /練習用の手続です/);
      await hanako.post(`/applications/${id}/prefill`, hiddenField(prefill.text, '_csrf'), { prefill: 'no' });
      const steps = await walk(hanako, `/applications/${id}/steps/shared/full-name`, { ...ANSWERS, fullName: '練習　太郎' });
      for (const path of steps) assert.match(mainText((await hanako.get(path)).text), /練習用の手続です/);
      const review = await hanako.get(`/applications/${id}/review`);
      assert.match(mainText(review.text), /練習用の手続です/);
      const sent = await hanako.post(`/applications/${id}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
      assert.equal(sent.location, '/applications/practice/done');
      assert.equal((await hanako.post(`/applications/${id}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') })).location, '/applications/practice/done', 'a retry too');
      assert.match(mainText((await hanako.get(sent.location!)).text), /練習[\s\S]*どこにも送られず/);
    }
    const after = (await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    assert.equal(Number(after), Number(before), 'no practice application is kept');
  });

  it('asks for the My Number card where a procedure needs level A, and refuses to submit without it', async () => {
    const id = await start(hanako, ['072028/kokuho-kanyu']);
    const review = await hanako.get(`/applications/${id}/review`);
    assert.match(review.text, /href="\/login\/step-up\?level=A&amp;return=%2Fapplications%2F[0-9a-f-]+%2Freview"/);
    assert.doesNotMatch(review.text, /name="submissionKey"/);
    const key = (await proceduresDb(app.ctx.db).selectFrom('procedures_bulk_applications').select('submission_key').where('id', '=', id).executeTakeFirstOrThrow()).submission_key;
    assert.equal((await hanako.post(`/applications/${id}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: key })).status, 403);
  });

  it('refuses to submit a draft whose procedure was taken offline since (409)', async () => {
    const id = await start(hanako, ['070009/renshu-shinsei']);
    await hanako.submitOn(`/applications/${id}/prefill`, `/applications/${id}/prefill`, { prefill: 'no' });
    await walk(hanako, `/applications/${id}/steps/shared/full-name`, { ...ANSWERS, fullName: '練習　次郎' });
    const review = await hanako.get(`/applications/${id}/review`);
    await proceduresDb(app.ctx.db).updateTable('procedures_procedures').set({ status: 'draft' }).where('lg_code', '=', '070009').where('code', '=', 'renshu-shinsei').execute();
    try {
      const refused = await hanako.post(`/applications/${id}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
      assert.equal(refused.status, 409);
      assert.match(mainText(refused.text), /いまはこのポータルで申請できません/);
    } finally {
      await proceduresDb(app.ctx.db).updateTable('procedures_procedures').set({ status: 'published' }).where('lg_code', '=', '070009').where('code', '=', 'renshu-shinsei').execute();
    }
  });

  it('answers bad input with a 4xx naming the field, never a 500', async () => {
    for (const query of ['', 'procedure=nonsense', 'procedure=072028/tennyu-todoke', 'procedure=070009/renshu-shinsei&procedure=072028/shussei-renraku']) {
      const got = await hanako.get(`/applications/new?${query}`);
      assert.equal(got.status, 400, query);
      assert.match(got.text, /procedure/, query);
    }
    const csrf = hiddenField((await hanako.get('/account/applications')).text, '_csrf');
    assert.equal((await hanako.post(`/applications/${bulkId}/submit`, csrf, {})).status, 400);
    assert.equal((await hanako.get('/applications/not-a-uuid/review')).status, 404);
    assert.equal((await hanako.get(`/applications/${bulkId}/steps/shared/no-such-page`)).status, 303, 'a submitted one shows its confirmation');
    assert.equal((await hanako.get('/account/applications/07/x/withdraw')).status, 404);
    const anonymous = await fetch(`${base}/account/applications`, { redirect: 'manual' });
    assert.equal(anonymous.status, 303);
  });
});

describe('attachments', () => {
  let app: TestApp;
  let base: string;
  before(async () => {
    ({ app, base } = await createListeningTestApp([4960, 4975]));
  });
  after(async () => app?.close());

  it('stores a file whose content is an accepted type, sealed, and refuses a wrong type or size with the field named', async () => {
    const { sessionToken } = await registerResident(app, 'file@example.jp');
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
    const started = await send('/applications/new', new URLSearchParams({ _csrf: await csrfOf('/applications/new?procedure=072028/kodomo-iryouhi'), procedure: '072028/kodomo-iryouhi' }));
    const id = /\/applications\/([0-9a-f-]{36})/.exec(started.location!)![1]!;
    const bulk = await proceduresDb(app.ctx.db).selectFrom('procedures_applications').select(['id', 'lg_code']).where('bulk_id', '=', id).executeTakeFirstOrThrow();
    const step = `/applications/${id}/steps/${bulk.id}/insurance-card`;
    const page = await get(step);
    assert.equal(page.status, 200);
    assert.match(page.text, /enctype="multipart\/form-data"/);
    const upload = async (name: string, bytes: Uint8Array<ArrayBuffer>, type: string) => {
      const form = new FormData();
      form.set('_csrf', hiddenField(page.text, '_csrf'));
      form.set('insuranceCard', new Blob([bytes], { type }), name);
      return send(step, form);
    };
    const text = await upload('card.pdf', new Uint8Array(new TextEncoder().encode('not really a pdf')), 'application/pdf');
    assert.equal(text.status, 422);
    assert.match(text.text, /href="#insuranceCard"/);
    assert.match(mainText(text.text), /PDF・JPG・PNGのファイルを選んでください/);
    const big = new Uint8Array(5 * 1024 * 1024 + 10);
    big.set([0x25, 0x50, 0x44, 0x46, 0x2d]);
    const large = await upload('big.pdf', big, 'application/pdf');
    assert.equal(large.status, 422);
    assert.match(mainText(large.text), /5MB以下のファイルにしてください/);
    // A text box cannot pretend to be an attachment.
    assert.equal((await send(step, new URLSearchParams({ _csrf: hiddenField(page.text, '_csrf'), insuranceCard: 'fake.pdf' }))).status, 422);
    const pdf = new Uint8Array(new TextEncoder().encode('%PDF-1.4\n保険の資格確認書\n%%EOF'));
    const ok = await upload('資格確認書', pdf, 'application/octet-stream');
    assert.equal(ok.status, 303, mainText(ok.text));
    const row = await proceduresDb(app.ctx.db).selectFrom('procedures_application_files').selectAll().where('application_id', '=', bulk.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.filename, row.content_type, row.bytes], ['資格確認書.pdf', 'application/pdf', pdf.length]);
    assert.doesNotMatch(row.data_sealed, /PDF|資格/);
    const again = await get(step);
    assert.match(mainText(again.text), /添付済み： 資格確認書\.pdf/);
    // The resident downloads it back, byte for byte; nobody else can.
    const download = await fetch(new URL(`/applications/${id}/files/${bulk.id}/insuranceCard`, base), { headers: { cookie } });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/pdf');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), pdf);
    const other = await registerResident(app, 'other@example.jp');
    assert.equal((await fetch(new URL(`/applications/${id}/files/${bulk.id}/insuranceCard`, base), { headers: { cookie: `tsn_session=${other.sessionToken}` } })).status, 404);
    // Posting the page again without choosing a file keeps the attachment.
    assert.equal((await send(step, (() => { const f = new FormData(); f.set('_csrf', hiddenField(again.text, '_csrf')); return f; })())).status, 303);
  });
});
