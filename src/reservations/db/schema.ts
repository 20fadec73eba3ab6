// The reservations module's view of the database.
import type { Generated, JSONColumnType, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { CalendarDefinition } from '../calendar/calendar-definition.ts';

export interface ReservationCalendarsTable {
  lg_code: string;
  department_code: string;
  definition: JSONColumnType<CalendarDefinition, string, string>;
  version: Generated<number>;
  updated_by: string;
  updated_at: Generated<Date>;
}

export interface ReservationSlotCountsTable {
  lg_code: string;
  department_code: string;
  slot_start: Date;
  booked: number;
}

export interface ReservationBookingsTable {
  id: Generated<string>;
  number: string;
  lg_code: string;
  department_code: string;
  slot_start: Date;
  slot_minutes: number;
  account_id: string;
  purpose: Generated<string>;
  status: Generated<'booked' | 'cancelled'>;
  created_at: Generated<Date>;
  cancelled_at: Date | null;
}

export interface ReservationsSchema {
  reservation_calendars: ReservationCalendarsTable;
  reservation_slot_counts: ReservationSlotCountsTable;
  reservation_bookings: ReservationBookingsTable;
}

export type ReservationsDatabase = Kysely<ReservationsSchema>;

export function reservationsDb(db: Database): ReservationsDatabase {
  return db as unknown as ReservationsDatabase;
}
