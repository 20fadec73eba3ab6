// Issue 5's whole journey in a real browser, for one resident of 会津若松市 (072028): the 転入
// navigation leads to three online procedures (the prefecture's 自動車税 address change, 児童手当 at
// level A and 子ども医療費助成 with an attachment); she confirms who she is with the My Number card,
// lets her verified details fill the shared questions, types the rest once for all three, signs
// with the card, submits and gets three receipt numbers; the demo core system (a process of its
// own) receives them signed. Then My page: a draft saved and resumed, one application withdrawn,
// one copied into a new application, the fee of 住民票の写し paid at the test payment service (its
// own process, no real money), a visit to 市民課 booked for 転入届 from the navigation's result, and
// the practice procedure, which goes nowhere. axe-core's WCAG 2.1 AA checks on each kind of page;
// screenshots go to $TSUNAGU_SCREENSHOTS.
// Runs with `npm run test:browser`; needs Debian's Chromium (apt-get install -y chromium).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startReceiver, runDeliveryJobs, type Receiver } from '../../src/delivery/test/delivery-helpers.ts';
import { spawnDemoProcess, type DemoProcess } from '../../src/demo/spawn-demo-process.ts';
import { municipalSigningCaPem } from '../../src/documents/exports.ts';
import { registerResident } from '../../src/identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../src/platform/authz/test/helpers.ts';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium, openPage, screenshot } from '../helpers/browser-journey.ts';
import { freePort } from '../helpers/server-process.ts';
import { createListeningTestApp, type TestApp } from '../helpers/test-database.ts';

const AIZU = '072028';
const RECEIVER_TOKEN = randomBytes(24).toString('hex');

