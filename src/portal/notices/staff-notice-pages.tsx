// Publishing notices without a vendor, for a tenant's administrators (portal.manage_notices): the
// tenant's notices — scheduled, published and ended — a form to publish one, and ending a
// notice's publication now. The same rules as the API (notices-api.ts), audited the same way.
//   GET /staff/notices · POST /staff/notices · POST /staff/notices/{lgCode}/{id}/end
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime, isIsoDate, japanInstant } from '../../platform/i18n/dates.ts';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { Textarea } from '../../platform/ui/components/textarea/textarea.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { portalDb, type NoticeCategory } from '../db/schema.ts';
import { allNotices, createNotice, findNotice, updateNotice, type Notice } from './notice-store.ts';
import { isUuid } from '../../platform/uuid.ts';

const CATEGORIES: NoticeCategory[] = ['info', 'important', 'emergency'];

function stateOf(n: Notice, now = Date.now()): 'scheduled' | 'published' | 'ended' {
  if (n.publishedFrom.getTime() > now) return 'scheduled';
  if (n.publishedUntil && n.publishedUntil.getTime() <= now) return 'ended';
  return 'published';
}

export async function staffNoticePages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = portalDb(ctx.db);
  const editable = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = requireStaff(request, reply);
    if (!who) return undefined;
    const tenants = [...(await ctx.guard.tenantsFor(request.actor, 'portal.manage_notices'))].sort();
    if (tenants.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    return { who, tenants };
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, tenants: string[], state: { values?: FormValues; errors?: FieldErrors; done?: string } = {}) => {
    const { t, locale } = request;
    const form = formView(state, locale);
    const snapshot = await ctx.tenants.snapshot();
    const name = (code: string) => snapshot.tenants.get(code)?.name[locale] ?? code;
    const notices = await allNotices(db, tenants);
    const csrf = pageCsrfToken(reply);
    const tone = { scheduled: 'info', published: 'success', ended: 'neutral' } as const;
    return sendPage(reply, { title: t('portal.staff.title'), status: form.hasErrors ? 400 : 200, errorSummary: form.errorSummary, backLink: { href: '/staff' } }, (
      <>
        {state.done && <NotificationBanner type="success">{t(`portal.staff.done.${state.done}`)}</NotificationBanner>}
        <h1>{t('portal.staff.title')}</h1>
        <h2>{t('portal.staff.new')}</h2>
        <form method="post" action="/staff/notices">
          <input type="hidden" name="_csrf" value={csrf} />
          {tenants.length > 1 ? <Select label={t('portal.staff.tenant')} items={tenants.map((c) => ({ value: c, text: name(c) }))} {...form.field('lgCode')} /> : <input type="hidden" name="lgCode" value={tenants[0]} />}
          <Radios legend={t('portal.staff.category')} legendSize="s" inline items={CATEGORIES.map((c) => ({ value: c, text: t(`portal.notices.category.${c}`) }))} {...form.field('category')} value={form.value('category') || 'info'} />
          <TextInput label={t('portal.staff.titleJa')} {...form.field('titleJa')} />
          <Textarea label={t('portal.staff.bodyJa')} hint={t('portal.staff.bodyHint')} rows={6} {...form.field('bodyJa')} />
          <TextInput label={t('portal.staff.titleEn')} {...form.field('titleEn')} />
          <Textarea label={t('portal.staff.bodyEn')} rows={4} {...form.field('bodyEn')} />
          <TextInput type="date" width="10" label={t('portal.staff.from')} hint={t('portal.staff.fromHint')} {...form.field('from')} />
          <TextInput type="date" width="10" label={t('portal.staff.until')} hint={t('portal.staff.untilHint')} {...form.field('until')} />
          <Button type="submit">{t('portal.staff.publish')}</Button>
        </form>
        <h2>{t('portal.staff.list')}</h2>
        {notices.length === 0 ? <p>{t('portal.notices.none')}</p> : (
          <Table
            id="notices"
            caption={t('portal.staff.list')}
            captionSize="s"
            head={[t('portal.staff.titleJa'), t('portal.staff.tenant'), t('portal.staff.window'), t('portal.staff.state'), '']}
            rows={notices.map((n) => {
              const s = stateOf(n);
              return [
                n.title.ja,
                name(n.lgCode),
                `${formatDateTime(n.publishedFrom, locale)} – ${n.publishedUntil ? formatDateTime(n.publishedUntil, locale) : ''}`,
                { content: <Tag tone={tone[s]}>{t(`portal.staff.state.${s}`)}</Tag> },
                s === 'ended' ? '' : {
                  content: (
                    <form method="post" action={`/staff/notices/${n.lgCode}/${n.id}/end`} class="inline-form">
                      <input type="hidden" name="_csrf" value={csrf} />
                      <input type="hidden" name="version" value={String(n.version)} />
                      <Button type="submit" variant="secondary">{t('portal.staff.end')}</Button>
                    </form>
                  ),
                },
              ];
            })}
          />
        )}
      </>
    ));
  };

  app.get<{ Querystring: { done?: string } }>('/staff/notices', async (request, reply) => {
    const allowed = await editable(request, reply);
    if (!allowed) return reply;
    return render(request, reply, allowed.tenants, { done: ['published', 'ended'].includes(request.query.done ?? '') ? request.query.done : undefined });
  });

  app.post('/staff/notices', { preHandler: app.csrfProtection }, async (request, reply) => {
    const allowed = await editable(request, reply);
    if (!allowed) return reply;
    const values = formValues(request.body);
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : '');
    const errors: FieldErrors = {};
    const lgCode = text('lgCode');
    if (!allowed.tenants.includes(lgCode)) throw new AppError(PlatformErrors.FORBIDDEN);
    const category = text('category') as NoticeCategory;
    if (!CATEGORIES.includes(category)) errors.category = { ja: '種類を選んでください', en: 'Choose the kind of notice' };
    if (!text('titleJa')) errors.titleJa = { ja: '題名（日本語）を入力してください', en: 'Enter the title in Japanese' };
    else if (text('titleJa').length > 200) errors.titleJa = { ja: '題名は200文字以内です', en: 'The title is at most 200 characters' };
    if (!text('bodyJa')) errors.bodyJa = { ja: '本文（日本語）を入力してください', en: 'Enter the text in Japanese' };
    else if (text('bodyJa').length > 10_000) errors.bodyJa = { ja: '本文は10,000文字以内です', en: 'The text is at most 10,000 characters' };
    if (text('titleEn').length > 200) errors.titleEn = { ja: '題名は200文字以内です', en: 'The title is at most 200 characters' };
    if (text('bodyEn').length > 10_000) errors.bodyEn = { ja: '本文は10,000文字以内です', en: 'The text is at most 10,000 characters' };
    // Dates are Japan dates: a notice starts or ends at midnight Japan time.
    const japanMidnight = (date: string) => (isIsoDate(date) ? japanInstant(date) : undefined);
    const from = text('from') ? japanMidnight(text('from')) : new Date();
    const until = text('until') ? japanMidnight(text('until')) : null;
    if (!from) errors.from = { ja: '掲載開始日は YYYY-MM-DD の日付です', en: 'The start is a date (YYYY-MM-DD)' };
    if (text('until') && !until) errors.until = { ja: '掲載終了日は YYYY-MM-DD の日付です', en: 'The end is a date (YYYY-MM-DD)' };
    else if (from && until && until <= from) errors.until = { ja: '掲載終了日は掲載開始日より後にしてください', en: 'The end must be after the start' };
    if (Object.keys(errors).length) return render(request, reply, allowed.tenants, { values, errors });
    const notice = await createNotice(db, lgCode, { category, title: { ja: text('titleJa'), en: text('titleEn') }, body: { ja: text('bodyJa'), en: text('bodyEn') }, publishedFrom: from!, publishedUntil: until ?? null }, actorId(request.actor));
    await appendAudit(ctx.db, { actor: actorId(request.actor), action: 'portal.notice_created', lgCode, subject: notice.id, ip: request.ip, requestId: request.id, details: { category, title: notice.title.ja } });
    return reply.redirect('/staff/notices?done=published', 303);
  });

  app.post<{ Params: { lgCode: string; id: string } }>('/staff/notices/:lgCode/:id/end', { preHandler: app.csrfProtection }, async (request, reply) => {
    const allowed = await editable(request, reply);
    if (!allowed) return reply;
    const { lgCode, id } = request.params;
    if (!allowed.tenants.includes(lgCode)) throw new AppError(PlatformErrors.FORBIDDEN);
    const notice = isUuid(id) ? await findNotice(db, lgCode, id, false) : undefined;
    if (!notice) throw new AppError(PlatformErrors.NOT_FOUND);
    const version = Number(formValues(request.body).version);
    if (version !== notice.version) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    const now = new Date();
    // A notice not yet started ends by starting and ending now (the window must be non-empty).
    const start = notice.publishedFrom < now ? notice.publishedFrom : new Date(now.getTime() - 1000);
    const ended = await updateNotice(db, lgCode, id, version, { category: notice.category, title: notice.title, body: notice.body, publishedFrom: start, publishedUntil: now });
    if (!ended) throw new AppError(PlatformErrors.PRECONDITION_FAILED);
    await appendAudit(ctx.db, { actor: actorId(request.actor), action: 'portal.notice_ended', lgCode, subject: id, ip: request.ip, requestId: request.id, details: { title: notice.title.ja } });
    return reply.redirect('/staff/notices?done=ended', 303);
  });
}
