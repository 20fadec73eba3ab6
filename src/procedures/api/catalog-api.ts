// The catalog API for staff (and, for published procedures, anyone):
//   GET /api/v1/life-events
//   GET /api/v1/procedure-departments?lgCode=             GET|PUT /api/v1/procedure-departments/{lgCode}/{code}
//   GET /api/v1/procedures?lgCode=&lifeEvent=&q=&page=    GET|PUT /api/v1/procedures/{lgCode}/{code}
// A municipality's staff manage their own tenant's departments and procedures; prefecture staff
// the prefecture's (which every municipality of the prefecture shows). PUT creates or replaces,
// under If-Match once the resource exists. Every change is audited.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { findDepartment, findProcedure, listDepartments, listLifeEvents, saveDepartment, saveProcedure, searchProcedures, type Department, type Procedure, type ProcedureInput } from '../catalog/catalog-store.ts';
import { proceduresDb, type DepartmentContact } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { audit, etag, expectedVersion, mayWriteTenant, requireActor, sendSaved, staleWrite } from './api-helpers.ts';
import { procedureBodySchema, procedureInputOf, type ProcedureBody } from './procedure-body.ts';

const keyParams = {
  type: 'object',
  required: ['lgCode', 'code'],
  properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } },
} as const;

const text = (max: number) =>
  ({ type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: 1, maxLength: max }, en: { type: 'string', minLength: 1, maxLength: max } } }) as const;

const departmentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text(100),
    contact: {
      type: 'object',
      additionalProperties: false,
      properties: {
        phone: { type: 'string', pattern: '^\\+?[0-9][0-9-]{5,18}$' },
        email: { type: 'string', format: 'email', maxLength: 254 },
        placeJa: { type: 'string', minLength: 1, maxLength: 200 },
        placeEn: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
  },
} as const;

const listQuery = {
  type: 'object',
  properties: {
    lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
    lifeEvent: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' },
    q: { type: 'string', maxLength: 200 },
    page: { type: 'integer', minimum: 1, maximum: 1000 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100 },
  },
} as const;

export function departmentJson(d: Department) {
  return { lgCode: d.lgCode, code: d.code, name: d.name, contact: d.contact, version: d.version, updatedAt: d.updatedAt.toISOString() };
}

export function procedureJson(p: Procedure) {
  return {
    lgCode: p.lgCode,
    code: p.code,
    status: p.status,
    departmentCode: p.departmentCode,
    department: p.department,
    title: p.title,
    summary: p.summary,
    kana: p.kana,
    lifeEvents: p.lifeEvents,
    assuranceLevel: p.assuranceLevel,
    fees: p.fees,
    documents: p.documents,
    channel: p.channel,
    external: p.external,
    counter: p.counter,
    formVersionId: p.formVersionId,
    acceptsGenericForm: p.acceptsGenericForm ?? false,
    sortOrder: p.sortOrder,
    version: p.version,
    updatedAt: p.updatedAt.toISOString(),
  };
}

