// The notifications centre on My account: newest first, unread ones marked, each opening its
// link (and counting as read); "mark all as read". Server-rendered forms with CSRF tokens.
//   GET /account/notifications[?page=2] · POST /account/notifications/{id}/open · POST /account/notifications/read-all
import type { FastifyInstance } from 'fastify';
import { requireSignedIn } from '../../identity/exports.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { portalDb } from '../db/schema.ts';
import { tenantNamer } from '../notices/notice-pages.tsx';
import { listNotifications, markAllRead, markRead, NOTIFICATIONS_PAGE_SIZE } from './notifications.ts';
import { isUuid } from '../../platform/uuid.ts';

export async function notificationPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = portalDb(ctx.db);

  app.get<{ Querystring: { page?: string; done?: string } }>('/account/notifications', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const page = Math.max(1, Math.min(10_000, Number.parseInt(request.query.page ?? '1', 10) || 1));
    const { items, total, unread } = await listNotifications(db, who.accountId, page);
    const name = await tenantNamer(ctx, locale);
    const csrf = pageCsrfToken(reply);
    return sendPage(reply, { title: t('portal.inbox.title'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('portal.inbox.title')}</h1>
        {request.query.done === 'read-all' && <p role="status" class="status-message">{t('portal.inbox.allRead')}</p>}
        <p role="status">{t('portal.inbox.count', { total: String(total), unread: String(unread) })}</p>
        {unread > 0 && (
          <form method="post" action="/account/notifications/read-all">
            <input type="hidden" name="_csrf" value={csrf} />
            <Button type="submit" variant="secondary">{t('portal.inbox.markAll')}</Button>
          </form>
        )}
        {items.length === 0 ? (
          <p>{t('portal.inbox.none')}</p>
        ) : (
          <ul class="notice-list">
            {items.map((n) => (
              <li class={`notice${n.readAt ? '' : ' notice--unread'}`}>
                <h2 class="notice-title">
                  {!n.readAt && <><Tag tone="info">{t('portal.inbox.unread')}</Tag> </>}
                  {locale === 'en' ? n.title.en || n.title.ja : n.title.ja}
                </h2>
                <p class="notice-meta">{name(n.lgCode)}・{formatDateTime(n.createdAt, locale)}</p>
                {(n.body.ja || n.body.en) && <p>{locale === 'en' ? n.body.en || n.body.ja : n.body.ja}</p>}
                {(n.link || !n.readAt) && (
                  <form method="post" action={`/account/notifications/${n.id}/open`} class="notice-action">
                    <input type="hidden" name="_csrf" value={csrf} />
                    <Button type="submit" variant="secondary">{n.link ? t('portal.inbox.open') : t('portal.inbox.markRead')}</Button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        <Pagination current={page} total={Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE))} href={(n) => `/account/notifications?page=${n}`} />
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/account/notifications/:id/open', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const found = isUuid(request.params.id) ? await markRead(db, who.accountId, request.params.id) : undefined;
    // Someone else's notification is as unknown as a made-up id.
    if (!found) throw new AppError(PlatformErrors.NOT_FOUND);
    return reply.redirect(found.link ?? '/account/notifications', 303);
  });

  app.post('/account/notifications/read-all', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    await markAllRead(db, who.accountId);
    return reply.redirect('/account/notifications?done=read-all', 303);
  });
}
