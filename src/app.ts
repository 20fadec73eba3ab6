// Assembles Tsunagu: opens nothing itself (the caller passes the database), runs migrations,
// wires the platform services, and registers every module's routes on one Fastify server.
// Tests build it with app.inject(); the CLI's `serve` adds listen().
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from './platform/config.ts';
import type { DatabaseHandle } from './platform/db/database.ts';
import { combineMigrations, migrateToLatest, type MigrationSet } from './platform/db/migrator.ts';
import { platformMigrations } from './platform/db/migrations/index.ts';
import { createServer } from './platform/http/server.ts';
import { healthRoutes } from './platform/http/health-routes.ts';
import { problemRoutes } from './platform/http/problem-routes.tsx';
import { addMessages } from './platform/i18n/i18n.ts';
import { Guard } from './platform/authz/guard.ts';
import { PermissionTable } from './platform/authz/roles.ts';
import { JobQueue } from './platform/queue/job-queue.ts';
import { TenantDirectory } from './platform/tenancy/tenant-directory.ts';
import { orderModules, type AppContext, type TsunaguModule } from './platform/module.ts';
import { renderErrorPage } from './platform/ui/render.tsx';
import { assetRoutes } from './platform/ui/assets-routes.ts';
import { preferencesRoutes } from './platform/ui/preferences-routes.tsx';
import { galleryRoutes } from './platform/ui/gallery/gallery-routes.tsx';
import { installedModules } from './modules.ts';
import { sealerFor } from './platform/crypto/data-keys.ts';
import { MAIL_TOPIC, Mailer } from './platform/mail/mailer.ts';
import { outboxTransport, smtpTransport } from './platform/mail/transports.ts';
import { outboxRoutes } from './platform/mail/outbox-routes.tsx';
import { OutboundGuard } from './platform/outbound/outbound-guard.ts';

export interface Tsunagu {
  app: FastifyInstance;
  ctx: AppContext;
  modules: TsunaguModule[];
  migrations: MigrationSet;
  /** Seeds demo data from every module (idempotent). */
  seed(): Promise<void>;
  close(): Promise<void>;
}

export interface BuildOptions {
  config: Config;
  database: DatabaseHandle;
  logger?: FastifyServerOptions['logger'];
  /** Defaults to the installed modules (src/modules.ts). */
  modules?: TsunaguModule[];
  migrate?: boolean;
}

const messagesAdded = new WeakSet<TsunaguModule>();

export function allMigrations(modules: TsunaguModule[] = installedModules): MigrationSet {
  return combineMigrations([platformMigrations, ...modules.map((m) => m.migrations ?? {})]);
}

export async function buildTsunagu(options: BuildOptions): Promise<Tsunagu> {
  const { config, database } = options;
  const modules = orderModules(options.modules ?? installedModules);
  const migrations = allMigrations(modules);
  if (options.migrate !== false) await migrateToLatest(database.db, migrations);

  const permissions = new PermissionTable();
  const tenants = new TenantDirectory(database.db);
  const app = await createServer({
    config,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    renderErrorPage: (error, reply) => renderErrorPage(error, reply.request, reply.generateCsrf()),
  });
  const queue = new JobQueue(database.db, {
    leaseMs: config.jobLeaseSeconds * 1000,
    onError: (error, job) => app.log.warn({ err: error, jobId: job.id, topic: job.topic, attempt: job.attempt }, 'job failed'),
  });
  const sealer = sealerFor(config);
  const mail = new Mailer(
    queue,
    sealer,
    config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom, config.publicUrl) : outboxTransport(database.db, sealer),
  );
  queue.handle(MAIL_TOPIC, mail.deliver);
  const ctx: AppContext = {
    config,
    db: database.db,
    dbKind: database.kind,
    tenants,
    permissions,
    guard: new Guard(permissions, tenants),
    queue,
    sealer,
    mail,
    outbound: new OutboundGuard(config.outbound),
  };

  for (const module of modules) {
    if (module.grants) permissions.add(module.grants);
    if (module.messages && !messagesAdded.has(module)) {
      addMessages(module.messages);
      messagesAdded.add(module);
    }
    for (const [topic, handler] of Object.entries(module.jobs ?? {})) queue.handle(topic, handler);
  }

  const authenticators = modules.flatMap((m) => m.authenticators?.(ctx) ?? []);
  app.addHook('onRequest', async (request) => {
    for (const authenticate of authenticators) {
      const actor = await authenticate(request);
      if (actor) {
        request.actor = actor;
        return;
      }
    }
  });

  await healthRoutes(app, { db: database.db, migrations });
  await assetRoutes(app);
  await problemRoutes(app);
  await preferencesRoutes(app, ctx);
  if (mail.transport.kind === 'outbox' && !config.production) await outboxRoutes(app, ctx);
  // The component gallery and example form are for development only.
  if (!config.production) await galleryRoutes(app);
  for (const module of modules) {
    if (module.routes) {
      const routes = module.routes;
      await app.register(async (child) => routes(child, ctx), {});
    }
  }

  const seed = async () => {
    for (const module of modules) await module.seed?.(ctx);
  };

  return {
    app,
    ctx,
    modules,
    migrations,
    seed,
    close: async () => {
      await queue.stop();
      await app.close();
      await mail.transport.close?.();
      await ctx.outbound.close();
    },
  };
}
