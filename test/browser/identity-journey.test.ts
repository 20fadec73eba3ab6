// The common ID in a real browser against the real server: a resident signs up, confirms the
// e-mail from the outbox, logs out and in, raises the account to level A with the card
// simulator, adds a passkey (Chromium's virtual authenticator) and logs in with it, and two
// services sign the resident in without a second login (SSO); a staff member is invited, sets a
// password and an authenticator app, and lands on the staff page. axe checks every page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium } from '../helpers/browser-journey.ts';
import { freePort, freePortBlock, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { startRelyingParty, type RelyingParty } from '../helpers/relying-party.ts';
import { runCli } from '../helpers/cli.ts';

const SHOTS = path.join(os.tmpdir(), 'tsunagu-identity');
const PASSWORD = 'haru-no-sakura-2026';

describe('common ID journey in Chromium', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let dataDir: string;
  let adminToken: string;
  const services: RelyingParty[] = [];
  const problems: string[] = [];

  const shot = (name: string) => page.screenshot({ path: `${SHOTS}-${name}.png`, fullPage: true });

  /** The newest link in the dev outbox sent to `to` whose text matches `pattern`. */
  async function mailLink(to: string, pattern: RegExp): Promise<string> {
    const outbox = await (await fetch(`${base}/dev/outbox`)).text();
    const article = outbox.split('<article').find((a) => a.includes(to) && pattern.test(a));
    const link = article && /<a href="([^"]+token=[^"]+)"/.exec(article)?.[1];
    if (!link) throw new Error(`no link for ${to} in the outbox`);
    return link.replaceAll('&amp;', '&');
  }

  async function api(method: string, url: string, body?: unknown) {
    const response = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-identity-'));
    // Passkeys need a host name (not an IP) as the relying party: the site is http://localhost:PORT.
    // The server and its GビズID stand-in (PORT+1): two free ports in a row.
    const port = await freePortBlock(3300, 3400, 2);
    const env = { NODE_ENV: 'development', TSUNAGU_DATA_DIR: dataDir, TSUNAGU_DEMO_DATA: 'true', TSUNAGU_SECURE_COOKIES: 'false', TSUNAGU_PUBLIC_URL: `http://localhost:${port}` };
    // The first administrator's token, made with the CLI before the server takes the data directory.
    assert.equal((await runCli({ env }, ['seed'])).code, 0);
    const issued = await runCli({ env }, ['tokens', 'issue', '--name', 'journey', '--role', 'platform_admin', '--prefecture', '070009']);
    adminToken = /tsn_[A-Za-z0-9_-]+/.exec(issued.stdout)![0];
    server = await startServerProcess({ ports: [port, port + 1], env, readyTimeoutMs: 90_000 });
    base = `http://localhost:${port}`;
    for (const scope of ['openid profile', 'openid']) {
      const rp = await startRelyingParty(base, await freePort(3400, 3450), { scope });
      const created = await api('POST', '/api/v1/oidc-clients', { lgCode: '072036', name: { ja: `テストサービス${services.length + 1}`, en: `Test service ${services.length + 1}` }, redirectUris: [rp.redirectUri], grantTypes: ['authorization_code'], scope });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await rp.connect(created.body.clientId!, created.body.clientSecret!);
      services.push(rp);
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|422)/.test(m.text())) problems.push(m.text());
    });
    page.on('response', (response) => {
      // 422 is a form (or card) refused on purpose; anything else at 4xx/5xx is a fault.
      if (response.status() >= 400 && response.status() !== 422) problems.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
  });

  after(async () => {
    await browser?.close();
    for (const rp of services) await rp.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a resident should sign up, confirm the address from the mail and arrive on their account', async () => {
    await page.goto(`${base}/signup`);
    await assertAccessible(page, 'sign-up');
    await page.click('main button[type=submit]');
    await page.waitForLoadState();
    assert.match(await page.title(), /^エラー：/, 'an empty form comes back with errors');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null), true, 'the error summary has focus');
    await assertAccessible(page, 'sign-up with errors');
    await page.fill('#email', 'ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ');
    await page.fill('#password', PASSWORD);
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/signup\/check-email/);
    await assertAccessible(page, 'check your mail');
    await page.goto(await mailLink('hanako@example.jp', /メールアドレスの確認/));
    await assertAccessible(page, 'confirm address');
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/account\?welcome=1/);
    assert.match(await page.textContent('main') ?? '', /登録が完了しました/);
    assert.match(await page.textContent('main') ?? '', /レベルC/);
    await assertAccessible(page, 'account');
    await shot('account');
  });

  it('the resident should log out, fail with a wrong password and log in with the right one', async () => {
    await page.click('.logout-form button');
    await page.waitForURL(/\/logged-out/);
    await page.goto(`${base}/login`);
    await page.fill('#email', 'hanako@example.jp');
    await page.fill('#password', 'not-the-password');
    await page.click('form[action="/login"] button[type=submit]');
    assert.match(await page.textContent('.error-summary') ?? '', /メールアドレスまたはパスワードが正しくありません/);
    await assertAccessible(page, 'login with error');
    await page.fill('#password', PASSWORD);
    await page.click('form[action="/login"] button[type=submit]');
    await page.waitForURL(/\/account$/);
  });

  it('two services should sign the resident in, the second without any login page (SSO)', async () => {
    await page.goto(`${services[0]!.url}/start`);
    await page.waitForURL(/\/oidc\/interaction\//);
    assert.match(await page.textContent('h1') ?? '', /テストサービス1 にあなたの情報を提供しますか/);
    await assertAccessible(page, 'consent');
    await shot('consent');
    await page.click('button[value=allow]');
    await page.waitForURL(`${services[0]!.url}/callback**`);
    assert.match(await page.textContent('#result') ?? '', /acr=urn:tsunagu:loa:C/);
    const visited: string[] = [];
    page.on('framenavigated', (frame) => visited.push(frame.url()));
    await page.goto(`${services[1]!.url}/start`);
    await page.waitForURL(`${services[1]!.url}/callback**`);
    assert.match(await page.textContent('#result') ?? '', /sub=/);
    assert.ok(!visited.some((u) => u.includes('/login')), `no login page on the way: ${visited.join(' → ')}`);
    page.removeAllListeners('framenavigated');
  });

  it('the resident should raise the account to level A with the card simulator', async () => {
    await page.goto(`${base}/account`);
    await page.click('a[href^="/login/step-up?level=A"]');
    await page.waitForURL(/\/login\/card/);
    assert.match(await page.textContent('main') ?? '', /カードシミュレーター/);
    await assertAccessible(page, 'card page');
    await page.check('input[name=card][value=revoked]');
    await page.fill('#pin', '123456');
    await page.click('#card-simulator button[type=submit]');
    await page.waitForSelector('[data-card-result]:not([hidden])');
    assert.match(await page.textContent('[data-card-result]') ?? '', /失効/);
    await shot('card-refused');
    await page.check('input[name=card][value=takahashi]');
    await page.click('#card-simulator button[type=submit]');
    await page.waitForURL(/\/account$/).catch(async (error) => {
      await shot('card-stuck');
      throw new Error(`${error.message}; the page says: ${await page.textContent('[data-card-result]')}`);
    });
    assert.match(await page.textContent('main') ?? '', /レベルA/);
    await page.goto(`${base}/account/profile`);
    assert.match(await page.textContent('main') ?? '', /髙橋 𠮷男/);
    await assertAccessible(page, 'profile, verified');
    await shot('profile-verified');
  });

  it('the resident should add a passkey and log in with it alone', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
    await page.goto(`${base}/account`);
    await page.click('[data-passkey-register]');
    await page.waitForURL(/done=passkey/);
    assert.match(await page.textContent('main') ?? '', /パスキーを登録しました/);
    await page.click('.logout-form button');
    await page.goto(`${base}/login`);
    await page.click('[data-passkey-login]');
    await page.waitForURL(/\/account$/);
    assert.match(await page.textContent('.site-header') ?? '', /ログアウト/);
  });

  it('an invited staff member should set a password and an authenticator app, then see their roles', async () => {
    const invited = await api('POST', '/api/v1/staff', { email: 'reviewer@city.koriyama.example.jp', displayName: '郡山 次郎', lgCode: '072036', roles: [{ role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }] });
    assert.equal(invited.status, 201);
    const staff = await browser!.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
    const phone = await staff.newPage();
    // The worker sends the invitation within a second or so.
    let link = '';
    for (let i = 0; i < 50 && !link; i++) link = await mailLink('reviewer@city.koriyama.example.jp', /職員アカウント/).catch(() => '');
    await phone.goto(link);
    await phone.fill('#password', 'staff-password-2026');
    await phone.click('main button[type=submit]');
    await phone.waitForURL(/\/login\/setup-app/);
    await assertAccessible(phone, 'authenticator set-up');
    await phone.screenshot({ path: `${SHOTS}-setup-app-phone.png`, fullPage: true });
    const secret = (await phone.textContent('code.secret'))!.replace(/\s/g, '');
    await phone.fill('#code', await generate({ secret }));
    await phone.click('form[action="/login/setup-app"] button[type=submit]');
    assert.match(await phone.textContent('h1') ?? '', /リカバリーコードを控えてください/);
    assert.equal(await phone.locator('.recovery-codes li').count(), 10);
    await phone.click('a.button');
    await phone.waitForURL(/\/staff$/);
    assert.match(await phone.textContent('main') ?? '', /reviewer/);
    await assertAccessible(phone, 'staff home');
    await staff.close();
  });

  it('a business should log in through the GビズID stand-in and be known by its corporate number', async () => {
    const business = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const tab = await business.newPage();
    await tab.goto(`${base}/business/login`);
    assert.match(await tab.textContent('main') ?? '', /GビズID/);
    await assertAccessible(tab, 'business login');
    await tab.click('main a[href^="/business/login/start"]');
    await tab.waitForURL(/:\d+\/.*(interaction|login)/);
    assert.match(await tab.textContent('body') ?? '', /TEST ONLY|テスト/);
    await tab.click('button[value=login]');
    await tab.waitForURL(`${base}/**`);
    const me = await tab.evaluate(async () => (await fetch('/api/v1/me', { headers: { accept: 'application/json' } })).json());
    assert.equal(me.account.kind, 'business');
    assert.match(me.account.business.corporateNumber, /^\d{13}$/);
    assert.equal(typeof me.account.business.representative, 'boolean');
    await business.close();
  });

  it('no page should have thrown or failed to load a resource', () => {
    assert.deepEqual(problems, []);
  });
});
