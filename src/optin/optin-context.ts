// What the opt-in module's use cases work with: the platform context, this module's view of the
// database, its stores, and the identity module's exports. Built once per application.
import * as broker from '../broker/exports.ts';
import * as identity from '../identity/exports.ts';
import * as portal from '../portal/exports.ts';
import type { AppContext } from '../platform/module.ts';
import { ConsentStore } from './consents/consents.ts';
import { optinDb, type OptinDatabase } from './db/schema.ts';
import { GatewayRoundTrips } from './gateway/gateway-round-trips.ts';
import { GatewayStateCache } from './gateway/gateway-state.ts';
import { Registry } from './registry/registry.ts';

export interface OptinContext {
  app: AppContext;
  db: OptinDatabase;
  registry: Registry;
  consents: ConsentStore;
  /** The gateway's batched statement: version reads for new calls, access-log entries of finished ones. */
  roundTrips: GatewayRoundTrips;
  /** This process's cache of what the gateway checks on every call (kept consistent by version counters). */
  gatewayState: GatewayStateCache;
  identity: typeof identity;
  broker: typeof broker;
  portal: typeof portal;
}

export function createOptinContext(app: AppContext): OptinContext {
  const ctx = { app, db: optinDb(app.db), registry: new Registry(app.sealer), identity, broker, portal } as OptinContext;
  ctx.roundTrips = new GatewayRoundTrips(ctx);
  ctx.consents = new ConsentStore(ctx);
  ctx.gatewayState = new GatewayStateCache(ctx);
  return ctx;
}
