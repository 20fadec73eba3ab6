// Visit booking against the real server: staff set a department's calendar; residents see free
// times, book, cannot overbook a slot (also when two book the last place at once), see and cancel
// their own bookings only; staff list the day's bookings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';

const weekday = [{ from: '09:00', to: '12:00' }];
const CALENDAR = { slotMinutes: 60, capacity: 1, horizonDays: 30, weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday } };

describe('visit booking', () => {
  let app: TestApp;
  let base: string;
  let admin: string;
  let aizu: Record<string, string>;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${admin}` }) => {
    const response = await fetch(`${base}${path}`, { method, headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, etag: response.headers.get('etag') };
  };
  const page = async (path: string, cookie?: string, form?: Record<string, string>) => {
    const response = await fetch(`${base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    return { status: response.status, text: await response.text(), location: response.headers.get('location'), cookies: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
  };
  /** A signed-in resident's cookie jar (session and CSRF secret) and a way to post forms. */
  const person = async (email: string) => {
    const { sessionToken } = await registerResident(app, email);
    let cookie = `tsn_session=${sessionToken}`;
    return {
      get: async (path: string) => {
        const got = await page(path, cookie);
        if (got.cookies) cookie = `${cookie}; ${got.cookies}`;
        return got;
      },
      post: (path: string, csrf: string, form: Record<string, string>) => page(path, cookie, { _csrf: csrf, ...form }),
    };
  };

  before(async () => {
    ({ app, base } = await createListeningTestApp([5030, 5050]));
    admin = await platformAdminToken(app);
    aizu = (await tokenWithRole(app.ctx, 'aizu-admin', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' })).headers;
  });
  after(async () => app?.close());

  it('lets a municipality set a calendar for its own departments, with versions and clear refusals', async () => {
    const created = await api('PUT', '/api/v1/reservation-calendars/072028/kodomo', CALENDAR, aizu);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.etag, '"v1"');
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/kodomo', CALENDAR, aizu)).status, 428);
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/kodomo', CALENDAR, { ...aizu, 'if-match': '"v7"' })).status, 412);
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/kodomo', { ...CALENDAR, capacity: 3 }, { ...aizu, 'if-match': '"v1"' })).status, 200);
    const bad = await api('PUT', '/api/v1/reservation-calendars/072028/hoiku', { ...CALENDAR, weekly: { mon: [{ from: '09:00', to: '09:30' }] } }, aizu);
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /\/weekly\/mon\/0/);
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072036/kodomo', CALENDAR, aizu)).status, 403, '会津若松市 cannot set 郡山市\'s calendar');
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/no-such-dept', CALENDAR, aizu)).status, 404);
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/kodomo', CALENDAR, {})).status, 401);
  });

  it('books a free time, never overbooks it, and gives the place back on cancelling', async () => {
    assert.equal((await api('PUT', '/api/v1/reservation-calendars/072028/shimin', CALENDAR, { ...aizu, 'if-match': (await api('GET', '/api/v1/reservation-calendars/072028/shimin', undefined, {})).etag ?? '' })).status, 200, 'the demo calendar, narrowed to one place a slot');

    // Anyone sees the days; an open day links to its times.
    const days = await page('/reservations/072028/shimin');
    assert.equal(days.status, 200);
    // Not today, whose earlier times may be past: the test needs a day with more than one free
    // time, so that the one it books shows as full beside the others.
    const open = [...days.text.matchAll(/href="\/reservations\/072028\/shimin\?date=(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]!);
    const date = open[1] ?? open[0];
    assert.ok(date, 'some day within 30 days has free times');
    const visitor = await page(`/reservations/072028/shimin?date=${date}`);
    assert.match(visitor.text, /ログインして予約する/);

    const hanako = await person('booking-hanako@example.jp');
    const taro = await person('booking-taro@example.jp');
    const dayPage = await hanako.get(`/reservations/072028/shimin?date=${date}`);
    const time = /name="time" type="radio" value="(\d\d:\d\d)"/.exec(dayPage.text)?.[1] ?? /type="radio"[^>]*value="(\d\d:\d\d)"/.exec(dayPage.text)?.[1];
    assert.ok(time, dayPage.text.slice(0, 300));
    const booked = await hanako.post('/reservations/072028/shimin', hiddenField(dayPage.text, '_csrf'), { date, time, purpose: '転入届' });
    assert.equal(booked.status, 303, booked.text.slice(0, 500));
    const mine = await hanako.get(booked.location!);
    assert.match(mine.text, /予約しました/);
    const number = /予約番号は ([2-9A-Z]{4}-[2-9A-Z]{4}) です/.exec(mine.text)?.[1];
    assert.ok(number);
    assert.match((await hanako.get('/')).text, new RegExp(`あなたの来庁予約[^]*予約番号 ${number}`), 'her home page shows the booking');

    // The one place is taken: 太郎 sees it full and cannot book it; 花子 cannot book it twice.
    const taroPage = await taro.get(`/reservations/072028/shimin?date=${date}`);
    assert.match(taroPage.text, new RegExp(`value="${time}"[^>]*disabled`));
    const refused = await taro.post('/reservations/072028/shimin', hiddenField(taroPage.text, '_csrf'), { date, time });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /満員|空きのある時間/);
    const again = await hanako.post('/reservations/072028/shimin', hiddenField(dayPage.text, '_csrf'), { date, time });
    assert.equal(again.status, 400);

    // 太郎 cannot see or cancel her booking.
    const id = booked.location!.split('/').pop()!.split('?')[0]!;
    assert.equal((await taro.get(`/account/reservations/${id}`)).status, 404);
    assert.equal((await taro.post(`/account/reservations/${id}/cancel`, hiddenField(taroPage.text, '_csrf'), {})).status, 404);

    // Staff see it on the day's list.
    const staffList = await api('GET', `/api/v1/reservations?lgCode=072028&department=shimin&date=${date}`, undefined, aizu);
    assert.equal(staffList.status, 200);
    assert.ok(staffList.body.items.some((b: { number: string; purpose: string }) => b.number === number && b.purpose === '転入届'));
    assert.equal((await api('GET', `/api/v1/reservations?lgCode=072028&department=shimin&date=${date}`, undefined, {})).status, 401);
    const clerk = (await onboardStaff(app, admin, 'clerk@city.aizuwakamatsu.example.jp', [{ role: 'counter_clerk', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }])).sessionToken;
    const counter = await page(`/staff/reservations?counter=072028/shimin&date=${date}`, `tsn_session=${clerk}`);
    assert.equal(counter.status, 200);
    assert.match(counter.text, new RegExp(`${number}</td><td[^>]*>転入届`));
    assert.equal((await page(`/staff/reservations?counter=072036/shimin&date=${date}`, `tsn_session=${clerk}`)).status, 403, 'not 郡山市\'s counter');

    // She cancels; the place is free again, and 太郎 books it.
    const cancelled = await hanako.post(`/account/reservations/${id}/cancel`, hiddenField(mine.text, '_csrf'), {});
    assert.equal(cancelled.status, 303);
    assert.match((await hanako.get('/account/reservations')).text, /取消済み/);
    const freed = await taro.get(`/reservations/072028/shimin?date=${date}`);
    assert.equal((await taro.post('/reservations/072028/shimin', hiddenField(freed.text, '_csrf'), { date, time })).status, 303);
    assert.match((await hanako.get('/account/notifications')).text, /来庁予約を取り消しました/);
  });

  it('gives the last place to exactly one of two people booking it at the same moment', async () => {
    const days = await page('/reservations/072028/shimin');
    const dates = [...days.text.matchAll(/href="\/reservations\/072028\/shimin\?date=(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]!);
    const date = dates.at(-1)!;
    const people = await Promise.all([person('race-a@example.jp'), person('race-b@example.jp'), person('race-c@example.jp')]);
    const pages = await Promise.all(people.map((p) => p.get(`/reservations/072028/shimin?date=${date}`)));
    const time = /type="radio"[^>]*value="(\d\d:\d\d)"/.exec(pages[0]!.text)?.[1] ?? /value="(\d\d:\d\d)"[^>]*type="radio"/.exec(pages[0]!.text)?.[1];
    assert.ok(time);
    const results = await Promise.all(people.map((p, i) => p.post('/reservations/072028/shimin', hiddenField(pages[i]!.text, '_csrf'), { date, time })));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 400, 400]);
  });

  it('links a counter procedure to its department\'s bookings, and only where the department takes bookings', async () => {
    // 転入届 is done at 市民課, which has a calendar; 未熟児養育医療 at 健康増進課, which has none.
    const counter = await page('/procedures/072028/tennyu-todoke');
    assert.equal(counter.status, 200);
    assert.match(counter.text, /<a href="\/reservations\/072028\/shimin">「市民課」の来庁予約をする<\/a>/);
    const noCalendar = await page('/procedures/072028/mijukuji-iryou');
    assert.equal(noCalendar.status, 200);
    assert.doesNotMatch(noCalendar.text, /来庁予約をする/);
    const online = await page('/procedures/072028/juminhyo-utsushi');
    assert.doesNotMatch(online.text, /来庁予約をする/, 'an online procedure needs no visit');
    // The navigation's result links the counter steps the same way.
    const answers = ['previous-address:other-prefecture', 'has-card:no', 'health-insurance:employer', 'children:no', 'seal:yes', 'water:no'];
    const result = await page(`/life-events/moving-in/072028/result?v=1&${answers.map((a) => `a=${encodeURIComponent(a)}`).join('&')}`);
    assert.equal(result.status, 200, result.location ?? '');
    assert.match(result.text, /印鑑登録/);
    assert.match(result.text, /<a href="\/reservations\/072028\/shimin">「市民課」の来庁予約をする<\/a>/);
  });
});
