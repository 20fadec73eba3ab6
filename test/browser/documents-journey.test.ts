// The end of issue #6's journey in a real browser: a resident signs up; 会津若松市's administrator
// issues a signed 受理証明書 through the staff API; the resident is notified, downloads the PDF on
// My page and checks it on the public /verify page (genuine), then a copy with one byte changed
// (altered); axe-core's WCAG 2.1 AA checks on each page.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium } from '../helpers/browser-journey.ts';
import { runCli } from '../helpers/cli.ts';
import { freePortBlock, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

describe('documents journey in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let dataDir: string;
  let base: string;
  let token: string;
  const problems: string[] = [];

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-documents-'));
    // 4700–4799 is this journey's block; the demo processes take the ports after the server's.
    const port = await freePortBlock(4700, 4800, 5);
    const env = { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'true', TSUNAGU_SECURE_COOKIES: 'false', TSUNAGU_PUBLIC_URL: `http://localhost:${port}` };
    // The administrator's token, made with the CLI before the server takes the data directory.
    assert.equal((await runCli({ env }, ['seed'])).code, 0);
    const issued = await runCli({ env }, ['tokens', 'issue', '--name', '会津若松市 市民課', '--role', 'municipal_admin', '--prefecture', '070009', '--municipality', '072028']);
    token = /tsn_[A-Za-z0-9_-]+/.exec(issued.stdout)?.[0] ?? assert.fail(`no token: ${issued.stdout} ${issued.stderr}`);
    server = await startServerProcess({ ports: [port, port + 1], env, readyTimeoutMs: 90_000 });
    base = `http://localhost:${port}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP', acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a resident should receive a signed document, download it and have it verified as genuine', async () => {
    await page.goto(`${base}/signup`);
    await page.fill('#email', 'hanako@example.jp');
    await page.fill('#password', 'long-enough-password-1');
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/signup\/check-email/);
    const outbox = await (await fetch(`${base}/dev/outbox`)).text();
    const link = /<a href="([^"]+signup\/verify\?token=[^"]+)"/.exec(outbox)![1]!.replaceAll('&amp;', '&');
    await page.goto(link);
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/account\?welcome=1/);

    await page.goto(`${base}/account/documents`);
    assert.match(await page.textContent('main') ?? '', /発行された文書はまだありません/);
    const accountId = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(await page.textContent('main') ?? '')![0];
    await assertAccessible(page, 'my documents (none)');

    const response = await fetch(`${base}/api/v1/documents/072028`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ accountId, kind: 'acceptance-certificate', title: '受理証明書', recipientName: '山﨑　花子', statement: '下記の届出を受理したことを証明します。', fields: [{ label: '届出の種類', value: '転入届' }] }),
    });
    assert.equal(response.status, 201);
    const issued = (await response.json()) as { number: string; verificationCode: string };

    await page.goto(`${base}/account/notifications`);
    assert.match(await page.textContent('main') ?? '', /受理証明書が発行されました/);
    await page.goto(`${base}/account/documents`);
    await assertAccessible(page, 'my documents');
    await page.getByRole('link', { name: '受理証明書' }).click();
    assert.equal(await page.textContent('h1'), '受理証明書');
    assert.match(await page.textContent('main') ?? '', new RegExp(issued.verificationCode));
    await assertAccessible(page, 'one document');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'PDFをダウンロード' }).click()]);
    const file = path.join(dataDir, 'document.pdf');
    await download.saveAs(file);

    await page.goto(`${base}/verify`);
    await assertAccessible(page, 'verify (empty)');
    await page.setInputFiles('#file', file);
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForLoadState();
    assert.match(await page.textContent('#verdict') ?? '', /本物です/);
    assert.match(await page.textContent('main') ?? '', new RegExp(issued.number));
    await assertAccessible(page, 'verify (genuine)');

    const altered = Buffer.from(fs.readFileSync(file));
    const at = Math.floor(altered.indexOf('/ByteRange') / 2);
    altered[at] = altered[at]! ^ 0x20;
    fs.writeFileSync(file, altered);
    await page.setInputFiles('#file', file);
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForLoadState();
    assert.match(await page.textContent('#verdict') ?? '', /改ざんされています/);
    await assertAccessible(page, 'verify (altered)');
    assert.deepEqual(problems, []);
  });
});
