// GET/POST /api/v1/role-assignments, DELETE /api/v1/role-assignments/{id}, GET /api/v1/me
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../errors.ts';
import type { AppContext } from '../../module.ts';
import { covers } from '../guard.ts';
import { roles } from '../roles.ts';
import type { RoleAssignment } from '../actor.ts';
import { grantRole, revokeRole, type GrantInput } from '../role-assignments.ts';

const LG = '^[0-9]{6}$';

/** A role at a scope, as APIs take it (also the staff invitation's list of roles). */
export const roleAtScopeSchema = {
  role: { type: 'string', minLength: 1, maxLength: 50 },
  scope: {
    type: 'object',
    additionalProperties: false,
    required: ['level', 'prefectureCode'],
    properties: {
      level: { type: 'string', enum: ['prefecture', 'zone', 'municipality'] },
      prefectureCode: { type: 'string', pattern: LG },
      zoneId: { type: 'string', maxLength: 40 },
      lgCode: { type: 'string', pattern: LG },
    },
  },
} as const;

const grantSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['principalId', 'role', 'scope'],
  properties: { principalId: { type: 'string', minLength: 1, maxLength: 200 }, ...roleAtScopeSchema },
} as const;

function json(a: RoleAssignment) {
  return {
    id: a.id,
    principalId: a.principalId,
    role: a.role,
    scope: { level: a.scopeLevel, prefectureCode: a.prefectureCode, zoneId: a.zoneId, lgCode: a.lgCode },
  };
}

export async function roleAssignmentsApi(app: FastifyInstance, ctx: AppContext) {
  const requireActor = async (request: { actor: { kind: string } }) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };

  app.get('/api/v1/me', { preValidation: requireActor }, async (request) => {
    const actor = request.actor;
    if (actor.kind !== 'principal') return { kind: actor.kind };
    const account = actor.account && {
      id: actor.account.accountId,
      kind: actor.account.accountKind,
      lgCode: actor.account.lgCode,
      assuranceLevel: actor.account.assuranceLevel,
      acr: actor.account.acr,
      methods: actor.account.methods,
      ...(actor.account.business ? { business: actor.account.business } : {}),
    };
    return { kind: actor.kind, principalId: actor.principalId, name: actor.displayName, roles: actor.assignments.map(json), ...(account ? { account } : {}) };
  });

  app.get('/api/v1/roles', { preValidation: requireActor }, async () => ({
    roles: roles.map((r) => ({ name: r.name, label: r.label, scopes: r.scopes, permissions: ctx.permissions.permissionsOf(r.name) })),
  }));

  // Lists the assignments that lie wholly within the tenants the caller may read roles of.
  app.get<{ Querystring: { lgCode?: string } }>(
    '/api/v1/role-assignments',
    {
      preValidation: requireActor,
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { lgCode: { type: 'string', pattern: LG } } } },
    },
    async (request) => {
      const readable = await ctx.guard.tenantsFor(request.actor, 'authz.read_roles');
      const { tenants } = await ctx.tenants.snapshot();
      const rows = await ctx.db.selectFrom('platform_role_assignments').selectAll().orderBy('granted_at').execute();
      const items = rows
        .map((r) => ({
          id: r.id,
          principalId: r.principal_id,
          role: r.role,
          scopeLevel: r.scope_level,
          prefectureCode: r.prefecture_code,
          zoneId: r.zone_id,
          lgCode: r.lg_code,
        }))
        .filter((a) => {
          const covered = [...tenants.values()].filter((t) => covers(a, t));
          if (covered.length === 0 || !covered.every((t) => readable.has(t.lgCode))) return false;
          return !request.query.lgCode || covered.some((t) => t.lgCode === request.query.lgCode);
        });
      return { items: items.map(json) };
    },
  );

  app.post<{ Body: GrantInput & { scope: GrantInput['scope'] } }>(
    '/api/v1/role-assignments',
    { preValidation: requireActor, schema: { body: grantSchema } },
    async (request, reply) => {
      const assignment = await grantRole(ctx, request.actor, request.body, { ip: request.ip, requestId: request.id });
      return reply.code(201).header('location', `/api/v1/role-assignments/${assignment.id}`).send(json(assignment));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/role-assignments/:id',
    {
      preValidation: requireActor,
      schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
    },
    async (request, reply) => {
      await revokeRole(ctx, request.actor, request.params.id, { ip: request.ip, requestId: request.id });
      return reply.code(204).send();
    },
  );
}
