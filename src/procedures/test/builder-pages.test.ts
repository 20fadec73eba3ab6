// The form and navigation builders' pages against the real server. Forms: a designer of 郡山市 creates a form, adds and
// edits fields, is refused publishing with the problems linked to the fields, publishes, links
// the version to a procedure; two designers saving at once (the second is told, nothing is
// overwritten); a field list imported with line and column errors, then without; a prefecture
// template copied from its PUBLISHED version; and another municipality's forms not found.
// Navigations: the demo 転入 navigation opened with its walks previewed; a new one refused by the
// check (a path with no procedure, a cycle) then accepted with an external-link procedure as a
// leaf and saved; two designers saving at once; another municipality's not found.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { mainText, staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

const FORMS = '/staff/procedures/forms';
const L = (ja: string, en: string) => ({ ja, en });

describe('form and navigation builder pages', () => {
  let world: ProceduresWorld;
  let designer: CookieBrowser;
  let colleague: CookieBrowser;
  let aizu: CookieBrowser;
  const koriyamaScope = { level: 'municipality', prefectureCode: '070009', lgCode: '072036' };

  before(async () => {
    world = await startWorld([5400, 5420]);
    const session = async (email: string, scope: Record<string, string>) => {
      const browser = new CookieBrowser();
      browser.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, email, [{ role: 'form_designer', scope }])).sessionToken);
      return browser;
    };
    designer = await session('builder@city.koriyama.example.jp', koriyamaScope);
    colleague = await session('colleague@city.koriyama.example.jp', koriyamaScope);
    aizu = await session('builder@city.aizu.example.jp', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' });
  });
  after(async () => world?.close());

  const get = async (browser: CookieBrowser, path: string) => {
    const response = await browser.request(`${world.base}${path}`);
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  /** Posts a form of `html` (the one whose action is `action`) with its hidden fields and `values`. */
  const post = async (browser: CookieBrowser, html: string, action: string, values: Record<string, string>, containing = '') => {
    const form = [...html.matchAll(/<form method="post" action="([^"]+)"[\s\S]*?<\/form>/g)].find((m) => m[1] === action && m[0].includes(containing))?.[0];
    assert.ok(form, `a form posting to ${action}`);
    const hidden = Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const response = await browser.request(`${world.base}${action}`, { form: { ...hidden, ...values } });
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };
  const follow = async (browser: CookieBrowser, answer: { status: number; location: string | null }) => {
    assert.equal(answer.status, 303, `a redirect, not ${answer.status}`);
    return get(browser, answer.location!);
  };

  it('a designer should create a form, add and edit fields, be refused publishing with linked problems, then publish and link it', async () => {
    let list = await get(designer, FORMS);
    assert.equal(list.status, 200);
    assert.match(mainText(list.html), /新しい申請様式/);

    // The create form checks its inputs and keeps what was typed.
    let answer = await post(designer, list.html, FORMS, { code: 'Bad Code', titleJa: '犬の登録申請', titleEn: '' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#code">様式コードは英小文字で始まる/);
    assert.match(answer.html, /<a href="#titleEn">様式名（英語）を/);
    assert.match(answer.html, /value="犬の登録申請"/);

    let editor = await follow(designer, await post(designer, list.html, FORMS, { code: 'inu-touroku', titleJa: '犬の登録申請', titleEn: 'Dog registration' }));
    assert.match(mainText(editor.html), /申請様式を作りました/);
    assert.match(mainText(editor.html), /未公開の下書き/);
    const base = `${FORMS}/072036/inu-touroku`;

    // A dictionary field: no label needed; it lands on a page of its own, then its edit page.
    let field = await follow(designer, await post(designer, editor.html, `${base}/fields`, { newDictionary: 'full-name', newType: '', newKey: 'ownerName', newLabelJa: '', newLabelEn: '', newPage: '' }));
    assert.match(mainText(field.html), /項目を追加しました/);
    assert.match(field.html, /<h1[^>]*>項目「氏名」の編集<\/h1>/);
    // A field with no type, no dictionary and a key already used: each error linked to its input.
    editor = await get(designer, base);
    answer = await post(designer, editor.html, `${base}/fields`, { newDictionary: '', newType: '', newKey: 'ownerName', newLabelJa: '犬の名前', newLabelEn: '', newPage: '' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#newKey">キー「ownerName」はこの様式ですでに使われています<\/a>/);
    assert.match(answer.html, /<a href="#newType">種類を選ぶか/);
    assert.match(answer.html, /<a href="#newLabelEn">ラベル（英語）を入力してください/);

    field = await follow(designer, await post(designer, editor.html, `${base}/fields`, { newDictionary: '', newType: 'text', newKey: 'dogName', newLabelJa: '犬の名前', newLabelEn: 'Dog’s name', newPage: '' }));
    // Text rules: a bad length is refused on the field page, with the input kept.
    answer = await post(designer, field.html, `${base}/fields/dogName`, { ...fieldValues(field.html), required: 'yes', maxLength: '二十', hintJa: 'カタカナで', hintEn: 'In katakana' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#maxLength">最大文字数は1から10,000までの整数/);
    assert.match(answer.html, /value="二十"/);
    editor = await follow(designer, await post(designer, field.html, `${base}/fields/dogName`, { ...fieldValues(field.html), required: 'yes', maxLength: '20', hintJa: 'カタカナで', hintEn: 'In katakana' }));
    assert.match(mainText(editor.html), /犬の名前 （dogName） 文字 · 必須 · 0〜20文字/);

    // A radio without options and a field shown on a later field's answer: saved as a draft, refused at publishing.
    editor = await get(designer, base);
    field = await follow(designer, await post(designer, editor.html, `${base}/fields`, { newDictionary: '', newType: 'radio', newKey: 'breed', newLabelJa: '犬種', newLabelEn: 'Breed', newPage: 'dog-name' }));
    editor = await get(designer, base);
    await follow(designer, await post(designer, editor.html, `${base}/fields`, { newDictionary: '', newType: 'date', newKey: 'bornOn', newLabelJa: '生まれた日', newLabelEn: 'Born on', newPage: '' }));
    field = await get(designer, `${base}/fields/dogName`);
    await follow(designer, await post(designer, field.html, `${base}/fields/dogName`, { ...fieldValues(field.html), showIfField: 'bornOn' }));
    editor = await get(designer, base);
    assert.match(mainText(editor.html), /公開する前に直すこと（2件）/);
    answer = await post(designer, editor.html, `${base}/publish`, {});
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<title>エラー：/);
    assert.match(answer.html, /<a href="#field-breed">ページ「dog-name」の項目「breed」: 選択肢がありません<\/a>/);
    assert.match(answer.html, /<a href="#field-dogName">項目「dogName」の表示条件は、それより前の項目「bornOn」を参照してください/);
    assert.match(answer.html, /<h4 id="field-breed" tabindex="-1">/, 'the summary’s link has a target');
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions', undefined, '')).body.items.length, 0, 'nothing was published');

    // Fix both: options for the radio (a bad line is named), the condition removed.
    field = await get(designer, `${base}/fields/breed`);
    answer = await post(designer, field.html, `${base}/fields/breed`, { ...fieldValues(field.html), options: 'small=小型犬/Small\nlarge 大型犬' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#options">選択肢の2行目「large 大型犬」を「値=日本語\/English」の形にしてください<\/a>/);
    await follow(designer, await post(designer, field.html, `${base}/fields/breed`, { ...fieldValues(field.html), options: 'small=小型犬/Small\nlarge=大型犬/Large' }));
    field = await get(designer, `${base}/fields/dogName`);
    await follow(designer, await post(designer, field.html, `${base}/fields/dogName`, { ...fieldValues(field.html), showIfField: '' }));

    // Reorder: the breed moves above the dog's name on their page.
    editor = await get(designer, base);
    editor = await follow(designer, await post(designer, editor.html, `${base}/fields/move`, { action: 'up' }, 'name="field" value="breed"'));
    const order = [...editor.html.matchAll(/<h4 id="field-([a-zA-Z]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, ['ownerName', 'breed', 'dogName', 'bornOn']);

    // Publish: the version history shows 第1版 with a preview; the API sees it too.
    editor = await follow(designer, await post(designer, editor.html, `${base}/publish`, {}));
    assert.match(mainText(editor.html), /公開しました。/);
    assert.match(mainText(editor.html), /公開中（第1版）/);
    assert.match(editor.html, /href="\/staff\/procedures\/forms\/072036\/inu-touroku\/preview\?version=1"/);
    const version = await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions/1', undefined, '');
    assert.equal(version.status, 200);
    assert.deepEqual(version.body.definition.pages.flatMap((p: { fields: Array<{ key: string }> }) => p.fields.map((f) => f.key)), ['ownerName', 'breed', 'dogName', 'bornOn']);
    const preview = await get(designer, `${base}/preview?version=1`);
    assert.equal(preview.status, 200);
    assert.match(preview.html, /for="ownerName">氏名</);

    // Link the version to an online procedure of 郡山市.
    editor = await follow(designer, await post(designer, editor.html, `${base}/link`, { procedure: 'kokuho-kanyu', linkVersion: '1' }));
    assert.match(mainText(editor.html), /手続に申請様式の版を設定しました/);
    const procedure = await world.api('GET', '/api/v1/procedures/072036/kokuho-kanyu', undefined, '');
    assert.equal(procedure.body.formVersionId, version.body.id);

    // The audit log has each step.
    const actions = (await world.app.ctx.db.selectFrom('platform_audit_events').select('action').where('subject', 'in', ['form:072036/inu-touroku', 'procedure:072036/kokuho-kanyu']).execute()).map((r) => r.action);
    for (const action of ['procedures.form_created', 'procedures.form_updated', 'procedures.form_published', 'procedures.procedure_form_linked']) assert.ok(actions.includes(action), action);

    list = await get(designer, FORMS);
    assert.match(mainText(list.html), /犬の登録申請 郡山市 公開中（第1版）/);
  });

  it('when two designers edit at once, the later save should be refused and say so, never overwriting', async () => {
    const base = `${FORMS}/072036/inu-touroku`;
    const mine = await get(designer, `${base}/fields/dogName`);
    const theirs = await get(colleague, `${base}/fields/dogName`);
    await follow(colleague, await post(colleague, theirs.html, `${base}/fields/dogName`, { ...fieldValues(theirs.html), labelJa: '犬の呼び名', labelEn: 'Dog’s call name' }));
    const stale = await post(designer, mine.html, `${base}/fields/dogName`, { ...fieldValues(mine.html), labelJa: '愛犬の名前', labelEn: 'Pet name' });
    assert.equal(stale.status, 409);
    assert.match(mainText(stale.html), /ほかの職員が先に保存しました/);
    assert.match(stale.html, /<a href="\/staff\/procedures\/forms\/072036\/inu-touroku\/fields\/dogName" class="button">最新の内容を読み込む<\/a>/);
    const draft = await world.api('GET', '/api/v1/forms/072036/inu-touroku', undefined, await staffToken(world, 'form_designer', '072036'));
    assert.equal(draft.body.definition.pages.flatMap((p: { fields: Array<{ key: string; label?: { ja: string } }> }) => p.fields).find((f: { key: string }) => f.key === 'dogName').label.ja, '犬の呼び名');
    // The editor's own buttons carry the version too.
    const editor = await get(designer, base);
    await follow(colleague, await post(colleague, (await get(colleague, base)).html, `${base}/settings`, { titleJa: '犬の登録申請書', titleEn: 'Dog registration form', introJa: '', introEn: '' }));
    assert.equal((await post(designer, editor.html, `${base}/publish`, {})).status, 409);
    assert.equal((await world.api('GET', '/api/v1/forms/072036/inu-touroku/versions', undefined, '')).body.items.length, 1, 'the stale publish published nothing');
  });

  it('a field list should import with its line and column errors shown, and start a form when right', async () => {
    const list = await get(designer, FORMS);
    const csrf = hiddenField(list.html, '_csrf');
    const upload = async (csv: string, code: string, name = 'fields.csv') => {
      const body = new FormData();
      for (const [k, v] of Object.entries({ _csrf: csrf, importLgCode: '072036', importCode: code, importTitleJa: '狂犬病予防注射', importTitleEn: 'Rabies vaccination' })) body.append(k, v);
      body.append('file', new Blob([csv], { type: 'text/csv' }), name);
      const response = await designer.request(`${world.base}${FORMS}/import`, { multipart: body });
      return { status: response.status, html: await response.text(), location: response.headers.get('location') };
    };
    const bad = await upload('key,type,label_ja,label_en,options\nowner,,,,\nsize,radio,大きさ,Size,small=小/Small|big\n', 'kyoken');
    assert.equal(bad.status, 422);
    assert.match(bad.html, /<a href="#file">3行目の「options」: 「big」は「値=日本語\/English」の形にしてください<\/a>/);
    assert.match(bad.html, /value="kyoken"/, 'what was typed is kept');
    const unknown = await upload('key,colour\nx,red\n', 'kyoken');
    assert.match(unknown.html, /列「colour」は使えません/);
    const json = await upload('{"fields": [{"key": "owner", "dictionary": "full-name"}, {"key": "shotOn", "type": "date", "label_ja": "接種日", "label_en": "Date", "required": "必須", "max": "today"}]}', 'kyoken-json', 'fields.json');
    const editor = await follow(designer, json);
    assert.match(mainText(editor.html), /項目一覧を取り込みました/);
    assert.match(mainText(editor.html), /接種日 （shotOn） 日付（和暦も表示） · 必須/);
    const exported = await designer.request(`${world.base}/api/v1/forms/072036/kyoken-json/export?format=csv`);
    assert.equal(exported.status, 200);
    assert.match(await exported.text(), /shotOn,date,,接種日,Date/);
  });

  it('a municipality should copy the PUBLISHED version of a prefecture template, not its draft', async () => {
    const prefecture = await staffToken(world, 'form_designer', '070009');
    const created = await world.api('PUT', '/api/v1/forms/070009/tmpl-kyoken', { isTemplate: true, definition: { title: L('狂犬病予防（ひな形）', 'Rabies (template)'), pages: [{ id: 'owner', fields: [{ key: 'owner', dictionary: 'full-name' }] }] } }, prefecture);
    assert.equal(created.status, 201);
    let list = await get(designer, FORMS);
    assert.doesNotMatch(mainText(list.html), /狂犬病予防（ひな形）/, 'an unpublished template is not offered');
    const published = await world.api('POST', '/api/v1/forms/070009/tmpl-kyoken/publish', undefined, prefecture, { 'if-match': created.headers.get('etag')! });
    assert.equal(published.status, 201);
    const edited = await world.api('PUT', '/api/v1/forms/070009/tmpl-kyoken', { definition: { title: L('書きかけ', 'Work in progress'), pages: [{ id: 'owner', fields: [{ key: 'owner', type: 'hologram' }] }] } }, prefecture, { 'if-match': published.headers.get('etag')! });
    assert.equal(edited.status, 200);

    list = await get(designer, FORMS);
    assert.match(mainText(list.html), /狂犬病予防（ひな形） 第1版/);
    const copied = await follow(designer, await post(designer, list.html, `${FORMS}/copy`, { from: '070009/tmpl-kyoken', copyLgCode: '072036', copyCode: 'kyoken-yobou' }));
    assert.match(mainText(copied.html), /ひな形の公開版をコピーしました/);
    assert.match(copied.html, /<h1>狂犬病予防（ひな形）<\/h1>/);
    assert.match(mainText(copied.html), /コピー元 070009\/tmpl-kyoken@1/);
    assert.doesNotMatch(mainText(copied.html), /hologram/);
    // The same code again is a field error, not an overwrite.
    const again = await post(designer, list.html, `${FORMS}/copy`, { from: '070009/tmpl-kyoken', copyLgCode: '072036', copyCode: 'kyoken-yobou' });
    assert.equal(again.status, 422);
    assert.match(again.html, /<a href="#copyCode-\d+">様式コード「kyoken-yobou」はすでに使われています<\/a>/);
  });

  it('another municipality’s forms should not be found, and its designers cannot write them', async () => {
    const base = `${FORMS}/072036/inu-touroku`;
    assert.equal((await get(aizu, base)).status, 404);
    assert.equal((await get(aizu, `${base}/fields/dogName`)).status, 404);
    const own = await get(aizu, FORMS);
    assert.doesNotMatch(own.html, /072036\//);
    const csrf = hiddenField(own.html, '_csrf');
    const attempt = await aizu.request(`${world.base}${base}/publish`, { form: { _csrf: csrf, version: '1' } });
    assert.equal(attempt.status, 404);
    // Creating a form in another municipality is refused.
    assert.equal((await aizu.request(`${world.base}${FORMS}`, { form: { _csrf: csrf, lgCode: '072036', code: 'intruder', titleJa: 'x', titleEn: 'x' } })).status, 403);
    // A reviewer (no manage_forms) cannot open the builder; anonymous goes to the login page.
    const reviewer = new CookieBrowser();
    reviewer.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, 'reviewer@city.koriyama.example.jp', [{ role: 'reviewer', scope: koriyamaScope }])).sessionToken);
    assert.equal((await get(reviewer, FORMS)).status, 403);
    const anonymous = await get(new CookieBrowser(), FORMS);
    assert.equal(anonymous.status, 303);
  });

  const NAVS = '/staff/procedures/navigations';
  /** Every value the navigation form would post: its inputs, selected options, checked boxes. */
  const navForm = (html: string) => formInputs(/<form method="post" action="\/staff\/procedures\/navigations\/[^"]+"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '');
  const postNav = async (browser: CookieBrowser, path: string, values: Record<string, string>) => {
    const response = await browser.request(`${world.base}${path}`, { form: values });
    return { status: response.status, html: await response.text(), location: response.headers.get('location') };
  };

  it('the navigation builder should open the demo navigation with a preview of every walk', async () => {
    const list = await get(designer, NAVS);
    assert.equal(list.status, 200);
    assert.match(mainText(list.html), /転入 第1版/);
    assert.match(mainText(list.html), /結婚 未作成/);
    const editor = await get(designer, `${NAVS}/072036/moving-in`);
    assert.equal(editor.status, 200);
    const text = mainText(editor.html);
    assert.match(text, /現在は第1版です。/);
    assert.match(text, /自動車をお持ちですか （has-car） 「はい」 → 【県】自動車税（種別割）の住所変更（オンライン）/);
    const values = navForm(editor.html);
    assert.equal(values.start, 'previous-address');
    assert.equal(values.baseVersion, '1');
    // Nothing changed, checked: no problems, nothing saved.
    const checked = await postNav(designer, `${NAVS}/072036/moving-in`, { ...values, action: 'check' });
    assert.equal(checked.status, 200);
    assert.match(mainText(checked.html), /問題はありません。すべての回答の道筋が手続で終わります。/);
    // A cycle: the last question leads back to the first.
    const cycle: Record<string, string> = { ...values, action: 'check' };
    const lastQuestion = Math.max(...Object.keys(values).flatMap((k) => /^q-(\d+)-id$/.exec(k) && values[k] ? [Number(/^q-(\d+)-id$/.exec(k)![1])] : []));
    cycle[`q-${lastQuestion}-o-0-next`] = 'previous-address';
    const refused = await postNav(designer, `${NAVS}/072036/moving-in`, cycle);
    assert.equal(refused.status, 422);
    assert.match(refused.html, /<a href="#q-0-id">設問が循環しています: previous-address → /);
    assert.equal((await world.api('GET', '/api/v1/navigations/072036/moving-in', undefined, '')).body.currentVersion, 1, 'a check saves nothing');
  });

  it('a new navigation should be refused while a path ends with no procedure, then saved with an external-link leaf', async () => {
    const path = `${NAVS}/072036/marriage`;
    let page = await get(designer, path);
    assert.match(mainText(page.html), /まだ作られていません。/);
    const draft = {
      ...navForm(page.html),
      'q-0-id': 'name-change', 'q-0-textJa': '姓が変わりましたか', 'q-0-textEn': 'Did your surname change?',
      'q-0-o-0-id': 'yes', 'q-0-o-0-labelJa': 'はい', 'q-0-o-0-labelEn': 'Yes', 'q-0-o-0-next': '',
      'q-0-o-0-p-0-proc': '072036/inkan-touroku', 'q-0-o-0-p-0-whyJa': '印鑑登録の氏名を変えるため', 'q-0-o-0-p-0-whyEn': 'To change the name on the seal registration',
      'q-0-o-1-id': 'no', 'q-0-o-1-labelJa': 'いいえ', 'q-0-o-1-labelEn': 'No', 'q-0-o-1-next': '',
    };
    // A reason in one language only, and a path with no procedure.
    let answer = await postNav(designer, path, { ...draft, 'q-0-o-0-p-0-whyEn': '', action: 'save' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#q-0-o-0-p-0-whyEn">この手続が必要な理由（英語）も入力してください<\/a>/);
    assert.match(answer.html, /value="印鑑登録の氏名を変えるため"/, 'what was typed is kept');
    answer = await postNav(designer, path, { ...draft, action: 'save' });
    assert.equal(answer.status, 422);
    assert.match(answer.html, /<a href="#q-0-id">手続が一つもないまま終わる回答の道筋があります: name-change › no<\/a>/);
    assert.equal((await world.api('GET', '/api/v1/navigations/072036/marriage', undefined, '')).status, 404, 'nothing saved');

    // 「いいえ」 ends with the prefecture's subsidy on jGrants (an external site): accepted and saved.
    const fixed = { ...draft, 'q-0-o-1-p-0-proc': '070009/taiyoukou-hojo', 'q-0-o-1-p-0-whyJa': '新居に太陽光発電を設置するなら', 'q-0-o-1-p-0-whyEn': 'If you install solar power at your new home' };
    answer = await postNav(designer, path, { ...fixed, action: 'check' });
    assert.equal(answer.status, 200);
    assert.match(mainText(answer.html), /「いいえ」 → 【県】住宅用太陽光発電設備の設置補助（外部サイト: jGrants（補助金の電子申請システム）） → 結果/);
    page = await follow(designer, await postNav(designer, path, { ...fixed, action: 'save' }));
    assert.match(mainText(page.html), /保存しました（第1版）/);
    const saved = await world.api('GET', '/api/v1/navigations/072036/marriage', undefined, '');
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body.definition.questions[0].options[1].adds[0].procedure, { lgCode: '070009', code: 'taiyoukou-hojo' });
    assert.deepEqual(saved.body.definition.questions[0].options[0].adds[0].procedure, { code: 'inkan-touroku' });
    // Residents walk it.
    const walk = await world.page('/life-events/marriage/072036');
    assert.equal(walk.status, 303);
    const audited = await world.app.ctx.db.selectFrom('platform_audit_events').select('details').where('action', '=', 'procedures.navigation_saved').where('subject', '=', 'navigation:072036/marriage').execute();
    assert.equal(audited.length, 1);
  });

  it('when two designers save a navigation at once, the later should be told and keep what they typed', async () => {
    const path = `${NAVS}/072036/marriage`;
    const mine = navForm((await get(designer, path)).html);
    const theirs = navForm((await get(colleague, path)).html);
    await follow(colleague, await postNav(colleague, path, { ...theirs, 'q-0-textJa': '名字が変わりましたか', action: 'save' }));
    const stale = await postNav(designer, path, { ...mine, 'q-0-textJa': '氏が変わりましたか', action: 'save' });
    assert.equal(stale.status, 409);
    assert.match(mainText(stale.html), /ほかの職員が先に保存しました/);
    assert.match(stale.html, /<a href="\/staff\/procedures\/navigations\/072036\/marriage">最新の内容を読み込む<\/a>/);
    assert.match(stale.html, /value="氏が変わりましたか"/);
    const current = await world.api('GET', '/api/v1/navigations/072036/marriage', undefined, '');
    assert.equal(current.body.currentVersion, 2);
    assert.equal(current.body.definition.questions[0].text.ja, '名字が変わりましたか');
    // The history lists both versions; an old one can be loaded to restore it.
    const restored = await get(designer, `${path}?version=1`);
    assert.match(mainText(restored.html), /第1版の内容を読み込みました/);
    assert.equal(navForm(restored.html)['q-0-textJa'], '姓が変わりましたか');
    assert.equal(navForm(restored.html).baseVersion, '2');
  });

  it('another municipality’s navigations should not be found', async () => {
    assert.equal((await get(aizu, `${NAVS}/072036/moving-in`)).status, 404);
    const own = await get(aizu, NAVS);
    assert.match(mainText(own.html), /会津若松市のナビゲーション/);
    const csrf = hiddenField(own.html, '_csrf');
    assert.equal((await postNav(aizu, `${NAVS}/072036/moving-in`, { _csrf: csrf, action: 'save', baseVersion: '1' })).status, 404);
    assert.equal((await get(designer, `${NAVS}/072036/no-such-event`)).status, 404);
  });

  it('the builders should speak English', async () => {
    const english = new CookieBrowser();
    english.setCookie(world.base, 'tsn_session', designer.cookie(world.base, 'tsn_session')!);
    english.setCookie(world.base, 'tsn_lang', 'en');
    const editor = await get(english, `${FORMS}/072036/inu-touroku`);
    assert.match(editor.html, /<html lang="en"/);
    assert.match(mainText(editor.html), /Published \(version 1\)\. Changes to the draft are not seen by residents until published\./);
    assert.match(mainText(editor.html), /Publish this draft/);
    const field = await get(english, `${FORMS}/072036/inu-touroku/fields/bornOn`);
    assert.match(mainText(field.html), /Date range \(residents also see the Japanese era\)/);
    const navigation = await get(english, `${NAVS}/072036/marriage`);
    assert.match(mainText(navigation.html), /Preview of the walks/);
    assert.match(mainText(navigation.html), /“Yes” → /);
  });
});

/** The field page's inputs as stored (without the CSRF token and version, which `post` adds). */
function fieldValues(html: string): Record<string, string> {
  const { _csrf: _c, version: _v, ...rest } = formInputs(/<form method="post" action="[^"]*\/fields\/[^"]+"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '');
  return rest;
}

/** What a browser would post from a form: inputs, textareas, selected options, checked boxes. */
function formInputs(form: string): Record<string, string> {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    const type = /type="([^"]+)"/.exec(m[0])?.[1] ?? 'text';
    if (!name || ((type === 'radio' || type === 'checkbox') && !/ checked/.test(m[0]))) continue;
    out[name] = unescape(/value="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  for (const m of form.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = unescape(m[2]!);
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[\s\S]*?<\/select>/g)) {
    // Preact writes an empty value as a bare attribute: <option value selected>.
    const options = [...m[0].matchAll(/<option([^>]*)>/g)].map((o) => ({ value: /value="([^"]*)"/.exec(o[1]!)?.[1] ?? '', selected: / selected/.test(o[1]!) }));
    out[m[1]!] = unescape((options.find((o) => o.selected) ?? options[0])?.value ?? '');
  }
  return out;
}
