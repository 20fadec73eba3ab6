// Reading what was typed into a date input, for validation: which boxes are empty or wrong, so
// the error message can say exactly what to fix and only those boxes turn red. Full-width digits
// (１９９０) count as digits, as Japanese input methods often type them.
import { isCalendarDate, toHalfWidthDigits, type CalendarDate } from './wareki.js';
import { DATE_PARTS, type DatePart } from './date-input.tsx';

export type DateReading =
  | { kind: 'date'; date: CalendarDate }
  /** Nothing typed in any box. */
  | { kind: 'missing' }
  /** Some boxes empty (listed). */
  | { kind: 'incomplete'; parts: DatePart[] }
  /** Boxes that are not numbers or out of range; the day when it does not exist in that month (2月30日). */
  | { kind: 'invalid'; parts: DatePart[] };

const LIMITS: Record<DatePart, [number, number]> = { year: [1000, 9999], month: [1, 12], day: [1, 31] };

export function readDateInput(value: Partial<Record<DatePart, string | undefined>>): DateReading {
  const text = Object.fromEntries(DATE_PARTS.map((p) => [p, toHalfWidthDigits(value[p] ?? '').trim()])) as Record<DatePart, string>;
  const empty = DATE_PARTS.filter((p) => text[p] === '');
  if (empty.length === DATE_PARTS.length) return { kind: 'missing' };
  if (empty.length > 0) return { kind: 'incomplete', parts: empty };
  const numbers = {} as Record<DatePart, number>;
  const wrong: DatePart[] = [];
  for (const part of DATE_PARTS) {
    const n = /^\d{1,4}$/.test(text[part]) ? Number(text[part]) : NaN;
    const [min, max] = LIMITS[part];
    if (!(n >= min && n <= max)) wrong.push(part);
    numbers[part] = n;
  }
  if (wrong.length > 0) return { kind: 'invalid', parts: wrong };
  const date = { year: numbers.year, month: numbers.month, day: numbers.day };
  // Each box is in range but the day does not exist in that month: the day is what to fix.
  return isCalendarDate(date) ? { kind: 'date', date } : { kind: 'invalid', parts: ['day'] };
}
