// My page for one's data (マイページ): the consents in force and past, each with its signed
// receipt, revocation (effective on the next gateway call), and the access log — every gateway
// call on the resident's data, allowed or refused, filterable and exportable as CSV.
//   GET /account/consents · GET /account/consents/{id} · POST /account/consents/{id}/revoke
//   GET /account/consents/{id}/receipt · GET /account/access-log[?service&provider&outcome&from&to&page&format=csv]
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import { requireSignedIn } from '../../identity/exports.ts';
import { formatDate, formatDateTime } from '../../platform/i18n/dates.ts';
import type { Locale } from '../../platform/i18n/i18n.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { stateOf, type Consent, type ConsentState } from '../consents/consents.ts';
import type { AccessOutcome } from '../db/schema.ts';
import { csvLine, CSV_HEADER, eachAccess, listAccess, PAGE_SIZE, type AccessFilter, type AccessRecord } from '../gateway/access-log.ts';
import type { OptinContext } from '../optin-context.ts';
import type { Provider, Service } from '../registry/registry.ts';

const stateTone: Record<ConsentState, 'success' | 'neutral' | 'warning'> = { active: 'success', expired: 'neutral', revoked: 'warning', superseded: 'neutral' };
export const outcomeTone: Record<AccessOutcome, 'success' | 'warning' | 'error'> = { allowed: 'success', refused: 'warning', failed: 'error' };
const OUTCOMES: AccessOutcome[] = ['allowed', 'refused', 'failed'];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Names of services and providers, for pages that list many consents or calls. */
export async function directory(ctx: OptinContext) {
  const [services, providers] = await Promise.all([ctx.registry.listServices(ctx.db), ctx.registry.listProviders(ctx.db)]);
  const service = new Map(services.map((s) => [s.id, s]));
  const provider = new Map(providers.map((p) => [p.id, p]));
  return {
    services,
    providers,
    service: (id: string | null) => (id ? service.get(id) : undefined),
    provider: (id: string) => provider.get(id),
    serviceName: (id: string | null, locale: Locale) => (id ? (service.get(id)?.name[locale] ?? id) : '—'),
    providerName: (id: string, locale: Locale) => provider.get(id)?.name[locale] ?? id,
    itemNames: (providerId: string, codes: string[], locale: Locale) => codes.map((c) => provider.get(providerId)?.items.find((i) => i.code === c)?.name[locale] ?? c).join('、'),
  };
}

/** Reads the access-log filter from a query string; unknown values are dropped, not errors. */
export function readFilter(query: Record<string, string | undefined>, services: Service[], providers: Provider[]): { filter: AccessFilter; page: number; values: Record<string, string> } {
  const filter: AccessFilter = {};
  const values: Record<string, string> = {};
  if (query.service && services.some((s) => s.id === query.service)) filter.serviceId = values.service = query.service;
  if (query.provider && providers.some((p) => p.id === query.provider)) filter.providerId = values.provider = query.provider;
  if (query.outcome && (OUTCOMES as string[]).includes(query.outcome)) filter.outcome = values.outcome = query.outcome as AccessOutcome;
  if (query.from && ISO_DATE.test(query.from)) filter.from = values.from = query.from;
  if (query.to && ISO_DATE.test(query.to)) filter.to = values.to = query.to;
  const page = Math.max(1, Math.min(10_000, Number.parseInt(query.page ?? '1', 10) || 1));
  return { filter, page, values };
}

export function filterQuery(values: Record<string, string>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...values, ...extra });
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function sendCsv(reply: FastifyReply, ctx: OptinContext, filter: AccessFilter, filename: string): Promise<FastifyReply> {
  const lines = async function* () {
    yield `\uFEFF${CSV_HEADER.join(',')}\r\n`; // the BOM lets Excel open it as UTF-8
    for await (const record of eachAccess(ctx.db, filter)) yield `${csvLine(record)}\r\n`;
  };
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(Readable.from(lines()));
}

export function AccessFilterForm(props: { t: FastifyRequest['t']; locale: Locale; action: string; values: Record<string, string>; services: Service[]; providers: Provider[] }) {
  const { t, locale, values } = props;
  return (
    <form method="get" action={props.action} class="filter-form">
      <div class="filter-row">
        <Select label={t('optin.log.service')} name="service" value={values.service} items={[{ value: '', text: t('optin.log.all') }, ...props.services.map((s) => ({ value: s.id, text: s.name[locale] }))]} />
        <Select label={t('optin.log.provider')} name="provider" value={values.provider} items={[{ value: '', text: t('optin.log.all') }, ...props.providers.map((p) => ({ value: p.id, text: p.name[locale] }))]} />
        <Select label={t('optin.log.outcome')} name="outcome" value={values.outcome} items={[{ value: '', text: t('optin.log.all') }, ...OUTCOMES.map((o) => ({ value: o, text: t(`optin.outcome.${o}`) }))]} />
        <TextInput label={t('optin.log.from')} name="from" type="date" value={values.from} width="10" />
        <TextInput label={t('optin.log.to')} name="to" type="date" value={values.to} width="10" />
      </div>
      <div class="button-row">
        <Button variant="secondary">{t('optin.log.apply')}</Button>
        <a href={props.action}>{t('optin.log.clear')}</a>
      </div>
    </form>
  );
}

