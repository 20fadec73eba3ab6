// The monitoring figures (EBPM, issue 6 part 7), per tenant, procedure and month in Japan time,
// computed from the status changes in procedures_application_events (ApplicationStore.transition
// writes one for every change) and the paper counts staff record. Practice applications are
// never counted. Definitions (docs/procedures.md#monitoring-ebpm):
//   submitted     applications first submitted in the month (draft → submitted), by channel
//   online share  online ÷ (online + counter + paper)
//   decided       approved or rejected in the month; days from first submission to decision,
//                 median and 90th percentile (interpolated), over the applications decided
//   returns       差戻し in the month; return rate: of the applications decided in the month,
//                 the share returned at least once before the decision
//   backlog       open at the month's end: submitted before it and not yet approved, rejected or
//                 withdrawn (these three are final)
//   withdrawn     withdrawn in the month
import { sql, type RawBuilder } from 'kysely';
import { japanInstant } from '../../platform/i18n/dates.ts';
import type { ProceduresDatabase } from '../db/schema.ts';

export interface MonthFigures {
  /** YYYY-MM in Japan time; null in period totals. */
  month: string | null;
  submitted: number;
  online: number;
  counter: number;
  paper: number;
  /** online ÷ (online + counter + paper), 0–1; null when there were none. */
  onlineShare: number | null;
  decided: number;
  approved: number;
  rejected: number;
  decisionDaysMedian: number | null;
  decisionDaysP90: number | null;
  returns: number;
  returnedBeforeDecision: number;
  /** returnedBeforeDecision ÷ decided; null without decisions. */
  returnRate: number | null;
  /** Open at the end of the month (of the period, in totals). */
  backlog: number;
  withdrawn: number;
}

export interface SeriesFigures {
  lgCode: string;
  /** null: all the tenant's procedures together. */
  procedureCode: string | null;
  months: MonthFigures[];
  total: MonthFigures;
}

export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const MAX_MONTHS = 36;

/** The months from `from` to `to` inclusive (YYYY-MM). */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to) return out;
    out.push(month);
    if (++m === 13) [y, m] = [y + 1, 1];
  }
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** A month's start instant in Japan time (Japan has no daylight saving time). */
const startOf = (month: string) => japanInstant(`${month}-01`);

const OPEN_UNTIL_FINAL = ['approved', 'rejected', 'withdrawn'];

function empty(month: string | null): MonthFigures {
  return { month, submitted: 0, online: 0, counter: 0, paper: 0, onlineShare: null, decided: 0, approved: 0, rejected: 0, decisionDaysMedian: null, decisionDaysP90: null, returns: 0, returnedBeforeDecision: 0, returnRate: null, backlog: 0, withdrawn: 0 };
}

const roundDays = (value: unknown) => (value === null || value === undefined ? null : Math.round(Number(value) * 10) / 10);

/**
 * Figures for the tenants' procedures (or one procedure code in each) over the months, per
 * procedure and for all procedures together, each by month and for the period.
 */
