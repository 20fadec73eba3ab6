// Visit booking (来庁予約) for residents. Anyone sees which days and times have places; booking,
// the list of one's bookings and cancelling need the common ID. Server-rendered, works without
// JavaScript, one choice per page (department → day → time).
//   GET /reservations[?municipality=] · GET /reservations/{lg}/{dept}[?date=] · POST /reservations/{lg}/{dept}
//   GET /account/reservations · GET /account/reservations/{id} · POST /account/reservations/{id}/cancel
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireSignedIn } from '../../identity/exports.ts';
import { notify } from '../../portal/exports.ts';
import { departmentOf, departmentsOf } from '../../procedures/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime, isIsoDate } from '../../platform/i18n/dates.ts';
import type { Locale } from '../../platform/i18n/i18n.ts';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { cancel, book, bookingsOf, calendarsOf, findBooking, findCalendar, takenBetween, type Booking } from '../booking-store.ts';
import { bookableDates, BOOKING_CUTOFF_MS, dayPlan, type CalendarDefinition, type DayPlan } from '../calendar/calendar-definition.ts';
import { reservationsDb } from '../db/schema.ts';
import { isUuid } from '../../platform/uuid.ts';

/** 2026年12月4日（金） / Fri 4 Dec 2026, for a Japan date. */
export function formatDay(date: string, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric', weekday: 'short' }).format(new Date(`${date}T00:00:00Z`));
}

function slotLabel(b: Booking, locale: Locale): string {
  return formatDateTime(b.slotStart, locale);
}

interface Open {
  plan: Extract<DayPlan, { slots: unknown }>;
  left: Map<string, number>;
}

