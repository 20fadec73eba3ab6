// Issue 6's whole journey in a real browser, in 郡山市 (072036): a form designer imports the field
// list of a paper form, is refused publishing (a choice without options) and follows the error
// summary to the field, fixes it, publishes, uses the version on 子ども医療費助成 and builds the
// 結婚 navigation leading to it (checked before saving, with an external-link procedure as
// another leaf); a resident walks the navigation and applies on the new form; a reviewer of
// こども家庭課 returns it with a reason on one answer; the resident corrects only that answer and
// resubmits; the reviewer sees what changed, receives and checks it; two approvers approve a level
// each; the resident downloads the signed decision and the public page says it is genuine; the
// monitoring view counts the application. Staff decide with the keyboard; axe-core's WCAG 2.1 AA
// checks on each kind of page. Screenshots go to $TSUNAGU_SCREENSHOTS.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onboardStaff, registerResident } from '../../src/identity/test/identity-helpers.ts';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium, screenshot } from '../helpers/browser-journey.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../helpers/test-database.ts';

const FIELD_LIST = [
  'page,page_title_ja,page_title_en,key,type,dictionary,label_ja,label_en,hint_ja,hint_en,required,options',
  'applicant,申請する人,Applicant,name,,full-name,,,,,,',
  'applicant,申請する人,Applicant,kana,,full-name-kana,,,,,,',
  ',,,childName,text,,お子さんの氏名,Child’s name,,,必須,',
  ',,,school,radio,,通っている学校,School,,,必須,',
].join('\r\n');

const KORIYAMA = { level: 'municipality', prefectureCode: '070009', lgCode: '072036' };