export async function monitoringFigures(db: ProceduresDatabase, query: { lgCodes: string[]; procedureCode?: string; from: string; to: string }): Promise<SeriesFigures[]> {
  const months = monthsBetween(query.from, query.to);
  if (query.lgCodes.length === 0 || months.length === 0) return [];
  const monthValues = sql.join(months.map((m) => sql`(${m}::text, ${startOf(m).toISOString()}::timestamptz, ${startOf(nextMonth(m)).toISOString()}::timestamptz)`));
  const periodStart = startOf(months[0]!).toISOString();
  const periodEnd = startOf(nextMonth(months[months.length - 1]!)).toISOString();
  const procedureFilter: RawBuilder<unknown> = query.procedureCode ? sql`and a.procedure_code = ${query.procedureCode}` : sql``;
  const tenants = sql.join(query.lgCodes.map((c) => sql`${c}`));
  // Every level at once: per procedure and month, per month, per procedure for the period, the period.
  const groupingSets = sql`grouping sets ((a.lg_code, a.procedure_code, m.month), (a.lg_code, m.month), (a.lg_code, a.procedure_code), (a.lg_code))`;

  type Row = { lg_code: string; procedure_code: string | null; month: string | null };
  const flows = await sql<Row & { online: string; counter: string; returns: string; withdrawn: string; approved: string; rejected: string }>`
    select a.lg_code, a.procedure_code, m.month,
      count(*) filter (where e.to_status = 'submitted' and a.channel = 'online') as online,
      count(*) filter (where e.to_status = 'submitted' and a.channel = 'counter') as counter,
      count(*) filter (where e.to_status = 'returned') as returns,
      count(*) filter (where e.to_status = 'withdrawn') as withdrawn,
      count(*) filter (where e.to_status = 'approved') as approved,
      count(*) filter (where e.to_status = 'rejected') as rejected
    from procedures_application_events e
    join procedures_applications a on a.lg_code = e.lg_code and a.id = e.application_id
    join (values ${monthValues}) as m (month, start_at, end_at) on e.occurred_at >= m.start_at and e.occurred_at < m.end_at
    where e.lg_code in (${tenants}) and e.occurred_at >= ${periodStart}::timestamptz and e.occurred_at < ${periodEnd}::timestamptz
      and not a.practice ${procedureFilter}
    group by ${groupingSets}`.execute(db);

  // One row per application that was ever submitted: when it opened, was decided, was closed.
  const lifetimes = sql`
    select a.lg_code, a.procedure_code,
      min(e.occurred_at) filter (where e.to_status = 'submitted') as opened,
      min(e.occurred_at) filter (where e.to_status in ('approved', 'rejected')) as decided,
      min(e.occurred_at) filter (where e.to_status in (${sql.join(OPEN_UNTIL_FINAL.map((s) => sql`${s}`))})) as closed,
      bool_or(e.to_status = 'returned') as was_returned
    from procedures_applications a
    join procedures_application_events e on e.lg_code = a.lg_code and e.application_id = a.id
    where a.lg_code in (${tenants}) and not a.practice ${procedureFilter}
    group by a.lg_code, a.id, a.procedure_code`;

  const decisions = await sql<Row & { decided: string; median: number | null; p90: number | null; returned: string }>`
    with lifetimes as (${lifetimes})
    select a.lg_code, a.procedure_code, m.month, count(*) as decided,
      percentile_cont(0.5) within group (order by extract(epoch from a.decided - a.opened) / 86400) as median,
      percentile_cont(0.9) within group (order by extract(epoch from a.decided - a.opened) / 86400) as p90,
      count(*) filter (where a.was_returned) as returned
    from lifetimes a
    join (values ${monthValues}) as m (month, start_at, end_at) on a.decided >= m.start_at and a.decided < m.end_at
    where a.opened is not null
    group by ${groupingSets}`.execute(db);

  const backlogs = await sql<Row & { backlog: string }>`
    with lifetimes as (${lifetimes})
    select a.lg_code, a.procedure_code, m.month, count(*) as backlog
    from lifetimes a
    join (values ${monthValues}) as m (month, start_at, end_at) on a.opened < m.end_at and (a.closed is null or a.closed >= m.end_at)
    group by grouping sets ((a.lg_code, a.procedure_code, m.month), (a.lg_code, m.month))`.execute(db);

  const paper = await db
    .selectFrom('procedures_paper_counts')
    .select(['lg_code', 'procedure_code', 'month', 'count'])
    .where('lg_code', 'in', query.lgCodes)
    .where('month', '>=', query.from)
    .where('month', '<=', query.to)
    .$if(query.procedureCode !== undefined, (q) => q.where('procedure_code', '=', query.procedureCode!))
    .execute();

  // Gather into series: one per (tenant, procedure) and one per tenant for all procedures.
  const series = new Map<string, SeriesFigures>();
  const seriesOf = (lgCode: string, procedureCode: string | null) => {
    const key = `${lgCode}/${procedureCode ?? ''}`;
    let found = series.get(key);
    if (!found) series.set(key, (found = { lgCode, procedureCode, months: months.map((m) => empty(m)), total: empty(null) }));
    return found;
  };
  const cell = (r: Row) => {
    const s = seriesOf(r.lg_code.trim(), r.procedure_code);
    return r.month === null ? s.total : s.months.find((m) => m.month === r.month)!;
  };
  for (const r of flows.rows) {
    const c = cell(r);
    c.online = Number(r.online);
    c.counter = Number(r.counter);
    c.returns = Number(r.returns);
    c.withdrawn = Number(r.withdrawn);
    c.approved = Number(r.approved);
    c.rejected = Number(r.rejected);
  }
  for (const r of decisions.rows) {
    const c = cell(r);
    c.decided = Number(r.decided);
    c.decisionDaysMedian = roundDays(r.median);
    c.decisionDaysP90 = roundDays(r.p90);
    c.returnedBeforeDecision = Number(r.returned);
  }
  const lastMonth = months[months.length - 1];
  for (const r of backlogs.rows) {
    const c = cell(r);
    c.backlog = Number(r.backlog);
    if (r.month === lastMonth) seriesOf(r.lg_code.trim(), r.procedure_code).total.backlog = c.backlog;
  }
  for (const p of paper) {
    for (const s of [seriesOf(p.lg_code.trim(), p.procedure_code), seriesOf(p.lg_code.trim(), null)]) {
      s.months.find((m) => m.month === p.month)!.paper += p.count;
      s.total.paper += p.count;
    }
  }
  for (const s of series.values()) {
    for (const c of [...s.months, s.total]) {
      c.submitted = c.online + c.counter;
      const all = c.submitted + c.paper;
      c.onlineShare = all === 0 ? null : Math.round((c.online / all) * 1000) / 1000;
      c.returnRate = c.decided === 0 ? null : Math.round((c.returnedBeforeDecision / c.decided) * 1000) / 1000;
    }
  }
  return [...series.values()].sort((a, b) => a.lgCode.localeCompare(b.lgCode) || (a.procedureCode ?? '').localeCompare(b.procedureCode ?? ''));
}

/** Records (or corrects) the number of paper applications of a procedure in a month; the previous count, if any. */
export async function recordPaperCount(db: ProceduresDatabase, input: { lgCode: string; procedureCode: string; month: string; count: number; actor: string }): Promise<number | null> {
  const previous = await db.selectFrom('procedures_paper_counts').select('count').where('lg_code', '=', input.lgCode).where('procedure_code', '=', input.procedureCode).where('month', '=', input.month).executeTakeFirst();
  await db
    .insertInto('procedures_paper_counts')
    .values({ lg_code: input.lgCode, procedure_code: input.procedureCode, month: input.month, count: input.count, recorded_by: input.actor })
    .onConflict((oc) => oc.columns(['lg_code', 'procedure_code', 'month']).doUpdateSet({ count: input.count, recorded_by: input.actor, recorded_at: sql<Date>`now()` }))
    .execute();
  return previous?.count ?? null;
}
