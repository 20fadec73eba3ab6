// Context Information Provision and Consumption for single entities (clause 6.4–6.7):
// /ngsi-ld/v1/entities and /entities/{entityId}[/attrs[/{attrId}]].
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import { lastSeenVersion, StaleTenantVersion, tenantVersion as readTenantVersion } from '../tenant-state.ts';
import { assertEntityId, assertName, convertAttributes, convertEntity, expandTypes, NGSI_NULL, parseScopes, type ConvertOptions } from '../entities/entity-input.ts';
import { renderEntity, renderFeature, type RenderOptions } from '../entities/entity-output.ts';
import { loadLinked, parseJoin, renderFlat, renderInline } from '../entities/linked-entities.ts';
import type { StoredAttributes, StoredEntity } from '../entities/stored-entity.ts';
import type { EntityQuery } from '../entities/entity-query.ts';
import { expandTypeSelector, parseTypeSelector, queryTypes, typesMatch } from '../entities/type-selector.ts';
import { parseGeoQuery } from '../geo/geo-query.ts';
import { parseQ, qHasLinks } from '../query/q-language.ts';
import { parseOrdering } from '../query/ordering.ts';
import { parseScopeQuery } from '../query/scope-query.ts';
import { isPersonal, personalDataRefusal } from '../personal/personal-types.ts';
import { Federation, type FederatedResult } from '../registrations/federation.ts';
import { EntityMaps, mapLocation, mapRequest, queryKey } from '../entity-maps/entity-maps.ts';
import { LOCAL } from '../entity-maps/entity-map-store.ts';
import { matchingIds } from '../entities/entity-query.ts';
import type { BatchResult } from '../entities/entity-service.ts';
import { parseCsf } from '../registrations/csf.ts';
import { DistributedWrites, pick, renameBody } from '../registrations/distributed-writes.ts';
import { begin, beginRead, notOpen, openSelector, type BrokerServices, type OpenDataScope } from './broker-services.ts';
import { isOpen } from '../open-data/open-data-types.ts';
import type { TypeSelector } from '../entities/type-selector.ts';
import { negotiate, pageLinks, sendBatch, sendNgsi, sendWriteOutcome, warnOfSources, type ResolvedTerms } from './ngsi-http.ts';
import { bodyObject, checkBodyId, deleteAttributeParams, expandValuesParam, list, options, paging, param, renderOptions, type Query } from './request-options.ts';

const BASE = '/ngsi-ld/v1/entities';
/** The most entities one Purge Entities request deletes (TooManyResults beyond: purge again). */
const MAX_PURGE = 10_000;

type IdParams = { entityId: string };
type AttrParams = { entityId: string; attrId: string };

function convertOptions(terms: ResolvedTerms, allowNull = false): ConvertOptions {
  return { terms, now: new Date().toISOString(), allowNull };
}

