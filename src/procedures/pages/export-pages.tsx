// The standard export for staff without API tools (procedures.export_applications): choose the
// procedure, the period, the statuses and the format; a checked choice is sent on to the export
// API (the staff session opens it), which streams the file and audits the export.
//   GET /staff/procedures/export[?procedure=<lgCode>/<code>&from=&to=&status=…&format=]
import type { FastifyInstance } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formView, type FieldErrors } from '../../platform/ui/form-errors.ts';
import { sendPage } from '../../platform/ui/render.tsx';
import { readFilter } from '../api/export-api.ts';
import { EXPORTABLE_STATUSES } from '../applications/standard-export.ts';
import { procedureTitles } from '../monitoring/monitoring-report.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { STATUS } from './my-applications-pages.tsx';

const L = (ja: string, en: string): Localized => ({ ja, en });
type Query = { procedure?: string; from?: string; to?: string; status?: string | string[]; format?: string };

export async function exportPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  app.get<{ Querystring: Query }>('/staff/procedures/export', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const tenants = [...(await ctx.app.guard.tenantsFor(request.actor, 'procedures.export_applications'))];
    if (tenants.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const say = (l: Localized) => l[request.locale];
    const { locale } = request;
    const snapshot = await ctx.app.tenants.snapshot();
    const procedures = await procedureTitles(ctx, tenants);
    const q = request.query;
    const statuses = [q.status ?? []].flat();
    const values = { procedure: q.procedure ?? '', from: q.from ?? '', to: q.to ?? '', status: statuses, format: q.format ?? 'csv' };
    const errors: FieldErrors = {};
    if (q.procedure !== undefined) {
      // The form was sent: check it, then hand over to the API, which streams and audits.
      const chosen = procedures.find((p) => `${p.lgCode}/${p.code}` === q.procedure);
      if (!chosen) errors.procedure = L('手続を選んでください', 'Choose the procedure');
      if (statuses.length === 0) errors.status = L('出力する状態を一つ以上選んでください', 'Choose at least one status to export');
      if (!['csv', 'json'].includes(values.format)) errors.format = L('形式を選んでください', 'Choose the format');
      const query = { ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), ...(statuses.length ? { status: statuses.join(',') } : {}) };
      try {
        readFilter(chosen?.lgCode ?? '000000', chosen?.code ?? 'x', query);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        for (const p of error.problems) errors[p.name] ??= p.detail;
      }
      if (Object.keys(errors).length === 0) {
        const search = new URLSearchParams({ format: values.format, ...query });
        return reply.redirect(`/api/v1/procedures/${chosen!.lgCode}/${chosen!.code}/applications/export?${search}`, 303);
      }
    }
    const form = formView({ values, errors }, locale);
    const title = say(L('申請データの出力（標準形式）', 'Export applications (standard format)'));
    return sendPage(reply, { title, status: form.hasErrors ? 400 : 200, errorSummary: form.errorSummary, backLink: { href: '/staff' } }, (
      <>
        <h1>{title}</h1>
        <p>{say(L('手続ごとに、申請と入力内容を標準の形式（CSV または JSON）で出力します。基幹系システムへの取込みや、別の事業者への移行に使えます。列と項目の意味は「標準出力」の説明書にあります。', 'Export a procedure’s applications and answers in the standard format (CSV or JSON), to load into a core system or to move to another vendor. The columns are described in the standard export documentation.'))}</p>
        <WarningText>{say(L('出力するファイルには個人情報が含まれます。出力は監査ログに記録されます。業務に必要な範囲で出力し、取扱いの規程に従って管理してください。', 'The file holds personal data. Every export is recorded in the audit log. Export only what your work needs and keep it as your rules require.'))}</WarningText>
        <form method="get" action="/staff/procedures/export" novalidate>
          <Select label={say(L('手続', 'Procedure'))} items={[{ value: '', text: '' }, ...procedures.map((p) => ({ value: `${p.lgCode}/${p.code}`, text: tenants.length > 1 ? `${snapshot.tenants.get(p.lgCode)?.name[locale] ?? p.lgCode} ${p.title[locale]}` : p.title[locale] }))]} {...form.field('procedure')} />
          <TextInput type="date" width="10" label={say(L('申請日（から）', 'Submitted from'))} hint={say(L('日本時間の日付。空欄なら最初から', 'A date in Japan time; empty for from the start'))} {...form.field('from')} />
          <TextInput type="date" width="10" label={say(L('申請日（まで）', 'Submitted until'))} hint={say(L('この日を含みます。空欄なら今日まで', 'This day included; empty for up to today'))} {...form.field('to')} />
          <Checkboxes legend={say(L('状態', 'Status'))} legendSize="s" small items={EXPORTABLE_STATUSES.map((s) => ({ value: s, text: STATUS[s][locale] }))} {...form.choices('status')} values={q.procedure === undefined ? ['approved', 'rejected'] : statuses} />
          <Radios legend={say(L('形式', 'Format'))} legendSize="s" inline small items={[{ value: 'csv', text: say(L('CSV（Excelで開けます）', 'CSV (opens in Excel)')) }, { value: 'json', text: 'JSON' }]} {...form.field('format')} value={values.format} />
          <Button>{say(L('出力する', 'Export'))}</Button>
        </form>
      </>
    ));
  });
}