export async function myDataPages(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const ownConsent = async (who: SignedInAccount, id: string): Promise<Consent | undefined> => {
    const consent = await ctx.consents.find(id);
    return consent && consent.accountId === who.accountId ? consent : undefined;
  };

  app.get<{ Querystring: { done?: string } }>('/account/consents', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const names = await directory(ctx);
    const consents = await ctx.consents.forAccount(who.accountId);
    const now = new Date();
    const current = consents.filter((c) => stateOf(c, now) === 'active');
    const past = consents.filter((c) => stateOf(c, now) !== 'active');
    const row = (c: Consent) => [
      { content: <a href={`/account/consents/${c.id}`}>{names.serviceName(c.serviceId, locale)}</a> },
      names.providerName(c.providerId, locale),
      names.itemNames(c.providerId, c.items, locale),
      { content: <Tag tone={stateTone[stateOf(c, now)]}>{t(`optin.state.${stateOf(c, now)}`)}</Tag> },
      formatDate(c.validUntil, locale),
    ];
    const head = [t('optin.my.service'), t('optin.my.provider'), t('optin.my.items'), t('optin.my.state'), t('optin.my.until')];
    return sendPage(reply, { title: t('optin.my.title'), backLink: { href: '/account' } }, (
      <>
        {request.query.done === 'revoked' && <NotificationBanner type="success">{t('optin.my.revokedBanner')}</NotificationBanner>}
        <h1>{t('optin.my.title')}</h1>
        <p>{t('optin.my.lead')}</p>
        {current.length === 0 ? <p>{t('optin.my.noneCurrent')}</p> : <Table id="current-consents" caption={t('optin.my.current')} head={head} rows={current.map(row)} />}
        {past.length > 0 && <Table id="past-consents" caption={t('optin.my.past')} head={head} rows={past.map(row)} />}
        <p><a href="/account/access-log">{t('optin.log.title')}</a></p>
      </>
    ));
  });

  app.get<{ Params: { id: string } }>('/account/consents/:id', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const consent = await ownConsent(who, request.params.id);
    const { t, locale } = request;
    if (!consent) return sendPage(reply, { title: t('optin.my.notFound'), status: 404, hasErrors: true }, <><h1>{t('optin.my.notFound')}</h1><p><a href="/account/consents">{t('optin.my.title')}</a></p></>);
    const names = await directory(ctx);
    const state = stateOf(consent);
    const service = names.service(consent.serviceId);
    const { records } = await listAccess(ctx.db, { accountId: who.accountId, serviceId: consent.serviceId, providerId: consent.providerId }, 1, 10);
    return sendPage(reply, { title: names.serviceName(consent.serviceId, locale), backLink: { href: '/account/consents' } }, (
      <>
        <p class="muted">{t('optin.my.consentCaption')}</p>
        <h1>{names.serviceName(consent.serviceId, locale)}</h1>
        <p><Tag tone={stateTone[state]}>{t(`optin.state.${state}`)}</Tag></p>
        <SummaryList
          rows={[
            { key: t('optin.consent.who'), value: <>{names.serviceName(consent.serviceId, locale)}{service && <><br /><span class="muted">{t('optin.consent.runBy', { tenant: (await ctx.app.tenants.get(service.lgCode))?.name[locale] ?? service.lgCode })}</span></>}</> },
            { key: t('optin.consent.from'), value: names.providerName(consent.providerId, locale) },
            { key: t('optin.consent.items'), value: names.itemNames(consent.providerId, consent.items, locale) },
            { key: t('optin.consent.purpose'), value: consent.purpose[locale] },
            { key: t('optin.consent.retention'), value: consent.retentionDays === 0 ? t('optin.consent.retentionNone') : t('optin.consent.retentionDays', { days: String(consent.retentionDays) }) },
            { key: t('optin.my.given'), value: formatDateTime(consent.validFrom, locale) },
            { key: t('optin.my.until'), value: formatDateTime(consent.validUntil, locale) },
            ...(consent.revokedAt ? [{ key: t('optin.my.revokedAt'), value: formatDateTime(consent.revokedAt, locale) }] : []),
            { key: t('optin.my.consentId'), value: <code>{consent.id}</code> },
          ]}
        />
        <p><a href={`/account/consents/${consent.id}/receipt`} download={`consent-receipt-${consent.id}.json`}>{t('optin.my.receipt')}</a></p>
        <p class="muted">{t('optin.my.receiptHint')}</p>
        {state === 'active' && (
          <form method="post" action={`/account/consents/${consent.id}/revoke`}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <h2>{t('optin.my.revokeTitle')}</h2>
            <p>{t('optin.my.revokeLead')}</p>
            <Button variant="warning" preventDoubleClick>{t('optin.my.revoke')}</Button>
          </form>
        )}
        <h2>{t('optin.my.recent')}</h2>
        {records.length === 0 ? <p>{t('optin.log.none')}</p> : <AccessTable id="consent-access" records={records} t={t} locale={locale} names={names} caption={t('optin.my.recent')} />}
        <p><a href={`/account/access-log${filterQuery({ service: consent.serviceId, provider: consent.providerId })}`}>{t('optin.my.allAccess')}</a></p>
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/account/consents/:id/revoke', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const consent = await ownConsent(who, request.params.id);
    if (consent) {
      const service = await ctx.registry.findService(ctx.db, consent.serviceId);
      const revoked = await ctx.consents.revoke(consent, `account:${who.accountId}`, service?.lgCode ?? who.lgCode, { ip: request.ip, requestId: request.id });
      if (revoked && service) {
        await ctx.portal.notify(ctx.app, who.accountId, {
          lgCode: service.lgCode,
          title: { ja: `「${service.name.ja}」への同意を取り消しました`, en: `You withdrew your consent for ${service.name.en}` },
          body: { ja: 'このサービスは、次の要求からあなたのデータを受け取れません。', en: 'The service can no longer get your data, from its next request.' },
          link: `/account/consents/${consent.id}`,
        });
      }
    }
    return reply.redirect('/account/consents?done=revoked', 303);
  });

  app.get<{ Params: { id: string } }>('/account/consents/:id/receipt', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const consent = await ownConsent(who, request.params.id);
    if (!consent) return reply.code(404).type('text/plain; charset=utf-8').send(request.t('optin.my.notFound'));
    const [, payload] = consent.receipt.split('.');
    const document = {
      type: 'tsunagu-consent-receipt',
      receipt: JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')),
      jws: consent.receipt,
      verifyWith: `${ctx.app.config.publicUrl}/oidc/jwks`,
    };
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="consent-receipt-${consent.id}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(document, null, 2));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/account/access-log', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const names = await directory(ctx);
    const { filter, page, values } = readFilter(request.query, names.services, names.providers);
    const own = { ...filter, accountId: who.accountId };
    if (request.query.format === 'csv') return sendCsv(reply, ctx, own, 'access-log.csv');
    const { records, total } = await listAccess(ctx.db, own, page);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    return sendPage(reply, { title: t('optin.log.title'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('optin.log.title')}</h1>
        <p>{t('optin.log.lead')}</p>
        <AccessFilterForm t={t} locale={locale} action="/account/access-log" values={values} services={names.services} providers={names.providers} />
        <p role="status">{t('optin.log.count', { count: String(total) })}</p>
        {records.length === 0 ? <p>{t('optin.log.none')}</p> : <AccessTable id="access-log" records={records} t={t} locale={locale} names={names} caption={t('optin.log.title')} />}
        <Pagination current={page} total={pages} href={(n) => `/account/access-log${filterQuery(values, { page: String(n) })}`} />
        <p><a href={`/account/access-log${filterQuery(values, { format: 'csv' })}`}>{t('optin.log.csv')}</a></p>
      </>
    ));
  });
}

