// A resident of 会津若松市 applies for two procedures at once in a real browser: 転入 navigation's
// 「まとめて申請する」 is covered by the HTTP tests; here the start page, the profile question, the
// shared questions typed once (an error summary that takes focus and links to the field), each
// form's own pages, the review with its change links, the receipt numbers and My page, with
// axe-core's WCAG 2.1 AA checks on each kind of page. Screenshots go to $TSUNAGU_SCREENSHOTS.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { registerResident } from '../../src/identity/test/identity-helpers.ts';
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS } from '../helpers/accessibility.ts';
import { createListeningTestApp, type TestApp } from '../helpers/test-database.ts';

describe('bulk application journey in Chromium', () => {
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
  const next = () => page.getByRole('button', { name: '保存して次へ進む', exact: true }).click();

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    ({ app, base } = await createListeningTestApp([4980, 5000]));
    const { sessionToken } = await registerResident(app, 'browser-hanako@example.jp');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: sessionToken, domain: new URL(base).hostname, path: '/' }]);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a resident applies for two procedures with the shared answers typed once and gets two receipt numbers', async () => {
    await page.goto(`${base}/procedures/070009/jidoushazei-jusho`);
    await page.getByRole('button', { name: 'オンラインで申請する' }).click();
    assert.equal(await page.textContent('h1'), 'まとめて申請する手続');
    await page.goto(`${base}/applications/new?procedure=070009/jidoushazei-jusho&procedure=072028/shussei-renraku`);
    await assertAccessible(page, 'start');
    await shot('bulk-start');
    await page.getByRole('button', { name: '申請を始める' }).click();

    assert.match(await page.textContent('h1') ?? '', /プロフィールの内容を入力に使いますか/);
    await assertAccessible(page, 'prefill question');
    await page.getByLabel('いいえ、自分で入力する').check();
    await page.getByRole('button', { name: '次へ進む' }).click();

    // The first shared question: an empty answer gives the summary, which links to the box.
    await next();
    assert.match(await page.title(), /^エラー：/);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null), true, 'the summary takes focus');
    await page.getByRole('link', { name: '「氏名」を入力してください' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'fullName');
    await assertAccessible(page, 'shared step with an error');
    await shot('bulk-shared-error');
    await page.keyboard.type('會津　花子');
    await page.keyboard.press('Enter');
    await page.getByLabel('氏名（フリガナ）').fill('あいづ はなこ');
    await next();
    await page.getByLabel('年').fill('平成2');
    await page.getByLabel('月').fill('4');
    await page.getByLabel('日').fill('1');
    await assertAccessible(page, 'shared date step');
    await next();
    await page.getByLabel('郵便番号').fill('9650872');
    await page.getByLabel('番地・建物名まで').or(page.locator('#address-address')).first().fill('福島県会津若松市東栄町3-46');
    await next();
    await page.getByLabel('電話番号').fill('0242-39-1111');
    await next();
    await next(); // e-mail is optional
    await page.locator('#previousAddress-postcode').fill('100-0001');
    await page.locator('#previousAddress-address').fill('東京都千代田区千代田1-1');
    await next();

    // The forms' own pages: the caption names the procedure.
    assert.match(await page.textContent('.caption') ?? '', /自動車税/);
    await page.getByLabel('自動車登録番号（ナンバー）').fill('会津 300 あ 12-34');
    await assertAccessible(page, 'form step');
    await shot('bulk-form-step');
    await next();
    await page.getByLabel('記載した内容に誤りはありません').check();
    await next();
    assert.match(await page.textContent('.caption') ?? '', /出生連絡票/);
    await page.locator('#babyBirthDate-year').fill('2026');
    await page.locator('#babyBirthDate-month').fill('11');
    await page.locator('#babyBirthDate-day').fill('20');
    await page.getByLabel('出生体重（グラム）').fill('3012');
    await next();
    await page.getByLabel('いいえ').check();
    await next();

    assert.equal(await page.textContent('h1'), '申請内容の確認');
    await assertAccessible(page, 'review');
    await shot('bulk-review');
    await page.getByRole('link', { name: '変更 （電話番号）' }).or(page.getByRole('link', { name: /変更.*電話番号/ })).first().click();
    await page.getByLabel('電話番号').fill('0242-39-2222');
    await next();
    assert.equal(await page.textContent('h1'), '申請内容の確認', 'a change goes back to the review');
    assert.match(await page.textContent('main') ?? '', /0242392222/);

    await page.getByRole('button', { name: '申請する' }).click();
    assert.equal(await page.textContent('h1'), '申請を受け付けました');
    const receipts = await page.locator('.receipt-number').allTextContents();
    assert.equal(receipts.length, 2);
    assert.match(receipts[0]!, /^070009-\d{8}-\d{6}$/);
    await assertAccessible(page, 'done');
    await shot('bulk-done');

    await page.getByRole('link', { name: '申請の一覧へ' }).click();
    assert.equal(await page.textContent('h1'), '申請の一覧');
    assert.match(await page.textContent('main') ?? '', new RegExp(receipts[1]!));
    await assertAccessible(page, 'my applications');
    await shot('bulk-my-applications');
    assert.deepEqual(pageErrors, []);
  });
});
