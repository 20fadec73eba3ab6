// Changing a resident's e-mail address, through the real pages: the password is asked again, the
// new address confirms by link (to the same account only, once), the old address is told, and an
// address that belongs to someone else is said only in the mail to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieBrowser, hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { createListeningTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { logInWithPassword } from '../accounts/log-in.ts';
import { identityOf, lastMailTo, linkToken, meta, registerResident } from './identity-helpers.ts';

describe('changing the e-mail address', () => {
  let app: TestApp;
  let base: string;

  before(async () => {
    ({ app, base } = await createListeningTestApp([4500, 4550]));
  });
  after(async () => app?.close());

  async function resident(email: string) {
    const { sessionToken } = await registerResident(app, email);
    const browser = new CookieBrowser();
    browser.setCookie(base, 'tsn_session', sessionToken);
    return browser;
  }

  async function ask(browser: CookieBrowser, form: Record<string, string>) {
    const page = await (await browser.request(`${base}/account/email`)).text();
    const response = await browser.request(`${base}/account/email`, { form: { _csrf: hiddenField(page, '_csrf'), ...form } });
    return { status: response.status, location: response.headers.get('location'), html: response.status === 422 ? await response.text() : '' };
  }

  it('moves the account to a confirmed new address and tells the old one', async () => {
    const browser = await resident('before@example.jp');
    const wrong = await ask(browser, { email: 'after@example.jp', password: 'not-my-password' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.html, /パスワードが正しくありません/);
    const same = await ask(browser, { email: 'before@example.jp', password: 'long-enough-password' });
    assert.equal(same.status, 422);
    assert.match(same.html, /今と同じメールアドレスです/);
    const sent = await ask(browser, { email: 'ＡＦＴＥＲ@example.jp', password: 'long-enough-password' });
    assert.equal(sent.location, '/account/email/sent', 'the address is normalised like at sign-up');
    const token = linkToken((await lastMailTo(app, 'after@example.jp')).text);

    // Another account cannot use the link.
    const other = await resident('other@example.jp');
    const foreign = await other.request(`${base}/account/email/confirm?token=${token}`);
    assert.equal(foreign.status, 400);

    const confirm = await (await browser.request(`${base}/account/email/confirm?token=${token}`)).text();
    assert.match(confirm, /after@example\.jp に変更します/);
    const done = await browser.request(`${base}/account/email/confirm`, { form: { _csrf: hiddenField(confirm, '_csrf'), token } });
    assert.equal(done.headers.get('location'), '/account?done=email');
    const account = await (await browser.request(`${base}/account`)).text();
    assert.match(account, /after@example\.jp/);
    assert.match((await lastMailTo(app, 'before@example.jp')).subject, /メールアドレスが変更されました/);

    const id = identityOf(app);
    assert.equal((await logInWithPassword(id, { kind: 'resident', email: 'after@example.jp', password: 'long-enough-password' }, meta)).outcome, 'signed_in');
    assert.equal((await logInWithPassword(id, { kind: 'resident', email: 'before@example.jp', password: 'long-enough-password' }, meta)).outcome, 'invalid');
    const again = await browser.request(`${base}/account/email/confirm?token=${token}`);
    assert.equal(again.status, 400, 'a link works once');
  });

  it('an address that belongs to someone else is said only in the mail to it', async () => {
    await resident('taken@example.jp');
    const browser = await resident('wants-taken@example.jp');
    const sent = await ask(browser, { email: 'taken@example.jp', password: 'long-enough-password' });
    assert.equal(sent.location, '/account/email/sent', 'the same answer as for a free address');
    assert.match((await lastMailTo(app, 'taken@example.jp')).subject, /このメールアドレスは使えません/);
  });
});
