// The notices API. Anyone reads the notices published now (an open API, like the tenants list);
// a tenant's administrators write their own tenant's notices, every change audited, updates and
// deletions guarded by the notice's version (ETag / If-Match: 428 without, 412 when stale).
//   GET  /api/v1/notices[?lgCode=072028,070009&page=2]      GET /api/v1/notices/{lgCode}/{id}
//   GET  /api/v1/notices?lgCode=…&all=true  (staff: scheduled and expired too)
//   POST /api/v1/notices   PUT|DELETE /api/v1/notices/{lgCode}/{id}
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { etag, expectedVersion } from '../../platform/http/versions.ts';
import type { AppContext } from '../../platform/module.ts';
import { portalDb } from '../db/schema.ts';
import { allNotices, createNotice, currentNotices, deleteNotice, findNotice, NOTICE_PAGE_SIZE, updateNotice, type Notice, type NoticeInput } from './notice-store.ts';
import { isUuid } from '../../platform/uuid.ts';

const localized = (max: number, min: number) =>
  ({ type: 'object', additionalProperties: false, required: ['ja'], properties: { ja: { type: 'string', minLength: min, maxLength: max }, en: { type: 'string', maxLength: max } } }) as const;

const noticeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['category', 'title', 'body'],
  properties: {
    lgCode: { type: 'string', pattern: '^[0-9]{6}$' },
    category: { type: 'string', enum: ['info', 'important', 'emergency'] },
    title: localized(200, 1),
    body: localized(10000, 1),
    publishedFrom: { type: 'string', format: 'date-time' },
    publishedUntil: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

type NoticeBody = {
  lgCode?: string;
  category: NoticeInput['category'];
  title: { ja: string; en?: string };
  body: { ja: string; en?: string };
  publishedFrom?: string;
  publishedUntil?: string | null;
};

const etagOf = (notice: Notice) => etag(notice.version);

export function noticeJson(n: Notice) {
  return { lgCode: n.lgCode, id: n.id, category: n.category, title: n.title, body: n.body, publishedFrom: n.publishedFrom.toISOString(), publishedUntil: n.publishedUntil?.toISOString() ?? null, updatedAt: n.updatedAt.toISOString() };
}

function inputOf(body: NoticeBody): NoticeInput {
  const publishedFrom = body.publishedFrom ? new Date(body.publishedFrom) : new Date();
  const publishedUntil = body.publishedUntil ? new Date(body.publishedUntil) : null;
  if (publishedUntil && publishedUntil <= publishedFrom) {
    throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: '/publishedUntil', in: 'body', detail: { ja: '掲載終了は掲載開始より後にしてください', en: 'publishedUntil must be after publishedFrom' } }] });
  }
  return { category: body.category, title: { ja: body.title.ja, en: body.title.en ?? '' }, body: { ja: body.body.ja, en: body.body.en ?? '' }, publishedFrom, publishedUntil };
}

