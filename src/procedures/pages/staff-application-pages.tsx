// The review UI (issue 6 part 4): a department's queue and one application, for staff.
//   GET  /staff/applications                               the queue: filters, search, pages
//   GET  /staff/applications/{lgCode}/{id}                 answers, attachments, changes, history, actions
//   POST /staff/applications/{lgCode}/{id}/decide          receive | check | approve | return | reject
//   POST /staff/applications/{lgCode}/{id}/assign          to a member of the stage's department
//   POST /staff/applications/{lgCode}/{id}/comment         a note for colleagues
//   GET  /staff/applications/{lgCode}/{id}/files/{key}     an attachment, as a download
//   GET  /staff/applications/{lgCode}/{id}/replaced-files/{seq}   an attachment replaced on a correction
// Every form carries the CSRF token and the version the page showed: a decision someone else
// made first is reported on the page (409), never applied on top. No JavaScript needed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { formatDate, formatDateTime, todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Pagination } from '../../platform/ui/components/pagination/pagination.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { Textarea } from '../../platform/ui/components/textarea/textarea.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { listAttachments, listReplacedAttachments, openAttachment, openReplacedAttachment } from '../applications/attachments.ts';
import { ApplicationStore } from '../applications/application-store.ts';
import { findDepartment, findProcedure } from '../catalog/catalog-store.ts';
import type { ApplicationStatus, WorkAction } from '../db/schema.ts';
import { findVersion } from '../forms/form-store.ts';
import type { AnswerValue } from '../forms/answer-engine.ts';
import type { ResolvedDefinition, ResolvedField } from '../forms/form-definition.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { assign, comment, decide, decisionsAt, historyOf, loadForStaff, MAX_COMMENT, type Change, type Decision } from '../workflow/decisions.ts';
import { listMembers } from '../workflow/memberships.ts';
import { listQueue, QUEUE_STATUSES, type QueueFilter, type QueueStatus } from '../workflow/queue.ts';
import { stageName } from '../workflow/routing.ts';
import { applicantNameOf, mayAct, staffScopeOf, type StaffScope } from '../workflow/work-store.ts';
import { AnswersList, formatAnswer } from './form-answers-view.tsx';
import { say } from './application-pages.tsx';
import { STATUS } from './my-applications-pages.tsx';

const PAGE_SIZE = 20;

const QUEUE_STATUS_LABEL: Record<QueueStatus, Localized> = {
  active: { ja: '処理待ち（受付待ち・審査中・再申請）', en: 'To process (new, in progress, resubmitted)' },
  returned: { ja: '差戻し中（申請者の修正待ち）', en: 'Returned (waiting for the applicant)' },
  approved: { ja: '承認', en: 'Approved' },
  rejected: { ja: '却下', en: 'Rejected' },
  withdrawn: { ja: '取下げ', en: 'Withdrawn' },
  all: { ja: 'すべて', en: 'All' },
};

export const ACTION_LABEL: Record<WorkAction, Localized> = {
  received: { ja: '受付', en: 'Received' },
  checked: { ja: '審査完了', en: 'Checked' },
  approved: { ja: '決裁（承認）', en: 'Approved' },
  returned: { ja: '差戻し', en: 'Returned for correction' },
  resubmitted: { ja: '再申請（申請者）', en: 'Resubmitted by the applicant' },
  rejected: { ja: '却下', en: 'Rejected' },
  assigned: { ja: '担当者の割当', en: 'Assigned' },
  commented: { ja: 'コメント', en: 'Comment' },
  issued: { ja: '文書の発行', en: 'Document issued' },
};

const DECISION_BUTTON: Record<'receive' | 'check' | 'approve', Localized> = {
  receive: { ja: '受け付ける', en: 'Receive' },
  check: { ja: '審査を完了して決裁に回す', en: 'Finish the check and send for approval' },
  approve: { ja: '決裁する（承認）', en: 'Approve' },
};

const statusTone = (status: ApplicationStatus) => (status === 'returned' ? 'warning' : status === 'approved' ? 'success' : status === 'rejected' || status === 'withdrawn' ? 'neutral' : 'info');

