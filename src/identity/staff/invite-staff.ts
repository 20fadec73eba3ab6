// Staff accounts are never self-registered: an administrator invites a colleague by e-mail, with
// the roles they will hold, and the colleague sets a password and registers an authenticator app
// before they can do anything (MFA is mandatory for staff). The account belongs to the inviting
// tenant; the roles may be granted only within what the administrator manages (grantRole checks).
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, type Actor } from '../../platform/authz/actor.ts';
import { grantRole, type GrantInput } from '../../platform/authz/role-assignments.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { issueEmailToken, consumeEmailToken, type TokenCheck } from '../accounts/email-tokens.ts';
import { hashPassword } from '../accounts/password.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { identityMail } from '../mail/identity-mail.ts';
import { accountPrincipal } from '../sessions/account-actor.ts';

export interface StaffInvitation {
  email: string;
  displayName: string;
  lgCode: string;
  roles: Array<Omit<GrantInput, 'principalId'>>;
}

export async function inviteStaff(ctx: IdentityContext, actor: Actor, input: StaffInvitation, meta: RequestMeta): Promise<{ accountId: string }> {
  const { app } = ctx;
  await app.guard.assert(actor, 'identity.manage_staff', input.lgCode);
  return ctx.db.transaction().execute(async (trx) => {
    if (await ctx.accounts.findByEmail(trx, 'staff', input.email)) {
      throw new AppError(PlatformErrors.CONFLICT, {
        detail: { ja: 'このメールアドレスの職員アカウントは既にあります', en: 'A staff account with this e-mail address already exists' },
        problems: [{ name: '/email', in: 'body', detail: { ja: '既に登録されています', en: 'Already registered' } }],
      });
    }
    const accountId = await ctx.accounts.create(trx, { kind: 'staff', lgCode: input.lgCode, email: input.email, passwordHash: null, status: 'invited', displayName: input.displayName });
    const principalId = accountPrincipal(accountId);
    for (const role of input.roles) {
      await grantRole({ db: platformDb(trx), guard: app.guard, tenants: app.tenants }, actor, { ...role, principalId }, meta);
    }
    const token = await issueEmailToken(trx, accountId, 'staff_invite');
    await app.mail.send(platformDb(trx), identityMail.staffInvite![meta.locale](input.email, { link: `${app.config.publicUrl}/staff/invitation?token=${token}` }));
    await appendAudit(platformDb(trx), { actor: actorId(actor), action: 'identity.staff_invited', lgCode: input.lgCode, subject: accountId, ip: meta.ip, requestId: meta.requestId, details: { roles: input.roles.map((r) => r.role) } });
    return { accountId };
  });
}

export type AcceptResult = { ok: true; pendingToken: string } | { ok: false; reason: Extract<TokenCheck, { ok: false }>['reason'] };

/**
 * The invitation link: the colleague chooses a password. What they get is a partial session that
 * only lets them register an authenticator app; the app's first code completes the login.
 */
export async function acceptInvitation(ctx: IdentityContext, input: { token: string; password: string }, meta: RequestMeta): Promise<AcceptResult> {
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction().execute(async (trx) => {
    const check = await consumeEmailToken(trx, input.token, 'staff_invite');
    if (!check.ok) return check;
    const account = await ctx.accounts.findById(trx, check.accountId);
    if (!account || account.status === 'disabled') return { ok: false, reason: 'unknown' } as const;
    await ctx.accounts.update(trx, account.id, { passwordHash, emailVerified: true, status: 'active' });
    await appendAudit(platformDb(trx), { actor: accountPrincipal(account.id), action: 'identity.staff_invitation_accepted', lgCode: account.lgCode, subject: account.id, ip: meta.ip, requestId: meta.requestId });
    const pendingToken = await ctx.sessions.create(trx, { accountId: account.id, stage: 'partial', methods: ['pwd', 'email'], acr: 'C', userAgent: meta.userAgent });
    return { ok: true, pendingToken } as const;
  });
}

/** Disabling ends every session at once; the account and its history stay for the audit trail. */
export async function disableStaff(ctx: IdentityContext, actor: Actor, accountId: string, meta: RequestMeta): Promise<void> {
  const account = await ctx.accounts.findById(ctx.db, accountId);
  if (!account || account.kind !== 'staff') throw new AppError(PlatformErrors.NOT_FOUND);
  await ctx.app.guard.assert(actor, 'identity.manage_staff', account.lgCode);
  if (actor.kind === 'principal' && actor.principalId === accountPrincipal(accountId)) {
    throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: '自分のアカウントは無効にできません', en: 'You cannot disable your own account' } });
  }
  await ctx.db.transaction().execute(async (trx) => {
    await ctx.accounts.update(trx, accountId, { status: 'disabled' });
    await ctx.sessions.revokeAll(trx, accountId);
    await appendAudit(platformDb(trx), { actor: actorId(actor), action: 'identity.staff_disabled', lgCode: account.lgCode, subject: accountId, ip: meta.ip, requestId: meta.requestId });
  });
}
