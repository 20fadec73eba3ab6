// A resident's first visit, in a real browser against the real server: the home page in
// Japanese, switching to English, choosing extra-large text and high contrast (both remembered
// after a reload), a municipality page, and axe-core's WCAG 2.1 AA checks on each state.
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

const fontSize = (page: Page, selector: string) =>
  page.$eval(selector, (el) => Number.parseFloat(getComputedStyle(el).fontSize));

describe('home journey in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let dataDir: string;
  const pageErrors: string[] = [];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-browser-'));
    // Always the embedded database in its own fresh directory; 3100–3199 is kept for UI work.
    server = await startServerProcess({
      ports: [3100, 3200],
      env: { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'true', TSUNAGU_SECURE_COOKIES: 'false' },
      readyTimeoutMs: 90_000,
    });
    base = server.url;

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // A CSP violation or a script error shows up here (our only scripts are the components' enhancements).
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) pageErrors.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the home page should be in Japanese with the web font and no accessibility problems when first opened', async () => {
    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.equal(await page.textContent('h1'), '県内の市町村');
    assert.equal(await page.locator('section.zone').count(), 7);
    assert.equal(await page.locator('a[href^="/municipalities/"]').count(), 59);
    assert.ok(await page.getByRole('link', { name: '郡山市' }).isVisible());
    // The Japanese text is drawn with the bundled Noto Sans JP, served by us under the CSP.
    await page.evaluate(() => document.fonts.ready);
    const loaded = await page.evaluate(() => [...document.fonts].filter((f) => f.family.includes('Noto Sans JP') && f.status === 'loaded').length);
    assert.ok(loaded > 0, 'Noto Sans JP was loaded');
    await assertAccessible(page, 'home (ja, standard)');
    assert.deepEqual(pageErrors, []);
  });

  it('the skip link should be the first thing a keyboard reaches and lead to the main content when used', async () => {
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '本文へ移動');
    const box = await page.locator('.skip-link').boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0, 'the focused skip link is on screen');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  });

  it('the language switch should show the page in English when clicked', async () => {
    await page.goto(`${base}/`);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('link', { name: 'English' }).click()]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('h1'), 'Municipalities in the prefecture');
    assert.ok(await page.getByRole('link', { name: 'Koriyama City' }).isVisible());
    await assertAccessible(page, 'home (en, standard)');
  });

  it('the text size buttons should enlarge the text and keep it after a reload when Extra large is pressed', async () => {
    const before = await fontSize(page, 'main p');
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Extra large' }).click()]);
    const larger = await fontSize(page, 'main p');
    assert.ok(larger >= before * 1.4, `text grew from ${before}px to ${larger}px`);
    assert.equal(await page.getByRole('button', { name: 'Extra large' }).getAttribute('aria-pressed'), 'true');
    await page.reload();
    assert.equal(await fontSize(page, 'main p'), larger);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the language is still remembered');
    await assertAccessible(page, 'home (en, x-large)');

    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Large', exact: true }).click()]);
    const large = await fontSize(page, 'main p');
    assert.ok(large > before && large < larger, `Large (${large}px) is between standard and extra large`);
  });

  it('a municipality page should have no accessibility problems in high contrast when chosen there', async () => {
    await page.goto(`${base}/municipalities/072036`);
    assert.equal(await page.textContent('h1 .subtitle'), '郡山市');
    await assertAccessible(page, 'municipality (en, large)');
    await Promise.all([page.waitForURL(`${base}/municipalities/072036`), page.getByRole('button', { name: 'High contrast' }).click()]);
    assert.match((await page.getAttribute('html', 'class')) ?? '', /contrast-high/);
    const colour = await page.$eval('body', (el) => getComputedStyle(el).color);
    assert.equal(colour, 'rgb(0, 0, 0)');
    await assertAccessible(page, 'municipality (en, large, high contrast)');
    await page.goto(`${base}/`);
    await assertAccessible(page, 'home (en, large, high contrast)');
  });

  it('the pages should fit a phone screen without sideways scrolling when the text is extra large', async () => {
    const phone = await browser!.newContext({ viewport: { width: 375, height: 800 } });
    await phone.addCookies([
      { name: 'tsn_text', value: 'x-large', url: base },
      { name: 'tsn_contrast', value: 'high', url: base },
    ]);
    const small = await phone.newPage();
    try {
      for (const url of ['/', '/municipalities/072036', '/preferences', '/nope']) {
        await small.goto(`${base}${url}`);
        const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${url} is ${overflow}px wider than the screen`);
      }
      await assertAccessible(small, 'preferences (ja, x-large, high contrast, phone)');
    } finally {
      await phone.close();
    }
  });

  it('the pages should log no errors in the browser console when used', () => {
    assert.deepEqual(pageErrors, []);
  });
});
