// GET /api/v1/tenants, GET /api/v1/tenants/{lgCode}, PATCH /api/v1/tenants/{lgCode}
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../errors.ts';
import type { AppContext } from '../../module.ts';
import type { TenantContact } from '../../db/schema.ts';
import { findTenantOrThrow } from '../tenant-lookup.ts';
import { tenantJson, treeJson } from '../tenant-json.ts';
import { updateTenantContact } from '../update-tenant-contact.ts';
import { etag } from '../../http/versions.ts';


const contactSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    phone: { type: 'string', pattern: '^\\+?[0-9][0-9-]{5,18}$' },
    email: { type: 'string', format: 'email', maxLength: 254 },
    website: { type: 'string', pattern: '^https?://[^\\s]{1,300}$' },
    addressJa: { type: 'string', minLength: 1, maxLength: 200 },
    addressEn: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

export async function tenantsApi(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/tenants', async () => {
    const trees = await ctx.tenants.trees();
    return { prefectures: trees.map(treeJson) };
  });

  app.get<{ Params: { lgCode: string } }>('/api/v1/tenants/:lgCode', async (request, reply) => {
    const tenant = await findTenantOrThrow(ctx.tenants, request.params.lgCode);
    reply.header('etag', etag(tenant.version));
    return tenantJson(tenant, await ctx.tenants.snapshot());
  });

  app.patch<{ Params: { lgCode: string }; Body: { contact: TenantContact } }>(
    '/api/v1/tenants/:lgCode',
    {
      schema: {
        body: { type: 'object', additionalProperties: false, required: ['contact'], properties: { contact: contactSchema } },
      },
      // Check the code and the actor's right before the body: a bad code or a missing right
      // is the answer, whatever the body holds.
      preValidation: async (request) => {
        await findTenantOrThrow(ctx.tenants, request.params.lgCode);
        await ctx.guard.assert(request.actor, 'tenancy.manage', request.params.lgCode);
      },
    },
    async (request, reply) => {
      const ifMatch = request.headers['if-match'];
      if (!ifMatch) throw new AppError(PlatformErrors.PRECONDITION_REQUIRED);
      const match = /^(?:W\/)?"v(\d+)"$/.exec(ifMatch.trim());
      if (!match) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
      const version = await updateTenantContact(ctx, {
        actor: request.actor,
        lgCode: request.params.lgCode,
        expectedVersion: Number(match[1]),
        contact: request.body.contact,
        ip: request.ip,
        requestId: request.id,
      });
      const tenant = await findTenantOrThrow(ctx.tenants, request.params.lgCode);
      reply.header('etag', etag(version));
      return tenantJson(tenant, await ctx.tenants.snapshot());
    },
  );
}
