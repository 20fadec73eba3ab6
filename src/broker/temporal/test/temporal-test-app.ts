// A Tsunagu test app whose broker also has the temporal API, assembled from the same pieces as
// src/broker/module.ts (store, services, parsers, error handler, entity/batch/discovery routes)
// plus recordHistory and temporalRoutes, on a test database with the temporal migration applied.
import { sql } from 'kysely';
import { buildTsunagu } from '../../../app.ts';
import { installedModules } from '../../../modules.ts';
import type { AppContext } from '../../../platform/module.ts';
import { createTestDatabase, testConfig, type TestApp } from '../../../../test/helpers/test-database.ts';
import { BrokerAccess, BrokerTenants } from '../../broker-tenants.ts';
import { EntityService } from '../../entities/entity-service.ts';
import { EntityStore } from '../../entities/entity-store.ts';
import { batchRoutes } from '../../http/batch-routes.ts';
import type { BrokerServices } from '../../http/broker-services.ts';
import { createBrokerResolver } from '../../http/context-resolution.ts';
import { discoveryRoutes } from '../../http/discovery-routes.ts';
import { entitiesRoutes } from '../../http/entities-routes.ts';
import { ngsiErrorHandler, registerNgsiParsers } from '../../http/ngsi-http.ts';
import { recordHistory } from '../history-recorder.ts';
import { temporalMigrations } from '../migrations.ts';
import { temporalRoutes } from '../temporal-routes.ts';

export { type TestApp };

async function brokerWithTemporal(app: import('fastify').FastifyInstance, ctx: AppContext): Promise<void> {
  const store = new EntityStore(ctx.db);
  store.onChange(recordHistory);
  const { resolver, contextRoutes } = createBrokerResolver(ctx);
  const services: BrokerServices = {
    ctx,
    store,
    entities: new EntityService(store),
    tenants: new BrokerTenants(ctx),
    access: new BrokerAccess(ctx),
    resolver,
  };
  registerNgsiParsers(app, ctx.config.brokerBodyLimit);
  app.setErrorHandler(ngsiErrorHandler);
  await entitiesRoutes(app, services);
  await batchRoutes(app, services);
  await discoveryRoutes(app, services);
  await temporalRoutes(app, services);
  await contextRoutes(app);
}

export async function temporalTestApp(): Promise<TestApp> {
  const database = await createTestDatabase();
  // Once the broker lists the temporal migration, the template database already has it.
  const present = await sql<{ t: string | null }>`select to_regclass('broker_attribute_instances')::text as t`.execute(database.db);
  if (!present.rows[0]?.t) {
    for (const migration of Object.values(temporalMigrations)) await migration.up(database.db as never);
  }
  const modules = installedModules.map((m) => (m.name === 'broker' ? { ...m, routes: brokerWithTemporal } : m));
  const tsunagu = await buildTsunagu({ config: testConfig({ brokerAuth: false }), database, logger: false, migrate: false, modules });
  return {
    ...tsunagu,
    database,
    close: async () => {
      await tsunagu.close();
      await database.close();
    },
  };
}
