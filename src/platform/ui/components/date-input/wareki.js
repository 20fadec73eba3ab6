// @ts-check
// Japanese eras (和暦) for Gregorian dates. Plain JavaScript with its own .d.ts so the very same
// file runs on the server (the date input's hint) and in the browser (the hint as you type).
//
// Each era starts on its official first day. Before 1873 Japan used a lunisolar calendar;
// Meiji is counted here from 1868-01-25 (the Gregorian date of 明治元年1月1日) by Gregorian year,
// which is exact from 1873 on and an approximation for dates in 1868–1872.

/** Newest first: the first era that started on or before a date is that date's era. */
export const ERAS = Object.freeze([
  { key: 'reiwa', start: { year: 2019, month: 5, day: 1 } },
  { key: 'heisei', start: { year: 1989, month: 1, day: 8 } },
  { key: 'showa', start: { year: 1926, month: 12, day: 25 } },
  { key: 'taisho', start: { year: 1912, month: 7, day: 30 } },
  { key: 'meiji', start: { year: 1868, month: 1, day: 25 } },
]);

const FULL_WIDTH_DIGIT = /[０-９]/g;

/** 「１９９０」 → "1990": Japanese input methods often type full-width digits. */
export function toHalfWidthDigits(text) {
  return text.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
}

function daysInMonth(year, month) {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when year/month/day name a real day of the Gregorian calendar (year 1–9999). */
export function isCalendarDate(date) {
  const { year, month, day } = date;
  return [year, month, day].every(Number.isInteger) && year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function compare(a, b) {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function parseIsoDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : undefined;
}

/**
 * The era and era year of a date ({year, month, day} or "YYYY-MM-DD"): 1990-04-01 →
 * { era: 'heisei', year: 2 }. Undefined for a date that does not exist or is before Meiji.
 */
export function toWareki(date) {
  const value = typeof date === 'string' ? parseIsoDate(date) : date;
  if (!value || !isCalendarDate(value)) return undefined;
  const era = ERAS.find((e) => compare(value, e.start) >= 0);
  return era ? { era: era.key, year: value.year - era.start.year + 1 } : undefined;
}

/**
 * The eras a Gregorian year falls in, oldest first: 1990 → [平成2], 1989 → [昭和64, 平成1].
 * For a hint while only the year is known. No year has two era changes, so the first and the
 * last day of the year tell them all.
 */
export function warekiOfYear(year) {
  if (!Number.isInteger(year)) return [];
  const found = [toWareki({ year, month: 1, day: 1 }), toWareki({ year, month: 12, day: 31 })].filter((w) => w !== undefined);
  return found.length === 2 && found[0].era === found[1].era ? [found[0]] : found;
}

/**
 * Words for an era year in one language: { eras: { heisei: '平成', … }, year: '{era}{year}年',
 * firstYear: '{era}元年' } gives 平成2年 and 令和元年 (the first year of an era is 元年).
 */
export function formatWareki(wareki, words) {
  const template = wareki.year === 1 ? words.firstYear : words.year;
  return template.replace('{era}', words.eras[wareki.era] ?? wareki.era).replace('{year}', String(wareki.year));
}

function wholeNumber(text) {
  const digits = toHalfWidthDigits(String(text ?? '')).trim();
  return /^\d{1,4}$/.test(digits) ? Number(digits) : undefined;
}

/**
 * The hint under a date input for what has been typed so far ("YYYY", "M", "D" as strings):
 * the exact era when the whole date is real, else the era(s) of the year, else ''.
 * words.label is '和暦：{wareki}', words.either '{first}または{second}'.
 */
export function warekiHint(parts, words) {
  const year = wholeNumber(parts.year);
  if (year === undefined || year < 1000) return '';
  const date = { year, month: wholeNumber(parts.month) ?? 0, day: wholeNumber(parts.day) ?? 0 };
  const exact = toWareki(date);
  const found = exact ? [exact] : warekiOfYear(year);
  if (found.length === 0) return '';
  const texts = found.map((w) => formatWareki(w, words));
  const wareki = texts.length === 1 ? texts[0] : words.either.replace('{first}', texts[0]).replace('{second}', texts[1]);
  return words.label.replace('{wareki}', wareki);
}
