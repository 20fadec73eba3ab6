// The staff page for delivery to core systems: for a tenant the person may read, its endpoint
// (URL, whether a token is set — never the token —, the procedures it takes, on or off) and the
// deliveries of its applications with their status and last error, newest first, filtered by
// status and paged. Failed deliveries have a button to send them again (delivery.retry).
//   GET  /staff/delivery[?lgCode=&status=&page=]
//   POST /staff/delivery/{lgCode}/{id}/retry
import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag, type TagTone } from '../../platform/ui/components/tag/tag.tsx';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { isUuid } from '../../platform/uuid.ts';
import { retry } from '../api/delivery-api.ts';
import { deliveryDb, type DeliveryStatus } from '../db/schema.ts';
import { findEndpoint } from '../endpoints/endpoint-store.ts';
import { DeliveryErrors } from '../errors.ts';
import { listDeliveries, PAGE_SIZE } from '../outbox/delivery-store.ts';

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];
const TONE: Record<DeliveryStatus, TagTone> = { pending: 'info', delivered: 'success', failed: 'error' };

type Query = { lgCode?: string; status?: string; page?: string; done?: string };

function pageQuery(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => Boolean(e[1])));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function deliveryPages(fastify: FastifyInstance, app: AppContext): Promise<void> {
  const db = deliveryDb(app.db);

  fastify.get<{ Querystring: Query }>('/staff/delivery', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const { t, locale } = request;
    const readable = [...(await app.guard.tenantsFor(request.actor, 'delivery.read'))].sort();
    if (readable.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const lgCode = request.query.lgCode ?? readable[0]!;
    // Another tenant's code is answered as not found: the page does not say which tenants exist.
    if (!readable.includes(lgCode)) throw new AppError(PlatformErrors.NOT_FOUND);
    const status = STATUSES.find((s) => s === request.query.status);
    const page = /^[1-9]\d{0,5}$/.test(request.query.page ?? '') ? Number(request.query.page) : 1;
    const snapshot = await app.tenants.snapshot();
    const name = (code: string) => snapshot.tenants.get(code)?.name[locale] ?? code;
    const endpoint = await findEndpoint(db, lgCode);
    const { items, total } = await listDeliveries(db, lgCode, { ...(status ? { status } : {}), page });
    const mayRetry = (await app.guard.tenantsFor(request.actor, 'delivery.retry')).has(lgCode);
    const csrf = pageCsrfToken(reply);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const caption = t('delivery.staff.deliveries', { tenant: name(lgCode), count: String(total) });
    return sendPage(reply, { title: t('delivery.staff.title'), backLink: { href: '/staff' } }, (
      <>
        {request.query.done === 'retried' && <NotificationBanner type="success"><p class="notification-banner__heading">{t('delivery.staff.retried')}</p></NotificationBanner>}
        <h1>{t('delivery.staff.title')}</h1>
        <p>{t('delivery.staff.intro')}</p>
        <form method="get" action="/staff/delivery" class="filter-form">
          {readable.length > 1 && <Select label={t('delivery.staff.tenant')} name="lgCode" value={lgCode} items={readable.map((c) => ({ value: c, text: name(c) }))} />}
          {readable.length === 1 && <input type="hidden" name="lgCode" value={lgCode} />}
          <Select label={t('delivery.staff.status')} name="status" value={status ?? ''} items={[{ value: '', text: t('delivery.staff.anyStatus') }, ...STATUSES.map((s) => ({ value: s, text: t(`delivery.status.${s}`) }))]} />
          <Button type="submit" variant="secondary">{t('delivery.staff.show')}</Button>
        </form>

        <h2>{t('delivery.staff.endpoint', { tenant: name(lgCode) })}</h2>
        {endpoint ? (
          <SummaryList
            rows={[
              { key: t('delivery.endpoint.url'), value: <code>{endpoint.url}</code> },
              { key: t('delivery.endpoint.token'), value: endpoint.hasToken ? t('delivery.endpoint.tokenSet') : t('delivery.endpoint.tokenNone') },
              { key: t('delivery.endpoint.procedures'), value: endpoint.procedures ? endpoint.procedures.join('、') : t('delivery.endpoint.allProcedures') },
              { key: t('delivery.endpoint.state'), value: <Tag tone={endpoint.enabled ? 'success' : 'neutral'}>{endpoint.enabled ? t('delivery.endpoint.on') : t('delivery.endpoint.off')}</Tag> },
              { key: t('delivery.endpoint.updated'), value: `${formatDateTime(endpoint.updatedAt, locale)}（${endpoint.updatedBy}）` },
            ]}
          />
        ) : (
          <p>{t('delivery.staff.noEndpoint')}</p>
        )}

        <h2>{caption}</h2>
        {items.length === 0 ? (
          <p>{status ? t('delivery.staff.noneWithStatus', { status: t(`delivery.status.${status}`) }) : t('delivery.staff.none')}</p>
        ) : (
          <Table
            id="deliveries"
            caption={caption}
            captionSize="s"
            head={[t('delivery.staff.receipt'), t('delivery.staff.procedure'), t('delivery.staff.status'), t('delivery.staff.attempts'), t('delivery.staff.when'), t('delivery.staff.error'), '']}
            rows={items.map((d) => [
              d.receiptNumber ?? '—',
              d.procedureCode,
              { content: <Tag tone={TONE[d.status]}>{t(`delivery.status.${d.status}`)}</Tag> },
              { content: String(d.attempts), numeric: true },
              formatDateTime(d.deliveredAt ?? d.updatedAt, locale),
              d.lastError ?? '—',
              {
                content:
                  d.status === 'failed' && mayRetry ? (
                    <form method="post" action={`/staff/delivery/${d.lgCode}/${d.id}/retry`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <Button type="submit" variant="secondary">{t('delivery.staff.retry')}<span class="visually-hidden">（{d.receiptNumber}）</span></Button>
                    </form>
                  ) : (
                    ''
                  ),
              },
            ])}
          />
        )}
        {pages > 1 && <Pagination current={page} total={pages} href={(n) => `/staff/delivery${pageQuery({ lgCode, status, page: String(n) })}`} />}
      </>
    ));
  });

  fastify.post<{ Params: { lgCode: string; id: string } }>('/staff/delivery/:lgCode/:id/retry', { preHandler: fastify.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const { lgCode, id } = request.params;
    if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(id) || !(await app.guard.tenantsFor(request.actor, 'delivery.read')).has(lgCode)) throw new AppError(DeliveryErrors.DELIVERY_NOT_FOUND);
    await app.guard.assert(request.actor, 'delivery.retry', lgCode);
    await retry(app, request, lgCode, id);
    return reply.redirect(`/staff/delivery${pageQuery({ lgCode, done: 'retried' })}`, 303);
  });
}
