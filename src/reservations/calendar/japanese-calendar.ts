// Days a municipal office is closed whatever its calendar says: Saturdays and Sundays are left to
// each calendar (some offices open on Sundays), but national holidays (国民の祝日, with substitute
// and citizens' holidays, from the @holiday-jp data published by the Cabinet Office) and the
// year-end and New Year break (12月29日〜1月3日, 行政機関の休日に関する法律) close every counter.
// Dates are Japan dates, YYYY-MM-DD (arithmetic on them: platform/i18n/dates.ts).
import holidayJp from '@holiday-jp/holiday_jp';

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
