// The delivery API: a tenant's core-system endpoint, managed by its administrators, and the
// deliveries of its applications.
//   GET    /api/v1/delivery-endpoints/{lgCode}            delivery.read; ETag
//   PUT    /api/v1/delivery-endpoints/{lgCode}            delivery.manage_endpoint; If-Match once it exists
//   DELETE /api/v1/delivery-endpoints/{lgCode}            delivery.manage_endpoint; If-Match
//   GET    /api/v1/deliveries/{lgCode}[?status=&page=]    delivery.read
//   POST   /api/v1/deliveries/{lgCode}/{id}/retry         delivery.retry; a failed delivery only
// The token is write-only: answers say whether one is set. Every change is audited, without it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { etag, expectedVersion, staleWrite } from '../../platform/http/versions.ts';
import type { AppContext } from '../../platform/module.ts';
import { findTenantOrThrow } from '../../platform/tenancy/tenant-lookup.ts';
import { isUuid } from '../../platform/uuid.ts';
import { deliveryDb, type DeliveryStatus } from '../db/schema.ts';
import { deleteEndpoint, findEndpoint, saveEndpoint, type Endpoint } from '../endpoints/endpoint-store.ts';
import { checkEndpoint, endpointBodySchema, type EndpointBody } from '../endpoints/endpoint-input.ts';
import { DeliveryErrors } from '../errors.ts';
import { findDelivery, listDeliveries, PAGE_SIZE, retryDelivery, type DeliveryView } from '../outbox/delivery-store.ts';

type LgParams = { lgCode: string };
const lgParams = { type: 'object', required: ['lgCode'], properties: { lgCode: { type: 'string', minLength: 1, maxLength: 20 } } } as const;

export function endpointJson(e: Endpoint) {
  return { lgCode: e.lgCode, url: e.url, hasToken: e.hasToken, procedures: e.procedures, enabled: e.enabled, version: e.version, updatedBy: e.updatedBy, updatedAt: e.updatedAt.toISOString() };
}

