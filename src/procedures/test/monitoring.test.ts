// Monitoring (EBPM): the figures per procedure and month in Japan time, from applications moved
// through their statuses with ApplicationStore.transition, checked against hand-counted values:
// an application submitted at 00:30 on 1 May in Japan (15:30 UTC on 30 April) counts in May;
// practice applications never count; paper applications recorded by staff make the online share
// real; the CSV opens in a spreadsheet; another tenant's figures are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { onboardStaff } from '../../identity/test/identity-helpers.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { mainText, staffToken, startWorld, type ProceduresWorld } from './procedures-helpers.ts';
import { seedApplication } from './seeded-applications.ts';

const KORIYAMA = '072036';
const AIZU = '072028';
const A = 'kokuho-kanyu';
const B = 'hoiku-moushikomi';

describe('monitoring', () => {
  let world: ProceduresWorld;
  let admin: string;
  let auditor: string;
  let clerk: string;
  let aizuAdmin: string;
  let prefecture: string;

  before(async () => {
    world = await startWorld([5600, 5615]);
    [admin, auditor, clerk, aizuAdmin, prefecture] = await Promise.all([
      staffToken(world, 'municipal_admin', KORIYAMA), staffToken(world, 'auditor', KORIYAMA), staffToken(world, 'counter_clerk', KORIYAMA),
      staffToken(world, 'municipal_admin', AIZU), staffToken(world, 'auditor', '070009'),
    ]);
    const seed = (procedure: string, history: Array<[any, string]>, extra: { channel?: 'online' | 'counter'; practice?: boolean; lgCode?: string } = {}) =>
      seedApplication(world, { lgCode: extra.lgCode ?? KORIYAMA, procedure, history, channel: extra.channel, practice: extra.practice });
    // 1: 00:30 on 1 May in Japan — May; approved after 10 days.
    await seed(A, [['submitted', '2025-04-30T15:30:00Z'], ['received', '2025-05-01T01:00:00Z'], ['approved', '2025-05-10T15:30:00Z']]);
    // 2: 23:30 on 30 April in Japan — April; returned once, approved in May after 21 days.
    await seed(A, [['submitted', '2025-04-30T14:30:00Z'], ['received', '2025-05-01T01:00:00Z'], ['returned', '2025-05-02T01:00:00Z'], ['resubmitted', '2025-05-05T01:00:00Z'], ['approved', '2025-05-21T14:30:00Z']]);
    // 3: at the counter, rejected after 3 days.
    await seed(A, [['submitted', '2025-05-10T00:00:00Z'], ['rejected', '2025-05-13T00:00:00Z']], { channel: 'counter' });
    // 4: withdrawn the next day.
    await seed(A, [['submitted', '2025-05-20T00:00:00Z'], ['withdrawn', '2025-05-21T00:00:00Z']]);
    // 5: still open.
    await seed(A, [['submitted', '2025-05-25T00:00:00Z'], ['received', '2025-05-26T00:00:00Z']]);
    // 6: another procedure, in June.
    await seed(B, [['submitted', '2025-06-15T00:00:00Z']]);
    // Never counted: a practice application, and nothing of another municipality in this one's figures.
    await seed(A, [['submitted', '2025-05-15T00:00:00Z'], ['approved', '2025-05-16T00:00:00Z']], { practice: true });
    await seed(A, [['submitted', '2025-05-15T00:00:00Z'], ['approved', '2025-05-17T00:00:00Z']], { lgCode: AIZU });
  });
  after(async () => world?.close());

  const monthOf = (series: { months: Array<{ month: string }> }, month: string) => series.months.find((m) => m.month === month) as any;

  it('should count each procedure by month in Japan time, with decisions, returns, backlog and withdrawals', async () => {
    const paper = await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-05`, { count: 4 }, clerk);
    assert.equal(paper.status, 200, JSON.stringify(paper.body));
    const got = await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-04&to=2025-06`, undefined, auditor);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual(got.body.procedures.map((p: { code: string }) => p.code), [A, B], 'only procedures with figures, in catalog order');
    const a = got.body.procedures[0];
    assert.equal(a.title.ja, '国民健康保険の加入');
    const april = monthOf(a, '2025-04');
    assert.deepEqual([april.submitted, april.online, april.onlineShare, april.backlog], [1, 1, 1, 1], 'the 23:30 application is April’s and still open at April’s end');
    const may = monthOf(a, '2025-05');
    assert.deepEqual(
      { submitted: may.submitted, online: may.online, counter: may.counter, paper: may.paper, onlineShare: may.onlineShare },
      { submitted: 4, online: 3, counter: 1, paper: 4, onlineShare: 0.375 },
    );
    assert.deepEqual(
      { decided: may.decided, approved: may.approved, rejected: may.rejected, median: may.decisionDaysMedian, p90: may.decisionDaysP90 },
      { decided: 3, approved: 2, rejected: 1, median: 10, p90: 18.8 },
      'decided after 3, 10 and 21 days',
    );
    assert.deepEqual({ returns: may.returns, rate: may.returnRate, backlog: may.backlog, withdrawn: may.withdrawn }, { returns: 1, rate: 0.333, backlog: 1, withdrawn: 1 });
    assert.deepEqual([monthOf(a, '2025-06').submitted, monthOf(a, '2025-06').backlog], [0, 1]);
    assert.deepEqual([a.total.submitted, a.total.decided, a.total.decisionDaysMedian, a.total.backlog, a.total.paper], [5, 3, 10, 1, 4]);
    // All procedures together: June has procedure B's application, open with procedure A's one.
    const june = monthOf(got.body.overall, '2025-06');
    assert.deepEqual([june.submitted, june.backlog], [1, 2]);
    assert.equal(got.body.overall.total.submitted, 6, 'neither the practice application nor 会津若松市’s');
  });

  it('should give the CSV with a BOM, a header and one line per procedure and month', async () => {
    const response = await fetch(`${world.base}/api/v1/monitoring/${KORIYAMA}?from=2025-04&to=2025-06&format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/csv; charset=utf-8/);
    assert.match(response.headers.get('content-disposition')!, /attachment; filename="monitoring-072036-2025-04-2025-06.csv"/);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so a spreadsheet reads the Japanese');
    const rows: Record<string, string>[] = parse(bytes.subarray(3).toString('utf8'), { columns: true });
    const may = rows.find((r) => r.procedure_code === A && r.month === '2025-05')!;
    assert.equal(may.procedure, '国民健康保険の加入');
    assert.equal(may.tenant, '郡山市');
    assert.deepEqual([may.submitted, may.paper, may.online_share, may.decision_days_median, may.return_rate], ['4', '4', '0.375', '10', '0.333']);
    assert.equal(rows.filter((r) => r.procedure_code === '').length, 4, 'all procedures: three months and the period');
    assert.equal(rows.find((r) => r.procedure_code === B && r.month === '')!.submitted, '1', 'the period total of B');
  });

  it('should compare the municipalities for prefecture staff, and refuse it to a municipality', async () => {
    const got = await world.api('GET', `/api/v1/monitoring?prefecture=070009&from=2025-04&to=2025-06&procedure=${A}`, undefined, prefecture);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const byCode = Object.fromEntries(got.body.municipalities.map((m: { lgCode: string }) => [m.lgCode, m]));
    assert.equal(byCode[KORIYAMA].total.submitted, 5);
    assert.equal(byCode[AIZU].total.submitted, 1);
    assert.equal(byCode[AIZU].total.decisionDaysMedian, 2);
    assert.ok(got.body.municipalities.length >= 2);
    assert.equal((await world.api('GET', '/api/v1/monitoring?prefecture=070009', undefined, admin)).status, 403);
    assert.equal((await world.api('GET', `/api/v1/monitoring?prefecture=${KORIYAMA}`, undefined, prefecture)).status, 400);
    // The prefecture's staff read each municipality too.
    assert.equal((await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-04&to=2025-06`, undefined, prefecture)).status, 200);
  });

  it('should refuse another tenant’s figures, and those without the permission', async () => {
    const other = await world.api('GET', `/api/v1/monitoring/${KORIYAMA}`, undefined, aizuAdmin);
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await world.api('GET', `/api/v1/monitoring/${KORIYAMA}`, undefined, clerk)).status, 403, 'a counter clerk records paper counts but does not read the figures');
    assert.equal((await world.api('GET', `/api/v1/monitoring/${KORIYAMA}`, undefined, null as unknown as string)).status, 401);
    assert.equal((await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-05`, { count: 1 }, aizuAdmin)).status, 403);
    assert.equal((await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-05`, { count: 1 }, auditor)).status, 403);
  });

  it('should refuse bad periods and counts with the field named', async () => {
    const bad = await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-13&to=2025-06`, undefined, admin);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors?.[0]?.name ?? bad.body.problems?.[0]?.name, 'from', JSON.stringify(bad.body));
    assert.equal((await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-06&to=2025-04`, undefined, admin)).status, 400);
    assert.equal((await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2020-01&to=2025-06`, undefined, admin)).status, 400, 'more than 36 months');
    assert.equal((await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-05`, { count: -1 }, admin)).status, 400);
    assert.equal((await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/no-such/2025-05`, { count: 1 }, admin)).status, 404);
    assert.equal((await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-5`, { count: 1 }, admin)).status, 400);
  });

  it('should audit every paper count with the previous figure', async () => {
    await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-06`, { count: 2 }, admin);
    await world.api('PUT', `/api/v1/monitoring/${KORIYAMA}/paper-counts/${A}/2025-06`, { count: 3 }, admin);
    const log = await world.api('GET', `/api/v1/audit-events?lgCode=${KORIYAMA}`, undefined, world.adminToken);
    const recorded = (log.body.items ?? log.body.events).filter((e: { action: string }) => e.action === 'procedures.paper_count_recorded');
    assert.ok(recorded.some((e: { details: { month: string; count: number; previous: number } }) => e.details.month === '2025-06' && e.details.count === 3 && e.details.previous === 2), JSON.stringify(recorded));
    const got = await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-06&to=2025-06&procedure=${A}`, undefined, admin);
    assert.equal(got.body.procedures[0].months[0].paper, 3, 'a correction replaces the figure');
  });

  describe('the pages', () => {
    const signIn = async (email: string, role: string, lgCode: string) => {
      const browser = new CookieBrowser();
      const scope: Record<string, string> = lgCode === '070009' ? { level: 'prefecture', prefectureCode: '070009' } : { level: 'municipality', prefectureCode: '070009', lgCode };
      browser.setCookie(world.base, 'tsn_session', (await onboardStaff(world.app, world.adminToken, email, [{ role, scope }], lgCode)).sessionToken);
      return browser;
    };
    const get = async (browser: CookieBrowser, path: string) => {
      const response = await browser.request(`${world.base}${path}`, { headers: { accept: 'text/html' } });
      return { status: response.status, html: await response.text(), location: response.headers.get('location') };
    };
    let koriyamaAdmin: CookieBrowser;
    before(async () => {
      koriyamaAdmin = await signIn('kanri@city.koriyama.example.jp', 'municipal_admin', KORIYAMA);
    });

    it('a municipality’s staff should see the figures as charts with tables, and download the CSV', async () => {
      const home = await get(koriyamaAdmin, '/staff');
      assert.match(home.html, /href="\/staff\/monitoring"/);
      const page = await get(koriyamaAdmin, '/staff/monitoring?from=2025-04&to=2025-06');
      assert.equal(page.status, 200, page.html.slice(0, 500));
      const text = mainText(page.html);
      assert.match(text, /郡山市 すべての手続（2025-04 – 2025-06）/);
      // The applications chart is an image with a title and description; the table has the same figures.
      assert.match(page.html, /<svg role="img" aria-labelledby="chart-applications-title chart-applications-desc"/);
      assert.match(page.html, /<desc id="chart-applications-desc">[^<]*2025-05: 8/, 'May: 4 in the system and 4 on paper');
      const may = /<th scope="row" class="table__header">2025-05<\/th>([\s\S]*?)<\/tr>/.exec(page.html)![1]!.replace(/<[^>]+>/g, ' ').trim().split(/\s+/);
      assert.deepEqual(may, ['4', '3', '1', '4', '37.5%', '3', '10', '18.8', '1', '33.3%', '1', '1']);
      assert.match(page.html, /href="\/staff\/monitoring\?lgCode=072036&amp;from=2025-04&amp;to=2025-06&amp;procedure=kokuho-kanyu">国民健康保険の加入<\/a>/);
      const csvLink = /href="(\/api\/v1\/monitoring\/072036\?[^"]+)"/.exec(page.html)![1]!.replace(/&amp;/g, '&');
      const csv = await koriyamaAdmin.request(`${world.base}${csvLink}`);
      assert.equal(csv.status, 200, 'the session opens the CSV too');
      assert.deepEqual([...new Uint8Array(await csv.arrayBuffer()).subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      // One procedure's view.
      const one = await get(koriyamaAdmin, `/staff/monitoring?from=2025-04&to=2025-06&procedure=${B}`);
      assert.match(mainText(one.html), /保育施設の利用申込（2025-04 – 2025-06）/);
    });

    it('should say what is wrong with a period, and show an empty state', async () => {
      const bad = await get(koriyamaAdmin, '/staff/monitoring?from=2025-13&to=2025-06');
      assert.equal(bad.status, 400);
      assert.match(bad.html, /<title>エラー：/);
      assert.match(bad.html, /href="#from"[^>]*>開始月は YYYY-MM の形で入力してください/);
      const empty = await get(koriyamaAdmin, '/staff/monitoring?from=2024-01&to=2024-03');
      assert.match(mainText(empty.html), /この期間に数える申請はありません/);
    });

    it('should refuse another municipality’s figures and the comparison to a municipality', async () => {
      assert.equal((await get(koriyamaAdmin, `/staff/monitoring?lgCode=${AIZU}`)).status, 403);
      assert.equal((await get(koriyamaAdmin, '/staff/monitoring/prefecture')).status, 403);
      const resident = await get(new CookieBrowser(), '/staff/monitoring');
      assert.equal(resident.status, 303, 'anonymous: to the staff login');
    });

    it('a counter clerk should record paper applications, with errors linked to the fields', async () => {
      const clerkBrowser = await signIn('madoguchi@city.koriyama.example.jp', 'counter_clerk', KORIYAMA);
      const page = await get(clerkBrowser, '/staff/monitoring?from=2025-04&to=2025-06');
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.html, /id="months"/, 'no figures without read_monitoring');
      const post = (form: Record<string, string>) => clerkBrowser.request(`${world.base}/staff/monitoring/paper-counts?from=2025-04&to=2025-06`, { form: { _csrf: hiddenField(page.html, '_csrf'), lgCode: KORIYAMA, ...form } });
      const wrong = await post({ paperProcedure: '', paperMonth: '2025/5', paperCount: '三' });
      assert.equal(wrong.status, 422);
      const html = await wrong.text();
      for (const field of ['paperProcedure', 'paperMonth', 'paperCount']) assert.match(html, new RegExp(`href="#${field}"`));
      assert.match(html, /value="2025\/5"/, 'what was typed comes back');
      const ok = await post({ paperProcedure: B, paperMonth: '２０２５-０６', paperCount: '７' });
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get('location'), '/staff/monitoring?from=2025-04&to=2025-06&lgCode=072036&done=recorded');
      const got = await world.api('GET', `/api/v1/monitoring/${KORIYAMA}?from=2025-06&to=2025-06&procedure=${B}`, undefined, admin);
      assert.equal(got.body.procedures[0].months[0].paper, 7, 'full-width digits read');
      const other = await clerkBrowser.request(`${world.base}/staff/monitoring/paper-counts`, { form: { _csrf: hiddenField(page.html, '_csrf'), lgCode: AIZU, paperProcedure: B, paperMonth: '2025-06', paperCount: '1' } });
      assert.equal(other.status, 403);
    });

    it('prefecture staff should compare the municipalities, each linking to its figures', async () => {
      const pref = await signIn('kansa@pref.fukushima.example.jp', 'auditor', '070009');
      const page = await get(pref, `/staff/monitoring/prefecture?from=2025-04&to=2025-06&procedure=${A}`);
      assert.equal(page.status, 200, page.html.slice(0, 300));
      assert.match(page.html, /<svg role="img" aria-labelledby="chart-share-title chart-share-desc"/);
      assert.match(page.html, /<desc id="chart-share-desc">[^<]*郡山市: 33.3%/, '3 online of 5 in the system and 4 on paper');
      assert.match(page.html, /href="\/staff\/monitoring\?lgCode=072028&amp;from=2025-04&amp;to=2025-06&amp;procedure=kokuho-kanyu">会津若松市<\/a>/);
      const aizuView = await get(pref, `/staff/monitoring?lgCode=${AIZU}&from=2025-04&to=2025-06`);
      assert.equal(aizuView.status, 200);
      assert.match(mainText(aizuView.html), /会津若松市 すべての手続/);
    });
  });
});
