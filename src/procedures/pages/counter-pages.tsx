// Counter assistance (書かない窓口), the clerk's side (applications/counter-applications.ts):
//   GET|POST /staff/counter                                 the resident's check code and the procedures; open drafts
//   GET  /staff/counter/{id}                                resume: the first step with something missing, else the check
//   GET|POST /staff/counter/{id}/steps/{section}/{page}     one step, as the resident's pages ask it, prefilled answers marked
//   GET  /staff/counter/{id}/check                          every answer with 「変更」, then the counter screen
//   POST /staff/counter/{id}/cancel                         a draft left at the counter is deleted
// The counter screen the resident reads and confirms is counter-screen-pages.tsx. Anything not of
// the clerk's offices is answered 404, as if it did not exist.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { requireStaff, residentByCounterCode } from '../../identity/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime, todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList, type SummaryListRow } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { ApplicationStore, type SharedState } from '../applications/application-store.ts';
import { checkStep, loadFlow, stepsOf, type Flow, type Step } from '../applications/application-flow.ts';
import { cancelCounterApplication, findCounterApplication, openCounterDrafts, PERMISSION, startCounterApplication, type CounterApplication } from '../applications/counter-applications.ts';
import { acceptUploads, saveStep } from '../applications/save-step.ts';
import { listAttachments } from '../applications/attachments.ts';
import { findProcedure, type Procedure } from '../catalog/catalog-store.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { addStaffHomeSection } from '../../platform/tenancy/home-sections.ts';
import { formatAnswer } from './form-answers-view.tsx';
import { FormPageFields, pageHeading, visibleFields, type FormPageState } from './form-renderer.tsx';

const MAX_PROCEDURES = 10;

/** The mark on a prefilled shared answer: verified by the My Number card, or from the profile; none once changed. */
export function prefillTag(shared: SharedState, key: string, t: (key: string) => string, before = '') {
  if (!shared.prefilled.includes(key)) return null;
  return <>{before}<Tag tone={shared.verified?.includes(key) ? 'success' : 'info'}>{t(shared.verified?.includes(key) ? 'procedures.assist.verified' : 'procedures.assist.prefilled')}</Tag></>;
}

export const counterHref = (id: string) => `/staff/counter/${id}`;
const stepHref = (id: string, step: Pick<Step, 'section' | 'page'>) => `${counterHref(id)}/steps/${step.section}/${step.page.id}`;
export const metaOf = (request: FastifyRequest) => ({ ip: request.ip, requestId: request.id, locale: request.locale });

