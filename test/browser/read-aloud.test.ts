// Read-aloud in a real browser: the header's button appears only where speech synthesis exists,
// reads the page's main content in the page's language, and stops when pressed again. The
// browser's speech engine is replaced by a recorder, so the test hears what would be spoken.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser-journey.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

// A string, not a function: the test runner's compiler would add helpers the page does not have.
const RECORDER = `
  const spoken = [];
  let cancelled = 0;
  window.__speech = { spoken, cancelled: () => cancelled };
  Object.defineProperty(window, 'speechSynthesis', {
    configurable: true,
    value: { speak: (u) => spoken.push({ text: u.text, lang: u.lang }), cancel: () => { cancelled += 1; }, getVoices: () => [] },
  });
  window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; this.lang = ''; } };
`;

describe('read-aloud in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-read-aloud-'));
    server = await startServerProcess({ ports: [3750, 3800], env: { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'true', TSUNAGU_SECURE_COOKIES: 'false' }, readyTimeoutMs: 90_000 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reads the main content in Japanese and stops on the second press', async () => {
    const context = await browser!.newContext();
    await context.addInitScript({ content: RECORDER });
    const page = await context.newPage();
    await page.goto(`${server!.url}/notices`);
    const button = page.getByRole('button', { name: '読み上げ' });
    await button.click();
    const spoken = await page.evaluate(() => (window as unknown as { __speech: { spoken: Array<{ text: string; lang: string }> } }).__speech.spoken);
    assert.ok(spoken.length > 1, 'sentence by sentence');
    assert.equal(spoken[0]!.text, 'お知らせ');
    assert.ok(spoken.every((s) => s.lang === 'ja-JP'));
    assert.ok(spoken.some((s) => s.text.includes('マイナンバーカードでログインできます')), 'the notices are read');
    assert.ok(!spoken.some((s) => s.text.includes('文字サイズ')), 'the header is not');
    const stop = page.getByRole('button', { name: '読み上げを止める' });
    assert.equal(await stop.getAttribute('aria-pressed'), 'true');
    await stop.click();
    assert.equal(await page.getByRole('button', { name: '読み上げ' }).getAttribute('aria-pressed'), 'false');
    await context.close();
  });

  it('reads English pages in English', async () => {
    const context = await browser!.newContext();
    await context.addInitScript({ content: RECORDER });
    const page = await context.newPage();
    await page.goto(`${server!.url}/preferences/language?lang=en&return=%2Fnotices`);
    await page.getByRole('button', { name: 'Read aloud' }).click();
    const spoken = await page.evaluate(() => (window as unknown as { __speech: { spoken: Array<{ text: string; lang: string }> } }).__speech.spoken);
    assert.equal(spoken[0]!.text, 'Notices');
    assert.ok(spoken.every((s) => s.lang === 'en-US'));
    await context.close();
  });

  it('shows no button where the page cannot speak: without JavaScript', async () => {
    const context = await browser!.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server!.url}/notices`);
    assert.equal(await page.locator('button.read-aloud').isVisible(), false);
    await context.close();
  });
});
