import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { issueApiToken } from '../../platform/authz/api-tokens.ts';
import { grantRole } from '../../platform/authz/role-assignments.ts';
import { system } from '../../platform/authz/actor.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import { completeWithCode, logInWithPassword } from '../accounts/log-in.ts';
import { identityOf, meta, onboardStaff, whoAmI } from './identity-helpers.ts';

describe('staff accounts', () => {
  let app: TestApp;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await createTestApp({ config: { smtpUrl: undefined } });
    for (const [name, role, scope] of [
      ['prefecture', 'platform_admin', { level: 'prefecture', prefectureCode: '070009' }],
      ['aizu', 'municipal_admin', { level: 'municipality', prefectureCode: '070009', lgCode: '072028' }],
    ] as const) {
      const issued = await issueApiToken(app.ctx.db, { name, createdBy: 'system' });
      await grantRole(app.ctx, system, { principalId: issued.principalId, role, scope }, { ip: null, requestId: null });
      tokens[name] = issued.token;
    }
  });
  after(async () => app?.close());

  const api = async (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => {
    const response = await app.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload: payload as object } : {}) });
    return { status: response.statusCode, body: response.json() as Record<string, any> };
  };

  /** Invites, accepts and enrols; returns the session and the TOTP secret. */
  const onboard = (email: string, lgCode: string, role = 'reviewer') => onboardStaff(app, tokens.prefecture!, email, [{ role, scope: { level: 'municipality', prefectureCode: '070009', lgCode } }], lgCode);

  it('an invited colleague should set a password, register an app and then hold the roles they were given', async () => {
    const { sessionToken, recoveryCodes, pendingToken } = await onboard('reviewer@city.koriyama.example.jp', '072036');
    assert.equal((await whoAmI(app, pendingToken)).status, 401, 'the half-finished login never signed in');
    assert.equal(recoveryCodes.length, 10);
    const me = await whoAmI(app, sessionToken);
    assert.equal(me.body.account.kind, 'staff');
    assert.deepEqual(me.body.account.methods, ['pwd', 'email', 'otp']);
    assert.deepEqual(me.body.roles.map((r: { role: string; scope: { lgCode: string } }) => [r.role, r.scope.lgCode]), [['reviewer', '072036']]);
  });

  it('a staff login should always need the second factor', async () => {
    const { secret } = await onboard('second@city.koriyama.example.jp', '072036');
    const id = identityOf(app);
    const login = await logInWithPassword(id, { kind: 'staff', email: 'second@city.koriyama.example.jp', password: 'staff-password-2026' }, meta);
    assert.equal(login.outcome, 'second_factor');
    const pending = await id.sessions.find(id.db, (login as { pendingToken: string }).pendingToken);
    // The code of the next 30-second step (the enrolment used the current one).
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    assert.equal((await completeWithCode(id, pending, { method: 'otp', code: next }, meta)).outcome, 'signed_in');
  });

  it('a resident account with the same address should not open the staff login', async () => {
    const id = identityOf(app);
    const login = await logInWithPassword(id, { kind: 'resident', email: 'reviewer@city.koriyama.example.jp', password: 'staff-password-2026' }, meta);
    assert.equal(login.outcome, 'invalid');
  });

  it('a municipal administrator should invite only into their own municipality and within their own rights', async () => {
    const other = await api('POST', '/api/v1/staff', tokens.aizu!, { email: 'x@city.koriyama.example.jp', displayName: 'x', lgCode: '072036', roles: [] });
    assert.equal(other.status, 403);
    const wider = await api('POST', '/api/v1/staff', tokens.aizu!, { email: 'y@city.aizuwakamatsu.example.jp', displayName: 'y', lgCode: '072028', roles: [{ role: 'reviewer', scope: { level: 'prefecture', prefectureCode: '070009' } }] });
    assert.equal(wider.status, 403);
    const none = await app.ctx.db.selectFrom('platform_audit_events').select('action').where('action', '=', 'identity.staff_invited').execute();
    const before = none.length;
    const own = await api('POST', '/api/v1/staff', tokens.aizu!, { email: 'z@city.aizuwakamatsu.example.jp', displayName: 'z', lgCode: '072028', roles: [{ role: 'reviewer', scope: { level: 'municipality', prefectureCode: '070009', lgCode: '072028' } }] });
    assert.equal(own.status, 201);
    const after = await app.ctx.db.selectFrom('platform_audit_events').select('action').where('action', '=', 'identity.staff_invited').execute();
    assert.equal(after.length, before + 1, 'refused invitations left nothing behind');
    const listed = await api('GET', '/api/v1/staff', tokens.aizu!);
    assert.ok(listed.body.items.every((s: { lgCode: string }) => s.lgCode === '072028'));
  });

  it('disabling a staff member should end their sessions at once', async () => {
    const { sessionToken, accountId } = await onboard('leaving@city.koriyama.example.jp', '072036');
    assert.equal((await whoAmI(app, sessionToken)).status, 200);
    assert.equal((await api('POST', `/api/v1/staff/${accountId}/disable`, tokens.prefecture!)).status, 200);
    assert.equal((await whoAmI(app, sessionToken)).status, 401);
    const login = await logInWithPassword(identityOf(app), { kind: 'staff', email: 'leaving@city.koriyama.example.jp', password: 'staff-password-2026' }, meta);
    assert.equal(login.outcome, 'invalid');
  });

  it('five wrong staff passwords should lock the login for 30 minutes', async () => {
    await onboard('locked@city.koriyama.example.jp', '072036');
    const id = identityOf(app);
    let last;
    for (let i = 0; i < 5; i++) last = await logInWithPassword(id, { kind: 'staff', email: 'locked@city.koriyama.example.jp', password: `wrong-${i}-password!` }, meta);
    assert.equal(last?.outcome, 'locked');
    const minutes = ((last as { until: Date }).until.getTime() - Date.now()) / 60_000;
    assert.ok(minutes > 29 && minutes <= 30, `locked for ${minutes} minutes`);
  });
});
