// The service (OIDC client) registry API. Prefecture staff register, suspend and re-key
// services; municipal staff may read the services their own tenant owns. Every change is audited.
//   POST  /api/v1/oidc-clients                      register (answers the secret once)
//   GET   /api/v1/oidc-clients                      list within the caller's tenants
//   GET   /api/v1/oidc-clients/{clientId}
//   PATCH /api/v1/oidc-clients/{clientId}           { "status": "active" | "suspended" }
//   POST  /api/v1/oidc-clients/{clientId}/secret    a new secret (the old one stops working)
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { prefectureCodeOf } from '../../platform/tenancy/lg-code.ts';
import { IdentityErrors } from '../errors.ts';
import type { IdentityContext } from '../identity-context.ts';
import { GRANT_TYPES, redirectUriProblem, SCOPES, type ClientRegistry, type ClientInput, type RegisteredClient } from './client-registry.ts';

const uriList = { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 2000 } } as const;

const registerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['lgCode', 'name', 'grantTypes'],
  properties: {
    lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
    name: {
      type: 'object',
      additionalProperties: false,
      required: ['ja', 'en'],
      properties: { ja: { type: 'string', minLength: 1, maxLength: 100 }, en: { type: 'string', minLength: 1, maxLength: 100 } },
    },
    redirectUris: uriList,
    postLogoutRedirectUris: uriList,
    grantTypes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...GRANT_TYPES] } },
    public: { type: 'boolean' },
    scope: { type: 'string', maxLength: 500 },
  },
} as const;

type RegisterBody = {
  lgCode: string;
  name: { ja: string; en: string };
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes: ClientInput['grantTypes'];
  public?: boolean;
  scope?: string;
};

function json(client: RegisteredClient) {
  const m = client.metadata;
  return {
    clientId: client.clientId,
    lgCode: client.lgCode,
    name: client.name,
    status: client.status,
    redirectUris: m.redirect_uris,
    postLogoutRedirectUris: m.post_logout_redirect_uris,
    grantTypes: m.grant_types,
    public: m.token_endpoint_auth_method === 'none',
    scope: m.scope,
    principalId: `client:${client.clientId}`,
    createdAt: client.createdAt.toISOString(),
  };
}

function invalid(name: string, ja: string, en: string): AppError {
  return new AppError(IdentityErrors.INVALID_CLIENT, { problems: [{ name, in: 'body', detail: { ja, en } }] });
}

export function validateClient(body: RegisterBody, production: boolean): ClientInput {
  const redirectUris = body.redirectUris ?? [];
  const postLogout = body.postLogoutRedirectUris ?? [];
  const interactive = body.grantTypes.includes('authorization_code');
  if (interactive && redirectUris.length === 0) throw invalid('/redirectUris', 'ログインに使うサービスにはリダイレクトURIが必要です', 'A service that signs people in needs at least one redirect URI');
  if (body.grantTypes.includes('refresh_token') && !interactive) throw invalid('/grantTypes', 'refresh_token は authorization_code と一緒に指定してください', 'refresh_token needs authorization_code');
  if (body.public && body.grantTypes.includes('client_credentials')) throw invalid('/public', '公開クライアントは client_credentials を使えません', 'A public client cannot use client_credentials');
  for (const [field, list] of [['/redirectUris', redirectUris], ['/postLogoutRedirectUris', postLogout]] as const) {
    list.forEach((uri, i) => {
      const problem = redirectUriProblem(uri, production);
      if (problem) throw invalid(`${field}/${i}`, `「${uri}」は使えません（https の絶対URIで、# を含まないこと）`, `"${uri}" cannot be used (${problem}): use an absolute https URI without a fragment`);
    });
  }
  const scope = (body.scope ?? 'openid').split(' ').filter(Boolean);
  const unknown = scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw invalid('/scope', `不明なスコープ: ${unknown.join(', ')}`, `Unknown scopes: ${unknown.join(', ')}`);
  return { lgCode: body.lgCode, nameJa: body.name.ja, nameEn: body.name.en, redirectUris, postLogoutRedirectUris: postLogout, grantTypes: body.grantTypes, public: body.public ?? false, scope: [...new Set(['openid', ...scope])].join(' ') };
}

