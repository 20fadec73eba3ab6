// Level B at a municipal counter (書かない窓口 too): the resident shows a short code from their
// account page (so staff never search residents by name), the clerk sees the recorded name, date of
// birth and address, compares them with a photo identity document, and records the check with
// their own account. The document's number is never stored.
import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, type Actor } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { platformDb, type IdentityDocument } from '../db/schema.ts';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { issueChallenge } from '../mfa/challenges.ts';
import { ProfileStore, type Profile } from '../profile/profile.ts';

const CODE_DIGITS = 8;

const codeHash = (code: string) => createHash('sha256').update(`counter:${code}`).digest('base64url');

/** A new code for the resident to show at the counter (valid 5 minutes, once). */
export async function issueCounterCode(ctx: IdentityContext, accountId: string): Promise<string> {
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  await ctx.db.deleteFrom('identity_challenges').where('purpose', '=', 'counter_code').where('account_id', '=', accountId).where('used_at', 'is', null).execute();
  await issueChallenge(ctx.db, 'counter_code', accountId, codeHash(code));
  return code;
}

export interface CounterLookup {
  ticket: string;
  accountId: string;
  assuranceLevel: 'A' | 'B' | 'C';
  profile: Profile | undefined;
}

/**
 * The clerk types the code: the resident's recorded details, and a one-time ticket for recording
 * the check. Every lookup is audited, found or not.
 */
export async function lookUpCounterCode(ctx: IdentityContext, clerk: Actor, officeLgCode: string, code: string, meta: RequestMeta): Promise<CounterLookup | undefined> {
  await ctx.app.guard.assert(clerk, 'identity.verify_identity', officeLgCode);
  const digits = code.normalize('NFKC').replace(/[\s-]/g, '');
  const row = /^\d{8}$/.test(digits)
    ? await ctx.db
        .updateTable('identity_challenges')
        .set({ used_at: sql<Date>`now()` })
        .where('purpose', '=', 'counter_code')
        .where('challenge', '=', codeHash(digits))
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .returning(['account_id'])
        .executeTakeFirst()
    : undefined;
  await appendAudit(ctx.app.db, { actor: actorId(clerk), action: 'identity.counter_lookup', lgCode: officeLgCode, subject: row?.account_id ?? null, ip: meta.ip, requestId: meta.requestId, details: { found: Boolean(row) } });
  if (!row?.account_id) return undefined;
  const account = await ctx.accounts.findById(ctx.db, row.account_id);
  if (!account || account.kind !== 'resident' || account.status !== 'active') return undefined;
  const { id } = await issueChallenge(ctx.db, 'counter_code', account.id, `ticket:${officeLgCode}:${actorId(clerk)}`);
  return { ticket: id, accountId: account.id, assuranceLevel: account.assuranceLevel, profile: await new ProfileStore(ctx.app.sealer).find(ctx.db, account.id) };
}

/** Records the check: the account becomes level B (an account at level A stays A). */
export async function recordIdentityCheck(
  ctx: IdentityContext,
  clerk: Actor,
  input: { officeLgCode: string; ticket: string; accountId: string; documentType: IdentityDocument; profileVersion: number },
  meta: RequestMeta,
): Promise<'recorded' | 'expired' | 'profile_changed'> {
  await ctx.app.guard.assert(clerk, 'identity.verify_identity', input.officeLgCode);
  return ctx.db.transaction().execute(async (trx) => {
    const ticket = await trx
      .updateTable('identity_challenges')
      .set({ used_at: sql<Date>`now()` })
      .where('id', '=', input.ticket)
      .where('purpose', '=', 'counter_code')
      .where('account_id', '=', input.accountId)
      .where('challenge', '=', `ticket:${input.officeLgCode}:${actorId(clerk)}`)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('id')
      .executeTakeFirst();
    if (!ticket) return 'expired';
    const profile = await new ProfileStore(ctx.app.sealer).find(trx, input.accountId);
    // The resident edited their details while the clerk was looking: check again.
    if (!profile || profile.version !== input.profileVersion) return 'profile_changed';
    const account = await ctx.accounts.findById(trx, input.accountId);
    if (!account) throw new AppError(PlatformErrors.NOT_FOUND);
    await trx
      .insertInto('identity_identity_checks')
      .values({ account_id: input.accountId, lg_code: input.officeLgCode, document_type: input.documentType, checked_by: actorId(clerk), profile_version: profile.version })
      .execute();
    if (account.assuranceLevel === 'C') await ctx.accounts.update(trx, input.accountId, { assuranceLevel: 'B' });
    const details = { document: input.documentType, level: account.assuranceLevel === 'C' ? 'B' : account.assuranceLevel };
    await appendAudit(platformDb(trx), { actor: actorId(clerk), action: 'identity.identity_checked', lgCode: input.officeLgCode, subject: input.accountId, ip: meta.ip, requestId: meta.requestId, details });
    return 'recorded';
  });
}
