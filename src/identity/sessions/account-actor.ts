// The Actor for a signed-in account, however it signed in (a session cookie, or a service's
// access token acting for the person): the one place that decides what other modules see.
import type { Actor, SignedInAccount } from '../../platform/authz/actor.ts';
import { loadAssignments } from '../../platform/authz/authenticate.ts';
import type { Account } from '../accounts/account-store.ts';
import { platformDb, type IdentityDatabase } from '../db/schema.ts';

export function accountPrincipal(accountId: string): string {
  return `account:${accountId}`;
}

export async function accountActor(
  db: IdentityDatabase,
  account: Account,
  login: Pick<SignedInAccount, 'acr' | 'methods' | 'sessionIdHash'> & Partial<Pick<SignedInAccount, 'actingFor' | 'business'>>,
): Promise<Actor> {
  const principalId = accountPrincipal(account.id);
  return {
    kind: 'principal',
    principalId,
    displayName: account.displayName ?? account.email,
    // Roles belong to staff; a resident's or business's account never carries any.
    assignments: account.kind === 'staff' ? await loadAssignments(platformDb(db), principalId) : [],
    account: {
      accountId: account.id,
      accountKind: account.kind,
      lgCode: account.lgCode,
      assuranceLevel: account.assuranceLevel,
      acr: login.acr,
      methods: login.methods,
      sessionIdHash: login.sessionIdHash,
      ...(login.actingFor ? { actingFor: login.actingFor } : {}),
      ...(login.business ? { business: login.business } : {}),
    },
  };
}
