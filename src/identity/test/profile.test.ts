import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { normaliseKana } from '../profile/kana.ts';
import { ProfileStore } from '../profile/profile.ts';
import { identityOf, lastMailTo, linkToken, meta } from './identity-helpers.ts';

describe('the resident profile (都市OS保有データ)', () => {
  let app: TestApp;
  let base: string;
  before(async () => {
    const port = await freePort(3860, 3870);
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp({ config: { smtpUrl: undefined, publicUrl: base, port } });
    await app.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => app?.close());

  async function signedIn(email: string) {
    const id = identityOf(app);
    await signUpResident(id, { email, password: 'profile-password' }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    const browser = new CookieBrowser();
    browser.setCookie(base, 'tsn_session', verified.sessionToken);
    return { browser, accountId: (await id.accounts.findByEmail(id.db, 'resident', email))!.id };
  }

  const filled = (csrf: string, over: Record<string, string> = {}) => ({
    _csrf: csrf, version: 'new', familyName: '神山', givenName: '﨑子', familyNameKana: 'ｶﾐﾔﾏ', givenNameKana: 'さきこ',
    'birthDate-year': '１９９０', 'birthDate-month': '4', 'birthDate-day': '1', postalCode: '９６０－８６７０', residence: '072010', addressLine: '杉妻町2-16', phone: '', workplace: '072036', language: 'ja', ...over,
  });

  it('normaliseKana should turn half-width katakana and hiragana into full-width katakana', () => {
    assert.equal(normaliseKana('ﾀﾅｶ ﾀﾛｳ'), 'タナカ タロウ');
    assert.equal(normaliseKana('がっこう　はなこ'), 'ガッコウ ハナコ');
    assert.equal(normaliseKana('ﾊﾟﾋﾟﾌﾟ'), 'パピプ');
  });

  it('saving the profile should keep names byte for byte (CJK compatibility ideographs too) and normalise the kana and postcode', async () => {
    const { browser, accountId } = await signedIn('profile@example.jp');
    const html = await (await browser.request(`${base}/account/profile`)).text();
    // 神 here is U+FA19, a compatibility ideograph that Unicode normalisation would replace.
    const name = '\uFA19山';
    const saved = await browser.follow(`${base}/account/profile`, { form: filled(hiddenField(html, '_csrf'), { familyName: name }) });
    assert.match(saved.location, /\/account\?done=profile$/);
    const profile = (await new ProfileStore(app.ctx.sealer).find(identityOf(app).db, accountId))!;
    assert.equal(Buffer.compare(Buffer.from(profile.personal.familyName), Buffer.from(name)), 0);
    assert.equal(profile.personal.givenName, '﨑子');
    assert.equal(profile.personal.familyNameKana, 'カミヤマ');
    assert.equal(profile.personal.givenNameKana, 'サキコ');
    assert.equal(profile.personal.birthDate, '1990-04-01');
    assert.equal(profile.personal.postalCode, '960-8670');
    assert.equal(profile.workplaceLgCode, '072036');
  });

  it('a form with problems should come back with 422, the summary, and what was typed', async () => {
    const { browser } = await signedIn('mistakes@example.jp');
    const html = await (await browser.request(`${base}/account/profile`)).text();
    const answer = await browser.request(`${base}/account/profile`, { form: filled(hiddenField(html, '_csrf'), { familyNameKana: 'Kamiyama', 'birthDate-day': '31', 'birthDate-month': '2', postalCode: '12', residence: '999999' }) });
    assert.equal(answer.status, 422);
    const body = await answer.text();
    assert.match(body, /<title>エラー：/);
    for (const id of ['familyNameKana', 'birthDate-day', 'postalCode', 'residence']) assert.match(body, new RegExp(`href="#${id}"`), `the summary links to ${id}`);
    assert.match(body, /value="Kamiyama"/, 'what was typed is kept');
  });

  it('a save from a stale form should be refused with the current details, not overwrite them', async () => {
    const { browser, accountId } = await signedIn('stale@example.jp');
    const first = await (await browser.request(`${base}/account/profile`)).text();
    await browser.follow(`${base}/account/profile`, { form: filled(hiddenField(first, '_csrf')) });
    const two = await (await browser.request(`${base}/account/profile`)).text();
    const version = /name="version" value="(\d+)"/.exec(two)![1]!;
    await browser.follow(`${base}/account/profile`, { form: filled(hiddenField(two, '_csrf'), { version, phone: '024-521-1111' }) });
    const late = await browser.request(`${base}/account/profile`, { form: filled(hiddenField(two, '_csrf'), { version, phone: '03-0000-0000' }) });
    assert.equal(late.status, 409);
    assert.equal((await new ProfileStore(app.ctx.sealer).find(identityOf(app).db, accountId))!.personal.phone, '024-521-1111');
  });

  it('household members should be added with normalised kana and removed again', async () => {
    const { browser, accountId } = await signedIn('family@example.jp');
    const html = await (await browser.request(`${base}/account/profile`)).text();
    await browser.follow(`${base}/account/profile`, { form: filled(hiddenField(html, '_csrf')) });
    const page = await (await browser.request(`${base}/account/profile/household`)).text();
    assert.match(page, /まだ登録されていません/);
    const version = /name="version" value="(\d+)"/.exec(page)![1]!;
    const wrong = await browser.request(`${base}/account/profile/household/add`, { form: { _csrf: hiddenField(page, '_csrf'), version, familyName: '神山' } });
    assert.equal(wrong.status, 422);
    await browser.follow(`${base}/account/profile/household/add`, { form: { _csrf: hiddenField(page, '_csrf'), version, familyName: '神山', givenName: '太郎', familyNameKana: 'かみやま', givenNameKana: 'ﾀﾛｳ', relationship: 'child', 'birthDate-year': '2020', 'birthDate-month': '6', 'birthDate-day': '15' } });
    const profiles = new ProfileStore(app.ctx.sealer);
    const withChild = (await profiles.find(identityOf(app).db, accountId))!;
    assert.deepEqual(withChild.personal.household, [{ familyName: '神山', givenName: '太郎', familyNameKana: 'カミヤマ', givenNameKana: 'タロウ', relationship: 'child', birthDate: '2020-06-15' }]);
    const listed = await (await browser.request(`${base}/account/profile/household`)).text();
    await browser.follow(`${base}/account/profile/household/0/remove`, { form: { _csrf: hiddenField(listed, '_csrf'), version: String(withChild.version) } });
    assert.deepEqual((await profiles.find(identityOf(app).db, accountId))!.personal.household, []);
  });
});
