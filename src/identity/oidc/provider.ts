// The OpenID Provider every service signs residents in through (SSO): oidc-provider, a certified,
// well-kept implementation, configured for the common ID. Authorization code with PKCE (S256,
// required for every client), refresh tokens (rotated), userinfo, token introspection and
// revocation, RP-initiated logout, client credentials for machine clients, JWKS with rotation.
//
// The City OS session (sessions/) is the source of truth: oidc-provider keeps its own session
// cookie, but a login prompt is forced whenever that session's person is not the one signed in
// to the City OS right now, or when the service asks for a higher assurance level (step-up).
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Actor, SignedInBusiness } from '../../platform/authz/actor.ts';
import type { IdentityContext } from '../identity-context.ts';
import { ProfileStore } from '../profile/profile.ts';
import { ACR, requiredLevel, satisfies } from './acr.ts';
import { adapterFactory } from './adapter.ts';
import { accountClaims, CLAIMS_BY_SCOPE } from './claims.ts';
import { SCOPES, type ClientRegistry } from './client-registry.ts';
import { loadSigningKeys } from './signing-keys.ts';

/** The Fastify request and reply, attached to the raw request before oidc-provider sees it. */
export interface TsunaguRaw extends IncomingMessage {
  tsunagu?: { request: FastifyRequest; reply: FastifyReply };
}

export interface OidcPages {
  logout(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  loggedOut(ctx: KoaContextWithOIDC): Promise<void>;
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void>;
}

export const OIDC_PREFIX = '/oidc';

export function actorOf(ctx: KoaContextWithOIDC): Actor | undefined {
  return (ctx.req as TsunaguRaw).tsunagu?.request.actor;
}

export function requestedAcrValues(params: Record<string, unknown> | undefined, claims?: { id_token?: { acr?: { values?: string[]; value?: string } } }): string[] {
  const fromParam = typeof params?.acr_values === 'string' ? params.acr_values.split(' ').filter(Boolean) : [];
  const essential = claims?.id_token?.acr;
  const fromClaims = essential?.values ?? (essential?.value ? [essential.value] : []);
  return [...fromParam, ...fromClaims];
}

function cityOsSessionCheck() {
  const { Check } = interactionPolicy;
  return new Check('tsunagu_session', 'the City OS session has ended, belongs to someone else, or is below the requested level', (ctx) => {
    const { oidc } = ctx;
    const actor = actorOf(ctx);
    const account = actor?.kind === 'principal' ? actor.account : undefined;
    if (!account || account.accountId !== oidc.session?.accountId) return Check.REQUEST_PROMPT;
    const need = requiredLevel(requestedAcrValues(oidc.params as Record<string, unknown>, oidc.claims as never));
    return satisfies(account.acr, need) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
  });
}

export async function createProvider(ctx: IdentityContext, clients: ClientRegistry, pages: OidcPages, businesses?: { find(db: IdentityContext['db'], accountId: string): Promise<SignedInBusiness | undefined> }): Promise<Provider> {
  const { app } = ctx;
  const profiles = new ProfileStore(app.sealer);
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(cityOsSessionCheck());
  // Derived from the data key so every process of the installation signs cookies alike.
  const cookieKey = crypto.hkdfSync('sha256', Buffer.from(app.sealer.blindIndex('oidc-cookies', 'identity.oidc'), 'utf8'), Buffer.alloc(0), 'tsunagu oidc cookies', 32);
  const secure = app.config.secureCookies;
  const configuration: Configuration = {
    adapter: adapterFactory(ctx.db, clients),
    async findAccount(_koa, sub) {
      const account = await ctx.accounts.findById(ctx.db, sub);
      if (!account || account.status !== 'active') return undefined;
      const profile = await profiles.find(ctx.db, account.id);
      const business = account.kind === 'business' ? await businesses?.find(ctx.db, account.id) : undefined;
      const { tenants } = await app.tenants.snapshot();
      return { accountId: account.id, claims: async () => accountClaims(account, profile, (code) => tenants.get(code), business) as { sub: string } };
    },
    jwks: { keys: (await loadSigningKeys(ctx.db, app.sealer)) as never },
    cookies: {
      keys: [Buffer.from(cookieKey).toString('base64url')],
      long: { signed: true, secure, sameSite: 'lax', httpOnly: true },
      short: { signed: true, secure, sameSite: 'lax', httpOnly: true },
      names: { session: 'tsn_oidc_session', interaction: 'tsn_oidc_interaction', resume: 'tsn_oidc_resume' },
    },
    claims: CLAIMS_BY_SCOPE,
    scopes: [...SCOPES],
    acrValues: [ACR.C, ACR.B, ACR.A],
    extraClientMetadata: { properties: ['tsunagu_lg_code'] },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logout, postLogoutSuccessSource: pages.loggedOut },
    },
    pkce: { required: () => true, methods: ['S256'] },
    // Short-lived access tokens; refresh tokens rotate on every use.
    ttl: {
      AccessToken: 600,
      ClientCredentials: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 900,
      Session: app.config.sessionMaxHours * 3600,
      Grant: 30 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    rotateRefreshToken: true,
    // The level and methods of the login travel with each access token, so an API called with it
    // knows how strongly the person was authenticated (token-authenticator.ts).
    extraTokenClaims: async (koa, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const from = koa.oidc.entities.AuthorizationCode ?? koa.oidc.entities.RefreshToken;
      return from ? { acr: from.acr, amr: from.amr } : undefined;
    },
    issueRefreshToken: async (_koa, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: { url: async (_koa, interaction) => `${OIDC_PREFIX}/interaction/${interaction.uid}`, policy },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/userinfo`,
      jwks: `${OIDC_PREFIX}/jwks`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      end_session: `${OIDC_PREFIX}/session/end`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      registration: `${OIDC_PREFIX}/reg`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
    },
    renderError: async (koa, out) => pages.error(koa, out as { error: string; error_description?: string }),
    discovery: { ui_locales_supported: ['ja', 'en'], claims_locales_supported: ['ja', 'en'] },
    clientBasedCORS: () => false,
  };
  const provider = new Provider(app.config.publicUrl, configuration);
  provider.proxy = app.config.trustProxy;
  return provider;
}
