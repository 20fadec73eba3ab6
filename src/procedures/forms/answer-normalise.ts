// How residents' typing is made uniform before it is checked and stored. Japanese input methods
// type full-width digits and letters, half-width katakana, and many kinds of hyphen; these are
// folded here. Names and addresses in kanji are kept exactly as typed (only trimmed): NFKC would
// replace some rare or variant kanji with their standard forms, which changes a person's name.
import { ERAS, isCalendarDate, type CalendarDate } from '../../platform/ui/components/date-input/wareki.js';

const HYPHENS = /[-‐‑‒–—―−ーｰ－]/g;

/** Full-width digits, letters and symbols to ASCII (NFKC), for numbers, codes and e-mail. */
export const toAscii = (text: string) => text.normalize('NFKC');

/**
 * Full-width ASCII letters, digits and symbols (U+FF01–FF5E) to ASCII, and nothing else: for a text
 * answer checked against a pattern (an account number typed 「１２３４５６７」), without NFKC's
 * changes to kanji elsewhere in the answer.
 */
export const foldFullWidthAscii = (text: string) => text.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/**
 * Kana names: half-width katakana and hiragana become full-width katakana; spaces of either
 * width become one full-width space (between family and given name, as on paper forms).
 */
export function normaliseKana(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .trim()
    .replace(/[\s　]+/g, '　');
}
export const isKatakana = (text: string) => /^[\u30a1-\u30fa\u30fc\u30fd\u30fe　]+$/.test(text);

/** 「９６５ー０８７２」「9650872」 → "965-0872"; undefined when not seven digits. */
export function normalisePostalCode(text: string): string | undefined {
  const digits = toAscii(text).replace(HYPHENS, '').replace(/[\s〒]/g, '');
  return /^\d{7}$/.test(digits) ? `${digits.slice(0, 3)}-${digits.slice(3)}` : undefined;
}

/** Japanese phone numbers: digits only, starting with 0, 10 or 11 digits (+81 is read as 0). */
export function normalisePhone(text: string): string | undefined {
  let digits = toAscii(text).replace(HYPHENS, '').replace(/[\s().]/g, '');
  if (digits.startsWith('+81')) digits = `0${digits.slice(3)}`;
  return /^0\d{9,10}$/.test(digits) ? digits : undefined;
}

/** A plain check (a local part, @, a domain with a dot); the real check is a mail that arrives. */
export function normaliseEmail(text: string): string | undefined {
  const value = toAscii(text).trim();
  return value.length <= 254 && /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/.test(value) ? value : undefined;
}

/** 「１，２００」「1200」 → 1200; undefined when not a number. */
export function normaliseNumber(text: string): number | undefined {
  const value = toAscii(text).trim().replace(/,/g, '').replace(/^[−ー]/, '-');
  return /^-?\d{1,15}(\.\d{1,6})?$/.test(value) ? Number(value) : undefined;
}

const ERA_NAMES: Record<string, string> = { 令和: 'reiwa', R: 'reiwa', 平成: 'heisei', H: 'heisei', 昭和: 'showa', S: 'showa', 大正: 'taisho', T: 'taisho', 明治: 'meiji', M: 'meiji' };

/**
 * The year box of a date: 「1990」, or a Japanese era year as people write it on paper:
 * 「平成2」「H2」「平成2年」「令和元」. Undefined when it is neither.
 */
export function readYear(text: string): number | undefined {
  const value = toAscii(text).trim().replace(/年$/, '');
  if (/^\d{1,4}$/.test(value)) return Number(value);
  const era = /^(令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(元|\d{1,2})$/.exec(value);
  if (!era) return undefined;
  const key = ERA_NAMES[era[1]!.toUpperCase()] ?? ERA_NAMES[era[1]!];
  const start = ERAS.find((e) => e.key === key)!.start;
  return start.year + (era[2] === '元' ? 1 : Number(era[2])) - 1;
}

/** One text holding a whole date: 「2024-04-01」「2024/4/1」「令和6年4月1日」「R6.4.1」. */
export function readDateText(text: string): CalendarDate | undefined {
  const value = toAscii(text).trim();
  const match = /^(.+?)[年/.-](\d{1,2})[月/.-](\d{1,2})日?$/.exec(value);
  if (!match) return undefined;
  const year = readYear(match[1]!);
  const date = year === undefined ? undefined : { year, month: Number(match[2]), day: Number(match[3]) };
  return date && isCalendarDate(date) ? date : undefined;
}

export const isoDate = (d: CalendarDate) => `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
