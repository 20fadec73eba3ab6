// Finishing a login by registering an authenticator app: a staff member's first login (after the
// invitation) or one whose app was reset. The first correct code confirms the app and completes
// the session; the recovery codes are shown once.
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { startSession } from '../accounts/log-in.ts';
import type { Session } from '../sessions/session-store.ts';

export type EnrolResult = { outcome: 'signed_in'; sessionToken: string; recoveryCodes: string[] } | { outcome: 'invalid' } | { outcome: 'expired' };

export async function completeTotpEnrolment(ctx: IdentityContext, pending: Session | undefined, code: string, meta: RequestMeta): Promise<EnrolResult> {
  if (!pending || pending.stage !== 'partial') return { outcome: 'expired' };
  const account = await ctx.accounts.findById(ctx.db, pending.accountId);
  if (!account || account.status !== 'active') return { outcome: 'expired' };
  const recoveryCodes = await ctx.totp.confirmEnrolment(ctx.db, account.id, code);
  if (!recoveryCodes) return { outcome: 'invalid' };
  await ctx.sessions.revoke(ctx.db, pending.idHash);
  const sessionToken = await startSession(ctx, account, [...pending.methods, 'otp'], meta);
  return { outcome: 'signed_in', sessionToken, recoveryCodes };
}
