// Staff API: each department's booking calendar (a create-or-replace PUT guarded by its version:
// If-Match, 428 without it, 412 when stale; audited) and the department's bookings of a day.
//   GET|PUT /api/v1/reservation-calendars/{lgCode}/{department}
//   GET     /api/v1/reservations?lgCode=&department=&date=YYYY-MM-DD
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { departmentOf } from '../../procedures/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { etag, expectedVersion, staleWrite } from '../../platform/http/versions.ts';
import type { AppContext } from '../../platform/module.ts';
import { bookingsOfDay, findCalendar } from '../booking-store.ts';
import { checkDefinition, type CalendarDefinition } from '../calendar/calendar-definition.ts';
import { addDaysIso, isIsoDate, japanInstant } from '../../platform/i18n/dates.ts';
import { reservationsDb } from '../db/schema.ts';

const period = { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: { type: 'string', maxLength: 5 }, to: { type: 'string', maxLength: 5 } } } as const;
const calendarSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slotMinutes', 'capacity', 'horizonDays', 'weekly'],
  properties: {
    slotMinutes: { type: 'integer' },
    capacity: { type: 'integer' },
    horizonDays: { type: 'integer' },
    weekly: { type: 'object', maxProperties: 7, additionalProperties: { type: 'array', maxItems: 6, items: period } },
    closures: {
      type: 'array',
      maxItems: 366,
      items: { type: 'object', additionalProperties: false, required: ['date', 'reason'], properties: { date: { type: 'string', maxLength: 10 }, reason: { type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: 1, maxLength: 100 }, en: { type: 'string', minLength: 1, maxLength: 100 } } } } },
    },
  },
} as const;

export async function reservationsApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = reservationsDb(ctx.db);
  const requireActor = async (request: FastifyRequest) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };
  const existingDepartment = async (lgCode: string, code: string) => {
    const dept = await departmentOf(ctx, lgCode, code);
    if (!dept) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: `${lgCode} に課「${code}」はありません`, en: `${lgCode} has no department "${code}"` } });
    return dept;
  };

  app.get<{ Params: { lgCode: string; dept: string } }>('/api/v1/reservation-calendars/:lgCode/:dept', async (request, reply) => {
    const found = await findCalendar(db, request.params.lgCode, request.params.dept);
    if (!found) throw new AppError(PlatformErrors.NOT_FOUND);
    return reply.header('etag', etag(found.version)).send({ lgCode: request.params.lgCode, department: request.params.dept, ...found.definition });
  });

  app.put<{ Params: { lgCode: string; dept: string }; Body: CalendarDefinition }>('/api/v1/reservation-calendars/:lgCode/:dept', { preValidation: requireActor, schema: { body: calendarSchema } }, async (request, reply) => {
    const { lgCode, dept } = request.params;
    await ctx.guard.assert(request.actor, 'reservations.manage_calendars', lgCode);
    await existingDepartment(lgCode, dept);
    const definition: CalendarDefinition = { ...request.body, closures: request.body.closures ?? [] };
    const problems = checkDefinition(definition);
    if (problems.length) throw new AppError(PlatformErrors.VALIDATION, { problems: problems.map((p) => ({ name: p.name, in: 'body', detail: { ja: p.ja, en: p.en } })) });
    const current = await findCalendar(db, lgCode, dept);
    const expected = expectedVersion(request, current?.version);
    const saved = expected === null
      ? await db.insertInto('reservation_calendars').values({ lg_code: lgCode, department_code: dept, definition: JSON.stringify(definition), updated_by: actorId(request.actor) }).onConflict((oc) => oc.columns(['lg_code', 'department_code']).doNothing()).returning('version').executeTakeFirst()
      : await db.updateTable('reservation_calendars').set((eb) => ({ definition: JSON.stringify(definition), updated_by: actorId(request.actor), updated_at: new Date(), version: eb('version', '+', 1) })).where('lg_code', '=', lgCode).where('department_code', '=', dept).where('version', '=', expected).returning('version').executeTakeFirst();
    if (!saved) throw staleWrite(expected === null);
    const version = saved.version;
    await appendAudit(ctx.db, { actor: actorId(request.actor), action: current ? 'reservations.calendar_updated' : 'reservations.calendar_created', lgCode, subject: dept, ip: request.ip, requestId: request.id, details: { slotMinutes: definition.slotMinutes, capacity: definition.capacity } });
    return reply.code(current ? 200 : 201).header('etag', etag(version)).send({ lgCode, department: dept, ...definition });
  });

  app.get<{ Querystring: { lgCode?: string; department?: string; date?: string } }>('/api/v1/reservations', { preValidation: requireActor }, async (request) => {
    const { lgCode, department, date } = request.query;
    if (!lgCode || !department || !date || !isIsoDate(date)) {
      throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'lgCode,department,date', in: 'query', detail: { ja: 'lgCode、department、date（YYYY-MM-DD）を指定してください', en: 'Give lgCode, department and date (YYYY-MM-DD)' } }] });
    }
    await ctx.guard.assert(request.actor, 'reservations.read', lgCode);
    await existingDepartment(lgCode, department);
    const bookings = await bookingsOfDay(db, lgCode, department, japanInstant(date, '00:00'), japanInstant(addDaysIso(date, 1), '00:00'));
    return { items: bookings.map((b) => ({ id: b.id, number: b.number, slotStart: b.slotStart.toISOString(), slotMinutes: b.slotMinutes, purpose: b.purpose, status: b.status, accountId: b.accountId, createdAt: b.createdAt.toISOString() })) };
  });
}
