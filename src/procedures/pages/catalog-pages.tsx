// The public catalog: search procedures by words (kana or kanji, partial), municipality and life
// event; one page per procedure saying who runs it, what it costs, what to bring or attach, the
// identity check it needs in plain words, and where it is done. No login needed.
//   GET /procedures?q=&municipality=&lifeEvent=&page=    GET /procedures/{lgCode}/{code}
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { Localized } from '../../platform/errors.ts';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import { sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { messageOf } from '../../platform/ui/form-errors.ts';
import { findProcedure, listLifeEvents, searchProcedures, type LifeEvent } from '../catalog/catalog-store.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { counterBookingHref } from '../catalog/counter-booking.ts';
import { ChannelTag, Documents, Fees, HowToApply, ownerName, procedureHref } from './procedure-views.tsx';

const PAGE_SIZE = 10;

type CatalogQuery = { q?: string | string[]; municipality?: string | string[]; lifeEvent?: string | string[]; page?: string | string[] };
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/** The catalog's address with these filters (empty ones left out). */
export function catalogHref(filters: { q?: string; municipality?: string; lifeEvent?: string; page?: number }): string {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.municipality) params.set('municipality', filters.municipality);
  if (filters.lifeEvent) params.set('lifeEvent', filters.lifeEvent);
  if (filters.page && filters.page > 1) params.set('page', String(filters.page));
  const query = params.toString();
  return query ? `/procedures?${query}` : '/procedures';
}

