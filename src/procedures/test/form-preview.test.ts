// The staff preview: a designer walks a published demo form as a resident would — one question
// per page, the question as the h1, the error summary linked to the field, 和暦 read and shown,
// the household added item by item without JavaScript, English too — and the last page says
// clearly that nothing was stored. Other tenants' staff and residents cannot open it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { mainText, staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';

const heading = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim();
/** What a browser would post back: hidden and text inputs, checked choices, selected options. */
function formFields(html: string): Record<string, string> {
  const form = /<form method="post"[\s\S]*?<\/form>/.exec(html.slice(html.indexOf('<main')))?.[0] ?? '';
  const unescape = (v: string) => v.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    const type = /type="([^"]+)"/.exec(m[0])?.[1] ?? 'text';
    if (!name || type === 'file' || ((type === 'radio' || type === 'checkbox') && !/ checked/.test(m[0]))) continue;
    out[name] = unescape(/value="([^"]*)"/.exec(m[0])?.[1] ?? '');
  }
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[\s\S]*?<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected/.exec(m[0])?.[1];
    if (selected !== undefined) out[m[1]!] = unescape(selected);
  }
  return out;
}
const actionOf = (html: string) => /<form method="post" action="([^"]+)"/.exec(html.slice(html.indexOf('<main')))?.[1]!.replace(/&amp;/g, '&');