describe('resident portal journey in Chromium (会津若松市: 転入, bulk application, My page)', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  let payment: DemoProcess | undefined;
  let receiver: Receiver | undefined;
  let page: Page;
  let files: string;
  const errors: string[] = [];
  const receipts: string[] = [];
  let navigationResult = '';
  const text = async (selector = 'main') => (await page.textContent(selector)) ?? '';
  const next = () => page.getByRole('button', { name: '保存して次へ進む', exact: true }).click();
  const h1 = () => text('h1');

  before(async () => {
    const keys = { apiKey: randomBytes(16).toString('hex'), webhookSecret: randomBytes(24).toString('hex') };
    payment = await spawnDemoProcess({ entry: 'payment', args: ['--host', '127.0.0.1', '--port', String(await freePort(4990, 4995))], env: { TESTPAY_API_KEY: keys.apiKey, TESTPAY_WEBHOOK_SECRET: keys.webhookSecret } });
    ({ app, base } = await createListeningTestApp([4981, 4990], { payment: { url: payment.url, ...keys }, outbound: { privateNetworks: 'refuse', allow: ['127.0.0.1'] } }));
    receiver = await startReceiver([4995, 5000], { tokens: { [AIZU]: RECEIVER_TOKEN }, trustAnchor: await municipalSigningCaPem(app.ctx) });
    // 会津若松市 has its core system take the applications (what its administrator sets up).
    const admin = (await tokenWithRole(app.ctx, '会津若松市 管理', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: AIZU })).headers;
    const endpoint = await fetch(`${base}/api/v1/delivery-endpoints/${AIZU}`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ url: `${receiver.url}/deliveries`, token: RECEIVER_TOKEN }) });
    assert.equal(endpoint.status, 201, await endpoint.text());
    files = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-resident-journey-'));
    fs.writeFileSync(path.join(files, 'shikaku-kakunin.pdf'), '%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
    const { sessionToken } = await registerResident(app, 'aizu-hanako@example.jp');
    browser = await launchChromium();
    ({ page } = await openPage(browser, base, { sessionToken, who: 'resident', errors }));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all([payment?.stop(), receiver?.stop()]);
    if (files) fs.rmSync(files, { recursive: true, force: true });
  });

  it('転入 navigation leads to three online procedures, which she applies for together, signed with her card', async () => {
    await page.goto(`${base}/municipalities/${AIZU}`);
    await page.getByRole('link', { name: '会津若松市で、ライフイベントから必要な手続を調べる' }).click();
    await page.getByLabel('転入').check();
    await page.getByRole('button', { name: '次へ' }).click();
    // From 福島市, with a car, a My Number card, employer's insurance, a child, no nursery place, no seal, water.
    for (const answer of ['福島県内のほかの市町村', 'はい', 'はい', 'はい', 'はい', 'いいえ', 'いいえ', 'はい']) {
      await page.getByLabel(answer, { exact: true }).check();
      await page.getByRole('button', { name: '次へ進む' }).click();
      await page.waitForLoadState();
    }
    assert.equal(await h1(), '会津若松市での転入の手続');
    navigationResult = page.url();
    const online = page.locator('section', { has: page.getByRole('heading', { name: 'オンラインでまとめて申請する手続' }) });
    assert.deepEqual(await online.locator('h3').allTextContents(), ['自動車税（種別割）の住所変更', '児童手当の認定請求', '子ども医療費助成の申請']);
    assert.match(await text(), /自動車税の納税通知書の送付先を変更します/, 'each says why it applies');
    await assertAccessible(page, 'navigation result');
    await screenshot(page, 'resident-navigation-result');
    await online.getByRole('button', { name: 'まとめて申請する' }).click();

    // 児童手当 needs level A: the start page says so and sends her to the card check.
    assert.equal(await h1(), 'まとめて申請する手続');
    assert.match(await text(), /マイナンバーカード/);
    await assertAccessible(page, 'bulk start, card needed');
    await page.locator('main a[href^="/login/step-up?level=A"]').click();
    await page.waitForURL(/\/login\/card/);
    await page.check('input[name=card][value=yamazaki]');
    await page.fill('#pin', '123456');
    await page.click('#card-simulator button[type=submit]');
    await page.waitForURL(/\/applications\/new\?/);
    assert.doesNotMatch(await text(), /本人確認が必要/);
    await screenshot(page, 'resident-bulk-start');
    await page.getByRole('button', { name: '申請を始める' }).click();

    // Her verified details fill the shared questions, marked so; the rest she types once.
    await page.getByLabel('はい、プロフィールから入力する').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    await screenshot(page, 'resident-shared-prefilled');
    assert.equal(await page.getByLabel('氏名', { exact: true }).inputValue(), '山﨑　花子');
    // Every step once, in order: the shared questions, then each form's own. Kana typed in hiragana
    // and digits in full width are normalised; 和暦 is accepted.
    const fill: Record<string, () => Promise<void>> = {
      'shared/full-name': async () => {},
      'shared/full-name-kana': async () => {
        await next(); // empty first: the summary takes focus and links to the box
        assert.match(await page.title(), /^エラー：/);
        assert.equal(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null), true, 'the summary takes focus');
        await page.getByRole('link', { name: '「氏名（フリガナ）」を入力してください' }).click();
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'fullNameKana');
        await assertAccessible(page, 'shared step with an error');
        await screenshot(page, 'resident-shared-error');
        await page.keyboard.type('やまざき　はなこ');
      },
      'shared/birth-date': async () => {
        assert.equal(await page.getByLabel('年').inputValue(), '1992', 'from the card');
      },
      'shared/address': async () => {
        assert.equal(await page.locator('#address-address').inputValue(), '福島県会津若松市見本町四丁目５番６号');
        await page.getByLabel('郵便番号').fill('９６５－０８７２');
      },
      'shared/phone': async () => page.getByLabel('電話番号').fill('0242-39-1111'),
      'shared/email': async () => {},
      'shared/previous-address': async () => {
        await page.locator('#previousAddress-postcode').fill('960-8601');
        await page.locator('#previousAddress-address').fill('福島県福島市五老内町3-1');
      },
      'shared/children': async () => {
        const child = page.getByRole('group', { name: '子ども（1人目）' });
        await child.getByLabel('氏名', { exact: true }).fill('山﨑　陽翔');
        await child.getByLabel('氏名（フリガナ）').fill('ヤマザキ　ハルト');
        await child.getByLabel('年').fill('令和3');
        await child.getByLabel('月').fill('5');
        await child.getByLabel('日').fill('10');
        await assertAccessible(page, 'shared repeating group');
      },
      '児童手当の認定請求/bank': async () => {
        await page.getByLabel('金融機関名').fill('東邦銀行');
        await page.getByLabel('支店名').fill('会津支店');
        await page.getByLabel('口座番号（普通預金）').fill('１２３４５６７');
      },
      '子ども医療費助成の申請/insurance': async () => { await page.getByLabel('子どもが加入している健康保険').selectOption('kyokai'); },
      '子ども医療費助成の申請/insurance-card': async () => page.getByLabel('子どもの資格確認書または資格情報のお知らせ').setInputFiles(path.join(files, 'shikaku-kakunin.pdf')),
      '自動車税/plate': async () => page.getByLabel('自動車登録番号（ナンバー）').fill('会津 300 あ 12-34'),
      '自動車税/declaration': async () => page.getByLabel('記載した内容に誤りはありません').check(),
      '児童手当の認定請求/civil-servant': async () => page.getByLabel('いいえ').check(),
      '児童手当の認定請求/declaration': async () => page.getByLabel('記載した内容に誤りはありません').check(),
      '子ども医療費助成の申請/declaration': async () => page.getByLabel('記載した内容に誤りはありません').check(),
    };
    const visited: string[] = [];
    for (let i = 0; i < 30 && (await h1()) !== '申請内容の確認'; i++) {
      const at = /\/steps\/(.+)$/.exec(new URL(page.url()).pathname)?.[1] ?? page.url();
      visited.push(at);
      const key = at.startsWith('shared/') ? at : at.replace(/^[0-9a-f-]{36}/, (await text('.caption')).replace(/（.*$/, ''));
      const action = fill[key];
      if (!action) throw new Error(`no answer for ${key}`);
      await action();
      await next();
    }
    assert.equal(await h1(), '申請内容の確認', `stopped at ${visited.at(-1)}`);
    assert.equal(new Set(visited).size, visited.length, 'no step asked twice');
    assert.equal(visited.filter((v) => v.startsWith('shared/')).length, 8, 'the shared questions, once for the three forms');
    const review = await text();
    assert.match(review, /氏名山﨑　花子 マイナンバーカードで確認済み/, 'the rare kanji exactly as the card has it, marked verified');
    assert.match(review, /1992年11月30日（平成4年）/);
    assert.match(review, /ヤマザキ　ハナコ/, 'hiragana typed, katakana stored');
    assert.match(review, /口座番号（普通預金）1234567/, 'full-width digits folded');
    assert.match(review, /児童手当の認定請求：まだ署名していません/);
    await assertAccessible(page, 'review');
    await screenshot(page, 'resident-review');

    // 児童手当 is signed with the card's signature certificate; then the three are submitted.
    await page.getByRole('link', { name: 'マイナンバーカードで署名する' }).click();
    assert.equal(await h1(), 'マイナンバーカードで署名する');
    await assertAccessible(page, 'signing');
    await page.check('input[name=card][value=yamazaki]');
    await page.fill('#pin', '123456');
    await page.click('#card-simulator button[type=submit]');
    await page.waitForURL(/\/review$/);
    assert.doesNotMatch(await text(), /まだ署名していません/);
    await page.getByRole('button', { name: '申請する' }).click();
    assert.equal(await h1(), '申請を受け付けました');
    receipts.push(...(await page.locator('.receipt-number').allTextContents()));
    assert.equal(receipts.length, 3);
    assert.match(receipts.join(' '), /^070009-\d{8}-\d{6} 072028-\d{8}-\d{6} 072028-\d{8}-\d{6}$/);
    await assertAccessible(page, 'receipts');
    await screenshot(page, 'resident-receipts');
  });

  it('the demo core system of 会津若松市 receives its two applications, signed', async () => {
    await runDeliveryJobs(app!.ctx.db, app!.ctx.queue);
    const received = await receiver!.received();
    assert.deepEqual(received.map((r) => r.receiptNumber).sort(), receipts.filter((r) => r.startsWith(AIZU)).sort(), 'the prefecture’s part does not go to the city');
    await page.goto(receiver!.url);
    assert.equal(await h1(), '受信した申請');
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    for (const receipt of receipts.slice(1)) assert.match(await rows.filter({ hasText: receipt }).textContent() ?? '', /確認済み/);
    await screenshot(page, 'resident-core-system');
  });

  it('saves a request for 住民票の写し half way, resumes it from My page, submits it and pays the fee', async () => {
    await page.goto(`${base}/procedures/${AIZU}/juminhyo-utsushi`);
    assert.match(await text(), /300円/);
    await page.getByRole('button', { name: 'オンラインで申請する' }).click();
    await page.getByRole('button', { name: '申請を始める' }).click();
    await page.getByLabel('はい、プロフィールから入力する').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    await next(); // 氏名, from the card
    await page.getByLabel('氏名（フリガナ）').fill('ヤマザキ　ハナコ');
    await next();
    await next(); // 生年月日, from the card
    await page.getByLabel('郵便番号').fill('965-0872');
    await next();
    // Half way through the phone number, she has to go: the page is saved as it is.
    await page.getByLabel('電話番号').fill('0242-39');
    await page.getByRole('button', { name: '保存して、あとで続ける' }).click();
    assert.equal(await h1(), '申請の一覧');
    assert.match(await text('.notification-banner'), /下書きを保存しました/);
    await assertAccessible(page, 'my applications, draft saved');
    await screenshot(page, 'resident-draft-saved');

    // Later: 続ける takes her to the first step still to answer, with what she typed.
    const draft = page.locator('#drafts tbody tr', { hasText: '住民票の写しの交付請求' });
    await draft.getByRole('link', { name: '続ける' }).click();
    assert.match(page.url(), /\/steps\/shared\/phone$/);
    assert.equal(await page.getByLabel('電話番号').inputValue(), '0242-39');
    await page.getByLabel('電話番号').fill('0242-39-1111');
    await next();
    await next(); // e-mail is optional
    await page.getByLabel('世帯全員').check();
    await next();
    await page.getByLabel('就職・勤務先への提出').check();
    await next();
    await page.getByLabel('記載した内容に誤りはありません').check();
    await next();
    assert.equal(await h1(), '申請内容の確認');
    await page.getByRole('button', { name: '申請する' }).click();
    assert.equal(await h1(), '申請を受け付けました');
    assert.match(await text(), /手数料 300円/);
    const certificate = (await page.locator('.receipt-number').allTextContents())[0]!;
    receipts.push(certificate);

    // The fee, at the test payment service (its own process; no real money moves).
    await page.getByRole('button', { name: '手数料を支払う' }).click();
    assert.equal(await h1(), '決済サービスでお支払いください');
    await assertAccessible(page, 'leaving for the payment service');
    await page.getByRole('link', { name: '決済サービスのページへ進む' }).click();
    assert.ok(page.url().startsWith(`${payment!.url}/checkout/`), page.url());
    assert.match(await text(), /本物のお金は動きません/);
    await assertAccessible(page, 'test checkout');
    await page.getByLabel(/テスト用カード番号/).fill('4242 4242 4242 4242');
    await screenshot(page, 'resident-checkout');
    await page.getByRole('button', { name: '300円を支払う（テスト）' }).click();
    assert.ok(page.url().startsWith(`${base}/account/payments/${AIZU}/`), page.url());
    assert.equal(await h1(), 'お支払いが完了しました');
    await assertAccessible(page, 'payment result');
    await page.getByRole('link', { name: '領収書を表示' }).click();
    assert.equal(await h1(), '領収書');
    assert.match(await text(), /住民票の写しの交付請求の手数料として/);
    await assertAccessible(page, 'receipt');
    await screenshot(page, 'resident-fee-receipt');
    await page.goto(`${base}/account/applications`);
    assert.match(await page.locator('#submitted tbody tr', { hasText: certificate }).textContent() ?? '', /300円\s*支払い済み/);
  });

  it('withdraws one application and copies another into a new application', async () => {
    const [tax, , medical] = receipts;
    await page.goto(`${base}/account/applications`);
    await page.locator('#submitted tbody tr', { hasText: medical! }).getByRole('link', { name: '取り下げる' }).click();
    assert.equal(await h1(), 'この申請を取り下げますか');
    assert.match(await text(), new RegExp(medical!));
    await assertAccessible(page, 'withdraw');
    await page.getByRole('button', { name: '取り下げる' }).click();
    assert.equal(await h1(), '申請の一覧');
    const withdrawn = page.locator('#submitted tbody tr', { hasText: medical! });
    assert.match(await withdrawn.textContent() ?? '', /取下げ/);
    assert.equal(await withdrawn.getByRole('link', { name: '取り下げる' }).count(), 0);
    await screenshot(page, 'resident-withdrawn');

    // The 自動車税 address change again (another car): a copy opens at its review with the answers.
    await page.locator('#submitted tbody tr', { hasText: tax! }).getByRole('button', { name: 'コピーして新しく申請' }).click();
    assert.equal(await h1(), '申請内容の確認');
    assert.match(await text(), /会津 300 あ 12-34/);
    await page.getByRole('link', { name: /変更.*自動車登録番号/ }).click();
    await page.getByLabel('自動車登録番号（ナンバー）').fill('会津 500 さ 56-78');
    await next();
    assert.equal(await h1(), '申請内容の確認');
    await assertAccessible(page, 'copied application review');
    await page.getByRole('button', { name: '申請する' }).click();
    assert.equal(await h1(), '申請を受け付けました');
    const copied = (await page.locator('.receipt-number').allTextContents())[0]!;
    assert.match(copied, /^070009-\d{8}-\d{6}$/);
    assert.notEqual(copied, tax);
  });

  it('books a visit to 市民課 for 転入届 from the navigation result', async () => {
    await page.goto(navigationResult);
    const tennyu = page.locator('li', { has: page.getByRole('heading', { name: '転入届' }) });
    await tennyu.getByRole('link', { name: '「市民課」の来庁予約をする' }).click();
    assert.equal(await h1(), '市民課（会津若松市）');
    await assertAccessible(page, 'booking: days');
    await page.locator('#days tbody a').first().click();
    await assertAccessible(page, 'booking: times');
    await page.locator('input[name=time]:not([disabled])').first().check();
    await page.getByLabel('ご用件（任意）').fill('転入届とマイナンバーカードの住所変更');
    await screenshot(page, 'resident-booking-time');
    await page.getByRole('button', { name: 'この時間で予約する' }).click();
    assert.match(await text(), /予約しました/);
    assert.match(await text(), /予約番号は [0-9A-Z]{4}-[0-9A-Z]{4} です/);
    await assertAccessible(page, 'booking done');
    await screenshot(page, 'resident-booked');
  });

  it('practises applying with the practice procedure, which keeps nothing', async () => {
    await page.goto(`${base}/account/applications`);
    const before = await page.locator('#submitted tbody tr').count();
    await page.getByRole('link', { name: '練習用の手続で試す' }).click();
    assert.match(await text(), /これは練習用の手続です/);
    await page.getByRole('button', { name: '申請を始める' }).click();
    await page.getByLabel('いいえ、自分で入力する').check();
    await page.getByRole('button', { name: '次へ進む' }).click();
    await page.getByLabel('氏名', { exact: true }).fill('練習　花子');
    await next();
    await page.getByLabel('氏名（フリガナ）').fill('レンシュウ　ハナコ');
    await next();
    await page.getByLabel('冬').check();
    await next();
    await page.getByLabel('練習であることを理解しました').check();
    await next();
    assert.equal(await h1(), '申請内容の確認');
    assert.match(await text(), /これは練習用の手続です/);
    await page.getByRole('button', { name: '申請する' }).click();
    assert.match(await text(), /練習用のため、受付番号はありません/);
    assert.equal(await page.locator('.receipt-number').count(), 0);
    await assertAccessible(page, 'practice done');
    await screenshot(page, 'resident-practice-done');
    await page.goto(`${base}/account/applications`);
    assert.equal(await page.locator('#submitted tbody tr').count(), before, 'nothing kept');
    assert.deepEqual(errors, []);
  });
});
