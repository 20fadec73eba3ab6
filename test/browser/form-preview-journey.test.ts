// A form designer of 会津若松市 previews the published 国民健康保険 form in a real browser, as a
// resident would fill it: from the staff forms page, page by page with the keyboard (Enter
// continues, never "add another"), the error summary taking focus and linking to the field, 和暦
// typed into the year box, a household member added and removed, and the result saying nothing
// was stored; axe-core's WCAG 2.1 AA checks on each page. Screenshots go to $TSUNAGU_SCREENSHOTS.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { onboardStaff } from '../../src/identity/test/identity-helpers.ts';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium, screenshot } from '../helpers/browser-journey.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../helpers/test-database.ts';

describe('form preview journey in Chromium', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const shot = (name: string) => screenshot(page, name);
  const next = () => page.getByRole('button', { name: '次へ進む', exact: true }).last().click();
  /** Presses Enter in a field, as a keyboard user submits the page, and waits for the next page. */
  const pressEnter = async () => {
    const navigated = page.waitForNavigation({ waitUntil: 'load' });
    await page.keyboard.press('Enter');
    await navigated;
  };

  before(async () => {
    ({ app, base } = await createListeningTestApp([4960, 4980]));
    const session = (await onboardStaff(app, await platformAdminToken(app), 'preview@city.aizu.example.jp', [{ role: 'form_designer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }])).sessionToken;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: session, domain: new URL(base).hostname, path: '/' }]);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a designer should fill the published form in the preview and see that nothing was stored', async () => {
    await page.goto(`${base}/staff/procedures/forms`);
    await assertAccessible(page, 'forms list');
    await page.getByRole('row', { name: /国民健康保険 加入届/ }).getByRole('link', { name: '第1版' }).click();
    assert.equal(await page.textContent('h1'), '申請する人');
    await assertAccessible(page, 'preview: first page');

    await next();
    assert.match(await page.title(), /^エラー：/);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null), true, 'the summary takes focus');
    await page.getByRole('link', { name: '「氏名」を入力してください' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'fullName');
    await assertAccessible(page, 'preview: errors');
    await shot('form-preview-errors');

    await page.keyboard.type('会津　花子');
    await page.fill('#fullNameKana', 'ｱｲﾂﾞ ﾊﾅｺ');
    await pressEnter();
    assert.equal(await page.textContent('h1'), '生年月日');
    await page.fill('#birthDate-year', '平成2');
    await page.fill('#birthDate-month', '4');
    await page.fill('#birthDate-day', '1');
    await next();
    await page.fill('#address-postcode', '９６５－０８７２');
    await page.fill('#address-address', '会津若松市東栄町3-46');
    await next();
    await page.fill('#phone', '0242-39-1111');
    await next();
    await page.getByLabel('ほかの市区町村から転入した').check();
    await next();
    await page.fill('#moveInDate-year', '2026');
    await page.fill('#moveInDate-month', '11');
    await page.fill('#moveInDate-day', '20');
    await next();

    assert.equal(await page.textContent('h1'), '加入する人');
    await page.fill('#members-0-fullName', '会津　花子');
    await page.getByRole('button', { name: '世帯員を追加' }).click();
    assert.equal(await page.inputValue('#members-0-fullName'), '会津　花子', 'what was typed stays');
    await assertAccessible(page, 'preview: household');
    await shot('form-preview-household');
    await page.getByRole('button', { name: '世帯員（2人目）を削除' }).click();
    await page.fill('#members-0-fullNameKana', 'アイヅ ハナコ');
    await page.fill('#members-0-birthDate-year', '1990');
    await page.fill('#members-0-birthDate-month', '4');
    await page.fill('#members-0-birthDate-day', '1');
    await page.selectOption('#members-0-relationship', 'self');
    await pressEnter();
    await page.getByLabel('記載した内容に誤りはありません').check();
    await next();

    assert.equal(await page.textContent('h1'), '入力内容の検査結果（プレビュー）');
    const main = (await page.textContent('main')) ?? '';
    assert.match(main, /申請は送信されておらず、入力内容も保存されていません/);
    assert.match(main, /1990年4月1日（平成2年）/);
    assert.match(main, /〒965-0872/);
    await assertAccessible(page, 'preview: result');
    await shot('form-preview-result');
    assert.deepEqual(pageErrors, []);
  });
});
