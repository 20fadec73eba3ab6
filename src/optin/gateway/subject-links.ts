// The resident's identifier at a provider (宛名番号 or the like). The City OS never stores the
// provider's data, only this link: found once by sending the provider the basic four attributes
// the resident's My Number card proved (name, date of birth, address, sex), then kept sealed so
// later calls name the resident by the provider's own id and nothing else.
import type { OptinContext } from '../optin-context.ts';
import type { ProviderCredentials } from '../registry/registry.ts';
import { callProvider, type ProviderAnswer } from './provider-client.ts';

const refContext = (accountId: string, providerId: string) => `optin_subject_links.ref:${accountId}:${providerId}`;

export type LinkResult = { kind: 'linked'; residentRef: string } | { kind: 'no_card' } | { kind: 'no_record' } | { kind: 'failed'; answer: ProviderAnswer };

/** A link as stored, opened. */
export function openResidentRef(ctx: OptinContext, accountId: string, providerId: string, sealed: string): string {
  return ctx.app.sealer.open(sealed, refContext(accountId, providerId));
}

/** `knownRef` is the link already read (and opened) with the call's other state (gateway-state.ts), if any. */
export async function residentRefFor(
  ctx: OptinContext,
  accountId: string,
  provider: { id: string; endpoint: string; timeoutMs: number },
  credentials: ProviderCredentials,
  knownRef: string | undefined,
): Promise<LinkResult> {
  if (knownRef) return { kind: 'linked', residentRef: knownRef };
  const card = await ctx.identity.verifiedBasicFour(ctx.app, accountId);
  if (!card || !card.dateOfBirth) return { kind: 'no_card' };
  const answer = await callProvider(ctx.app.outbound, provider, credentials, {
    method: 'POST',
    path: 'v1/residents/match',
    body: { name: card.name, dateOfBirth: card.dateOfBirth, address: card.address, sex: card.sex },
  });
  if (answer.kind === 'json' && answer.status === 404) return { kind: 'no_record' };
  const residentRef = answer.kind === 'json' && answer.status === 200 ? (answer.body as { residentId?: unknown }).residentId : undefined;
  // It travels in an HTTP header: printable ASCII only.
  if (typeof residentRef !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(residentRef)) return { kind: 'failed', answer };
  await ctx.db
    .insertInto('optin_subject_links')
    .values({ account_id: accountId, provider_id: provider.id, resident_ref_sealed: ctx.app.sealer.seal(residentRef, refContext(accountId, provider.id)) })
    .onConflict((oc) => oc.columns(['account_id', 'provider_id']).doNothing())
    .execute();
  return { kind: 'linked', residentRef };
}

/** Forgets a link (the provider said the id no longer exists), so the next call matches again. */
export async function forgetLink(ctx: OptinContext, accountId: string, providerId: string): Promise<void> {
  await ctx.db.deleteFrom('optin_subject_links').where('account_id', '=', accountId).where('provider_id', '=', providerId).execute();
}