export async function catalogPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { tenants } = ctx.app;

  app.get<{ Querystring: CatalogQuery }>('/procedures', async (request, reply) => {
    const { t, locale } = request;
    const q = one(request.query.q).slice(0, 200);
    const municipality = one(request.query.municipality);
    const lifeEvent = one(request.query.lifeEvent);
    const requestedPage = Number.parseInt(one(request.query.page), 10);
    const events = await listLifeEvents(ctx.db);
    const snapshot = await tenants.snapshot();
    const owner = municipality ? snapshot.tenants.get(municipality) : undefined;
    // Unknown filters are the person's typing or an old link: say so at the field, answer 400.
    const errors: Record<string, Localized> = {};
    if (municipality && !owner) errors.municipality = messageOf('procedures.search.unknownMunicipality');
    if (lifeEvent && !events.some((e) => e.code === lifeEvent)) errors.lifeEvent = messageOf('procedures.search.unknownLifeEvent');
    const hasErrors = Object.keys(errors).length > 0;
    // A municipality shows its own procedures and its prefecture's; the prefecture only its own.
    const owners = owner ? (owner.level === 'municipality' ? [owner.lgCode, owner.prefectureCode] : [owner.lgCode]) : undefined;
    const page = Number.isInteger(requestedPage) && requestedPage >= 1 && requestedPage <= 1000 ? requestedPage : 1;
    const found = hasErrors ? { items: [], total: 0 } : await searchProcedures(ctx.db, { text: q, owners, lifeEvent: lifeEvent || undefined, publishedOnly: true, page, pageSize: PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
    const eventName = (code: string) => events.find((e) => e.code === code)?.name[locale] ?? code;
    return sendPage(
      reply,
      {
        title: t('procedures.search.title'),
        status: hasErrors ? 400 : 200,
        errorSummary: Object.entries(errors).map(([name, message]) => ({ text: message[locale], href: `#${name}` })),
        breadcrumbs: [
          [t('home.breadcrumb'), '/'],
          [t('procedures.search.title'), '/procedures'],
        ],
      },
      <>
        <h1>{t('procedures.search.title')}</h1>
        <p class="lead">{t('procedures.search.lead')}</p>
        <p>
          <a href={owner?.level === 'municipality' ? `/life-events?municipality=${owner.lgCode}` : '/life-events'}>{t('procedures.search.byLifeEvent')}</a>
        </p>
        <form method="get" action="/procedures" role="search" aria-label={t('procedures.search.formLabel')} class="procedure-search">
          <TextInput name="q" type="search" label={t('procedures.search.q')} hint={t('procedures.search.qHint')} value={q} />
          <Select name="municipality" label={t('procedures.search.municipality')} value={municipality} errorMessage={errors.municipality?.[locale]} items={municipalityItems(request, snapshot.tenants)} />
          <Select
            name="lifeEvent"
            label={t('procedures.search.lifeEvent')}
            value={lifeEvent}
            errorMessage={errors.lifeEvent?.[locale]}
            items={[{ value: '', text: t('procedures.search.allLifeEvents') }, ...events.map((e) => ({ value: e.code, text: e.name[locale] }))]}
          />
          <Button>{t('procedures.search.submit')}</Button>
        </form>
        <h2 class="visually-hidden">{t('procedures.search.results')}</h2>
        <p role="status">{t(`procedures.search.count.${new Intl.PluralRules(locale).select(found.total)}`, { count: found.total })}</p>
        {found.items.length === 0 ? (
          !hasErrors && (
            <div class="empty-state">
              <p>{t('procedures.search.empty')}</p>
              <ul>
                <li>{t('procedures.search.emptyTipWords')}</li>
                <li>{t('procedures.search.emptyTipFilters')}</li>
              </ul>
              <p>
                <a href="/procedures">{t('procedures.search.showAll')}</a>
              </p>
            </div>
          )
        ) : (
          <ul class="procedure-list">
            {found.items.map((p) => (
              <li>
                <h3>
                  <a href={procedureHref(p)}>{p.title[locale]}</a>
                </h3>
                <p class="procedure-meta">
                  <ChannelTag request={request} channel={p.channel} /> {ownerName(request, snapshot.tenants.get(p.lgCode), p.lgCode)}・{p.department[locale]}
                </p>
                {p.summary[locale] && <p>{p.summary[locale]}</p>}
                {p.lifeEvents.length > 0 && <p class="muted">{t('procedures.lifeEventsLine', { events: p.lifeEvents.map(eventName).join('、') })}</p>}
              </li>
            ))}
          </ul>
        )}
        <Pagination current={page} total={pages} href={(n) => catalogHref({ q, municipality, lifeEvent, page: n })} />
      </>,
    );
  });

  app.get<{ Params: { lgCode: string; code: string } }>('/procedures/:lgCode/:code', async (request, reply) => {
    const { t, locale } = request;
    const { lgCode, code } = request.params;
    const procedure = /^[0-9]{6}$/.test(lgCode) && /^[a-z][a-z0-9-]{1,60}$/.test(code) ? await findProcedure(ctx.db, lgCode, code) : undefined;
    if (!procedure || procedure.status !== 'published') throw new AppError(ProceduresErrors.PROCEDURE_NOT_FOUND);
    const owner = await tenants.get(procedure.lgCode);
    const events = await listLifeEvents(ctx.db);
    const contact = procedure.department.contact;
    const title = procedure.title[locale];
    return sendPage(
      reply,
      {
        title,
        breadcrumbs: [
          [t('home.breadcrumb'), '/'],
          [t('procedures.search.title'), '/procedures'],
          [title, procedureHref(procedure)],
        ],
      },
      <>
        <h1>
          {title}
          <span class="subtitle">{ownerName(request, owner, procedure.lgCode)}</span>
        </h1>
        {procedure.summary[locale] && <p class="lead">{procedure.summary[locale]}</p>}
        <SummaryList
          rows={[
            { key: t('procedures.detail.owner'), value: ownerName(request, owner, procedure.lgCode) },
            {
              key: t('procedures.detail.department'),
              value: (
                <>
                  {procedure.department.name[locale]}
                  {(locale === 'ja' ? contact.placeJa : contact.placeEn ?? contact.placeJa) && <div>{locale === 'ja' ? contact.placeJa : contact.placeEn ?? contact.placeJa}</div>}
                  {contact.phone && <div>{t('procedures.detail.phone')}: <a href={`tel:${contact.phone}`}>{contact.phone}</a></div>}
                  {contact.email && <div>{t('procedures.detail.email')}: <a href={`mailto:${contact.email}`}>{contact.email}</a></div>}
                </>
              ),
            },
            { key: t('procedures.detail.channel'), value: <ChannelTag request={request} channel={procedure.channel} /> },
            { key: t('procedures.detail.fees'), value: <Fees request={request} fees={procedure.fees} /> },
            ...(procedure.channel === 'portal' ? [{ key: t('procedures.detail.identity'), value: t(`procedures.levelAbout.${procedure.assuranceLevel}`) }] : []),
            ...(procedure.lifeEvents.length
              ? [{ key: t('procedures.detail.lifeEvents'), value: <LifeEventLinks events={events} codes={procedure.lifeEvents} request={request} /> }]
              : []),
          ]}
        />
        {/* An external system lists its own attachments: say nothing rather than "none needed". */}
        {(procedure.channel !== 'external' || procedure.documents.length > 0) && (
          <>
            <h2>{t(procedure.channel === 'counter' ? 'procedures.detail.documentsToBring' : 'procedures.detail.documents')}</h2>
            <Documents request={request} documents={procedure.documents} />
          </>
        )}
        <h2>{t('procedures.detail.howToApply')}</h2>
        <HowToApply request={request} procedure={procedure} bookingHref={await counterBookingHref(ctx.app, procedure)} />
        <p>
          <a href="/procedures">{t('procedures.detail.back')}</a>
        </p>
      </>,
    );
  });
}

function LifeEventLinks({ request, events, codes }: { request: FastifyRequest; events: LifeEvent[]; codes: string[] }) {
  return (
    <ul class="plain-list">
      {codes.map((code) => (
        <li>
          <a href={catalogHref({ lifeEvent: code })}>{events.find((e) => e.code === code)?.name[request.locale] ?? code}</a>
        </li>
      ))}
    </ul>
  );
}

/** 「すべて」, then the prefecture, then its municipalities in the directory's order. */
function municipalityItems(request: FastifyRequest, all: Map<string, Tenant>) {
  const list = [...all.values()].sort((a, b) => (a.level === b.level ? a.sortOrder - b.sortOrder || a.lgCode.localeCompare(b.lgCode) : a.level === 'prefecture' ? -1 : 1));
  return [
    { value: '', text: request.t('procedures.search.allMunicipalities') },
    ...list.map((tenant) => ({ value: tenant.lgCode, text: tenant.level === 'prefecture' ? request.t('procedures.search.prefectureOnly', { name: tenant.name[request.locale] }) : tenant.name[request.locale] })),
  ];
}
