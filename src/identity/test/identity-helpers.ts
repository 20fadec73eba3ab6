// Shared by the identity tests: a test app, the mail it sent, and a way to sign someone in.
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { TestApp } from '../../../test/helpers/test-database.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import { completeTotpEnrolment } from '../mfa/enrol-totp.ts';
import { acceptInvitation } from '../staff/invite-staff.ts';
import { readOutbox } from '../../platform/mail/transports.ts';
import { createIdentityContext, type IdentityContext, type RequestMeta } from '../identity-context.ts';

export const meta: RequestMeta = { ip: '192.0.2.10', requestId: 'test-request-0001', locale: 'ja', userAgent: 'node-test' };

export function identityOf(app: TestApp): IdentityContext {
  return createIdentityContext(app.ctx);
}

/**
 * Runs the queued mail jobs and returns the newest message to `to`. Waits a little when another
 * caller's runDue has claimed this job and is still delivering it (parallel sign-ups in one test).
 */
export async function lastMailTo(app: TestApp, to: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    await app.ctx.queue.runDue(50);
    const mail = (await readOutbox(app.ctx.db, app.ctx.sealer, { limit: 200, offset: 0 })).find((m) => m.to === to);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`No mail to ${to}`);
}

export function linkToken(text: string): string {
  const match = /token=([A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error(`No token link in: ${text}`);
  return match[1]!;
}

export async function whoAmI(app: TestApp, sessionToken: string) {
  const response = await app.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { tsn_session: sessionToken } });
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}

/**
 * A staff member invited through the staff API (with `adminToken`), who accepted, set a password
 * and enrolled an authenticator app: their session, TOTP secret and account id.
 */
export async function onboardStaff(app: TestApp, adminToken: string, email: string, roles: Array<{ role: string; scope: Record<string, string> }>, lgCode = roles[0]!.scope.lgCode ?? '070009') {
  const response = await app.app.inject({ method: 'POST', url: '/api/v1/staff', headers: { authorization: `Bearer ${adminToken}` }, payload: { email, displayName: '福島 花子', lgCode, roles } });
  const invited = response.json() as Record<string, any>;
  assert.equal(response.statusCode, 201, JSON.stringify(invited));
  const id = identityOf(app);
  const accepted = await acceptInvitation(id, { token: linkToken((await lastMailTo(app, email)).text), password: 'staff-password-2026' }, meta);
  assert.ok(accepted.ok);
  const pending = await id.sessions.find(id.db, accepted.pendingToken);
  const { secret } = await id.totp.startEnrolment(id.db, pending!.accountId, email);
  const done = await completeTotpEnrolment(id, pending, await generate({ secret }), meta);
  assert.equal(done.outcome, 'signed_in');
  return { ...(done as { sessionToken: string; recoveryCodes: string[] }), secret, accountId: invited.accountId as string, pendingToken: accepted.pendingToken };
}

/** A resident who signed up and confirmed the address from the mail: their account and session. */
export async function registerResident(app: TestApp, email: string, password = 'long-enough-password'): Promise<{ accountId: string; sessionToken: string }> {
  const id = identityOf(app);
  await signUpResident(id, { email, password }, meta);
  const verified = await verifyEmail(id, linkToken((await lastMailTo(app, email)).text), meta);
  assert.ok(verified.ok, `${email} could not confirm the address`);
  const account = (await id.accounts.findByEmail(id.db, 'resident', email))!;
  return { accountId: account.id, sessionToken: verified.sessionToken };
}
