// The home page section "your visit bookings": a signed-in person's next bookings, so the day and
// the number are at hand.
import type { AppContext } from '../../platform/module.ts';
import { formatDateTime } from '../../platform/i18n/dates.ts';
import { signedIn } from '../../identity/exports.ts';
import { addHomeSection } from '../../platform/tenancy/home-sections.ts';
import { bookingsOf } from '../booking-store.ts';
import { reservationsDb } from '../db/schema.ts';

const SHOWN = 3;

export function addBookingsSection(ctx: AppContext): void {
  const db = reservationsDb(ctx.db);
  addHomeSection(ctx, {
    order: 15,
    async render(request) {
      const account = signedIn(request);
      if (!account || account.actingFor) return undefined;
      const now = Date.now();
      const upcoming = (await bookingsOf(db, account.accountId)).filter((b) => b.status === 'booked' && b.slotStart.getTime() > now).reverse();
      if (upcoming.length === 0) return undefined;
      const { t, locale } = request;
      return (
        <section aria-labelledby="home-bookings">
          <h2 id="home-bookings">{t('reservations.home.title')}</h2>
          <ul>
            {upcoming.slice(0, SHOWN).map((b) => (
              <li><a href={`/account/reservations/${b.id}`}>{formatDateTime(b.slotStart, locale)}</a>{t('reservations.home.number', { number: b.number })}</li>
            ))}
          </ul>
          {upcoming.length > SHOWN && <p><a href="/account/reservations">{t('reservations.home.all', { count: String(upcoming.length) })}</a></p>}
        </section>
      );
    },
  });
}
