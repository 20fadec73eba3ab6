// A business logs in through GビズID. The first login makes a business account (owned by the
// prefecture, like residents' accounts) linked to the GビズID subject; every login refreshes what
// GビズID says about the business and the person's place in it, then starts a session with the
// method 'gbizid'. Nothing is written unless the callback passed every check (gbizid-client.ts)
// and the claims make sense (gbizid-claims.ts): a wrong 法人番号 from the issuer is refused.
import { appendAudit } from '../../platform/audit/audit-log.ts';
import type { Account } from '../accounts/account-store.ts';
import { startSession } from '../accounts/log-in.ts';
import type { AssuranceLevel, IdentityDatabase } from '../db/schema.ts';
import { platformDb } from '../db/schema.ts';
import { homePrefecture, type IdentityContext, type RequestMeta } from '../identity-context.ts';
import type { BusinessLinks, GbizidAccountType } from './business-links.ts';
import { readGbizidClaims, type ClaimsProblem, type GbizidIdentity } from './gbizid-claims.ts';
import { GbizidError, type GbizidClient } from './gbizid-client.ts';
import type { PendingLogins } from './pending-logins.ts';

export interface GbizidRuntime {
  client: GbizidClient;
  links: BusinessLinks;
  pending: PendingLogins;
}

export type GbizidLoginResult =
  | { outcome: 'signed_in'; sessionToken: string; accountId: string; returnTo: string }
  /** No pending login for this browser and state: tampered, replayed, expired, or another tab's. */
  | { outcome: 'expired' }
  /** The person chose not to log in at GビズID. */
  | { outcome: 'cancelled'; returnTo: string }
  /** `cause` says what went wrong, for the log (no personal data). */
  | { outcome: 'unavailable'; cause?: string }
  | { outcome: 'invalid_response'; cause?: string }
  | { outcome: 'claims_refused'; problem: ClaimsProblem }
  | { outcome: 'disabled' };

/** How well GビズID checked who the person is: Prime by documents (印鑑証明書 or the card), Member vouched for by a Prime. */
const ASSURANCE: Record<GbizidAccountType, AssuranceLevel> = { prime: 'B', member: 'B', entry: 'C' };

export async function startGbizidLogin(ctx: IdentityContext, rt: GbizidRuntime, returnTo: string): Promise<{ url: URL; state: string }> {
  const login = await rt.pending.create(ctx.db, returnTo);
  return { url: await rt.client.authorizationUrl(login), state: login.state };
}

async function refused(ctx: IdentityContext, meta: RequestMeta, reason: string, details: Record<string, unknown> = {}) {
  await appendAudit(ctx.app.db, { actor: 'anonymous', action: 'identity.gbizid_login_refused', ip: meta.ip, requestId: meta.requestId, details: { reason, ...details } });
}

/**
 * The callback. `stateFromBrowser` is the state only when it matched this browser's cookie
 * (pending-logins.ts stateMatchesCookie); `query` is the callback's raw query string.
 */
export async function finishGbizidLogin(
  ctx: IdentityContext,
  rt: GbizidRuntime,
  input: { stateFromBrowser: string | undefined; query: string; previousSessionIdHash?: string | undefined },
  meta: RequestMeta,
): Promise<GbizidLoginResult> {
  const pending = input.stateFromBrowser ? await rt.pending.consume(ctx.db, input.stateFromBrowser) : undefined;
  if (!pending) {
    await refused(ctx, meta, input.stateFromBrowser ? 'state_used_or_expired' : 'state_mismatch');
    return { outcome: 'expired' };
  }
  const error = new URLSearchParams(input.query).get('error');
  if (error) {
    await refused(ctx, meta, `issuer_error:${error.slice(0, 40)}`);
    return error === 'access_denied' ? { outcome: 'cancelled', returnTo: pending.returnTo } : { outcome: 'invalid_response', cause: `the issuer answered error=${error.slice(0, 40)}` };
  }
  let verified: { subject: string; claims: Record<string, unknown> };
  try {
    verified = await rt.client.finish(input.query, pending);
  } catch (failure) {
    if (!(failure instanceof GbizidError)) throw failure;
    await refused(ctx, meta, failure.failure, { issuer: rt.client.issuer });
    return failure.failure === 'code_rejected' ? { outcome: 'expired' } : { outcome: failure.failure, cause: failure.message };
  }
  const read = readGbizidClaims(verified.subject, verified.claims);
  if (!read.ok) {
    await refused(ctx, meta, read.problem, { issuer: rt.client.issuer });
    return { outcome: 'claims_refused', problem: read.problem };
  }
  // Read before the transaction: the tenant directory uses its own connection (one, on PGlite).
  const prefecture = await homePrefecture(ctx);
  const account = await ctx.db.transaction().execute((trx) => linkAccount(ctx, rt, trx, { ...read.identity, lgCode: prefecture.lgCode }, meta));
  if (account.status !== 'active') {
    await refused(ctx, meta, 'account_disabled', { account: account.id });
    return { outcome: 'disabled' };
  }
  const sessionToken = await startSession(ctx, account, ['gbizid'], meta);
  // Whoever was signed in on this browser before (another business, a resident) is signed out.
  if (input.previousSessionIdHash) await ctx.sessions.revoke(ctx.db, input.previousSessionIdHash);
  return { outcome: 'signed_in', sessionToken, accountId: account.id, returnTo: pending.returnTo };
}

