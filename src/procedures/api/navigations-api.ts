// The navigation API: staff define, per municipality and life event, the questions residents
// answer and the procedures each answer leads to.
//   GET /api/v1/navigations?lgCode=
//   GET /api/v1/navigations/{lgCode}/{lifeEvent}[?version=n]     (public: residents walk it)
//   PUT /api/v1/navigations/{lgCode}/{lifeEvent}                 a new version (If-Match once one exists)
//   POST /api/v1/navigations/{lgCode}/{lifeEvent}/check          the same checks, nothing saved
// A definition is saved only when validateNavigation finds nothing; every save is audited.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { findTenantOrThrow } from '../../platform/tenancy/tenant-lookup.ts';
import { listLifeEvents, procedureStatuses } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { navigationDefinitionSchema, procedureRefs, validateNavigation, type NavigationDefinition } from '../navigation/navigation-definition.ts';
import { findNavigation, listNavigations, saveNavigation, type StoredNavigation } from '../navigation/navigation-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { audit, etag, expectedVersion, requireActor, sendSaved, staleWrite } from './api-helpers.ts';

const params = {
  type: 'object',
  required: ['lgCode', 'lifeEvent'],
  properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, lifeEvent: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' } },
} as const;

type Params = { lgCode: string; lifeEvent: string };

export function navigationJson(n: StoredNavigation) {
  return { lgCode: n.lgCode, lifeEvent: n.lifeEvent, version: n.version, currentVersion: n.currentVersion, definition: n.definition, createdBy: n.createdBy, createdAt: n.createdAt.toISOString() };
}

export async function navigationsApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;

  /** Municipality and life event exist, and the caller may manage this municipality's navigations. */
  const mayManage = async (request: FastifyRequest<{ Params: Params }>) => {
    await requireActor(request);
    const tenant = await findTenantOrThrow(tenants, request.params.lgCode);
    await guard.assert(request.actor, 'procedures.manage_navigation', tenant.lgCode);
    if (tenant.level !== 'municipality') {
      throw new AppError(ProceduresErrors.INVALID_NAVIGATION, { problems: [{ name: 'lgCode', in: 'path', detail: { ja: 'ナビゲーションは市町村ごとに作ります', en: 'Navigations belong to a municipality' } }] });
    }
    if (!(await listLifeEvents(ctx.db)).some((e) => e.code === request.params.lifeEvent)) throw new AppError(ProceduresErrors.LIFE_EVENT_NOT_FOUND);
  };

  const problemsOf = async (lgCode: string, definition: NavigationDefinition) => {
    const tenant = (await tenants.get(lgCode))!;
    const refs = procedureRefs(definition, lgCode);
    const existing = new Set((await procedureStatuses(ctx.db, refs)).keys());
    return validateNavigation(definition, { lgCode, prefectureCode: tenant.prefectureCode, existing });
  };

  app.get<{ Querystring: { lgCode?: string } }>('/api/v1/navigations', { preValidation: requireActor, schema: { querystring: { type: 'object', properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' } } } } }, async (request) => {
    const readable = await guard.tenantsFor(request.actor, 'procedures.read_catalog');
    const owners = request.query.lgCode ? [request.query.lgCode].filter((c) => readable.has(c)) : [...readable];
    return { items: (await listNavigations(ctx.db, owners)).map((n) => ({ ...n, updatedAt: n.updatedAt.toISOString() })) };
  });

  app.get<{ Params: Params; Querystring: { version?: number } }>(
    '/api/v1/navigations/:lgCode/:lifeEvent',
    { schema: { params, querystring: { type: 'object', properties: { version: { type: 'integer', minimum: 1, maximum: 1_000_000 } } } } },
    async (request, reply) => {
      const found = await findNavigation(ctx.db, request.params.lgCode, request.params.lifeEvent, request.query.version);
      if (!found) throw new AppError(ProceduresErrors.NAVIGATION_NOT_FOUND);
      reply.header('etag', etag(found.currentVersion));
      return navigationJson(found);
    },
  );

  app.post<{ Params: Params; Body: NavigationDefinition }>('/api/v1/navigations/:lgCode/:lifeEvent/check', { schema: { params, body: navigationDefinitionSchema }, preValidation: mayManage }, async (request) => {
    const problems = await problemsOf(request.params.lgCode, request.body);
    return { valid: problems.length === 0, errors: problems.map((p) => ({ name: p.name, detail: p.detail[request.locale] })) };
  });

  app.put<{ Params: Params; Body: NavigationDefinition }>('/api/v1/navigations/:lgCode/:lifeEvent', { schema: { params, body: navigationDefinitionSchema }, preValidation: mayManage }, async (request, reply) => {
    const { lgCode, lifeEvent } = request.params;
    const problems = await problemsOf(lgCode, request.body);
    if (problems.length > 0) throw new AppError(ProceduresErrors.INVALID_NAVIGATION, { problems });
    const current = await findNavigation(ctx.db, lgCode, lifeEvent);
    const expected = expectedVersion(request, current?.currentVersion);
    const version = await ctx.app.db.transaction().execute(async (trx) => {
      const saved = await saveNavigation(proceduresDb(trx), lgCode, lifeEvent, request.body, expected, actorId(request.actor));
      if (saved === undefined) throw staleWrite(expected === null);
      await audit(trx, request, 'procedures.navigation_saved', lgCode, `navigation:${lgCode}/${lifeEvent}`, { version: saved, questions: request.body.questions.length });
      return saved;
    });
    const saved = (await findNavigation(ctx.db, lgCode, lifeEvent, version))!;
    return sendSaved(reply, expected === null, `/api/v1/navigations/${lgCode}/${lifeEvent}`, version, navigationJson(saved));
  });
}
