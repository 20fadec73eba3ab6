// The EntityMap resources (clauses 6.32 and 6.34; behaviour in 5.14.1–5.14.4):
// GET or POST /entityMaps makes the map of a query and answers it (201, its location in
// NGSILD-EntityMap); /entityMaps/{id} retrieves it, updates its expiry, or deletes it.
// Anyone who may read the tenant may use its maps and change their expiry or delete them; a
// reader without broker.read (open data) may only read and use maps made under open types.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertEntityId, isDateTime } from '../entities/entity-input.ts';
import { beginRead, type BrokerServices } from '../http/broker-services.ts';
import { buildEntityQuery, readableQuery, runReadable } from '../http/entities-routes.ts';
import { negotiate, sendNgsi, warnOfSources } from '../http/ngsi-http.ts';
import { queryBodyToParams } from '../http/query-body.ts';
import { bodyObject, type Query } from '../http/request-options.ts';
import { ENTITY_MAPS_PATH, MAX_LIFETIME_MS, mapLocation, mapRequest, queryKey, renderMap, type EntityMaps } from './entity-maps.ts';

type IdParams = { entityMapId: string };

/** Members an update may carry but that it ignores: output-only, or fixed (5.14.2.4). */
const IGNORED_ON_UPDATE = new Set(['id', 'type', 'entityMap', 'linkedMaps', '@context']);

export async function entityMapRoutes(app: FastifyInstance, services: BrokerServices, maps: EntityMaps): Promise<void> {
  /** 5.14.4 Create EntityMap for Query Entities: the query's parameters as Query Entities takes them. */
  const create = async (request: FastifyRequest, reply: FastifyReply, query: Query) => {
    const answer = negotiate(request);
    const { tenant, terms, openOnly } = await beginRead(services, request, { bodies: [request.body] });
    const built = buildEntityQuery(tenant.name, query, terms);
    const asked = mapRequest(query, request, { splitQuery: true });
    const made = await runReadable((optimistic) => readableQuery(services, built, openOnly, terms, optimistic), (q) => maps.create(q, terms, request, { lifetimeMs: asked.lifetimeMs, open: openOnly?.types, queryKey: queryKey(query, 'entities') }));
    warnOfSources(reply, made.warnings);
    reply.header('ngsild-entitymap', mapLocation(made.map.id));
    return sendNgsi(reply, 201, renderMap(made.map, made.entries), terms, answer);
  };

  /** The map at the path, as the reader may see it; ResourceNotFound otherwise (5.14.1.4). */
  const found = async (request: FastifyRequest<{ Params: IdParams }>, change = false) => {
    const id = assertEntityId(request.params.entityMapId, 'entityMapId');
    const begun = await beginRead(services, request);
    // Changing a map takes broker.read: an open-data reader may read and use open maps, not end them.
    if (change && begun.openOnly) throw begun.openOnly.refusal;
    const map = await maps.usable(begun.tenant.name, id, begun.openOnly?.types);
    if (!map) throw new NgsiError('ResourceNotFound', `EntityMap ${id} does not exist or has expired`);
    return { ...begun, map };
  };

  // 6.34.3.1 and 6.34.3.2
  app.get(ENTITY_MAPS_PATH, (request, reply) => create(request, reply, request.query as Query));
  app.post(ENTITY_MAPS_PATH, (request, reply) => create(request, reply, queryBodyToParams(request.body, request.query as Query, { temporal: false })));

  // 6.32.3.1 Retrieve EntityMap
  app.get<{ Params: IdParams }>(`${ENTITY_MAPS_PATH}/:entityMapId`, async (request, reply) => {
    const answer = negotiate(request);
    const { map, terms } = await found(request);
    return sendNgsi(reply, 200, renderMap(map, await maps.store.allEntries(map.tenant, map.id)), terms, answer);
  });

  // 6.32.3.2 Update EntityMap: only its expiry may change (5.5.14), up to a day from now.
  app.patch<{ Params: IdParams }>(`${ENTITY_MAPS_PATH}/:entityMapId`, async (request, reply) => {
    const fragment = bodyObject(request);
    const { map } = await found(request, true);
    const unknown = Object.keys(fragment).filter((k) => k !== 'expiresAt' && !IGNORED_ON_UPDATE.has(k));
    if (unknown.length) throw new NgsiError('BadRequestData', `${unknown.join(', ')}: an EntityMap's only member that may be updated is expiresAt`);
    const expiresAt = fragment.expiresAt;
    if (expiresAt === undefined) throw new NgsiError('BadRequestData', 'expiresAt: required, as it is the only member of an EntityMap that may be updated');
    if (!isDateTime(expiresAt)) throw new NgsiError('BadRequestData', 'expiresAt: must be a DateTime such as 2026-12-04T10:00:00Z');
    const at = Date.parse(expiresAt);
    if (at <= Date.now()) throw new NgsiError('BadRequestData', 'expiresAt: must be in the future (delete the EntityMap instead)');
    if (at > Date.now() + MAX_LIFETIME_MS) throw new NgsiError('BadRequestData', `expiresAt: an EntityMap lives at most ${MAX_LIFETIME_MS / 3_600_000} hours from now`);
    if (!(await maps.store.setExpiry(map.tenant, map.id, new Date(at).toISOString()))) throw new NgsiError('ResourceNotFound', `EntityMap ${map.id} does not exist or has expired`);
    return reply.code(204).send();
  });

  // 6.32.3.3 Delete EntityMap
  app.delete<{ Params: IdParams }>(`${ENTITY_MAPS_PATH}/:entityMapId`, async (request, reply) => {
    const { map } = await found(request, true);
    if (!(await maps.store.delete(map.tenant, map.id))) throw new NgsiError('ResourceNotFound', `EntityMap ${map.id} does not exist or has expired`);
    return reply.code(204).send();
  });
}