export async function catalogApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard } = ctx.app;
  // The tenant and the right come before the body: whatever the body holds, a stranger learns nothing.
  const manageCatalog = mayWriteTenant(ctx.app, 'procedures.manage_catalog');
  const canRead = (request: FastifyRequest, lgCode: string) => guard.can(request.actor, 'procedures.read_catalog', lgCode);

  app.get('/api/v1/life-events', async () => ({ items: await listLifeEvents(ctx.db) }));

  app.get<{ Querystring: { lgCode?: string } }>('/api/v1/procedure-departments', { preValidation: requireActor, schema: { querystring: { type: 'object', properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' } } } } }, async (request) => {
    const readable = await guard.tenantsFor(request.actor, 'procedures.read_catalog');
    const owners = request.query.lgCode ? [request.query.lgCode].filter((c) => readable.has(c)) : [...readable];
    return { items: (await listDepartments(ctx.db, owners)).map(departmentJson) };
  });

  app.get<{ Params: { lgCode: string; code: string } }>('/api/v1/procedure-departments/:lgCode/:code', { preValidation: requireActor, schema: { params: keyParams } }, async (request, reply) => {
    await guard.assert(request.actor, 'procedures.read_catalog', request.params.lgCode);
    const found = await findDepartment(ctx.db, request.params.lgCode, request.params.code);
    if (!found) throw new AppError(ProceduresErrors.DEPARTMENT_NOT_FOUND);
    reply.header('etag', etag(found.version));
    return departmentJson(found);
  });

  app.put<{ Params: { lgCode: string; code: string }; Body: { name: { ja: string; en: string }; contact?: DepartmentContact } }>(
    '/api/v1/procedure-departments/:lgCode/:code',
    {
      schema: { params: keyParams, body: departmentSchema },
      preValidation: manageCatalog,
    },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      const existing = await findDepartment(ctx.db, lgCode, code);
      const expected = expectedVersion(request, existing?.version);
      const version = await ctx.app.db.transaction().execute(async (trx) => {
        const saved = await saveDepartment(proceduresDb(trx), { lgCode, code, name: request.body.name, contact: request.body.contact ?? {} }, expected, actorId(request.actor));
        if (saved === undefined) throw staleWrite(expected === null);
        await audit(trx, request, expected === null ? 'procedures.department_created' : 'procedures.department_updated', lgCode, `department:${lgCode}/${code}`, { version: saved });
        return saved;
      });
      const saved = (await findDepartment(ctx.db, lgCode, code))!;
      return sendSaved(reply, expected === null, `/api/v1/procedure-departments/${lgCode}/${code}`, version, departmentJson(saved));
    },
  );

  app.get<{ Querystring: { lgCode?: string; lifeEvent?: string; q?: string; page?: number; pageSize?: number } }>('/api/v1/procedures', { schema: { querystring: listQuery } }, async (request) => {
    const { lgCode, lifeEvent, q } = request.query;
    const page = request.query.page ?? 1;
    const pageSize = request.query.pageSize ?? 20;
    // Staff see drafts of the tenants they may read; everyone sees what is published.
    const readable = await guard.tenantsFor(request.actor, 'procedures.read_catalog');
    const drafts = lgCode ? readable.has(lgCode) : readable.size > 0;
    const owners = lgCode ? [lgCode] : drafts ? [...readable] : undefined;
    const found = await searchProcedures(ctx.db, { text: q, owners, lifeEvent, publishedOnly: !drafts, page, pageSize });
    return { total: found.total, page, pageSize, items: found.items };
  });

  app.get<{ Params: { lgCode: string; code: string } }>('/api/v1/procedures/:lgCode/:code', { schema: { params: keyParams } }, async (request, reply) => {
    const found = await findProcedure(ctx.db, request.params.lgCode, request.params.code);
    if (!found || (found.status !== 'published' && !(await canRead(request, found.lgCode)))) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
    reply.header('etag', etag(found.version));
    return procedureJson(found);
  });

  app.put<{ Params: { lgCode: string; code: string }; Body: ProcedureBody }>(
    '/api/v1/procedures/:lgCode/:code',
    {
      schema: { params: keyParams, body: procedureBodySchema },
      preValidation: manageCatalog,
    },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      const existing = await findProcedure(ctx.db, lgCode, code);
      const expected = expectedVersion(request, existing?.version);
      const input: ProcedureInput = await procedureInputOf(ctx, lgCode, code, request.body, existing?.formVersionId ?? null);
      const version = await ctx.app.db.transaction().execute(async (trx) => {
        const saved = await saveProcedure(proceduresDb(trx), input, expected, actorId(request.actor));
        if (saved === undefined) throw staleWrite(expected === null);
        await audit(trx, request, expected === null ? 'procedures.procedure_created' : 'procedures.procedure_updated', lgCode, `procedure:${lgCode}/${code}`, { version: saved, status: input.status, channel: input.channel });
        return saved;
      });
      const saved = (await findProcedure(ctx.db, lgCode, code))!;
      return sendSaved(reply, expected === null, `/api/v1/procedures/${lgCode}/${code}`, version, procedureJson(saved));
    },
  );
}
