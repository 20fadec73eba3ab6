// A department's booking calendar: opening hours per weekday, the length of a slot, how many
// people one slot takes, how far ahead one may book, and extra closed days. National holidays and
// the year-end break are closed whatever it says (japanese-calendar.ts).
import { addDaysIso, isIsoDate, japanInstant, todayInJapanIso, weekdayOfIso } from '../../platform/i18n/dates.ts';
import { closedByLaw, type ClosedReason } from './japanese-calendar.ts';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface CalendarDefinition {
  slotMinutes: number;
  capacity: number;
  horizonDays: number;
  /** Opening periods per weekday, HH:MM–HH:MM (Japan time); a day without any is closed. */
  weekly: Partial<Record<Weekday, Array<{ from: string; to: string }>>>;
  closures: Array<{ date: string; reason: { ja: string; en: string } }>;
}

export interface DefinitionProblem {
  name: string;
  ja: string;
  en: string;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

/** Every problem of a definition, each naming where it is. */
export function checkDefinition(d: CalendarDefinition): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  if (!Number.isInteger(d.slotMinutes) || d.slotMinutes < 10 || d.slotMinutes > 240) problems.push({ name: '/slotMinutes', ja: '枠の長さは10〜240分です', en: 'slotMinutes is 10 to 240' });
  if (!Number.isInteger(d.capacity) || d.capacity < 1 || d.capacity > 100) problems.push({ name: '/capacity', ja: '1枠の定員は1〜100人です', en: 'capacity is 1 to 100' });
  if (!Number.isInteger(d.horizonDays) || d.horizonDays < 1 || d.horizonDays > 180) problems.push({ name: '/horizonDays', ja: '予約できる期間は1〜180日です', en: 'horizonDays is 1 to 180' });
  for (const [day, periods] of Object.entries(d.weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push({ name: `/weekly/${day}`, ja: `曜日「${day}」は sun〜sat のどれかです`, en: `"${day}" is not one of sun … sat` });
      continue;
    }
    const sorted = [...(periods ?? [])].sort((a, b) => a.from.localeCompare(b.from));
    sorted.forEach((p, i) => {
      const where = `/weekly/${day}/${i}`;
      if (!TIME.test(p.from) || !TIME.test(p.to)) problems.push({ name: where, ja: '時刻は HH:MM で指定してください', en: 'Times are HH:MM' });
      else if (minutes(p.to) - minutes(p.from) < d.slotMinutes) problems.push({ name: where, ja: `${p.from}〜${p.to} には1枠も入りません`, en: `${p.from}–${p.to} holds no slot` });
      else if (i > 0 && p.from < sorted[i - 1]!.to) problems.push({ name: where, ja: `${p.from}〜${p.to} がほかの時間帯と重なっています`, en: `${p.from}–${p.to} overlaps another period` });
    });
  }
  d.closures.forEach((c, i) => {
    if (!isIsoDate(c.date)) problems.push({ name: `/closures/${i}/date`, ja: '日付は YYYY-MM-DD で指定してください', en: 'date is YYYY-MM-DD' });
  });
  return problems;
}

export interface Slot {
  /** Japan time, HH:MM. */
  time: string;
  start: Date;
}

export type DayPlan = { date: string; closed: ClosedReason } | { date: string; slots: Slot[] };

/** The slots of a Japan date, or why it is closed. */
export function dayPlan(d: CalendarDefinition, date: string): DayPlan {
  const byLaw = closedByLaw(date);
  if (byLaw) return { date, closed: byLaw };
  const extra = d.closures.find((c) => c.date === date);
  if (extra) return { date, closed: extra.reason };
  const periods = d.weekly[WEEKDAYS[weekdayOfIso(date)]!] ?? [];
  if (periods.length === 0) return { date, closed: { ja: '休業日', en: 'Closed' } };
  const slots: Slot[] = [];
  for (const p of periods) {
    for (let m = minutes(p.from); m + d.slotMinutes <= minutes(p.to); m += d.slotMinutes) {
      const time = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      slots.push({ time, start: japanInstant(date, time) });
    }
  }
  return { date, slots };
}

/** Bookable dates: from today (Japan) for horizonDays. */
export function bookableDates(d: CalendarDefinition, now = Date.now()): string[] {
  const today = todayInJapanIso(new Date(now));
  return Array.from({ length: d.horizonDays }, (_, i) => addDaysIso(today, i));
}

/** A slot may be booked until an hour before it starts. */
export const BOOKING_CUTOFF_MS = 60 * 60 * 1000;
