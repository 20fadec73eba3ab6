// The back office API (issue 6 parts 3 and 4): routings, department membership, and the
// applications staff process. JSON, errors as problem+json; decisions and assignments under
// If-Match with the application's work version (ETag), so two staff never both decide.
//   GET|PUT|DELETE /api/v1/procedures/{lgCode}/{code}/routing                  procedures.manage_workflow to change
//   GET|POST       /api/v1/procedure-departments/{lgCode}/{code}/members       procedures.manage_workflow
//   DELETE         /api/v1/procedure-departments/{lgCode}/{code}/members/{principalId}
//   GET            /api/v1/application-queue?department=&status=&procedure=&overdue=&mine=&q=&page=&pageSize=
//   GET            /api/v1/applications/{lgCode}/{id}
//   POST           /api/v1/applications/{lgCode}/{id}/decisions                {action, reasons?, reason?}
//   PUT            /api/v1/applications/{lgCode}/{id}/assignee                 {principalId|null}
//   POST           /api/v1/applications/{lgCode}/{id}/comments                 {text}
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { findStaffByEmail } from '../../identity/exports.ts';
import { ApplicationStore } from '../applications/application-store.ts';
import { findDepartment, findProcedure } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { findVersion } from '../forms/form-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { assign, comment, decide, decisionsAt, historyOf, loadForStaff, type Decision } from '../workflow/decisions.ts';
import { addMember, listMembers, removeMember } from '../workflow/memberships.ts';
import { listQueue, QUEUE_STATUSES, type QueueFilter } from '../workflow/queue.ts';
import { checkRouting, defaultRouting, deleteRouting, findRouting, processingDays, saveRouting, STAGE_KINDS, STAGE_ROLES, stageName, type Routing } from '../workflow/routing.ts';
import { mayAct, staffScopeOf, type StaffScope, type Work } from '../workflow/work-store.ts';
import { audit, etag, expectedVersion, mayWriteTenant, requireActor, sendSaved, staleWrite } from './api-helpers.ts';

const keyParams = {
  type: 'object',
  required: ['lgCode', 'code'],
  properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } },
} as const;
const applicationParams = {
  type: 'object',
  required: ['lgCode', 'id'],
  properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, id: { type: 'string', format: 'uuid' } },
} as const;

const routingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['stages'],
  properties: {
    stages: {
      type: 'array', minItems: 2, maxItems: 7,
      items: {
        type: 'object', additionalProperties: false, required: ['kind', 'departmentCode', 'role', 'days'],
        properties: {
          kind: { type: 'string', enum: STAGE_KINDS },
          departmentCode: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' },
          role: { type: 'string', enum: STAGE_ROLES },
          days: { type: 'integer', minimum: 1, maximum: 120 },
        },
      },
    },
    after: {
      type: 'array', maxItems: 10,
      items: { type: 'object', additionalProperties: false, required: ['lgCode', 'code'], properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } } },
    },
    issueDocument: { type: 'boolean' },
    documentTitle: { type: ['string', 'null'], minLength: 1, maxLength: 60 },
  },
} as const;

const decisionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { type: 'string', enum: ['receive', 'check', 'approve', 'return', 'reject'] },
    reasons: { type: 'array', maxItems: 50, items: { type: 'object', additionalProperties: false, required: ['reason'], properties: { field: { type: ['string', 'null'], maxLength: 100 }, reason: { type: 'string', maxLength: 1000 } } } },
    reason: { type: 'string', maxLength: 1000 },
  },
} as const;

/** The version an action is made on, from If-Match (428 without, 412 when not a version). */
export function ifMatchVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  if (!header) throw new AppError(PlatformErrors.PRECONDITION_REQUIRED);
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(header.trim());
  if (!match) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
  return Number(match[1]);
}

export function routingJson(r: Routing & { version?: number }, isDefault: boolean) {
  return { default: isDefault, stages: r.stages, after: r.after, issueDocument: r.issueDocument, documentTitle: r.documentTitle, processingDays: processingDays(r), ...(r.version ? { version: r.version } : {}) };
}

