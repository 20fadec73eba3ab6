// Test helpers for registrations and distributed queries:
// - federationTestApp(): a Tsunagu whose broker module is the real one plus the registration
//   routes, with Query Entities and Retrieve Entity going through the federation exactly as the
//   integrated handlers will (see federatedEntityRoutes). The unfederated entity routes stay
//   reachable under /local (e.g. POST /local/ngsi-ld/v1/entities) to create the local entities.
// - startSourceBroker(): a second Tsunagu as a real separate process (the municipal broker).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildTsunagu } from '../../../app.ts';
import { installedModules } from '../../../modules.ts';
import type { Config } from '../../../platform/config.ts';
import { defineModule, type AppContext } from '../../../platform/module.ts';
import { createTestDatabase, testConfig, type TestApp } from '../../../../test/helpers/test-database.ts';
import { BrokerAccess, BrokerTenants } from '../../broker-tenants.ts';
import { NgsiError } from '../../errors.ts';
import { assertEntityId } from '../../entities/entity-input.ts';
import { renderEntity, renderFeature } from '../../entities/entity-output.ts';
import { EntityService } from '../../entities/entity-service.ts';
import { EntityStore } from '../../entities/entity-store.ts';
import { brokerModule } from '../../module.ts';
import { batchRoutes } from '../../http/batch-routes.ts';
import { begin, type BrokerServices } from '../../http/broker-services.ts';
import { createBrokerResolver } from '../../http/context-resolution.ts';
import { buildEntityQuery, entitiesRoutes } from '../../http/entities-routes.ts';
import { negotiate, ngsiErrorHandler, registerNgsiParsers, sendNgsi } from '../../http/ngsi-http.ts';
import { param, renderOptions, type Query } from '../../http/request-options.ts';
import { Federation, type FederationOptions } from '../federation.ts';
import { registrationRoutes } from '../routes.ts';

export interface FederationTestApp extends TestApp {
  federation: Federation;
}

/**
 * The two handlers of entities-routes.ts as they read once integrated: the only change is the
 * federation call in place of queryEntities(db, …) and store.get(…).
 */
export async function federatedEntityRoutes(app: FastifyInstance, services: BrokerServices, federation: Federation): Promise<void> {
  const BASE = '/ngsi-ld/v1/entities';
  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request, true);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const query = request.query as Query;
    const entityQuery = buildEntityQuery(tenant.name, query, terms);
    const render = renderOptions(query, terms);
    const result = await federation.queryEntities(entityQuery, terms, request);
    if (result.total !== undefined) reply.header('ngsild-results-count', String(result.total));
    if (answer === 'application/geo+json') {
      const geometryIri = terms.expandTerm(param(query, 'geometryProperty') ?? 'location');
      return sendNgsi(reply, 200, { type: 'FeatureCollection', features: result.entities.map((e) => renderFeature(e, render, geometryIri)) }, terms, answer);
    }
    return sendNgsi(reply, 200, result.entities.map((e) => renderEntity(e, render)), terms, answer);
  });

  app.get<{ Params: { entityId: string } }>(`${BASE}/:entityId`, async (request, reply) => {
    const answer = negotiate(request, true);
    const id = assertEntityId(request.params.entityId, 'entityId');
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const query = request.query as Query;
    const entity = await federation.retrieve(tenant.name, id, terms, request);
    if (!entity) throw new NgsiError('ResourceNotFound', `Entity ${id} does not exist`);
    const type = param(query, 'type');
    if (type) {
      const wanted = type.split(',').map((t) => terms.expandTerm(t.trim()));
      if (!wanted.some((t) => entity.types.includes(t))) throw new NgsiError('ResourceNotFound', `Entity ${id} is not of type ${type}`);
    }
    const render = renderOptions(query, terms);
    if (answer === 'application/geo+json') {
      return sendNgsi(reply, 200, renderFeature(entity, render, terms.expandTerm(param(query, 'geometryProperty') ?? 'location')), terms, answer);
    }
    return sendNgsi(reply, 200, renderEntity(entity, render), terms, answer);
  });
}

export async function federationTestApp(config: Partial<Config> = {}, options: FederationOptions = {}): Promise<FederationTestApp> {
  const database = await createTestDatabase();
  let federation: Federation | undefined;
  const broker = defineModule({
    ...brokerModule,
    routes: async (app: FastifyInstance, ctx: AppContext) => {
      const store = new EntityStore(ctx.db);
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
      federation = new Federation(services, options);
      await app.register(async (local) => entitiesRoutes(local, services), { prefix: '/local' });
      await federatedEntityRoutes(app, services, federation);
      await batchRoutes(app, services);
      await registrationRoutes(app, services);
      await contextRoutes(app);
    },
  });
  const modules = installedModules.map((m) => (m.name === 'broker' ? broker : m));
  const tsunagu = await buildTsunagu({ config: testConfig({ brokerAuth: false, ...config }), database, logger: false, migrate: false, modules });
  return {
    ...tsunagu,
    database,
    federation: federation!,
    close: async () => {
      await tsunagu.close();
      await database.close();
    },
  };
}

/** A port in 3400–3499 nobody listens on (checked by binding it for a moment). */
export async function freePort(exclude: number[] = []): Promise<number> {
  const start = 3400 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const port = 3400 + ((start - 3400 + i) % 100);
    if (exclude.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('No free port in 3400–3499');
}

export interface SourceBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Starts `tsunagu serve` as a separate process with its own PGlite data directory. */
export async function startSourceBroker(): Promise<SourceBroker> {
  const port = await freePort();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-source-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    TSUNAGU_DATA_DIR: dataDir,
    TSUNAGU_BROKER_AUTH: 'off',
    TSUNAGU_DEMO_DATA: 'true',
    TSUNAGU_WORKER: 'false',
    TSUNAGU_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
  };
  delete env.DATABASE_URL;
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'tsunagu.mjs'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`The source broker exited (${child.exitCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`The source broker did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, close };
}
