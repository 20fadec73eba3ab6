// The standard export of a procedure's applications (issue 6 part 8), for staff with
// procedures.export_applications (personal data: a staff decision, audited before a byte is sent):
//   GET /api/v1/procedures/{lgCode}/{code}/applications/export?format=json|csv&from=&to=&status=
// `from`/`to` are Japan dates on the first submission; `status` a comma-separated list (default:
// every status but draft). The answer streams: the JSON document or the CSV is written as the
// applications are read, a batch at a time.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors, type FieldProblem } from '../../platform/errors.ts';
import { isIsoDate } from '../../platform/i18n/dates.ts';
import { findTenantOrThrow } from '../../platform/tenancy/tenant-lookup.ts';
import { countExport, csvHeader, csvLine, EXPORT_SCHEMA, EXPORTABLE_STATUSES, exportApplications, exportFields, type ExportFilter } from '../applications/standard-export.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import type { ApplicationStatus } from '../db/schema.ts';
import { ProceduresErrors } from '../errors.ts';
import { BOM } from '../monitoring/csv.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { audit, requireActor } from './api-helpers.ts';

export type ExportQuery = { format?: 'json' | 'csv'; from?: string; to?: string; status?: string };

export function readFilter(lgCode: string, procedureCode: string, query: ExportQuery): ExportFilter {
  const problems: FieldProblem[] = [];
  for (const name of ['from', 'to'] as const) {
    const value = query[name];
    if (value !== undefined && !isIsoDate(value)) problems.push({ name, in: 'query', detail: { ja: `${name === 'from' ? '開始日' : '終了日'}は YYYY-MM-DD の日付で指定してください`, en: `"${name}" must be a date (YYYY-MM-DD)` } });
  }
  if (problems.length === 0 && query.from && query.to && query.from > query.to) problems.push({ name: 'from', in: 'query', detail: { ja: '開始日は終了日より前にしてください', en: '"from" must not be after "to"' } });
  const statuses = query.status ? [...new Set(query.status.split(','))] : EXPORTABLE_STATUSES;
  const unknown = statuses.filter((s) => !(EXPORTABLE_STATUSES as string[]).includes(s));
  if (unknown.length) problems.push({ name: 'status', in: 'query', detail: { ja: `状態「${unknown.join('、')}」は指定できません（${EXPORTABLE_STATUSES.join(', ')}）`, en: `Unknown status "${unknown.join(', ')}" (use ${EXPORTABLE_STATUSES.join(', ')})` } });
  if (problems.length) throw new AppError(PlatformErrors.VALIDATION, { problems });
  return { lgCode, procedureCode, statuses: statuses as ApplicationStatus[], ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
}

export async function exportApi(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  app.get<{ Params: { lgCode: string; code: string }; Querystring: ExportQuery }>(
    '/api/v1/procedures/:lgCode/:code/applications/export',
    {
      schema: {
        params: { type: 'object', required: ['lgCode', 'code'], properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } } },
        querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'csv'] }, from: { type: 'string', maxLength: 10 }, to: { type: 'string', maxLength: 10 }, status: { type: 'string', maxLength: 200 } } },
      },
      preValidation: requireActor,
    },
    async (request, reply) => {
      const { lgCode, code } = request.params;
      await findTenantOrThrow(ctx.app.tenants, lgCode);
      await ctx.app.guard.assert(request.actor, 'procedures.export_applications', lgCode);
      const procedure = await findProcedure(ctx.db, lgCode, code);
      if (!procedure || procedure.practice) throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
      const filter = readFilter(lgCode, code, request.query);
      const format = request.query.format ?? 'json';
      const [count, { fields, versionOf }] = await Promise.all([countExport(ctx.db, filter), exportFields(ctx.db, filter)]);
      await audit(ctx.app.db, request, 'procedures.applications_exported', lgCode, `procedure:${lgCode}/${code}`, { format, from: filter.from ?? null, to: filter.to ?? null, statuses: filter.statuses, count });

      const rows = exportApplications(ctx.db, ctx.app.sealer, filter, versionOf);
      const filename = `applications-${lgCode}-${code}.${format}`;
      reply.header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').header('x-total-count', String(count));
      if (format === 'csv') {
        const lines = async function* () {
          yield `${BOM}${csvHeader(fields)}`;
          for await (const a of rows) yield csvLine(fields, a);
        };
        return reply.type('text/csv; charset=utf-8').send(Readable.from(lines()));
      }
      const head = {
        schema: EXPORT_SCHEMA,
        exportedAt: new Date().toISOString(),
        procedure: { lgCode, code, title: procedure.title },
        filter: { from: filter.from ?? null, to: filter.to ?? null, statuses: filter.statuses },
        count,
        fields,
      };
      const document = async function* () {
        yield `${JSON.stringify(head).slice(0, -1)},"applications":[`;
        let first = true;
        for await (const a of rows) {
          yield `${first ? '' : ','}${JSON.stringify(a)}`;
          first = false;
        }
        yield ']}';
      };
      return reply.type('application/json; charset=utf-8').send(Readable.from(document()));
    },
  );
}
