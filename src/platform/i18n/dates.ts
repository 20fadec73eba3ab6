// Dates and times as people in Japan read them, whatever the server's own time zone: always in
// Japan time, 2026年12月3日 14:05 in Japanese and 3 Dec 2026, 14:05 in English.
import type { Locale } from './i18n.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

function format(locale: Locale, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}:${withTime}`;
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: locale === 'ja' ? 'long' : 'short', day: 'numeric', ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}) });
    formats.set(key, found);
  }
  return found;
}

export function formatDate(date: Date, locale: Locale): string {
  return format(locale, false).format(date);
}

export function formatDateTime(date: Date, locale: Locale): string {
  return format(locale, true).format(date);
}

// Building an Intl.DateTimeFormat costs far more than using one; form checks ask for today often.
const JAPAN_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' });

/** Today's date in Japan, YYYY-MM-DD. */
export function todayInJapanIso(now = new Date()): string {
  return JAPAN_DATE.format(now);
}

/** A real calendar date written YYYY-MM-DD (not 2026-02-30). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** The instant of a Japan date and time (HH:MM). Japan has no daylight saving time. */
export function japanInstant(date: string, time = '00:00'): Date {
  return new Date(Date.parse(`${date}T${time}:00Z`) - 9 * 60 * 60 * 1000);
}

/** A YYYY-MM-DD date plus `days`. */
export function addDaysIso(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The weekday of a YYYY-MM-DD date: 0 Sunday … 6 Saturday. */
export function weekdayOfIso(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
