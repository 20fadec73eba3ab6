// Visit booking (来庁予約, 003B P6): residents book a time at a department's counter; each
// department's calendar sets opening hours, slot length and places per slot; national holidays
// and the year-end break are closed. docs/reservations.md describes it.
import { defineModule } from '../platform/module.ts';
import { setCounterBooking } from '../procedures/exports.ts';
import { findCalendar } from './booking-store.ts';
import { reservationsDb } from './db/schema.ts';
import { reservationsApi } from './api/reservations-api.ts';
import { reservationsMigrations } from './db/migrations/index.ts';
import { seedReservationsDemo } from './demo-seed.ts';
import en from './locales/en.json' with { type: 'json' };
import ja from './locales/ja.json' with { type: 'json' };
import { addBookingsSection } from './pages/home-section.tsx';
import { reservationPages } from './pages/reservation-pages.tsx';
import { staffReservationPages } from './pages/staff-reservation-pages.tsx';

export const reservationsModule = defineModule({
  name: 'reservations',
  dependsOn: ['tenancy', 'authz', 'audit', 'identity', 'procedures', 'portal'],
  migrations: reservationsMigrations,
  messages: { ja, en },
  grants: {
    municipal_admin: ['reservations.manage_calendars', 'reservations.read'],
    counter_clerk: ['reservations.read'],
    reviewer: ['reservations.read'],
  },
  routes: async (fastify, app) => {
    addBookingsSection(app);
    // Counter procedures link to the booking page of their department when it takes bookings.
    const db = reservationsDb(app.db);
    setCounterBooking(app, async (lgCode, departmentCode) => ((await findCalendar(db, lgCode, departmentCode)) ? `/reservations/${lgCode}/${departmentCode}` : undefined));
    await reservationsApi(fastify, app);
    await reservationPages(fastify, app);
    await staffReservationPages(fastify, app);
  },
  seed: async (app) => {
    if (!app.config.production) await seedReservationsDemo(app);
  },
});
