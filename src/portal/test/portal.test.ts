// The portal shell: notices published by the prefecture and municipalities (API with versions
// and tenant guards; public pages that respect the publication window), the notifications centre,
// and what the home page shows a visitor and a signed-in resident.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import { identityDb } from '../../identity/db/schema.ts';
import { ProfileStore } from '../../identity/profile/profile.ts';
import { onboardStaff, registerResident } from '../../identity/test/identity-helpers.ts';
import { tokenWithRole } from '../../platform/authz/test/helpers.ts';
import { readOutbox } from '../../platform/mail/transports.ts';
import { notify } from '../exports.ts';

describe('portal: notices, notifications and the home page', () => {
  let app: TestApp;
  let base: string;
  let admin: string;
  let koriyama: Record<string, string>;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${admin}` }) => {
    const response = await fetch(`${base}${path}`, { method, headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, etag: response.headers.get('etag') };
  };
  const page = async (path: string, cookie?: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) } });
    return { status: response.status, text: await response.text(), location: response.headers.get('location'), cookies: response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
  };
  const notice = (extra: Record<string, unknown> = {}) => ({ lgCode: '072036', category: 'info', title: { ja: '郡山市からのお知らせ', en: 'From Koriyama' }, body: { ja: '一段落目です。\n\n二段落目です。' }, ...extra });

  before(async () => {
    ({ app, base } = await createListeningTestApp([5010, 5030]));
    admin = await platformAdminToken(app);
    koriyama = (await tokenWithRole(app.ctx, 'koriyama-admin', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072036' })).headers;
  });
  after(async () => app?.close());

  it('publishes a notice, lists it for the municipality with the prefecture’s, and shows it as paragraphs', async () => {
    const created = await api('POST', '/api/v1/notices', notice(), koriyama);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.etag, '"v1"');
    const prefecture = await api('POST', '/api/v1/notices', { ...notice(), lgCode: '070009', category: 'emergency', title: { ja: '大雨による避難情報', en: 'Evacuation information' } });
    assert.equal(prefecture.status, 201);

    const list = await page('/notices?municipality=072036');
    assert.equal(list.status, 200);
    assert.ok(list.text.indexOf('大雨による避難情報') < list.text.indexOf('郡山市からのお知らせ'), 'the emergency comes first');
    assert.match(list.text, /緊急/);
    const aizu = await page('/notices?municipality=072028');
    assert.doesNotMatch(aizu.text, /郡山市からのお知らせ/, "another city's notice is not in 会津若松市's list");
    assert.match(aizu.text, /大雨による避難情報/);

    const one = await page(`/notices/072036/${created.body.id}`);
    assert.equal(one.status, 200);
    assert.match(one.text, /<p>一段落目です。<\/p><p>二段落目です。<\/p>/);
    const open = await api('GET', `/api/v1/notices?lgCode=072036`, undefined, {});
    assert.ok(open.body.items.some((n: { id: string }) => n.id === created.body.id), 'the open API lists it without a token');
  });

  it('keeps scheduled and expired notices off the public pages, but shows them to their editors', async () => {
    const later = await api('POST', '/api/v1/notices', notice({ title: { ja: '来月の予定' }, publishedFrom: new Date(Date.now() + 86_400_000 * 30).toISOString() }), koriyama);
    assert.equal(later.status, 201);
    assert.equal((await page(`/notices/072036/${later.body.id}`)).status, 404);
    assert.doesNotMatch((await page('/notices?municipality=072036')).text, /来月の予定/);
    assert.equal((await api('GET', `/api/v1/notices/072036/${later.body.id}`, undefined, {})).status, 404);
    assert.equal((await api('GET', `/api/v1/notices/072036/${later.body.id}`, undefined, koriyama)).status, 200);
    const all = await api('GET', '/api/v1/notices?lgCode=072036&all=true', undefined, koriyama);
    assert.ok(all.body.items.some((n: { id: string }) => n.id === later.body.id));
  });

  it('refuses bad notices, other tenants’ notices and stale or blind updates', async () => {
    const window = await api('POST', '/api/v1/notices', notice({ publishedFrom: '2026-12-10T00:00:00Z', publishedUntil: '2026-12-01T00:00:00Z' }), koriyama);
    assert.equal(window.status, 400);
    assert.match(JSON.stringify(window.body), /publishedUntil/);
    assert.equal((await api('POST', '/api/v1/notices', notice({ category: 'urgent' }), koriyama)).status, 400);
    assert.equal((await api('POST', '/api/v1/notices', notice({ title: { ja: '' } }), koriyama)).status, 400);
    assert.equal((await api('POST', '/api/v1/notices', notice({ lgCode: '072028' }), koriyama)).status, 403, '郡山市 cannot publish for 会津若松市');
    assert.equal((await api('POST', '/api/v1/notices', notice(), {})).status, 401);

    const created = await api('POST', '/api/v1/notices', notice({ title: { ja: '改訂前' } }), koriyama);
    const path = `/api/v1/notices/072036/${created.body.id}`;
    assert.equal((await api('PUT', path, notice({ title: { ja: '改訂後' } }), koriyama)).status, 428);
    const updated = await api('PUT', path, notice({ title: { ja: '改訂後' } }), { ...koriyama, 'if-match': '"v1"' });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.etag, '"v2"');
    assert.equal((await api('PUT', path, notice({ title: { ja: '古い版からの上書き' } }), { ...koriyama, 'if-match': '"v1"' })).status, 412);
    assert.equal((await api('DELETE', path, undefined, { ...koriyama, 'if-match': '"v1"' })).status, 412);
    assert.equal((await api('DELETE', path, undefined, { ...koriyama, 'if-match': '"v2"' })).status, 204);
    assert.equal((await api('GET', path, undefined, koriyama)).status, 404);
    assert.equal((await api('GET', '/api/v1/notices?lgCode=7203', undefined, {})).status, 400);
  });

  it('shows a visitor the notices on the home page, and a resident their own municipality’s and their notifications', async () => {
    const visitor = await page('/');
    assert.equal(visitor.status, 200);
    assert.match(visitor.text, /<h2 id="home-notices">お知らせ<\/h2>/);
    assert.match(visitor.text, /大雨による避難情報/);
    assert.doesNotMatch(visitor.text, /あなたへ/);

    const { accountId, sessionToken } = await registerResident(app, 'portal-resident@example.jp');
    await new ProfileStore(app.ctx.sealer).save(
      identityDb(app.ctx.db),
      accountId,
      { personal: { familyName: '郡山', givenName: '花子', familyNameKana: 'コオリヤマ', givenNameKana: 'ハナコ', birthDate: '1990-04-01', postalCode: '9638601', addressLine: '朝日一丁目23-7', phone: '0249240000', household: [] }, residenceLgCode: '072036', workplaceLgCode: null, language: 'ja', contact: { email: true, inApp: true } },
      null,
    );
    const cookie = `tsn_session=${sessionToken}`;
    const empty = await page('/account/notifications', cookie);
    assert.equal(empty.status, 200);
    assert.match(empty.text, /通知はまだありません/);

    await notify(app.ctx, accountId, { lgCode: '072036', title: { ja: '申請を受け付けました', en: 'Application received' }, body: { ja: '受付番号 123', en: 'Number 123' }, link: '/account' });
    await notify(app.ctx, accountId, { lgCode: '072036', title: { ja: '二つ目の通知', en: 'Second' } });
    const home = await page('/', cookie);
    assert.match(home.text, /未読の通知が 2 件あります/);
    assert.match(home.text, /郡山市と県からのお知らせ/);

    const inbox = await page('/account/notifications', cookie);
    assert.match(inbox.text, /2 件（未読 2 件）/);
    assert.match(inbox.text, /申請を受け付けました/);
    const first = /action="\/account\/notifications\/([0-9a-f-]{36})\/open"/g;
    const ids = [...inbox.text.matchAll(first)].map((m) => m[1]!);
    assert.equal(ids.length, 2);
    const csrf = hiddenField(inbox.text, '_csrf');
    const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookie}; ${inbox.cookies}` } });
    // The newest is listed first; opening the older one follows its link and marks it read.
    const opened = await page(`/account/notifications/${ids[1]}/open`, undefined, form({ _csrf: csrf }));
    assert.equal(opened.status, 303);
    assert.equal(opened.location, '/account');
    assert.match((await page('/account/notifications', cookie)).text, /2 件（未読 1 件）/);

    // Someone else cannot open it; without the CSRF token nothing happens.
    const other = await registerResident(app, 'portal-other@example.jp');
    const stranger = await page(`/account/notifications/${ids[0]}/open`, undefined, { ...form({ _csrf: csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tsn_session=${other.sessionToken}; ${inbox.cookies}` } });
    assert.equal(stranger.status, 404);
    const forged = await page('/account/notifications/read-all', undefined, form({}));
    assert.equal(forged.status, 403);
    assert.match((await page('/account/notifications', cookie)).text, /未読 1 件/);

    const all = await page('/account/notifications/read-all', undefined, form({ _csrf: csrf }));
    assert.equal(all.status, 303);
    assert.match((await page('/account/notifications', cookie)).text, /2 件（未読 0 件）/);
    assert.match((await page('/', cookie)).text, /未読の通知はありません/);
  });

  it('lets a municipality\'s administrator publish and end a notice from the staff pages, with errors kept on the form', async () => {
    const staff = (await onboardStaff(app, admin, 'notices@city.koriyama.example.jp', [{ role: 'municipal_admin', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072036' } }])).sessionToken;
    const cookie = `tsn_session=${staff}`;
    const home = await page('/staff', cookie);
    assert.match(home.text, /href="\/staff\/notices"/);
    const form = await page('/staff/notices', cookie);
    assert.equal(form.status, 200);
    const jar = `${cookie}; ${form.cookies}`;
    const post = (path: string, fields: Record<string, string>) =>
      page(path, undefined, { method: 'POST', body: new URLSearchParams({ _csrf: hiddenField(form.text, '_csrf'), ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar } });

    const missing = await post('/staff/notices', { lgCode: '072036', category: 'important', titleJa: '', bodyJa: '本文だけ', until: '2026-02-30' });
    assert.equal(missing.status, 400);
    assert.match(missing.text, /題名（日本語）を入力してください/);
    assert.match(missing.text, /掲載終了日は YYYY-MM-DD の日付です/);
    assert.match(missing.text, />本文だけ<\/textarea>/, 'what was typed is kept');
    assert.equal((await post('/staff/notices', { lgCode: '072028', category: 'info', titleJa: 'x', bodyJa: 'y' })).status, 403, 'not for another city');

    const published = await post('/staff/notices', { lgCode: '072036', category: 'important', titleJa: '窓口の混雑について', bodyJa: '月曜の午前は混み合います。' });
    assert.equal(published.status, 303);
    assert.match((await page('/notices?municipality=072036')).text, /窓口の混雑について/);
    const list = await page('/staff/notices', cookie);
    const end = /action="(\/staff\/notices\/072036\/[0-9a-f-]{36}\/end)"[^]*?name="version" value="(\d+)"/.exec(list.text.slice(list.text.indexOf('窓口の混雑について')));
    assert.ok(end);
    assert.equal((await post(end[1]!, { version: '99' })).status, 412, 'a stale page cannot end it');
    assert.equal((await post(end[1]!, { version: end[2]! })).status, 303);
    assert.doesNotMatch((await page('/notices?municipality=072036')).text, /窓口の混雑について/);
    assert.match((await page('/staff/notices', cookie)).text, /掲載終了/);

    const resident = await registerResident(app, 'not-staff@example.jp');
    assert.equal((await page('/staff/notices', `tsn_session=${resident.sessionToken}`)).status, 403);
  });

  it('sends an e-mail copy only to those who chose e-mail, and keeps notices read for those who turned My page notices off', async () => {
    const profile = (residence: string, contact: { email: boolean; inApp: boolean }, language: 'ja' | 'en' = 'ja') => ({ personal: { familyName: '福島', givenName: '一郎', familyNameKana: 'フクシマ', givenNameKana: 'イチロウ', birthDate: '1985-01-01', postalCode: '9608670', addressLine: '五老内町3-1', phone: '0245000000', household: [] }, residenceLgCode: residence, workplaceLgCode: null, language, contact });
    const byMail = await registerResident(app, 'mail-yes@example.jp');
    await new ProfileStore(app.ctx.sealer).save(identityDb(app.ctx.db), byMail.accountId, profile('072010', { email: true, inApp: false }, 'en'), null);
    const noMail = await registerResident(app, 'mail-no@example.jp');
    await new ProfileStore(app.ctx.sealer).save(identityDb(app.ctx.db), noMail.accountId, profile('072010', { email: false, inApp: true }), null);

    for (const who of [byMail, noMail]) await notify(app.ctx, who.accountId, { lgCode: '072010', title: { ja: '申請を受け付けました', en: 'Application received' }, link: '/account' });
    await app.ctx.queue.runDue();
    const outbox = await readOutbox(app.ctx.db, app.ctx.sealer, { limit: 50, offset: 0 });
    const sent = outbox.filter((m) => m.to === 'mail-yes@example.jp' && m.subject.includes('Application'));
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.subject, '[Tsunagu] Application received', 'in the language of their profile');
    assert.match(sent[0]!.text, new RegExp(`${base}/account`));
    assert.ok(!outbox.some((m) => m.to === 'mail-no@example.jp' && m.subject.includes('申請')), 'no mail for someone who turned e-mail off');

    assert.match((await page('/account/notifications', `tsn_session=${byMail.sessionToken}`)).text, /未読 0 件/, 'kept, already read, when My page notices are off');
    assert.match((await page('/account/notifications', `tsn_session=${noMail.sessionToken}`)).text, /未読 1 件/);
  });
});
