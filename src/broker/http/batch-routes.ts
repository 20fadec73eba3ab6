// Batch entity operations (clause 6.14–6.17, 6.31, 6.23): create, upsert, update, delete and
// merge many entities in one transaction with a result per entity (BatchOperationResult, 207
// when any failed), and POST entityOperations/query.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { DistributedBatch, type BatchItem, type BatchKind } from '../registrations/distributed-batch.ts';
import { NgsiError } from '../errors.ts';
import { assertEntityId, convertEntity, type EntityInput } from '../entities/entity-input.ts';
import { Federation } from '../registrations/federation.ts';
import type { BatchError, BatchResult } from '../entities/entity-service.ts';
import { begin, beginRead, type BrokerServices } from './broker-services.ts';
import { buildEntityQuery, renderJoined, runEntityQuery } from './entities-routes.ts';
import { EntityMaps } from '../entity-maps/entity-maps.ts';
import { parseJoin } from '../entities/linked-entities.ts';
import { queryBodyToParams } from './query-body.ts';
import { negotiate, pageLinks, sendBatch, sendNgsi, warnOfSources, type ResolvedTerms } from './ngsi-http.ts';
import { options, renderOptions, type Query } from './request-options.ts';

const BASE = '/ngsi-ld/v1/entityOperations';
/** Most entities one batch may carry (documented in docs/broker.md). */
export const MAX_BATCH = 10_000;

function entityArray(body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new NgsiError('BadRequestData', 'The body of a batch operation must be a JSON array');
  if (body.length === 0) throw new NgsiError('BadRequestData', 'The batch is empty');
  if (body.length > MAX_BATCH) throw new NgsiError('BadRequestData', `A batch may carry at most ${MAX_BATCH} entities; this one has ${body.length}`);
  return body;
}

/** Converts each entity; one that fails becomes that entity's error, not the batch's. */
function convertAll(bodies: unknown[], terms: ResolvedTerms, allowNull: boolean, requireType: boolean): { inputs: EntityInput[]; raws: Record<string, unknown>[]; errors: BatchError[] } {
  const inputs: EntityInput[] = [];
  const raws: Record<string, unknown>[] = [];
  const errors: BatchError[] = [];
  const now = new Date().toISOString();
  bodies.forEach((body, index) => {
    try {
      inputs.push(convertEntity(body, { terms, now, allowNull }, requireType));
      raws.push(body as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof NgsiError)) throw error;
      const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).id ?? (body as Record<string, unknown>)['@id'] : undefined;
      errors.push({ entityId: typeof raw === 'string' ? raw : `#${index}`, error });
    }
  });
  return { inputs, raws, errors };
}

function merged(result: BatchResult, conversionErrors: BatchError[]): BatchResult {
  return { ...result, errors: [...conversionErrors, ...result.errors] };
}


const emptyResult: BatchResult = { success: [], created: [], errors: [] };

function pickAttrs(attrs: EntityInput['attrs'], keep: Set<string>): EntityInput['attrs'] {
  return Object.fromEntries(Object.entries(attrs).filter(([name]) => keep.has(name)));
}

/**
 * The local and remote results together (an entity may succeed in one part and fail in another).
 * A delete counts as done where any part deleted it: ResourceNotFound elsewhere is no error then.
 */
function mergeBatchResults(kind: BatchKind, local: BatchResult, remote: BatchResult): BatchResult {
  const success = [...new Set([...local.success, ...remote.success])];
  let errors = [...local.errors, ...remote.errors];
  if (kind === 'delete') {
    const done = new Set(success);
    errors = errors.filter((e) => !(done.has(e.entityId) && e.error.type === 'ResourceNotFound'));
    // Not found anywhere: one ResourceNotFound per entity.
    errors = errors.filter((e, i) => e.error.type !== 'ResourceNotFound' || errors.findIndex((o) => o.entityId === e.entityId && o.error.type === 'ResourceNotFound') === i);
  }
  return { success, created: local.created, errors };
}

