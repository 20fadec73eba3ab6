// The back office in a real browser (issue 6's journey from the return on): a reviewer of
// 会津若松市 健康増進課 receives nothing yet but returns an application with a reason on one
// answer; the resident reads the reason on My page, corrects only that answer and resubmits; the
// reviewer sees what changed and receives it; two approvers approve a level each; the signed
// document is on the resident's My page. Keyboard only for the staff's decisions, axe-core on each
// kind of page. Screenshots go to $TSUNAGU_SCREENSHOTS.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onboardStaff, registerResident } from '../../src/identity/test/identity-helpers.ts';
import { submitApplications } from '../../src/procedures/test/workflow-helpers.ts';
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS } from '../helpers/accessibility.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../helpers/test-database.ts';

describe('back office journey in Chromium', () => {
  let app: TestApp | undefined;
  let base: string;
  let browser: Browser | undefined;
  const pages: Record<string, Page> = {};
  const pageErrors: string[] = [];
  const shots = process.env.TSUNAGU_SCREENSHOTS;
  const shot = async (page: Page, name: string) => {
    if (!shots) return;
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  };
  let key: string;

  const open = async (who: string, sessionToken: string) => {
    const context: BrowserContext = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addCookies([{ name: 'tsn_session', value: sessionToken, domain: new URL(base).hostname, path: '/' }]);
    pages[who] = await context.newPage();
    pages[who].on('pageerror', (error) => pageErrors.push(error.message));
  };
  /** Tabs to a button and presses Enter, as a keyboard user does. */
  const pressButton = async (page: Page, name: string) => {
    await page.getByRole('button', { name, exact: true }).focus();
    // Wait for the form's own navigation: waitForLoadState alone returns at once on the page
    // that is still showing, before the post has even left.
    const navigated = page.waitForNavigation({ waitUntil: 'load' });
    await page.keyboard.press('Enter');
    await navigated;
  };

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    ({ app, base } = await createListeningTestApp([5350, 5369]));
    const admin = await platformAdminToken(app);
    const api = (method: string, url: string, payload: unknown, headers: Record<string, string> = {}) => app!.app.inject({ method: method as 'PUT', url, payload: payload as object, headers: { authorization: `Bearer ${admin}`, ...headers } });
    // 出生連絡票: receive, then two approval levels, and a signed acknowledgement on approval.
    const current = await api('GET', '/api/v1/procedures/072028/shussei-renraku/routing', undefined);
    const routed = await api('PUT', '/api/v1/procedures/072028/shussei-renraku/routing', {
      stages: [{ kind: 'receive', departmentCode: 'kenko', role: 'reviewer', days: 2 }, { kind: 'approve', departmentCode: 'kenko', role: 'approver', days: 2 }, { kind: 'approve', departmentCode: 'kenko', role: 'approver', days: 3 }],
      issueDocument: true, documentTitle: '出生連絡票 受理通知書',
    }, { 'if-match': current.headers.etag as string });
    assert.equal(routed.statusCode, 200, routed.body);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    for (const [who, role] of [['reviewer', 'reviewer'], ['approver1', 'approver'], ['approver2', 'approver']] as const) {
      const email = `${who}@city.aizuwakamatsu.example.jp`;
      const { sessionToken } = await onboardStaff(app, admin, email, [{ role, scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }], '072028');
      assert.equal((await api('POST', '/api/v1/procedure-departments/072028/kenko/members', { email })).statusCode, 201);
      await open(who, sessionToken);
    }
    const resident = await registerResident(app, 'browser-workflow@example.jp');
    await open('resident', resident.sessionToken);
    [key] = await submitApplications(app, resident.accountId, ['072028/shussei-renraku']) as [string];
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('returns with a reason, the resident corrects, two approvers approve and the document is issued', async () => {
    const reviewer = pages['reviewer']!;
    await reviewer.goto(`${base}/staff`);
    assert.match(await reviewer.locator('main').innerText(), /健康増進課：新着 1 件/);
    await reviewer.getByRole('link', { name: '処理待ちの申請の一覧' }).click();
    await assertAccessible(reviewer, 'queue');
    await shot(reviewer, 'workflow-queue');
    await reviewer.getByRole('link', { name: /^072028-/ }).click();
    assert.equal(await reviewer.textContent('h1'), '出生連絡票の提出（新生児訪問）');
    await assertAccessible(reviewer, 'application');
    // Return at reception: the birth weight does not match the handbook.
    await reviewer.getByText('差し戻す（修正を依頼する）').click();
    await reviewer.getByLabel(/^出生体重（グラム）/).fill('母子健康手帳の出生体重と違います');
    await shot(reviewer, 'workflow-return');
    await pressButton(reviewer, '差し戻す');
    assert.match(await reviewer.locator('main').innerText(), /差戻しを記録しました[\s\S]*差戻し/);

    const resident = pages['resident']!;
    await resident.goto(`${base}/account/applications`);
    assert.match(await resident.locator('main').innerText(), /出生体重（グラム）：母子健康手帳の出生体重と違います/);
    await resident.getByRole('link', { name: '修正して再申請する' }).click();
    await assertAccessible(resident, 'correction');
    await shot(resident, 'workflow-correction');
    await resident.getByLabel('出生体重（グラム）').fill('3120');
    await resident.getByRole('button', { name: '修正して再申請する' }).click();
    assert.match(await resident.locator('main').innerText(), /再申請しました/);

    await reviewer.goto(`${base}/staff/applications/${key}`);
    assert.match(await reviewer.locator('#changes-table').innerText(), /出生体重（グラム）\s+3,012\s+3,120/);
    await pressButton(reviewer, '受け付ける');
    assert.match(await reviewer.locator('main').innerText(), /受付を記録しました/);

    const approver1 = pages['approver1']!;
    await approver1.goto(`${base}/staff/applications?status=active`);
    await approver1.getByRole('link', { name: /^072028-/ }).click();
    await pressButton(approver1, '決裁する（承認）');
    assert.match(await approver1.locator('main').innerText(), /決裁（承認）を記録しました[\s\S]*決裁（第2段）/);

    const approver2 = pages['approver2']!;
    await approver2.goto(`${base}/staff/applications/${key}`);
    await pressButton(approver2, '最終決裁する（承認）');
    assert.match(await approver2.locator('main').innerText(), /文書の発行を記録しました[\s\S]*承認/);
    await shot(approver2, 'workflow-approved');

    await resident.goto(`${base}/account/documents`);
    assert.match(await resident.locator('main').innerText(), /出生連絡票 受理通知書/);
    assert.deepEqual(pageErrors, []);
  });
});