export function AccessTable(props: { id: string; caption: string; records: AccessRecord[]; t: FastifyRequest['t']; locale: Locale; names: Awaited<ReturnType<typeof directory>>; withAccount?: boolean }) {
  const { t, locale, names } = props;
  return (
    <Table
      id={props.id}
      caption={props.caption}
      captionSize="s"
      head={[t('optin.log.when'), t('optin.log.service'), t('optin.log.provider'), t('optin.log.items'), t('optin.log.outcome')]}
      rows={props.records.map((r) => [
        formatDateTime(r.occurredAt, locale),
        names.serviceName(r.serviceId, locale),
        names.providerName(r.providerId, locale),
        {
          content: (
            <>
              {r.itemsReleased.length > 0 && <span>{names.itemNames(r.providerId, r.itemsReleased, locale)}</span>}
              {r.itemsWithheld.length > 0 && <><br /><span class="muted">{t('optin.log.withheld', { items: names.itemNames(r.providerId, r.itemsWithheld, locale) })}</span></>}
              {r.itemsReleased.length === 0 && r.itemsWithheld.length === 0 && <span>{names.itemNames(r.providerId, r.itemsRequested, locale) || '—'}</span>}
            </>
          ),
        },
        {
          content: (
            <>
              <Tag tone={outcomeTone[r.outcome]}>{t(`optin.outcome.${r.outcome}`)}</Tag>
              {r.reason && r.reason !== 'items_withheld' && <><br /><span class="muted">{t(`optin.reason.${r.reason.startsWith('link_') || r.reason.startsWith('status_') ? 'provider_error' : r.reason}`)}</span></>}
            </>
          ),
        },
      ])}
    />
  );
}
