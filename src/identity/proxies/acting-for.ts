// What a proxy session shows every module about the person acted for: checked on each request
// against the mandate (still active, not past its date), with the person's name for the banner.
import type { IdentityContext } from '../identity-context.ts';
import { ProfileStore } from '../profile/profile.ts';
import type { ActingFor } from '../sessions/session-authenticator.ts';
import { MandateStore } from './mandates.ts';

export function actingForOf(ctx: IdentityContext): ActingFor {
  const mandates = new MandateStore(ctx);
  const profiles = new ProfileStore(ctx.app.sealer);
  return async (proxyAccountId, mandateId) => {
    const mandate = await mandates.usable(proxyAccountId, mandateId);
    if (!mandate) return undefined;
    const profile = await profiles.find(ctx.db, mandate.grantorAccountId);
    const grantor = profile ? undefined : await ctx.accounts.findById(ctx.db, mandate.grantorAccountId);
    const name = profile ? `${profile.personal.familyName} ${profile.personal.givenName}` : (grantor?.displayName ?? grantor?.email ?? '');
    return { mandateId: mandate.id, accountId: mandate.grantorAccountId, name, scope: mandate.scope, procedures: mandate.procedures, description: mandate.description };
  };
}
