// The shared components in a real browser against the real server: axe-core's WCAG 2.1 AA checks
// on every example of the gallery (/dev/components) at standard and extra-large text and in high
// contrast; the error summary taking focus and its links moving focus to the field; the
// enhancements (password show/hide, conditional reveal, character count, 和暦 hint, double-click
// guard); the example form's 422 round trip with and without JavaScript; and a 320px phone
// without sideways scrolling. Screenshots go to /tmp/tsunagu-components-*.png for people to look at.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium } from '../helpers/browser-journey.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const SHOTS = path.join(os.tmpdir(), 'tsunagu-components');
const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
const activeClass = (page: Page) => page.evaluate(() => document.activeElement?.className ?? '');
const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** True when the element's top is inside the window (the question is visible, not scrolled off). */
const inView = (page: Page, selector: string) =>
  page.$eval(selector, (el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
  });

describe('shared components in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let dataDir: string;
  const pageErrors: string[] = [];

  const watch = (p: Page) => {
    p.on('console', (message) => {
      // The example form answers 422 on purpose; Chromium logs that as a failed load.
      if (message.type() === 'error' && !/status of 422/.test(message.text())) pageErrors.push(message.text());
    });
    p.on('pageerror', (error) => pageErrors.push(error.message));
    p.on('response', (response) => {
      const url = new URL(response.url());
      if (response.status() >= 400 && !(response.status() === 422 && url.pathname === '/dev/components/example-form')) pageErrors.push(`${response.status()} ${url.pathname}`);
    });
  };

  const shot = (p: Page, name: string) => p.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-browser-'));
    // The gallery exists only outside production; 3100–3199 is kept for UI work.
    server = await startServerProcess({
      ports: [3100, 3200],
      env: { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'false', TSUNAGU_SECURE_COOKIES: 'false' },
      readyTimeoutMs: 90_000,
    });
    base = server.url;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the gallery should have no accessibility problems and focus its error summary when opened', async () => {
    await page.goto(`${base}/dev/components`);
    await page.evaluate(() => document.fonts.ready);
    assert.match(await activeClass(page), /error-summary/, 'the error summary has focus on load');
    await shot(page, 'gallery-standard');
    await assertAccessible(page, 'gallery (ja, standard)');
  });

  it('the error summary links should move focus to the field and show its question when clicked', async () => {
    await page.goto(`${base}/dev/components`);
    const cases: Array<[string, string, string]> = [
      ['氏名を入力してください', 'full-name-error', 'label[for="full-name-error"]'],
      ['生年月日の月は1から12の数字で入力してください', 'birth-date-error-month', '#birth-date-error > legend'],
      ['連絡方法を選んでください', 'contact-error', 'fieldset:has(#contact-error) > legend'],
    ];
    for (const [text, id, question] of cases) {
      await page.locator('.error-summary').getByRole('link', { name: text }).click();
      assert.equal(await activeId(page), id, text);
      assert.ok(await inView(page, question), `the question of ${id} is on screen`);
      await page.evaluate(() => window.scrollTo(0, 0));
    }
  });

  it('the password toggle should show and hide the password and say so when pressed', async () => {
    await page.goto(`${base}/dev/components`);
    const input = page.locator('#password');
    const toggle = page.locator('#password + button');
    await input.fill('secret-pass');
    assert.ok(await toggle.isVisible(), 'the script reveals the toggle');
    await toggle.click();
    assert.equal(await input.getAttribute('type'), 'text');
    assert.equal(await toggle.textContent(), 'パスワードを隠す');
    assert.equal(await page.locator('.password-input:has(#password) .password-input__status').textContent(), 'パスワードが表示されています');
    await toggle.click();
    assert.equal(await input.getAttribute('type'), 'password');
    assert.equal(await toggle.textContent(), 'パスワードを表示');
    assert.equal(await input.inputValue(), 'secret-pass');
  });

  it('conditional content should appear only for the checked choice when JavaScript runs', async () => {
    await page.goto(`${base}/dev/components`);
    const email = page.locator('#contact-error-conditional');
    const phone = page.locator('#contact-error-2-conditional');
    assert.equal(await email.isVisible(), false);
    await page.locator('label[for="contact-error"]').click();
    assert.ok(await email.isVisible());
    assert.equal(await page.getAttribute('#contact-error', 'aria-controls'), 'contact-error-conditional');
    await page.locator('label[for="contact-error-2"]').click();
    assert.equal(await email.isVisible(), false);
    assert.ok(await phone.isVisible());
    // "None of these" clears the other boxes, and another box clears it.
    await page.locator('label[for="documents-4"]').click();
    assert.deepEqual(await page.$$eval('input[name="documents"]:checked', (els) => els.map((e) => (e as HTMLInputElement).value)), ['none']);
    await page.locator('label[for="documents"]').click();
    assert.deepEqual(await page.$$eval('input[name="documents"]:checked', (els) => els.map((e) => (e as HTMLInputElement).value)), ['mynumber']);
  });

  it('the character count and the 和暦 hint should follow the typing when text is entered', async () => {
    await page.goto(`${base}/dev/components`);
    await page.locator('#message').fill('あいう');
    assert.equal(await page.locator('.character-count:has(#message) .character-count__status').textContent(), 'あと197文字入力できます');
    await page.locator('#summary').fill('あ'.repeat(23));
    assert.equal(await page.locator('.character-count:has(#summary) .character-count__status').textContent(), '3文字多すぎます');
    await page.locator('#birthDate-year').fill('2019');
    await page.locator('#birthDate-month').fill('5');
    await page.locator('#birthDate-day').fill('1');
    assert.equal(await page.textContent('#birthDate-wareki'), '和暦：令和元年');
    await page.locator('#birthDate-month').fill('4');
    await page.locator('#birthDate-day').fill('30');
    assert.equal(await page.textContent('#birthDate-wareki'), '和暦：平成31年');
  });

  it('a button with the double-click guard should let only the first of two quick clicks through', async () => {
    await page.goto(`${base}/dev/components`);
    await page.evaluate(() => {
      (window as unknown as { clicks: number }).clicks = 0;
      document.addEventListener('click', (e) => {
        if ((e.target as Element).closest('[data-prevent-double-click]')) (window as unknown as { clicks: number }).clicks++;
      });
    });
    await page.locator('[data-prevent-double-click]').dblclick();
    assert.equal(await page.evaluate(() => (window as unknown as { clicks: number }).clicks), 1);
  });

  it('the example form should come back with 422, the summary focused and the input kept when sent with mistakes', async () => {
    await page.goto(`${base}/dev/components/example-form`);
    await page.locator('#fullName').fill('福島 花子');
    await page.locator('#birthDate-year').fill('1990');
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '送信する' }).click()]);
    assert.equal(response.status(), 422);
    await page.waitForLoadState();
    assert.match(await page.title(), /^エラー：/);
    assert.match(await activeClass(page), /error-summary/);
    assert.equal(await page.inputValue('#fullName'), '福島 花子');
    assert.equal(await page.inputValue('#birthDate-year'), '1990');
    await shot(page, 'example-form-errors');
    await assertAccessible(page, 'example form with errors (ja, standard)');
    await page.locator('.error-summary').getByRole('link', { name: '生年月日の年・月・日をすべて入力してください' }).click();
    assert.equal(await activeId(page), 'birthDate-month', 'the first empty box');
    await page.locator('#birthDate-month').fill('4');
    await page.locator('#birthDate-day').fill('1');
    await page.locator('label[for="contact-3"]').click();
    await Promise.all([page.waitForURL(`${base}/dev/components/example-form/complete`), page.getByRole('button', { name: '送信する' }).click()]);
    assert.equal(await page.textContent('h1'), '送信しました（見本）');
  });

  it('the example form should work without JavaScript, with the summary first and everything visible', async () => {
    const noJs = await browser!.newContext({ viewport: { width: 1024, height: 900 }, javaScriptEnabled: false });
    const p = await noJs.newPage();
    try {
      await p.goto(`${base}/dev/components/example-form`);
      assert.ok(await p.locator('#contactEmail').isVisible(), 'conditional content is visible without JavaScript');
      await Promise.all([p.waitForLoadState(), p.getByRole('button', { name: '送信する' }).click()]);
      const first = await p.$eval('main', (main) => main.firstElementChild?.className);
      assert.equal(first, 'error-summary');
      await p.goto(`${base}/dev/components`);
      assert.equal(await p.locator('#password + button').isVisible(), false, 'the toggle needs the script, so it stays hidden');
    } finally {
      await noJs.close();
    }
  });

  it('the gallery should have no accessibility problems when the text is extra large and in high contrast', async () => {
    const large = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    await large.addCookies([
      { name: 'tsn_text', value: 'x-large', url: base },
      { name: 'tsn_contrast', value: 'standard', url: base },
    ]);
    const p = await large.newPage();
    watch(p);
    try {
      await p.goto(`${base}/dev/components`);
      await assertAccessible(p, 'gallery (ja, x-large)');
      await large.addCookies([{ name: 'tsn_contrast', value: 'high', url: base }, { name: 'tsn_lang', value: 'en', url: base }]);
      await p.goto(`${base}/dev/components`);
      assert.match((await p.getAttribute('html', 'class')) ?? '', /contrast-high/);
      await shot(p, 'gallery-x-large-high-contrast');
      await assertAccessible(p, 'gallery (en, x-large, high contrast)');
    } finally {
      await large.close();
    }
  });

  it('the components should fit a 320px phone without sideways scrolling when the text is extra large', async () => {
    const phone = await browser!.newContext({ viewport: { width: 320, height: 700 } });
    await phone.addCookies([{ name: 'tsn_text', value: 'x-large', url: base }]);
    const p = await phone.newPage();
    watch(p);
    try {
      for (const url of ['/dev/components', '/dev/components/example-form', '/preferences']) {
        await p.goto(`${base}${url}`);
        assert.ok((await sideways(p)) <= 0, `${url} is ${await sideways(p)}px wider than the screen`);
      }
      await p.goto(`${base}/dev/components`);
      await shot(p, 'gallery-phone-x-large');
      await assertAccessible(p, 'gallery (ja, x-large, 320px)');
    } finally {
      await phone.close();
    }
  });

  it('the pages should log no errors in the browser console when used', () => {
    assert.deepEqual(pageErrors, []);
  });
});
