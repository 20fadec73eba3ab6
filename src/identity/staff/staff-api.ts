// Staff accounts API for administrators (municipal_admin within their tenants):
//   POST /api/v1/staff                         invite (e-mail, name, tenant, roles)
//   GET  /api/v1/staff?lgCode=                 staff of the tenants the caller manages
//   POST /api/v1/staff/{accountId}/disable     end access at once (sessions too)
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { roleAtScopeSchema } from '../../platform/authz/routes/role-assignments-api.ts';
import { checkEmail, normaliseEmail } from '../accounts/email-address.ts';
import type { IdentityContext } from '../identity-context.ts';
import { metaOf } from '../pages/page-helpers.ts';
import { disableStaff, inviteStaff, type StaffInvitation } from './invite-staff.ts';

const LG = '^[0-9]{6}$';
const inviteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'displayName', 'lgCode', 'roles'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    displayName: { type: 'string', minLength: 1, maxLength: 100 },
    lgCode: { type: 'string', pattern: LG },
    roles: {
      type: 'array',
      maxItems: 20,
      items: { type: 'object', additionalProperties: false, required: ['role', 'scope'], properties: roleAtScopeSchema },
    },
  },
} as const;

export async function staffApi(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const requireActor = async (request: { actor: { kind: string } }) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };

  app.post<{ Body: StaffInvitation }>('/api/v1/staff', { preValidation: requireActor, schema: { body: inviteSchema } }, async (request, reply) => {
    const email = normaliseEmail(request.body.email);
    if (checkEmail(email)) {
      throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: '/email', in: 'body', detail: { ja: 'メールアドレスの形式が正しくありません', en: 'The e-mail address is not valid' } }] });
    }
    if (!(await ctx.app.tenants.get(request.body.lgCode))) throw new AppError(PlatformErrors.NOT_FOUND);
    const { accountId } = await inviteStaff(ctx, request.actor, { ...request.body, email }, metaOf(request));
    return reply.code(201).send({ accountId, principalId: `account:${accountId}`, status: 'invited' });
  });

  app.get<{ Querystring: { lgCode?: string } }>(
    '/api/v1/staff',
    { preValidation: requireActor, schema: { querystring: { type: 'object', additionalProperties: false, properties: { lgCode: { type: 'string', pattern: LG } } } } },
    async (request) => {
      const managed = await ctx.app.guard.tenantsFor(request.actor, 'identity.manage_staff');
      const codes = request.query.lgCode ? [request.query.lgCode].filter((c) => managed.has(c)) : [...managed];
      if (codes.length === 0) return { items: [] };
      const rows = await ctx.db.selectFrom('identity_accounts').selectAll().where('kind', '=', 'staff').where('lg_code', 'in', codes).orderBy('created_at').execute();
      return {
        items: rows.map((row) => {
          const a = ctx.accounts.toAccount(row);
          return { accountId: a.id, principalId: `account:${a.id}`, lgCode: a.lgCode, displayName: a.displayName, email: a.email, status: a.status, lastLoginAt: a.lastLoginAt?.toISOString() ?? null };
        }),
      };
    },
  );

  app.post<{ Params: { accountId: string } }>(
    '/api/v1/staff/:accountId/disable',
    { preValidation: requireActor, schema: { params: { type: 'object', properties: { accountId: { type: 'string', format: 'uuid' } } } } },
    async (request) => {
      await disableStaff(ctx, request.actor, request.params.accountId, metaOf(request));
      return { accountId: request.params.accountId, status: 'disabled' };
    },
  );
}
