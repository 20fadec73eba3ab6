// The registries' API. Data providers and services are registered for a tenant (who runs them);
// providers are the prefecture's decision, services are proposed by their tenant and approved,
// rejected, suspended or resumed by prefecture staff. Every change is audited; credentials are
// written, never read back.
//   POST  /api/v1/gateway/providers                 GET /api/v1/gateway/providers[/{id}]
//   PUT   /api/v1/gateway/providers/{id}/credentials
//   PATCH /api/v1/gateway/providers/{id}            { "status": "active" | "suspended" }
//   POST  /api/v1/gateway/services                  GET /api/v1/gateway/services[/{id}]
//   POST  /api/v1/gateway/services/{id}/status      { "status": "approved" | "rejected" | "suspended", "reason" }
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { OutboundRefused } from '../../platform/outbound/outbound-guard.ts';
import { prefectureCodeOf } from '../../platform/tenancy/lg-code.ts';
import type { ServiceStatus } from '../db/schema.ts';
import { OptinErrors } from '../errors.ts';
import type { OptinContext } from '../optin-context.ts';
import type { BrokerSource, Provider, ProviderCredentials, ProviderInput, Service, ServiceInput } from './registry.ts';

const localized = (max: number, min = 1) =>
  ({ type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: min, maxLength: max }, en: { type: 'string', minLength: min, maxLength: max } } }) as const;
const slug = { type: 'string', pattern: '^[a-z][a-z0-9-]{2,40}$' } as const;

// One flat schema: with oneOf, Fastify's Ajv (removeAdditional) would strip one branch's fields
// while trying another. The combinations are checked in credentialsOf().
const credentialsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['method'],
  properties: {
    method: { type: 'string', enum: ['bearer', 'basic', 'none'] },
    token: { type: 'string', minLength: 16, maxLength: 2000 },
    username: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^:]*$' },
    password: { type: 'string', minLength: 8, maxLength: 2000 },
  },
} as const;

type CredentialsBody = { method: 'bearer' | 'basic' | 'none'; token?: string; username?: string; password?: string };

function credentialsOf(body: CredentialsBody, where: string): ProviderCredentials {
  const fail = (ja: string, en: string) => invalid(OptinErrors.INVALID_PROVIDER, where, ja, en);
  if (body.method === 'bearer') {
    if (!body.token || body.username || body.password) throw fail('bearer には token だけを指定してください', 'bearer takes a token and nothing else');
    return { method: 'bearer', token: body.token };
  }
  if (body.method === 'basic') {
    if (!body.username || !body.password || body.token) throw fail('basic には username と password を指定してください', 'basic takes a username and a password');
    return { method: 'basic', username: body.username, password: body.password };
  }
  if (body.token || body.username || body.password) throw fail('none には認証情報を付けないでください', 'none takes no credentials');
  return { method: 'none' };
}

const providerSchema = {
  type: 'object',
  additionalProperties: false,
  // endpoint and credentials (a system of its own), or broker (personal entity types in the City
  // OS broker): checked in the handler, for the reason given above credentialsSchema.
  required: ['id', 'lgCode', 'name', 'items'],
  properties: {
    id: slug,
    lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
    name: localized(100),
    description: localized(1000, 0),
    endpoint: { type: 'string', minLength: 1, maxLength: 2000 },
    credentials: credentialsSchema,
    broker: {
      type: 'object',
      additionalProperties: false,
      required: ['entityTypes', 'ownerAttribute'],
      properties: {
        entityTypes: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 256 } },
        ownerAttribute: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 60000 },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'name', 'sensitivity'],
        properties: { code: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }, name: localized(100), description: localized(1000, 0), sensitivity: { type: 'string', enum: ['normal', 'sensitive', 'special_care'] } },
      },
    },
  },
} as const;

const serviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'lgCode', 'clientId', 'name', 'purposes', 'items'],
  properties: {
    id: slug,
    lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
    clientId: { type: 'string', minLength: 1, maxLength: 200 },
    name: localized(100),
    description: localized(1000, 0),
    purposes: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: { type: 'object', additionalProperties: false, required: ['code', 'text'], properties: { code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' }, text: localized(500) } },
    },
    items: {
      type: 'object',
      minProperties: 1,
      maxProperties: 20,
      additionalProperties: { type: 'array', minItems: 1, maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
    },
  },
} as const;

type ProviderBody = Omit<ProviderInput, 'description' | 'timeoutMs' | 'items' | 'credentials' | 'endpoint' | 'broker'> & {
  endpoint?: string;
  broker?: BrokerSource;
  credentials?: CredentialsBody;
  description?: { ja: string; en: string };
  timeoutMs?: number;
  items: Array<{ code: string; name: { ja: string; en: string }; description?: { ja: string; en: string }; sensitivity: ProviderInput['items'][number]['sensitivity'] }>;
};
type ServiceBody = Omit<ServiceInput, 'description'> & { description?: { ja: string; en: string } };

function invalid(error: typeof OptinErrors.INVALID_PROVIDER, name: string, ja: string, en: string): AppError {
  return new AppError(error, { problems: [{ name, in: 'body', detail: { ja, en } }] });
}

/** The provider's source: its own system (endpoint and credentials) or the City OS broker. */
function providerSource(body: ProviderBody, production: boolean): { endpoint: string; credentials: ProviderCredentials } | { broker: BrokerSource; credentials: ProviderCredentials } {
  if (body.broker) {
    if (body.endpoint !== undefined || body.credentials !== undefined) {
      throw invalid(OptinErrors.INVALID_PROVIDER, '/broker', 'broker を指定したときは endpoint と credentials を付けないでください', 'A broker provider takes no endpoint or credentials');
    }
    const bad = [...body.broker.entityTypes, body.broker.ownerAttribute].find((n) => !NGSI_NAME.test(n));
    if (bad) throw invalid(OptinErrors.INVALID_PROVIDER, '/broker', `「${bad}」は NGSI-LD の名前として使えません`, `"${bad}" is not an NGSI-LD name (a term or an absolute IRI)`);
    return { broker: body.broker, credentials: { method: 'none' } };
  }
  if (body.endpoint === undefined || body.credentials === undefined) {
    throw invalid(OptinErrors.INVALID_PROVIDER, '/endpoint', 'endpoint と credentials（または broker）を指定してください', 'Give endpoint and credentials (or broker)');
  }
  const problem = endpointProblem(body.endpoint, production);
  if (problem) throw invalid(OptinErrors.INVALID_PROVIDER, '/endpoint', `接続先 URL が使えません（${problem}）`, `The endpoint cannot be used: ${problem}`);
  return { endpoint: body.endpoint, credentials: credentialsOf(body.credentials, '/credentials') };
}

/** The platform's outbound address policy (platform/outbound): refused addresses are a 400 now. */
async function assertReachable(ctx: OptinContext, endpoint: string): Promise<void> {
  try {
    await ctx.app.outbound.check(endpoint);
  } catch (error) {
    if (!(error instanceof OutboundRefused)) throw error;
    throw invalid(OptinErrors.INVALID_PROVIDER, '/endpoint', `接続先に接続できない設定です（${error.reason}。TSUNAGU_OUTBOUND_ALLOW を確認してください）`, `The endpoint may not be contacted: ${error.reason} (see TSUNAGU_OUTBOUND_ALLOW)`);
  }
}

/** An endpoint the gateway may call: absolute http(s), https in production, no credentials in it. */
export function endpointProblem(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not an absolute URL';
  }
  if (url.username || url.password) return 'credentials belong in "credentials", not in the URL';
  if (url.search || url.hash) return 'no query or fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && !production) return null;
  return 'must be https';
}