/** Finds or makes the business account for a GビズID subject and brings it up to date. */
async function linkAccount(ctx: IdentityContext, rt: GbizidRuntime, trx: IdentityDatabase, identity: GbizidIdentity & { lgCode: string }, meta: RequestMeta): Promise<Account> {
  const issuer = rt.client.issuer;
  const { business } = identity;
  const link = await rt.links.findBySubject(trx, issuer, identity.subject);
  await releaseAddressIfHeldByAnother(ctx, trx, identity.email, link?.accountId, meta);
  let accountId: string;
  if (link) {
    accountId = link.accountId;
    const current = (await ctx.accounts.findById(trx, accountId))!;
    if (current.status !== 'active') return current;
    if (current.email !== identity.email) await ctx.accounts.changeEmail(trx, accountId, identity.email);
    await rt.links.update(trx, accountId, business);
  } else {
    accountId = await ctx.accounts.create(trx, { kind: 'business', lgCode: identity.lgCode, email: identity.email, passwordHash: null, emailVerified: true });
    await rt.links.create(trx, { accountId, issuer, subject: identity.subject, ...business });
    await appendAudit(platformDb(trx), { actor: `account:${accountId}`, action: 'identity.account_registered', lgCode: identity.lgCode, subject: accountId, ip: meta.ip, requestId: meta.requestId, details: { kind: 'business', via: 'gbizid' } });
  }
  await ctx.accounts.update(trx, accountId, { assuranceLevel: ASSURANCE[business.accountType], displayName: identity.personName ?? business.corporateName });
  const changed = link ? (['accountType', 'corpType', 'corporateNumber', 'representative'] as const).filter((k) => link[k] !== business[k]) : [];
  // The corporate number is public (国税庁 publishes it); names are not, so they stay out of the log.
  await appendAudit(platformDb(trx), {
    actor: `account:${accountId}`,
    action: link ? 'identity.gbizid_link_refreshed' : 'identity.gbizid_linked',
    lgCode: identity.lgCode,
    subject: accountId,
    ip: meta.ip,
    requestId: meta.requestId,
    details: { issuer, accountType: business.accountType, corpType: business.corpType, corporateNumber: business.corporateNumber, representative: business.representative, changed },
  });
  return (await ctx.accounts.findById(trx, accountId))!;
}

// GビズID allows one account per address, but an address can move from one GビズID account to
// another; the account that last had it here must let go of it before this one takes it.
async function releaseAddressIfHeldByAnother(ctx: IdentityContext, trx: IdentityDatabase, email: string, accountId: string | undefined, meta: RequestMeta) {
  const holder = await ctx.accounts.findByEmail(trx, 'business', email);
  if (!holder || holder.id === accountId) return;
  await ctx.accounts.releaseEmail(trx, holder.id);
  await appendAudit(platformDb(trx), { actor: 'system', action: 'identity.gbizid_email_released', subject: holder.id, ip: meta.ip, requestId: meta.requestId, details: { takenBy: accountId ?? 'new account' } });
}