describe('back office journey in Chromium (郡山市, from the field list to the verified document)', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  let downloads: string;
  const pages: Record<string, Page> = {};
  const pageErrors: string[] = [];
  const shot = screenshot;
  const text = async (page: Page, selector = 'main') => (await page.textContent(selector)) ?? '';

  const open = async (who: string, sessionToken: string) => {
    const context: BrowserContext = await browser!.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    await context.addCookies([{ name: 'tsn_session', value: sessionToken, domain: new URL(base).hostname, path: '/' }]);
    pages[who] = await context.newPage();
    pages[who].on('pageerror', (error) => pageErrors.push(`${who}: ${error.message}`));
  };
  /** Tabs to a button and presses Enter, as a keyboard user does, and waits for the post's page. */
  const pressButton = async (page: Page, name: string) => {
    await page.getByRole('button', { name, exact: true }).focus();
    const navigated = page.waitForNavigation({ waitUntil: 'load' });
    await page.keyboard.press('Enter');
    await navigated;
  };

  before(async () => {
    ({ app, base } = await createListeningTestApp([5440, 5460]));
    downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-back-office-'));
    const admin = await platformAdminToken(app);
    browser = await launchChromium();
    const staff: Array<[string, string]> = [['designer', 'form_designer'], ['reviewer', 'reviewer'], ['approver1', 'approver'], ['approver2', 'approver'], ['clerk', 'counter_clerk'], ['kanri', 'municipal_admin']];
    for (const [who, role] of staff) {
      const email = `${who}@city.koriyama.example.jp`;
      const { sessionToken } = await onboardStaff(app, admin, email, [{ role, scope: KORIYAMA }], '072036');
      if (role === 'reviewer' || role === 'approver') {
        const joined: { statusCode: number; body: string } = await app.app.inject({ method: 'POST', url: '/api/v1/procedure-departments/072036/kodomo/members', headers: { authorization: `Bearer ${admin}` }, payload: { email } });
        assert.equal(joined.statusCode, 201, joined.body);
      }
      await open(who, sessionToken);
    }
    await open('resident', (await registerResident(app, 'koriyama-resident@example.jp')).sessionToken);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    if (downloads) fs.rmSync(downloads, { recursive: true, force: true });
  });

  it('a designer imports a field list, fixes and publishes the form, and builds a navigation leading to it', async () => {
    const page = pages['designer']!;
    await page.goto(`${base}/staff`);
    await page.getByRole('link', { name: '申請様式の作成・取り込み・プレビュー・公開' }).click();
    assert.equal(await page.textContent('h1'), '申請様式');
    await assertAccessible(page, 'forms list');

    await page.fill('#importCode', 'gakko-hojo');
    await page.fill('#importTitleJa', '就学援助 申請書');
    await page.fill('#importTitleEn', 'School expenses support');
    await page.setInputFiles('#file', { name: 'gakko-hojo.csv', mimeType: 'text/csv', buffer: Buffer.from(FIELD_LIST) });
    await page.getByRole('button', { name: '取り込む' }).click();
    assert.equal(await page.textContent('h1'), '就学援助 申請書');
    assert.match(await text(page), /項目一覧を取り込みました/);
    await assertAccessible(page, 'editor after import');
    await shot(page, 'back-office-imported');

    // Publishing is refused: the summary links to the field with the problem.
    await page.getByRole('button', { name: 'この下書きを公開する' }).click();
    assert.match(await page.title(), /^エラー：/);
    await assertAccessible(page, 'publish refused');
    await page.getByRole('link', { name: 'ページ「school」の項目「school」: 選択肢がありません' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-school', 'the link takes focus to the field');

    await page.getByRole('link', { name: /^編集\s*:\s*通っている学校$/ }).click();
    assert.equal(await page.textContent('h1'), '項目「通っている学校」の編集');
    await page.fill('#options', 'elementary=小学校/Elementary school\njunior-high=中学校/Junior high school');
    await page.fill('#hintJa', '4月1日時点の学校を選んでください');
    await page.fill('#hintEn', 'The school on 1 April');
    await assertAccessible(page, 'field edit');
    await page.getByRole('button', { name: '保存する' }).click();
    assert.match(await text(page), /下書きを保存しました/);

    await page.getByRole('button', { name: 'この下書きを公開する' }).click();
    assert.match(await text(page), /公開中（第1版）/);
    await page.selectOption('#procedure', 'kodomo-iryouhi');
    await page.getByRole('button', { name: 'この版を使う' }).click();
    assert.match(await text(page), /手続に申請様式の版を設定しました/);
    await shot(page, 'back-office-published');
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
    assert.match(await text(page, '.error-summary'), /手続が一つもないまま終わる回答の道筋があります: has-child › no/);
    await assertAccessible(page, 'navigation refused');

    // 「いいえ」 leads to the prefecture's subsidy on jGrants, an external site.
    await page.selectOption('#q-0-o-1-p-0-proc', '070009/taiyoukou-hojo');
    await page.fill('#q-0-o-1-p-0-whyJa', '新居に太陽光発電を設置する方へ');
    await page.fill('#q-0-o-1-p-0-whyEn', 'If you install solar power at your new home');
    await page.getByRole('button', { name: '確認する（保存しない）' }).click();
    const preview = await text(page, '.walk-preview');
    assert.match(preview, /「はい」 → 子ども医療費助成の申請（オンライン）/);
    assert.match(preview, /外部サイト: jGrants/);
    await shot(page, 'back-office-navigation-checked');
    await page.getByRole('button', { name: '確認して保存する' }).click();
    assert.match(await text(page), /保存しました（第1版）/);
    await assertAccessible(page, 'navigation saved');
  });

  let receipt: string;

  it('a resident walks the navigation and applies on the new form', async () => {
    const page = pages['resident']!;
    await page.goto(`${base}/life-events?municipality=072036`);
    await page.getByLabel('結婚', { exact: true }).check();
    await page.getByRole('button', { name: '次へ', exact: true }).click();
    await page.getByLabel('はい').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    assert.match(await text(page), /世帯が変わったら届け出が必要です/);
    await shot(page, 'back-office-navigation-result');
    await page.getByRole('button', { name: 'まとめて申請する' }).click();
    await page.getByRole('button', { name: '申請を始める' }).click();
    if (/プロフィールの内容を入力に使いますか/.test(await text(page, 'h1'))) {
      await page.getByLabel('いいえ、自分で入力する').check();
      await page.getByRole('button', { name: '次へ進む' }).click();
    }
    const next = () => page.getByRole('button', { name: '保存して次へ進む', exact: true }).click();
    // One question a page: the shared fields first, then the form's own.
    await page.getByLabel('氏名', { exact: true }).fill('郡山　花子');
    await next();
    await page.getByLabel('氏名（フリガナ）').fill('こおりやま はなこ');
    await next();
    assert.match(await text(page, '.caption'), /子ども医療費助成/);
    await page.getByLabel('お子さんの氏名').fill('郡山　一朗');
    await assertAccessible(page, 'the new form');
    await shot(page, 'back-office-resident-form');
    await next();
    await page.getByLabel('中学校').check();
    await next();
    assert.equal(await page.textContent('h1'), '申請内容の確認');
    await page.getByRole('button', { name: '申請する' }).click();
    assert.equal(await page.textContent('h1'), '申請を受け付けました');
    receipt = (await page.locator('.receipt-number').allTextContents())[0]!;
    assert.match(receipt, /^072036-\d{8}-\d{6}$/);
  });

  it('the reviewer returns it, the resident corrects it, two approvers approve, and the signed decision is issued', async () => {
    const reviewer = pages['reviewer']!;
    await reviewer.goto(`${base}/staff`);
    assert.match(await reviewer.locator('main').innerText(), /こども家庭課：新着 1 件/);
    await reviewer.getByRole('link', { name: '処理待ちの申請の一覧' }).click();
    await assertAccessible(reviewer, 'queue');
    await shot(reviewer, 'back-office-queue');
    await reviewer.getByRole('link', { name: receipt }).click();
    assert.match(await text(reviewer, 'h1'), /子ども医療費助成/);
    await assertAccessible(reviewer, 'application');
    const detail = reviewer.url();
    // Return at reception: the child's name must be as in the health insurance card.
    await reviewer.getByText('差し戻す（修正を依頼する）').click();
    await reviewer.getByLabel(/^お子さんの氏名/).fill('保険証のとおり、姓と名の間を空けずに入力してください');
    await pressButton(reviewer, '差し戻す');
    assert.match(await reviewer.locator('main').innerText(), /差戻しを記録しました/);

    const resident = pages['resident']!;
    await resident.goto(`${base}/account/applications`);
    assert.match(await resident.locator('main').innerText(), /お子さんの氏名：保険証のとおり/);
    await resident.getByRole('link', { name: '修正して再申請する' }).click();
    await assertAccessible(resident, 'correction');
    await shot(resident, 'back-office-correction');
    await resident.getByLabel('お子さんの氏名').fill('郡山一朗');
    await resident.getByRole('button', { name: '修正して再申請する' }).click();
    assert.match(await resident.locator('main').innerText(), /再申請しました/);

    await reviewer.goto(detail);
    assert.match(await reviewer.locator('#changes-table').innerText(), /お子さんの氏名\s+郡山　一朗\s+郡山一朗/);
    await pressButton(reviewer, '受け付ける');
    assert.match(await reviewer.locator('main').innerText(), /受付を記録しました/);
    await pressButton(reviewer, '審査を完了して決裁に回す');

    const approver1 = pages['approver1']!;
    await approver1.goto(`${base}/staff/applications?status=active`);
    await approver1.getByRole('link', { name: receipt }).click();
    await pressButton(approver1, '決裁する（承認）');
    assert.match(await approver1.locator('main').innerText(), /決裁（承認）を記録しました/);

    const approver2 = pages['approver2']!;
    await approver2.goto(detail);
    await pressButton(approver2, '最終決裁する（承認）');
    assert.match(await approver2.locator('main').innerText(), /文書の発行を記録しました[\s\S]*承認/);
    await shot(approver2, 'back-office-approved');
  });

  it('at the counter (書かない窓口), a clerk fills in the form for the resident, who confirms on the counter screen', async () => {
    const resident = pages['resident']!;
    await resident.goto(`${base}/account/counter-code`);
    await resident.getByRole('button', { name: '確認コードを表示する' }).click();
    const code = ((await resident.locator('.counter-code').textContent()) ?? '').replace(/\D/g, '');
    assert.match(code, /^\d{8}$/);

    const clerk = pages['clerk']!;
    await clerk.goto(`${base}/staff`);
    await clerk.getByRole('link', { name: '来庁された住民の方の申請書を、職員が入力します。' }).click();
    await assertAccessible(clerk, 'counter start');
    await clerk.getByLabel('確認コード').fill(code);
    await clerk.getByLabel('子ども医療費助成の申請').check();
    await clerk.getByRole('button', { name: '申請を始める' }).click();
    const next = () => clerk.getByRole('button', { name: '保存して次へ進む', exact: true }).click();
    await clerk.getByLabel('氏名', { exact: true }).fill('郡山　花子');
    await next();
    await clerk.getByLabel('氏名（フリガナ）').fill('こおりやま はなこ');
    await next();
    await clerk.getByLabel('お子さんの氏名').fill('郡山二郎');
    await next();
    await clerk.getByLabel('小学校').check();
    await next();
    await assertAccessible(clerk, 'counter check');
    await clerk.getByRole('link', { name: '住民の方の確認画面を表示する' }).click();

    // The resident reads the counter screen and confirms; nothing is submitted before that.
    assert.match(await text(clerk, 'h1'), /^申請内容のご確認/);
    assert.match(await text(clerk), /郡山二郎/);
    await assertAccessible(clerk, 'counter screen');
    await shot(clerk, 'back-office-counter-screen');
    await clerk.getByRole('button', { name: '確認して申請する' }).click();
    assert.match(await clerk.title(), /^エラー：/, 'the declaration must be ticked');
    await clerk.getByLabel('上の内容を確認しました。間違いはありません。この内容で申請します。').check();
    await clerk.getByRole('button', { name: '確認して申請する' }).click();
    assert.match(await text(clerk, 'h1'), /^申請を受け付けました/);
    const number = (await text(clerk)).match(/072036-\d{8}-\d{6}/)![0];
    await resident.goto(`${base}/account/applications`);
    assert.match(await text(resident), new RegExp(`${number}[\\s\\S]*窓口で申請|窓口で申請[\\s\\S]*${number}`));
  });

  it('the resident downloads the decision, the public page says it is genuine, and monitoring counts it', async () => {
    const resident = pages['resident']!;
    await resident.goto(`${base}/account/documents`);
    await resident.getByRole('link', { name: '子ども医療費助成 受給資格認定通知書' }).click();
    const [download] = await Promise.all([resident.waitForEvent('download'), resident.getByRole('link', { name: 'PDFをダウンロード' }).click()]);
    const file = path.join(downloads, 'decision.pdf');
    await download.saveAs(file);
    await resident.goto(`${base}/verify`);
    await resident.setInputFiles('#file', file);
    await resident.getByRole('button', { name: '確認する' }).click();
    await resident.waitForLoadState();
    assert.match(await text(resident, '#verdict'), /本物です/);
    await assertAccessible(resident, 'verify (genuine)');
    await shot(resident, 'back-office-verified');

    const kanri = pages['kanri']!;
    await kanri.goto(`${base}/staff`);
    await kanri.getByRole('link', { name: '申請の状況（モニタリング）' }).click();
    const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit' }).format(new Date());
    await kanri.getByLabel('開始月').fill(month);
    await kanri.getByLabel('終了月').fill(month);
    await kanri.getByRole('button', { name: '表示する' }).click();
    // Two applications: one online, decided after one return; one at the counter, not yet decided.
    const row = (await kanri.locator('tr', { hasText: '子ども医療費助成の申請' }).innerText()).split(/\s+/).join(' ');
    assert.match(row, /^子ども医療費助成の申請 2 1 1 0 50% 1 \d+ \d+ 1 \d+% 1 0$/, row);
    await shot(kanri, 'back-office-monitoring');
    assert.deepEqual(pageErrors, []);
  });
});
