import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { logInWithPassword, completeWithCode } from '../accounts/log-in.ts';
import { requestPasswordReset, resetPassword } from '../accounts/reset-password.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import type { IdentityContext } from '../identity-context.ts';
import { identityOf, lastMailTo, linkToken, meta, whoAmI } from './identity-helpers.ts';

describe('resident accounts (common ID)', () => {
  let app: TestApp;
  let id: IdentityContext;
  before(async () => {
    app = await createTestApp({ config: { smtpUrl: undefined } });
    id = identityOf(app);
  });
  after(async () => app?.close());

  async function registered(email: string, password = 'correct horse battery') {
    await signUpResident(id, { email, password }, meta);
    const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
    assert.ok(verified.ok);
    return verified.sessionToken;
  }

  it('signUpResident then verifyEmail should sign the resident in at level C, with the address sealed at rest', async () => {
    await signUpResident(id, { email: 'hanako@example.jp', password: 'sakura-no-hana-2026' }, meta);
    const mail = await lastMailTo(app, 'hanako@example.jp');
    assert.match(mail.subject, /メールアドレスの確認/);
    const result = await verifyEmail(id, linkToken(mail.text), meta);
    assert.ok(result.ok);
    const me = await whoAmI(app, result.sessionToken);
    assert.equal(me.status, 200);
    assert.equal(me.body.account.kind, 'resident');
    assert.equal(me.body.account.assuranceLevel, 'C');
    assert.equal(me.body.account.lgCode, '070009');
    const row = await app.ctx.db.selectFrom('identity_accounts' as never).selectAll().execute();
    assert.ok(!JSON.stringify(row).includes('hanako@example.jp'), 'the address must not be stored in clear');
  });

  it('verifyEmail should refuse a link used twice and an unknown link', async () => {
    await signUpResident(id, { email: 'twice@example.jp', password: 'twice-is-too-many' }, meta);
    const token = linkToken((await lastMailTo(app, 'twice@example.jp')).text);
    assert.ok((await verifyEmail(id, token, meta)).ok);
    assert.deepEqual(await verifyEmail(id, token, meta), { ok: false, reason: 'used' });
    assert.deepEqual(await verifyEmail(id, 'x'.repeat(43), meta), { ok: false, reason: 'unknown' });
  });

  it('signing up with a registered address should answer the same and mail the owner instead of making a second account', async () => {
    await registered('taken@example.jp');
    await signUpResident(id, { email: 'taken@example.jp', password: 'someone-else-entirely' }, meta);
    const mail = await lastMailTo(app, 'taken@example.jp');
    assert.match(mail.subject, /登録済み/);
    const count = await id.db.selectFrom('identity_accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('email_index', '=', id.accounts.emailIndex('taken@example.jp')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    assert.equal((await logInWithPassword(id, { kind: 'resident', email: 'taken@example.jp', password: 'someone-else-entirely' }, meta)).outcome, 'invalid');
  });

  it('logInWithPassword should answer "invalid" alike for a wrong password and an unknown address', async () => {
    await registered('login@example.jp', 'my-long-password-1');
    assert.deepEqual(await logInWithPassword(id, { kind: 'resident', email: 'login@example.jp', password: 'wrong-password-xx' }, meta), { outcome: 'invalid' });
    assert.deepEqual(await logInWithPassword(id, { kind: 'resident', email: 'nobody@example.jp', password: 'wrong-password-xx' }, meta), { outcome: 'invalid' });
    const ok = await logInWithPassword(id, { kind: 'resident', email: 'login@example.jp', password: 'my-long-password-1' }, meta);
    assert.equal(ok.outcome, 'signed_in');
  });

  it('the sixth wrong password in a row should lock the address for a while, registered or not, and the right password waits too', async () => {
    await registered('guess@example.jp', 'right-password-123');
    for (const email of ['guess@example.jp', 'ghost@example.jp']) {
      const outcomes = [];
      for (let i = 0; i < 6; i++) outcomes.push((await logInWithPassword(id, { kind: 'resident', email, password: `wrong-${i}-password` }, meta)).outcome);
      assert.deepEqual(outcomes, ['invalid', 'invalid', 'invalid', 'invalid', 'locked', 'locked']);
    }
    const blocked = await logInWithPassword(id, { kind: 'resident', email: 'guess@example.jp', password: 'right-password-123' }, meta);
    assert.equal(blocked.outcome, 'locked');
    const events = await app.ctx.db.selectFrom('platform_audit_events').select(['action', 'details']).where('action', '=', 'identity.login_failed').execute();
    assert.ok(events.length >= 10);
    assert.ok(!JSON.stringify(events).includes('guess@example.jp'), 'audit details must not hold the address');
  });

  it('an unverified account with the right password should get a new confirmation link, not a session', async () => {
    await signUpResident(id, { email: 'late@example.jp', password: 'confirm-later-please' }, meta);
    const first = linkToken((await lastMailTo(app, 'late@example.jp')).text);
    assert.deepEqual(await logInWithPassword(id, { kind: 'resident', email: 'late@example.jp', password: 'confirm-later-please' }, meta), { outcome: 'unverified' });
    const second = linkToken((await lastMailTo(app, 'late@example.jp')).text);
    assert.notEqual(first, second);
    assert.deepEqual(await verifyEmail(id, first, meta), { ok: false, reason: 'unknown' }, 'the older link is replaced');
    assert.ok((await verifyEmail(id, second, meta)).ok);
  });

  it('resetPassword should set the new password, end every session and refuse the link a second time', async () => {
    const session = await registered('forgot@example.jp', 'old-password-forgotten');
    await requestPasswordReset(id, { kind: 'resident', email: 'forgot@example.jp' }, meta);
    const token = linkToken((await lastMailTo(app, 'forgot@example.jp')).text);
    assert.deepEqual(await resetPassword(id, { token, password: 'brand-new-password-1' }, meta), { ok: true });
    assert.equal((await whoAmI(app, session)).status, 401, 'the old session has ended');
    assert.equal((await logInWithPassword(id, { kind: 'resident', email: 'forgot@example.jp', password: 'old-password-forgotten' }, meta)).outcome, 'invalid');
    assert.equal((await logInWithPassword(id, { kind: 'resident', email: 'forgot@example.jp', password: 'brand-new-password-1' }, meta)).outcome, 'signed_in');
    assert.deepEqual(await resetPassword(id, { token, password: 'third-password-try' }, meta), { ok: false, reason: 'used' });
    assert.match((await lastMailTo(app, 'forgot@example.jp')).subject, /パスワードが変更されました/);
  });

  it('a reset for an unknown address should mail that address that it has no account', async () => {
    await requestPasswordReset(id, { kind: 'resident', email: 'unknown@example.jp' }, meta);
    const mail = await lastMailTo(app, 'unknown@example.jp');
    assert.match(mail.text, /アカウントはありません/);
  });

  it('with an authenticator app, login should ask for a code, accept it once, and accept a recovery code once', async () => {
    await registered('totp@example.jp', 'totp-user-password');
    const account = (await id.accounts.findByEmail(id.db, 'resident', 'totp@example.jp'))!;
    const enrolment = await id.totp.startEnrolment(id.db, account.id, 'totp@example.jp');
    assert.match(enrolment.qrSvg, /<svg/);
    const recovery = await id.totp.confirmEnrolment(id.db, account.id, await generate({ secret: enrolment.secret }));
    assert.equal(recovery?.length, 10);

    const first = await logInWithPassword(id, { kind: 'resident', email: 'totp@example.jp', password: 'totp-user-password' }, meta);
    assert.equal(first.outcome, 'second_factor');
    if (first.outcome !== 'second_factor') return;
    assert.equal((await whoAmI(app, first.pendingToken)).status, 401, 'half a login is not a login');
    const pending = await id.sessions.find(id.db, first.pendingToken);
    // The code used at enrolment belongs to the current time step: it cannot be used again.
    assert.equal((await completeWithCode(id, pending, { method: 'otp', code: await generate({ secret: enrolment.secret }) }, meta)).outcome, 'invalid');
    const viaRecovery = await completeWithCode(id, pending, { method: 'recovery', code: recovery![0]!.toUpperCase() }, meta);
    assert.equal(viaRecovery.outcome, 'signed_in');
    if (viaRecovery.outcome !== 'signed_in') return;
    assert.deepEqual((await whoAmI(app, viaRecovery.sessionToken)).body.account.methods, ['pwd', 'recovery']);

    const again = await logInWithPassword(id, { kind: 'resident', email: 'totp@example.jp', password: 'totp-user-password' }, meta);
    if (again.outcome !== 'second_factor') return assert.fail('second factor expected');
    const pendingAgain = await id.sessions.find(id.db, again.pendingToken);
    assert.equal((await completeWithCode(id, pendingAgain, { method: 'recovery', code: recovery![0]! }, meta)).outcome, 'invalid', 'a recovery code works once');
    assert.equal(await id.totp.remainingRecoveryCodes(id.db, account.id), 9);
  });

  it('a session should end after the idle limit and at its absolute expiry', async () => {
    const token = await registered('idle@example.jp');
    const session = (await id.sessions.find(id.db, token))!;
    await id.db.updateTable('identity_sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('id_hash', '=', session.idHash).execute();
    assert.equal((await whoAmI(app, token)).status, 401);
    const token2 = (await logInWithPassword(id, { kind: 'resident', email: 'idle@example.jp', password: 'correct horse battery' }, meta)) as { sessionToken: string };
    const session2 = (await id.sessions.find(id.db, token2.sessionToken))!;
    await id.db.updateTable('identity_sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('id_hash', '=', session2.idHash).execute();
    assert.equal((await whoAmI(app, token2.sessionToken)).status, 401);
  });

  it('revokeAll should log out every device of the account but the one kept', async () => {
    await registered('devices@example.jp');
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(((await logInWithPassword(id, { kind: 'resident', email: 'devices@example.jp', password: 'correct horse battery' }, meta)) as { sessionToken: string }).sessionToken);
    const keep = (await id.sessions.find(id.db, tokens[0]!))!;
    await id.sessions.revokeAll(id.db, keep.accountId, keep.idHash);
    assert.deepEqual(await Promise.all(tokens.map(async (t) => (await whoAmI(app, t)).status)), [200, 401, 401]);
  });
});