/** Builds the entity query of GET /entities (and POST entityOperations/query). */
export function buildEntityQuery(tenant: string, query: Query, terms: ResolvedTerms): EntityQuery {
  const ids = list(query, 'id');
  ids?.forEach((id) => assertEntityId(id, 'id'));
  const type = param(query, 'type');
  const attrs = list(query, 'attrs');
  const q = param(query, 'q');
  const scopeQ = param(query, 'scopeQ');
  const idPattern = param(query, 'idPattern');
  const georel = param(query, 'georel');
  const geometry = param(query, 'geometry');
  const coordinates = param(query, 'coordinates');
  const geoproperty = param(query, 'geoproperty');
  const csf = param(query, 'csf');
  const hasGeo = georel !== undefined || geometry !== undefined || coordinates !== undefined;
  if (!ids && !type && !attrs && !q && !scopeQ && !idPattern && !hasGeo && param(query, 'local') !== 'true') {
    throw new NgsiError('BadRequestData', 'Query Entities needs at least one of type, id, idPattern, attrs, q, scopeQ or a geo-query (georel, geometry, coordinates)');
  }
  const geo = hasGeo ? parseGeoQuery({ georel, geometry, coordinates, geoproperty }, 'query') : undefined;
  return {
    tenant,
    ids,
    idPattern,
    // "*" also means this broker's entities only (Federation.forwarding).
    types: queryTypes(type, (t) => terms.expandTerm(t)),
    attrs: attrs?.map((a) => {
      assertName(a, 'attrs');
      return terms.expandTerm(a);
    }),
    q: q ? parseQ(q) : undefined,
    expandValues: expandValuesParam(query),
    scopeQ: scopeQ ? parseScopeQuery(scopeQ) : undefined,
    geo: geo ? { ...geo, geoproperty: terms.expandTerm(geo.geoproperty ?? 'location') } : undefined,
    csf: csf ? parseCsf(csf, (t) => terms.expandTerm(t)) : undefined,
    split: param(query, 'splitEntities') === 'true',
    localOnly: param(query, 'local') === 'true' || type === '*',
    written: { scopeQ, georel, geometry, coordinates },
    ordering: parseOrdering(query, (t) => terms.expandTerm(t)),
    ...paging(query),
    expand: (t) => terms.expandTerm(t),
  };
}

/**
 * A query as the caller may run it: personal types left out, and for an open-data read only the
 * open types (the requested ones among them, forwarded to sources so too).
 */
export async function readableQuery<Q extends { tenant: string; types?: TypeSelector | undefined }>(services: BrokerServices, query: Q, openOnly: OpenDataScope | undefined, terms: ResolvedTerms, optimistic = false) {
  // Read once for the request: the personal types here and the registrations (federation) use
  // it. Optimistic: the version last seen, checked by the query's own statement (runReadable).
  const assumed = optimistic ? lastSeenVersion(query.tenant) : undefined;
  const tenantVersion = assumed ?? (await readTenantVersion(services.ctx.db, query.tenant));
  const excludeTypes = await services.personal.typesOf(services.ctx.db, query.tenant, tenantVersion);
  const checked = { ...query, excludeTypes, tenantVersion, checkVersion: assumed !== undefined };
  if (!openOnly) return checked;
  return { ...checked, types: openSelector(openOnly, query.types, (iri) => terms.compactIri(iri)), onlyTypes: openOnly.types };
}

/**
 * Runs a query on the tenant's version last seen (readableQuery, optimistic), which the query's
 * statement checks; if the version has changed since, once more after reading it first.
 */
export async function runReadable<R>(prepare: (optimistic: boolean) => Promise<EntityQuery>, run: (query: EntityQuery) => Promise<R>): Promise<R> {
  try {
    return await run(await prepare(true));
  } catch (error) {
    if (!(error instanceof StaleTenantVersion)) throw error;
    return run(await prepare(false));
  }
}

/**
 * Runs Query Entities (GET /entities, POST entityOperations/query): through an EntityMap when
 * the request asks for one or names one (entity-maps.ts; 201 when one was made, its location
 * in NGSILD-EntityMap), else merged with the registered sources.
 */
export async function runEntityQuery(services: BrokerServices, maps: EntityMaps, built: EntityQuery, query: Query, openOnly: OpenDataScope | undefined, terms: ResolvedTerms, request: FastifyRequest, reply: FastifyReply): Promise<{ result: FederatedResult; status: number }> {
  const asked = mapRequest(query, request, { splitQuery: true });
  const prepare = (optimistic: boolean) => readableQuery(services, built, openOnly, terms, optimistic);
  if (!asked.flag && !asked.id) return { result: await runReadable(prepare, (q) => maps.federation.queryEntities(q, terms, request)), status: 200 };
  if (built.ordering) throw new NgsiError('OperationNotSupported', 'orderBy: an EntityMap pages in entity id order; use one or the other');
  const result = await runReadable(prepare, (q) => maps.query(q, terms, request, asked, queryKey(query, 'entities')));
  reply.header('ngsild-entitymap', mapLocation(result.map.id));
  return { result, status: result.created ? 201 : 200 };
}

