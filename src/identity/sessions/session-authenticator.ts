// Turns a session cookie into the Actor every module sees: the account, what the session proved
// (methods, acr) and, for staff, their scoped role assignments. A missing, expired or revoked
// session is simply anonymous (the person is asked to log in again), never an error.
import type { FastifyRequest } from 'fastify';
import type { Actor, SignedInAccount, SignedInBusiness } from '../../platform/authz/actor.ts';
import type { Authenticator } from '../../platform/authz/authenticate.ts';
import { accountActor } from './account-actor.ts';
import type { AccountStore } from '../accounts/account-store.ts';
import type { IdentityDatabase } from '../db/schema.ts';
import { readSessionCookie, SESSION_COOKIE } from './session-cookie.ts';
import type { SessionStore } from './session-store.ts';


/** Where a business account's business facts come from (gbizid/business-links.ts). */
export interface BusinessFactsSource {
  find(db: IdentityDatabase, accountId: string): Promise<SignedInBusiness | undefined>;
}

/** Who a proxy session acts for: looked up on every request, so a revoked mandate stops at once. */
export type ActingFor = (proxyAccountId: string, mandateId: string) => Promise<NonNullable<SignedInAccount['actingFor']> | undefined>;

export function sessionAuthenticator(
  db: IdentityDatabase,
  sessions: SessionStore,
  accounts: AccountStore,
  sources: { businesses?: BusinessFactsSource; actingFor?: ActingFor } = {},
): Authenticator {
  const { businesses, actingFor } = sources;
  return async (request: FastifyRequest): Promise<Actor | null> => {
    const token = readSessionCookie(request, SESSION_COOKIE);
    if (!token) return null;
    const session = await sessions.find(db, token);
    if (!session || session.stage !== 'complete') return null;
    const account = await accounts.findById(db, session.accountId);
    if (!account || account.status !== 'active') return null;
    const business = account.kind === 'business' ? await businesses?.find(db, account.id) : undefined;
    const acting = session.actingFor && actingFor ? await actingFor(account.id, session.actingFor) : undefined;
    return accountActor(db, account, { acr: session.acr, methods: session.methods, sessionIdHash: session.idHash, ...(acting ? { actingFor: acting } : {}), ...(business ? { business } : {}) });
  };
}
