// Opt-in (オプトイン) and the API gateway: personal data moves from the system that holds it to a
// service only through the gateway, only after the resident consented, and only what they
// consented to; the resident sees every access (003A §1.K, 003B CO-10/CO-11). docs/optin.md
// describes the flow, the registries, the gateway contract and governance.
import { defineModule, type AppContext } from '../platform/module.ts';
import { consentRequestsApi } from './consents/consent-requests-api.ts';
import { optinMigrations } from './db/migrations/index.ts';
import { seedOptinDemo } from './demo-seed.ts';
import { gatewayRoutes } from './gateway/gateway-routes.ts';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { createOptinContext, type OptinContext } from './optin-context.ts';
import { consentPages } from './pages/consent-pages.tsx';
import { governancePages } from './pages/governance-pages.tsx';
import { myDataPages } from './pages/my-data-pages.tsx';
import { addServicesInUseSection } from './pages/services-in-use.tsx';
import { registryApi } from './registry/registry-api.ts';

const contexts = new WeakMap<AppContext, OptinContext>();
function contextOf(app: AppContext): OptinContext {
  let found = contexts.get(app);
  if (!found) contexts.set(app, (found = createOptinContext(app)));
  return found;
}

export const optinModule = defineModule({
  name: 'optin',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity', 'broker', 'portal'],
  migrations: optinMigrations,
  messages: { ja, en },
  grants: {
    // Providers and approvals are the prefecture's decisions: checked at the prefecture's code.
    municipal_admin: ['optin.manage_providers', 'optin.manage_services', 'optin.approve_services', 'optin.read_registry', 'optin.read_governance'],
    auditor: ['optin.read_registry', 'optin.read_governance'],
  },
  routes: async (fastify, app) => {
    const ctx = contextOf(app);
    await registryApi(fastify, ctx);
    await consentRequestsApi(fastify, ctx);
    await gatewayRoutes(fastify, ctx);
    await consentPages(fastify, ctx);
    await myDataPages(fastify, ctx);
    await governancePages(fastify, ctx);
    addServicesInUseSection(ctx);
  },
  seed: async (app) => {
    if (!app.config.production) await seedOptinDemo(app);
  },
});
