// How a service asks for a resident's opt-in (step 2 of the design's five): it names the resident
// (their OIDC sub), the provider, the data items, one of its registered purposes, how long it will
// keep the data and how long the consent should last, and where to send the resident back. The
// answer holds the consent page's URL; after the resident decides they return to `returnUri`
// with `consent_request`, `status` (approved | refused) and the service's `state`.
//   POST /api/v1/consent-requests          (the service's client-credentials token)
//   GET  /api/v1/consent-requests/{id}     the request's status, to the service that made it
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { GatewayErrors, OptinErrors } from '../errors.ts';
import type { OptinContext } from '../optin-context.ts';
import type { Service } from '../registry/registry.ts';
import type { ConsentRequest } from './consents.ts';

const requestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'provider', 'items', 'purpose', 'retentionDays', 'validDays', 'returnUri'],
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 100 },
    provider: { type: 'string', minLength: 1, maxLength: 64 },
    items: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } },
    purpose: { type: 'string', minLength: 1, maxLength: 64 },
    retentionDays: { type: 'integer', minimum: 0, maximum: 3650 },
    validDays: { type: 'integer', minimum: 1, maximum: 1095 },
    returnUri: { type: 'string', minLength: 1, maxLength: 2000 },
    state: { type: 'string', maxLength: 500 },
  },
} as const;

type RequestBody = { subject: string; provider: string; items: string[]; purpose: string; retentionDays: number; validDays: number; returnUri: string; state?: string };

function invalid(name: string, ja: string, en: string): AppError {
  return new AppError(OptinErrors.INVALID_CONSENT_REQUEST, { problems: [{ name, in: 'body', detail: { ja, en } }] });
}

/** The approved service calling, from its client-credentials token; refuses anyone else. */
export async function callingService(ctx: OptinContext, request: FastifyRequest): Promise<Service> {
  const actor = request.actor;
  if (actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  const clientId = ctx.identity.clientIdOf(actor);
  const service = clientId ? await ctx.registry.findServiceByClient(ctx.db, clientId) : undefined;
  if (!service || service.status === 'pending' || service.status === 'rejected') throw new AppError(OptinErrors.NOT_A_SERVICE);
  if (service.status === 'suspended') throw new AppError(GatewayErrors.SERVICE_SUSPENDED);
  return service;
}

export function requestJson(ctx: OptinContext, r: ConsentRequest) {
  return {
    id: r.id,
    status: r.status === 'pending' && r.expiresAt <= new Date() ? 'expired' : r.status,
    url: `${ctx.app.config.publicUrl}/consent/${r.id}`,
    subject: r.accountId,
    provider: r.providerId,
    items: r.items,
    purpose: r.purposeCode,
    retentionDays: r.retentionDays,
    validDays: r.validDays,
    consentId: r.consentId,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    decidedAt: r.decidedAt?.toISOString() ?? null,
  };
}

export async function consentRequestsApi(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  app.post<{ Body: RequestBody }>('/api/v1/consent-requests', { schema: { body: requestSchema } }, async (request, reply) => {
    const service = await callingService(ctx, request);
    const body = request.body;
    const allowed = service.items[body.provider];
    if (!allowed) throw invalid('/provider', `このサービスはデータ提供元「${body.provider}」を利用できません`, `This service is not registered for provider "${body.provider}"`);
    const outside = body.items.filter((i) => !allowed.includes(i));
    if (outside.length) throw invalid('/items', `このサービスに登録されていない項目です: ${outside.join(', ')}`, `Items not registered for this service: ${outside.join(', ')}`);
    if (!service.purposes.some((p) => p.code === body.purpose)) throw invalid('/purpose', `登録されていない利用目的です: ${body.purpose}`, `Purpose "${body.purpose}" is not registered for this service`);
    const client = await ctx.identity.findServiceClient(ctx.app, service.clientId);
    if (!client?.redirectUris.includes(body.returnUri)) throw invalid('/returnUri', 'returnUri はサービスに登録したリダイレクト URI のいずれかと完全に一致させてください', 'returnUri must equal one of the service’s registered redirect URIs');
    const account = await ctx.identity.findAccountSummary(ctx.app, body.subject);
    if (!account || account.status !== 'active' || account.kind !== 'resident') throw invalid('/subject', 'この subject の利用者はいません', 'No resident has this subject');
    const provider = await ctx.registry.findProvider(ctx.db, body.provider);
    if (!provider) throw new AppError(OptinErrors.PROVIDER_NOT_FOUND);
    if (provider.status !== 'active') throw new AppError(GatewayErrors.PROVIDER_SUSPENDED);
    const created = await ctx.consents.createRequest(service, {
      accountId: account.id,
      providerId: provider.id,
      items: provider.items.map((i) => i.code).filter((code) => body.items.includes(code)),
      purposeCode: body.purpose,
      retentionDays: body.retentionDays,
      validDays: body.validDays,
      returnUri: body.returnUri,
      state: body.state ?? null,
    });
    return reply.code(201).header('location', `/api/v1/consent-requests/${created.id}`).send(requestJson(ctx, created));
  });

  app.get<{ Params: { id: string } }>('/api/v1/consent-requests/:id', async (request) => {
    const service = await callingService(ctx, request);
    const found = await ctx.consents.findRequest(request.params.id);
    // Another service's request is as good as absent.
    if (!found || found.serviceId !== service.id) throw new AppError(OptinErrors.CONSENT_REQUEST_NOT_FOUND);
    return requestJson(ctx, found);
  });
}