export function workJson(work: Work & { waiting: boolean }) {
  return {
    stageIndex: work.stageIndex, stage: work.stages[work.stageIndex] ?? null, stageName: { ja: stageName(work.stages, work.stageIndex, 'ja'), en: stageName(work.stages, work.stageIndex, 'en') },
    stages: work.stages, departmentCode: work.departmentCode, assignee: work.assignee, assigneeName: work.assigneeName, dueOn: work.dueOn, waiting: work.waiting, version: work.version,
  };
}

export async function workflowApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard } = ctx.app;
  const manageWorkflow = mayWriteTenant(ctx.app, 'procedures.manage_workflow');
  const store = new ApplicationStore(ctx.app.sealer);
  const scopeOf = async (request: FastifyRequest): Promise<StaffScope> => {
    await requireActor(request);
    const scope = await staffScopeOf(ctx.app, ctx.db, request.actor);
    if (!scope) throw new AppError(PlatformErrors.FORBIDDEN);
    return scope;
  };
  const meta = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id });

  type Key = { lgCode: string; code: string };
  app.get<{ Params: Key }>('/api/v1/procedures/:lgCode/:code/routing', { preValidation: requireActor, schema: { params: keyParams } }, async (request, reply) => {
    const { lgCode, code } = request.params;
    await guard.assert(request.actor, 'procedures.read_catalog', lgCode);
    const procedure = await findProcedure(ctx.db, lgCode, code);
    if (!procedure) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
    const saved = await findRouting(ctx.db, lgCode, code);
    if (saved) reply.header('etag', etag(saved.version));
    return routingJson(saved ?? defaultRouting(procedure.departmentCode), !saved);
  });

  app.put<{ Params: Key; Body: { stages: Routing['stages']; after?: Routing['after']; issueDocument?: boolean; documentTitle?: string | null } }>(
    '/api/v1/procedures/:lgCode/:code/routing',
    { schema: { params: keyParams, body: routingSchema }, preValidation: manageWorkflow },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      if (!(await findProcedure(ctx.db, lgCode, code))) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
      const routing: Routing = { stages: request.body.stages, after: request.body.after ?? [], issueDocument: request.body.issueDocument ?? false, documentTitle: request.body.documentTitle ?? null };
      await checkRouting(ctx.db, lgCode, code, routing);
      const existing = await findRouting(ctx.db, lgCode, code);
      const expected = expectedVersion(request, existing?.version);
      const version = await ctx.app.db.transaction().execute(async (trx) => {
        const saved = await saveRouting(proceduresDb(trx), lgCode, code, routing, expected, actorId(request.actor));
        if (saved === undefined) throw staleWrite(expected === null);
        await audit(trx, request, 'procedures.routing_saved', lgCode, `procedure:${lgCode}/${code}`, { version: saved, stages: routing.stages.map((s) => `${s.kind}:${s.departmentCode}:${s.role}`), issueDocument: routing.issueDocument });
        return saved;
      });
      return sendSaved(reply, expected === null, `/api/v1/procedures/${lgCode}/${code}/routing`, version, routingJson({ ...routing, version }, false));
    },
  );

  app.delete<{ Params: Key }>('/api/v1/procedures/:lgCode/:code/routing', { schema: { params: keyParams }, preValidation: manageWorkflow }, async (request, reply) => {
    const { lgCode, code } = request.params;
    const existing = await findRouting(ctx.db, lgCode, code);
    if (!existing) throw new AppError(PlatformErrors.NOT_FOUND);
    const expected = expectedVersion(request, existing.version)!;
    await ctx.app.db.transaction().execute(async (trx) => {
      if (!(await deleteRouting(proceduresDb(trx), lgCode, code, expected))) throw staleWrite(false);
      await audit(trx, request, 'procedures.routing_deleted', lgCode, `procedure:${lgCode}/${code}`, { version: expected });
    });
    return reply.code(204).send();
  });

  // Department membership.
  app.get<{ Params: Key }>('/api/v1/procedure-departments/:lgCode/:code/members', { schema: { params: keyParams }, preValidation: manageWorkflow }, async (request) => {
    const { lgCode, code } = request.params;
    if (!(await findDepartment(ctx.db, lgCode, code))) throw new AppError(ProceduresErrors.DEPARTMENT_NOT_FOUND);
    return { items: (await listMembers(ctx.db, lgCode, code)).map((m) => ({ principalId: m.principalId, displayName: m.displayName, addedAt: m.addedAt.toISOString() })) };
  });

  app.post<{ Params: Key; Body: { email?: string; principalId?: string; displayName?: string } }>(
    '/api/v1/procedure-departments/:lgCode/:code/members',
    {
      schema: {
        params: keyParams,
        body: {
          type: 'object', additionalProperties: false,
          properties: { email: { type: 'string', minLength: 3, maxLength: 254 }, principalId: { type: 'string', pattern: '^[a-z]+:[A-Za-z0-9-]{1,80}$' }, displayName: { type: 'string', minLength: 1, maxLength: 100 } },
        },
      },
      preValidation: manageWorkflow,
    },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      if (!(await findDepartment(ctx.db, lgCode, code))) throw new AppError(ProceduresErrors.DEPARTMENT_NOT_FOUND);
      const member = await memberFromBody(ctx, request.body);
      const added = await ctx.app.db.transaction().execute(async (trx) => {
        const ok = await addMember(proceduresDb(trx), { lgCode, departmentCode: code, principalId: member.principalId, displayName: member.displayName, addedBy: actorId(request.actor) });
        if (ok) await audit(trx, request, 'procedures.department_member_added', lgCode, `department:${lgCode}/${code}`, { principalId: member.principalId });
        return ok;
      });
      return reply.code(added ? 201 : 200).send({ principalId: member.principalId, displayName: member.displayName });
    },
  );

  app.delete<{ Params: Key & { principalId: string } }>('/api/v1/procedure-departments/:lgCode/:code/members/:principalId', { schema: { params: { ...keyParams, required: ['lgCode', 'code', 'principalId'], properties: { ...keyParams.properties, principalId: { type: 'string', maxLength: 100 } } } }, preValidation: manageWorkflow }, async (request, reply) => {
    const { lgCode, code, principalId } = request.params;
    const removed = await ctx.app.db.transaction().execute(async (trx) => {
      const ok = await removeMember(proceduresDb(trx), lgCode, code, principalId);
      if (ok) await audit(trx, request, 'procedures.department_member_removed', lgCode, `department:${lgCode}/${code}`, { principalId });
      return ok;
    });
    if (!removed) throw new AppError(ProceduresErrors.STAFF_NOT_FOUND);
    return reply.code(204).send();
  });

  // The queue and the applications.
  app.get<{ Querystring: { department?: string; status?: QueueFilter['status']; procedure?: string; overdue?: boolean; mine?: boolean; q?: string; page?: number; pageSize?: number } }>('/api/v1/application-queue', {
    schema: {
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          department: { type: 'string', pattern: '^[0-9]{6}/[a-z][a-z0-9-]{1,60}$' }, status: { type: 'string', enum: QUEUE_STATUSES }, procedure: { type: 'string', pattern: '^[0-9]{6}/[a-z][a-z0-9-]{1,60}$' },
          overdue: { type: 'boolean' }, mine: { type: 'boolean' }, q: { type: 'string', maxLength: 100 }, page: { type: 'integer', minimum: 1, maximum: 1000 }, pageSize: { type: 'integer', minimum: 1, maximum: 100 },
        },
      },
    },
  }, async (request) => {
    const scope = await scopeOf(request);
    const { query } = request;
    const filter: QueueFilter = { status: query.status ?? 'active', overdue: query.overdue ?? false, mine: query.mine ?? false, page: query.page ?? 1, pageSize: query.pageSize ?? 20, ...(query.department ? { department: query.department } : {}), ...(query.procedure ? { procedure: query.procedure } : {}), ...(query.q ? { q: query.q } : {}) };
    const { rows, total } = await listQueue(ctx.db, store, scope, filter, todayInJapanIso());
    return {
      total, page: filter.page, pageSize: filter.pageSize,
      departments: scope.departments.map((d) => `${d.lgCode}/${d.code}`),
      items: rows.map((r) => ({ lgCode: r.lgCode, id: r.id, receiptNumber: r.receiptNumber, procedureCode: r.procedureCode, status: r.status, stageIndex: r.stageIndex, stageName: { ja: stageName(r.stages, r.stageIndex, 'ja'), en: stageName(r.stages, r.stageIndex, 'en') }, departmentCode: r.departmentCode, assignee: r.assignee, assigneeName: r.assigneeName, dueOn: r.dueOn, overdue: r.overdue, waiting: r.waiting, submittedAt: r.submittedAt.toISOString(), applicantName: r.applicantName })),
    };
  });

  type AppKey = { lgCode: string; id: string };
  app.get<{ Params: AppKey }>('/api/v1/applications/:lgCode/:id', { schema: { params: applicationParams } }, async (request, reply) => {
    const scope = await scopeOf(request);
    const { work, application } = await loadForStaff(ctx, scope, request.params.lgCode, request.params.id);
    const version = await findVersion(ctx.db, application.lgCode, { id: application.formVersionId });
    const acting = await mayAct(ctx.app, request.actor, scope, work);
    reply.header('etag', etag(work.version));
    return {
      lgCode: application.lgCode, id: application.id, receiptNumber: application.receiptNumber, procedureCode: application.procedureCode, status: application.status,
      submittedAt: application.submittedAt?.toISOString() ?? null, formVersion: version?.version ?? null, answers: application.own.answers ?? {},
      work: workJson(work), actions: acting ? decisionsAt(work, application.status, work.waiting) : [],
      history: (await historyOf(ctx, work)).map((h) => ({ at: h.at.toISOString(), action: h.action, stageIndex: h.stageIndex, actorName: h.actorName, note: h.note, reasons: h.reasons, changes: h.changes })),
    };
  });

  app.post<{ Params: AppKey; Body: { action: Decision['action']; reasons?: Array<{ field?: string | null; reason: string }>; reason?: string } }>('/api/v1/applications/:lgCode/:id/decisions', { schema: { params: applicationParams, body: decisionSchema } }, async (request, reply) => {
    const scope = await scopeOf(request);
    const expected = ifMatchVersion(request);
    const { body } = request;
    const decision: Decision = body.action === 'return' ? { action: 'return', reasons: (body.reasons ?? []).map((r) => ({ field: r.field ?? null, reason: r.reason })) } : body.action === 'reject' ? { action: 'reject', reason: body.reason ?? '' } : { action: body.action };
    const result = await decide(ctx, request.actor, scope, request.params, expected, decision, meta(request));
    reply.header('etag', etag(result.version));
    return result;
  });

  app.put<{ Params: AppKey; Body: { principalId: string | null } }>('/api/v1/applications/:lgCode/:id/assignee', {
    schema: { params: applicationParams, body: { type: 'object', additionalProperties: false, required: ['principalId'], properties: { principalId: { type: ['string', 'null'], maxLength: 100 } } } },
  }, async (request, reply) => {
    const scope = await scopeOf(request);
    const version = await assign(ctx, request.actor, scope, request.params, ifMatchVersion(request), request.body.principalId, meta(request));
    reply.header('etag', etag(version));
    return { principalId: request.body.principalId, version };
  });

  app.post<{ Params: AppKey; Body: { text: string } }>('/api/v1/applications/:lgCode/:id/comments', {
    schema: { params: applicationParams, body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', maxLength: 2000 } } } },
  }, async (request, reply) => {
    const scope = await scopeOf(request);
    await comment(ctx, request.actor, scope, request.params, request.body.text, meta(request));
    return reply.code(201).send({ ok: true });
  });
}

/** The staff member to add: by e-mail (a staff account), or an operator token's principal by id and name. */
async function memberFromBody(ctx: ProceduresContext, body: { email?: string; principalId?: string; displayName?: string }): Promise<{ principalId: string; displayName: string }> {
  if (body.email) {
    const staff = await findStaffByEmail(ctx.app, body.email);
    if (!staff) throw new AppError(ProceduresErrors.STAFF_NOT_FOUND, { detail: { ja: 'このメールアドレスの職員アカウントはありません', en: 'There is no staff account with this e-mail address' } });
    return { principalId: staff.principalId, displayName: staff.displayName };
  }
  if (body.principalId && body.displayName) return { principalId: body.principalId, displayName: body.displayName };
  throw new AppError(ProceduresErrors.INVALID_DECISION, { problems: [{ name: 'email', in: 'body', detail: { ja: '職員のメールアドレス（または principalId と displayName）を指定してください', en: 'Give the staff member\'s e-mail address (or principalId and displayName)' } }] });
}