export async function clientsApi(app: FastifyInstance, ctx: IdentityContext, clients: ClientRegistry): Promise<void> {
  const { guard, tenants } = ctx.app;
  const requireActor = async (request: { actor: { kind: string } }) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };
  const found = async (clientId: string) => {
    const client = await clients.find(ctx.db, clientId);
    if (!client) throw new AppError(IdentityErrors.CLIENT_NOT_FOUND);
    return client;
  };
  const audit = (request: { actor: Parameters<typeof actorId>[0]; ip: string; id: string }, action: string, client: { clientId: string; lgCode: string }, details: Record<string, unknown> = {}) =>
    appendAudit(ctx.app.db, { actor: actorId(request.actor), action, lgCode: client.lgCode, subject: client.clientId, ip: request.ip, requestId: request.id, details });

  app.post<{ Body: RegisterBody }>('/api/v1/oidc-clients', { preValidation: requireActor, schema: { body: registerSchema } }, async (request, reply) => {
    if (!(await tenants.get(request.body.lgCode))) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: `団体コード ${request.body.lgCode} は登録されていません`, en: `${request.body.lgCode} is not a tenant here` } });
    // Registering a service is the prefecture's decision, whichever tenant will own it.
    await guard.assert(request.actor, 'identity.manage_clients', prefectureCodeOf(request.body.lgCode));
    const input = validateClient(request.body, ctx.app.config.production);
    const { clientId, clientSecret } = await clients.register(ctx.db, input, actorId(request.actor));
    await audit(request, 'identity.client_registered', { clientId, lgCode: input.lgCode }, { grantTypes: input.grantTypes, public: input.public });
    const client = await found(clientId);
    return reply.code(201).header('location', `/api/v1/oidc-clients/${clientId}`).send({ ...json(client), ...(clientSecret ? { clientSecret } : {}) });
  });

  app.get('/api/v1/oidc-clients', { preValidation: requireActor }, async (request) => {
    const readable = await guard.tenantsFor(request.actor, 'identity.read_clients');
    return { items: (await clients.list(ctx.db, readable)).map(json) };
  });

  app.get<{ Params: { clientId: string } }>('/api/v1/oidc-clients/:clientId', { preValidation: requireActor }, async (request) => {
    const client = await found(request.params.clientId);
    await guard.assert(request.actor, 'identity.read_clients', client.lgCode);
    return json(client);
  });

  app.patch<{ Params: { clientId: string }; Body: { status: 'active' | 'suspended' } }>(
    '/api/v1/oidc-clients/:clientId',
    { preValidation: requireActor, schema: { body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['active', 'suspended'] } } } } },
    async (request) => {
      const client = await found(request.params.clientId);
      await guard.assert(request.actor, 'identity.manage_clients', prefectureCodeOf(client.lgCode));
      await clients.setStatus(ctx.db, client.clientId, request.body.status);
      await audit(request, request.body.status === 'suspended' ? 'identity.client_suspended' : 'identity.client_activated', client);
      return json(await found(client.clientId));
    },
  );

  app.post<{ Params: { clientId: string } }>('/api/v1/oidc-clients/:clientId/secret', { preValidation: requireActor }, async (request) => {
    const client = await found(request.params.clientId);
    await guard.assert(request.actor, 'identity.manage_clients', prefectureCodeOf(client.lgCode));
    const clientSecret = await clients.rotateSecret(ctx.db, client.clientId);
    if (!clientSecret) throw invalid('/', '公開クライアントには秘密鍵がありません', 'A public client has no secret');
    await audit(request, 'identity.client_secret_rotated', client);
    return { clientId: client.clientId, clientSecret };
  });
}