type Key = { lgCode: string; id: string };

export async function staffApplicationPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);
  const scopeFor = async (request: FastifyRequest, reply: FastifyReply): Promise<StaffScope | undefined> => {
    if (!requireStaff(request, reply)) return undefined;
    return staffScopeOf(ctx.app, ctx.db, request.actor);
  };
  const departmentName = async (lgCode: string, code: string, locale: 'ja' | 'en') => (await findDepartment(ctx.db, lgCode, code))?.name[locale] ?? code;
  const procedureTitle = async (lgCode: string, code: string, locale: 'ja' | 'en') => (await findProcedure(ctx.db, lgCode, code))?.title[locale] ?? code;

  type Query = { department?: string; status?: string; procedure?: string; options?: string | string[]; q?: string; page?: string };
  app.get<{ Querystring: Query }>('/staff/applications', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const { locale } = request;
    const q = request.query;
    const errors: FieldErrors = {};
    const departmentKeys = scope.departments.map((d) => `${d.lgCode}/${d.code}`);
    if (q.department && !departmentKeys.includes(q.department)) errors['department'] = { ja: '所属する担当課から選んでください', en: 'Choose one of your departments' };
    if (q.status && !(QUEUE_STATUSES as readonly string[]).includes(q.status)) errors['status'] = { ja: '状況を一覧から選んでください', en: 'Choose a status from the list' };
    if (q.procedure && !/^[0-9]{6}\/[a-z][a-z0-9-]{1,60}$/.test(q.procedure)) errors['procedure'] = { ja: '手続を一覧から選んでください', en: 'Choose a procedure from the list' };
    if (q.q && q.q.length > 100) errors['q'] = { ja: '検索語は100文字以内で入力してください', en: 'Keep the search to 100 characters' };
    const page = q.page && /^[1-9][0-9]{0,3}$/.test(q.page) ? Number(q.page) : 1;
    const options = [q.options ?? []].flat();
    const view = formView({ values: q as FormValues, errors }, locale);
    const filter: QueueFilter = {
      status: (view.hasErrors ? 'active' : (q.status as QueueStatus | undefined)) ?? 'active', overdue: options.includes('overdue'), mine: options.includes('mine'), page, pageSize: PAGE_SIZE,
      ...(!view.hasErrors && q.department ? { department: q.department } : {}), ...(!view.hasErrors && q.procedure ? { procedure: q.procedure } : {}), ...(!view.hasErrors && q.q?.trim() ? { q: q.q.trim() } : {}),
    };
    const today = todayInJapanIso();
    const { rows, total } = await listQueue(ctx.db, store, scope, filter, today);
    // The procedures routed to the person's departments, for the filter.
    const procedureKeys = scope.departments.length ? await ctx.db.selectFrom('procedures_application_work').select(['lg_code', 'procedure_code']).distinct()
      .where((eb) => eb.or(scope.departments.map((d) => eb.and([eb('lg_code', '=', d.lgCode), eb('department_code', '=', d.code)])))).orderBy('lg_code').orderBy('procedure_code').limit(200).execute() : [];
    const title = say(request, { ja: '申請の処理', en: 'Applications to process' });
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const queryWith = (n: number) => {
      const params = new URLSearchParams(Object.entries({ ...q, page: String(n) }).flatMap(([k, v]) => [v ?? []].flat().filter((x) => x !== '').map((x) => [k, x])));
      return `/staff/applications?${params.toString()}`;
    };
    const tableRows = await Promise.all(rows.map(async (r) => [
      { content: <a href={`/staff/applications/${r.lgCode}/${r.id}`}>{r.receiptNumber}</a> },
      r.applicantName || say(request, { ja: '（氏名の回答なし）', en: '(no name given)' }),
      await procedureTitle(r.lgCode, r.procedureCode, locale),
      `${stageName(r.stages, r.stageIndex, locale)}（${await departmentName(r.lgCode, r.departmentCode, locale)}）`,
      r.assigneeName ?? say(request, { ja: '未割当', en: 'Unassigned' }),
      { content: <>{formatDate(new Date(`${r.dueOn}T00:00:00+09:00`), locale)}{r.overdue && <> <Tag tone="error">{say(request, { ja: '期限超過', en: 'Overdue' })}</Tag></>}</> },
      { content: <><Tag tone={statusTone(r.status)}>{STATUS[r.status][locale]}</Tag>{r.waiting && <> <Tag tone="neutral">{say(request, { ja: '先の手続の決定待ち', en: 'Waiting for another procedure' })}</Tag></>}</> },
    ]));
    return sendPage(reply, { title, backLink: { href: '/staff' }, errorSummary: view.errorSummary, status: view.hasErrors ? 400 : 200 }, (
      <>
        <h1>{title}</h1>
        {scope.departments.length === 0 ? (
          <p>{say(request, { ja: 'どの担当課にも所属していないため、処理する申請はありません。団体管理者に担当課への登録を依頼してください。', en: 'You do not belong to any department, so there is nothing to process. Ask your municipal administrator to add you to your department.' })}</p>
        ) : (
          <>
            <form method="get" action="/staff/applications" class="filters" role="search" aria-label={say(request, { ja: '申請の絞り込み', en: 'Filter applications' })}>
              <TextInput {...view.field('q')} type="search" label={say(request, { ja: '受付番号または申請者の氏名で検索', en: 'Search by receipt number or applicant name' })} hint={say(request, { ja: '例：072028-20261203-000042、會津 花子、アイヅ', en: 'For example 072028-20261203-000042 or 會津 花子' })} />
              <Select {...view.field('department')} label={say(request, { ja: '担当課', en: 'Department' })} items={[{ value: '', text: say(request, { ja: '所属するすべての担当課', en: 'All my departments' }) }, ...(await Promise.all(scope.departments.map(async (d) => ({ value: `${d.lgCode}/${d.code}`, text: `${(await ctx.app.tenants.get(d.lgCode))?.name[locale] ?? d.lgCode} ${await departmentName(d.lgCode, d.code, locale)}` }))))]} />
              <Select {...view.field('status')} value={filter.status} label={say(request, { ja: '状況', en: 'Status' })} items={QUEUE_STATUSES.map((s) => ({ value: s, text: QUEUE_STATUS_LABEL[s][locale] }))} />
              <Select {...view.field('procedure')} label={say(request, { ja: '手続', en: 'Procedure' })} items={[{ value: '', text: say(request, { ja: 'すべての手続', en: 'All procedures' }) }, ...(await Promise.all(procedureKeys.map(async (p) => ({ value: `${p.lg_code}/${p.procedure_code}`, text: await procedureTitle(p.lg_code, p.procedure_code, locale) }))))]} />
              <Checkboxes name="options" legend={say(request, { ja: '条件', en: 'Options' })} legendSize="s" small values={[...(filter.overdue ? ['overdue'] : []), ...(filter.mine ? ['mine'] : [])]}
                items={[{ value: 'overdue', text: say(request, { ja: '期限を過ぎたものだけ', en: 'Overdue only' }) }, { value: 'mine', text: say(request, { ja: '自分が担当のものだけ', en: 'Assigned to me only' }) }]} />
              <Button>{say(request, { ja: '絞り込む', en: 'Filter' })}</Button>
            </form>
            {rows.length ? (
              <>
                <Table id="queue" caption={say(request, { ja: `${total}件（期限の近い順）`, en: `${total} application(s), earliest due first` })} captionSize="s"
                  head={[say(request, { ja: '受付番号', en: 'Receipt number' }), say(request, { ja: '申請者', en: 'Applicant' }), say(request, { ja: '手続', en: 'Procedure' }), say(request, { ja: '段階（担当課）', en: 'Stage (department)' }), say(request, { ja: '担当者', en: 'Assigned to' }), say(request, { ja: '期限', en: 'Due' }), say(request, { ja: '状況', en: 'Status' })]}
                  rows={tableRows} />
                {pages > 1 && <Pagination current={Math.min(page, pages)} total={pages} href={queryWith} />}
              </>
            ) : (
              <p>{say(request, { ja: '条件に合う申請はありません。条件を変えるか、状況を「すべて」にしてみてください。', en: 'No applications match. Change the filters or choose the status "All".' })}</p>
            )}
          </>
        )}
      </>
    ));
  });

  interface DetailState {
    errors?: FieldErrors;
    values?: FormValues;
    banner?: { type: 'info' | 'success'; text: Localized };
    status?: number;
  }

  const renderDetail = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply, scope: StaffScope, state: DetailState = {}) => {
    const { locale, t } = request;
    const { work, application } = await loadForStaff(ctx, scope, request.params.lgCode, request.params.id);
    const version = await findVersion(ctx.db, application.lgCode, { id: application.formVersionId });
    const definition = version!.definition;
    const answers = application.own.answers ?? {};
    const procedure = await procedureTitle(application.lgCode, application.procedureCode, locale);
    const acting = await mayAct(ctx.app, request.actor, scope, work);
    const actions = acting ? decisionsAt(work, application.status, work.waiting) : [];
    const history = await historyOf(ctx, work);
    const lastChanges = [...history].reverse().find((h) => h.action === 'resubmitted')?.changes;
    const files = await listAttachments(ctx.db, application);
    const earlierFiles = await listReplacedAttachments(ctx.db, application);
    const stage = work.stages[work.stageIndex];
    const members = stage ? await listMembers(ctx.db, work.lgCode, stage.departmentCode) : [];
    const events = await ctx.db.selectFrom('procedures_application_events').select(['from_status', 'to_status', 'occurred_at']).where('lg_code', '=', work.lgCode).where('application_id', '=', work.applicationId).orderBy('seq').execute();
    const csrf = pageCsrfToken(reply);
    const view = formView({ values: state.values ?? {}, errors: state.errors ?? {} }, locale);
    const base = `/staff/applications/${work.lgCode}/${work.applicationId}`;
    const fields = definition.pages.flatMap((p) => p.fields).filter((f) => f.key in answers);
    const title = `${procedure} ${application.receiptNumber}`;
    const today = todayInJapanIso();
    const overdue = ['submitted', 'received', 'resubmitted'].includes(application.status) && work.dueOn < today && !work.waiting;
    const hidden = <><input type="hidden" name="_csrf" value={csrf} /><input type="hidden" name="version" value={String(work.version)} /></>;
    const historyRows = [
      ...events.map((e) => ({ at: e.occurred_at, row: [formatDateTime(e.occurred_at, locale), say(request, { ja: '状況の変更', en: 'Status changed' }), `${e.from_status ? STATUS[e.from_status as ApplicationStatus]?.[locale] ?? e.from_status : '—'} → ${STATUS[e.to_status as ApplicationStatus]?.[locale] ?? e.to_status}`, ''] })),
      ...history.map((h) => ({ at: h.at, row: [formatDateTime(h.at, locale), ACTION_LABEL[h.action][locale], { content: <>{h.action === 'returned' ? <ul>{(h.reasons ?? []).map((r) => <li>{fieldLabel(definition, r.field, locale)}：{r.reason}</li>)}</ul> : h.action === 'resubmitted' ? say(request, { ja: `${h.changes?.length ?? 0}項目を修正`, en: `${h.changes?.length ?? 0} answer(s) changed` }) : h.note}{h.action !== 'resubmitted' && h.action !== 'commented' && h.action !== 'assigned' && h.action !== 'issued' ? ` [${stageName(work.stages, h.stageIndex, locale)}]` : ''}</> }, h.actorName] })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime()).map((x) => x.row);

    return sendPage(reply, { title, status: state.status ?? (view.hasErrors ? 422 : 200), errorSummary: view.errorSummary, backLink: { href: '/staff/applications', text: say(request, { ja: '申請の一覧に戻る', en: 'Back to the queue' }) } }, (
      <>
        {state.banner && <NotificationBanner type={state.banner.type}><p class="notification-banner__heading">{state.banner.text[locale]}</p></NotificationBanner>}
        <span class="caption-l">{application.receiptNumber}</span>
        <h1>{procedure}</h1>
        <nav aria-label={say(request, { ja: 'このページの内容', en: 'On this page' })}>
          <ul class="list-inline">
            {actions.length > 0 && <li><a href="#decide">{say(request, { ja: '処理', en: 'Decide' })}</a></li>}
            <li><a href="#answers">{say(request, { ja: '申請内容', en: 'Answers' })}</a></li>
            <li><a href="#history">{say(request, { ja: '履歴', en: 'History' })}</a></li>
            <li><a href="#comments">{say(request, { ja: 'コメント', en: 'Comments' })}</a></li>
          </ul>
        </nav>
        <SummaryList rows={[
          { key: say(request, { ja: '状況', en: 'Status' }), value: <><Tag tone={statusTone(application.status)}>{STATUS[application.status][locale]}</Tag>{overdue && <> <Tag tone="error">{say(request, { ja: '期限超過', en: 'Overdue' })}</Tag></>}</> },
          { key: say(request, { ja: '申請者', en: 'Applicant' }), value: applicantNameOf(application.own, definition) || '—' },
          { key: say(request, { ja: '申請日時', en: 'Submitted' }), value: application.submittedAt ? formatDateTime(application.submittedAt, locale) : '—' },
          { key: t('procedures.assist.channelLabel'), value: application.channel === 'counter' ? t('procedures.assist.channel') : t('procedures.channel.portal') },
          { key: say(request, { ja: '段階', en: 'Stage' }), value: `${stageName(work.stages, work.stageIndex, locale)}${stage ? `（${await departmentName(work.lgCode, stage.departmentCode, locale)}）` : ''}` },
          { key: say(request, { ja: 'この段階の期限', en: 'Due at this stage' }), value: stage ? formatDate(new Date(`${work.dueOn}T00:00:00+09:00`), locale) : '—' },
          { key: say(request, { ja: '担当者', en: 'Assigned to' }), value: work.assigneeName ?? say(request, { ja: '未割当', en: 'Unassigned' }) },
        ]} />
        {work.waiting && <WarningText>{say(request, { ja: '一緒に申請された先の手続の決定を待っています。決定されるまで処理できません。', en: 'This waits for the decision on a procedure applied for with it; it cannot be processed before.' })}</WarningText>}

        {actions.length > 0 && (
          <section aria-labelledby="decide">
            <h2 id="decide" tabindex={-1}>{say(request, { ja: '処理', en: 'Decide' })}</h2>
            {actions.filter((a): a is 'receive' | 'check' | 'approve' => a === 'receive' || a === 'check' || a === 'approve').map((a) => (
              <form method="post" action={`${base}/decide`}>
                {hidden}
                <input type="hidden" name="action" value={a} />
                <Button>{a === 'approve' && work.stageIndex === work.stages.length - 1 ? say(request, { ja: '最終決裁する（承認）', en: 'Give the final approval' }) : DECISION_BUTTON[a][locale]}</Button>
              </form>
            ))}
            <details class="details" open={Boolean(state.values?.['action'] === 'return')}>
              <summary class="details__summary"><span class="details__summary-text">{say(request, { ja: '差し戻す（修正を依頼する）', en: 'Return for correction' })}</span></summary>
              <div class="details__text">
                <form method="post" action={`${base}/decide`}>
                  {hidden}
                  <input type="hidden" name="action" value="return" />
                  <p>{say(request, { ja: '修正してほしい項目に理由を書いてください。書いた項目だけが申請者に示されます。', en: 'Write a reason next to each answer to correct. Only those are shown to the applicant.' })}</p>
                  {fields.map((f) => (
                    <Textarea {...view.field(`reason-${f.key}`)} rows={2} label={`${f.label[locale]}（${say(request, { ja: '回答', en: 'answer' })}：${formatAnswer(f, answers[f.key], locale, t).slice(0, 80)}）`} />
                  ))}
                  <Textarea {...view.field('reason-general')} rows={3} label={say(request, { ja: '申請全体についての理由（任意）', en: 'About the application as a whole (optional)' })} />
                  <Button variant="warning">{say(request, { ja: '差し戻す', en: 'Return for correction' })}</Button>
                </form>
              </div>
            </details>
            <details class="details" open={Boolean(state.values?.['action'] === 'reject')}>
              <summary class="details__summary"><span class="details__summary-text">{say(request, { ja: '却下する', en: 'Reject' })}</span></summary>
              <div class="details__text">
                <form method="post" action={`${base}/decide`}>
                  {hidden}
                  <input type="hidden" name="action" value="reject" />
                  <Textarea {...view.field('reason')} rows={3} label={say(request, { ja: '却下の理由（申請者に通知されます）', en: 'Reason for rejecting (sent to the applicant)' })} />
                  <Button variant="warning">{say(request, { ja: '却下する', en: 'Reject' })}</Button>
                </form>
              </div>
            </details>
          </section>
        )}

        {stage && ['submitted', 'received', 'resubmitted', 'returned'].includes(application.status) && members.some((m) => m.principalId === scope.principalId) && (
          <form method="post" action={`${base}/assign`}>
            {hidden}
            <Select {...view.field('assignee')} value={work.assignee ?? ''} label={say(request, { ja: '担当者', en: 'Assign to' })} items={[{ value: '', text: say(request, { ja: '未割当', en: 'Nobody' }) }, ...members.map((m) => ({ value: m.principalId, text: m.principalId === scope.principalId ? `${m.displayName}（${say(request, { ja: '自分', en: 'me' })}）` : m.displayName }))]} />
            <Button variant="secondary">{say(request, { ja: '担当者を変更', en: 'Change assignment' })}</Button>
          </form>
        )}

        {lastChanges && lastChanges.length > 0 && (
          <section aria-labelledby="changes">
            <h2 id="changes">{say(request, { ja: '再申請で変わった回答', en: 'Answers changed on resubmission' })}</h2>
            <Table id="changes-table" caption={say(request, { ja: '修正前と修正後', en: 'Before and after' })} captionSize="s" head={[say(request, { ja: '項目', en: 'Field' }), say(request, { ja: '修正前', en: 'Before' }), say(request, { ja: '修正後', en: 'After' })]}
              rows={lastChanges.map((c) => changeRow(definition, c, locale, t))} />
          </section>
        )}

        <h2 id="answers">{say(request, { ja: '申請内容', en: 'Answers' })}</h2>
        <AnswersList definition={definition} answers={answers} pages={definition.pages.map((p) => p.id)} locale={locale} t={t} />
        {files.size > 0 && (
          <>
            <h3>{say(request, { ja: '添付ファイル', en: 'Attachments' })}</h3>
            <ul>{[...files.entries()].map(([key, f]) => <li><a href={`${base}/files/${key}`} download>{f.filename}</a>（{Math.ceil(f.bytes / 1024)} KB）</li>)}</ul>
          </>
        )}
        {earlierFiles.length > 0 && (
          <>
            <h3>{t('procedures.staffFiles.earlier')}</h3>
            <ul>{earlierFiles.map((f) => <li><a href={`${base}/replaced-files/${f.seq}`} download>{f.filename}</a>（{Math.ceil(f.bytes / 1024)} KB）{t('procedures.staffFiles.earlierItem', { field: fieldLabel(definition, f.fieldKey, locale), date: formatDateTime(f.replacedAt, locale) })}</li>)}</ul>
          </>
        )}

        <h2 id="history">{say(request, { ja: '履歴', en: 'History' })}</h2>
        <Table id="history-table" caption={say(request, { ja: '状況の変更と処理（古い順）', en: 'Status changes and actions, oldest first' })} captionSize="s" head={[say(request, { ja: '日時', en: 'When' }), say(request, { ja: '内容', en: 'What' }), say(request, { ja: '詳細', en: 'Details' }), say(request, { ja: '職員', en: 'By' })]} rows={historyRows} />

        <h2 id="comments">{say(request, { ja: 'コメント（職員のみ）', en: 'Comments (staff only)' })}</h2>
        {history.filter((h) => h.action === 'commented').length === 0 && <p>{say(request, { ja: 'コメントはまだありません。', en: 'No comments yet.' })}</p>}
        <ul>{history.filter((h) => h.action === 'commented').map((h) => <li><strong>{h.actorName}</strong>（{formatDateTime(h.at, locale)}）：{h.note}</li>)}</ul>
        <form method="post" action={`${base}/comment`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <Textarea {...view.field('comment')} rows={3} maxLength={MAX_COMMENT} label={say(request, { ja: 'コメントを書く（申請者には見えません）', en: 'Add a comment (not shown to the applicant)' })} />
          <Button variant="secondary">{say(request, { ja: 'コメントを追加', en: 'Add comment' })}</Button>
        </form>
      </>
    ));
  };

  app.get<{ Params: Key }>('/staff/applications/:lgCode/:id', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const done = (request.query as { done?: string }).done;
    const banner = done && done in ACTION_LABEL ? { type: 'success' as const, text: { ja: `${ACTION_LABEL[done as WorkAction].ja}を記録しました`, en: `${ACTION_LABEL[done as WorkAction].en}: recorded` } } : undefined;
    return renderDetail(request, reply, scope, banner ? { banner } : {});
  });

  /** Runs an action posted from the page; a stale version or a refused action re-renders the page with what happened. */
  const act = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply, run: (scope: StaffScope, version: number, values: FormValues) => Promise<WorkAction | FieldErrors>) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const values = (request.body ?? {}) as FormValues;
    const versionText = typeof values['version'] === 'string' ? values['version'] : '';
    try {
      const outcome = await run(scope, /^[0-9]{1,9}$/.test(versionText) ? Number(versionText) : -1, values);
      if (typeof outcome === 'string') return reply.redirect(`/staff/applications/${request.params.lgCode}/${request.params.id}?done=${outcome}#decide`, 303);
      return renderDetail(request, reply, scope, { errors: outcome, values });
    } catch (error) {
      if (error instanceof AppError && (error.definition.status === 412 || error.definition.status === 409 || error.definition.status === 403) && error.definition.code !== 'TSN_PROCEDURES_APPLICATION_NOT_FOUND') {
        return renderDetail(request, reply, scope, { status: 409, banner: { type: 'info', text: error.detail ?? error.definition.title } });
      }
      if (error instanceof AppError && error.problems.length && error.definition.status === 400) {
        return renderDetail(request, reply, scope, { values, errors: Object.fromEntries(error.problems.map((p) => [p.name, p.detail])) });
      }
      throw error;
    }
  };

  app.post<{ Params: Key }>('/staff/applications/:lgCode/:id/decide', { preHandler: app.csrfProtection }, async (request, reply) => act(request, reply, async (scope, version, values) => {
    const action = values['action'];
    let decision: Decision;
    if (action === 'return') {
      const reasons = Object.entries(values).filter(([name, v]) => name.startsWith('reason-') && typeof v === 'string' && v.trim()).map(([name, v]) => ({ field: name === 'reason-general' ? null : name.slice('reason-'.length), reason: String(v) }));
      const tooLong = Object.entries(values).find(([name, v]) => name.startsWith('reason-') && typeof v === 'string' && v.length > 1000);
      if (tooLong) return { [tooLong[0]]: { ja: '理由は1000文字以内で入力してください', en: 'Keep the reason to 1000 characters' } };
      if (reasons.length === 0) return { 'reason-general': { ja: '差し戻す理由を、項目ごとか申請全体について入力してください', en: 'Give a reason for at least one answer or for the whole application' } };
      decision = { action: 'return', reasons };
    } else if (action === 'reject') {
      const reason = typeof values['reason'] === 'string' ? values['reason'] : '';
      if (!reason.trim()) return { reason: { ja: '却下の理由を入力してください', en: 'Enter the reason for rejecting' } };
      decision = { action: 'reject', reason };
    } else if (action === 'receive' || action === 'check' || action === 'approve') {
      decision = { action };
    } else {
      return { action: { ja: '処理を選んでください', en: 'Choose an action' } };
    }
    const result = await decide(ctx, request.actor, scope, request.params, version, decision, { ip: request.ip, requestId: request.id });
    return result.document ? 'issued' : ({ receive: 'received', check: 'checked', approve: 'approved', return: 'returned', reject: 'rejected' } as const)[decision.action];
  }));

  app.post<{ Params: Key }>('/staff/applications/:lgCode/:id/assign', { preHandler: app.csrfProtection }, async (request, reply) => act(request, reply, async (scope, version, values) => {
    const assignee = typeof values['assignee'] === 'string' && values['assignee'] ? values['assignee'] : null;
    await assign(ctx, request.actor, scope, request.params, version, assignee, { ip: request.ip, requestId: request.id });
    return 'assigned';
  }));

  app.post<{ Params: Key }>('/staff/applications/:lgCode/:id/comment', { preHandler: app.csrfProtection }, async (request, reply) => act(request, reply, async (scope, _version, values) => {
    const text = typeof values['comment'] === 'string' ? values['comment'] : '';
    if (!text.trim()) return { comment: { ja: 'コメントを入力してください', en: 'Enter a comment' } };
    await comment(ctx, request.actor, scope, request.params, text, { ip: request.ip, requestId: request.id });
    return 'commented';
  }));

  app.get<{ Params: Key & { seq: string } }>('/staff/applications/:lgCode/:id/replaced-files/:seq', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const { application } = await loadForStaff(ctx, scope, request.params.lgCode, request.params.id);
    const file = /^[0-9]{1,9}$/.test(request.params.seq) ? await openReplacedAttachment(ctx.db, ctx.app.sealer, application, Number(request.params.seq)) : undefined;
    if (!file) throw new AppError(PlatformErrors.NOT_FOUND);
    return sendFile(reply, file, file.data);
  });

  app.get<{ Params: Key & { key: string } }>('/staff/applications/:lgCode/:id/files/:key', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const { application } = await loadForStaff(ctx, scope, request.params.lgCode, request.params.id);
    const meta = /^[a-z][a-zA-Z0-9]{0,40}$/.test(request.params.key) ? (await listAttachments(ctx.db, application)).get(request.params.key) : undefined;
    const data = meta ? await openAttachment(ctx.db, ctx.app.sealer, application, request.params.key) : undefined;
    if (!meta || !data) throw new AppError(PlatformErrors.NOT_FOUND);
    return sendFile(reply, meta, data);
  });
}