export async function noticesApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = portalDb(ctx.db);
  const audit = (request: FastifyRequest, action: string, lgCode: string, subject: string, details: Record<string, unknown> = {}) =>
    appendAudit(ctx.db, { actor: actorId(request.actor), action, lgCode, subject, ip: request.ip, requestId: request.id, details });
  const requireActor = async (request: FastifyRequest) => {
    if (request.actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
  };
  const existing = async (lgCode: string, id: string, publishedOnly: boolean) => {
    const found = isUuid(id) ? await findNotice(db, lgCode, id, publishedOnly) : undefined;
    if (!found) throw new AppError(PlatformErrors.NOT_FOUND);
    return found;
  };
  const codes = (raw: string | undefined) => {
    if (!raw) return undefined;
    const list = raw.split(',').map((c) => c.trim()).filter(Boolean);
    if (list.some((c) => !/^[0-9]{6}$/.test(c))) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'lgCode', in: 'query', detail: { ja: '団体コード（6桁）をカンマで区切って指定してください', en: 'lgCode: six-digit codes separated by commas' } }] });
    return list;
  };

  app.get<{ Querystring: { lgCode?: string; page?: string; all?: string } }>('/api/v1/notices', async (request) => {
    const lgCodes = codes(request.query.lgCode);
    if (request.query.all === 'true') {
      await requireActor(request);
      if (!lgCodes) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'lgCode', in: 'query', detail: { ja: 'all=true には lgCode が必要です', en: 'all=true needs lgCode' } }] });
      for (const code of lgCodes) await ctx.guard.assert(request.actor, 'portal.manage_notices', code);
      return { items: (await allNotices(db, lgCodes)).map(noticeJson) };
    }
    const page = Number(request.query.page ?? '1');
    if (!Number.isInteger(page) || page < 1 || page > 10_000) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'page', in: 'query', detail: { ja: 'page は 1 以上の整数です', en: 'page is a whole number from 1' } }] });
    const { notices, total } = await currentNotices(db, lgCodes, page);
    return { items: notices.map(noticeJson), total, page, pageSize: NOTICE_PAGE_SIZE };
  });

  app.get<{ Params: { lgCode: string; id: string } }>('/api/v1/notices/:lgCode/:id', async (request, reply) => {
    const { lgCode, id } = request.params;
    // Staff who may edit the notice read it whatever its window; everyone else only while published.
    const editor = request.actor.kind !== 'anonymous' && (await ctx.guard.can(request.actor, 'portal.manage_notices', lgCode));
    const notice = await existing(lgCode, id, !editor);
    return reply.header('etag', etagOf(notice)).send(noticeJson(notice));
  });

  app.post<{ Body: NoticeBody }>('/api/v1/notices', { preValidation: requireActor, schema: { body: { ...noticeBody, required: [...noticeBody.required, 'lgCode'] } } }, async (request, reply) => {
    const lgCode = request.body.lgCode!;
    if (!(await ctx.tenants.get(lgCode))) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: `団体コード ${lgCode} は登録されていません`, en: `${lgCode} is not a tenant here` } });
    await ctx.guard.assert(request.actor, 'portal.manage_notices', lgCode);
    const notice = await createNotice(db, lgCode, inputOf(request.body), actorId(request.actor));
    await audit(request, 'portal.notice_created', lgCode, notice.id, { category: notice.category, title: notice.title.ja });
    return reply.code(201).header('location', `/api/v1/notices/${lgCode}/${notice.id}`).header('etag', etagOf(notice)).send(noticeJson(notice));
  });

  app.put<{ Params: { lgCode: string; id: string }; Body: NoticeBody }>('/api/v1/notices/:lgCode/:id', { preValidation: requireActor, schema: { body: noticeBody } }, async (request, reply) => {
    const { lgCode, id } = request.params;
    await ctx.guard.assert(request.actor, 'portal.manage_notices', lgCode);
    const current = await existing(lgCode, id, false);
    const saved = await updateNotice(db, lgCode, id, expectedVersion(request, current.version)!, inputOf(request.body));
    if (!saved) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    await audit(request, 'portal.notice_updated', lgCode, id, { category: saved.category, title: saved.title.ja });
    return reply.header('etag', etagOf(saved)).send(noticeJson(saved));
  });

  app.delete<{ Params: { lgCode: string; id: string } }>('/api/v1/notices/:lgCode/:id', { preValidation: requireActor }, async (request, reply: FastifyReply) => {
    const { lgCode, id } = request.params;
    await ctx.guard.assert(request.actor, 'portal.manage_notices', lgCode);
    const current = await existing(lgCode, id, false);
    if (!(await deleteNotice(db, lgCode, id, expectedVersion(request, current.version)!))) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    await audit(request, 'portal.notice_deleted', lgCode, id, { title: current.title.ja });
    return reply.code(204).send();
  });
}
