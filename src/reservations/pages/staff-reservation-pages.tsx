// The counter's view of a day's bookings, for staff with reservations.read on the tenant: choose
// the counter and the day (today by default), see each booking's time, number and purpose, so
// the person who says their number at the counter is expected.
//   GET /staff/reservations[?counter={lgCode}/{department}&date=YYYY-MM-DD]
import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { departmentsOf } from '../../procedures/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { AppContext } from '../../platform/module.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { sendPage } from '../../platform/ui/render.tsx';
import { bookingsOfDay, calendarsOf } from '../booking-store.ts';
import { addDaysIso, isIsoDate, japanInstant, todayInJapanIso } from '../../platform/i18n/dates.ts';
import { reservationsDb } from '../db/schema.ts';
import { formatDay } from './reservation-pages.tsx';

const JST_TIME = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' });

export async function staffReservationPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = reservationsDb(ctx.db);

  app.get<{ Querystring: { counter?: string; date?: string } }>('/staff/reservations', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const { t, locale } = request;
    const tenants = [...(await ctx.guard.tenantsFor(request.actor, 'reservations.read'))].sort();
    if (tenants.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const snapshot = await ctx.tenants.snapshot();
    // Every counter with a calendar in the tenants this person may read.
    const counters = (await Promise.all(tenants.map(async (lgCode) => {
      const codes = await calendarsOf(db, lgCode);
      return (await departmentsOf(ctx, lgCode)).filter((d) => codes.includes(d.code)).map((d) => ({ value: `${lgCode}/${d.code}`, text: `${snapshot.tenants.get(lgCode)?.name[locale] ?? lgCode} ${d.name[locale]}` }));
    }))).flat();
    const date = request.query.date && isIsoDate(request.query.date) ? request.query.date : todayInJapanIso();
    const chosen = counters.find((c) => c.value === request.query.counter) ?? counters[0];
    if (request.query.counter && !counters.some((c) => c.value === request.query.counter)) throw new AppError(PlatformErrors.FORBIDDEN);
    const bookings = chosen ? await bookingsOfDay(db, chosen.value.slice(0, 6), chosen.value.slice(7), japanInstant(date, '00:00'), japanInstant(addDaysIso(date, 1), '00:00')) : [];
    const booked = bookings.filter((b) => b.status === 'booked');
    return sendPage(reply, { title: t('reservations.staff.title'), backLink: { href: '/staff' } }, (
      <>
        <h1>{t('reservations.staff.title')}</h1>
        {counters.length === 0 ? (
          <p>{t('reservations.staff.noCounters')}</p>
        ) : (
          <>
            <form method="get" action="/staff/reservations" class="filter-form">
              <Select label={t('reservations.staff.counter')} name="counter" value={chosen?.value} items={counters} />
              <TextInput name="date" type="date" label={t('reservations.day')} value={date} width="10" />
              <Button type="submit" variant="secondary">{t('reservations.show')}</Button>
            </form>
            <h2>{t('reservations.staff.dayTitle', { day: formatDay(date, locale), count: String(booked.length) })}</h2>
            {bookings.length === 0 ? (
              <p>{t('reservations.staff.none')}</p>
            ) : (
              <Table
                id="bookings"
                caption={t('reservations.staff.dayTitle', { day: formatDay(date, locale), count: String(booked.length) })}
                captionSize="s"
                head={[t('reservations.time'), t('reservations.number'), t('reservations.purpose'), t('reservations.state')]}
                rows={bookings.map((b) => [JST_TIME.format(b.slotStart), b.number, b.purpose || '—', { content: <Tag tone={b.status === 'booked' ? 'success' : 'neutral'}>{t(`reservations.status.${b.status}`)}</Tag> }])}
              />
            )}
          </>
        )}
      </>
    ));
  });
}
