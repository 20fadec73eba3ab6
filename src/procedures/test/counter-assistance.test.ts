// Counter assistance (書かない窓口) over real HTTP: a counter clerk of 会津若松市 finds a resident by
// the code from their My page, starts 出生連絡票 with the shared answers prefilled from the
// profile, fills in the rest, shows the counter screen (Japanese and English), and only the
// resident's confirmation of exactly what was shown submits it, with channel 'counter': in their
// My page history, in the department's work, counted as counter in monitoring, every step audited.
// A clerk of 郡山市 cannot see or continue it; other staff and residents cannot use the pages;
// a draft left at the counter is cancelled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { identityDb } from '../../identity/db/schema.ts';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { proceduresDb } from '../db/schema.ts';
import { mainText, signedInResident, startWorld, staffToken, type ProceduresWorld } from './procedures-helpers.ts';
import { ANSWERS } from './workflow-helpers.ts';

const AIZU = '072028';
const KORIYAMA = '072036';
const PROCEDURE = `${AIZU}/shussei-renraku`;

describe('counter assistance (書かない窓口)', () => {
  let world: ProceduresWorld;
  let aizuClerk: CookieBrowser;
  let koriyamaClerk: CookieBrowser;
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
  /** A fresh counter code from the resident's My page (each lookup uses one up). */
  const counterCode = async () => {
    const page = await resident.submitOn('/account/counter-code', '/account/counter-code', {});
    return /class="counter-code"[^>]*>(\d{4}) (\d{4})</.exec(page.text)!.slice(1).join('');
  };
  const audits = (subject: string) => world.app.ctx.db.selectFrom('platform_audit_events').select(['action', 'actor', 'details']).where('subject', '=', subject).orderBy('seq').execute();

  before(async () => {
    world = await startWorld([5800, 5819]);
    aizuClerk = await signIn('madoguchi@city.aizuwakamatsu.example.jp', 'counter_clerk', AIZU);
    koriyamaClerk = await signIn('madoguchi@city.koriyama.example.jp', 'counter_clerk', KORIYAMA);
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
    for (let i = 0; i < 20; i++) {
      const next = (await get(aizuClerk, `/staff/counter/${bulkId}`)).location!;
      if (next.endsWith('/check')) break;
      const step = await get(aizuClerk, next);
      assert.equal(step.status, 200);
      assert.match(step.html, /窓口申請：職員が入力しています/);
      const saved = await post(aizuClerk, next, ANSWERS, next);
      assert.equal(saved.status, 303, `${next}: ${mainText(saved.html).slice(0, 300)}`);
    }
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
    const reviewer = await signIn('shinsa@city.aizuwakamatsu.example.jp', 'reviewer', AIZU);
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
    assert.ok(await db.selectFrom('procedures_application_work').select('department_code').where('application_id', '=', application.id).executeTakeFirst(), 'in the department’s queue');
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
    assert.doesNotMatch(list.html, new RegExp(`/staff/counter/${bulkId}"`), 'a submitted one is not');
    const cancelled = await post(aizuClerk, `/staff/counter/${id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.match(mainText(cancelled.html), /窓口申請を取り消しました/);
    assert.equal((await get(aizuClerk, `/staff/counter/${id}`)).status, 404);
    assert.equal(await proceduresDb(world.app.ctx.db).selectFrom('procedures_bulk_applications').select('id').where('id', '=', id).executeTakeFirst(), undefined);
    assert.deepEqual((await audits(`bulk:${id}`)).map((e) => e.action), ['procedures.counter_started', 'procedures.counter_cancelled']);
    assert.equal((await post(aizuClerk, `/staff/counter/${bulkId}/cancel`, {})).status, 409, 'a submitted one cannot be cancelled');
  });
});
