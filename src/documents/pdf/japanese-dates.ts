// Dates on an issued document: Japanese documents carry the era date (和暦) and, for readers
// abroad, the Gregorian one. Always the date in Japan, whatever the server's time zone.
const era = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { timeZone: 'Asia/Tokyo', era: 'long', year: 'numeric', month: 'long', day: 'numeric' });
const gregorian = new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' });
const english = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' });

/** 令和8年12月3日 (the first year of an era is written 元年, as on official documents). */
export function warekiDate(date: Date): string {
  return era.format(date).replace(/^(\D+)1年/, '$1元年');
}

/** 2026年12月3日 */
export function seirekiDate(date: Date): string {
  return gregorian.format(date);
}

/** 3 December 2026 */
export function englishDate(date: Date): string {
  return english.format(date);
}
