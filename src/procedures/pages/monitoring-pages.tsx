// The monitoring pages (EBPM, issue 6 part 7) for staff: a municipality's figures by month and by
// procedure, as charts with the same figures in tables, a CSV download, and the form to record the
// paper applications the system does not see; and, for prefecture staff, the municipalities
// compared. No JavaScript; the filters are GET forms, so a view can be bookmarked and shared.
//   GET  /staff/monitoring[?lgCode=&from=&to=&procedure=]        procedures.read_monitoring (or record_paper_counts: the form only)
//   POST /staff/monitoring/paper-counts                           procedures.record_paper_counts
//   GET  /staff/monitoring/prefecture[?prefecture=&from=&to=&procedure=]   read_monitoring on the prefecture
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors, type FieldProblem, type Localized } from '../../platform/errors.ts';
import type { Locale } from '../../platform/i18n/i18n.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { Table, type TableCellInput } from '../../platform/ui/components/table/table.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { savePaperCount } from '../api/monitoring-api.ts';
import { MONTH, type MonthFigures } from '../monitoring/monitoring-figures.ts';
import { japanMonth, prefectureReport, procedureTitles, readQuery, tenantReport, type MonitoringQuery, type ProcedureTitle } from '../monitoring/monitoring-report.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { ColumnChart, ShareChart } from './monitoring-charts.tsx';

const L = (ja: string, en: string): Localized => ({ ja, en });
const T = {
  title: L('申請の状況（モニタリング）', 'Monitoring of applications'),
  lead: L('手続ごと・月ごと（日本時間）の申請件数、オンライン率、処理日数、差戻し、未処理の件数です。練習用の手続の申請は数えません。', 'Applications per procedure and month (Japan time): how many, the online share, days to a decision, returns and what is still open. Practice applications are never counted.'),
  prefectureTitle: L('市町村の比較（モニタリング）', 'Municipalities compared (monitoring)'),
  prefectureLead: L('県内の市町村の申請の状況を、同じ期間・同じ手続で比べます。', 'The municipalities of the prefecture side by side, for the same period and procedure.'),
  prefectureLink: L('県内の市町村を比べる', 'Compare the municipalities of the prefecture'),
  tenant: L('団体', 'Local government'),
  prefecture: L('都道府県', 'Prefecture'),
  procedure: L('手続', 'Procedure'),
  allProcedures: L('すべての手続', 'All procedures'),
  from: L('開始月', 'First month'),
  to: L('終了月', 'Last month'),
  monthHint: L('例: 2026-04', 'For example 2026-04'),
  show: L('表示する', 'Show'),
  period: L('期間の合計', 'Totals for the period'),
  byMonth: L('月別の数値', 'Figures by month'),
  byProcedure: L('手続別の数値（期間の合計）', 'Figures by procedure (period totals)'),
  byMunicipality: L('市町村別の数値（期間の合計）', 'Figures by municipality (period totals)'),
  csv: L('CSVでダウンロード（Excelで開けます）', 'Download as CSV (opens in Excel)'),
  none: L('この期間に数える申請はありません。期間や手続を変えてみてください。', 'There are no applications to count in this period. Try another period or procedure.'),
  chartApplications: L('月別の申請件数（オンライン・窓口・紙）', 'Applications by month (online, counter, paper)'),
  chartDays: L('月別の処理日数（中央値と90パーセンタイル）', 'Days to a decision by month (median and 90th percentile)'),
  chartShare: L('市町村別のオンライン率', 'Online share by municipality'),
  tableBelow: L('同じ数値を下の表に示します。', 'The table below gives the same figures.'),
  unitCount: L('件', 'apps'),
  unitDays: L('日', 'days'),
  month: L('月', 'Month'),
  submitted: L('申請件数', 'Applications'),
  online: L('オンライン', 'Online'),
  counter: L('窓口（代行入力）', 'Counter (entered by staff)'),
  paper: L('紙', 'Paper'),
  onlineShare: L('オンライン率', 'Online share'),
  decided: L('処理件数', 'Decided'),
  median: L('処理日数（中央値）', 'Days to decision (median)'),
  p90: L('処理日数（90%）', 'Days to decision (90th percentile)'),
  returns: L('差戻し', 'Returns'),
  returnRate: L('差戻し率', 'Return rate'),
  backlog: L('未処理（月末）', 'Open at month end'),
  backlogEnd: L('未処理（期間末）', 'Open at the end'),
  withdrawn: L('取下げ', 'Withdrawn'),
  paperTitle: L('紙の申請件数を記録する', 'Record paper applications'),
  paperLead: L('このシステムを通らなかった申請（紙の申請書、郵送など）の件数を、手続・月ごとに記録します。オンライン率は、これを含めた全体に対する割合です。同じ手続・月をもう一度記録すると、件数を置き換えます。', 'Record how many applications did not come through this system (paper forms, post), per procedure and month. The online share is of all applications, these included. Recording the same procedure and month again replaces the number.'),
  paperMonth: L('月', 'Month'),
  paperCount: L('件数', 'Number of applications'),
  paperSave: L('記録する', 'Record'),
  recorded: L('紙の申請件数を記録しました。', 'The number of paper applications was recorded.'),
};