/** An attachment as a download, never shown inline (its name only in the RFC 5987 form). */
function sendFile(reply: FastifyReply, meta: { contentType: string; filename: string }, data: Buffer) {
  return reply
    .header('content-type', meta.contentType)
    .header('content-disposition', `attachment; filename="file.${meta.contentType === 'application/pdf' ? 'pdf' : meta.contentType === 'image/png' ? 'png' : 'jpg'}"; filename*=UTF-8''${encodeURIComponent(meta.filename)}`)
    .header('cache-control', 'private, no-store')
    .send(data);
}

function fieldOf(definition: ResolvedDefinition, key: string): ResolvedField | undefined {
  return definition.pages.flatMap((p) => p.fields).find((f) => f.key === key);
}

export function fieldLabel(definition: ResolvedDefinition, key: string | null, locale: 'ja' | 'en'): string {
  if (key === null) return locale === 'ja' ? '申請全体' : 'The application';
  return fieldOf(definition, key)?.label[locale] ?? key;
}

function changeRow(definition: ResolvedDefinition, change: Change, locale: 'ja' | 'en', t: Parameters<typeof formatAnswer>[3]) {
  const field = fieldOf(definition, change.field);
  const show = (value: unknown) => (field ? formatAnswer(field, (value ?? undefined) as AnswerValue | undefined, locale, t) : JSON.stringify(value));
  return [field?.label[locale] ?? change.field, show(change.before), `${show(change.after)}${change.replaced ? t('procedures.staffFiles.replaced') : ''}`];
}
