// GET /api/v1/audit-events — newest first, paged by sequence number, limited to the tenants the
// caller may audit. Platform-wide events (no tenant) are shown to platform administrators only.
import type { FastifyInstance } from 'fastify';
import { AppError, PlatformErrors } from '../../errors.ts';
import type { AppContext } from '../../module.ts';
import { toRecord } from '../audit-log.ts';

export const AUDIT_PAGE_MAX = 500;

export async function auditEventsApi(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Querystring: { lgCode?: string; limit?: number; before?: number; action?: string } }>(
    '/api/v1/audit-events',
    {
      preValidation: async (request) => {
        if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
      },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
            limit: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: 50 },
            before: { type: 'integer', minimum: 1 },
            action: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const { lgCode, limit = 50, before, action } = request.query;
      const auditable = [...(await ctx.guard.tenantsFor(request.actor, 'audit.read'))];
      if (lgCode && !auditable.includes(lgCode)) await ctx.guard.assert(request.actor, 'audit.read', lgCode);
      const platformWide = ctx.guard.isPlatformAdmin(request.actor);
      if (auditable.length === 0 && !platformWide) throw new AppError(PlatformErrors.FORBIDDEN);
      let query = ctx.db.selectFrom('platform_audit_events').selectAll().orderBy('seq', 'desc').limit(limit + 1);
      if (lgCode) query = query.where('lg_code', '=', lgCode);
      else
        query = query.where((eb) =>
          eb.or([
            ...(auditable.length ? [eb('lg_code', 'in', auditable)] : []),
            ...(platformWide ? [eb('lg_code', 'is', null)] : []),
          ]),
        );
      if (before) query = query.where('seq', '<', before);
      if (action) query = query.where('action', '=', action);
      const rows = await query.execute();
      const page = rows.slice(0, limit).map(toRecord);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString() })),
        next: rows.length > limit && last ? `/api/v1/audit-events?${new URLSearchParams({ ...(lgCode ? { lgCode } : {}), ...(action ? { action } : {}), limit: String(limit), before: String(last.seq) })}` : null,
      };
    },
  );
}
