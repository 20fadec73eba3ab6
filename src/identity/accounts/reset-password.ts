// "Forgot your password?": a one-time link by mail, then a new password. The request page says
// the same thing for every address; an address with no account gets a mail saying so (the owner
// of the mailbox learns it, nobody else does). A new password ends every session of the account.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { AccountKind } from '../db/schema.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { identityMail } from '../mail/identity-mail.ts';
import { consumeEmailToken, issueEmailToken, TOKEN_LIFETIME_MINUTES, type TokenCheck } from './email-tokens.ts';
import { hashPassword } from './password.ts';

export async function requestPasswordReset(ctx: IdentityContext, input: { kind: AccountKind; email: string }, meta: RequestMeta): Promise<void> {
  const { app } = ctx;
  await ctx.db.transaction().execute(async (trx) => {
    const account = await ctx.accounts.findByEmail(trx, input.kind, input.email);
    if (!account || account.status === 'disabled') {
      await app.mail.send(platformDb(trx), identityMail.noAccount![meta.locale](input.email, { link: `${app.config.publicUrl}/signup` }));
      return;
    }
    const token = await issueEmailToken(trx, account.id, 'reset_password');
    const link = `${app.config.publicUrl}${input.kind === 'staff' ? '/staff' : ''}/login/reset?token=${token}`;
    await app.mail.send(platformDb(trx), identityMail.resetPassword![meta.locale](account.email, { link, minutes: TOKEN_LIFETIME_MINUTES.reset_password }));
    await appendAudit(platformDb(trx), { actor: 'anonymous', action: 'identity.password_reset_requested', lgCode: account.lgCode, subject: account.id, ip: meta.ip, requestId: meta.requestId });
  });
}

export type ResetResult = { ok: true } | { ok: false; reason: Extract<TokenCheck, { ok: false }>['reason'] };

export async function resetPassword(ctx: IdentityContext, input: { token: string; password: string }, meta: RequestMeta): Promise<ResetResult> {
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction().execute(async (trx) => {
    const check = await consumeEmailToken(trx, input.token, 'reset_password');
    if (!check.ok) return check;
    const account = await ctx.accounts.findById(trx, check.accountId);
    if (!account) return { ok: false, reason: 'unknown' } as const;
    // Holding the mailbox proves the address too.
    await ctx.accounts.update(trx, account.id, { passwordHash, emailVerified: true });
    await ctx.sessions.revokeAll(trx, account.id);
    await ctx.app.mail.send(platformDb(trx), identityMail.passwordChanged![meta.locale](account.email, { link: `${ctx.app.config.publicUrl}/login/forgot` }));
    await appendAudit(platformDb(trx), { actor: `account:${account.id}`, action: 'identity.password_reset', lgCode: account.lgCode, subject: account.id, ip: meta.ip, requestId: meta.requestId });
    return { ok: true } as const;
  });
}
