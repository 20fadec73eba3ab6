// Bookings. A booking takes a place in a slot only if one is left: the slot's count is raised in
// the same statement that checks it against the capacity, inside the booking's transaction, so
// two people booking the last place at once never both get it. Cancelling gives the place back.
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { CalendarDefinition } from './calendar/calendar-definition.ts';
import type { ReservationsDatabase } from './db/schema.ts';

export interface Booking {
  id: string;
  number: string;
  lgCode: string;
  departmentCode: string;
  slotStart: Date;
  slotMinutes: number;
  purpose: string;
  status: 'booked' | 'cancelled';
  createdAt: Date;
}

/** At most this many upcoming bookings per person, so nobody can hold a counter's day. */
export const MAX_UPCOMING = 5;

// 予約番号: read out at the counter, so no 0/O, 1/I/L.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
function bookingNumber(): string {
  const part = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${part()}-${part()}`;
}

function toBooking(r: { id: string; number: string; lg_code: string; department_code: string; slot_start: Date; slot_minutes: number; purpose: string; status: 'booked' | 'cancelled'; created_at: Date }): Booking {
  return { id: r.id, number: r.number, lgCode: r.lg_code, departmentCode: r.department_code, slotStart: new Date(r.slot_start), slotMinutes: r.slot_minutes, purpose: r.purpose, status: r.status, createdAt: new Date(r.created_at) };
}

export async function findCalendar(db: ReservationsDatabase, lgCode: string, departmentCode: string): Promise<{ definition: CalendarDefinition; version: number } | undefined> {
  const row = await db.selectFrom('reservation_calendars').select(['definition', 'version']).where('lg_code', '=', lgCode).where('department_code', '=', departmentCode).executeTakeFirst();
  return row && { definition: row.definition, version: row.version };
}

export async function calendarsOf(db: ReservationsDatabase, lgCode: string): Promise<string[]> {
  return (await db.selectFrom('reservation_calendars').select('department_code').where('lg_code', '=', lgCode).orderBy('department_code').execute()).map((r) => r.department_code);
}

/** Places taken per slot start (ms) between two instants. */
export async function takenBetween(db: ReservationsDatabase, lgCode: string, departmentCode: string, from: Date, to: Date): Promise<Map<number, number>> {
  const rows = await db.selectFrom('reservation_slot_counts').select(['slot_start', 'booked']).where('lg_code', '=', lgCode).where('department_code', '=', departmentCode).where('slot_start', '>=', from).where('slot_start', '<', to).execute();
  return new Map(rows.map((r) => [new Date(r.slot_start).getTime(), r.booked]));
}

export type BookResult = { kind: 'booked'; booking: Booking } | { kind: 'full' } | { kind: 'already' } | { kind: 'too_many' };

export async function book(db: ReservationsDatabase, input: { lgCode: string; departmentCode: string; slotStart: Date; slotMinutes: number; capacity: number; accountId: string; purpose: string }): Promise<BookResult> {
  return db.transaction().execute(async (trx) => {
    // Serialises one person's bookings, so the limit and "once per slot" cannot be raced.
    await sql`select pg_advisory_xact_lock(hashtext(${`reservation:${input.accountId}`}))`.execute(trx);
    const upcoming = await trx.selectFrom('reservation_bookings').select((eb) => eb.fn.countAll<string | number>().as('n')).where('account_id', '=', input.accountId).where('status', '=', 'booked').where('slot_start', '>', new Date()).executeTakeFirst();
    if (Number(upcoming?.n ?? 0) >= MAX_UPCOMING) return { kind: 'too_many' };
    const mine = await trx.selectFrom('reservation_bookings').select('id').where('account_id', '=', input.accountId).where('lg_code', '=', input.lgCode).where('department_code', '=', input.departmentCode).where('slot_start', '=', input.slotStart).where('status', '=', 'booked').executeTakeFirst();
    if (mine) return { kind: 'already' };
    const taken = await sql<{ booked: number }>`
      insert into reservation_slot_counts (lg_code, department_code, slot_start, booked)
      values (${input.lgCode}, ${input.departmentCode}, ${input.slotStart}, 1)
      on conflict (lg_code, department_code, slot_start) do update set booked = reservation_slot_counts.booked + 1
        where reservation_slot_counts.booked < ${input.capacity}
      returning booked`.execute(trx);
    if (taken.rows.length === 0) return { kind: 'full' };
    const row = await trx
      .insertInto('reservation_bookings')
      .values({ number: bookingNumber(), lg_code: input.lgCode, department_code: input.departmentCode, slot_start: input.slotStart, slot_minutes: input.slotMinutes, account_id: input.accountId, purpose: input.purpose, cancelled_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: 'booked', booking: toBooking(row) };
  });
}

/** Cancels one of the account's upcoming bookings; false if it is not theirs, past or cancelled. */
export async function cancel(db: ReservationsDatabase, accountId: string, id: string): Promise<Booking | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('reservation_bookings')
      .set({ status: 'cancelled', cancelled_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('status', '=', 'booked')
      .where('slot_start', '>', new Date())
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await trx.updateTable('reservation_slot_counts').set({ booked: sql<number>`booked - 1` }).where('lg_code', '=', row.lg_code).where('department_code', '=', row.department_code).where('slot_start', '=', row.slot_start).execute();
    return toBooking(row);
  });
}

export async function bookingsOf(db: ReservationsDatabase, accountId: string): Promise<Booking[]> {
  const rows = await db.selectFrom('reservation_bookings').selectAll().where('account_id', '=', accountId).orderBy('slot_start', 'desc').limit(200).execute();
  return rows.map(toBooking);
}

export async function findBooking(db: ReservationsDatabase, accountId: string, id: string): Promise<Booking | undefined> {
  const row = await db.selectFrom('reservation_bookings').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row && toBooking(row);
}

/** A department's bookings on one day, for its staff (who also see the account to look it up). */
export async function bookingsOfDay(db: ReservationsDatabase, lgCode: string, departmentCode: string, from: Date, to: Date): Promise<Array<Booking & { accountId: string }>> {
  const rows = await db.selectFrom('reservation_bookings').selectAll().where('lg_code', '=', lgCode).where('department_code', '=', departmentCode).where('slot_start', '>=', from).where('slot_start', '<', to).orderBy('slot_start').orderBy('created_at').execute();
  return rows.map((r) => ({ ...toBooking(r), accountId: r.account_id }));
}
