// Governance for staff: the services and providers of the tenants the staff member may oversee,
// consents in force and revoked per service and provider, suspension of a service (all of its
// gateway access stops at the next call), and every gateway access with a CSV export for audit.
// Prefecture staff see every tenant's; municipal staff their own tenant's.
//   GET /staff/gateway · POST /staff/gateway/services/{id}/status · GET /staff/gateway/access-log
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { prefectureCodeOf } from '../../platform/tenancy/lg-code.ts';
import { listAccess, PAGE_SIZE } from '../gateway/access-log.ts';
import type { OptinContext } from '../optin-context.ts';
import { changeServiceStatus } from '../registry/registry-api.ts';
import type { Service } from '../registry/registry.ts';
import { AccessFilterForm, AccessTable, directory, filterQuery, readFilter, sendCsv } from './my-data-pages.tsx';

const serviceTone = { pending: 'info', approved: 'success', rejected: 'neutral', suspended: 'error' } as const;

export async function governancePages(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const visible = async (request: FastifyRequest) => {
    const tenants = await ctx.app.guard.tenantsFor(request.actor, 'optin.read_governance');
    if (tenants.size === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const names = await directory(ctx);
    return { tenants, names, services: names.services.filter((s) => tenants.has(s.lgCode)), providers: names.providers.filter((p) => tenants.has(p.lgCode)) };
  };

  app.get<{ Querystring: { done?: string } }>('/staff/gateway', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const { t, locale } = request;
    const { services, providers } = await visible(request);
    const summary = await ctx.consents.summary(services.map((s) => s.id));
    const tenantName = async (code: string) => (await ctx.app.tenants.get(code))?.name[locale] ?? code;
    const csrf = pageCsrfToken(reply);
    const canDecide = async (s: Service) => ctx.app.guard.can(request.actor, 'optin.approve_services', prefectureCodeOf(s.lgCode));
    const actions = async (s: Service) => {
      if (!(await canDecide(s))) return '—';
      const button = (status: string, label: string, variant: 'primary' | 'secondary' | 'warning') => (
        <form method="post" action={`/staff/gateway/services/${s.id}/status`} class="inline-form">
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="status" value={status} />
          <Button variant={variant}>{label}</Button>
        </form>
      );
      return (
        <div class="button-row">
          {s.status === 'pending' && button('approved', t('optin.gov.approve'), 'primary')}
          {s.status === 'pending' && button('rejected', t('optin.gov.reject'), 'secondary')}
          {s.status === 'approved' && button('suspended', t('optin.gov.suspend'), 'warning')}
          {s.status === 'suspended' && button('approved', t('optin.gov.resume'), 'secondary')}
        </div>
      );
    };
    return sendPage(reply, { title: t('optin.gov.title'), backLink: { href: '/staff' } }, (
      <>
        {request.query.done && ['approved', 'rejected', 'suspended'].includes(request.query.done) && <NotificationBanner type="success">{t(`optin.gov.done.${request.query.done}`)}</NotificationBanner>}
        <h1>{t('optin.gov.title')}</h1>
        <p>{t('optin.gov.lead')}</p>
        <h2>{t('optin.gov.services')}</h2>
        {services.length === 0 ? (
          <p>{t('optin.gov.noServices')}</p>
        ) : (
          <Table
            id="services"
            caption={t('optin.gov.services')}
            captionSize="s"
            head={[t('optin.gov.service'), t('optin.gov.owner'), t('optin.gov.status'), t('optin.gov.items'), t('optin.gov.actions')]}
            rows={await Promise.all(
              services.map(async (s) => [
                { content: <><strong>{s.name[locale]}</strong><br /><code>{s.id}</code></> },
                await tenantName(s.lgCode),
                { content: <><Tag tone={serviceTone[s.status]}>{t(`optin.serviceStatus.${s.status}`)}</Tag>{s.statusReason && <><br /><span class="muted">{s.statusReason}</span></>}</> },
                Object.entries(s.items).map(([p, codes]) => `${p}: ${codes.join(', ')}`).join(' / '),
                { content: await actions(s) },
              ]),
            )}
          />
        )}
        <h2>{t('optin.gov.consents')}</h2>
        {summary.length === 0 ? (
          <p>{t('optin.gov.noConsents')}</p>
        ) : (
          <Table
            id="consent-summary"
            caption={t('optin.gov.consents')}
            captionSize="s"
            head={[t('optin.gov.service'), t('optin.gov.provider'), t('optin.gov.active'), t('optin.gov.revoked')]}
            rows={summary.map((r) => [services.find((s) => s.id === r.serviceId)?.name[locale] ?? r.serviceId, providers.find((p) => p.id === r.providerId)?.name[locale] ?? r.providerId, r.active, r.revoked])}
          />
        )}
        <h2>{t('optin.gov.providers')}</h2>
        {providers.length === 0 ? (
          <p>{t('optin.gov.noProviders')}</p>
        ) : (
          <Table
            id="providers"
            caption={t('optin.gov.providers')}
            captionSize="s"
            head={[t('optin.gov.provider'), t('optin.gov.owner'), t('optin.gov.source'), t('optin.gov.status'), t('optin.gov.items')]}
            rows={await Promise.all(providers.map(async (p) => [
              { content: <><strong>{p.name[locale]}</strong><br /><code>{p.id}</code></> },
              await tenantName(p.lgCode),
              p.broker ? t('optin.gov.sourceBroker', { types: p.broker.entityTypes.join(', ') }) : { content: <code>{p.endpoint ? new URL(p.endpoint).host : ''}</code> },
              t(`optin.providerStatus.${p.status}`),
              p.items.map((i) => i.name[locale]).join('、'),
            ]))}
          />
        )}
        <p><a href="/staff/gateway/access-log">{t('optin.gov.accessLog')}</a></p>
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/staff/gateway/services/:id/status', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const values = formValues(request.body);
    const status = values.status;
    if (status !== 'approved' && status !== 'rejected' && status !== 'suspended') throw new AppError(PlatformErrors.BAD_REQUEST);
    const service = await ctx.registry.findService(ctx.db, request.params.id);
    if (!service) throw new AppError(PlatformErrors.NOT_FOUND);
    const reason = typeof values.reason === 'string' && values.reason.trim() ? values.reason.trim().slice(0, 500) : null;
    await changeServiceStatus(ctx, request, service, status, reason);
    return reply.redirect(`/staff/gateway?done=${status}`, 303);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/staff/gateway/access-log', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const { t, locale } = request;
    const { services, providers, names } = await visible(request);
    const { filter, page, values } = readFilter(request.query, services, providers);
    const scoped = { ...filter, serviceIds: services.map((s) => s.id) };
    if (request.query.format === 'csv') return sendCsv(reply, ctx, scoped, 'gateway-access-log.csv');
    const { records, total } = await listAccess(ctx.db, scoped, page);
    return sendPage(reply, { title: t('optin.gov.accessLog'), backLink: { href: '/staff/gateway' } }, (
      <>
        <h1>{t('optin.gov.accessLog')}</h1>
        <p>{t('optin.gov.accessLogLead')}</p>
        <AccessFilterForm t={t} locale={locale} action="/staff/gateway/access-log" values={values} services={services} providers={providers} />
        <p role="status">{t('optin.log.count', { count: String(total) })}</p>
        {records.length === 0 ? <p>{t('optin.log.none')}</p> : <AccessTable id="gov-access-log" records={records} t={t} locale={locale} names={names} caption={t('optin.gov.accessLog')} />}
        <Pagination current={page} total={Math.max(1, Math.ceil(total / PAGE_SIZE))} href={(n) => `/staff/gateway/access-log${filterQuery(values, { page: String(n) })}`} />
        <p><a href={`/staff/gateway/access-log${filterQuery(values, { format: 'csv' })}`}>{t('optin.gov.export')}</a></p>
      </>
    ));
  });
}
