// How a capability plugs into Tsunagu. Each module (src/<name>/module.ts) exports one
// definition; src/modules.ts lists them; the registry checks dependencies at start and boots
// them in order. A module owns its tables (migrations), routes, pages, messages, role grants,
// background jobs and demo seeds, and reaches other modules only through their exports.
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { MigrationSet } from './db/migrator.ts';
import type { Authenticator } from './authz/authenticate.ts';
import type { Guard } from './authz/guard.ts';
import type { Grants, PermissionTable } from './authz/roles.ts';
import type { Locale, Messages } from './i18n/i18n.ts';
import type { JobHandler, JobQueue } from './queue/job-queue.ts';
import type { TenantDirectory } from './tenancy/tenant-directory.ts';
import type { Sealer } from './crypto/sealer.ts';
import type { Mailer } from './mail/mailer.ts';
import type { OutboundGuard } from './outbound/outbound-guard.ts';

export interface AppContext {
  config: Config;
  db: Database;
  dbKind: 'pglite' | 'postgres';
  tenants: TenantDirectory;
  permissions: PermissionTable;
  guard: Guard;
  queue: JobQueue;
  /** Encrypts personal data at rest (platform/crypto/sealer.ts). */
  sealer: Sealer;
  /** Sends e-mail through the durable queue (platform/mail/mailer.ts). */
  mail: Mailer;
  /** Checks and makes connections to URLs that clients name (platform/outbound). */
  outbound: OutboundGuard;
}

export interface TsunaguModule {
  name: string;
  dependsOn?: string[];
  migrations?: MigrationSet;
  grants?: Grants;
  messages?: Record<Locale, Messages>;
  jobs?: Record<string, JobHandler>;
  /** Ways this module recognises who is calling (tried in module order). */
  authenticators?: (ctx: AppContext) => Authenticator[];
  /** Registered as an encapsulated Fastify plugin; routes carry their full paths. */
  routes?: (app: FastifyInstance, ctx: AppContext) => Promise<void>;
  /** Demo data, run by `tsunagu seed` and on the first start with TSUNAGU_DEMO_DATA on. */
  seed?: (ctx: AppContext) => Promise<void>;
}

export function defineModule(module: TsunaguModule): TsunaguModule {
  if (!/^[a-z][a-z0-9-]*$/.test(module.name)) throw new Error(`Module name "${module.name}" must be kebab-case`);
  return module;
}

/** Orders modules so each comes after what it depends on; fails on a missing or cyclic one. */
export function orderModules(modules: TsunaguModule[]): TsunaguModule[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  if (byName.size !== modules.length) throw new Error('Two modules have the same name');
  const ordered: TsunaguModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (module: TsunaguModule, path: string[]) => {
    if (state.get(module.name) === 'done') return;
    if (state.get(module.name) === 'visiting') throw new Error(`Modules depend on each other in a cycle: ${[...path, module.name].join(' → ')}`);
    state.set(module.name, 'visiting');
    for (const dependency of module.dependsOn ?? []) {
      const target = byName.get(dependency);
      if (!target) throw new Error(`Module "${module.name}" depends on "${dependency}", which is not installed`);
      visit(target, [...path, module.name]);
    }
    state.set(module.name, 'done');
    ordered.push(module);
  };
  for (const module of modules) visit(module, []);
  return ordered;
}