const percent = (share: number | null, locale: Locale) => (share === null ? '—' : `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(share * 100)}%`);
const days = (value: number | null) => (value === null ? '—' : { content: String(value), numeric: true });
const fieldErrors = (problems: FieldProblem[]): FieldErrors => Object.fromEntries(problems.map((p) => [p.name, p.detail]));

function monthRow(f: MonthFigures, locale: Locale, first: TableCellInput, backlog = true): TableCellInput[] {
  return [first, f.submitted, f.online, f.counter, f.paper, { content: percent(f.onlineShare, locale), numeric: true }, f.decided, days(f.decisionDaysMedian), days(f.decisionDaysP90), f.returns, { content: percent(f.returnRate, locale), numeric: true }, ...(backlog ? [f.backlog] : []), f.withdrawn];
}

const figureHead = (say: (l: Localized) => string, first: Localized, backlog: Localized) => [say(first), say(T.submitted), say(T.online), say(T.counter), say(T.paper), say(T.onlineShare), say(T.decided), say(T.median), say(T.p90), say(T.returns), say(T.returnRate), say(backlog), say(T.withdrawn)];

const isEmpty = (f: MonthFigures) => f.submitted === 0 && f.paper === 0 && f.backlog === 0 && f.decided === 0 && f.withdrawn === 0;

function queryString(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
  return search.toString();
}

