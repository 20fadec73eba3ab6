// What the monitoring page and API share: the period and procedure asked for (checked, with
// problems named in Japanese and English), the two reports (one tenant by procedure; the
// prefecture by municipality), their JSON and their CSV.
import { AppError, PlatformErrors, type FieldProblem } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/i18n.ts';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { csvRow } from './csv.ts';
import { MAX_MONTHS, MONTH, monitoringFigures, monthsBetween, type MonthFigures, type SeriesFigures } from './monitoring-figures.ts';

export interface MonitoringQuery {
  from: string;
  to: string;
  procedureCode?: string;
}

/** The current month in Japan, YYYY-MM. */
export function japanMonth(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit' }).format(now).slice(0, 7);
}

function monthsBack(month: string, count: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The problems of a query (empty when fine); without from/to, the last 12 months. */
export function readQuery(raw: { from?: string; to?: string; procedure?: string }, where: FieldProblem['in'] = 'query'): { query: MonitoringQuery; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const to = raw.to || japanMonth();
  const from = raw.from || monthsBack(to, 11);
  if (!MONTH.test(from)) problems.push({ name: 'from', in: where, detail: { ja: '開始月は YYYY-MM の形で入力してください（例: 2026-04）', en: 'Enter the first month as YYYY-MM (e.g. 2026-04)' } });
  if (!MONTH.test(to)) problems.push({ name: 'to', in: where, detail: { ja: '終了月は YYYY-MM の形で入力してください（例: 2027-03）', en: 'Enter the last month as YYYY-MM (e.g. 2027-03)' } });
  if (problems.length === 0 && from > to) problems.push({ name: 'from', in: where, detail: { ja: '開始月は終了月より前にしてください', en: 'The first month must not be after the last' } });
  else if (problems.length === 0 && monthsBetween(from, to).length > MAX_MONTHS) problems.push({ name: 'from', in: where, detail: { ja: `期間は${MAX_MONTHS}か月以内にしてください`, en: `The period is at most ${MAX_MONTHS} months` } });
  const procedure = raw.procedure || undefined;
  if (procedure !== undefined && !/^[a-z][a-z0-9-]{1,60}$/.test(procedure)) problems.push({ name: 'procedure', in: where, detail: { ja: '手続のコードが正しくありません', en: 'The procedure code is not valid' } });
  return { query: { from, to, ...(procedure ? { procedureCode: procedure } : {}) }, problems };
}

export function queryOrThrow(raw: { from?: string; to?: string; procedure?: string }): MonitoringQuery {
  const { query, problems } = readQuery(raw);
  if (problems.length) throw new AppError(PlatformErrors.VALIDATION, { problems });
  return query;
}

export interface ProcedureTitle {
  lgCode: string;
  code: string;
  title: { ja: string; en: string };
}

/** The tenants' procedures that can have applications (not the practice one), by title order. */
export async function procedureTitles(ctx: ProceduresContext, lgCodes: string[]): Promise<ProcedureTitle[]> {
  if (lgCodes.length === 0) return [];
  const rows = await ctx.db.selectFrom('procedures_procedures').select(['lg_code', 'code', 'title_ja', 'title_en']).where('lg_code', 'in', lgCodes).where('practice', '=', false).orderBy('lg_code').orderBy('sort_order').orderBy('code').execute();
  return rows.map((r) => ({ lgCode: r.lg_code.trim(), code: r.code, title: { ja: r.title_ja, en: r.title_en } }));
}

export interface TenantReport {
  lgCode: string;
  query: MonitoringQuery;
  months: string[];
  /** All procedures together. */
  overall: SeriesFigures;
  /** Each procedure with any figure in the period, in catalog order. */
  procedures: Array<SeriesFigures & { title: { ja: string; en: string } }>;
}

const blank = (lgCode: string, procedureCode: string | null, months: string[]): SeriesFigures => {
  const figures = (month: string | null): MonthFigures => ({ month, submitted: 0, online: 0, counter: 0, paper: 0, onlineShare: null, decided: 0, approved: 0, rejected: 0, decisionDaysMedian: null, decisionDaysP90: null, returns: 0, returnedBeforeDecision: 0, returnRate: null, backlog: 0, withdrawn: 0 });
  return { lgCode, procedureCode, months: months.map(figures), total: figures(null) };
};

export async function tenantReport(ctx: ProceduresContext, lgCode: string, query: MonitoringQuery): Promise<TenantReport> {
  const months = monthsBetween(query.from, query.to);
  const [series, titles] = await Promise.all([monitoringFigures(ctx.db, { lgCodes: [lgCode], ...query }), procedureTitles(ctx, [lgCode])]);
  const procedures = titles
    .map((t) => {
      const found = series.find((s) => s.procedureCode === t.code);
      return found && { ...found, title: t.title };
    })
    .filter((p) => p !== undefined);
  return { lgCode, query, months, overall: series.find((s) => s.procedureCode === null) ?? blank(lgCode, null, months), procedures };
}

export interface PrefectureReport {
  prefectureCode: string;
  query: MonitoringQuery;
  months: string[];
  /** Every municipality of the prefecture, in the directory's order, with its figures. */
  municipalities: Array<SeriesFigures & { name: { ja: string; en: string } }>;
}

export async function prefectureReport(ctx: ProceduresContext, prefecture: Tenant, query: MonitoringQuery): Promise<PrefectureReport> {
  const months = monthsBetween(query.from, query.to);
  const { tenants } = await ctx.app.tenants.snapshot();
  const municipalities = [...tenants.values()].filter((t) => t.level === 'municipality' && t.prefectureCode === prefecture.lgCode).sort((a, b) => a.sortOrder - b.sortOrder || a.lgCode.localeCompare(b.lgCode));
  const series = await monitoringFigures(ctx.db, { lgCodes: municipalities.map((m) => m.lgCode), ...query });
  return {
    prefectureCode: prefecture.lgCode,
    query,
    months,
    municipalities: municipalities.map((m) => ({ ...(series.find((s) => s.lgCode === m.lgCode && s.procedureCode === null) ?? blank(m.lgCode, null, months)), name: m.name })),
  };
}

// The CSV: one line per series and month, then the series' period total (month empty).
export const CSV_COLUMNS = ['lg_code', 'tenant', 'procedure_code', 'procedure', 'month', 'submitted', 'online', 'counter', 'paper', 'online_share', 'decided', 'approved', 'rejected', 'decision_days_median', 'decision_days_p90', 'returns', 'returned_before_decision', 'return_rate', 'backlog', 'withdrawn'];

function csvLines(tenant: string, s: SeriesFigures, procedure: string): string[] {
  return [...s.months, s.total].map((f) =>
    csvRow([s.lgCode, tenant, s.procedureCode ?? '', procedure, f.month ?? '', f.submitted, f.online, f.counter, f.paper, f.onlineShare, f.decided, f.approved, f.rejected, f.decisionDaysMedian, f.decisionDaysP90, f.returns, f.returnedBeforeDecision, f.returnRate, f.backlog, f.withdrawn]),
  );
}

const ALL = { ja: 'すべての手続', en: 'All procedures' };

export function tenantCsv(report: TenantReport, tenantName: string, locale: Locale): string {
  return [csvRow(CSV_COLUMNS), ...csvLines(tenantName, report.overall, ALL[locale]), ...report.procedures.flatMap((p) => csvLines(tenantName, p, p.title[locale]))].join('');
}

export function prefectureCsv(report: PrefectureReport, procedureTitle: string | undefined, locale: Locale): string {
  return [csvRow(CSV_COLUMNS), ...report.municipalities.flatMap((m) => csvLines(m.name[locale], { ...m, procedureCode: report.query.procedureCode ?? null }, procedureTitle ?? ALL[locale]))].join('');
}

/** The JSON of a series: the figures by month and for the period. */
export const seriesJson = (s: SeriesFigures) => ({ months: s.months, total: s.total });
