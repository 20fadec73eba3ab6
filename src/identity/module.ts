// Identity: the common ID (共通ID). Residents register with an e-mail address and a password and
// may add an authenticator app or a passkey; staff are invited by their administrators and must
// use a second factor; sessions are server-side with idle and absolute limits. Every module sees
// the signed-in person as the request's Actor (platform/authz/actor.ts). The OpenID Provider
// (oidc/) gives every service single sign-on with the same accounts, and machine clients
// tokens the platform guard accepts. docs/identity.md describes it all.
import type Provider from 'oidc-provider';
import type { AppContext } from '../platform/module.ts';
import { defineModule } from '../platform/module.ts';
import { identityMigrations } from './db/migrations/index.ts';
import { createIdentityContext, type IdentityContext } from './identity-context.ts';
import { BusinessLinks } from './gbizid/business-links.ts';
import { gbizidRoutes } from './gbizid/gbizid-routes.tsx';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { purgeExpired } from './oidc/adapter.ts';
import { ClientRegistry } from './oidc/client-registry.ts';
import { clientsApi } from './oidc/clients-api.ts';
import { oidcPages, oidcRoutes } from './oidc/oidc-routes.tsx';
import { createProvider } from './oidc/provider.ts';
import { oidcTokenAuthenticator } from './oidc/token-authenticator.ts';
import { sessionAuthenticator } from './sessions/session-authenticator.ts';
import { actingForOf } from './proxies/acting-for.ts';
import { staffApi } from './staff/staff-api.ts';
import { accountPages } from './pages/account-pages.tsx';
import { loginPages } from './pages/login-pages.tsx';
import { passkeyRoutes } from './pages/passkey-routes.ts';
import { passwordPages } from './pages/password-pages.tsx';
import { emailPages } from './pages/email-pages.tsx';
import { profilePages } from './pages/profile-pages.tsx';
import { secondFactorPages } from './pages/second-factor-pages.tsx';
import { signUpPages } from './pages/sign-up-pages.tsx';
import { stepUpPages } from './pages/step-up-pages.tsx';
import { cardPages } from './pages/card-pages.tsx';
import { counterPages } from './pages/counter-pages.tsx';
import { proxyPages } from './pages/proxy-pages.tsx';
import { householdPages } from './pages/household-pages.tsx';
import { counterMandatePages } from './pages/counter-mandate-pages.tsx';

interface IdentityRuntime {
  ctx: IdentityContext;
  clients: ClientRegistry;
  provider: Provider | undefined;
  links: BusinessLinks;
}

// One runtime per application (tests build several apps in one process).
const runtimes = new WeakMap<AppContext, IdentityRuntime>();

function runtime(app: AppContext): IdentityRuntime {
  let found = runtimes.get(app);
  if (!found) {
    const ctx = createIdentityContext(app);
    found = { ctx, clients: new ClientRegistry(ctx.db, app.sealer), provider: undefined, links: new BusinessLinks(app.sealer) };
    runtimes.set(app, found);
  }
  return found;
}

export const identityModule = defineModule({
  name: 'identity',
  dependsOn: ['tenancy', 'authz', 'audit'],
  migrations: identityMigrations,
  messages: { ja, en },
  grants: {
    municipal_admin: ['identity.manage_clients', 'identity.read_clients', 'identity.manage_staff', 'identity.verify_identity'],
    counter_clerk: ['identity.verify_identity'],
    auditor: ['identity.read_clients'],
  },
  authenticators: (app) => {
    const rt = runtime(app);
    return [sessionAuthenticator(rt.ctx.db, rt.ctx.sessions, rt.ctx.accounts, { businesses: rt.links, actingFor: actingForOf(rt.ctx) }), oidcTokenAuthenticator(rt.ctx.db, () => rt.provider, rt.ctx.accounts, () => rt.clients.changes)];
  },
  routes: async (fastify, app) => {
    const rt = runtime(app);
    rt.provider = await createProvider(rt.ctx, rt.clients, oidcPages(), rt.links);
    rt.ctx.oidc = rt.provider;
    await oidcRoutes(fastify, rt.ctx, rt.provider, rt.clients);
    await clientsApi(fastify, rt.ctx, rt.clients);
    await staffApi(fastify, rt.ctx);
    await signUpPages(fastify, rt.ctx);
    await loginPages(fastify, rt.ctx);
    await secondFactorPages(fastify, rt.ctx);
    await passwordPages(fastify, rt.ctx);
    await accountPages(fastify, rt.ctx);
    await emailPages(fastify, rt.ctx);
    await profilePages(fastify, rt.ctx);
    await passkeyRoutes(fastify, rt.ctx);
    await stepUpPages(fastify, rt.ctx);
    await cardPages(fastify, rt.ctx);
    await counterPages(fastify, rt.ctx);
    await proxyPages(fastify, rt.ctx);
    await householdPages(fastify, rt.ctx);
    await counterMandatePages(fastify, rt.ctx);
    await gbizidRoutes(fastify, rt.ctx, rt.links);
    const purge = setInterval(() => void purgeExpired(rt.ctx.db).catch(() => undefined), 15 * 60_000);
    purge.unref();
    fastify.addHook('onClose', async () => clearInterval(purge));
  },
});
