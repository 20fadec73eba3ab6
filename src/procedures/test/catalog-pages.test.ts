// The public catalog as a resident uses it: search in any kana or kanji, filters by municipality
// and life event, pages of results, an empty state, and a procedure's page with fees, documents,
// the identity check and the way to apply, in Japanese and in English.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, mainText, procedureLinks, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

describe('procedure catalog pages', () => {
  let world: ProceduresWorld;
  before(async () => {
    world = await startWorld([4800, 4830]);
  });
  after(async () => world?.close());

  it('search should find 転入届 whether typed in hiragana, kanji, katakana or half-width kana', async () => {
    for (const q of ['てんにゅう', '転入', 'テンニュウ', 'ﾃﾝﾆｭｳ', 'てんにゅう　とどけ']) {
      const { status, text } = await world.page(`/procedures?q=${encodeURIComponent(q)}&municipality=072028`);
      assert.equal(status, 200, q);
      const links = procedureLinks(text);
      assert.ok(links.includes('072028/tennyu-todoke'), `${q} finds 転入届: ${links.join(', ')}`);
      assert.ok(!links.includes('072028/shussei-todoke'), `${q} does not find 出生届`);
    }
    // A word in the title ranks before the same word in a summary.
    const birth = procedureLinks((await world.page(`/procedures?q=${encodeURIComponent('出生')}&municipality=072028`)).text);
    assert.deepEqual(birth.slice(0, 2).sort(), ['072028/shussei-renraku', '072028/shussei-todoke'], birth.join(', '));
    assert.ok(birth.includes('072028/kokuho-kanyu'), 'its summary mentions 出生');
    // A partial word in the reading finds it too; the English title as well.
    assert.ok(procedureLinks((await world.page(`/procedures?q=${encodeURIComponent('しゅっせい')}&municipality=072036`)).text).includes('072036/shussei-todoke'));
    assert.ok(procedureLinks((await world.page('/procedures?q=BIRTH+registration&municipality=072036')).text).includes('072036/shussei-todoke'));
  });

  it('a municipality should show its own and the prefecture’s procedures only, and a life event narrows them', async () => {
    const koriyama = procedureLinks((await world.page('/procedures?municipality=072036&lifeEvent=moving-in')).text);
    assert.ok(koriyama.includes('072036/tennyu-todoke'));
    assert.ok(koriyama.includes('070009/jidoushazei-jusho'), 'the prefecture’s procedure is shown in every municipality');
    assert.ok(!koriyama.some((l) => l.startsWith('072028/')), 'nothing of 会津若松市');
    assert.ok(!koriyama.includes('072036/shussei-todoke'), 'a birth procedure is not a moving-in one');
    const birth = await world.page('/procedures?municipality=072028&lifeEvent=birth');
    assert.deepEqual(procedureLinks(birth.text).sort(), ['072028/hoiku-moushikomi', '072028/jidou-teate', '072028/kodomo-iryouhi', '072028/kokuho-kanyu', '072028/mijukuji-iryou', '072028/shussei-renraku', '072028/shussei-todoke']);
    assert.match(birth.text, /7件の手続が見つかりました/);
    // The chosen filters stay chosen.
    assert.match(birth.text, /<option value="072028" selected/);
    assert.match(birth.text, /<option value="birth" selected/);
  });

  it('results should come in pages of ten with working links, and an empty search should say what to try', async () => {
    const first = await world.page('/procedures');
    assert.match(first.text, /31件の手続が見つかりました/);
    assert.equal(procedureLinks(first.text).length, 10);
    assert.match(first.text, /href="\/procedures\?page=2"/);
    const last = await world.page('/procedures?page=4');
    assert.equal(procedureLinks(last.text).length, 1);
    assert.match(last.text, /aria-current="page"[^>]*>4</);
    const middle = await Promise.all([2, 3].map(async (n) => procedureLinks((await world.page(`/procedures?page=${n}`)).text)));
    const all = new Set([...procedureLinks(first.text), ...middle.flat(), ...procedureLinks(last.text)]);
    assert.equal(all.size, 31, 'no procedure twice, none missing');
    assert.equal((await world.page('/procedures?page=abc')).status, 200, 'a bad page number shows the first page');
    const empty = await world.page(`/procedures?q=${encodeURIComponent('宇宙旅行の届出')}`);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /0件の手続が見つかりました/);
    assert.match(mainText(empty.text), /条件に合う手続は見つかりませんでした/);
    assert.match(empty.text, /href="\/procedures">すべての手続を見る/);
  });

  it('an unknown filter should be refused at its field with 400, never a 500', async () => {
    const bad = await world.page('/procedures?municipality=999999&lifeEvent=nope');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<title>エラー：/);
    assert.match(bad.text, /href="#municipality"/);
    assert.match(bad.text, /href="#lifeEvent"/);
    for (const path of ['/procedures?q=' + '%E3'.repeat(3), '/procedures?q=a&q=b&page=-1', '/procedures/123/tennyu-todoke', '/procedures/072028/NOPE', '/procedures/072028/does-not-exist']) {
      const { status } = await world.page(path);
      assert.ok(status < 500, `${path} answered ${status}`);
    }
    assert.equal((await world.page('/procedures/072028/does-not-exist')).status, 404);
  });

  it('a counter procedure’s page should say where to go, what to bring and that it is free', async () => {
    const { status, text } = await world.page('/procedures/072028/tennyu-todoke');
    assert.equal(status, 200);
    assert.equal(count(text, /<h1/), 1);
    const main = mainText(text);
    assert.match(main, /転入届/);
    assert.match(main, /会津若松市役所 市民課の窓口/);
    assert.match(main, /持参するもの/);
    assert.match(main, /転出証明書/);
    assert.match(main, /手数料 かかりません/);
    assert.doesNotMatch(main, /申請する<\/button>|申請を始める/);
  });

  it('an external procedure should link out, clearly labelled; a fee shows in yen; a portal one has no dead apply button', async () => {
    const solar = await world.page('/procedures/070009/taiyoukou-hojo');
    assert.match(solar.text, /<a href="https:\/\/www\.jgrants-portal\.go\.jp\/" rel="external noopener noreferrer"[^>]*>jGrants（補助金の電子申請システム）で申請する（外部サイト）<span class="visually-hidden">（別のサイトに移動します）/);
    assert.match(mainText(solar.text), /福島県（県内の全市町村）/);
    assert.doesNotMatch(mainText(solar.text), /必要な書類はありません/, 'the external system lists its own attachments');
    assert.match(mainText((await world.page('/procedures/072036/inkan-shoumei')).text), /1通: 300円/);
    const online = await world.page('/procedures/072028/jidou-teate');
    const main = mainText(online.text);
    // The demo links a published form (demo-forms.ts): the button starts an application.
    assert.match(main, /このポータルからオンラインで申請できる手続です/);
    assert.match(main, /マイナンバーカードで本人確認をします/);
    assert.match(online.text, /<form method="get" action="\/applications\/new"><input type="hidden" name="procedure" value="072028\/jidou-teate"\/><button[^>]*>オンラインで申請する/);
  });

  it('pages should be labelled and reachable without a mouse, and speak English through the language switch', async () => {
    const search = await world.page('/procedures');
    assert.match(search.text, /<a class="skip-link" href="#main">/);
    assert.match(search.text, /<label class="label label--s" for="q">キーワード<\/label>/);
    assert.match(search.text, /<label class="label label--s" for="municipality">/);
    assert.match(search.text, /<form method="get" action="\/procedures" role="search"/);
    const english = await world.page('/procedures?q=transfer', { cookie: 'tsn_lang=en' });
    assert.match(english.text, /<html lang="en"/);
    assert.match(english.text, /<h1>Find a procedure<\/h1>/);
    const detail = await world.page('/procedures/072028/kokuho-kanyu', { cookie: 'tsn_lang=en' });
    assert.match(detail.text, /Joining the National Health Insurance/);
    assert.match(detail.text, /My Number card/);
    // The home page leads here.
    assert.match((await world.page('/')).text, /href="\/procedures"/);
  });
});
