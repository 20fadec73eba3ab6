// Types of wareki.js (plain JavaScript so the browser can load the same file).
export type EraKey = 'reiwa' | 'heisei' | 'showa' | 'taisho' | 'meiji';
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}
export interface Wareki {
  era: EraKey;
  /** 1 is 元年. */
  year: number;
}
export interface WarekiWords {
  eras: Record<EraKey, string>;
  /** With {era} and {year}. */
  year: string;
  /** With {era}: the first year (元年). */
  firstYear: string;
  /** With {wareki}: 和暦：{wareki}. */
  label: string;
  /** With {first} and {second}: a year in two eras. */
  either: string;
}
export declare const ERAS: ReadonlyArray<{ key: EraKey; start: CalendarDate }>;
export declare function toHalfWidthDigits(text: string): string;
export declare function isCalendarDate(date: CalendarDate): boolean;
export declare function toWareki(date: CalendarDate | string): Wareki | undefined;
export declare function warekiOfYear(year: number): Wareki[];
export declare function formatWareki(wareki: Wareki, words: WarekiWords): string;
export declare function warekiHint(parts: { year?: string | undefined; month?: string | undefined; day?: string | undefined }, words: WarekiWords): string;
