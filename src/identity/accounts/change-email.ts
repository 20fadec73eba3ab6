// A resident changes their e-mail address. The password is asked again (a session left open on
// a shared computer must not be enough to take the account over), the new address gets a link
// and replaces the old one only when the link is opened by the same account, and the old address
// is told. Whether the new address already belongs to another account is said only in the mail
// to that address, so the form cannot be used to find out who has an account.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { identityMail } from '../mail/identity-mail.ts';
import { hashSecret } from './email-tokens.ts';
import { verifyPassword } from './password.ts';

export const EMAIL_CHANGE_HOURS = 24;

const newEmailContext = (accountId: string) => `identity_email_changes.new_email:${accountId}`;

export type ChangeRequest = { ok: true } | { ok: false; reason: 'password' | 'same' | 'not_resident' };

export async function requestEmailChange(ctx: IdentityContext, accountId: string, input: { newEmail: string; password: string }, meta: RequestMeta): Promise<ChangeRequest> {
  const account = await ctx.accounts.findById(ctx.db, accountId);
  if (!account || account.kind !== 'resident') return { ok: false, reason: 'not_resident' };
  if (!(await verifyPassword(account.passwordHash, input.password))) return { ok: false, reason: 'password' };
  if (input.newEmail === account.email) return { ok: false, reason: 'same' };
  const { app } = ctx;
  await ctx.db.transaction().execute(async (trx) => {
    const taken = await ctx.accounts.findByEmail(trx, 'resident', input.newEmail);
    if (taken) {
      await app.mail.send(platformDb(trx), identityMail.emailChangeTaken![meta.locale](input.newEmail, { link: `${app.config.publicUrl}/login` }));
      return;
    }
    // A new request replaces older pending ones.
    await trx.deleteFrom('identity_email_changes').where('account_id', '=', accountId).where('used_at', 'is', null).execute();
    const token = randomBytes(32).toString('base64url');
    await trx
      .insertInto('identity_email_changes')
      .values({
        token_hash: hashSecret(token),
        account_id: accountId,
        new_email_index: ctx.accounts.emailIndex(input.newEmail),
        new_email_sealed: app.sealer.seal(input.newEmail, newEmailContext(accountId)),
        expires_at: new Date(Date.now() + EMAIL_CHANGE_HOURS * 3_600_000),
        used_at: null,
      })
      .execute();
    await app.mail.send(platformDb(trx), identityMail.emailChange![meta.locale](input.newEmail, { link: `${app.config.publicUrl}/account/email/confirm?token=${token}` }));
  });
  return { ok: true };
}

export type ChangeConfirmation = { ok: true; email: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'other_account' | 'taken' };

/** Checks a link without using it (the page that asks to confirm before the POST). */
export async function checkEmailChange(ctx: IdentityContext, token: string, accountId: string): Promise<ChangeConfirmation> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'unknown' };
  const row = await ctx.db.selectFrom('identity_email_changes').selectAll().where('token_hash', '=', hashSecret(token)).executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.account_id !== accountId) return { ok: false, reason: 'other_account' };
  if (row.used_at) return { ok: false, reason: 'used' };
  if (new Date(row.expires_at).getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: true, email: ctx.app.sealer.open(row.new_email_sealed, newEmailContext(accountId)) };
}

export async function confirmEmailChange(ctx: IdentityContext, token: string, accountId: string, meta: RequestMeta): Promise<ChangeConfirmation> {
  const check = await checkEmailChange(ctx, token, accountId);
  if (!check.ok) return check;
  const { app } = ctx;
  const before = (await ctx.accounts.findById(ctx.db, accountId))!;
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const used = await trx.updateTable('identity_email_changes').set({ used_at: sql<Date>`now()` }).where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return { ok: false, reason: 'used' } as const;
      // Taken since the request: the unique index would refuse it anyway; say so plainly.
      if (await ctx.accounts.findByEmail(trx, 'resident', check.email)) return { ok: false, reason: 'taken' } as const;
      await ctx.accounts.changeEmail(trx, accountId, check.email);
      await app.mail.send(platformDb(trx), identityMail.emailChangedNotice![meta.locale](before.email, { link: `${app.config.publicUrl}/login` }));
      await appendAudit(platformDb(trx), { actor: `account:${accountId}`, action: 'identity.email_changed', lgCode: before.lgCode, subject: accountId, ip: meta.ip, requestId: meta.requestId, details: {} });
      return { ok: true, email: check.email } as const;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return { ok: false, reason: 'taken' };
    throw error;
  }
}