/** An NGSI-LD name as the broker accepts it: a term (no spaces or reserved characters) or an absolute IRI. */
const NGSI_NAME = /^(?:[A-Za-z_][A-Za-z0-9_.-]{0,255}|[a-z][a-z0-9+.-]*:[^\s<>"{}|\\^`]+)$/;

export function providerJson(p: Provider) {
  return { id: p.id, lgCode: p.lgCode, name: p.name, description: p.description, kind: p.kind, endpoint: p.endpoint, ...(p.broker ? { broker: p.broker } : {}), authMethod: p.authMethod, timeoutMs: p.timeoutMs, status: p.status, items: p.items, createdAt: p.createdAt.toISOString() };
}

export function serviceJson(s: Service) {
  return { id: s.id, lgCode: s.lgCode, clientId: s.clientId, name: s.name, description: s.description, status: s.status, statusReason: s.statusReason, decidedAt: s.decidedAt?.toISOString() ?? null, purposes: s.purposes, items: s.items, createdAt: s.createdAt.toISOString() };
}

const transitions: Record<'approved' | 'rejected' | 'suspended', ServiceStatus[]> = {
  approved: ['pending', 'suspended'],
  rejected: ['pending'],
  suspended: ['approved'],
};

export async function registryApi(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const { guard, tenants } = ctx.app;
  const requireActor = async (request: FastifyRequest) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };
  const audit = (request: FastifyRequest, action: string, lgCode: string, subject: string, details: Record<string, unknown> = {}) =>
    appendAudit(ctx.app.db, { actor: actorId(request.actor), action, lgCode, subject, ip: request.ip, requestId: request.id, details });
  const tenantExists = async (lgCode: string) => {
    if (!(await tenants.get(lgCode))) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: `団体コード ${lgCode} は登録されていません`, en: `${lgCode} is not a tenant here` } });
  };
  const provider = async (id: string) => {
    const found = await ctx.registry.findProvider(ctx.db, id);
    if (!found) throw new AppError(OptinErrors.PROVIDER_NOT_FOUND);
    return found;
  };
  const service = async (id: string) => {
    const found = await ctx.registry.findService(ctx.db, id);
    if (!found) throw new AppError(OptinErrors.SERVICE_NOT_FOUND);
    return found;
  };

  app.post<{ Body: ProviderBody }>('/api/v1/gateway/providers', { preValidation: requireActor, schema: { body: providerSchema } }, async (request, reply) => {
    const body = request.body;
    await tenantExists(body.lgCode);
    await guard.assert(request.actor, 'optin.manage_providers', prefectureCodeOf(body.lgCode));
    const source = providerSource(body, ctx.app.config.production);
    if ('endpoint' in source) await assertReachable(ctx, source.endpoint);
    const codes = body.items.map((i) => i.code);
    const twice = codes.find((c, i) => codes.indexOf(c) !== i);
    if (twice) throw invalid(OptinErrors.INVALID_PROVIDER, '/items', `データ項目「${twice}」が二度あります`, `Item "${twice}" is listed twice`);
    if (await ctx.registry.providerExists(ctx.db, body.id)) throw new AppError(OptinErrors.PROVIDER_EXISTS);
    const empty = { ja: '', en: '' };
    const common = { id: body.id, lgCode: body.lgCode, name: body.name, description: body.description ?? empty, timeoutMs: body.timeoutMs ?? 5000, items: body.items.map((i) => ({ ...i, description: i.description ?? empty })) };
    if ('endpoint' in source) {
      await ctx.registry.createProvider(ctx.db, { ...common, ...source }, actorId(request.actor));
    } else {
      // The broker stops serving these types through the NGSI-LD API in the same transaction.
      const types = await ctx.broker.expandNames(ctx.app, source.broker.entityTypes);
      const [ownerAttribute] = await ctx.broker.expandNames(ctx.app, [source.broker.ownerAttribute]);
      await ctx.registry.createProvider(ctx.db, { ...common, ...source }, actorId(request.actor), async (trx) => {
        const { takenType } = await ctx.broker.setPersonalTypes(trx, { tenant: body.lgCode, providerId: body.id, types, ownerAttribute: ownerAttribute! });
        if (takenType) throw invalid(OptinErrors.INVALID_PROVIDER, '/broker/entityTypes', `エンティティ型 ${takenType} は別のデータ提供元に登録済みです`, `Entity type ${takenType} already belongs to another provider`);
      });
    }
    await audit(request, 'optin.provider_registered', body.lgCode, body.id, { items: codes, ...('endpoint' in source ? { authMethod: source.credentials.method } : { broker: source.broker }) });
    return reply.code(201).header('location', `/api/v1/gateway/providers/${body.id}`).send(providerJson(await provider(body.id)));
  });

  app.get('/api/v1/gateway/providers', { preValidation: requireActor }, async (request) => {
    const readable = await guard.tenantsFor(request.actor, 'optin.read_registry');
    return { items: (await ctx.registry.listProviders(ctx.db, readable)).map(providerJson) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/gateway/providers/:id', { preValidation: requireActor }, async (request) => {
    const found = await provider(request.params.id);
    await guard.assert(request.actor, 'optin.read_registry', found.lgCode);
    return providerJson(found);
  });

  app.put<{ Params: { id: string }; Body: CredentialsBody }>('/api/v1/gateway/providers/:id/credentials', { preValidation: requireActor, schema: { body: credentialsSchema } }, async (request, reply) => {
    const found = await provider(request.params.id);
    await guard.assert(request.actor, 'optin.manage_providers', prefectureCodeOf(found.lgCode));
    await ctx.registry.setProviderCredentials(ctx.db, found.id, credentialsOf(request.body, '/'));
    await audit(request, 'optin.provider_credentials_changed', found.lgCode, found.id, { authMethod: request.body.method });
    return reply.code(204).send();
  });

  app.patch<{ Params: { id: string }; Body: { status: 'active' | 'suspended' } }>(
    '/api/v1/gateway/providers/:id',
    { preValidation: requireActor, schema: { body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['active', 'suspended'] } } } } },
    async (request) => {
      const found = await provider(request.params.id);
      await guard.assert(request.actor, 'optin.manage_providers', prefectureCodeOf(found.lgCode));
      await ctx.registry.setProviderStatus(ctx.db, found.id, request.body.status);
      await audit(request, `optin.provider_${request.body.status === 'active' ? 'resumed' : 'suspended'}`, found.lgCode, found.id);
      return providerJson(await provider(found.id));
    },
  );

  app.post<{ Body: ServiceBody }>('/api/v1/gateway/services', { preValidation: requireActor, schema: { body: serviceSchema } }, async (request, reply) => {
    const body = request.body;
    await tenantExists(body.lgCode);
    // A tenant proposes its own services; they wait for the prefecture's approval.
    await guard.assert(request.actor, 'optin.manage_services', body.lgCode);
    const client = await ctx.identity.findServiceClient(ctx.app, body.clientId);
    if (!client) throw invalid(OptinErrors.INVALID_SERVICE, '/clientId', `クライアント「${body.clientId}」は登録されていません`, `Client "${body.clientId}" is not registered`);
    if (client.lgCode !== body.lgCode) throw invalid(OptinErrors.INVALID_SERVICE, '/clientId', 'クライアントの所属団体がサービスと異なります', 'The client belongs to another tenant than the service');
    if (!client.grantTypes.includes('client_credentials')) throw invalid(OptinErrors.INVALID_SERVICE, '/clientId', 'ゲートウェイを呼ぶには client_credentials が使えるクライアントが必要です', 'The gateway needs a client allowed to use client_credentials');
    const codes = body.purposes.map((p) => p.code);
    if (new Set(codes).size !== codes.length) throw invalid(OptinErrors.INVALID_SERVICE, '/purposes', '利用目的のコードが重複しています', 'Purpose codes repeat');
    for (const [providerId, items] of Object.entries(body.items)) {
      const offered = await ctx.registry.findProvider(ctx.db, providerId);
      if (!offered) throw invalid(OptinErrors.INVALID_SERVICE, `/items/${providerId}`, `データ提供元「${providerId}」は登録されていません`, `Provider "${providerId}" is not registered`);
      const unknown = items.filter((code) => !offered.items.some((i) => i.code === code));
      if (unknown.length) throw invalid(OptinErrors.INVALID_SERVICE, `/items/${providerId}`, `提供されていない項目です: ${unknown.join(', ')}`, `Items not offered by ${providerId}: ${unknown.join(', ')}`);
    }
    if ((await ctx.registry.findService(ctx.db, body.id)) || (await ctx.registry.findServiceByClient(ctx.db, body.clientId))) throw new AppError(OptinErrors.SERVICE_EXISTS);
    await ctx.registry.createService(ctx.db, { ...body, description: body.description ?? { ja: '', en: '' } }, actorId(request.actor));
    await audit(request, 'optin.service_registered', body.lgCode, body.id, { clientId: body.clientId, items: body.items, purposes: codes });
    return reply.code(201).header('location', `/api/v1/gateway/services/${body.id}`).send(serviceJson(await service(body.id)));
  });

  app.get('/api/v1/gateway/services', { preValidation: requireActor }, async (request) => {
    const readable = await guard.tenantsFor(request.actor, 'optin.read_registry');
    return { items: (await ctx.registry.listServices(ctx.db, readable)).map(serviceJson) };
  });

  app.get<{ Params: { id: string } }>('/api/v1/gateway/services/:id', { preValidation: requireActor }, async (request) => {
    const found = await service(request.params.id);
    await guard.assert(request.actor, 'optin.read_registry', found.lgCode);
    return serviceJson(found);
  });

  app.post<{ Params: { id: string }; Body: { status: 'approved' | 'rejected' | 'suspended'; reason?: string } }>(
    '/api/v1/gateway/services/:id/status',
    {
      preValidation: requireActor,
      schema: { body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['approved', 'rejected', 'suspended'] }, reason: { type: 'string', maxLength: 500 } } } },
    },
    async (request) => {
      const found = await service(request.params.id);
      await changeServiceStatus(ctx, request, found, request.body.status, request.body.reason ?? null);
      return serviceJson(await service(found.id));
    },
  );
}

/** Approve, reject, suspend or resume a service (prefecture staff); shared by the API and the staff pages. */
export async function changeServiceStatus(ctx: OptinContext, request: FastifyRequest, found: Service, status: 'approved' | 'rejected' | 'suspended', reason: string | null): Promise<void> {
  await ctx.app.guard.assert(request.actor, 'optin.approve_services', prefectureCodeOf(found.lgCode));
  const ok = await ctx.registry.setServiceStatus(ctx.db, found.id, transitions[status], status, actorId(request.actor), reason);
  if (!ok) throw new AppError(OptinErrors.SERVICE_STATE, { detail: { ja: `「${found.status}」から「${status}」にはできません`, en: `A ${found.status} service cannot become ${status}` } });
  const action = status === 'approved' ? (found.status === 'suspended' ? 'optin.service_resumed' : 'optin.service_approved') : `optin.service_${status}`;
  await appendAudit(ctx.app.db, { actor: actorId(request.actor), action, lgCode: found.lgCode, subject: found.id, ip: request.ip, requestId: request.id, details: reason ? { reason } : {} });
}
