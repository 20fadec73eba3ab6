// A form designer of 郡山市 (072036) builds an online procedure in a real browser, from the staff
// home: imports the field list of a paper form, is refused publishing (a choice without options)
// and follows the error summary's link to the field, edits it, publishes, uses the version on a
// procedure, then builds the 結婚 navigation leading to it (checked before saving, with an
// external-link procedure as another leaf), and walks it as a resident. axe-core's WCAG 2.1 AA
// checks on each page. Screenshots go to $TSUNAGU_SCREENSHOTS.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { onboardStaff } from '../../src/identity/test/identity-helpers.ts';
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS } from '../helpers/accessibility.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../helpers/test-database.ts';

const FIELD_LIST = [
  'page,page_title_ja,page_title_en,key,type,dictionary,label_ja,label_en,hint_ja,hint_en,required,options',
  'applicant,申請する人,Applicant,name,,full-name,,,,,,',
  'applicant,申請する人,Applicant,kana,,full-name-kana,,,,,,',
  ',,,childName,text,,お子さんの氏名,Child’s name,,,必須,',
  ',,,school,radio,,通っている学校,School,,,必須,',
].join('\r\n');

describe('form and navigation builder journey in Chromium', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const shots = process.env.TSUNAGU_SCREENSHOTS;
  const shot = async (name: string) => {
    if (!shots) return;
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    ({ app, base } = await createListeningTestApp([5440, 5460]));
    const session = (await onboardStaff(app, await platformAdminToken(app), 'designer@city.koriyama.example.jp', [{ role: 'form_designer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }])).sessionToken;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: session, domain: new URL(base).hostname, path: '/' }]);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a designer should import a field list, fix and publish the form, and build a navigation leading to it', async () => {
    await page.goto(`${base}/staff`);
    await page.getByRole('link', { name: '申請様式の作成・取り込み・プレビュー・公開' }).click();
    assert.equal(await page.textContent('h1'), '申請様式');
    await assertAccessible(page, 'forms list');

    // Import the paper form's field list.
    await page.fill('#importCode', 'gakko-hojo');
    await page.fill('#importTitleJa', '就学援助 申請書');
    await page.fill('#importTitleEn', 'School expenses support');
    await page.setInputFiles('#file', { name: 'gakko-hojo.csv', mimeType: 'text/csv', buffer: Buffer.from(FIELD_LIST) });
    await page.getByRole('button', { name: '取り込む' }).click();
    assert.equal(await page.textContent('h1'), '就学援助 申請書');
    assert.match((await page.textContent('main')) ?? '', /項目一覧を取り込みました/);
    await assertAccessible(page, 'editor after import');
    await shot('form-builder-imported');

    // Publishing is refused: the summary links to the field with the problem.
    await page.getByRole('button', { name: 'この下書きを公開する' }).click();
    assert.match(await page.title(), /^エラー：/);
    await assertAccessible(page, 'publish refused');
    await shot('form-builder-publish-refused');
    await page.getByRole('link', { name: 'ページ「school」の項目「school」: 選択肢がありません' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-school', 'the link takes focus to the field');

    // Edit the field: its options, and its help text.
    await page.getByRole('link', { name: /^編集\s*:\s*通っている学校$/ }).click();
    assert.equal(await page.textContent('h1'), '項目「通っている学校」の編集');
    await page.fill('#options', 'elementary=小学校/Elementary school\njunior-high=中学校/Junior high school');
    await page.fill('#hintJa', '4月1日時点の学校を選んでください');
    await page.fill('#hintEn', 'The school on 1 April');
    await assertAccessible(page, 'field edit');
    await shot('form-builder-field');
    await page.getByRole('button', { name: '保存する' }).click();
    assert.match((await page.textContent('main')) ?? '', /下書きを保存しました/);

    await page.getByRole('button', { name: 'この下書きを公開する' }).click();
    assert.match((await page.textContent('main')) ?? '', /公開中（第1版）/);
    // The version is used by the online procedure 子ども医療費助成.
    await page.selectOption('#procedure', 'kodomo-iryouhi');
    await page.getByRole('button', { name: 'この版を使う' }).click();
    assert.match((await page.textContent('main')) ?? '', /手続に申請様式の版を設定しました/);
    await shot('form-builder-published');

    // The preview shows the published form as residents will see it.
    await page.getByRole('link', { name: /^プレビュー\s*第1版$/ }).click();
    assert.equal(await page.textContent('h1'), '申請する人');

    // The navigation for 結婚 in 郡山市, leading to the procedure.
    await page.goto(`${base}/staff`);
    await page.getByRole('link', { name: 'ライフイベントナビの編集' }).click();
    await assertAccessible(page, 'navigations list');
    await page.getByRole('link', { name: /^作成\s*:\s*結婚$/ }).click();
    await page.fill('#q-0-id', 'has-child');
    await page.fill('#q-0-textJa', '小学生か中学生のお子さんがいますか');
    await page.fill('#q-0-textEn', 'Do you have a child at elementary or junior high school?');
    await page.fill('#q-0-o-0-id', 'yes');
    await page.fill('#q-0-o-0-labelJa', 'はい');
    await page.fill('#q-0-o-0-labelEn', 'Yes');
    await page.fill('#q-0-o-1-id', 'no');
    await page.fill('#q-0-o-1-labelJa', 'いいえ');
    await page.fill('#q-0-o-1-labelEn', 'No');
    await page.selectOption('#q-0-o-0-p-0-proc', '072036/kodomo-iryouhi');
    await page.fill('#q-0-o-0-p-0-whyJa', '世帯が変わったら届け出が必要です');
    await page.fill('#q-0-o-0-p-0-whyEn', 'A change of household must be notified');
    // Checked before saving: 「いいえ」 ends with no procedure.
    await page.getByRole('button', { name: '確認する（保存しない）' }).click();
    assert.match(await page.title(), /^エラー：/);
    assert.match((await page.textContent('.error-summary')) ?? '', /手続が一つもないまま終わる回答の道筋があります: has-child › no/);
    await assertAccessible(page, 'navigation refused');
    await shot('navigation-builder-refused');

    // 「いいえ」 leads to the prefecture's subsidy on jGrants, an external site.
    await page.selectOption('#q-0-o-1-p-0-proc', '070009/taiyoukou-hojo');
    await page.fill('#q-0-o-1-p-0-whyJa', '新居に太陽光発電を設置する方へ');
    await page.fill('#q-0-o-1-p-0-whyEn', 'If you install solar power at your new home');
    await page.getByRole('button', { name: '確認する（保存しない）' }).click();
    const preview = (await page.textContent('.walk-preview')) ?? '';
    assert.match(preview, /「はい」 → 子ども医療費助成の申請（オンライン）/);
    assert.match(preview, /外部サイト: jGrants/);
    await shot('navigation-builder-checked');
    if (shots) await page.screenshot({ path: path.join(shots, 'navigation-builder-checked-top.png') });
    await page.getByRole('button', { name: '確認して保存する' }).click();
    assert.match((await page.textContent('main')) ?? '', /保存しました（第1版）/);
    await assertAccessible(page, 'navigation saved');

    // A resident's walk ends at the procedure with the new form.
    await page.getByRole('link', { name: '住民の画面で試す' }).click();
    await page.getByLabel('はい').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    const result = (await page.textContent('main')) ?? '';
    assert.match(result, /子ども医療費助成/);
    assert.match(result, /世帯が変わったら届け出が必要です/);
    await shot('navigation-builder-resident-result');
    assert.deepEqual(pageErrors, []);
  });
});
