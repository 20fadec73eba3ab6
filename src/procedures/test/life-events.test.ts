// Life-event navigation as a resident walks it, without JavaScript and without logging in: choose
// 転入 and 会津若松市, answer one question per page (posting with the CSRF token), and get the
// procedures that apply, grouped by where they are done and each with why; Back keeps the answers;
// a missing answer is named; a municipality without a navigation says so and points to the catalog.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { identityDb } from '../../identity/db/schema.ts';
import { count, mainText, procedureLinks, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

describe('life-event navigation pages', () => {
  let world: ProceduresWorld;
  before(async () => {
    world = await startWorld([4830, 4860]);
  });
  after(async () => world?.close());

  /** A resident's browser walking the questions: answers each by its option id, returns the result page. */
  const journey = () => {
    const browser = new CookieBrowser();
    let url = '';
    let html = '';
    const open = async (path: string) => {
      const response = await browser.follow(new URL(path, world.base).toString());
      url = response.location;
      html = await response.response!.text();
      return { url, html, status: response.response!.status };
    };
    const answer = async (value: string | undefined) => {
      const form: Record<string, string> = { _csrf: hiddenField(html, '_csrf') };
      if (value !== undefined) form.answer = value;
      const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
      const posted = await browser.request(new URL(action, world.base).toString(), { form });
      if (posted.status !== 303) {
        html = await posted.text();
        return { status: posted.status, html, url };
      }
      return open(posted.headers.get('location')!);
    };
    const start = async (event: string, municipality: string) => {
      await open('/life-events');
      const posted = await browser.request(`${world.base}/life-events`, { form: { _csrf: hiddenField(html, '_csrf'), event, municipality } });
      assert.equal(posted.status, 303);
      return open(posted.headers.get('location')!);
    };
    return { browser, open, answer, start, get html() { return html; }, get url() { return url; } };
  };

  const heading = (html: string) => (/<h1[\s\S]*?<\/h1>/.exec(html)?.[0] ?? '').replace(/<[^>]+>/g, '').trim();

  it('転入 in 会津若松市 should ask one question per page and end with the procedures that apply, grouped, each with why', async () => {
    const walk = journey();
    await walk.start('moving-in', '072028');
    assert.match(walk.url, /\/life-events\/moving-in\/072028\/questions\/previous-address\?v=1$/);
    assert.equal(heading(walk.html), '前の住所はどこですか');
    assert.equal(count(walk.html, /<h1/), 1);
    assert.match(walk.html, /<p class="caption">転入・会津若松市<\/p>/);
    assert.match(mainText(walk.html), /引っ越してきたときの手続をご案内します/, 'the navigation’s introduction on its first question');
    for (const [question, option] of [['前の住所はどこですか', 'in-prefecture'], ['自動車をお持ちですか', 'yes'], ['マイナンバーカードをお持ちですか', 'yes'], ['勤務先の健康保険（社会保険）に加入していますか', 'kokuho'], ['高校生年代までのお子さんはいますか', 'yes'], ['保育所などの利用を希望しますか', 'no'], ['印鑑登録をしますか', 'no'], ['新しい住まいで水道の使用を始めますか', 'yes']] as const) {
      assert.equal(heading(walk.html), question);
      await walk.answer(option);
    }
    assert.match(walk.url, /\/result\?/);
    const links = procedureLinks(walk.html);
    for (const expected of ['072028/tennyu-todoke', '070009/jidoushazei-jusho', '072028/mynumber-card-jusho', '072028/kokuho-kanyu', '072028/jidou-teate', '072028/kodomo-iryouhi', '072028/suido-kaishi']) assert.ok(links.includes(expected), `${expected} in ${links.join(', ')}`);
    for (const absent of ['072028/hoiku-moushikomi', '072028/inkan-touroku']) assert.ok(!links.includes(absent), `${absent} should not apply`);
    const main = mainText(walk.html);
    assert.match(main, /必要な手続を7件ご案内します/);
    // Grouped by channel, in this order, each with why.
    const online = main.indexOf('オンラインでまとめて申請する手続');
    const external = main.indexOf('外部のサイトで申請する手続');
    const counter = main.indexOf('窓口で行う手続');
    assert.ok(online > 0 && online < external && external < counter, 'portal, then external, then counter');
    assert.match(main, /まとめて申請できます（一括申請）/);
    assert.match(main, /勤務先の健康保険に加入していない方は、国民健康保険に加入する必要があります/);
    assert.match(main, /住み始めた日から14日以内に、新しい住所の市町村へ届け出ることが法律で決められています/);
    assert.match(main, /会津若松市役所 市民課の窓口/);
    assert.match(walk.html, /href="https:\/\/www\.city\.aizuwakamatsu\.fukushima\.jp\/"[^>]*>会津若松市上下水道局（市のウェブサイト）で申請する（外部サイト）/);
    // One button starts a bulk application of the online procedures that have a published form.
    const apply = /<form method="get" action="\/applications\/new">([\s\S]*?)<\/form>/.exec(walk.html)?.[1] ?? '';
    assert.match(apply, /まとめて申請する/);
    assert.match(apply, /name="lifeEvent" value="moving-in"/);
    assert.ok([...apply.matchAll(/name="procedure" value="(07\d{4}\/[a-z-]+)"/g)].length >= 2, 'the online procedures');
    assert.equal(count(/<main[\s\S]*<\/main>/.exec(walk.html)![0], /<button/), 1, 'only that button');
  });

  it('other answers should lead to another set: from outside the prefecture, no card, employer insurance, no children', async () => {
    const walk = journey();
    await walk.start('moving-in', '072036');
    for (const option of ['other-prefecture', 'no', 'employer', 'no', 'yes', 'no']) await walk.answer(option);
    assert.deepEqual(procedureLinks(walk.html).sort(), ['072036/inkan-touroku', '072036/tennyu-todoke']);
    assert.doesNotMatch(walk.html, /自動車をお持ちですか/, 'the car question is only for moves within the prefecture');
  });

  it('Back should keep every answer, and changing an early one should keep the later ones where they still apply', async () => {
    const walk = journey();
    await walk.start('birth', '072028');
    await walk.answer('no');
    await walk.answer('kokuho');
    assert.equal(heading(walk.html), '保育所などの利用を希望しますか');
    // Back, twice: the earlier questions come back with the answers chosen.
    const back = () => /<a href="([^"]+)" class="back-link">/.exec(walk.html)![1]!.replaceAll('&amp;', '&');
    await walk.open(back());
    assert.equal(heading(walk.html), 'お子さんが入る健康保険はどれですか');
    assert.match(walk.html, /value="kokuho" checked/);
    await walk.open(back());
    assert.equal(heading(walk.html), '保護者のどなたかが公務員ですか');
    assert.match(walk.html, /value="no" checked/);
    // Change the first answer: the next question still shows the kept answer.
    await walk.answer('yes');
    assert.match(walk.html, /value="kokuho" checked/);
    await walk.answer('kokuho');
    await walk.answer('yes');
    const links = procedureLinks(walk.html);
    assert.ok(!links.includes('072028/jidou-teate'), 'a civil servant claims the allowance at work');
    assert.ok(links.includes('072028/hoiku-moushikomi'));
    assert.ok(links.includes('072028/kokuho-kanyu'));
    // The result lists the answers with links to change each.
    assert.match(mainText(walk.html), /あなたの回答/);
    assert.match(walk.html, /変更<span class="visually-hidden">/);
    // The result's own Back link returns to the last question with its answer.
    await walk.open(back());
    assert.match(walk.html, /value="yes" checked/);
  });

  it('a missing answer should be named at the question with 422, and a made-up address should not break the walk', async () => {
    const walk = journey();
    await walk.start('birth', '072036');
    const missing = await walk.answer(undefined);
    assert.equal(missing.status, 422);
    assert.match(missing.html, /<title>エラー：/);
    assert.match(missing.html, /href="#answer"/);
    assert.match(mainText(missing.html), /どれか一つを選んでください/);
    const bogus = await walk.answer('not-an-option');
    assert.equal(bogus.status, 422);
    // Questions off the path and results before the end go to where the walk really is.
    const skipped = await fetch(`${world.base}/life-events/birth/072036/questions/childcare?v=1`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(skipped.status, 303);
    assert.match(skipped.headers.get('location')!, /questions\/public-servant\?v=1$/);
    const early = await fetch(`${world.base}/life-events/birth/072036/result?v=99&a=public-servant%3Ano&a=junk`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(early.status, 303);
    assert.match(early.headers.get('location')!, /questions\/insurance\?v=1&a=public-servant%3Ano$/);
    for (const path of ['/life-events/nope/072028', '/life-events/birth/999999', '/life-events/birth/070009/result', '/life-events/birth/072028/questions/%E3%81']) {
      const response = await fetch(`${world.base}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
      assert.ok(response.status < 500, `${path}: ${response.status}`);
    }
  });

  it('the chooser should name what is missing, and a municipality without a navigation should point to its catalog', async () => {
    const walk = journey();
    await walk.open('/life-events');
    assert.match(walk.html, /<legend class="fieldset__legend fieldset__legend--m">どのようなことがありましたか<\/legend>/);
    assert.match(walk.html, /<label class="label label--s" for="municipality">/);
    const refused = await walk.browser.request(`${world.base}/life-events`, { form: { _csrf: hiddenField(walk.html, '_csrf'), municipality: '070009' } });
    assert.equal(refused.status, 422);
    const text = await refused.text();
    assert.match(text, /href="#event"/);
    assert.match(text, /href="#municipality"/);
    const none = await walk.start('death', '072010');
    assert.equal(none.status, 404);
    assert.match(mainText(none.html), /福島市では、「死亡」の質問によるご案内をまだ用意していません/);
    assert.match(none.html, /href="\/procedures\?municipality=072010&amp;lifeEvent=death"/);
    // Without the CSRF token nothing is accepted.
    const forged = await fetch(`${world.base}/life-events`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: 'event=birth&municipality=072028' });
    assert.equal(forged.status, 403);
  });

  it('a signed-in resident should start from the municipality of their profile', async () => {
    const { accountId, sessionToken } = await registerResident(world.app, 'nav-resident@example.jp');
    await new ProfileStore(world.app.ctx.sealer).save(
      identityDb(world.app.ctx.db),
      accountId,
      { personal: { familyName: '会津', givenName: '花子', familyNameKana: 'アイヅ', givenNameKana: 'ハナコ', birthDate: '1990-04-01', postalCode: '9650000', addressLine: '追手町1-1', phone: '0242000000', household: [] }, residenceLgCode: '072028', workplaceLgCode: null, language: 'ja', contact: { email: true, inApp: true } },
      null,
    );
    const page = await world.page('/life-events', { cookie: `tsn_session=${sessionToken}` });
    assert.match(page.text, /<option value="072028" selected/);
    const anonymous = await world.page('/life-events');
    assert.doesNotMatch(anonymous.text, /<option value="072028" selected/);
  });

  it('the question pages should work in English', async () => {
    const walk = journey();
    walk.browser.setCookie(world.base, 'tsn_lang', 'en');
    await walk.start('moving-in', '072028');
    assert.equal(heading(walk.html), 'Where did you live before?');
    assert.match(walk.html, /<html lang="en"/);
  });
});
