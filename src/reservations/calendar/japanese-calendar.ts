// Days a municipal office is closed whatever its calendar says: Saturdays and Sundays are left to
// each calendar (some offices open on Sundays), but national holidays (国民の祝日, with substitute
// and citizens' holidays, from the @holiday-jp data published by the Cabinet Office) and the
// year-end and New Year break (12月29日〜1月3日, 行政機関の休日に関する法律) close every counter.
// Dates are Japan dates, YYYY-MM-DD.
import holidayJp from '@holiday-jp/holiday_jp';

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

export interface ClosedReason {
  ja: string;
  en: string;
}

export function closedByLaw(date: string): ClosedReason | undefined {
  const holiday = (holidayJp.holidays as Record<string, { name: string; name_en: string } | undefined>)[date];
  if (holiday) return { ja: holiday.name, en: holiday.name_en };
  const monthDay = date.slice(5);
  if (monthDay >= '12-29' || monthDay <= '01-03') return { ja: '年末年始の休日', en: 'Year-end and New Year holidays' };
  return undefined;
}

/** Today's date in Japan. */
export function japanToday(now = Date.now()): string {
  return new Date(now + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `date` plus `days` (Japan dates). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday. */
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** The instant of a Japan date and time (HH:MM). Japan has no daylight saving time. */
export function japanInstant(date: string, time: string): Date {
  return new Date(Date.parse(`${date}T${time}:00Z`) - JST_OFFSET_MS);
}

/** A real calendar date in YYYY-MM-DD form. */
export function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
