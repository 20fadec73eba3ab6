// Monitoring in Chromium: 郡山市's administrator reads a quarter's figures (charts drawn on the
// server, each followed by its table), records the paper applications of a month through the
// form (an error summary first, then the banner), and the prefecture's auditor compares the
// municipalities; axe-core's WCAG 2.1 AA checks on each page. Screenshots go to $TSUNAGU_SCREENSHOTS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onboardStaff } from '../../src/identity/test/identity-helpers.ts';
import { seedApplication } from '../../src/procedures/test/seeded-applications.ts';
import { assertAccessible } from '../helpers/accessibility.ts';
import { launchChromium, screenshot } from '../helpers/browser-journey.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../helpers/test-database.ts';

describe('monitoring in Chromium', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const shot = screenshot;
  const pageAs = async (email: string, role: string, scope: Record<string, string>, lgCode: string): Promise<Page> => {
    const { sessionToken } = await onboardStaff(app!, await platformAdminToken(app!), email, [{ role, scope }], lgCode);
    const context: BrowserContext = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: sessionToken, domain: new URL(base).hostname, path: '/' }]);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  };

  before(async () => {
    ({ app, base } = await createListeningTestApp([5640, 5660]));
    const day = (month: string, d: number, h = 0) => `2025-${month}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`;
    // A quarter of 国民健康保険 and 保育 applications in 郡山市 and a few in 会津若松市.
    for (let i = 0; i < 9; i++) {
      const month = ['04', '05', '06'][i % 3]!;
      await seedApplication({ app }, { lgCode: '072036', procedure: 'kokuho-kanyu', channel: i % 4 === 0 ? 'counter' : 'online', history: [['submitted', day(month, 2 + i)], ['received', day(month, 3 + i)], ...(i % 3 === 1 ? [['returned', day(month, 4 + i)], ['resubmitted', day(month, 6 + i)]] as const : []), ...(i < 7 ? [['approved', day(month, 10 + i + (i % 3) * 2)]] as const : [])] as never });
    }
    await seedApplication({ app }, { lgCode: '072036', procedure: 'hoiku-moushikomi', history: [['submitted', day('06', 1)], ['withdrawn', day('06', 3)]] });
    await seedApplication({ app }, { lgCode: '072028', procedure: 'kokuho-kanyu', history: [['submitted', day('05', 1)], ['approved', day('05', 4)]] });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a municipality’s administrator reads the figures and records paper applications', async () => {
    const page = await pageAs('kanri@city.koriyama.example.jp', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072036' }, '072036');
    await page.goto(`${base}/staff`);
    await page.getByRole('link', { name: '申請の状況（モニタリング）' }).click();
    await page.getByLabel('開始月').fill('2025-04');
    await page.getByLabel('終了月').fill('2025-06');
    await page.getByRole('button', { name: '表示する' }).click();
    assert.equal(await page.textContent('h1'), '申請の状況（モニタリング）');
    assert.equal(await page.getByRole('img', { name: /月別の申請件数/ }).count(), 1);
    assert.equal(await page.getByRole('img', { name: /月別の処理日数/ }).count(), 1);
    await assertAccessible(page, 'monitoring');
    await shot(page, 'monitoring');

    await page.getByLabel('手続', { exact: true }).last().selectOption('kokuho-kanyu');
    await page.getByLabel('月', { exact: true }).fill('2025-05');
    await page.getByLabel('件数', { exact: true }).fill('たくさん');
    await page.getByRole('button', { name: '記録する' }).click();
    assert.match(await page.title(), /^エラー：/);
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true, 'the error summary takes focus');
    await assertAccessible(page, 'monitoring with errors');
    await page.getByLabel('件数', { exact: true }).fill('6');
    await page.getByRole('button', { name: '記録する' }).click();
    assert.match(await page.textContent('main') ?? '', /紙の申請件数を記録しました/);
    const may = await page.locator('#months tr', { hasText: '2025-05' }).innerText();
    assert.match(may, /\b6\b/, 'the paper count is in May’s row');
    await shot(page, 'monitoring-recorded');
  });

  it('the prefecture’s auditor compares the municipalities', async () => {
    const page = await pageAs('kansa@pref.fukushima.example.jp', 'auditor', { level: 'prefecture', prefectureCode: '070009' }, '070009');
    await page.goto(`${base}/staff/monitoring/prefecture?from=2025-04&to=2025-06`);
    assert.equal(await page.textContent('h1'), '市町村の比較（モニタリング）');
    assert.equal(await page.getByRole('img', { name: /市町村別のオンライン率/ }).count(), 1);
    await assertAccessible(page, 'monitoring prefecture');
    await shot(page, 'monitoring-prefecture');
    await page.getByRole('link', { name: '会津若松市' }).first().click();
    assert.match(await page.textContent('main') ?? '', /会津若松市 すべての手続/);
    assert.deepEqual(pageErrors, []);
  });
});
