// Staff give publication dates as Japan dates; a notice starts or ends at midnight Japan time.
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** 00:00 in Japan on `date` (YYYY-MM-DD), or undefined when it is not a real date. */
export function japanMidnight(date: string): Date | undefined {
  if (!DATE.test(date)) return undefined;
  const utc = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(utc.getTime()) || utc.toISOString().slice(0, 10) !== date) return undefined;
  return new Date(utc.getTime() - 9 * 60 * 60 * 1000);
}