describe('form preview for staff', () => {
  let world: ProceduresWorld;
  let aizu: CookieBrowser;
  let koriyama: CookieBrowser;
  const PREVIEW = '/staff/procedures/forms/072028/kokuho-kanyu/preview';

  before(async () => {
    world = await startWorld([4895, 4900]);
    aizu = new CookieBrowser();
    koriyama = new CookieBrowser();
    aizu.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, 'designer@city.aizu.example.jp', [{ role: 'form_designer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }])).sessionToken);
    koriyama.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, 'designer@city.koriyama.example.jp', [{ role: 'form_designer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }])).sessionToken);
  });
  after(async () => world?.close());

  /** Posts the page's form with `answers` on top of what the page holds. */
  const submit = async (browser: CookieBrowser, html: string, answers: Record<string, string>) => {
    const response = await browser.request(`${world.base}${actionOf(html)}`, { form: { ...formFields(html), ...answers } });
    return { status: response.status, html: await response.text() };
  };

  it('the demo procedures should point at published forms built on the dictionary', async () => {
    for (const lgCode of ['072028', '072036']) {
      for (const code of ['kokuho-kanyu', 'jidou-teate', 'kodomo-iryouhi', 'hoiku-moushikomi', 'shussei-renraku']) {
        const procedure = await world.api('GET', `/api/v1/procedures/${lgCode}/${code}`);
        assert.ok(procedure.body.formVersionId, `${lgCode}/${code} has a form`);
      }
    }
    const version = await world.api('GET', '/api/v1/forms/072036/jidou-teate/versions/1', undefined, '');
    assert.equal(version.body.definition.pages[0].fields[0].dictionary, 'full-name');
  });

  it('a designer should walk the published form page by page, with errors linked to fields and 和暦 read', async () => {
    let page = { status: 0, html: await (await aizu.request(`${world.base}${PREVIEW}?version=1`)).text() };
    assert.equal(heading(page.html), '申請する人');
    assert.match(mainText(page.html), /これはプレビューです。入力した内容は保存も送信もされません。/);
    assert.match(page.html, /<label class="label[^"]*" for="fullName">氏名<\/label>/);

    // Nothing typed: 422, the title starts with エラー, the summary links to each field.
    page = await submit(aizu, page.html, {});
    assert.equal(page.status, 422);
    assert.match(page.html, /<title>エラー：/);
    assert.match(page.html, /<a href="#fullName">「氏名」を入力してください<\/a>/);
    assert.match(page.html, /<a href="#fullNameKana">「氏名（フリガナ）」を入力してください<\/a>/);

    page = await submit(aizu, page.html, { fullName: '会津　花子', fullNameKana: 'ｱｲﾂﾞ ﾊﾅｺ' });
    assert.equal(page.status, 200);
    assert.equal(heading(page.html), '生年月日', 'one question on the page: the question is the h1');
    page = await submit(aizu, page.html, { 'birthDate-year': '平成２', 'birthDate-month': '4', 'birthDate-day': '1' });
    page = await submit(aizu, page.html, { 'address-postcode': '9650872', 'address-address': '会津若松市東栄町3-46' });
    page = await submit(aizu, page.html, { phone: '0242-39-1111' });
    assert.equal(heading(page.html), '加入する理由を選んでください');
    page = await submit(aizu, page.html, { reason: 'moved-in' });
    assert.equal(heading(page.html), '転入した日', 'the move-in page is shown for those who moved in');
    page = await submit(aizu, page.html, { 'moveInDate-year': '2026', 'moveInDate-month': '11', 'moveInDate-day': '20' });
    assert.equal(heading(page.html), '加入する人', 'the employer page is skipped');

    // Household members are added one at a time, without JavaScript.
    assert.match(page.html, /世帯員（1人目）/);
    page = await submit(aizu, page.html, { _add: 'members', 'members-0-fullName': '会津　花子' });
    assert.match(page.html, /世帯員（2人目）/);
    assert.match(page.html, /value="会津　花子"/, 'what was typed stays');
    page = await submit(aizu, page.html, { 'members-0-fullNameKana': 'アイヅ　ハナコ', 'members-0-birthDate-year': '1990', 'members-0-birthDate-month': '4', 'members-0-birthDate-day': '1', 'members-0-relationship': 'self' });
    assert.equal(page.status, 422, 'the second member is still empty');
    assert.match(page.html, /href="#members-1-fullName"/);
    page = await submit(aizu, page.html, { _remove: 'members' });
    assert.doesNotMatch(page.html, /世帯員（2人目）/);
    page = await submit(aizu, page.html, {});
    assert.equal(heading(page.html), '申告');
    page = await submit(aizu, page.html, { declaration: 'yes' });
    assert.equal(page.status, 200);
    const text = mainText(page.html);
    assert.equal(heading(page.html), '入力内容の検査結果（プレビュー）');
    assert.match(text, /申請は送信されておらず、入力内容も保存されていません/);
    assert.match(page.html, /<dd class="summary-list__value">アイヅ　ハナコ<\/dd>/, 'half-width kana normalised, with a full-width space');
    assert.match(text, /1990年4月1日（平成2年）/, '和暦 shown with the date');
    assert.match(text, /〒965-0872 会津若松市東栄町3-46/);
  });

  it('the preview should work in English and show the draft when no version is given', async () => {
    const english = new CookieBrowser();
    english.setCookie(world.base, 'tsn_session', aizu.cookie(world.base, 'tsn_session')!);
    english.setCookie(world.base, 'tsn_lang', 'en');
    const html = await (await english.request(`${world.base}${PREVIEW}/reason`)).text();
    assert.match(html, /<html lang="en"/);
    assert.equal(heading(html), 'Why are you joining?');
    assert.match(mainText(html), /Preview: Joining the National Health Insurance \(draft\)/);
    const wrong = await submit(english, html, {});
    assert.match(wrong.html, /<a href="#reason">Select Why are you joining\?<\/a>/);
  });

  it('the preview of a draft with problems should show what it can and list what to fix', async () => {
    const token = await staffToken(world, 'form_designer', '072028');
    const saved = await world.api('PUT', '/api/v1/forms/072028/half-done', { definition: { title: { ja: '作りかけ', en: 'Half done' }, pages: [{ id: 'one', fields: [{ key: 'name', dictionary: 'full-name' }, { key: 'odd', type: 'hologram', label: { ja: '謎', en: 'Odd' } }] }] } }, token);
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const html = await (await aizu.request(`${world.base}/staff/procedures/forms/072028/half-done/preview`)).text();
    assert.match(mainText(html), /公開する前に直す点があります： ページ「one」の項目「odd」: 種類「hologram」はありません/);
    assert.match(html, /for="name">氏名</);
  });

  it('the forms page should list the tenant’s forms with links to the draft and each version', async () => {
    const html = await (await aizu.request(`${world.base}/staff/procedures/forms`)).text();
    assert.match(html, /<a href="\/staff\/procedures\/forms\/072028\/kokuho-kanyu\/preview\?version=1">第1版<\/a>/);
    assert.doesNotMatch(html, /072036/, 'another municipality’s forms are not listed');
  });

  it('staff of another municipality, residents and strangers should not open it', async () => {
    assert.equal((await koriyama.request(`${world.base}${PREVIEW}`)).status, 403);
    const anonymous = await new CookieBrowser().request(`${world.base}${PREVIEW}`);
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.get('location')!, /^\/staff\/login/);
    assert.equal((await aizu.request(`${world.base}/staff/procedures/forms/072028/no-such-form/preview`)).status, 404);
    assert.equal((await aizu.request(`${world.base}${PREVIEW}?version=99`)).status, 404);
    // A post without the CSRF token is refused.
    assert.equal((await aizu.request(`${world.base}${PREVIEW}/name`, { form: { fullName: 'x' } })).status, 403);
  });
});
