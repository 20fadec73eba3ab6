// Logging in with an e-mail address and a password, then a second factor when the account has
// one (staff always do). Every answer that could tell a stranger whether an address is
// registered is the same "the address or password is wrong"; the same throttle applies to every
// address; and an unknown address costs the same argon2 work as a known one.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { AccountKind, AssuranceLevel } from '../db/schema.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { identityMail } from '../mail/identity-mail.ts';
import type { AuthMethod, Session } from '../sessions/session-store.ts';
import type { Account } from './account-store.ts';
import { issueEmailToken } from './email-tokens.ts';
import { clearLoginFailures, lockedUntil, recordLoginFailure } from './login-throttle.ts';
import { hashPassword, needsRehash, verifyPassword } from './password.ts';

export type LoginResult =
  | { outcome: 'invalid' }
  | { outcome: 'locked'; until: Date }
  /** The password was right but the address was never confirmed: the link was sent again. */
  | { outcome: 'unverified' }
  | { outcome: 'second_factor'; pendingToken: string; passkeys: boolean; totp: boolean }
  /** A staff account without an authenticator app must register one before anything else. */
  | { outcome: 'enrol_totp'; pendingToken: string }
  | { outcome: 'signed_in'; sessionToken: string; accountId: string };

/** What a session proves: A only with the card in this session; B for an identity checked at a counter. */
export function sessionAcr(account: Pick<Account, 'assuranceLevel'>, methods: AuthMethod[]): AssuranceLevel {
  if (methods.includes('jpki') && account.assuranceLevel === 'A') return 'A';
  return account.assuranceLevel === 'C' ? 'C' : 'B';
}

async function audit(ctx: IdentityContext, meta: RequestMeta, action: string, account: Account | undefined, details: Record<string, unknown>) {
  await appendAudit(ctx.app.db, {
    actor: account ? `account:${account.id}` : 'anonymous',
    action,
    lgCode: account?.lgCode ?? null,
    subject: account?.id ?? null,
    ip: meta.ip,
    requestId: meta.requestId,
    details,
  });
}

export async function logInWithPassword(ctx: IdentityContext, input: { kind: AccountKind; email: string; password: string }, meta: RequestMeta): Promise<LoginResult> {
  const emailIndex = ctx.accounts.emailIndex(input.email);
  const locked = await lockedUntil(ctx.db, input.kind, emailIndex);
  if (locked) return { outcome: 'locked', until: locked };
  const account = await ctx.accounts.findByEmail(ctx.db, input.kind, input.email);
  const usable = account && account.status === 'active';
  const passwordOk = await verifyPassword(usable ? account.passwordHash : null, input.password);
  if (!passwordOk || !account) {
    const failure = await recordLoginFailure(ctx.db, input.kind, emailIndex);
    await audit(ctx, meta, 'identity.login_failed', account, { kind: input.kind, step: 'password', failures: failure.failures, locked: failure.lockedUntil !== null });
    return failure.lockedUntil ? { outcome: 'locked', until: failure.lockedUntil } : { outcome: 'invalid' };
  }
  await clearLoginFailures(ctx.db, input.kind, emailIndex);
  if (account.passwordHash && needsRehash(account.passwordHash)) {
    await ctx.accounts.update(ctx.db, account.id, { passwordHash: await hashPassword(input.password) });
  }
  if (!account.emailVerified) {
    await ctx.db.transaction().execute(async (trx) => {
      const token = await issueEmailToken(trx, account.id, 'verify_email');
      await ctx.app.mail.send(platformDb(trx), identityMail.verifyEmail![meta.locale](account.email, { link: `${ctx.app.config.publicUrl}/signup/verify?token=${token}` }));
    });
    return { outcome: 'unverified' };
  }
  const [totp, passkeys] = await Promise.all([ctx.totp.isEnrolled(ctx.db, account.id), hasPasskeys(ctx, account.id)]);
  if (totp || passkeys || account.kind === 'staff') {
    const pendingToken = await ctx.sessions.create(ctx.db, { accountId: account.id, stage: 'partial', methods: ['pwd'], acr: 'C', userAgent: meta.userAgent });
    if (!totp && !passkeys) return { outcome: 'enrol_totp', pendingToken };
    return { outcome: 'second_factor', pendingToken, totp, passkeys };
  }
  return { outcome: 'signed_in', sessionToken: await startSession(ctx, account, ['pwd'], meta), accountId: account.id };
}