export function deliveryJson(d: DeliveryView) {
  return {
    id: d.id, lgCode: d.lgCode, applicationId: d.applicationId, receiptNumber: d.receiptNumber, procedureCode: d.procedureCode, status: d.status, attempts: d.attempts, retries: d.retries,
    lastError: d.lastError, lastHttpStatus: d.lastHttpStatus, createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

/** A signed-in actor with `permission` on the tenant in the path (checked before the body). */
function mayOnTenant(app: AppContext, permission: string) {
  return async (request: FastifyRequest<{ Params: LgParams }>): Promise<void> => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
    await findTenantOrThrow(app.tenants, request.params.lgCode);
    await app.guard.assert(request.actor, permission, request.params.lgCode);
  };
}

async function audit(db: Database, request: FastifyRequest, action: string, lgCode: string, subject: string, details: Record<string, unknown>) {
  await appendAudit(db, { actor: actorId(request.actor), action, lgCode, subject, ip: request.ip, requestId: request.id, details });
}

export async function deliveryApi(fastify: FastifyInstance, app: AppContext): Promise<void> {
  const db = deliveryDb(app.db);
  const path = '/api/v1/delivery-endpoints/:lgCode';

  fastify.get<{ Params: LgParams }>(path, { schema: { params: lgParams }, preValidation: mayOnTenant(app, 'delivery.read') }, async (request, reply) => {
    const endpoint = await findEndpoint(db, request.params.lgCode);
    if (!endpoint) throw new AppError(DeliveryErrors.ENDPOINT_NOT_FOUND);
    reply.header('etag', etag(endpoint.version));
    return endpointJson(endpoint);
  });

  fastify.put<{ Params: LgParams; Body: EndpointBody }>(path, { schema: { params: lgParams, body: endpointBodySchema }, preValidation: mayOnTenant(app, 'delivery.manage_endpoint') }, async (request, reply) => {
    const { lgCode } = request.params;
    const body = request.body;
    await checkEndpoint(app, lgCode, body);
    const current = await findEndpoint(db, lgCode);
    const expected = expectedVersion(request, current?.version);
    const version = await app.db.transaction().execute(async (trx) => {
      const input = { url: body.url, token: body.token, procedures: body.procedures ?? null, enabled: body.enabled ?? true };
      const saved = await saveEndpoint(deliveryDb(trx), app.sealer, lgCode, input, expected, actorId(request.actor));
      if (saved === undefined) throw staleWrite(expected === null);
      await audit(trx, request, 'delivery.endpoint_saved', lgCode, `delivery-endpoint:${lgCode}`, {
        version: saved, url: body.url, enabled: input.enabled, procedures: input.procedures, token: body.token === undefined ? 'kept' : body.token === null ? 'removed' : 'set',
      });
      return saved;
    });
    const saved = (await findEndpoint(db, lgCode))!;
    reply.header('etag', etag(version));
    if (expected === null) reply.code(201).header('location', `/api/v1/delivery-endpoints/${lgCode}`);
    return endpointJson(saved);
  });

  fastify.delete<{ Params: LgParams }>(path, { schema: { params: lgParams }, preValidation: mayOnTenant(app, 'delivery.manage_endpoint') }, async (request, reply) => {
    const { lgCode } = request.params;
    const current = await findEndpoint(db, lgCode);
    if (!current) throw new AppError(DeliveryErrors.ENDPOINT_NOT_FOUND);
    const expected = expectedVersion(request, current.version)!;
    await app.db.transaction().execute(async (trx) => {
      if (!(await deleteEndpoint(deliveryDb(trx), lgCode, expected))) throw staleWrite(false);
      await audit(trx, request, 'delivery.endpoint_deleted', lgCode, `delivery-endpoint:${lgCode}`, { version: expected, url: current.url });
    });
    return reply.code(204).send();
  });

  fastify.get<{ Params: LgParams; Querystring: { status?: DeliveryStatus; page?: number } }>(
    '/api/v1/deliveries/:lgCode',
    {
      schema: { params: lgParams, querystring: { type: 'object', properties: { status: { type: 'string', enum: ['pending', 'delivered', 'failed'] }, page: { type: 'integer', minimum: 1, maximum: 100_000 } } } },
      preValidation: mayOnTenant(app, 'delivery.read'),
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const { items, total } = await listDeliveries(db, request.params.lgCode, { ...(request.query.status ? { status: request.query.status } : {}), page });
      return { items: items.map(deliveryJson), total, page, pageSize: PAGE_SIZE };
    },
  );

  fastify.post<{ Params: LgParams & { id: string } }>(
    '/api/v1/deliveries/:lgCode/:id/retry',
    { schema: { params: { type: 'object', required: ['lgCode', 'id'], properties: { lgCode: lgParams.properties.lgCode, id: { type: 'string', maxLength: 64 } } } }, preValidation: mayOnTenant(app, 'delivery.retry') },
    async (request, reply: FastifyReply) => {
      const { lgCode, id } = request.params;
      if (!isUuid(id)) throw new AppError(DeliveryErrors.DELIVERY_NOT_FOUND);
      await retry(app, request, lgCode, id);
      return reply.code(202).send(deliveryJson((await findDelivery(db, lgCode, id))!));
    },
  );
}

/** Sends a failed delivery again, audited; the errors a person or client should see otherwise. */
export async function retry(app: AppContext, request: FastifyRequest, lgCode: string, id: string): Promise<void> {
  await app.db.transaction().execute(async (trx) => {
    const found = await findDelivery(deliveryDb(trx), lgCode, id);
    if (!found) throw new AppError(DeliveryErrors.DELIVERY_NOT_FOUND);
    if (!(await retryDelivery(app, trx, lgCode, id))) throw new AppError(DeliveryErrors.NOT_RETRYABLE);
    await audit(trx, request, 'delivery.retried', lgCode, `application:${lgCode}/${found.applicationId}`, { delivery: id, receiptNumber: found.receiptNumber, lastError: found.lastError });
  });
}
