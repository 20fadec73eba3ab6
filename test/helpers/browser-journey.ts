// What every browser journey needs: Debian's Chromium launched headless with the flags this
// machine needs, a page signed in as someone (their session cookie), full-page screenshots to
// $TSUNAGU_SCREENSHOTS, and the page's script errors collected so a journey can assert there were
// none.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './accessibility.ts';

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface JourneyPage {
  page: Page;
  context: BrowserContext;
  /** Script errors the page raised (each prefixed with who), for `assert.deepEqual(errors, [])`. */
  errors: string[];
}

/** A new browser context and page at `base`, signed in with `sessionToken` when given. */
export async function openPage(browser: Browser, base: string, options: { sessionToken?: string; who?: string; errors?: string[]; width?: number; acceptDownloads?: boolean } = {}): Promise<JourneyPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1000, height: 900 }, acceptDownloads: options.acceptDownloads ?? false });
  if (options.sessionToken) await context.addCookies([{ name: 'tsn_session', value: options.sessionToken, domain: new URL(base).hostname, path: '/' }]);
  const page = await context.newPage();
  const errors = options.errors ?? [];
  page.on('pageerror', (error) => errors.push(`${options.who ?? 'page'}: ${error.message}`));
  return { page, context, errors };
}

/** Saves a full-page screenshot as $TSUNAGU_SCREENSHOTS/<name>.png when that is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.TSUNAGU_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