async function hasPasskeys(ctx: IdentityContext, accountId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('identity_passkeys').select('credential_id').where('account_id', '=', accountId).limit(1).executeTakeFirst();
  return Boolean(row);
}

/** A complete session for an account whose authentication just finished. */
export async function startSession(ctx: IdentityContext, account: Account, methods: AuthMethod[], meta: RequestMeta): Promise<string> {
  const token = await ctx.sessions.create(ctx.db, { accountId: account.id, stage: 'complete', methods, acr: sessionAcr(account, methods), userAgent: meta.userAgent });
  await ctx.accounts.update(ctx.db, account.id, { lastLoginAt: new Date() });
  await audit(ctx, meta, 'identity.login', account, { kind: account.kind, methods });
  return token;
}

export type SecondFactorResult = { outcome: 'signed_in'; sessionToken: string; accountId: string } | { outcome: 'invalid' } | { outcome: 'locked'; until: Date } | { outcome: 'expired' };

/** The second step of a login: a code from the authenticator app, or a recovery code. */
export async function completeWithCode(
  ctx: IdentityContext,
  pending: Session | undefined,
  input: { method: 'otp' | 'recovery'; code: string },
  meta: RequestMeta,
): Promise<SecondFactorResult> {
  if (!pending || pending.stage !== 'partial') return { outcome: 'expired' };
  const account = await ctx.accounts.findById(ctx.db, pending.accountId);
  if (!account || account.status !== 'active') return { outcome: 'expired' };
  const emailIndex = ctx.accounts.emailIndex(account.email);
  const locked = await lockedUntil(ctx.db, account.kind, emailIndex);
  if (locked) return { outcome: 'locked', until: locked };
  const ok = input.method === 'otp' ? await ctx.totp.verify(ctx.db, account.id, input.code) : await ctx.totp.useRecoveryCode(ctx.db, account.id, input.code);
  if (!ok) {
    const failure = await recordLoginFailure(ctx.db, account.kind, emailIndex);
    await audit(ctx, meta, 'identity.login_failed', account, { kind: account.kind, step: input.method, failures: failure.failures, locked: failure.lockedUntil !== null });
    return failure.lockedUntil ? { outcome: 'locked', until: failure.lockedUntil } : { outcome: 'invalid' };
  }
  await clearLoginFailures(ctx.db, account.kind, emailIndex);
  await ctx.sessions.revoke(ctx.db, pending.idHash);
  return { outcome: 'signed_in', sessionToken: await startSession(ctx, account, [...pending.methods, input.method], meta), accountId: account.id };
}

/**
 * A passkey login: alone (passwordless: the passkey says whose it is) or as the second step of a
 * password login (`pending` given: it must be one of that account's passkeys).
 */
export async function logInWithPasskey(
  ctx: IdentityContext,
  pending: Session | undefined,
  input: { challengeId: string; response: Parameters<IdentityContext['passkeys']['authenticate']>[2] },
  meta: RequestMeta,
): Promise<SecondFactorResult> {
  if (pending && pending.stage !== 'partial') return { outcome: 'expired' };
  const accountId = await ctx.passkeys.authenticate(ctx.db, input.challengeId, input.response, pending?.accountId ?? null);
  if (!accountId) {
    await audit(ctx, meta, 'identity.login_failed', undefined, { step: 'passkey' });
    return { outcome: 'invalid' };
  }
  const account = await ctx.accounts.findById(ctx.db, accountId);
  if (!account || account.status !== 'active' || !account.emailVerified) return { outcome: 'invalid' };
  if (pending) await ctx.sessions.revoke(ctx.db, pending.idHash);
  const methods: AuthMethod[] = pending ? [...pending.methods, 'passkey'] : ['passkey'];
  return { outcome: 'signed_in', sessionToken: await startSession(ctx, account, methods, meta), accountId: account.id };
}
