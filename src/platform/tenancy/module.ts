// Tenancy: the prefecture, its living zones (生活圏) and its municipalities, keyed by the
// official local government code. Every other module scopes its data by these tenants. This
// module serves the tenant API, the public home page and municipality pages, and seeds the demo
// prefecture (Fukushima: 7 zones, 59 municipalities) from the bundled reference CSV.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.ts';
import { importTenants, parseTenantCsv } from './import-tenants.ts';
import { tenantsApi } from './routes/tenants-api.ts';
import { tenancyPages } from './routes/pages.tsx';

export const DEMO_TENANTS_CSV = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reference', 'fukushima-municipalities.csv');

export const tenancyModule = defineModule({
  name: 'tenancy',
  grants: { municipal_admin: ['tenancy.manage'] },
  routes: async (app, ctx) => {
    await tenantsApi(app, ctx);
    await tenancyPages(app, ctx);
  },
  seed: async (ctx) => {
    const rows = parseTenantCsv(await fs.readFile(DEMO_TENANTS_CSV, 'utf8'));
    await importTenants(ctx.db, rows);
    ctx.tenants.invalidate();
  },
});
