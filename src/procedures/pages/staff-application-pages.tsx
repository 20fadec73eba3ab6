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
import { translator, type Locale } from '../../platform/i18n/i18n.ts';
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
import { genericOf } from '../applications/generic-form.ts';
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
import { STATUS } from './my-applications-pages.tsx';

const PAGE_SIZE = 20;

const WORK_ACTIONS: readonly WorkAction[] = ['received', 'checked', 'approved', 'returned', 'resubmitted', 'rejected', 'assigned', 'commented', 'issued'];

/** A text in both languages, for errors and banners that carry both. */
const both = (key: string, params?: Record<string, string | number>): Localized => ({ ja: translator('ja')(key, params), en: translator('en')(key, params) });

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
  /** The procedure's title, with the resident's own name of the procedure for 「その他の手続」 (generic form). */
  const applicationTitle = async (application: { lgCode: string; id: string; procedureCode: string }, locale: 'ja' | 'en') => {
    const generic = await genericOf(ctx.db, application);
    const title = await procedureTitle(application.lgCode, application.procedureCode, locale);
    return generic?.title ? `${title}：${generic.title}` : title;
  };

  type Query = { department?: string; status?: string; procedure?: string; options?: string | string[]; q?: string; page?: string };
  app.get<{ Querystring: Query }>('/staff/applications', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const { locale } = request;
    const q = request.query;
    const errors: FieldErrors = {};
    const departmentKeys = scope.departments.map((d) => `${d.lgCode}/${d.code}`);
    if (q.department && !departmentKeys.includes(q.department)) errors['department'] = both('procedures.staffApp.error.department');
    if (q.status && !(QUEUE_STATUSES as readonly string[]).includes(q.status)) errors['status'] = both('procedures.staffApp.error.status');
    if (q.procedure && !/^[0-9]{6}\/[a-z][a-z0-9-]{1,60}$/.test(q.procedure)) errors['procedure'] = both('procedures.staffApp.error.procedure');
    if (q.q && q.q.length > 100) errors['q'] = both('procedures.staffApp.error.search');
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
    const title = request.t('procedures.staffApp.applicationsToProcess');
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const queryWith = (n: number) => {
      const params = new URLSearchParams(Object.entries({ ...q, page: String(n) }).flatMap(([k, v]) => [v ?? []].flat().filter((x) => x !== '').map((x) => [k, x])));
      return `/staff/applications?${params.toString()}`;
    };
    const tableRows = await Promise.all(rows.map(async (r) => [
      { content: <a href={`/staff/applications/${r.lgCode}/${r.id}`}>{r.receiptNumber}</a> },
      r.applicantName || request.t('procedures.staffApp.noNameGiven'),
      await applicationTitle(r, locale),
      `${stageName(r.stages, r.stageIndex, locale)}（${await departmentName(r.lgCode, r.departmentCode, locale)}）`,
      r.assigneeName ?? request.t('procedures.staffApp.unassigned'),
      { content: <>{formatDate(new Date(`${r.dueOn}T00:00:00+09:00`), locale)}{r.overdue && <> <Tag tone="error">{request.t('procedures.staffApp.overdue')}</Tag></>}</> },
      { content: <><Tag tone={statusTone(r.status)}>{STATUS[r.status][locale]}</Tag>{r.waiting && <> <Tag tone="neutral">{request.t('procedures.staffApp.waitingForAnotherProcedure')}</Tag></>}</> },
    ]));
    return sendPage(reply, { title, backLink: { href: '/staff' }, errorSummary: view.errorSummary, status: view.hasErrors ? 400 : 200 }, (
      <>
        <h1>{title}</h1>
        {scope.departments.length === 0 ? (
          <p>{request.t('procedures.staffApp.youDoNotBelongTo')}</p>
        ) : (
          <>
            <form method="get" action="/staff/applications" class="filters" role="search" aria-label={request.t('procedures.staffApp.filterApplications')}>
              <TextInput {...view.field('q')} type="search" label={request.t('procedures.staffApp.searchByReceiptNumberOr')} hint={request.t('procedures.staffApp.searchHint')} />
              <Select {...view.field('department')} label={request.t('procedures.staffApp.department')} items={[{ value: '', text: request.t('procedures.staffApp.allMyDepartments') }, ...(await Promise.all(scope.departments.map(async (d) => ({ value: `${d.lgCode}/${d.code}`, text: `${(await ctx.app.tenants.get(d.lgCode))?.name[locale] ?? d.lgCode} ${await departmentName(d.lgCode, d.code, locale)}` }))))]} />
              <Select {...view.field('status')} value={filter.status} label={request.t('procedures.staffApp.status')} items={QUEUE_STATUSES.map((s) => ({ value: s, text: request.t(`procedures.staffApp.queueStatus.${s}`) }))} />
              <Select {...view.field('procedure')} label={request.t('procedures.staffApp.procedure')} items={[{ value: '', text: request.t('procedures.staffApp.allProcedures') }, ...(await Promise.all(procedureKeys.map(async (p) => ({ value: `${p.lg_code}/${p.procedure_code}`, text: await procedureTitle(p.lg_code, p.procedure_code, locale) }))))]} />
              <Checkboxes name="options" legend={request.t('procedures.staffApp.options')} legendSize="s" small values={[...(filter.overdue ? ['overdue'] : []), ...(filter.mine ? ['mine'] : [])]}
                items={[{ value: 'overdue', text: request.t('procedures.staffApp.overdueOnly') }, { value: 'mine', text: request.t('procedures.staffApp.assignedToMeOnly') }]} />
              <Button>{request.t('procedures.staffApp.filter')}</Button>
            </form>
            {rows.length ? (
              <>
                <Table id="queue" caption={request.t('procedures.staffApp.queueCaption', { total })} captionSize="s"
                  head={[request.t('procedures.staffApp.receiptNumber'), request.t('procedures.staffApp.applicant'), request.t('procedures.staffApp.procedure'), request.t('procedures.staffApp.stageDepartment'), request.t('procedures.staffApp.assignedTo'), request.t('procedures.staffApp.due'), request.t('procedures.staffApp.status')]}
                  rows={tableRows} />
                {pages > 1 && <Pagination current={Math.min(page, pages)} total={pages} href={queryWith} />}
              </>
            ) : (
              <p>{request.t('procedures.staffApp.noApplicationsMatchChangeThe')}</p>
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
    const procedure = await applicationTitle(application, locale);
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
      ...events.map((e) => ({ at: e.occurred_at, row: [formatDateTime(e.occurred_at, locale), request.t('procedures.staffApp.statusChanged'), `${e.from_status ? STATUS[e.from_status as ApplicationStatus]?.[locale] ?? e.from_status : '—'} → ${STATUS[e.to_status as ApplicationStatus]?.[locale] ?? e.to_status}`, ''] })),
      ...history.map((h) => ({ at: h.at, row: [formatDateTime(h.at, locale), request.t(`procedures.staffApp.action.${h.action}`), { content: <>{h.action === 'returned' ? <ul>{(h.reasons ?? []).map((r) => <li>{fieldLabel(definition, r.field, locale)}：{r.reason}</li>)}</ul> : h.action === 'resubmitted' ? request.t('procedures.staffApp.answersChangedCount', { count: h.changes?.length ?? 0 }) : h.note}{h.action !== 'resubmitted' && h.action !== 'commented' && h.action !== 'assigned' && h.action !== 'issued' ? ` [${stageName(work.stages, h.stageIndex, locale)}]` : ''}</> }, h.actorName] })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime()).map((x) => x.row);

    return sendPage(reply, { title, status: state.status ?? (view.hasErrors ? 422 : 200), errorSummary: view.errorSummary, backLink: { href: '/staff/applications', text: request.t('procedures.staffApp.backToTheQueue') } }, (
      <>
        {state.banner && <NotificationBanner type={state.banner.type}><p class="notification-banner__heading">{state.banner.text[locale]}</p></NotificationBanner>}
        <span class="caption-l">{application.receiptNumber}</span>
        <h1>{procedure}</h1>
        <nav aria-label={request.t('procedures.staffApp.onThisPage')}>
          <ul class="list-inline">
            {actions.length > 0 && <li><a href="#decide">{request.t('procedures.staffApp.decide')}</a></li>}
            <li><a href="#answers">{request.t('procedures.staffApp.answers')}</a></li>
            <li><a href="#history">{request.t('procedures.staffApp.history')}</a></li>
            <li><a href="#comments">{request.t('procedures.staffApp.comments')}</a></li>
          </ul>
        </nav>
        <SummaryList rows={[
          { key: request.t('procedures.staffApp.status'), value: <><Tag tone={statusTone(application.status)}>{STATUS[application.status][locale]}</Tag>{overdue && <> <Tag tone="error">{request.t('procedures.staffApp.overdue')}</Tag></>}</> },
          { key: request.t('procedures.staffApp.applicant'), value: applicantNameOf(application.own, definition) || '—' },
          { key: request.t('procedures.staffApp.submitted'), value: application.submittedAt ? formatDateTime(application.submittedAt, locale) : '—' },
          { key: t('procedures.assist.channelLabel'), value: application.channel === 'counter' ? t('procedures.assist.channel') : t('procedures.channel.portal') },
          { key: request.t('procedures.staffApp.stage'), value: `${stageName(work.stages, work.stageIndex, locale)}${stage ? `（${await departmentName(work.lgCode, stage.departmentCode, locale)}）` : ''}` },
          { key: request.t('procedures.staffApp.dueAtThisStage'), value: stage ? formatDate(new Date(`${work.dueOn}T00:00:00+09:00`), locale) : '—' },
          { key: request.t('procedures.staffApp.assignedTo'), value: work.assigneeName ?? request.t('procedures.staffApp.unassigned') },
        ]} />
        {work.waiting && <WarningText>{request.t('procedures.staffApp.thisWaitsForTheDecision')}</WarningText>}

        {actions.length > 0 && (
          <section aria-labelledby="decide">
            <h2 id="decide" tabindex={-1}>{request.t('procedures.staffApp.decide')}</h2>
            {actions.filter((a): a is 'receive' | 'check' | 'approve' => a === 'receive' || a === 'check' || a === 'approve').map((a) => (
              <form method="post" action={`${base}/decide`}>
                {hidden}
                <input type="hidden" name="action" value={a} />
                <Button>{a === 'approve' && work.stageIndex === work.stages.length - 1 ? request.t('procedures.staffApp.giveTheFinalApproval') : request.t(`procedures.staffApp.decision.${a}`)}</Button>
              </form>
            ))}
            <details class="details" open={Boolean(state.values?.['action'] === 'return')}>
              <summary class="details__summary"><span class="details__summary-text">{request.t('procedures.staffApp.returnForCorrection')}</span></summary>
              <div class="details__text">
                <form method="post" action={`${base}/decide`}>
                  {hidden}
                  <input type="hidden" name="action" value="return" />
                  <p>{request.t('procedures.staffApp.writeAReasonNextTo')}</p>
                  {fields.map((f) => (
                    <Textarea {...view.field(`reason-${f.key}`)} rows={2} label={`${f.label[locale]}（${request.t('procedures.staffApp.answer')}：${formatAnswer(f, answers[f.key], locale, t).slice(0, 80)}）`} />
                  ))}
                  <Textarea {...view.field('reason-general')} rows={3} label={request.t('procedures.staffApp.aboutTheApplicationAsA')} />
                  <Button variant="warning">{request.t('procedures.staffApp.returnButton')}</Button>
                </form>
              </div>
            </details>
            <details class="details" open={Boolean(state.values?.['action'] === 'reject')}>
              <summary class="details__summary"><span class="details__summary-text">{request.t('procedures.staffApp.reject')}</span></summary>
              <div class="details__text">
                <form method="post" action={`${base}/decide`}>
                  {hidden}
                  <input type="hidden" name="action" value="reject" />
                  <Textarea {...view.field('reason')} rows={3} label={request.t('procedures.staffApp.reasonForRejectingSentTo')} />
                  <Button variant="warning">{request.t('procedures.staffApp.reject')}</Button>
                </form>
              </div>
            </details>
          </section>
        )}

        {stage && ['submitted', 'received', 'resubmitted', 'returned'].includes(application.status) && members.some((m) => m.principalId === scope.principalId) && (
          <form method="post" action={`${base}/assign`}>
            {hidden}
            <Select {...view.field('assignee')} value={work.assignee ?? ''} label={request.t('procedures.staffApp.assignTo')} items={[{ value: '', text: request.t('procedures.staffApp.nobody') }, ...members.map((m) => ({ value: m.principalId, text: m.principalId === scope.principalId ? `${m.displayName}（${request.t('procedures.staffApp.me')}）` : m.displayName }))]} />
            <Button variant="secondary">{request.t('procedures.staffApp.changeAssignment')}</Button>
          </form>
        )}

        {lastChanges && lastChanges.length > 0 && (
          <section aria-labelledby="changes">
            <h2 id="changes">{request.t('procedures.staffApp.answersChangedOnResubmission')}</h2>
            <Table id="changes-table" caption={request.t('procedures.staffApp.beforeAndAfter')} captionSize="s" head={[request.t('procedures.staffApp.field'), request.t('procedures.staffApp.before'), request.t('procedures.staffApp.after')]}
              rows={lastChanges.map((c) => changeRow(definition, c, locale, t))} />
          </section>
        )}

        <h2 id="answers">{request.t('procedures.staffApp.answers')}</h2>
        <AnswersList definition={definition} answers={answers} pages={definition.pages.map((p) => p.id)} locale={locale} t={t} />
        {files.size > 0 && (
          <>
            <h3>{request.t('procedures.staffApp.attachments')}</h3>
            <ul>{[...files.entries()].map(([key, f]) => <li><a href={`${base}/files/${key}`} download>{f.filename}</a>（{Math.ceil(f.bytes / 1024)} KB）</li>)}</ul>
          </>
        )}
        {earlierFiles.length > 0 && (
          <>
            <h3>{t('procedures.staffFiles.earlier')}</h3>
            <ul>{earlierFiles.map((f) => <li><a href={`${base}/replaced-files/${f.seq}`} download>{f.filename}</a>（{Math.ceil(f.bytes / 1024)} KB）{t('procedures.staffFiles.earlierItem', { field: fieldLabel(definition, f.fieldKey, locale), date: formatDateTime(f.replacedAt, locale) })}</li>)}</ul>
          </>
        )}

        <h2 id="history">{request.t('procedures.staffApp.history')}</h2>
        <Table id="history-table" caption={request.t('procedures.staffApp.statusChangesAndActionsOldest')} captionSize="s" head={[request.t('procedures.staffApp.when'), request.t('procedures.staffApp.what'), request.t('procedures.staffApp.details'), request.t('procedures.staffApp.by')]} rows={historyRows} />

        <h2 id="comments">{request.t('procedures.staffApp.commentsStaffOnly')}</h2>
        {history.filter((h) => h.action === 'commented').length === 0 && <p>{request.t('procedures.staffApp.noCommentsYet')}</p>}
        <ul>{history.filter((h) => h.action === 'commented').map((h) => <li><strong>{h.actorName}</strong>（{formatDateTime(h.at, locale)}）：{h.note}</li>)}</ul>
        <form method="post" action={`${base}/comment`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <Textarea {...view.field('comment')} rows={3} maxLength={MAX_COMMENT} label={request.t('procedures.staffApp.addACommentNotShown')} />
          <Button variant="secondary">{request.t('procedures.staffApp.addComment')}</Button>
        </form>
      </>
    ));
  };

  app.get<{ Params: Key }>('/staff/applications/:lgCode/:id', async (request, reply) => {
    const scope = await scopeFor(request, reply);
    if (!scope) return reply;
    const done = (request.query as { done?: string }).done;
    const recorded = (l: Locale) => translator(l)('procedures.staffApp.recorded', { action: translator(l)(`procedures.staffApp.action.${done}`) });
    const banner = done && (WORK_ACTIONS as readonly string[]).includes(done) ? { type: 'success' as const, text: { ja: recorded('ja'), en: recorded('en') } } : undefined;
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
      if (tooLong) return { [tooLong[0]]: both('procedures.staffApp.error.reasonTooLong') };
      if (reasons.length === 0) return { 'reason-general': both('procedures.staffApp.error.returnReason') };
      decision = { action: 'return', reasons };
    } else if (action === 'reject') {
      const reason = typeof values['reason'] === 'string' ? values['reason'] : '';
      if (!reason.trim()) return { reason: both('procedures.staffApp.error.rejectReason') };
      decision = { action: 'reject', reason };
    } else if (action === 'receive' || action === 'check' || action === 'approve') {
      decision = { action };
    } else {
      return { action: both('procedures.staffApp.error.action') };
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
    if (!text.trim()) return { comment: both('procedures.staffApp.error.comment') };
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
  if (key === null) return translator(locale)('procedures.staffApp.wholeApplication');
  return fieldOf(definition, key)?.label[locale] ?? key;
}

function changeRow(definition: ResolvedDefinition, change: Change, locale: 'ja' | 'en', t: Parameters<typeof formatAnswer>[3]) {
  const field = fieldOf(definition, change.field);
  const show = (value: unknown) => (field ? formatAnswer(field, (value ?? undefined) as AnswerValue | undefined, locale, t) : JSON.stringify(value));
  return [field?.label[locale] ?? change.field, show(change.before), `${show(change.after)}${change.replaced ? t('procedures.staffFiles.replaced') : ''}`];
}