/** The counter application named in the URL, for a staff member who may assist at its office; 404 otherwise. */
export async function counterOf(ctx: ProceduresContext, request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<CounterApplication | undefined> {
  if (!requireStaff(request, reply)) return undefined;
  const found = await findCounterApplication(ctx, request.actor, request.params.id);
  if (!found) throw new AppError(PlatformErrors.NOT_FOUND);
  return found;
}

/** On the staff home page, for staff who may assist at a counter: the way to /staff/counter. */
function addCounterSection(ctx: ProceduresContext): void {
  addStaffHomeSection(ctx.app, {
    order: 12,
    async render(request) {
      if ((await ctx.app.guard.tenantsFor(request.actor, PERMISSION)).size === 0) return undefined;
      return (
        <section aria-labelledby="staff-counter">
          <h2 id="staff-counter">{request.t('procedures.assist.home')}</h2>
          <p><a href="/staff/counter">{request.t('procedures.assist.homeLead')}</a></p>
        </section>
      );
    },
  });
}

export async function counterPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  addCounterSection(ctx);
  const store = new ApplicationStore(ctx.app.sealer);

  const offices = async (request: FastifyRequest) => {
    const allowed = await ctx.app.guard.tenantsFor(request.actor, PERMISSION);
    const { tenants } = await ctx.app.tenants.snapshot();
    return [...allowed].map((code) => tenants.get(code)!).filter((t) => t && t.level === 'municipality').sort((a, b) => a.sortOrder - b.sortOrder);
  };
  /** What a clerk can fill in at an office: its published procedures with a form (never the practice one). */
  const counterProcedures = async (lgCode: string): Promise<Procedure[]> => {
    const rows = await ctx.db.selectFrom('procedures_procedures').select('code').where('lg_code', '=', lgCode).where('status', '=', 'published').where('form_version_id', 'is not', null).where('practice', '=', false).orderBy('sort_order').orderBy('code').execute();
    return (await Promise.all(rows.map((r) => findProcedure(ctx.db, lgCode, r.code)))).filter((p): p is Procedure => !!p);
  };

  const startPage = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t, locale } = request;
    const list = await offices(request);
    if (list.length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    const view = formView({ values, errors }, locale);
    const drafts = await openCounterDrafts(ctx, list.map((o) => o.lgCode));
    const csrf = pageCsrfToken(reply);
    const choices = (await Promise.all(list.map(async (o) => (await counterProcedures(o.lgCode)).map((p) => ({ value: `${p.lgCode}/${p.code}`, text: list.length > 1 ? `${o.name[locale]}：${p.title[locale]}` : p.title[locale], hint: t(`procedures.level.${p.assuranceLevel}`) }))))).flat();
    const titles = new Map<string, string>();
    for (const d of drafts) for (const p of d.procedures) if (!titles.has(`${p.lgCode}/${p.code}`)) titles.set(`${p.lgCode}/${p.code}`, (await findProcedure(ctx.db, p.lgCode, p.code))?.title[locale] ?? p.code);
    return sendPage(reply, { title: t('procedures.assist.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/staff' } }, (
      <>
        <form method="post" action="/staff/counter" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <h1>{t('procedures.assist.title')}</h1>
          <p>{t('procedures.assist.lead')}</p>
          {list.length === 1 ? <input type="hidden" name="office" value={list[0]!.lgCode} /> : <Select label={t('identity.check.office')} items={list.map((o) => ({ value: o.lgCode, text: o.name[locale] }))} {...view.field('office')} />}
          <TextInput label={t('identity.check.code')} hint={t('identity.check.codeHint')} inputmode="numeric" autocomplete="off" spellcheck={false} width="10" {...view.field('code')} />
          {choices.length ? <Checkboxes legend={t('procedures.assist.procedures')} hint={t('procedures.assist.proceduresHint')} items={choices} {...view.choices('procedure')} /> : <WarningText>{t('procedures.assist.noProcedures')}</WarningText>}
          <Button preventDoubleClick>{t('procedures.assist.start')}</Button>
        </form>
        <p><a href="/staff/identity-check">{t('procedures.assist.identityCheck')}</a></p>
        <section aria-labelledby="counter-open">
          <h2 id="counter-open">{t('procedures.assist.open')}</h2>
          {drafts.length === 0 ? <p>{t('procedures.assist.openEmpty')}</p> : (
            <ul class="list">
              {drafts.map((d) => (
                <li>
                  {d.residentName && <>{d.residentName}：</>}<a href={counterHref(d.bulkId)}>{d.procedures.map((p) => titles.get(`${p.lgCode}/${p.code}`)).join('、')}</a>（{t('procedures.assist.startedBy', { name: d.startedByName, time: formatDateTime(d.startedAt, locale) })}）
                  <form method="post" action={`${counterHref(d.bulkId)}/cancel`} class="inline-form">
                    <input type="hidden" name="_csrf" value={csrf} />
                    <Button variant="secondary">{t('procedures.assist.cancel')}</Button>
                  </form>
                </li>
              ))}
            </ul>
          )}
        </section>
      </>
    ));
  };

  app.get('/staff/counter', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    return startPage(request, reply, {}, {});
  });

  // The code lookup is limited like the identity check's, so codes cannot be tried in bulk.
  app.post('/staff/counter', { preHandler: app.csrfProtection, config: { rateLimit: { max: ctx.app.config.loginRateLimitPerMinute, timeWindow: 60_000 } } }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const values = formValues(request.body);
    const office = typeof values.office === 'string' ? values.office : '';
    await ctx.app.guard.assert(request.actor, PERMISSION, office);
    // The procedures are checked before the code, which a lookup uses up.
    const available = await counterProcedures(office);
    const picked = [values.procedure ?? []].flat().filter((v): v is string => typeof v === 'string');
    const procedures = [...new Set(picked)].map((key) => available.find((p) => `${p.lgCode}/${p.code}` === key));
    const errors: FieldErrors = {};
    if (procedures.length === 0 || procedures.length > MAX_PROCEDURES || procedures.some((p) => !p)) errors.procedure = messageOf('procedures.assist.proceduresMissing');
    if (Object.keys(errors).length) return startPage(request, reply, values, errors);
    const resident = await residentByCounterCode(ctx.app, request.actor, office, typeof values.code === 'string' ? values.code : '', metaOf(request));
    const chosen = procedures as Procedure[];
    if (!resident) errors.code = messageOf('identity.check.notFound');
    else {
      const needsA = chosen.find((p) => p.assuranceLevel === 'A' && resident.assuranceLevel !== 'A');
      const needsB = chosen.find((p) => p.assuranceLevel === 'B' && resident.assuranceLevel === 'C');
      if (needsA) errors.code = messageOf('procedures.assist.needsLevelA', { title: needsA.title[request.locale] });
      else if (needsB) errors.code = messageOf('procedures.assist.needsLevelB', { title: needsB.title[request.locale] });
    }
    if (!resident || Object.keys(errors).length) return startPage(request, reply, { ...values, code: '' }, errors);
    const id = await startCounterApplication(ctx, request.actor, { officeLgCode: office, residentAccountId: resident.accountId, procedures: chosen }, metaOf(request));
    return reply.redirect(counterHref(id), 303);
  });

  app.get<{ Params: { id: string } }>('/staff/counter/:id', async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    if (counter.bulk.status !== 'draft') return reply.redirect(`${counterHref(counter.bulk.id)}/done`, 303);
    const today = todayInJapanIso();
    const next = stepsOf(await loadFlow(ctx.db, counter.bulk), today).find((s) => Object.keys(checkStep(s, today).errors).length > 0);
    return reply.redirect(next ? stepHref(counter.bulk.id, next) : `${counterHref(counter.bulk.id)}/check`, 303);
  });

  type StepParams = { id: string; section: string; page: string };
  const findStep = (steps: Step[], params: StepParams) => {
    const step = steps.find((s) => s.section === params.section && s.page.id === params.page);
    if (!step) throw new AppError(PlatformErrors.NOT_FOUND);
    return step;
  };
  const sectionTitle = (request: FastifyRequest, flow: Flow, section: string) =>
    section === 'shared' ? request.t('procedures.apply.sharedDetailsUsedInEvery') : flow.forms.find((f) => f.application.id === section)!.procedure.title[request.locale];

  const sendStep = async (request: FastifyRequest, reply: FastifyReply, flow: Flow, steps: Step[], step: Step, errors: FieldErrors) => {
    const fileFields = step.page.fields.filter((f) => f.type === 'file');
    const application = flow.bulk.applications.find((a) => a.id === step.section);
    const attached = fileFields.length && application ? await listAttachments(ctx.db, application) : new Map<string, { filename: string }>();
    const answers = validateAnswers(step.definition, step.values, { today: todayInJapanIso(), pages: [] }).values;
    const state: FormPageState = { definition: step.definition, page: step.page, values: step.values, answers, errors, locale: request.locale, t: request.t };
    const view = formView({ values: step.values, errors }, request.locale);
    const index = steps.findIndex((s) => s.section === step.section && s.page.id === step.page.id);
    const prefilled = step.section === 'shared' && step.page.fields.some((f) => flow.bulk.shared.prefilled.includes(f.key));
    return sendPage(reply, { title: pageHeading(state).text, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: index > 0 ? stepHref(flow.bulk.id, steps[index - 1]!) : '/staff/counter' } }, (
      <>
        <p class="caption">{request.t('procedures.assist.caption')}・{sectionTitle(request, flow, step.section)}（{index + 1} / {steps.length}）</p>
        {prefilled && <InsetText>{step.page.fields.map((f) => prefillTag(flow.bulk.shared, f.key, request.t)).find(Boolean)} {request.t(step.page.fields.some((f) => flow.bulk.shared.verified?.includes(f.key)) ? 'procedures.assist.verifiedNote' : 'procedures.assist.prefilledNote')}</InsetText>}
        {fileFields.filter((f) => attached.has(f.key)).map((f) => (
          <InsetText>{request.t('procedures.apply.attachedFor', { label: f.label[request.locale] })}<strong>{attached.get(f.key)!.filename}</strong>{request.t('procedures.apply.chooseAFileOnlyTo')}</InsetText>
        ))}
        <form method="post" action={stepHref(flow.bulk.id, step)} novalidate {...(fileFields.length ? { enctype: 'multipart/form-data' } : {})}>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <FormPageFields state={state} />
          <Button>{request.t('procedures.apply.saveAndContinue')}</Button>
        </form>
        <p><a href={`${counterHref(flow.bulk.id)}/check`}>{request.t('procedures.assist.check')}</a></p>
      </>
    ));
  };

  app.get<{ Params: StepParams }>('/staff/counter/:id/steps/:section/:page', async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    if (counter.bulk.status !== 'draft') return reply.redirect(`${counterHref(counter.bulk.id)}/done`, 303);
    const flow = await loadFlow(ctx.db, counter.bulk);
    const steps = stepsOf(flow, todayInJapanIso());
    return sendStep(request, reply, flow, steps, findStep(steps, request.params), {});
  });

  // Saves what was typed, right or wrong, as the resident's pages do (saveStep); a paper the
  // resident brings for a file field is scanned and attached (multipart on this route only).
  await app.register(async (scoped) => {
  await acceptUploads(scoped);
  scoped.post<{ Params: StepParams }>('/staff/counter/:id/steps/:section/:page', { preHandler: app.csrfProtection }, async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    const { bulk } = counter;
    if (bulk.status !== 'draft') return reply.redirect(`${counterHref(bulk.id)}/done`, 303);
    const today = todayInJapanIso();
    let flow = await loadFlow(ctx.db, bulk);
    const step = findStep(stepsOf(flow, today), request.params);
    const { group, uploadErrors } = await saveStep(ctx, store, bulk, step, (request.body ?? {}) as Record<string, unknown>, actorId(request.actor));
    flow = await loadFlow(ctx.db, bulk);
    const steps = stepsOf(flow, today);
    const saved = findStep(steps, request.params);
    if (group) return sendStep(request, reply, flow, steps, saved, {});
    const errors = { ...checkStep(saved, today).errors, ...uploadErrors };
    if (Object.keys(errors).length) return sendStep(request, reply, flow, steps, saved, errors);
    const next = steps[steps.indexOf(saved) + 1];
    return reply.redirect(next ? stepHref(bulk.id, next) : `${counterHref(bulk.id)}/check`, 303);
  });
  });

  app.get<{ Params: { id: string } }>('/staff/counter/:id/check', async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    const { bulk } = counter;
    if (bulk.status !== 'draft') return reply.redirect(`${counterHref(bulk.id)}/done`, 303);
    const today = todayInJapanIso();
    const flow = await loadFlow(ctx.db, bulk);
    const steps = stepsOf(flow, today);
    const missing = steps.filter((s) => Object.keys(checkStep(s, today).errors).length > 0);
    const rowsOf = (section: string) => steps.filter((s) => s.section === section).flatMap((s) => {
      const answers = validateAnswers(s.definition, s.values, { today }).values;
      return visibleFields(s.page, answers).map((field): SummaryListRow => ({
        key: field.label[request.locale],
        value: <>{formatAnswer(field, answers[field.key], request.locale, request.t)}{section === 'shared' && prefillTag(bulk.shared, field.key, request.t, ' ')}</>,
        actions: [{ href: stepHref(bulk.id, s), text: request.t('procedures.result.change'), visuallyHiddenText: field.label[request.locale] }],
      }));
    });
    const title = request.t('procedures.assist.check');
    return sendPage(reply, { title, backLink: { href: '/staff/counter' } }, (
      <>
        <p class="caption">{request.t('procedures.assist.caption')}</p>
        <h1>{title}</h1>
        {['shared', ...flow.forms.map((f) => f.application.id)].filter((s) => s !== 'shared' || flow.shared.length).map((section) => (
          <section aria-labelledby={`check-${section}`}>
            <h2 id={`check-${section}`}>{sectionTitle(request, flow, section)}</h2>
            <SummaryList rows={rowsOf(section)} />
          </section>
        ))}
        {missing.length ? (
          <WarningText>
            {request.t('procedures.assist.missing')}
            <ul>{missing.map((s) => <li><a href={stepHref(bulk.id, s)}>{sectionTitle(request, flow, s.section)}: {pageHeading({ definition: s.definition, page: s.page, answers: {}, locale: request.locale }).text}</a></li>)}</ul>
          </WarningText>
        ) : (
          <Button href={`${counterHref(bulk.id)}/screen`}>{request.t('procedures.assist.toScreen')}</Button>
        )}
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/staff/counter/:id/cancel', { preHandler: app.csrfProtection }, async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    if (!(await cancelCounterApplication(ctx, request.actor, counter, metaOf(request)))) throw new AppError(PlatformErrors.CONFLICT, { detail: messageOf('procedures.assist.notDraft') });
    return sendPage(reply, { title: request.t('procedures.assist.cancelled') }, (
      <>
        <Panel title={request.t('procedures.assist.cancelled')} />
        <p><a href="/staff/counter">{request.t('procedures.assist.another')}</a></p>
      </>
    ));
  });
}