export async function monitoringPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { guard, tenants } = ctx.app;

  /** The tenants the staff member may read and record for; 403 with neither. */
  const access = async (request: FastifyRequest, reply: FastifyReply) => {
    const who = requireStaff(request, reply);
    if (!who) return undefined;
    const readable = await guard.tenantsFor(request.actor, 'procedures.read_monitoring');
    const recordable = await guard.tenantsFor(request.actor, 'procedures.record_paper_counts');
    if (readable.size === 0 && recordable.size === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const snapshot = await tenants.snapshot();
    const usable = [...new Set([...readable, ...recordable])].map((c) => snapshot.tenants.get(c)!).filter(Boolean).sort((a, b) => (a.level === b.level ? a.sortOrder - b.sortOrder || a.lgCode.localeCompare(b.lgCode) : a.level === 'prefecture' ? -1 : 1));
    return { who, readable, recordable, usable, snapshot };
  };

  type TenantState = { values?: FormValues; errors?: FieldErrors; done?: boolean };
  const renderTenant = async (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply, state: TenantState = {}) => {
    const allowed = await access(request, reply);
    if (!allowed) return reply;
    const say = (l: Localized) => l[request.locale];
    const { locale } = request;
    const raw = request.query;
    const lgCode = raw.lgCode || (allowed.usable.some((t) => t.lgCode === allowed.who.lgCode) ? allowed.who.lgCode : allowed.usable.find((t) => t.level === 'municipality')?.lgCode ?? allowed.usable[0]!.lgCode);
    // Another tenant's figures: refused, whatever the address says.
    if (!allowed.usable.some((t) => t.lgCode === lgCode)) await guard.assert(request.actor, 'procedures.read_monitoring', lgCode);
    const tenant = allowed.snapshot.tenants.get(lgCode)!;
    const mayRead = allowed.readable.has(lgCode);
    const mayRecord = allowed.recordable.has(lgCode);
    const { query, problems } = readQuery(raw);
    const titles = await procedureTitles(ctx, [lgCode]);
    if (query.procedureCode && !titles.some((t) => t.code === query.procedureCode)) problems.push({ name: 'procedure', in: 'query', detail: { ja: 'この団体にその手続はありません', en: 'This local government has no such procedure' } });
    const filterErrors = fieldErrors(problems);
    const form = formView({ values: state.values ?? {}, errors: { ...filterErrors, ...state.errors } }, locale);
    const report = mayRead && problems.length === 0 ? await tenantReport(ctx, lgCode, query) : undefined;
    const titleOf = (code: string) => titles.find((t) => t.code === code)?.title[locale] ?? code;
    const mayCompare = allowed.usable.some((t) => t.level === 'prefecture' && allowed.readable.has(t.lgCode));
    const link = (extra: Record<string, string | undefined>) => `/staff/monitoring?${queryString({ lgCode, from: query.from, to: query.to, procedure: query.procedureCode, ...extra })}`;
    const csvHref = `/api/v1/monitoring/${lgCode}?${queryString({ from: query.from, to: query.to, procedure: query.procedureCode, format: 'csv' })}`;
    const months = report?.months ?? [];
    const shown = report && (query.procedureCode ? report.procedures[0] : report.overall);
    const status = problems.length ? 400 : form.hasErrors ? 422 : 200;
    return sendPage(reply, { title: say(T.title), status, errorSummary: form.errorSummary, backLink: { href: '/staff' } }, (
      <>
        {state.done && <NotificationBanner type="success">{say(T.recorded)}</NotificationBanner>}
        <h1>{say(T.title)}</h1>
        <p>{say(T.lead)}</p>
        {mayCompare && <p><a href="/staff/monitoring/prefecture">{say(T.prefectureLink)}</a></p>}
        <form method="get" action="/staff/monitoring" class="filter-form">
          {allowed.usable.length > 1 ? <Select label={say(T.tenant)} name="lgCode" value={lgCode} items={allowed.usable.map((t) => ({ value: t.lgCode, text: t.name[locale] }))} /> : <input type="hidden" name="lgCode" value={lgCode} />}
          <Select label={say(T.procedure)} items={[{ value: '', text: say(T.allProcedures) }, ...titles.map((t) => ({ value: t.code, text: t.title[locale] }))]} {...form.field('procedure')} value={raw.procedure ?? ''} />
          <TextInput label={say(T.from)} hint={say(T.monthHint)} width="7" inputmode="numeric" {...form.field('from')} value={raw.from ?? query.from} />
          <TextInput label={say(T.to)} hint={say(T.monthHint)} width="7" inputmode="numeric" {...form.field('to')} value={raw.to ?? query.to} />
          <Button variant="secondary">{say(T.show)}</Button>
        </form>
        {report && shown === undefined && <p class="empty-state">{say(T.none)}</p>}
        {report && shown && (
          <>
            <h2>{`${tenant.name[locale]} ${query.procedureCode ? titleOf(query.procedureCode) : say(T.allProcedures)}（${query.from} – ${query.to}）`}</h2>
            {isEmpty(shown.total) && shown.months.every(isEmpty) ? <p class="empty-state">{say(T.none)}</p> : (
              <>
                <Table id="period" caption={say(T.period)} captionSize="s" head={figureHead(say, L('期間', 'Period'), T.backlogEnd)} rows={[monthRow(shown.total, locale, `${query.from} – ${query.to}`)]} />
                <div class="chart-row">
                  <ColumnChart
                    id="chart-applications" title={say(T.chartApplications)} unit={say(T.unitCount)} stacked categories={months}
                    description={`${say(T.tableBelow)} ${months.map((m, i) => `${m}: ${shown.months[i]!.submitted + shown.months[i]!.paper}`).join(', ')}`}
                    series={[
                      { name: say(T.online), look: 'solid', values: shown.months.map((m) => m.online) },
                      { name: say(T.counter), look: 'hatched', values: shown.months.map((m) => m.counter) },
                      { name: say(T.paper), look: 'light', values: shown.months.map((m) => m.paper) },
                    ]}
                  />
                  <ColumnChart
                    id="chart-days" title={say(T.chartDays)} unit={say(T.unitDays)} stacked={false} categories={months}
                    description={`${say(T.tableBelow)} ${months.map((m, i) => `${m}: ${shown.months[i]!.decisionDaysMedian ?? '—'} / ${shown.months[i]!.decisionDaysP90 ?? '—'}`).join(', ')}`}
                    series={[
                      { name: say(T.median), look: 'solid', values: shown.months.map((m) => m.decisionDaysMedian) },
                      { name: say(T.p90), look: 'hatched', values: shown.months.map((m) => m.decisionDaysP90) },
                    ]}
                  />
                </div>
                <Table id="months" caption={say(T.byMonth)} captionSize="s" firstCellIsHeader head={figureHead(say, T.month, T.backlog)} rows={shown.months.map((f) => monthRow(f, locale, f.month!))} />
              </>
            )}
            {!query.procedureCode && report.procedures.length > 0 && (
              <Table id="procedures" caption={say(T.byProcedure)} captionSize="s" firstCellIsHeader head={figureHead(say, T.procedure, T.backlogEnd)} rows={report.procedures.map((p) => monthRow(p.total, locale, { content: <a href={link({ procedure: p.procedureCode! })}>{p.title[locale]}</a> }))} />
            )}
            <p><a href={csvHref} download>{say(T.csv)}</a></p>
          </>
        )}
        {mayRecord && <PaperCountForm say={say} csrf={pageCsrfToken(reply)} lgCode={lgCode} titles={titles} form={form} locale={locale} query={query} />}
      </>
    ));
  };

  app.get<{ Querystring: Record<string, string | undefined> }>('/staff/monitoring', async (request, reply) => renderTenant(request, reply, { done: request.query.done === 'recorded' }));

  app.post<{ Querystring: Record<string, string | undefined> }>('/staff/monitoring/paper-counts', { preHandler: app.csrfProtection }, async (request, reply) => {
    const allowed = await access(request, reply);
    if (!allowed) return reply;
    const values = formValues(request.body);
    const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).normalize('NFKC').trim() : '');
    const lgCode = text('lgCode');
    await guard.assert(request.actor, 'procedures.record_paper_counts', lgCode);
    const titles = await procedureTitles(ctx, [lgCode]);
    const errors: FieldErrors = {};
    if (!titles.some((t) => t.code === text('paperProcedure'))) errors.paperProcedure = L('手続を選んでください', 'Choose the procedure');
    if (!MONTH.test(text('paperMonth'))) errors.paperMonth = L('月は YYYY-MM の形で入力してください（例: 2026-04）', 'Enter the month as YYYY-MM (e.g. 2026-04)');
    else if (text('paperMonth') > japanMonth()) errors.paperMonth = L('これから先の月は記録できません', 'A month in the future cannot be recorded');
    if (!/^[0-9]{1,7}$/.test(text('paperCount')) || Number(text('paperCount')) > 1_000_000) errors.paperCount = L('件数は0から1,000,000までの整数で入力してください', 'Enter the number as a whole number from 0 to 1,000,000');
    // Back to the same view: the filters travel in the form's address.
    request.query = { ...request.query, lgCode };
    if (Object.keys(errors).length) return renderTenant(request, reply, { values, errors });
    await savePaperCount(ctx, request, { lgCode, procedureCode: text('paperProcedure'), month: text('paperMonth'), count: Number(text('paperCount')) });
    return reply.redirect(`/staff/monitoring?${queryString({ ...request.query, done: 'recorded' })}`, 303);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/staff/monitoring/prefecture', async (request, reply) => {
    const allowed = await access(request, reply);
    if (!allowed) return reply;
    const say = (l: Localized) => l[request.locale];
    const { locale } = request;
    const prefectures = allowed.usable.filter((t) => t.level === 'prefecture' && allowed.readable.has(t.lgCode));
    const code = request.query.prefecture || prefectures[0]?.lgCode;
    const prefecture = prefectures.find((p) => p.lgCode === code);
    if (!prefecture) {
      if (code) await guard.assert(request.actor, 'procedures.read_monitoring', code);
      throw new AppError(PlatformErrors.FORBIDDEN, { detail: L('市町村の比較は、県の職員（県全体の権限）だけが見られます', 'Only prefecture staff (with a prefecture-wide role) can compare the municipalities') });
    }
    const { query, problems } = readQuery(request.query);
    const municipalityCodes = [...allowed.snapshot.tenants.values()].filter((t) => t.level === 'municipality' && t.prefectureCode === prefecture.lgCode).map((t) => t.lgCode);
    const titles = uniqueByCode(await procedureTitles(ctx, municipalityCodes));
    if (query.procedureCode && !titles.some((t) => t.code === query.procedureCode)) problems.push({ name: 'procedure', in: 'query', detail: { ja: '県内の市町村にその手続はありません', en: 'No municipality of the prefecture has such a procedure' } });
    const form = formView({ values: {}, errors: fieldErrors(problems) }, locale);
    const report = problems.length === 0 ? await prefectureReport(ctx, prefecture, query) : undefined;
    const csvHref = `/api/v1/monitoring?${queryString({ prefecture: prefecture.lgCode, from: query.from, to: query.to, procedure: query.procedureCode, format: 'csv' })}`;
    const active = report?.municipalities.filter((m) => !isEmpty(m.total)) ?? [];
    const quiet = report?.municipalities.filter((m) => isEmpty(m.total)) ?? [];
    const municipalityHref = (lgCode: string) => `/staff/monitoring?${queryString({ lgCode, from: query.from, to: query.to, procedure: query.procedureCode })}`;
    return sendPage(reply, { title: say(T.prefectureTitle), status: problems.length ? 400 : 200, errorSummary: form.errorSummary, backLink: { href: '/staff/monitoring' } }, (
      <>
        <h1>{say(T.prefectureTitle)}</h1>
        <p>{say(T.prefectureLead)} {say(T.lead)}</p>
        <form method="get" action="/staff/monitoring/prefecture" class="filter-form">
          {prefectures.length > 1 ? <Select label={say(T.prefecture)} name="prefecture" value={prefecture.lgCode} items={prefectures.map((t) => ({ value: t.lgCode, text: t.name[locale] }))} /> : <input type="hidden" name="prefecture" value={prefecture.lgCode} />}
          <Select label={say(T.procedure)} items={[{ value: '', text: say(T.allProcedures) }, ...titles.map((t) => ({ value: t.code, text: t.title[locale] }))]} {...form.field('procedure')} value={request.query.procedure ?? ''} />
          <TextInput label={say(T.from)} hint={say(T.monthHint)} width="7" inputmode="numeric" {...form.field('from')} value={request.query.from ?? query.from} />
          <TextInput label={say(T.to)} hint={say(T.monthHint)} width="7" inputmode="numeric" {...form.field('to')} value={request.query.to ?? query.to} />
          <Button variant="secondary">{say(T.show)}</Button>
        </form>
        {report && (
          <>
            <h2>{`${prefecture.name[locale]} ${query.procedureCode ? titles.find((t) => t.code === query.procedureCode)!.title[locale] : say(T.allProcedures)}（${query.from} – ${query.to}）`}</h2>
            {active.length === 0 ? <p class="empty-state">{say(T.none)}</p> : (
              <ShareChart
                id="chart-share" title={say(T.chartShare)}
                description={`${say(T.tableBelow)} ${active.map((m) => `${m.name[locale]}: ${percent(m.total.onlineShare, locale)}`).join(', ')}`}
                rows={active.map((m) => ({ label: m.name[locale], share: m.total.onlineShare, note: `${percent(m.total.onlineShare, locale)}（${m.total.submitted + m.total.paper}${say(T.unitCount)}）` }))}
              />
            )}
            {active.length > 0 && (
              <Table
                id="municipalities" caption={say(T.byMunicipality)} captionSize="s" firstCellIsHeader head={figureHead(say, L('市町村', 'Municipality'), T.backlogEnd)}
                rows={active.map((m) => monthRow(m.total, locale, { content: <a href={municipalityHref(m.lgCode)}>{m.name[locale]}</a> }))}
              />
            )}
            {quiet.length > 0 && (
              <p>
                {say(L(`この期間に数える申請がない市町村（${quiet.length}）: `, `Municipalities with nothing to count in this period (${quiet.length}): `))}
                {quiet.map((m, i) => <>{i > 0 && say(L('、', ', '))}<a href={municipalityHref(m.lgCode)}>{m.name[locale]}</a></>)}
              </p>
            )}
            <p><a href={csvHref} download>{say(T.csv)}</a></p>
          </>
        )}
      </>
    ));
  });
}

