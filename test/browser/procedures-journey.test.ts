// A resident finds their procedures in a real browser against the real server with the demo
// data: searching the catalog in kana, a procedure's page, then 転入 in 会津若松市 through the
// navigation with the keyboard and mouse, Back keeping an answer, and the result in Japanese
// and English, with axe-core's WCAG 2.1 AA checks on each page. Screenshots go to
// $TSUNAGU_SCREENSHOTS when it is set (for looking at the pages, not for comparing).
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium, screenshot } from '../helpers/browser-journey.ts';
import { freePortBlock, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

describe('procedures journey in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataDir: string;
  const pageErrors: string[] = [];
  const shot = (name: string) => screenshot(page, name);

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-browser-'));
    // 4900–4999 is this journey's block; the server may derive a neighbouring port from its own.
    const port = await freePortBlock(4900, 5000, 5);
    server = await startServerProcess({
      ports: [port, port + 1],
      env: { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'true', TSUNAGU_SECURE_COOKIES: 'false' },
      readyTimeoutMs: 90_000,
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the catalog should find 転入届 from 「てんにゅう」 and show its page, accessibly', async () => {
    await page.goto(`${server!.url}/`);
    await page.getByRole('link', { name: 'キーワードや市町村から手続を探す' }).click();
    assert.equal(await page.textContent('h1'), '手続を探す');
    await assertAccessible(page, 'catalog (all)');
    await page.getByLabel('キーワード').fill('てんにゅう');
    await page.getByLabel('市町村').selectOption('072028');
    await page.getByRole('button', { name: '検索する' }).click();
    assert.match(page.url(), /q=%E3%81%A6%E3%82%93%E3%81%AB%E3%82%85%E3%81%86&municipality=072028/);
    assert.ok(await page.getByRole('link', { name: '転入届' }).isVisible());
    await assertAccessible(page, 'catalog (search)');
    await shot('catalog-search');
    await page.getByRole('link', { name: '転入届' }).click();
    assert.match(await page.textContent('h1') ?? '', /転入届/);
    await assertAccessible(page, 'procedure (counter)');
    await shot('procedure-counter');
    await page.goto(`${server!.url}/procedures/070009/taiyoukou-hojo`);
    await assertAccessible(page, 'procedure (external)');
    await shot('procedure-external');
    await page.goto(`${server!.url}/procedures?q=${encodeURIComponent('宇宙旅行')}`);
    await assertAccessible(page, 'catalog (empty)');
    assert.deepEqual(pageErrors, []);
  });

  it('転入 in 会津若松市 should lead question by question to the procedures that apply, Back keeping the answer', async () => {
    await page.goto(`${server!.url}/municipalities/072028`);
    await page.getByRole('link', { name: '会津若松市で、ライフイベントから必要な手続を調べる' }).click();
    await assertAccessible(page, 'life events (choose)');
    await shot('life-events-choose');
    assert.equal(await page.locator('#municipality').inputValue(), '072028');
    // An empty answer first: the error summary takes focus and links to the field.
    await page.getByRole('button', { name: '次へ' }).click();
    assert.match(await page.title(), /^エラー：/);
    await assertAccessible(page, 'life events (error)');
    pageErrors.splice(0); // the browser logs the deliberate 422 as a failed load
    await page.getByLabel('転入').check();
    await page.getByRole('button', { name: '次へ' }).click();
    assert.equal(await page.textContent('h1'), '前の住所はどこですか');
    await assertAccessible(page, 'question');
    await shot('question');
    // Keyboard only: the first radio, then Continue.
    await page.getByLabel('福島県内のほかの市町村').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/questions\/has-car/);
    await page.getByLabel('はい').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    await page.waitForURL(/questions\/has-card/);
    await page.getByRole('link', { name: '戻る' }).click();
    await page.waitForURL(/questions\/has-car/);
    assert.ok(await page.getByLabel('はい').isChecked(), 'Back keeps the answer');
    await page.getByRole('button', { name: '次へ進む' }).click();
    for (const answer of ['はい', 'いいえ（自営業の方、退職した方など）', 'はい', 'いいえ', 'いいえ', 'はい']) {
      await page.getByLabel(answer, { exact: true }).check();
      await page.getByRole('button', { name: '次へ進む' }).click();
      await page.waitForLoadState();
    }
    assert.match(page.url(), /\/result\?/);
    assert.equal(await page.textContent('h1'), '会津若松市での転入の手続');
    assert.ok(await page.getByRole('heading', { name: 'オンラインでまとめて申請する手続' }).isVisible());
    assert.ok(await page.getByRole('link', { name: '自動車税（種別割）の住所変更' }).isVisible());
    await assertAccessible(page, 'navigation result');
    await shot('navigation-result');
    await page.getByRole('link', { name: 'English' }).click();
    assert.equal(await page.textContent('h1'), 'Moving in: procedures in Aizuwakamatsu City');
    await assertAccessible(page, 'navigation result (en)');
    await shot('navigation-result-en');
    assert.deepEqual(pageErrors, []);
  });
});