export async function batchRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const { entities } = services;
  const federation = new Federation(services);
  const batches = new DistributedBatch(federation);
  const maps = new EntityMaps(services, federation);

  /** The entity types held here for `ids` (a batch delete names no types). */
  const localTypes = async (tenant: string, ids: string[]) => {
    const rows = (await sql<{ id: string; types: string[] }>`select id, types from broker_entities where tenant = ${tenant} and id = any(${sql.val(ids)}::text[])`.execute(services.store.kysely)).rows;
    return new Map(rows.map((r) => [r.id, r.types]));
  };

  /**
   * Runs a batch over the matching context sources (distributed-batch.ts) and locally on what
   * remains; without registrations it is exactly the local batch.
   */
  const distributedBatch = async (
    kind: BatchKind, tenant: string, inputs: EntityInput[], raws: Record<string, unknown>[], terms: ResolvedTerms, request: FastifyRequest,
    local: (inputs: EntityInput[]) => Promise<BatchResult>,
  ): Promise<BatchResult> => {
    if (inputs.length === 0) return emptyResult;
    // An update, merge or delete may name no type: registrations are then matched with the types
    // the entity has here, so a registration of another type is not taken for its holder (4.3.6.1).
    const untyped = inputs.filter((input) => input.types.length === 0).map((input) => input.id);
    const known = untyped.length && (await federation.writeRegistrations(tenant, request)).length ? await localTypes(tenant, untyped) : undefined;
    const items: BatchItem[] = inputs.map((input, i) => ({ id: input.id, types: input.types.length ? input.types : known?.get(input.id) ?? [], attrs: Object.keys(input.attrs), body: raws[i] }));
    const plan = await batches.plan(kind, tenant, items, terms, request);
    if (!plan) return local(inputs);
    const kept = inputs.filter((input) => plan.local.has(input.id)).map((input) => (kind === 'delete' ? input : { ...input, attrs: pickAttrs(input.attrs, plan.local.get(input.id)!) }));
    const [here, remote] = await Promise.all([kept.length ? local(kept) : emptyResult, plan.run()]);
    return mergeBatchResults(kind, here, remote);
  };

  app.post(`${BASE}/create`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies });
    const { inputs, raws, errors } = convertAll(bodies, terms, false, true);
    const result = merged(await distributedBatch('create', tenant.name, inputs, raws, terms, request, (keep) => entities.createMany(tenant.name, keep)), errors);
    return sendBatch(reply, result, () => reply.code(201).type('application/json').send(JSON.stringify(result.success)));
  });

  app.post(`${BASE}/upsert`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const opts = options(request.query as Query);
    if (opts.has('replace') && opts.has('update')) throw new NgsiError('BadRequestData', 'options: choose replace or update, not both');
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies });
    const { inputs, raws, errors } = convertAll(bodies, terms, false, true);
    const result = merged(await distributedBatch('upsert', tenant.name, inputs, raws, terms, request, (keep) => entities.upsertMany(tenant.name, keep, opts.has('update') ? 'update' : 'replace')), errors);
    return sendBatch(reply, result, () =>
      result.created.length
        ? reply.code(201).type('application/json').send(JSON.stringify(result.created))
        : reply.code(204).send(),
    );
  });

  app.post(`${BASE}/update`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies });
    const { inputs, raws, errors } = convertAll(bodies, terms, false, false);
    const noOverwrite = options(request.query as Query).has('noOverwrite');
    const result = merged(await distributedBatch('update', tenant.name, inputs, raws, terms, request, (keep) => entities.updateMany(tenant.name, keep, noOverwrite)), errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  app.post(`${BASE}/merge`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies });
    const { inputs, raws, errors } = convertAll(bodies, terms, true, false);
    const result = merged(await distributedBatch('merge', tenant.name, inputs, raws, terms, request, (keep) => entities.mergeMany(tenant.name, keep)), errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  app.post(`${BASE}/delete`, async (request, reply) => {
    const ids = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write');
    const valid: string[] = [];
    const errors: BatchError[] = [];
    ids.forEach((id, index) => {
      try {
        valid.push(assertEntityId(id, `[${index}]`));
      } catch (error) {
        errors.push({ entityId: typeof id === 'string' ? id : `#${index}`, error: error as NgsiError });
      }
    });
    const inputs: EntityInput[] = valid.map((id) => ({ id, types: [], scopes: null, attrs: {} }));
    const result = merged(await distributedBatch('delete', tenant.name, inputs, [], terms, request, (keep) => entities.deleteMany(tenant.name, keep.map((i) => i.id))), errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  // 6.23.3.1 Query Entities via POST: the Query data type (clause 5.2.23) in the body.
  app.post(`${BASE}/query`, async (request, reply) => {
    const answer = negotiate(request);
    const asQuery = queryBodyToParams(request.body, request.query as Query, { temporal: false });
    const { tenant, terms, openOnly } = await beginRead(services, request, { bodies: [request.body] });
    const built = buildEntityQuery(tenant.name, asQuery, terms);
    const { result, status } = await runEntityQuery(services, maps, built, asQuery, openOnly, terms, request, reply);
    warnOfSources(reply, result.warnings);
    if (result.total !== undefined) reply.header('ngsild-results-count', String(result.total));
    // limit and offset are URL parameters here too: the next page is the same body POSTed to the link.
    pageLinks(reply, request, built, result.entities.length, result.total);
    const render = renderOptions(asQuery, terms);
    // join, joinLevel and containedBy (clause 4.5.23) are URL parameters, as on GET.
    const rendered = await renderJoined(services, tenant.name, result.entities, render, parseJoin(asQuery), openOnly);
    return sendNgsi(reply, status, rendered.map((r) => r.json), terms, answer);
  });
}
