// Batch entity operations (clause 6.14–6.17, 6.31, 6.23): create, upsert, update, delete and
// merge many entities in one transaction with a result per entity (BatchOperationResult, 207
// when any failed), and POST entityOperations/query.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertEntityId, convertEntity, type EntityInput } from '../entities/entity-input.ts';
import { Federation } from '../registrations/federation.ts';
import type { BatchError, BatchResult } from '../entities/entity-service.ts';
import { begin, type BrokerServices } from './broker-services.ts';
import { buildEntityQuery, renderJoined } from './entities-routes.ts';
import { parseJoin } from '../entities/linked-entities.ts';
import { queryBodyToParams } from './query-body.ts';
import { negotiate, sendNgsi, type ResolvedTerms } from './ngsi-http.ts';
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
function convertAll(bodies: unknown[], terms: ResolvedTerms, allowNull: boolean, requireType: boolean): { inputs: EntityInput[]; errors: BatchError[] } {
  const inputs: EntityInput[] = [];
  const errors: BatchError[] = [];
  const now = new Date().toISOString();
  bodies.forEach((body, index) => {
    try {
      inputs.push(convertEntity(body, { terms, now, allowNull }, requireType));
    } catch (error) {
      if (!(error instanceof NgsiError)) throw error;
      const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).id ?? (body as Record<string, unknown>)['@id'] : undefined;
      errors.push({ entityId: typeof raw === 'string' ? raw : `#${index}`, error });
    }
  });
  return { inputs, errors };
}

function merged(result: BatchResult, conversionErrors: BatchError[]): BatchResult {
  return { ...result, errors: [...conversionErrors, ...result.errors] };
}

function sendBatch(reply: FastifyReply, result: BatchResult, onSuccess: () => FastifyReply): FastifyReply {
  if (result.errors.length === 0) return onSuccess();
  return reply
    .code(207)
    .type('application/json')
    .send(JSON.stringify({ success: result.success, errors: result.errors.map((e) => ({ entityId: e.entityId, error: e.error.toJSON() })) }));
}

const emptyResult: BatchResult = { success: [], created: [], errors: [] };

export async function batchRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const { entities } = services;
  const federation = new Federation(services);

  app.post(`${BASE}/create`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies });
    const { inputs, errors } = convertAll(bodies, terms, false, true);
    const result = merged(inputs.length ? await entities.createMany(tenant.name, inputs) : emptyResult, errors);
    return sendBatch(reply, result, () => reply.code(201).type('application/json').send(JSON.stringify(result.success)));
  });

  app.post(`${BASE}/upsert`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const opts = options(request.query as Query);
    if (opts.has('replace') && opts.has('update')) throw new NgsiError('BadRequestData', 'options: choose replace or update, not both');
    const { tenant, terms } = await begin(services, request, 'broker.write', { createTenant: true, bodies });
    const { inputs, errors } = convertAll(bodies, terms, false, true);
    const result = merged(inputs.length ? await entities.upsertMany(tenant.name, inputs, opts.has('update') ? 'update' : 'replace') : emptyResult, errors);
    return sendBatch(reply, result, () =>
      result.created.length
        ? reply.code(201).type('application/json').send(JSON.stringify(result.created))
        : reply.code(204).send(),
    );
  });

  app.post(`${BASE}/update`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies });
    const { inputs, errors } = convertAll(bodies, terms, false, false);
    const noOverwrite = options(request.query as Query).has('noOverwrite');
    const result = merged(inputs.length ? await entities.updateMany(tenant.name, inputs, noOverwrite) : emptyResult, errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  app.post(`${BASE}/merge`, async (request, reply) => {
    const bodies = entityArray(request.body);
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies });
    const { inputs, errors } = convertAll(bodies, terms, true, false);
    const result = merged(inputs.length ? await entities.mergeMany(tenant.name, inputs) : emptyResult, errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  app.post(`${BASE}/delete`, async (request, reply) => {
    const ids = entityArray(request.body);
    const { tenant } = await begin(services, request, 'broker.write');
    const valid: string[] = [];
    const errors: BatchError[] = [];
    ids.forEach((id, index) => {
      try {
        valid.push(assertEntityId(id, `[${index}]`));
      } catch (error) {
        errors.push({ entityId: typeof id === 'string' ? id : `#${index}`, error: error as NgsiError });
      }
    });
    const result = merged(valid.length ? await entities.deleteMany(tenant.name, valid) : emptyResult, errors);
    return sendBatch(reply, result, () => reply.code(204).send());
  });

  // 6.23.3.1 Query Entities via POST: the Query data type (clause 5.2.23) in the body.
  app.post(`${BASE}/query`, async (request, reply) => {
    const answer = negotiate(request);
    const asQuery = queryBodyToParams(request.body, request.query as Query, { temporal: false });
    const { tenant, terms } = await begin(services, request, 'broker.read', { bodies: [request.body] });
    const entityQuery = { ...buildEntityQuery(tenant.name, asQuery, terms), excludeTypes: await services.personal.typesOf(services.ctx.db, tenant.name) };
    const result = await federation.queryEntities(entityQuery, terms, request);
    if (result.total !== undefined) reply.header('ngsild-results-count', String(result.total));
    const render = renderOptions(asQuery, terms);
    // join, joinLevel and containedBy (clause 4.5.23) are URL parameters, as on GET.
    const rendered = await renderJoined(services, tenant.name, result.entities, render, parseJoin(asQuery));
    return sendNgsi(reply, 200, rendered.map((r) => r.json), terms, answer);
  });
}