/** Municipalities share procedure codes (standardised procedures): one entry per code. */
function uniqueByCode(titles: ProcedureTitle[]): ProcedureTitle[] {
  const seen = new Map<string, ProcedureTitle>();
  for (const t of titles) if (!seen.has(t.code)) seen.set(t.code, t);
  return [...seen.values()].sort((a, b) => a.title.ja.localeCompare(b.title.ja, 'ja'));
}

function PaperCountForm(props: { say: (l: Localized) => string; csrf: string; lgCode: string; titles: ProcedureTitle[]; form: ReturnType<typeof formView>; locale: Locale; query: MonitoringQuery }) {
  const { say, form } = props;
  const back = queryString({ from: props.query.from, to: props.query.to, procedure: props.query.procedureCode });
  return (
    <section aria-labelledby="paper-title">
      <h2 id="paper-title">{say(T.paperTitle)}</h2>
      <p>{say(T.paperLead)}</p>
      <form method="post" action={`/staff/monitoring/paper-counts${back ? `?${back}` : ''}`} novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="lgCode" value={props.lgCode} />
        <Select label={say(T.procedure)} items={[{ value: '', text: '' }, ...props.titles.map((t) => ({ value: t.code, text: t.title[props.locale] }))]} {...form.field('paperProcedure')} />
        <TextInput label={say(T.paperMonth)} hint={say(T.monthHint)} width="7" inputmode="numeric" {...form.field('paperMonth')} />
        <TextInput label={say(T.paperCount)} width="7" inputmode="numeric" suffix={say(T.unitCount)} {...form.field('paperCount')} />
        <Button>{say(T.paperSave)}</Button>
      </form>
    </section>
  );
}
