// Notices on the portal, for everyone (no login): the list of notices published now — the
// prefecture's and the municipalities', or one municipality's with the prefecture's — and one
// notice. Bodies are plain text; blank lines separate paragraphs.
//   GET /notices[?municipality=072028&page=2] · GET /notices/{lgCode}/{id}
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatDate } from '../../platform/i18n/dates.ts';
import type { Locale } from '../../platform/i18n/i18n.ts';
import type { AppContext } from '../../platform/module.ts';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Tag, type TagTone } from '../../platform/ui/components/tag/tag.tsx';
import { sendPage } from '../../platform/ui/render.tsx';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { portalDb } from '../db/schema.ts';
import type { NoticeCategory } from '../db/schema.ts';
import { currentNotices, findNotice, NOTICE_PAGE_SIZE, type Notice } from './notice-store.ts';
import { isUuid } from '../../platform/uuid.ts';

const tone: Record<NoticeCategory, TagTone> = { emergency: 'error', important: 'warning', info: 'info' };

/** The text in the reader's language, Japanese when there is no English. */
const text = (value: { ja: string; en: string }, locale: Locale) => (locale === 'en' && value.en ? value.en : value.ja);

export function NoticeList(props: { notices: Notice[]; request: FastifyRequest; tenantName: (lgCode: string) => string; headingLevel?: 'h2' | 'h3' }) {
  const { t, locale } = props.request;
  const Heading = props.headingLevel ?? 'h2';
  return (
    <ul class="notice-list">
      {props.notices.map((n) => (
        <li class={`notice notice--${n.category}`}>
          <Heading class="notice-title">
            <a href={`/notices/${n.lgCode}/${n.id}`}>{text(n.title, locale)}</a>
          </Heading>
          <p class="notice-meta">
            {n.category !== 'info' && <><Tag tone={tone[n.category]}>{t(`portal.notices.category.${n.category}`)}</Tag> </>}
            {props.tenantName(n.lgCode)}・{formatDate(n.publishedFrom, locale)}
          </p>
        </li>
      ))}
    </ul>
  );
}

export async function tenantNamer(ctx: AppContext, locale: Locale): Promise<(lgCode: string) => string> {
  const snapshot = await ctx.tenants.snapshot();
  return (lgCode) => snapshot.tenants.get(lgCode)?.name[locale] ?? lgCode;
}

export async function noticePages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = portalDb(ctx.db);

  app.get<{ Querystring: { municipality?: string; page?: string } }>('/notices', async (request, reply) => {
    const { t, locale } = request;
    const snapshot = await ctx.tenants.snapshot();
    const municipalities = [...snapshot.tenants.values()].filter((x) => x.level === 'municipality').sort((a, b) => a.lgCode.localeCompare(b.lgCode));
    const chosen = request.query.municipality ? snapshot.tenants.get(request.query.municipality) : undefined;
    if (request.query.municipality && (!chosen || chosen.level !== 'municipality')) {
      throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'municipality', in: 'query', detail: { ja: '市町村を一覧から選んでください', en: 'Choose a municipality from the list' } }] });
    }
    const page = Math.max(1, Math.min(10_000, Number.parseInt(request.query.page ?? '1', 10) || 1));
    // A municipality's residents also need the prefecture's notices.
    const lgCodes = chosen ? [chosen.lgCode, chosen.prefectureCode] : undefined;
    const { notices, total } = await currentNotices(db, lgCodes, page);
    const pages = Math.max(1, Math.ceil(total / NOTICE_PAGE_SIZE));
    const name = await tenantNamer(ctx, locale);
    const query = (n: number) => `/notices?${new URLSearchParams({ ...(chosen ? { municipality: chosen.lgCode } : {}), page: String(n) })}`;
    return sendPage(reply, { title: t('portal.notices.title'), breadcrumbs: [[t('home.breadcrumb'), '/'], [t('portal.notices.title'), '/notices']] }, (
      <>
        <h1>{t('portal.notices.title')}</h1>
        <p class="lead">{t('portal.notices.lead')}</p>
        <form method="get" action="/notices" class="filter-form">
          <Select label={t('portal.notices.municipality')} name="municipality" value={chosen?.lgCode ?? ''} items={[{ value: '', text: t('portal.notices.allMunicipalities') }, ...municipalities.map((m) => ({ value: m.lgCode, text: m.name[locale] }))]} />
          <Button type="submit" variant="secondary">{t('portal.notices.filter')}</Button>
        </form>
        <p role="status">{t('portal.notices.count', { count: String(total) })}</p>
        {notices.length === 0 ? <p>{t('portal.notices.none')}</p> : <NoticeList notices={notices} request={request} tenantName={name} />}
        <Pagination current={page} total={pages} href={query} />
      </>
    ));
  });

  app.get<{ Params: { lgCode: string; id: string } }>('/notices/:lgCode/:id', async (request, reply) => {
    const { t, locale } = request;
    const { lgCode, id } = request.params;
    const notice = isUuid(id) ? await findNotice(db, lgCode, id, true) : undefined;
    if (!notice) throw new AppError(PlatformErrors.NOT_FOUND);
    const name = await tenantNamer(ctx, locale);
    const owner = (await ctx.tenants.snapshot()).tenants.get(notice.lgCode);
    const title = text(notice.title, locale);
    return sendPage(reply, { title, breadcrumbs: [[t('home.breadcrumb'), '/'], [t('portal.notices.title'), '/notices'], [title, request.url]] }, (
      <article>
        <h1>{title}</h1>
        <p class="notice-meta">
          {notice.category !== 'info' && <><Tag tone={tone[notice.category]}>{t(`portal.notices.category.${notice.category}`)}</Tag> </>}
          {name(notice.lgCode)}・{t('portal.notices.published', { date: formatDate(notice.publishedFrom, locale) })}
        </p>
        {locale === 'en' && !notice.body.en && <p class="muted" lang="en">{t('portal.notices.japaneseOnly')}</p>}
        <div lang={locale === 'en' && notice.body.en ? 'en' : 'ja'}>
          {text(notice.body, locale).split(/\n\s*\n/).map((paragraph) => (
            <p>{paragraph.split('\n').flatMap((line, i) => (i === 0 ? [line] : [<br />, line]))}</p>
          ))}
        </div>
        <p><a href={owner?.level === 'municipality' ? `/notices?municipality=${notice.lgCode}` : '/notices'}>{t('portal.notices.more', { tenant: name(notice.lgCode) })}</a></p>
      </article>
    ));
  });
}
