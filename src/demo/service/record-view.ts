// Reads the record the gateway returned into what the pages show. The record is another party's
// data: anything missing or of the wrong shape becomes a blank cell, never an exception.
export interface Checkup { child: string; date: string; name: string; ageMonths: number | null; result: string; nextDue: string | null }
export interface Vaccination { child: string; date: string; vaccine: string; dose: number | null; nextDue: string | null }
export interface Growth { child: string; date: string; ageMonths: number | null; heightCm: number | null; weightKg: number | null; headCircumferenceCm: number | null }

/** null for an item the answer does not carry (not consented, or no data); [] for an empty list. */
export interface RecordView {
  checkups: Checkup[] | null;
  vaccinations: Vaccination[] | null;
  growth: Growth[] | null;
}

type Entry = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const date = (v: unknown): string | null => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null);
const childName = (v: unknown): string => (v && typeof v === 'object' ? str((v as Entry).name) : str(v));

function entries(v: unknown): Entry[] | null {
  if (!Array.isArray(v)) return null;
  return v.filter((e): e is Entry => !!e && typeof e === 'object' && !Array.isArray(e));
}

export function readRecord(record: Record<string, unknown>): RecordView {
  const byDate = <T extends { date: string }>(list: T[]) => list.sort((a, b) => a.date.localeCompare(b.date));
  const checkups = entries(record.checkups);
  const vaccinations = entries(record.vaccinations);
  const growth = entries(record.growth);
  return {
    checkups:
      checkups &&
      byDate(checkups.map((e) => ({ child: childName(e.child), date: str(e.date), name: str(e.name), ageMonths: num(e.ageMonths), result: str(e.result), nextDue: date(e.nextDue) }))),
    vaccinations:
      vaccinations && byDate(vaccinations.map((e) => ({ child: childName(e.child), date: str(e.date), vaccine: str(e.vaccine), dose: num(e.dose), nextDue: date(e.nextDue) }))),
    growth:
      growth &&
      byDate(
        growth.map((e) => ({
          child: childName(e.child),
          date: str(e.date),
          ageMonths: num(e.ageMonths),
          heightCm: num(e.heightCm),
          weightKg: num(e.weightKg),
          headCircumferenceCm: num(e.headCircumferenceCm),
        })),
      ),
  };
}

export interface Upcoming { date: string; kind: 'checkup' | 'vaccination'; label: string; child: string }

/**
 * What is due from `today` (YYYY-MM-DD) on: the next date of the latest check-up, and of the
 * latest dose of each vaccine per child (an earlier dose's "next" has already happened).
 */
export function upcoming(view: RecordView, today: string): Upcoming[] {
  const out: Upcoming[] = [];
  const latest = <T extends { date: string }>(list: T[], key: (e: T) => string) => {
    const map = new Map<string, T>();
    for (const e of list) if (!map.has(key(e)) || map.get(key(e))!.date <= e.date) map.set(key(e), e);
    return [...map.values()];
  };
  for (const c of latest(view.checkups ?? [], (e) => e.child)) {
    if (c.nextDue && c.nextDue >= today) out.push({ date: c.nextDue, kind: 'checkup', label: c.name, child: c.child });
  }
  for (const v of latest(view.vaccinations ?? [], (e) => `${e.child}\u0000${e.vaccine}`)) {
    if (v.nextDue && v.nextDue >= today) out.push({ date: v.nextDue, kind: 'vaccination', label: v.vaccine, child: v.child });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

/** Today in Japan, as YYYY-MM-DD (the records' dates are Japanese calendar days). */
export function todayInJapan(now: Date = new Date()): string {
  return new Date(now.getTime() + 9 * 60 * 60_000).toISOString().slice(0, 10);
}
