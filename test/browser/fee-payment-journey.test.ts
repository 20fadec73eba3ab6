// A resident of 会津若松市 requests 住民票の写し and pays its 300 yen fee end to end in a real
// browser: the confirmation's 「手数料を支払う」, the test payment service's checkout page (its own
// process, no real money) with the test card 4242…, back to the City OS's result page, the receipt
// (領収書) and My page, with axe-core's WCAG 2.1 AA checks on each. Screenshots go to
// $TSUNAGU_SCREENSHOTS. Runs with `npm run test:browser`; needs Debian's Chromium.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnDemoProcess, type DemoProcess } from '../../src/demo/spawn-demo-process.ts';
import { registerResident } from '../../src/identity/test/identity-helpers.ts';
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS } from '../helpers/accessibility.ts';
import { freePort } from '../helpers/server-process.ts';
import { createListeningTestApp, type TestApp } from '../helpers/test-database.ts';

describe('paying a fee in Chromium', () => {
  let app: TestApp | undefined;
  let provider: DemoProcess | undefined;
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
    const keys = { apiKey: randomBytes(16).toString('hex'), webhookSecret: randomBytes(24).toString('hex') };
    const providerPort = await freePort(5581, 5599);
    provider = await spawnDemoProcess({ entry: 'payment', args: ['--host', '127.0.0.1', '--port', String(providerPort)], env: { TESTPAY_API_KEY: keys.apiKey, TESTPAY_WEBHOOK_SECRET: keys.webhookSecret } });
    ({ app, base } = await createListeningTestApp([5541, 5559], { payment: { url: provider.url, ...keys } }));
    const { sessionToken } = await registerResident(app, 'browser-pay@example.jp');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: sessionToken, domain: new URL(base).hostname, path: '/' }]);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await provider?.stop();
  });

  it('a resident applies for 住民票の写し, pays 300 yen with the test card and gets the receipt', async () => {
    await page.goto(`${base}/procedures/072028/juminhyo-utsushi`);
    assert.match(await page.textContent('main') ?? '', /300円/);
    await page.getByRole('button', { name: 'オンラインで申請する' }).click();
    await page.getByRole('button', { name: '申請を始める' }).click();
    await page.getByLabel('いいえ、自分で入力する').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    await page.getByLabel('氏名', { exact: true }).fill('会津 花子');
    await next();
    await page.getByLabel('氏名（フリガナ）').fill('あいづ はなこ');
    await next();
    await page.getByLabel('年').fill('平成2');
    await page.getByLabel('月').fill('4');
    await page.getByLabel('日').fill('1');
    await next();
    await page.getByLabel('郵便番号').fill('9650872');
    await page.locator('#address-address').fill('福島県会津若松市東栄町3-46');
    await next();
    await page.getByLabel('電話番号').fill('0242-39-1111');
    await next();
    await next(); // e-mail is optional
    await page.getByLabel('世帯全員').check();
    await next();
    await page.getByLabel('就職・勤務先への提出').check();
    await next();
    await page.getByLabel('記載した内容に誤りはありません').check();
    await next();
    assert.equal(await page.textContent('h1'), '申請内容の確認');
    await page.getByRole('button', { name: '申請する' }).click();

    assert.equal(await page.textContent('h1'), '申請を受け付けました');
    assert.match(await page.textContent('main') ?? '', /手数料 300円/);
    await assertAccessible(page, 'done with a fee');
    await shot('pay-done');
    await page.getByRole('button', { name: '手数料を支払う' }).click();
    assert.equal(await page.textContent('h1'), '決済サービスでお支払いください');
    await assertAccessible(page, 'leaving for the payment service');
    await shot('pay-leaving');
    await page.getByRole('link', { name: '決済サービスのページへ進む' }).click();

    // The test payment service: its own process and page, saying plainly that no money moves.
    assert.ok(page.url().startsWith(`${provider!.url}/checkout/`), page.url());
    assert.match(await page.textContent('main') ?? '', /本物のお金は動きません/);
    await assertAccessible(page, 'test checkout');
    await page.getByLabel(/テスト用カード番号/).fill('4242 4242 4242 4242');
    await shot('pay-checkout');
    await page.getByRole('button', { name: '300円を支払う（テスト）' }).click();

    assert.ok(page.url().startsWith(`${base}/account/payments/072028/`), page.url());
    assert.equal(await page.textContent('h1'), 'お支払いが完了しました');
    await assertAccessible(page, 'payment result');
    await shot('pay-result');
    await page.getByRole('link', { name: '領収書を表示' }).click();
    assert.equal(await page.textContent('h1'), '領収書');
    assert.match(await page.textContent('main') ?? '', /住民票の写しの交付請求の手数料として/);
    await assertAccessible(page, 'receipt');
    await shot('pay-receipt');

    await page.goto(`${base}/account/applications`);
    assert.match(await page.textContent('#submitted') ?? '', /300円\s*支払い済み/);
    await assertAccessible(page, 'my applications with a paid fee');
    await shot('pay-my-applications');
    assert.deepEqual(pageErrors, []);
  });
});
