// Open-data entity types, a Tsunagu extension outside the spec's /ngsi-ld/v1 namespace:
//   GET    /ngsi-ld/ex/v1/openDataTypes          the tenant's open types (anyone may ask)
//   PUT    /ngsi-ld/ex/v1/openDataTypes/{type}   mark a type open (201, or 204 if it was)
//   DELETE /ngsi-ld/ex/v1/openDataTypes/{type}   unmark it (204, or 404 if it was not)
// The tenant is NGSILD-Tenant and type names are expanded with the requester's @context, as on
// the NGSI-LD API. Marking and unmarking need broker.manage_tenants (a municipal administrator):
// publishing data is the tenant's decision, not a data publisher's. Both are in the audit log,
// written in the transaction that makes the change.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BrokerTenant } from '../broker-tenants.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { assertName } from '../entities/entity-input.ts';
import { NgsiError } from '../errors.ts';
import { begin, type BrokerServices } from '../http/broker-services.ts';
import { negotiate, requestTerms, sendNgsi } from '../http/ngsi-http.ts';
import { header } from '../http/request-options.ts';

const BASE = '/ngsi-ld/ex/v1/openDataTypes';

type TypeParams = { type: string };

export async function openDataRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const { openData } = services;

  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request);
    const tenant = await services.tenants.resolve(header(request.headers['ngsild-tenant'], 'NGSILD-Tenant'));
    const terms = await requestTerms(request, services.resolver);
    const open = await openData.of(services.ctx.db, tenant.name);
    return sendNgsi(reply, 200, open.map((o) => ({ type: terms.compactIri(o.type), markedAt: o.markedAt })), terms, answer);
  });

  app.put<{ Params: TypeParams }>(`${BASE}/:type`, async (request, reply) => {
    assertName(request.params.type, 'type');
    const { tenant, terms } = await begin(services, request, 'broker.manage_tenants');
    const type = terms.expandTerm(request.params.type);
    const personal = await services.personal.typesOf(services.ctx.db, tenant.name);
    if (personal.includes(type)) {
      throw new NgsiError('BadRequestData', `${request.params.type} holds residents' personal data and can never be open data (個人データを含む型は公開データにできません); it is served only through the opt-in gateway`);
    }
    const marked = await services.ctx.db.transaction().execute(async (trx) => {
      const added = await openData.mark(trx, tenant.name, type, actorId(request.actor));
      if (added) await audit(trx, request, 'broker.open_type_marked', tenant, type);
      return added;
    });
    return reply.code(marked ? 201 : 204).send();
  });

  app.delete<{ Params: TypeParams }>(`${BASE}/:type`, async (request, reply) => {
    assertName(request.params.type, 'type');
    const { tenant, terms } = await begin(services, request, 'broker.manage_tenants');
    const type = terms.expandTerm(request.params.type);
    const removed = await services.ctx.db.transaction().execute(async (trx) => {
      const gone = await openData.unmark(trx, tenant.name, type);
      if (gone) await audit(trx, request, 'broker.open_type_unmarked', tenant, type);
      return gone;
    });
    if (!removed) throw new NgsiError('ResourceNotFound', `${request.params.type} is not open data of tenant ${tenant.name} (公開データではありません)`);
    return reply.code(204).send();
  });

}

function audit(trx: Parameters<typeof appendAudit>[0], request: FastifyRequest, action: string, tenant: BrokerTenant, type: string) {
  return appendAudit(trx, { actor: actorId(request.actor), action, lgCode: tenant.owner, subject: type, ip: request.ip, requestId: request.id, details: { tenant: tenant.name, type } });
}