/** The refusal of a retrieve by an open-data reader, unless the entity is of an open type. */
export function assertOpen(openOnly: OpenDataScope | undefined, id: string, entity: { types: string[] } | undefined, open = isOpen): void {
  if (openOnly && !(entity && open(openOnly.types, entity.types))) {
    throw notOpen(openOnly, `Entity ${id} is not open data of this tenant, or does not exist (公開データではありません)`);
  }
}

/** The answer's entities rendered, with their linked entities when `join` asks (4.5.23). */
export async function renderJoined(services: BrokerServices, tenant: string, entities: StoredEntity[], render: RenderOptions, join: ReturnType<typeof parseJoin>, openOnly?: OpenDataScope) {
  if (!join) return entities.map((entity) => ({ entity, json: renderEntity(entity, render) }));
  const linked = await loadLinked(services.store.kysely, tenant, entities, join, render, openOnly?.types);
  if (join.mode === 'inline') {
    const json = renderInline(entities, linked, join, render);
    return entities.map((entity, i) => ({ entity, json: json[i]! }));
  }
  const all = [...entities, ...linked.values()];
  const json = renderFlat(entities, linked, render);
  return all.map((entity, i) => ({ entity, json: json[i]! }));
}

export async function entitiesRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const { entities } = services;
  // Entities held by registered context sources (e.g. a municipality's own broker) are merged
  // into queries and retrieves unless the client asks for local=true.
  const federation = new Federation(services);
  const maps = new EntityMaps(services, federation);
  // Writes are split among the registered sources that hold the entity's attributes.
  const writes = new DistributedWrites(federation, async (tenant, id) => (await services.store.getWithVersion(tenant, id)).entity?.types);

  /** The start of every write to one entity: its id, the body (whose id must match) and begin. */
  const beginEntityWrite = async (request: FastifyRequest<{ Params: IdParams }>) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const body = bodyObject(request);
    checkBodyId(body, id);
    return { id, body, ...(await begin(services, request, 'broker.write', { bodies: [body] })) };
  };

  /** The start of a write to one attribute: the names, and the body without its @context. */
  const beginAttributeWrite = async (request: FastifyRequest<{ Params: AttrParams }>) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const name = request.params.attrId;
    assertName(name, 'attrId');
    const { ['@context']: _context, ...fragment } = bodyObject(request);
    const begun = await begin(services, request, 'broker.write', { bodies: [request.body] });
    return { id, name, iri: begun.terms.expandTerm(name), fragment, ...begun };
  };

  // 6.4.3.1 Create Entity (distributed: clause 5.6.1.4)
  app.post(BASE, async (request, reply) => {
    const body = bodyObject(request);
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies: [body] });
    const input = convertEntity(body, convertOptions(terms));
    const outcome = await writes.write(
      { kind: 'create', tenant: tenant.name, id: input.id, types: input.types, attrs: Object.keys(input.attrs), terms, request, remote: (keep) => ({ method: 'POST', path: () => '/entities', body: (c) => renameBody(body, terms, c, keep) }) },
      (keep) => entities.create(tenant.name, { ...input, attrs: pick(input.attrs, keep) }),
    );
    // A partly created entity (207) still has its place here or at a source.
    if (outcome.updated.length) reply.header('location', `${BASE}/${encodeURIComponent(input.id)}`);
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(201).header('location', `${BASE}/${encodeURIComponent(input.id)}`).send());
  });

  // 6.4.3.2 Query Entities
  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request, true);
    const { tenant, terms, openOnly } = await beginRead(services, request);
    const query = request.query as Query;
    const built = buildEntityQuery(tenant.name, query, terms);
    const render = renderOptions(query, terms);
    const join = parseJoin(query);
    const { result, status } = await runEntityQuery(services, maps, built, query, openOnly, terms, request, reply);
    warnOfSources(reply, result.warnings);
    if (result.total !== undefined) reply.header('ngsild-results-count', String(result.total));
    pageLinks(reply, request, built, result.entities.length, result.total);
    const rendered = await renderJoined(services, tenant.name, result.entities, render, join, openOnly);
    if (answer === 'application/geo+json') {
      const geometryIri = terms.expandTerm(param(query, 'geometryProperty') ?? 'location');
      return sendNgsi(reply, status, { type: 'FeatureCollection', features: rendered.map(({ entity, json }) => renderFeature(entity, render, geometryIri, json)) }, terms, answer);
    }
    return sendNgsi(reply, status, rendered.map((r) => r.json), terms, answer);
  });

  // 6.4.3.3 Purge Entities (clause 5.6.21): delete the entities a query selects, or with
  // drop/keep only some of their attributes; forwarded to the registrations that match.
  app.delete(BASE, async (request, reply) => {
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const query = request.query as Query;
    const names = (name: 'drop' | 'keep') => list(query, name)?.map((a) => {
      assertName(a, name);
      return terms.expandTerm(a);
    });
    const drop = names('drop');
    const keep = names('keep');
    if (drop && keep) throw new NgsiError('BadRequestData', 'drop and keep cannot be used together');
    const hasGeo = ['georel', 'geometry', 'coordinates'].some((n) => param(query, n) !== undefined);
    // Table 6.4.3.3-1: ids alone (or drop/keep alone) are too wide a purge unless local.
    if (!param(query, 'type') && !param(query, 'attrs') && !param(query, 'q') && !hasGeo && param(query, 'local') !== 'true') {
      throw new NgsiError('BadRequestData', 'Purge Entities needs at least one of type, attrs, q or a geo-query (georel, geometry, coordinates), or local=true');
    }
    const built = buildEntityQuery(tenant.name, query, terms);
    if (built.q && qHasLinks(built.q)) throw new NgsiError('BadRequestData', 'q: linked entity paths (rel{attr}) cannot be used to purge entities');
    // Personal types are never purged through the NGSI-LD API (their owner's consent governs them).
    const readable = await readableQuery(services, { ...built, limit: 0, offset: 0, count: false }, undefined, terms);
    // An EntityMap (Table 6.4.3.3-2) fixes which entities are purged, here and at each source.
    const asked = mapRequest(query, request, { splitQuery: true });
    if (built.split && asked.id) throw new NgsiError('OperationNotSupported', 'splitEntities: an EntityMap of split entities lists candidates, not matches; purge without NGSILD-EntityMap');
    const inMap = asked.id ? await maps.usable(tenant.name, asked.id, undefined) : undefined;
    if (asked.id && !inMap) throw new NgsiError('BadRequestData', `NGSILD-EntityMap: EntityMap ${asked.id} does not exist or has expired; nothing was purged`);
    let bySource: Map<string, string[]> | undefined;
    // Split entities (4.3.6.7): the parts are merged and filtered here, then each party purges its part.
    let splitIds: string[] | undefined;
    if (built.split) {
      const split = await federation.splitMatches(readable, terms, request, MAX_PURGE);
      warnOfSources(reply, split.warnings);
      if (split.total > MAX_PURGE) throw new NgsiError('TooManyResults', `Purge Entities deletes at most ${MAX_PURGE.toLocaleString('en')} entities at a time; narrow the query and purge again`);
      splitIds = split.localIds;
      bySource = split.bySource;
    }
    if (inMap) {
      const entries = await maps.store.allEntries(tenant.name, inMap.id);
      const listed = (e: { entityId: string }) => !readable.ids || readable.ids.includes(e.entityId);
      readable.ids = entries.filter((e) => e.sources.includes(LOCAL) && listed(e)).map((e) => e.entityId);
      bySource = new Map();
      for (const entry of entries.filter(listed)) {
        for (const source of entry.sources) if (source !== LOCAL) bySource.set(source, [...(bySource.get(source) ?? []), entry.entityId]);
      }
      reply.header('ngsild-entitymap', mapLocation(inMap.id));
    }
    const ids = splitIds ?? (inMap && readable.ids!.length === 0 ? [] : await matchingIds(services.ctx.db, readable, MAX_PURGE));
    if (ids.length > MAX_PURGE) throw new NgsiError('TooManyResults', `Purge Entities deletes at most ${MAX_PURGE.toLocaleString('en')} entities at a time; narrow the query and purge again`);
    const result: BatchResult = { success: [], created: [], errors: [] };
    for (let i = 0; i < ids.length; i += 1000) {
      const part = await entities.purgeMany(tenant.name, ids.slice(i, i + 1000), drop || keep ? { drop: drop && new Set(drop), keep: keep && new Set(keep) } : undefined);
      result.success.push(...part.success);
      result.errors.push(...part.errors);
    }
    result.errors.push(...(await federation.purge(tenant.name, built, { drop, keep }, terms, request, bySource)));
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  // 6.5.3.1 Retrieve Entity
  app.get<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const answer = negotiate(request, true);
    const id = assertEntityId(request.params.entityId, 'entityId');
    const { tenant, terms, openOnly } = await beginRead(services, request);
    const query = request.query as Query;
    // EntityMaps (clause 5.7.1.4): a map the request names says which sources hold the entity.
    // splitEntities changes nothing here: a retrieve always assembles the entity from its parts.
    const asked = mapRequest(query, request, { splitQuery: true });
    const inMap = await maps.forRetrieve(tenant.name, id, asked, openOnly?.types);
    const { entity, version, warnings, sources, heldHere } = await federation.retrieve(tenant.name, id, terms, request, inMap?.use);
    warnOfSources(reply, warnings);
    assertOpen(openOnly, id, entity);
    if (!entity) throw new NgsiError('ResourceNotFound', `Entity ${id} does not exist`);
    if (isPersonal(await services.personal.typesOf(services.ctx.db, tenant.name, version), entity.types)) throw personalDataRefusal(id);
    const type = param(query, 'type');
    // A type selector (clause 4.17), as on Query Entities: "A,B", "A;B", "(A;B)|C".
    if (type && !typesMatch(expandTypeSelector(parseTypeSelector(type), (t) => terms.expandTerm(t)), entity.types)) {
      throw new NgsiError('ResourceNotFound', `Entity ${id} is not of type ${type}`);
    }
    if (inMap) reply.header('ngsild-entitymap', mapLocation(inMap.map.id));
    else if (asked.flag || asked.id) {
      const made = await maps.ofRetrieved(tenant.name, id, { heldHere, sources }, { lifetimeMs: asked.lifetimeMs, open: openOnly?.types });
      reply.header('ngsild-entitymap', mapLocation(made.id));
    }
    const render = renderOptions(query, terms);
    const join = parseJoin(query);
    const rendered = await renderJoined(services, tenant.name, [entity], render, join, openOnly);
    const geometryIri = terms.expandTerm(param(query, 'geometryProperty') ?? 'location');
    // join=flat answers an array (a FeatureCollection in GeoJSON), clause 5.7.1.5.
    if (join?.mode === 'flat') {
      if (answer === 'application/geo+json') {
        return sendNgsi(reply, 200, { type: 'FeatureCollection', features: rendered.map(({ entity: e, json }) => renderFeature(e, render, geometryIri, json)) }, terms, answer);
      }
      return sendNgsi(reply, 200, rendered.map((r) => r.json), terms, answer);
    }
    if (answer === 'application/geo+json') return sendNgsi(reply, 200, renderFeature(entity, render, geometryIri, rendered[0]!.json), terms, answer);
    return sendNgsi(reply, 200, rendered[0]!.json, terms, answer);
  });

  // 6.5.3.2 Delete Entity (distributed: clause 5.6.6.4)
  app.delete<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const outcome = await writes.write(
      { kind: 'deleteEntity', tenant: tenant.name, id, terms, request, remote: () => ({ method: 'DELETE', path: () => `/entities/${encodeURIComponent(id)}` }) },
      () => entities.delete(tenant.name, id),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.5.3.3 Replace Entity (distributed: clause 5.6.18.4)
  app.put<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const { id, body, tenant, terms } = await beginEntityWrite(request);
    const input = convertEntity({ ...body, id }, convertOptions(terms), false);
    const outcome = await writes.write(
      { kind: 'replace', tenant: tenant.name, id, types: input.types, attrs: Object.keys(input.attrs), terms, request, remote: (keep) => ({ method: 'PUT', path: () => `/entities/${encodeURIComponent(id)}`, body: (c) => renameBody({ ...body, id }, terms, c, keep) }) },
      (keep) => entities.replace(tenant.name, id, { ...input, attrs: pick(input.attrs, keep) }),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.5.3.4 Merge Entity (distributed: clause 5.6.17.4)
  app.patch<{ Params: IdParams }>(`${BASE}/:entityId`, async (request, reply) => {
    const { id, body, tenant, terms } = await beginEntityWrite(request);
    const input = convertEntity({ ...body, id }, convertOptions(terms, true), false);
    const outcome = await writes.write(
      { kind: 'merge', tenant: tenant.name, id, types: input.types, attrs: Object.keys(input.attrs), terms, request, remote: (keep) => ({ method: 'PATCH', path: () => `/entities/${encodeURIComponent(id)}`, body: (c) => renameBody(body, terms, c, keep) }) },
      (keep) => entities.merge(tenant.name, id, { ...input, attrs: pick(input.attrs, keep) }),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.6.3.1 Append Entity Attributes (distributed: clause 5.6.3.4)
  app.post<{ Params: IdParams }>(`${BASE}/:entityId/attrs`, async (request, reply) => {
    const { id, body, tenant, terms } = await beginEntityWrite(request);
    const types = body.type !== undefined ? expandTypes(body.type, terms) : [];
    const scopes = parseScopes(body.scope);
    const attrs = convertAttributes(body, convertOptions(terms), `Entity ${id}`);
    const noOverwrite = options(request.query as Query).has('noOverwrite');
    const outcome = await writes.write(
      {
        kind: 'appendAttrs', tenant: tenant.name, id, types, attrs: Object.keys(attrs), terms, request,
        remote: (keep) => ({ method: 'POST', path: () => `/entities/${encodeURIComponent(id)}/attrs`, params: new URLSearchParams(noOverwrite ? { options: 'noOverwrite' } : {}), body: (c) => renameBody(body, terms, c, keep) }),
      },
      (keep) => entities.append(tenant.name, id, pick(attrs, keep), noOverwrite, types, scopes),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.6.3.2 Update Entity Attributes (distributed: clause 5.6.2.4)
  app.patch<{ Params: IdParams }>(`${BASE}/:entityId/attrs`, async (request, reply) => {
    const { id, body, tenant, terms } = await beginEntityWrite(request);
    const attrs = convertAttributes(body, convertOptions(terms, true), `Entity ${id}`);
    if (Object.keys(attrs).length === 0) throw new NgsiError('BadRequestData', 'The body names no attributes to update');
    const outcome = await writes.write(
      { kind: 'updateAttrs', tenant: tenant.name, id, attrs: Object.keys(attrs), terms, request, remote: (keep) => ({ method: 'PATCH', path: () => `/entities/${encodeURIComponent(id)}/attrs`, body: (c) => renameBody(body, terms, c, keep) }) },
      (keep) => entities.update(tenant.name, id, pick(attrs, keep)),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.7.3.1 Partial Attribute Update (distributed: clause 5.6.4.4)
  app.patch<{ Params: AttrParams }>(`${BASE}/:entityId/attrs/:attrId`, async (request, reply) => {
    const { id, name, iri, fragment, tenant, terms } = await beginAttributeWrite(request);
    const converted = convertAttributes({ [name]: partialInstance(fragment) }, convertOptions(terms, true), `Entity ${id}`)[iri]![0]!;
    const outcome = await writes.write(
      { kind: 'patchAttr', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => attributeRequest('PATCH', id, iri, fragment, terms) },
      () => entities.patchAttribute(tenant.name, id, iri, stripInferred(converted)),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.7.3.3 Replace Attribute (distributed: clause 5.6.19.4)
  app.put<{ Params: AttrParams }>(`${BASE}/:entityId/attrs/:attrId`, async (request, reply) => {
    const { id, name, iri, fragment, tenant, terms } = await beginAttributeWrite(request);
    const attrs = convertAttributes({ [name]: fragment }, convertOptions(terms), `Entity ${id}`);
    const outcome = await writes.write(
      { kind: 'replaceAttr', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => attributeRequest('PUT', id, iri, fragment, terms) },
      async () => {
        const result = await entities.update(tenant.name, id, attrs);
        if (result.notUpdated.length) throw new NgsiError('ResourceNotFound', `Entity ${id} has no attribute ${name}${attrs[iri]?.[0]?.datasetId ? ` with datasetId ${attrs[iri]![0]!.datasetId}` : ''}`);
        return result;
      },
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });

  // 6.7.3.2 Delete Attribute (distributed: clause 5.6.5.4)
  app.delete<{ Params: AttrParams }>(`${BASE}/:entityId/attrs/:attrId`, async (request, reply) => {
    const id = assertEntityId(request.params.entityId, 'entityId');
    assertName(request.params.attrId, 'attrId');
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const { datasetId, deleteAll } = deleteAttributeParams(request.query as Query);
    const iri = terms.expandTerm(request.params.attrId);
    const params = new URLSearchParams({ ...(datasetId ? { datasetId } : {}), ...(deleteAll ? { deleteAll: 'true' } : {}) });
    const outcome = await writes.write(
      { kind: 'deleteAttr', tenant: tenant.name, id, attrs: [iri], terms, request, remote: () => ({ method: 'DELETE', path: (c) => `/entities/${encodeURIComponent(id)}/attrs/${encodeURIComponent(c(iri))}`, params }) },
      () => entities.deleteAttribute(tenant.name, id, iri, datasetId, deleteAll),
    );
    return sendWriteOutcome(reply, outcome, terms, () => reply.code(204).send());
  });
}


/** A one-attribute write as a source receives it (the fragment's sub-attribute names renamed). */
function attributeRequest(method: string, id: string, iri: string, fragment: Record<string, unknown>, terms: ResolvedTerms) {
  return {
    method,
    path: (c: (iri: string) => string) => `/entities/${encodeURIComponent(id)}/attrs/${encodeURIComponent(c(iri))}`,
    body: (c: (iri: string) => string) => (renameBody({ [iri]: fragment }, terms, c, undefined)[c(iri)]),
  };
}

/**
 * A partial update may give only some members (e.g. just observedAt); fill a placeholder main
 * value so the fragment converts, then drop what the client did not send (stripInferred).
 */
function partialInstance(fragment: Record<string, unknown>): Record<string, unknown> {
  const main = ['value', 'object', 'languageMap', 'vocab', 'json', 'valueList', 'objectList'];
  // NGSI-LD null deletes sub-attributes here; the attribute itself is deleted with DELETE.
  const nulled = main.find((k) => fragment[k] === NGSI_NULL);
  if (nulled) throw new NgsiError('BadRequestData', `${nulled}: ${NGSI_NULL} cannot be the attribute's value; delete the attribute with DELETE /entities/{entityId}/attrs/{attrId}`);
  const hasMain = main.some((k) => k in fragment);
  if (hasMain) return fragment;
  return { ...fragment, type: 'Property', value: '__tsunagu_partial__' };
}

function stripInferred<T extends { value?: unknown }>(converted: T): T {
  const out = { ...converted };
  if (out.value === '__tsunagu_partial__') delete out.value;
  return out;
}
