// The NGSI-LD temporal API (clause 6.18–6.22) over the history that recordHistory
// (history-recorder.ts) keeps on every entity write:
//
//   GET    /ngsi-ld/v1/temporal/entities                              Query Temporal Evolution (5.7.4)
//   POST   /ngsi-ld/v1/temporal/entityOperations/query                the same, the Query in the body (5.7.4)
//   POST   /ngsi-ld/v1/temporal/entities                              Create or Update Temporal Evolution (5.6.11)
//   GET    /ngsi-ld/v1/temporal/entities/{id}                         Retrieve Temporal Evolution (5.7.3)
//   DELETE /ngsi-ld/v1/temporal/entities/{id}                         Delete Temporal Evolution (5.6.16)
//   POST   /ngsi-ld/v1/temporal/entities/{id}/attrs                   Add Attributes (5.6.12)
//   DELETE /ngsi-ld/v1/temporal/entities/{id}/attrs/{attr}            Delete Attribute (5.6.13)
//   PATCH  /ngsi-ld/v1/temporal/entities/{id}/attrs/{attr}/{instance} Modify Attribute instance (5.6.14)
//   DELETE /ngsi-ld/v1/temporal/entities/{id}/attrs/{attr}/{instance} Delete Attribute instance (5.6.15)
//
// The temporal evolution is separate from the current state: writes through this API change the
// history only (broker_entities is untouched), and deleting an entity keeps its history until
// DELETE /temporal/entities/{id}. Writes are split among the registered sources that keep
// history, as writes to /entities are (distributed-writes.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryBodyToParams } from '../http/query-body.ts';
import type { Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { assertEntityId, assertName, ENTITY_MEMBERS, expandTypes, isUri, parseScopes } from '../entities/entity-input.ts';
import { mergeTemporal, readInstances, readTemporalEntity, type TemporalPart } from './temporal-federation.ts';
import { inPages, MERGED_WINDOW, type Target } from '../registrations/federation.ts';
import { keepCovered } from '../registrations/registration.ts';
import { DistributedWrites, pick, renameBody } from '../registrations/distributed-writes.ts';
import { parseCsf } from '../registrations/csf.ts';
import type { EntityQuery } from '../entities/entity-query.ts';
import type { StoredAttribute } from '../entities/stored-entity.ts';
import { expandTypeSelector, parseTypeSelector, queryTypes, typesMatch } from '../entities/type-selector.ts';
import { assertPageLimit } from '../entities/entity-query.ts';
import { begin, beginRead, type BegunRead, type BrokerServices } from '../http/broker-services.ts';
import { assertOpen, readableQuery } from '../http/entities-routes.ts';
import { isOpenHistory } from '../open-data/open-data-types.ts';
import { negotiate, pageLinks, sendNgsi, sendWriteOutcome, warnOfSources, type ResolvedTerms } from '../http/ngsi-http.ts';
import { bodyObject, checkBodyId, deleteAttributeParams, expandValuesParam, list, paging, param, type Query } from '../http/request-options.ts';
import { parseQ, qHasLinks } from '../query/q-language.ts';
import { parseGeoQuery } from '../geo/geo-query.ts';
import { parseScopeQuery } from '../query/scope-query.ts';
import { renderTemporalEntity } from './temporal-output.ts';
import { parseTemporalParams, type TemporalParams } from './temporal-params.ts';
import { isPersonal, personalDataRefusal } from '../personal/personal-types.ts';
import { MAX_INSTANCES, TemporalStore, type InstanceFilter, type TemporalEntity, type TemporalEntityQuery } from './temporal-store.ts';
import { MAX_MAP_ENTITIES, mapLocation, mapRequest, queryKey, renderMap, type EntityMaps } from '../entity-maps/entity-maps.ts';

const BASE = '/ngsi-ld/v1/temporal/entities';

type IdParams = { entityId: string };
type AttrParams = { entityId: string; attrId: string };
type InstanceParams = { entityId: string; attrId: string; instanceId: string };

/** Entity members of an EntityTemporal that are not attributes. */

/**
 * The attributes of an EntityTemporal (fragment): each attribute is an array of instances (or one
 * instance). Unlike an entity, several instances may share a datasetId: they are points in time.
 */
function temporalAttributes(body: Record<string, unknown>, terms: ResolvedTerms, where: string): Record<string, StoredAttribute[]> {
  const attrs: Record<string, StoredAttribute[]> = {};
  for (const { attr, stored } of readInstances(body, terms, where)) (attrs[attr] ??= []).push(stored);
  return attrs;
}

function timeFilter(params: TemporalParams): InstanceFilter {
  return { attrs: params.attrs, datasetIds: params.datasetIds, time: params.time, timeproperty: params.timeproperty };
}

function instanceIdParam(value: string): string {
  if (!isUri(value)) throw new NgsiError('BadRequestData', `instanceId: "${value}" is not a URI`);
  return value;
}

/** The routes; the broker also registers recordHistory with store.onChange so there is history to read. */
export async function temporalRoutes(app: FastifyInstance, services: BrokerServices, maps: EntityMaps): Promise<void> {
  const temporal = new TemporalStore(services.ctx.db as unknown as Kysely<any>);
  // Writes are split among the registered sources that keep the entity's history (5.6.11.4–5.6.16.4).
  const writes = new DistributedWrites(maps.federation, async (tenant, id) => (await temporal.get(tenant, id))?.types);

  const render = async (tenant: string, entities: TemporalEntity[], params: TemporalParams, terms: ResolvedTerms) => {
    const instances = await temporal.instances(tenant, entities.map((e) => e.id), timeFilter(params), params.lastN);
    const ctx = { terms, params, now: Date.now() };
    return entities.map((entity) => renderTemporalEntity(entity, instances.get(entity.id) ?? [], ctx));
  };

  /** The entity query of Query Temporal Evolution of Entities (clause 5.7.4), as the reader may run it. */
  const buildQuery = async (query: Query, params: TemporalParams, { tenant, terms, openOnly }: BegunRead): Promise<TemporalEntityQuery> => {
    const ids = list(query, 'id');
    ids?.forEach((id) => assertEntityId(id, 'id'));
    const idPattern = param(query, 'idPattern');
    const type = param(query, 'type');
    const q = param(query, 'q');
    const scopeQ = param(query, 'scopeQ');
    const geo = parseGeoQuery({ georel: param(query, 'georel'), geometry: param(query, 'geometry'), coordinates: param(query, 'coordinates'), geoproperty: param(query, 'geoproperty') }, 'query');
    if (!ids && !idPattern && !type && !list(query, 'attrs') && !q && !scopeQ && !geo && param(query, 'local') !== 'true') {
      throw new NgsiError('BadRequestData', 'Query Temporal Evolution of Entities needs at least one of type, attrs, q, id, idPattern, scopeQ or a geo-query (georel, geometry, coordinates), or local=true');
    }
    const orderBy = param(query, 'orderBy');
    if (orderBy !== undefined && !/^id(;asc)?$/.test(orderBy)) {
      throw new NgsiError('BadRequestData', 'orderBy: the temporal API answers in entity id order (orderBy=id); ordering by attributes applies to Query Entities');
    }
    const qAst = q ? parseQ(q) : undefined;
    // Clause 5.7.4.4: linked entity retrieval in filter conditions is a BadRequestData here.
    if (qAst && qHasLinks(qAst)) throw new NgsiError('BadRequestData', 'q: linked entity paths (rel{attr}) cannot be used on the temporal API');
    const page = paging(query);
    assertPageLimit(page.limit);
    return readableQuery(services, {
      tenant: tenant.name,
      ids,
      idPattern,
      types: queryTypes(type, (t) => terms.expandTerm(t)),
      q: qAst,
      expandValues: expandValuesParam(query),
      scopeQ: scopeQ ? parseScopeQuery(scopeQ) : undefined,
      geo: geo ? { ...geo, geoproperty: terms.expandTerm(geo.geoproperty ?? 'location') } : undefined,
      instances: timeFilter(params),
      ...page,
      expand: (t) => terms.expandTerm(t),
    }, openOnly, terms);
  };

  /** The temporal parameters a source is asked with: the time query and lastN (the format is rendered here). */
  const forwardedTime = (query: Query) => {
    const out = new URLSearchParams();
    for (const name of ['timerel', 'timeAt', 'endTimeAt', 'timeproperty', 'lastN']) {
      const value = param(query, name);
      if (value !== undefined) out.set(name, value);
    }
    return out;
  };

  /**
   * The sources' temporal entities, kept to what each registration covers (4.3.6.1) and what the
   * query and the reader may see: its ids, idPattern and types, the attributes asked for, the
   * time range, the datasetIds; never personal types, for an open-data reader open types only.
   * `total`: the sources' counts, less the entities left out here.
   */
  const remoteParts = async (built: TemporalEntityQuery, params: TemporalParams, query: Query, terms: ResolvedTerms, request: FastifyRequest, targets: Target[], window: number, id?: string) => {
    const asQuery: EntityQuery = { ...built, attrs: params.attrs, csf: undefined, written: { scopeQ: param(query, 'scopeQ'), georel: param(query, 'georel'), geometry: param(query, 'geometry'), coordinates: param(query, 'coordinates') } };
    const { answers, warnings } = await maps.federation.temporal(built.tenant, targets, asQuery, forwardedTime(query), terms, request, window, id);
    const pattern = built.idPattern ? new RegExp(built.idPattern) : undefined;
    const time = params.time;
    const inRange = (t: string) => !time || (time.timerel === 'before' ? t < time.timeAt : t >= time.timeAt && (time.timerel === 'after' || t < time.endTimeAt!));
    const parts: TemporalPart[] = [];
    let total = 0;
    let instances = 0;
    for (const { target, items, total: counted } of answers) {
      let left = 0;
      let skipped = 0;
      for (const { item, terms: itemTerms } of items) {
        const part = readTemporalEntity(built.tenant, item, itemTerms, params.timeproperty, target.reg.id);
        const covered = part && keepCovered(target.info, { id: part.entity.id, types: part.entity.types, attrs: Object.fromEntries(part.instances.map((i) => [i.attr, true])) });
        if (!part || covered === null || (id !== undefined && part.entity.id !== id) || (built.ids && !built.ids.includes(part.entity.id))
          || (pattern && !pattern.test(part.entity.id)) || (built.types && !typesMatch(built.types, part.entity.types))
          // Personal types never; for an anonymous open-data read, open types only.
          || isPersonal(built.excludeTypes ?? [], part.entity.types) || (built.onlyTypes && !isOpenHistory(built.onlyTypes, part.entity.types))) {
          left++;
          continue;
        }
        skipped += part.skipped;
        part.instances = part.instances.filter((i) => (!covered || covered.has(i.attr)) && (!params.attrs || params.attrs.includes(i.attr))
          && (!params.datasetIds || params.datasetIds.includes(i.datasetId)) && inRange(i.time));
        instances += part.instances.length;
        if (instances > MAX_INSTANCES) {
          throw new NgsiError('TooManyResults', `The answer would hold more than ${MAX_INSTANCES} attribute instances with those of the registered sources; narrow the temporal query, use lastN, attrs or fewer entities (limit)`);
        }
        parts.push(part);
      }
      if (skipped) warnings.push(`${target.reg.endpoint} (${target.reg.id}): ${skipped} attribute instances were not valid and were left out`);
      total += Math.max(0, (counted ?? items.length) - left);
    }
    return { parts, total, warnings };
  };

  /**
   * Query Temporal Evolution with the registered sources that keep history (5.7.4.4): the local
   * entities and the sources', merged by id and paged as merged queries are (each party read
   * from its start, at most MERGED_WINDOW deep). Undefined when no source matches.
   */
  const queryWithSources = async (built: TemporalEntityQuery, params: TemporalParams, query: Query, terms: ResolvedTerms, request: FastifyRequest) => {
    const csf = param(query, 'csf');
    const filter = { selector: built.types, ids: built.ids, idPattern: built.idPattern, attrs: params.attrs, csf: csf ? parseCsf(csf, (t) => terms.expandTerm(t)) : undefined };
    const targets = await maps.federation.temporalTargets(built.tenant, filter, 'queryTemporal', params, request);
    if (targets.length === 0) return undefined;
    const window = built.offset + built.limit;
    if (window > MERGED_WINDOW) {
      throw new NgsiError('TooManyResults', `offset: a temporal query answered together with registered context sources pages through its first ${MERGED_WINDOW} entities (offset + limit at most ${MERGED_WINDOW}); narrow it, page through an EntityMap (entityMap=true, this broker's history), or use local=true`);
    }
    const [local, localTotal, remote] = await Promise.all([
      inPages(window, async (offset, limit) => ({ items: (await temporal.query({ ...built, offset, limit, count: false })).entities })),
      built.count ? temporal.query({ ...built, offset: 0, limit: 0, count: true }).then((r) => r.total ?? 0) : Promise.resolve(0),
      remoteParts(built, params, query, terms, request, targets, window),
    ]);
    const ids = [...new Set([...local.items.map((e) => e.id), ...remote.parts.map((p) => p.entity.id)])].sort();
    const pageIds = new Set(ids.slice(built.offset, built.offset + built.limit));
    const localPage = local.items.filter((e) => pageIds.has(e.id));
    const instances = await temporal.instances(built.tenant, localPage.map((e) => e.id), timeFilter(params), params.lastN);
    const parts = mergeTemporal([...localPage.map((entity) => ({ entity, instances: instances.get(entity.id) ?? [] })), ...remote.parts.filter((p) => pageIds.has(p.entity.id))], params.lastN);
    // Counts add up, less the entities seen both here and at a source.
    const localIds = new Set(local.items.map((e) => e.id));
    const overlap = new Set(remote.parts.map((p) => p.entity.id).filter((id) => localIds.has(id))).size;
    const total = built.count ? Math.max(ids.length, localTotal + remote.total - overlap) : undefined;
    return { parts, total, warnings: remote.warnings };
  };

  /** Query Temporal Evolution of Entities (clause 5.7.4) with its parameters in `query`. */
  const queryTemporal = async (request: FastifyRequest, reply: FastifyReply, query: Query, begun: BegunRead) => {
    const answer = negotiate(request);
    const { tenant, terms, openOnly } = begun;
    const params = parseTemporalParams(query, terms, true);
    const built = await buildQuery(query, params, begun);
    // Temporal queries are forwarded to sources: splitEntities=true is refused as on /entities.
    const asked = mapRequest(query, request);
    // Through an EntityMap (5.7.4.4) of this broker's history, which is all a map here lists.
    const mapped = asked.flag || asked.id
      ? await maps.temporal(built, asked, queryKey(query, 'temporal'), () => temporal.matchingIds(built, MAX_MAP_ENTITIES),
        async (ids) => (await temporal.query({ ...built, ids, offset: 0, limit: ids.length, count: false })).entities)
      : undefined;
    if (mapped) reply.header('ngsild-entitymap', mapLocation(mapped.map.id));
    const merged = mapped ? undefined : await queryWithSources(built, params, query, terms, request);
    if (merged) {
      warnOfSources(reply, merged.warnings);
      if (merged.total !== undefined) reply.header('ngsild-results-count', String(merged.total));
      if (request.method === 'GET') pageLinks(reply, request, built, merged.parts.length, merged.total);
      const ctx = { terms, params, now: Date.now() };
      return sendNgsi(reply, 200, merged.parts.map((p) => renderTemporalEntity(p.entity, p.instances, ctx)), terms, answer);
    }
    const result = mapped ?? (await temporal.query(built));
    const status = mapped?.created ? 201 : 200;
    if (result.total !== undefined) reply.header('ngsild-results-count', String(result.total));
    // Pointers to the other pages (5.5.9.1) for GET; a POST query's parameters are in its body.
    if (request.method === 'GET') pageLinks(reply, request, built, result.entities.length, result.total);
    return sendNgsi(reply, status, await render(tenant.name, result.entities, params, terms), terms, answer);
  };

  /** 5.14.5 Create EntityMap for Query Temporal Evolution of Entities: a temporal query is required. */
  const createMap = async (request: FastifyRequest, reply: FastifyReply, query: Query, begun: BegunRead) => {
    const answer = negotiate(request);
    // A temporal query is required, as for the query itself (5.14.5.4).
    const params = parseTemporalParams(query, begun.terms, true);
    const built = await buildQuery(query, params, begun);
    const asked = mapRequest(query, request, { forwarded: false });
    const { map, entries } = await maps.createLocal(built.tenant, await temporal.matchingIds(built, MAX_MAP_ENTITIES), { lifetimeMs: asked.lifetimeMs, open: begun.openOnly?.types, queryKey: queryKey(query, 'temporal') });
    reply.header('ngsild-entitymap', mapLocation(map.id));
    return sendNgsi(reply, 201, renderMap(map, entries), begun.terms, answer);
  };

  // 6.35.3.1 and 6.35.3.2
  app.get('/ngsi-ld/v1/temporal/entityMaps', async (request, reply) => createMap(request, reply, request.query as Query, await beginRead(services, request)));
  app.post('/ngsi-ld/v1/temporal/entityMaps', async (request, reply) => {
    const query = queryBodyToParams(request.body, request.query as Query, { temporal: true });
    return createMap(request, reply, query, await beginRead(services, request, { bodies: [request.body] }));
  });

  // 6.18.3.2 Query Temporal Evolution of Entities
  app.get(BASE, async (request, reply) => {
    return queryTemporal(request, reply, request.query as Query, await beginRead(services, request));
  });

  // 6.24.3.1 Query Temporal Evolution of Entities via POST: the Query data type (clause 5.2.23)
  // in the body, its temporalQ (clause 5.2.21) and geoQ included; URL parameters as on GET.
  app.post('/ngsi-ld/v1/temporal/entityOperations/query', async (request, reply) => {
    const query = queryBodyToParams(request.body, request.query as Query, { temporal: true });
    return queryTemporal(request, reply, query, await beginRead(services, request, { bodies: [request.body] }));
  });

  // 6.18.3.1 Create or Update Temporal Evolution of an Entity (distributed: clause 5.6.11.4)
  app.post(BASE, async (request, reply) => {
    const body = bodyObject(request);
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies: [body] });
    const id = assertEntityId(body.id ?? body['@id']);
    const rawType = body.type ?? body['@type'];
    const types = rawType === undefined ? [] : expandTypes(rawType, terms);
    const attrs = temporalAttributes(body, terms, `Entity ${id}`);
    const scopes = parseScopes(body.scope);
    let created = false;
    const outcome = await writes.write(
      { kind: 'upsertTemporal', tenant: tenant.name, id, types, attrs: Object.keys(attrs), terms, request, remote: (keep) => ({ method: 'POST', path: () => '/temporal/entities', body: (c) => renameBody(body, terms, c, keep) }) },
      async (keep) => {
        created = await temporal.addInstances(tenant.name, id, types, scopes, pick(attrs, keep), false);
      },
    );
    const location = `${BASE}/${encodeURIComponent(id)}`;
    return sendWriteOutcome(reply, outcome, terms, () => (created || outcome.sourceCreated ? reply.code(201).header('location', location).send() : reply.code(204).send()));
  });

  // 6.19.3.1 Retrieve Temporal Evolution of an Entity
  app.get<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const answer = negotiate(request);
    const id = assertEntityId(request.params.entityId, 'entityId');
    const { tenant, terms, openOnly } = await beginRead(services, request);
    const query = request.query as Query;
    const params = parseTemporalParams(query, terms, false);
    const local = await temporal.get(tenant.name, id);
    // Registered sources that keep history and offer retrieveTemporal (5.7.3.4), merged.
    const type = param(query, 'type');
    const selector = type ? expandTypeSelector(parseTypeSelector(type), (t) => terms.expandTerm(t)) : undefined;
    const targets = await maps.federation.temporalTargets(tenant.name, { ids: [id], selector, attrs: params.attrs }, 'retrieveTemporal', params, request);
    let part: TemporalPart | undefined;
    if (targets.length) {
      const excludeTypes = await services.personal.typesOf(services.ctx.db, tenant.name);
      const built: TemporalEntityQuery = { tenant: tenant.name, ids: [id], types: selector, instances: timeFilter(params), limit: 1, offset: 0, count: false, expand: (t) => terms.expandTerm(t), excludeTypes, onlyTypes: openOnly?.types };
      const remote = await remoteParts(built, params, query, terms, request, targets, 1, id);
      warnOfSources(reply, remote.warnings);
      const localInstances = local ? ((await temporal.instances(tenant.name, [id], timeFilter(params), params.lastN)).get(id) ?? []) : [];
      part = mergeTemporal([...(local ? [{ entity: local, instances: localInstances }] : []), ...remote.parts], params.lastN)[0];
    }
    const entity = part?.entity ?? local;
    assertOpen(openOnly, id, entity, isOpenHistory);
    if (!entity) throw new NgsiError('ResourceNotFound', `Entity ${id} has no temporal evolution`);
    if (isPersonal(await services.personal.typesOf(services.ctx.db, tenant.name), entity.types)) throw personalDataRefusal(id);
    // A type selector (clause 4.17), as on Query Entities: "A,B", "A;B", "(A;B)|C".
    if (selector && !typesMatch(selector, entity.types)) {
      throw new NgsiError('ResourceNotFound', `Entity ${id} is not of type ${type}`);
    }
    if (part) return sendNgsi(reply, 200, renderTemporalEntity(part.entity, part.instances, { terms, params, now: Date.now() }), terms, answer);
    const [rendered] = await render(tenant.name, [entity], params, terms);
    return sendNgsi(reply, 200, rendered, terms, answer);
  });

  // 6.19.3.2 Delete Temporal Evolution of an Entity (distributed: clause 5.6.16.4)
  app.delete<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const outcome = await writes.write(
      { kind: 'deleteTemporal', tenant: tenant.name, id, terms, request, remote: () => ({ method: 'DELETE', path: () => `/temporal/entities/${encodeURIComponent(id)}` }) },
      async () => {
        if (!(await temporal.deleteEntity(tenant.name, id))) throw new NgsiError('ResourceNotFound', `Entity ${id} has no temporal evolution`);
      },
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.20.3.1 Add Attributes to Temporal Evolution of an Entity (distributed: clause 5.6.12.4)
  app.post<{ Params: IdParams }>(`${BASE}/:entityId/attrs`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const body = bodyObject(request);
    checkBodyId(body, id);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies: [body] });
    const types = body.type !== undefined ? expandTypes(body.type, terms) : [];
    const attrs = temporalAttributes(body, terms, `Entity ${id}`);
    if (Object.keys(attrs).length === 0 && types.length === 0) throw new NgsiError('BadRequestData', 'The body names no attribute instances to add');
    const outcome = await writes.write(
      { kind: 'appendAttrsTemporal', tenant: tenant.name, id, types, attrs: Object.keys(attrs), terms, request, remote: (keep) => ({ method: 'POST', path: () => `/temporal/entities/${encodeURIComponent(id)}/attrs`, body: (c) => renameBody(body, terms, c, keep) }) },
      async (keep) => {
        await temporal.addInstances(tenant.name, id, types, null, pick(attrs, keep), true);
      },
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.21.3.1 Delete Attribute from Temporal Evolution of an Entity (distributed: clause 5.6.13.4)
  app.delete<{ Params: AttrParams }>(`${BASE}/:entityId/attrs/:attrId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    assertName(request.params.attrId, 'attrId');
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const { datasetId, deleteAll } = deleteAttributeParams(request.query as Query);
    const iri = terms.expandTerm(request.params.attrId);
    const params = new URLSearchParams({ ...(datasetId ? { datasetId } : {}), ...(deleteAll ? { deleteAll: 'true' } : {}) });
    const outcome = await writes.write(
      { kind: 'deleteAttrsTemporal', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => ({ method: 'DELETE', path: (c) => `/temporal/entities/${encodeURIComponent(id)}/attrs/${encodeURIComponent(c(iri))}`, params }) },
      () => temporal.deleteAttribute(tenant.name, id, iri, datasetId, deleteAll),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.22.3.1 Modify Attribute instance in Temporal Evolution of an Entity (distributed: clause 5.6.14.4)
  app.patch<{ Params: InstanceParams }>(`${BASE}/:entityId/attrs/:attrId/:instanceId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const name = request.params.attrId;
    assertName(name, 'attrId');
    const instanceId = instanceIdParam(request.params.instanceId);
    const body = bodyObject(request);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies: [body] });
    const iri = terms.expandTerm(name);
    // The body is an EntityTemporal fragment holding this attribute with exactly one instance.
    const others = Object.keys(body).filter((k) => !ENTITY_MEMBERS.has(k) && k !== name);
    if (others.length || !(name in body)) {
      throw new NgsiError('BadRequestData', `The body must be a fragment holding only the attribute "${name}" with one instance, e.g. {"${name}": [{"type": "Property", "value": …}]}`);
    }
    const raw = body[name];
    if (Array.isArray(raw) && raw.length !== 1) throw new NgsiError('BadRequestData', `"${name}" must hold exactly one instance`);
    const attrs = temporalAttributes({ [name]: raw }, terms, `Entity ${id}`);
    const outcome = await writes.write(
      { kind: 'updateAttrInstanceTemporal', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => ({ method: 'PATCH', path: (c) => instancePath(id, c(iri), instanceId), body: (c) => renameBody({ [name]: raw }, terms, c, undefined) }) },
      () => temporal.modifyInstance(tenant.name, id, iri, instanceId, attrs[iri]![0]!),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.22.3.2 Delete Attribute instance from Temporal Evolution of an Entity (distributed: clause 5.6.15.4)
  app.delete<{ Params: InstanceParams }>(`${BASE}/:entityId/attrs/:attrId/:instanceId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    assertName(request.params.attrId, 'attrId');
    const instanceId = instanceIdParam(request.params.instanceId);
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const iri = terms.expandTerm(request.params.attrId);
    const outcome = await writes.write(
      { kind: 'deleteAttrInstanceTemporal', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => ({ method: 'DELETE', path: (c) => instancePath(id, c(iri), instanceId) }) },
      () => temporal.deleteInstance(tenant.name, id, iri, instanceId),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });
}

/** The path of one attribute instance at a source, its attribute name compacted for that source. */
function instancePath(id: string, attr: string, instanceId: string): string {
  return `/temporal/entities/${encodeURIComponent(id)}/attrs/${encodeURIComponent(attr)}/${encodeURIComponent(instanceId)}`;
}
