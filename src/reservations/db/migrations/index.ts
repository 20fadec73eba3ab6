// The reservations module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as reservations from './2026-12-03T1900-reservations.ts';

export const reservationsMigrations: Record<string, Migration> = {
  '2026-12-03T1900-reservations': reservations,
};
