// Counter assistance (書かない窓口) over real HTTP: a counter clerk of 会津若松市 finds a resident by
// the code from their My page, starts 出生連絡票 with the shared answers prefilled from the
// profile, fills in the rest, shows the counter screen (Japanese and English), and only the
// resident's confirmation of exactly what was shown submits it, with channel 'counter': in their
// My page history, in the department's work, counted as counter in monitoring, every step audited.
// A clerk of 郡山市 cannot see or continue it; other staff and residents cannot use the pages;
// a draft left at the counter is cancelled.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser, hiddenField, metaCsrf } from '../../../test/helpers/cookie-browser.ts';
import { jpkiTrustFor } from '../../identity/assurance/jpki-trust.ts';
import type { DemoCard } from '../../identity/jpki/demo-cards.ts';
import { signatureOf } from '../applications/application-signatures.ts';
import { identityDb } from '../../identity/db/schema.ts';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText, signedInResident, startWorld, staffToken, type ProceduresWorld } from './procedures-helpers.ts';
import { ANSWERS } from './workflow-helpers.ts';

const AIZU = '072028';
const KORIYAMA = '072036';
const PROCEDURE = `${AIZU}/shussei-renraku`;
/** What 国民健康保険の加入 (level A) asks, as the resident signing test answers it. */
const LEVEL_A_ANSWERS: Record<string, string> = {
  fullName: '髙橋　𠮷男', fullNameKana: 'たかはし よしお', 'birthDate-year': '昭和60', 'birthDate-month': '1', 'birthDate-day': '1',
  'address-postcode': '965-0872', 'address-address': '福島県会津若松市東栄町3-46', phone: '0242-39-1111', email: 'takahashi@example.jp',
  reason: 'moved-in', civilServant: 'no', 'moveInDate-year': '2026', 'moveInDate-month': '11', 'moveInDate-day': '20', declaration: 'yes',
  'members-count': '1', 'members-0-fullName': '髙橋　𠮷男', 'members-0-fullNameKana': 'タカハシ ヨシオ', 'members-0-birthDate-year': '1985', 'members-0-birthDate-month': '1', 'members-0-birthDate-day': '1', 'members-0-relationship': 'self',
};

