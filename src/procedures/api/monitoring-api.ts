// The monitoring API (EBPM, issue 6 part 7), for staff with procedures.read_monitoring:
//   GET /api/v1/monitoring/{lgCode}?from=&to=&procedure=&format=json|csv   one tenant, by procedure
//   GET /api/v1/monitoring?prefecture=&from=&to=&procedure=&format=         the prefecture's municipalities compared
//   PUT /api/v1/monitoring/{lgCode}/paper-counts/{procedure}/{month}        { "count" }: paper applications (procedures.record_paper_counts)
// Months are YYYY-MM in Japan time (default: the last 12). Another tenant's figures are refused
// (403); the comparison needs the permission on the prefecture itself (a prefecture-scope role).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { findTenantOrThrow } from '../../platform/tenancy/tenant-lookup.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import { ProceduresErrors } from '../errors.ts';
import { BOM } from '../monitoring/csv.ts';
import { MONTH, recordPaperCount } from '../monitoring/monitoring-figures.ts';
import { prefectureCsv, prefectureReport, procedureTitles, queryOrThrow, seriesJson, tenantCsv, tenantReport } from '../monitoring/monitoring-report.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { audit, mayWriteTenant, requireActor } from './api-helpers.ts';

type Query = { from?: string; to?: string; procedure?: string; format?: 'json' | 'csv' };
const querySchema = {
  type: 'object',
  properties: { from: { type: 'string' }, to: { type: 'string' }, procedure: { type: 'string' }, format: { type: 'string', enum: ['json', 'csv'] } },
} as const;
const lgCodeParam = { type: 'string', pattern: '^[0-9]{6}$' } as const;

export function sendCsv(reply: FastifyReply, filename: string, body: string): FastifyReply {
  // The BOM makes a spreadsheet read the Japanese as UTF-8.
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(`${BOM}${body}`);
}

export async function monitoringApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;

  app.get<{ Params: { lgCode: string }; Querystring: Query }>(
    '/api/v1/monitoring/:lgCode',
    { schema: { params: { type: 'object', required: ['lgCode'], properties: { lgCode: lgCodeParam } }, querystring: querySchema }, preValidation: requireActor },
    async (request, reply) => {
      const tenant = await findTenantOrThrow(tenants, request.params.lgCode);
      await guard.assert(request.actor, 'procedures.read_monitoring', tenant.lgCode);
      const report = await tenantReport(ctx, tenant.lgCode, queryOrThrow(request.query));
      if (request.query.format === 'csv') return sendCsv(reply, `monitoring-${tenant.lgCode}-${report.query.from}-${report.query.to}.csv`, tenantCsv(report, tenant.name[request.locale], request.locale));
      return {
        lgCode: tenant.lgCode, from: report.query.from, to: report.query.to, procedure: report.query.procedureCode ?? null,
        overall: seriesJson(report.overall),
        procedures: report.procedures.map((p) => ({ code: p.procedureCode, title: p.title, ...seriesJson(p) })),
      };
    },
  );

  app.get<{ Querystring: Query & { prefecture?: string } }>(
    '/api/v1/monitoring',
    { schema: { querystring: { ...querySchema, required: ['prefecture'], properties: { ...querySchema.properties, prefecture: lgCodeParam } } }, preValidation: requireActor },
    async (request, reply) => {
      const prefecture = await findTenantOrThrow(tenants, request.query.prefecture!);
      if (prefecture.level !== 'prefecture') throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'prefecture', in: 'query', detail: { ja: `${prefecture.lgCode} は都道府県の団体コードではありません`, en: `${prefecture.lgCode} is not a prefecture's code` } }] });
      await guard.assert(request.actor, 'procedures.read_monitoring', prefecture.lgCode);
      const report = await prefectureReport(ctx, prefecture, queryOrThrow(request.query));
      const code = report.query.procedureCode;
      const title = code ? (await procedureTitles(ctx, report.municipalities.map((m) => m.lgCode))).find((t) => t.code === code)?.title : undefined;
      if (request.query.format === 'csv') return sendCsv(reply, `monitoring-${prefecture.lgCode}-${report.query.from}-${report.query.to}.csv`, prefectureCsv(report, title?.[request.locale], request.locale));
      return {
        prefecture: prefecture.lgCode, from: report.query.from, to: report.query.to, procedure: code ?? null, procedureTitle: title ?? null,
        municipalities: report.municipalities.map((m) => ({ lgCode: m.lgCode, name: m.name, ...seriesJson(m) })),
      };
    },
  );

  app.put<{ Params: { lgCode: string; procedure: string; month: string }; Body: { count: number } }>(
    '/api/v1/monitoring/:lgCode/paper-counts/:procedure/:month',
    {
      schema: {
        params: { type: 'object', required: ['lgCode', 'procedure', 'month'], properties: { lgCode: lgCodeParam, procedure: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' }, month: { type: 'string', pattern: MONTH.source } } },
        body: { type: 'object', additionalProperties: false, required: ['count'], properties: { count: { type: 'integer', minimum: 0, maximum: 1_000_000 } } },
      },
      preValidation: mayWriteTenant(ctx.app, 'procedures.record_paper_counts'),
    },
    async (request) => {
      const { lgCode, procedure, month } = request.params;
      const saved = await savePaperCount(ctx, request, { lgCode, procedureCode: procedure, month, count: request.body.count });
      if (!saved) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
      return { lgCode, procedure, month, count: request.body.count };
    },
  );
}

/** Records a paper count and audits it, in one transaction; false when the procedure does not exist. */
export async function savePaperCount(ctx: ProceduresContext, request: FastifyRequest, input: { lgCode: string; procedureCode: string; month: string; count: number }): Promise<boolean> {
  const procedure = await findProcedure(ctx.db, input.lgCode, input.procedureCode);
  if (!procedure || procedure.practice) return false;
  await ctx.app.db.transaction().execute(async (trx) => {
    const previous = await recordPaperCount(trx as unknown as typeof ctx.db, { ...input, actor: actorId(request.actor) });
    await audit(trx, request, 'procedures.paper_count_recorded', input.lgCode, `procedure:${input.lgCode}/${input.procedureCode}`, { month: input.month, count: input.count, previous });
  });
  return true;
}
