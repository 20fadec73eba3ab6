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

/** Today's date in Japan, YYYY-MM-DD. */
export function todayInJapanIso(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(now);
}