export async function reservationPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = reservationsDb(ctx.db);

  const department = async (lgCode: string, code: string) => {
    const [dept, calendar, tenant] = await Promise.all([departmentOf(ctx, lgCode, code), findCalendar(db, lgCode, code), ctx.tenants.get(lgCode)]);
    if (!dept || !calendar || !tenant) throw new AppError(PlatformErrors.NOT_FOUND);
    return { dept, calendar: calendar.definition, tenant };
  };

  /** The day's slots with the places left, or why it is closed; undefined outside the horizon. */
  const openDay = async (lgCode: string, code: string, def: CalendarDefinition, date: string): Promise<Open | DayPlan | undefined> => {
    if (!bookableDates(def).includes(date)) return undefined;
    const plan = dayPlan(def, date);
    if ('closed' in plan) return plan;
    const cutoff = Date.now() + BOOKING_CUTOFF_MS;
    const slots = plan.slots.filter((s) => s.start.getTime() > cutoff);
    if (slots.length === 0) return { date, slots: [] };
    const taken = await takenBetween(db, lgCode, code, slots[0]!.start, new Date(slots.at(-1)!.start.getTime() + 1));
    return { plan: { date, slots }, left: new Map(slots.map((s) => [s.time, def.capacity - (taken.get(s.start.getTime()) ?? 0)])) };
  };

  app.get<{ Querystring: { municipality?: string } }>('/reservations', async (request, reply) => {
    const { t, locale } = request;
    const snapshot = await ctx.tenants.snapshot();
    const municipalities = [...snapshot.tenants.values()].filter((x) => x.level === 'municipality').sort((a, b) => a.lgCode.localeCompare(b.lgCode));
    const chosen = request.query.municipality ? snapshot.tenants.get(request.query.municipality) : undefined;
    const codes = chosen ? await calendarsOf(db, chosen.lgCode) : [];
    const depts = chosen ? (await departmentsOf(ctx, chosen.lgCode)).filter((d) => codes.includes(d.code)) : [];
    return sendPage(reply, { title: t('reservations.title'), breadcrumbs: [[t('home.breadcrumb'), '/'], [t('reservations.title'), '/reservations']] }, (
      <>
        <h1>{t('reservations.title')}</h1>
        <p class="lead">{t('reservations.lead')}</p>
        <form method="get" action="/reservations" class="filter-form">
          <Select label={t('reservations.municipality')} name="municipality" value={chosen?.lgCode ?? ''} items={[{ value: '', text: t('reservations.choose') }, ...municipalities.map((m) => ({ value: m.lgCode, text: m.name[locale] }))]} />
          <Button type="submit" variant="secondary">{t('reservations.show')}</Button>
        </form>
        {chosen && (depts.length === 0 ? (
          <p>{t('reservations.noDepartments', { tenant: chosen.name[locale] })}</p>
        ) : (
          <>
            <h2>{t('reservations.departmentsOf', { tenant: chosen.name[locale] })}</h2>
            <ul class="notice-list">
              {depts.map((d) => <li><a href={`/reservations/${chosen.lgCode}/${d.code}`}>{d.name[locale]}</a></li>)}
            </ul>
          </>
        ))}
        <p><a href="/account/reservations">{t('reservations.mine')}</a></p>
      </>
    ));
  });

  const dayPage = async (request: FastifyRequest<{ Params: { lgCode: string; dept: string } }>, reply: FastifyReply, date: string, form: { time?: string; purpose?: string; error?: string } = {}) => {
    const { t, locale } = request;
    const { dept, calendar, tenant } = await department(request.params.lgCode, request.params.dept);
    const base = `/reservations/${tenant.lgCode}/${dept.code}`;
    const day = await openDay(tenant.lgCode, dept.code, calendar, date);
    if (!day) throw new AppError(PlatformErrors.NOT_FOUND, { detail: { ja: '予約できる期間の外の日付です', en: 'That day cannot be booked' } });
    const title = `${dept.name[locale]}（${tenant.name[locale]}）`;
    const signedIn = request.actor.kind === 'principal' && request.actor.account;
    const open = 'plan' in day ? day : undefined;
    const items = open ? open.plan.slots.map((s) => ({ value: s.time, text: s.time, hint: open.left.get(s.time)! > 0 ? t('reservations.left', { count: String(open.left.get(s.time)) }) : t('reservations.full'), disabled: open.left.get(s.time)! <= 0 })) : [];
    return sendPage(reply, { title: `${formatDay(date, locale)} | ${title}`, status: form.error ? 400 : 200, errorSummary: form.error ? [{ text: form.error, href: '#time' }] : [], backLink: { href: base } }, (
      <>
        <span class="caption">{title}</span>
        <h1>{formatDay(date, locale)}</h1>
        {'closed' in day ? (
          <p>{t('reservations.closedOn', { reason: day.closed[locale] })}</p>
        ) : items.length === 0 || items.every((i) => i.disabled) ? (
          <p>{t('reservations.noSlots')}</p>
        ) : !signedIn ? (
          <>
            <Table id="slots" caption={t('reservations.slots')} captionSize="s" head={[t('reservations.time'), t('reservations.places')]} rows={items.map((i) => [i.text, i.hint])} />
            <p><a class="button" href={`/login?return=${encodeURIComponent(`${base}?date=${date}`)}`}>{t('reservations.loginToBook')}</a></p>
          </>
        ) : (
          <form method="post" action={base}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <input type="hidden" name="date" value={date} />
            <Radios name="time" legend={t('reservations.chooseTime')} legendSize="m" items={items} value={form.time} errorMessage={form.error} />
            <TextInput name="purpose" label={t('reservations.purpose')} hint={t('reservations.purposeHint')} value={form.purpose} />
            <Button type="submit">{t('reservations.book')}</Button>
          </form>
        )}
      </>
    ));
  };

  app.get<{ Params: { lgCode: string; dept: string }; Querystring: { date?: string } }>('/reservations/:lgCode/:dept', async (request, reply) => {
    const { t, locale } = request;
    if (request.query.date !== undefined) {
      if (!isIsoDate(request.query.date)) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'date', in: 'query', detail: { ja: '日付は YYYY-MM-DD です', en: 'date is YYYY-MM-DD' } }] });
      return dayPage(request, reply, request.query.date);
    }
    const { dept, calendar, tenant } = await department(request.params.lgCode, request.params.dept);
    const base = `/reservations/${tenant.lgCode}/${dept.code}`;
    const days = await Promise.all(bookableDates(calendar).map((date) => openDay(tenant.lgCode, dept.code, calendar, date)));
    const title = `${dept.name[locale]}（${tenant.name[locale]}）`;
    return sendPage(reply, { title, backLink: { href: `/reservations?municipality=${tenant.lgCode}` } }, (
      <>
        <span class="caption">{t('reservations.title')}</span>
        <h1>{title}</h1>
        {dept.contact.placeJa && <p>{t('reservations.place', { place: locale === 'en' ? dept.contact.placeEn ?? dept.contact.placeJa : dept.contact.placeJa })}</p>}
        <p>{t('reservations.rules', { minutes: String(calendar.slotMinutes) })}</p>
        <Table
          id="days"
          caption={t('reservations.days')}
          captionSize="s"
          head={[t('reservations.day'), t('reservations.availability')]}
          rows={days.flatMap((day) => {
            if (!day) return [];
            if ('closed' in day) return [[formatDay(day.date, locale), { content: <span class="muted">{t('reservations.closedOn', { reason: day.closed[locale] })}</span> }]];
            const open = 'plan' in day ? day : undefined;
            const free = open ? [...open.left.values()].reduce((sum, n) => sum + Math.max(0, n), 0) : 0;
            const date = 'plan' in day ? day.plan.date : day.date;
            return [[
              free > 0 ? { content: <a href={`${base}?date=${date}`}>{formatDay(date, locale)}</a> } : formatDay(date, locale),
              free > 0 ? { content: <Tag tone="success">{t('reservations.free', { count: String(free) })}</Tag> } : { content: <Tag tone="neutral">{t('reservations.noSlots')}</Tag> },
            ]];
          })}
        />
      </>
    ));
  });

  app.post<{ Params: { lgCode: string; dept: string } }>('/reservations/:lgCode/:dept', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t } = request;
    const values = formValues(request.body);
    const date = typeof values.date === 'string' && isIsoDate(values.date) ? values.date : undefined;
    if (!date) throw new AppError(PlatformErrors.VALIDATION, { problems: [{ name: 'date', in: 'body', detail: { ja: '日付を選び直してください', en: 'Choose the day again' } }] });
    const time = typeof values.time === 'string' ? values.time : '';
    const purpose = typeof values.purpose === 'string' ? values.purpose.trim().slice(0, 200) : '';
    const { dept, calendar, tenant } = await department(request.params.lgCode, request.params.dept);
    const day = await openDay(tenant.lgCode, dept.code, calendar, date);
    const slot = day && 'plan' in day ? day.plan.slots.find((s) => s.time === time) : undefined;
    if (!slot) return dayPage(request, reply, date, { time, purpose, error: t('reservations.error.chooseTime') });
    const result = await book(db, { lgCode: tenant.lgCode, departmentCode: dept.code, slotStart: slot.start, slotMinutes: calendar.slotMinutes, capacity: calendar.capacity, accountId: who.accountId, purpose });
    if (result.kind !== 'booked') return dayPage(request, reply, date, { time, purpose, error: t(`reservations.error.${result.kind}`) });
    const { booking } = result;
    await appendAudit(ctx.db, { actor: `account:${who.accountId}`, action: 'reservations.booked', lgCode: tenant.lgCode, subject: booking.id, ip: request.ip, requestId: request.id, details: { department: dept.code, slot: booking.slotStart.toISOString(), number: booking.number } });
    await notify(ctx, who.accountId, {
      lgCode: tenant.lgCode,
      title: { ja: `来庁予約を受け付けました（${booking.number}）`, en: `Visit booked (${booking.number})` },
      body: { ja: `${dept.name.ja}、${formatDateTime(booking.slotStart, 'ja')}`, en: `${dept.name.en}, ${formatDateTime(booking.slotStart, 'en')}` },
      link: `/account/reservations/${booking.id}`,
    });
    return reply.redirect(`/account/reservations/${booking.id}?done=booked`, 303);
  });

  app.get('/account/reservations', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const all = await bookingsOf(db, who.accountId);
    const now = Date.now();
    const names = await departmentNames(ctx, all);
    const upcoming = all.filter((b) => b.status === 'booked' && b.slotStart.getTime() > now).reverse();
    const past = all.filter((b) => !(b.status === 'booked' && b.slotStart.getTime() > now));
    const table = (id: string, caption: string, list: Booking[]) => (
      <Table id={id} caption={caption} captionSize="m" head={[t('reservations.when'), t('reservations.where'), t('reservations.number'), t('reservations.state')]}
        rows={list.map((b) => [{ content: <a href={`/account/reservations/${b.id}`}>{slotLabel(b, locale)}</a> }, names(b, locale), b.number, { content: <Tag tone={b.status === 'booked' ? 'success' : 'neutral'}>{t(`reservations.status.${b.status}`)}</Tag> }])} />
    );
    return sendPage(reply, { title: t('reservations.mine'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('reservations.mine')}</h1>
        {upcoming.length === 0 ? <p>{t('reservations.noneUpcoming')}</p> : table('upcoming', t('reservations.upcoming'), upcoming)}
        <p><a href="/reservations">{t('reservations.new')}</a></p>
        {past.length > 0 && table('past', t('reservations.past'), past)}
      </>
    ));
  });

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/account/reservations/:id', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const booking = isUuid(request.params.id) ? await findBooking(db, who.accountId, request.params.id) : undefined;
    if (!booking) throw new AppError(PlatformErrors.NOT_FOUND);
    const dept = await departmentOf(ctx, booking.lgCode, booking.departmentCode);
    const tenant = await ctx.tenants.get(booking.lgCode);
    const cancellable = booking.status === 'booked' && booking.slotStart.getTime() > Date.now();
    return sendPage(reply, { title: t('reservations.booking'), backLink: { href: '/account/reservations' } }, (
      <>
        {request.query.done === 'booked' && <NotificationBanner type="success" title={t('reservations.bookedBanner')}>{t('reservations.bookedLead', { number: booking.number })}</NotificationBanner>}
        {request.query.done === 'cancelled' && <NotificationBanner type="success">{t('reservations.cancelledBanner')}</NotificationBanner>}
        <h1>{t('reservations.booking')}</h1>
        <SummaryList rows={[
          { key: t('reservations.number'), value: <strong>{booking.number}</strong> },
          { key: t('reservations.when'), value: t('reservations.whenValue', { start: slotLabel(booking, locale), minutes: String(booking.slotMinutes) }) },
          { key: t('reservations.where'), value: `${dept?.name[locale] ?? booking.departmentCode}（${tenant?.name[locale] ?? booking.lgCode}）${dept?.contact.placeJa ? ` ${locale === 'en' ? dept.contact.placeEn ?? dept.contact.placeJa : dept.contact.placeJa}` : ''}` },
          ...(booking.purpose ? [{ key: t('reservations.purpose'), value: booking.purpose }] : []),
          { key: t('reservations.state'), value: t(`reservations.status.${booking.status}`) },
        ]} />
        {cancellable && (
          <form method="post" action={`/account/reservations/${booking.id}/cancel`}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <Button type="submit" variant="warning">{t('reservations.cancel')}</Button>
          </form>
        )}
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/account/reservations/:id/cancel', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const cancelled = isUuid(request.params.id) ? await cancel(db, who.accountId, request.params.id) : undefined;
    if (!cancelled) throw new AppError(PlatformErrors.NOT_FOUND);
    await appendAudit(ctx.db, { actor: `account:${who.accountId}`, action: 'reservations.cancelled', lgCode: cancelled.lgCode, subject: cancelled.id, ip: request.ip, requestId: request.id, details: { number: cancelled.number } });
    await notify(ctx, who.accountId, {
      lgCode: cancelled.lgCode,
      title: { ja: `来庁予約を取り消しました（${cancelled.number}）`, en: `Visit cancelled (${cancelled.number})` },
      link: `/account/reservations/${cancelled.id}`,
    });
    return reply.redirect(`/account/reservations/${cancelled.id}?done=cancelled`, 303);
  });
}

async function departmentNames(ctx: AppContext, bookings: Booking[]): Promise<(b: Booking, locale: Locale) => string> {
  const snapshot = await ctx.tenants.snapshot();
  const keys = [...new Set(bookings.map((b) => `${b.lgCode}/${b.departmentCode}`))];
  const depts = new Map(await Promise.all(keys.map(async (k) => [k, await departmentOf(ctx, k.slice(0, 6), k.slice(7))] as const)));
  return (b, locale) => `${depts.get(`${b.lgCode}/${b.departmentCode}`)?.name[locale] ?? b.departmentCode}（${snapshot.tenants.get(b.lgCode)?.name[locale] ?? b.lgCode}）`;
}
