// Bearer tokens issued by the OpenID Provider, accepted by every platform API through the same
// guard as operator tokens. A client-credentials token is the service itself (principal
// "client:<id>", with the roles prefecture staff assigned to it: e.g. data_publisher of a
// municipality for the broker); a resident's access token acts as that resident.
import type { FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Actor } from '../../platform/authz/actor.ts';
import { loadAssignments, type Authenticator } from '../../platform/authz/authenticate.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { AccountStore } from '../accounts/account-store.ts';
import { platformDb, type IdentityDatabase } from '../db/schema.ts';
import { accountActor } from '../sessions/account-actor.ts';
import { levelOf } from './acr.ts';

export function clientPrincipal(clientId: string): string {
  return `client:${clientId}`;
}

/** The machine client a request acts as (a client-credentials token), if any. */
export function clientIdOf(actor: Actor): string | undefined {
  return actor.kind === 'principal' && actor.principalId.startsWith('client:') ? actor.principalId.slice('client:'.length) : undefined;
}

function invalidToken(): AppError {
  return new AppError(PlatformErrors.UNAUTHENTICATED, {
    detail: { ja: 'アクセストークンが無効か、期限切れです', en: 'The access token is invalid, revoked or expired' },
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
}

/**
 * How long a process may reuse what a machine (client-credentials) token resolved to. Services
 * call the gateway and the broker many times a second with the same token; looking it up costs
 * three queries. A client suspended or re-keyed through this process is refused at once
 * (`clientChanges` moves); other processes refuse it within this time. A suspended gateway
 * service is refused at once everywhere: the gateway checks the service on every call.
 */
export const MACHINE_TOKEN_REUSE_MS = 5_000;

export function oidcTokenAuthenticator(db: IdentityDatabase, provider: () => Provider | undefined, accounts: AccountStore, clientChanges: () => number = () => 0): Authenticator {
  const machines = new Map<string, { actor: Actor; until: number; changes: number }>();
  return async (request: FastifyRequest): Promise<Actor | null> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    const value = header.slice('Bearer '.length).trim();
    if (value.startsWith('tsn_')) return null; // an operator token (platform/authz/api-tokens.ts)
    const op = provider();
    if (!op || value.length > 512) throw invalidToken();
    const known = machines.get(value);
    if (known && known.until > Date.now() && known.changes === clientChanges()) return known.actor;
    const machine = await op.ClientCredentials.find(value);
    if (machine && !machine.isExpired && machine.clientId) {
      const changes = clientChanges();
      const client = await op.Client.find(machine.clientId);
      if (!client) throw invalidToken(); // suspended since the token was issued
      const principalId = clientPrincipal(machine.clientId);
      const actor: Actor = { kind: 'principal', principalId, displayName: String(client.clientName ?? machine.clientId), assignments: await loadAssignments(platformDb(db), principalId) };
      if (machines.size >= 10_000) machines.clear();
      machines.set(value, { actor, until: Math.min(Date.now() + MACHINE_TOKEN_REUSE_MS, (machine.exp ?? 0) * 1000), changes });
      return actor;
    }
    const token = await op.AccessToken.find(value);
    if (!token || token.isExpired || !token.accountId || !token.clientId) throw invalidToken();
    const extra = (token.extra ?? {}) as { acr?: string; amr?: string[] };
    const [client, account] = await Promise.all([op.Client.find(token.clientId), accounts.findById(db, token.accountId)]);
    if (!client || !account || account.status !== 'active') throw invalidToken();
    return accountActor(db, account, { acr: levelOf(extra.acr) ?? 'C', methods: extra.amr ?? [], sessionIdHash: `token:${token.jti}` });
  };
}
