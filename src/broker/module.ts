// The NGSI-LD context broker (ETSI GS CIM 009 v1.9.1): the City OS data layer. Entities are
// stored per broker tenant in the platform database (PGlite or PostgreSQL) under expanded
// names; each request's @context is applied through cached term maps. See docs/broker.md for
// what is implemented per clause.
import type { FastifyInstance } from 'fastify';
import { defineModule, type AppContext } from '../platform/module.ts';
import { BrokerAccess, BrokerTenants } from './broker-tenants.ts';
import { EntityService } from './entities/entity-service.ts';
import { EntityStore } from './entities/entity-store.ts';
import { batchRoutes } from './http/batch-routes.ts';
import type { BrokerServices } from './http/broker-services.ts';
import { discoveryRoutes } from './http/discovery-routes.ts';
import { entitiesRoutes } from './http/entities-routes.ts';
import { infoRoutes } from './http/info-routes.ts';
import { ngsiErrorHandler, registerNgsiParsers } from './http/ngsi-http.ts';
import { header } from './http/request-options.ts';
import { brokerMigrations } from './migrations/index.ts';
import { createBrokerResolver } from './http/context-resolution.ts';
import { Notifier } from './subscriptions/notifier.ts';
import { SubscriptionMatcher } from './subscriptions/subscription-matcher.ts';
import { subscriptionsRoutes } from './subscriptions/subscriptions-routes.ts';
import { registrationRoutes } from './registrations/routes.ts';
import { PersonalTypes } from './personal/personal-types.ts';
import { OpenDataTypes } from './open-data/open-data-types.ts';
import { openDataRoutes } from './open-data/open-data-routes.ts';
import { brokerServices } from './exports.ts';
import { recordHistory } from './temporal/history-recorder.ts';
import { temporalRoutes } from './temporal/temporal-routes.ts';
import { EntityMaps } from './entity-maps/entity-maps.ts';
import { entityMapRoutes } from './entity-maps/entity-map-routes.ts';
import { Federation } from './registrations/federation.ts';

async function brokerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const store = new EntityStore(ctx.db, ctx.dbKind === 'pglite' ? 5000 : 0);
  // Temporal history: every change's attribute instances, recorded in the write's transaction.
  store.onChange(recordHistory);
  const { resolver, contextRoutes } = createBrokerResolver(ctx);
  const notifier = new Notifier(ctx, resolver, app.log);
  const services: BrokerServices = {
    ctx,
    store,
    // Grouped single-entity writes use up to half the pool, leaving the rest to reads and
    // batches; PGlite is one connection, where one group at a time makes the largest groups.
    entities: new EntityService(store, ctx.dbKind === 'pglite' ? 1 : Math.floor(ctx.config.dbPoolSize / 2)),
    tenants: new BrokerTenants(ctx),
    access: new BrokerAccess(ctx),
    resolver,
    personal: new PersonalTypes(),
    openData: new OpenDataTypes(),
    wakeNotifier: () => notifier.wake(),
  };
  brokerServices.set(ctx, services);
  // Subscriptions: matches are written to the outbox inside each write's transaction; the
  // notifier delivers them (in processes that run the worker) and is woken after each commit.
  const matcher = new SubscriptionMatcher(resolver, services.personal);
  store.onChange(matcher.listener);
  store.onCommit(() => notifier.wake());
  if (ctx.config.runWorker) {
    app.addHook('onReady', async () => notifier.start());
    app.addHook('onClose', async () => notifier.stop());
  }
  if (services.access.open) {
    app.log.warn('TSUNAGU_BROKER_AUTH=off: the NGSI-LD API at /ngsi-ld/v1 accepts requests WITHOUT credentials. Use this only for conformance suites and local experiments.');
  }
  registerNgsiParsers(app, ctx.config.brokerBodyLimit);
  app.setErrorHandler(ngsiErrorHandler);
  await entitiesRoutes(app, services);
  await batchRoutes(app, services);
  await discoveryRoutes(app, services);
  await infoRoutes(app, services);
  await subscriptionsRoutes(app, services, matcher);
  await registrationRoutes(app, services);
  const maps = new EntityMaps(services, new Federation(services));
  await temporalRoutes(app, services, maps);
  await openDataRoutes(app, services);
  await entityMapRoutes(app, services, maps);
  if (ctx.config.runWorker) {
    // Expired EntityMaps are never used again (they read as gone); their rows are swept here.
    const sweep = setInterval(() => void maps.store.purgeExpired().catch((error: unknown) => app.log.warn({ err: error }, 'sweeping expired EntityMaps failed')), 15 * 60_000);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  }
  // @contexts are shared by every tenant: deleting one needs the permission on the prefecture.
  await contextRoutes(app, async (request, permission) => {
    const tenant = await services.tenants.resolve(permission === 'broker.manage_tenants' ? undefined : header(request.headers['ngsild-tenant'], 'NGSILD-Tenant'));
    await services.access.assert(request.actor, permission, tenant);
  });
}

export const brokerModule = defineModule({
  name: 'broker',
  dependsOn: ['tenancy', 'authz', 'audit'],
  migrations: brokerMigrations,
  grants: {
    municipal_admin: ['broker.read', 'broker.write', 'broker.manage_tenants'],
    data_publisher: ['broker.read', 'broker.write'],
    auditor: ['broker.read'],
    reviewer: ['broker.read'],
  },
  routes: brokerRoutes,
});