describe('counter assistance (書かない窓口)', () => {
  let world: ProceduresWorld;
  let aizuClerk: CookieBrowser;
  let koriyamaClerk: CookieBrowser;
  /** A reviewer of 会津若松市's 健康課, which receives 出生連絡票 (no counter permission). */
  let reviewer: CookieBrowser;
  let resident: Awaited<ReturnType<typeof signedInResident>>;

  const signIn = async (email: string, role: string, lgCode: string) => {
    const browser = new CookieBrowser();
    browser.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, email, [{ role, scope: { level: 'municipality', prefectureCode: '070009', lgCode } }], lgCode)).sessionToken);
    return browser;
  };
  const get = async (browser: CookieBrowser, path: string) => {
    const response = await browser.request(`${world.base}${path}`);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  const post = async (browser: CookieBrowser, path: string, form: Record<string, string>, csrfFrom = '/staff/counter') => {
    const csrf = hiddenField((await get(browser, csrfFrom)).html, '_csrf');
    const response = await browser.request(`${world.base}${path}`, { form: { _csrf: csrf, ...form } });
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  /** Fills in every step the clerk is sent to, then is at the check page. */
  const fillIn = async (id: string, answers: Record<string, string>, files: Record<string, Blob> = {}) => {
    for (let i = 0; i < 20; i++) {
      const next = (await get(aizuClerk, `/staff/counter/${id}`)).location!;
      if (next.endsWith('/check')) return;
      const step = await get(aizuClerk, next);
      assert.equal(step.status, 200);
      assert.match(step.html, /窓口申請：職員が入力しています/);
      const saved = step.html.includes('enctype="multipart/form-data"') ? await upload(next, step.html, answers, files) : await post(aizuClerk, next, answers, next);
      assert.equal(saved.status, 303, `${next}: ${mainText(saved.html).slice(0, 300)}`);
    }
    assert.fail('the steps did not end');
  };
  /** Posts a step with a file field as the browser does (multipart), with the scanned paper. */
  const upload = async (path: string, page: string, answers: Record<string, string>, files: Record<string, Blob>) => {
    const form = new FormData();
    form.set('_csrf', hiddenField(page, '_csrf'));
    for (const [k, v] of Object.entries(answers)) form.set(k, v);
    for (const [k, v] of Object.entries(files)) form.set(k, v, 'scan.pdf');
    const response = await aizuClerk.request(`${world.base}${path}`, { multipart: form });
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  /** A fresh counter code from a resident's My page (each lookup uses one up). */
  const counterCode = async (who: { submitOn: typeof resident.submitOn } = resident) => {
    const page = await who.submitOn('/account/counter-code', '/account/counter-code', {});
    return /class="counter-code"[^>]*>(\d{4}) (\d{4})</.exec(page.text)!.slice(1).join('');
  };
  const audits = (subject: string) => world.app.ctx.db.selectFrom('platform_audit_events').select(['action', 'actor', 'details']).where('subject', '=', subject).orderBy('seq').execute();

  before(async () => {
    world = await startWorld([5800, 5819]);
    aizuClerk = await signIn('madoguchi@city.aizuwakamatsu.example.jp', 'counter_clerk', AIZU);
    koriyamaClerk = await signIn('madoguchi@city.koriyama.example.jp', 'counter_clerk', KORIYAMA);
    reviewer = await signIn('shinsa@city.aizuwakamatsu.example.jp', 'reviewer', AIZU);
    const joined = await world.api('POST', `/api/v1/procedure-departments/${AIZU}/kenko/members`, { email: 'shinsa@city.aizuwakamatsu.example.jp' }, await staffToken(world, 'municipal_admin', AIZU));
    assert.equal(joined.status, 201, JSON.stringify(joined.body));
    resident = await signedInResident(world.app, world.base, 'hanako.counter@example.jp');
    await new ProfileStore(world.app.ctx.sealer).save(identityDb(world.app.ctx.db), resident.accountId, {
      personal: { familyName: '會津', givenName: '花子', familyNameKana: 'アイヅ', givenNameKana: 'ハナコ', birthDate: '1990-04-01', postalCode: '965-0872', addressLine: '東栄町3-46', phone: '0242391111', household: [] },
      residenceLgCode: AIZU, workplaceLgCode: null, language: 'ja', contact: {},
    }, null);
  });
  after(() => world.close());

  let bulkId: string;

  it('a clerk should start an application from the resident’s code, prefilled from their profile', async () => {
    const start = await get(aizuClerk, '/staff/counter');
    assert.equal(start.status, 200);
    assert.match(start.html, new RegExp(`value="${PROCEDURE}"`), 'the municipality’s procedures with a form are offered');
    assert.doesNotMatch(start.html, /renshu-shinsei/, 'never the practice procedure');
    assert.match(mainText((await get(aizuClerk, '/staff')).html), /窓口での申請（書かない窓口）/, 'linked from the staff home');

    const started = await post(aizuClerk, '/staff/counter', { office: AIZU, code: await counterCode(), procedure: PROCEDURE });
    assert.equal(started.status, 303, mainText(started.html).slice(0, 300));
    bulkId = /^\/staff\/counter\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;

    // The clerk fills in what is missing, asking the resident; the prefilled answers are not asked again.
    await fillIn(bulkId, ANSWERS);
    const check = await get(aizuClerk, `/staff/counter/${bulkId}/check`);
    assert.equal(check.status, 200);
    assert.match(mainText(check.html), /會津.花子 登録内容から/, 'the name came from the profile, marked');
    assert.match(check.html, new RegExp(`href="/staff/counter/${bulkId}/screen"`));
  });

  it('the resident should not see or submit the counter draft on their own pages', async () => {
    assert.equal((await resident.get(`/applications/${bulkId}`)).status, 404);
    assert.equal((await resident.get(`/applications/${bulkId}/review`)).status, 404);
    assert.doesNotMatch((await resident.get('/account/applications')).text, new RegExp(bulkId));
  });

  it('a clerk of another municipality, other staff and residents should be refused', async () => {
    for (const path of [`/staff/counter/${bulkId}`, `/staff/counter/${bulkId}/check`, `/staff/counter/${bulkId}/screen`, `/staff/counter/${bulkId}/done`]) {
      assert.equal((await get(koriyamaClerk, path)).status, 404, path);
    }
    assert.equal((await post(koriyamaClerk, `/staff/counter/${bulkId}/cancel`, {})).status, 404);
    assert.equal((await post(koriyamaClerk, `/staff/counter/${bulkId}/confirm`, { declare: 'yes', digest: 'x' })).status, 404);
    assert.equal((await post(koriyamaClerk, '/staff/counter', { office: AIZU, code: '12345678', procedure: PROCEDURE })).status, 403, 'not at another office');
    assert.doesNotMatch((await get(koriyamaClerk, '/staff/counter')).html, new RegExp(bulkId), 'not in its list of open drafts');
    assert.equal((await get(reviewer, '/staff/counter')).status, 403);
    assert.equal((await get(reviewer, `/staff/counter/${bulkId}/screen`)).status, 404);
    assert.equal((await resident.get('/staff/counter')).status, 403);
    assert.equal((await get(new CookieBrowser(), '/staff/counter')).status, 303, 'anonymous: to the staff login');
  });

  it('should say what is wrong with a code, the procedures or the resident’s level', async () => {
    const wrong = await post(aizuClerk, '/staff/counter', { office: AIZU, code: '00000000', procedure: PROCEDURE });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /<title>エラー：/);
    assert.match(wrong.html, /href="#code"/);
    const none = await post(aizuClerk, '/staff/counter', { office: AIZU, code: '12345678' });
    assert.equal(none.status, 422);
    assert.match(none.html, /href="#procedure"[^>]*>申請する手続を1つ以上選んでください/);
    const levelA = await post(aizuClerk, '/staff/counter', { office: AIZU, code: await counterCode(), procedure: `${AIZU}/kokuho-kanyu` });
    assert.equal(levelA.status, 422);
    assert.match(mainText(levelA.html), /国民健康保険の加入」には、マイナンバーカードで本人確認したアカウント（レベルA）が必要です/);
  });

  it('the resident should confirm exactly what the counter screen showed before it is submitted', async () => {
    const screen = await get(aizuClerk, `/staff/counter/${bulkId}/screen`);
    assert.equal(screen.status, 200);
    const text = mainText(screen.html);
    assert.match(text, /申請内容のご確認/);
    assert.match(text, /Please check your application/, 'English beside the Japanese');
    assert.match(screen.html, /class="counter-screen"/);
    assert.match(text, /出生連絡票の提出（新生児訪問）/);
    assert.match(text, /會津.花子 登録内容から/);
    const digest = hiddenField(screen.html, 'digest');

    const unticked = await post(aizuClerk, `/staff/counter/${bulkId}/confirm`, { digest }, `/staff/counter/${bulkId}/screen`);
    assert.equal(unticked.status, 422);
    assert.match(unticked.html, /href="#declare"[^>]*>内容を確かめたら、チェックを入れてください/);

    // The clerk changes an answer after the screen was shown: the resident reads it again.
    const links = [...new Set([...(await get(aizuClerk, `/staff/counter/${bulkId}/check`)).html.matchAll(/href="(\/staff\/counter\/[0-9a-f-]+\/steps\/[^"]+)"/g)].map((m) => m[1]!))];
    let step = '';
    for (const link of links) if ((await get(aizuClerk, link)).html.includes('name="birthWeight"')) step = link;
    assert.ok(step, 'a change link for the birth weight');
    assert.equal((await post(aizuClerk, step, { ...ANSWERS, birthWeight: '3100' }, step)).status, 303);
    const stale = await post(aizuClerk, `/staff/counter/${bulkId}/confirm`, { digest, declare: 'yes' }, `/staff/counter/${bulkId}/screen`);
    assert.equal(stale.status, 409);
    assert.match(mainText(stale.html), /確認画面を表示した後に申請の内容が変わりました/);
    assert.equal((await proceduresDb(world.app.ctx.db).selectFrom('procedures_applications').select('status').where('bulk_id', '=', bulkId).executeTakeFirstOrThrow()).status, 'draft');

    const again = await get(aizuClerk, `/staff/counter/${bulkId}/screen`);
    assert.match(mainText(again.html), /3,?100/);
    const confirmed = await post(aizuClerk, `/staff/counter/${bulkId}/confirm`, { digest: hiddenField(again.html, 'digest'), declare: 'yes' }, `/staff/counter/${bulkId}/screen`);
    assert.equal(confirmed.status, 303, mainText(confirmed.html).slice(0, 300));
    assert.equal(confirmed.location, `/staff/counter/${bulkId}/done`);
    const done = await get(aizuClerk, confirmed.location!);
    const receipt = /class="receipt-number">([0-9-]+)</.exec(done.html)![1]!;
    assert.match(receipt, /^072028-\d{8}-\d{6}$/);
    assert.equal((await post(aizuClerk, `/staff/counter/${bulkId}/confirm`, { digest: 'x', declare: 'yes' })).location, `/staff/counter/${bulkId}/done`, 'a second confirmation sends nothing again');

    // Like any application: the resident's history, the department's work, counted as counter.
    const mine = mainText((await resident.get('/account/applications')).text);
    assert.match(mine, new RegExp(`出生連絡票の提出（新生児訪問） 窓口で申請（書かない窓口） ${receipt}`));
    const db = proceduresDb(world.app.ctx.db);
    const application = await db.selectFrom('procedures_applications').selectAll().where('bulk_id', '=', bulkId).executeTakeFirstOrThrow();
    assert.deepEqual([application.status, application.channel, application.applicant_account_id], ['submitted', 'counter', resident.accountId]);
    assert.match(mainText((await get(reviewer, '/staff/applications')).html), new RegExp(receipt), 'in the department’s queue');
    assert.match(mainText((await get(reviewer, `/staff/applications/${AIZU}/${application.id}`)).html), /申請の方法 窓口で申請（書かない窓口）/);
    const month = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 7);
    const figures = await world.api('GET', `/api/v1/monitoring/${AIZU}?from=${month}&to=${month}&procedure=shussei-renraku`, undefined, await staffToken(world, 'auditor', AIZU));
    assert.deepEqual([figures.body.procedures[0].months[0].counter, figures.body.procedures[0].months[0].online], [1, 0]);

    // Audited: started by the clerk for the resident, confirmed, submitted; the confirmation recorded with time and clerk.
    const clerkId = (await db.selectFrom('procedures_counter_applications').selectAll().where('bulk_id', '=', bulkId).executeTakeFirstOrThrow());
    assert.ok(clerkId.confirmed_at);
    assert.equal(clerkId.confirmed_by, clerkId.started_by);
    const trail = await audits(`bulk:${bulkId}`);
    assert.deepEqual(trail.map((e) => e.action), ['procedures.counter_started', 'procedures.counter_confirmed']);
    assert.equal(trail[0]!.details.resident, resident.accountId);
    assert.ok(trail.every((e) => e.actor === clerkId.started_by));
    const submitted = await audits(`application:${AIZU}/${application.id}`);
    assert.equal(submitted.find((e) => e.action === 'procedures.application_submitted')?.details.channel, 'counter');
  });

  it('a draft left at the counter should be cancellable by a clerk of the office', async () => {
    const started = await post(aizuClerk, '/staff/counter', { office: AIZU, code: await counterCode(), procedure: PROCEDURE });
    const id = started.location!.split('/').pop()!;
    const list = await get(aizuClerk, '/staff/counter');
    assert.match(list.html, new RegExp(`action="/staff/counter/${id}/cancel"`), 'listed as in progress');
    assert.match(mainText(list.html), /會津.花子： 出生連絡票の提出（新生児訪問）/, 'with the name as entered');
    assert.doesNotMatch(list.html, new RegExp(`/staff/counter/${bulkId}"`), 'a submitted one is not');
    const cancelled = await post(aizuClerk, `/staff/counter/${id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.match(mainText(cancelled.html), /窓口申請を取り消しました/);
    assert.equal((await get(aizuClerk, `/staff/counter/${id}`)).status, 404);
    assert.equal(await proceduresDb(world.app.ctx.db).selectFrom('procedures_bulk_applications').select('id').where('id', '=', id).executeTakeFirst(), undefined);
    assert.deepEqual((await audits(`bulk:${id}`)).map((e) => e.action), ['procedures.counter_started', 'procedures.counter_cancelled']);
    assert.equal((await post(aizuClerk, `/staff/counter/${bulkId}/cancel`, {})).status, 409, 'a submitted one cannot be cancelled');
  });

  it('a level A procedure should be signed with the resident’s own My Number card on the counter screen', async () => {
    const loaded = await jpkiTrustFor(world.app.ctx.config);
    const cards: DemoCard[] = loaded.mode === 'development-test-ca' ? loaded.development.demoCards : [];
    const signWith = async (id: string, data: Uint8Array) => {
      const c = cards.find((x) => x.id === id)!;
      const key = await webcrypto.subtle.importKey('pkcs8', Buffer.from(c.privateKey, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      return { certificate: c.certificate, signature: Buffer.from(await webcrypto.subtle.sign('RSASSA-PKCS1-v1_5', key, data)).toString('base64') };
    };
    const json = async (b: CookieBrowser, path: string, body: unknown, csrf: string) => {
      const response = await b.request(`${world.base}${path}`, { json: body, headers: { 'x-csrf-token': csrf } });
      return { status: response.status, body: await response.json() as Record<string, string> };
    };
    // The resident confirmed their account with the card once (level A), as on /login/card.
    const takahashi = new CookieBrowser();
    takahashi.setCookie(world.base, 'tsn_session', (await registerResident(world.app, 'takahashi.counter@example.jp')).sessionToken);
    const csrf = metaCsrf((await get(takahashi, '/login/card')).html);
    const challenge = (await json(takahashi, '/login/card/challenge', {}, csrf)).body;
    assert.equal((await json(takahashi, '/login/card', { challengeId: challenge.challengeId, ...(await signWith('takahashi', Buffer.from(challenge.challenge!, 'base64url'))) }, csrf)).status, 200);
    const codePage = await takahashi.request(`${world.base}/account/counter-code`, { form: { _csrf: hiddenField((await get(takahashi, '/account/counter-code')).html, '_csrf') } });
    const code = /class="counter-code"[^>]*>(\d{4}) (\d{4})</.exec(await codePage.text())!.slice(1).join('');

    const started = await post(aizuClerk, '/staff/counter', { office: AIZU, code, procedure: `${AIZU}/kokuho-kanyu` });
    assert.equal(started.status, 303, mainText(started.html).slice(0, 300));
    const id = started.location!.split('/').pop()!;
    // The card's verified name is prefilled and marked so (this resident has no profile at all).
    await fillIn(id, LEVEL_A_ANSWERS);
    const check = mainText((await get(aizuClerk, `/staff/counter/${id}/check`)).html);
    assert.match(check, /氏名 髙橋\s𠮷男 マイナンバーカードで確認済み/, check.slice(0, 400));
    assert.match(check, /生年月日 1985年4月12日（昭和60年） マイナンバーカードで確認済み/, 'the card’s date of birth');
    assert.match(check, /住所 〒965-0872 福島県会津若松市東栄町3-46 変更/, 'the address the clerk changed is no longer marked');
    const screen = await get(aizuClerk, `/staff/counter/${id}/screen`);
    assert.equal(screen.status, 200);
    assert.match(mainText(screen.html), /マイナンバーカードでの署名 Signing with the My Number card/);
    assert.doesNotMatch(screen.html, /name="declare"/, 'no confirmation before the card has signed');
    const data = Buffer.from(/data-sign-data="([A-Za-z0-9_-]+)"/.exec(screen.html)![1]!, 'base64url');
    assert.equal(/data-action="([^"]+)"/.exec(screen.html)![1], `/staff/counter/${id}/sign`);

    const other = await json(aizuClerk, `/staff/counter/${id}/sign`, await signWith('yamazaki', data), metaCsrf(screen.html));
    assert.equal(other.status, 403, 'another person’s card');
    assert.match(other.body.message!, /申請者ご本人のカードではありません/);
    const signed = await json(aizuClerk, `/staff/counter/${id}/sign`, await signWith('takahashi', data), metaCsrf(screen.html));
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.equal(signed.body.redirect, `/staff/counter/${id}/screen`);

    const ready = await get(aizuClerk, `/staff/counter/${id}/screen`);
    assert.match(mainText(ready.html), /署名済みです。/);
    const confirmed = await post(aizuClerk, `/staff/counter/${id}/confirm`, { digest: hiddenField(ready.html, 'digest'), declare: 'yes' }, `/staff/counter/${id}/screen`);
    assert.equal(confirmed.status, 303, mainText(confirmed.html).slice(0, 300));
    const application = await proceduresDb(world.app.ctx.db).selectFrom('procedures_applications').select(['lg_code', 'id', 'status', 'channel']).where('bulk_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([application.status, application.channel], ['submitted', 'counter']);
    assert.equal((await signatureOf(world.app.ctx, application.lg_code, application.id))?.verified, true, 'the back office verifies the resident’s signature');
    assert.deepEqual((await audits(`bulk:${id}`)).map((e) => e.action), ['procedures.counter_started', 'procedures.counter_signed', 'procedures.counter_confirmed']);
  });

  it('a paper the resident brings should be scanned and attached at the counter', async () => {
    const started = await post(aizuClerk, '/staff/counter', { office: AIZU, code: await counterCode(), procedure: `${AIZU}/kodomo-iryouhi` });
    const id = started.location!.split('/').pop()!;
    const application = await proceduresDb(world.app.ctx.db).selectFrom('procedures_applications').select(['id', 'lg_code']).where('bulk_id', '=', id).executeTakeFirstOrThrow();
    const cardStep = `/staff/counter/${id}/steps/${application.id}/insurance-card`;
    const page = await get(aizuClerk, cardStep);
    const wrong = await upload(cardStep, page.html, {}, { insuranceCard: new Blob(['not really a pdf']) });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /href="#insuranceCard"/);
    const answers = { ...ANSWERS, 'children-count': '1', 'children-0-fullName': '會津　太郎', 'children-0-fullNameKana': 'アイヅ タロウ', 'children-0-birthDate-year': '2020', 'children-0-birthDate-month': '5', 'children-0-birthDate-day': '5', 'children-0-relationship': 'child', insurance: 'kokuho' };
    await fillIn(id, answers, { insuranceCard: new Blob(['%PDF-1.4\n資格確認書\n%%EOF']) });
    const screen = await get(aizuClerk, `/staff/counter/${id}/screen`);
    assert.equal(screen.status, 200);
    assert.match(mainText(screen.html), /scan\.pdf/, 'the attached paper is on the screen');
    const confirmed = await post(aizuClerk, `/staff/counter/${id}/confirm`, { digest: hiddenField(screen.html, 'digest'), declare: 'yes' }, `/staff/counter/${id}/screen`);
    assert.equal(confirmed.status, 303, mainText(confirmed.html).slice(0, 300));
    const file = await proceduresDb(world.app.ctx.db).selectFrom('procedures_application_files').select(['filename', 'content_type']).where('application_id', '=', application.id).executeTakeFirstOrThrow();
    assert.deepEqual([file.filename, file.content_type], ['scan.pdf', 'application/pdf']);
  });
});
