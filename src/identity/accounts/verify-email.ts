// The link in the registration mail. Opening it shows a page with one button (so a mail
// scanner that fetches links cannot use it up); pressing the button confirms the address and
// signs the resident in, which proves they hold both the mailbox and the password just chosen.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { platformDb } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { consumeEmailToken, type TokenCheck } from './email-tokens.ts';
import { startSession } from './log-in.ts';

export type VerifyResult = { ok: true; sessionToken: string } | { ok: false; reason: Extract<TokenCheck, { ok: false }>['reason'] };

export async function verifyEmail(ctx: IdentityContext, token: string, meta: RequestMeta): Promise<VerifyResult> {
  const accountId = await ctx.db.transaction().execute(async (trx) => {
    const check = await consumeEmailToken(trx, token, 'verify_email');
    if (!check.ok) return check;
    await ctx.accounts.update(trx, check.accountId, { emailVerified: true });
    await appendAudit(platformDb(trx), { actor: `account:${check.accountId}`, action: 'identity.email_verified', subject: check.accountId, ip: meta.ip, requestId: meta.requestId });
    return check;
  });
  if (!accountId.ok) return accountId;
  const account = await ctx.accounts.findById(ctx.db, accountId.accountId);
  if (!account || account.status !== 'active') return { ok: false, reason: 'unknown' };
  return { ok: true, sessionToken: await startSession(ctx, account, ['pwd', 'email'], meta) };
}
