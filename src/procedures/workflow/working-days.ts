// Working days (開庁日) for due dates: Saturdays, Sundays, national holidays (the Cabinet Office's
// list through @holiday-jp) and the year-end break 12月29日〜1月3日 (行政機関の休日に関する法律) are
// not counted. Dates are Japan dates, YYYY-MM-DD.
import holidayJp from '@holiday-jp/holiday_jp';
import { addDaysIso, weekdayOfIso } from '../../platform/i18n/dates.ts';

const holidays = holidayJp.holidays as Record<string, unknown>;

export function isWorkingDay(date: string): boolean {
  const weekday = weekdayOfIso(date);
  if (weekday === 0 || weekday === 6 || holidays[date]) return false;
  const monthDay = date.slice(5);
  return !(monthDay >= '12-29' || monthDay <= '01-03');
}

/** The date `days` working days after `from` (the day itself does not count). */
export function addWorkingDays(from: string, days: number): string {
  let date = from;
  for (let left = days; left > 0; ) {
    date = addDaysIso(date, 1);
    if (isWorkingDay(date)) left--;
  }
  return date;
}
