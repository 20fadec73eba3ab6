// Wires the JSON-LD layer (src/broker/jsonld) into the broker: one resolver per server, sharing
// cached remote contexts through the database store, and the @context management API.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../platform/module.ts';
import { ContextResolver } from '../jsonld/resolver.ts';
import { jsonldContextsRoutes, type JsonldContextsDeps } from '../jsonld/routes.ts';
import { ContextStore } from '../jsonld/store.ts';
import type { TermResolver } from './ngsi-http.ts';

export function createBrokerResolver(ctx: AppContext): { resolver: TermResolver & ContextResolver; contextRoutes: (app: FastifyInstance, authorize: JsonldContextsDeps['authorize']) => Promise<void> } {
  const db = ctx.db as unknown as Kysely<any>;
  const store = new ContextStore(db);
  const resolver = new ContextResolver({ store, publicUrl: ctx.config.publicUrl, outbound: ctx.outbound });
  return {
    resolver: resolver as TermResolver & ContextResolver,
    contextRoutes: async (app, authorize) => {
      await jsonldContextsRoutes(app, { db, resolver, store, publicUrl: ctx.config.publicUrl, authorize, bodyLimit: ctx.config.brokerBodyLimit });
    },
  };
}
