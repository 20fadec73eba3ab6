// A resident registers for the common ID with an e-mail address and a password. The answer is
// the same whether or not the address is already registered ("check your mail"); only the mail
// differs, so the form cannot be used to find out who has an account.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { platformDb } from '../db/schema.ts';
import { homePrefecture, type IdentityContext, type RequestMeta } from '../identity-context.ts';
import { identityMail } from '../mail/identity-mail.ts';
import { issueEmailToken } from './email-tokens.ts';
import { hashPassword } from './password.ts';

/** `returnTo`: a same-site path to continue to after confirming (e.g. a service's login). */
export async function signUpResident(ctx: IdentityContext, input: { email: string; password: string; returnTo?: string }, meta: RequestMeta): Promise<void> {
  const { app } = ctx;
  const prefecture = await homePrefecture(ctx);
  // Hash before looking anything up, so both answers take the same time.
  const passwordHash = await hashPassword(input.password);
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await ctx.accounts.findByEmail(trx, 'resident', input.email);
    if (existing?.emailVerified) {
      await app.mail.send(platformDb(trx), identityMail.alreadyRegistered![meta.locale](input.email, { link: `${app.config.publicUrl}/login` }));
      return;
    }
    // An unverified registration is started again with the new password.
    const accountId = existing?.id ?? (await ctx.accounts.create(trx, { kind: 'resident', lgCode: prefecture.lgCode, email: input.email, passwordHash }));
    if (existing) await ctx.accounts.update(trx, existing.id, { passwordHash });
    const token = await issueEmailToken(trx, accountId, 'verify_email');
    await app.mail.send(platformDb(trx), identityMail.verifyEmail![meta.locale](input.email, { link: `${app.config.publicUrl}/signup/verify?token=${token}${input.returnTo ? `&return=${encodeURIComponent(input.returnTo)}` : ''}` }));
    if (!existing) {
      await appendAudit(platformDb(trx), { actor: `account:${accountId}`, action: 'identity.account_registered', lgCode: prefecture.lgCode, subject: accountId, ip: meta.ip, requestId: meta.requestId, details: { kind: 'resident' } });
    }
  });
}
