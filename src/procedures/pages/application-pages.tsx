// The resident's bulk application (一括申請, 003B P3.1), signed in:
//   GET  /applications/new?procedure=<lg>/<code>&…    what will be applied for; POST starts a draft
//   GET  /applications/{id}                            resume: the prefill question or the first step with something missing
//   GET|POST /applications/{id}/prefill                may we fill the shared answers from your profile?
//   GET|POST /applications/{id}/steps/{section}/{page} one step: 'shared' (asked once) or an application's own page
//   GET  /applications/{id}/review                     check every answer, with 「変更」 links; POST …/submit
//   GET  /applications/{id}/done                       receipt numbers (受付番号)
// Every step saves what was typed, also when it has errors, so nothing typed is lost and a draft
// can be resumed from My page. Applications are the person's own (or, for a proxy, the person
// acted for): anything else is answered 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireSignedIn } from '../../identity/exports.ts';
import { actorId, type SignedInAccount } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors, type Localized } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { SummaryList, type SummaryListRow } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { notify } from '../../portal/exports.ts';
import { ApplicationStore, type Applicant, type StoredBulk } from '../applications/application-store.ts';
import { checkStep, loadFlow, stepHref, stepsOf, type Flow, type Step } from '../applications/application-flow.ts';
import { recordedDetails, recordedPrefill } from '../applications/profile-prefill.ts';
import { submitApplication } from '../applications/submit-application.ts';
import { assertWithinMandate } from '../applications/mandate-scope.ts';
import { signatureProblems, type SignatureProblem } from '../applications/application-signatures.ts';
import { acceptUploads, saveStep } from '../applications/save-step.ts';
import { listAttachments, openAttachment } from '../applications/attachments.ts';
import { findProcedure, type Procedure } from '../catalog/catalog-store.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { formatAnswer } from './form-answers-view.tsx';
import { FeeAction, feeStatesOf } from './payment-pages.tsx';
import type { FeePayments } from '../payments/fee-payments.ts';
import { FormPageFields, pageHeading, visibleFields, type FormPageState } from './form-renderer.tsx';

const MAX_PROCEDURES = 10;
export const say = (request: FastifyRequest, text: Localized) => text[request.locale];

/** The person applications are for: the signed-in resident, or the one a proxy acts for. */
export function applicantOf(account: SignedInAccount): Applicant {
  return account.actingFor ? { accountId: account.actingFor.accountId, proxyAccountId: account.accountId, mandateId: account.actingFor.mandateId } : { accountId: account.accountId, proxyAccountId: null, mandateId: null };
}

export function requireResident(request: FastifyRequest, reply: FastifyReply): SignedInAccount | undefined {
  const account = requireSignedIn(request, reply);
  if (account && account.accountKind !== 'resident') throw new AppError(PlatformErrors.FORBIDDEN);
  return account;
}

/** Whether the session is strong enough for the procedures, and where to raise it if not. */
function levelGap(account: SignedInAccount, procedures: Procedure[]): 'A' | 'B' | undefined {
  if (procedures.some((p) => p.assuranceLevel === 'A') && account.acr !== 'A') return 'A';
  if (procedures.some((p) => p.assuranceLevel === 'B') && account.assuranceLevel === 'C') return 'B';
  return undefined;
}

export async function applicationPages(app: FastifyInstance, ctx: ProceduresContext, payments: FeePayments): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);

  /** The chosen procedures from `procedure=<lg>/<code>` (each must be online with a published form). */
  const chosen = async (raw: unknown): Promise<Procedure[]> => {
    const list = [raw ?? []].flat().filter((v): v is string => typeof v === 'string');
    if (list.length === 0 || list.length > MAX_PROCEDURES) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: `「procedure」で申請する手続を1〜${MAX_PROCEDURES}件選んでください`, en: `Choose 1 to ${MAX_PROCEDURES} procedures in "procedure"` } });
    const found: Procedure[] = [];
    for (const item of new Set(list)) {
      const m = /^([0-9]{6})\/([a-z][a-z0-9-]{1,60})$/.exec(item);
      const procedure = m ? await findProcedure(ctx.db, m[1]!, m[2]!) : undefined;
      if (!procedure || procedure.status !== 'published' || procedure.channel !== 'portal' || !procedure.formVersionId)
        throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: `「procedure」の「${item.slice(0, 80)}」は、このポータルで申請できる手続ではありません`, en: `"procedure": "${item.slice(0, 80)}" cannot be applied for on this portal` } });
      found.push(procedure);
    }
    if (found.some((p) => p.practice) && found.length > 1) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: '「procedure」: 練習用の手続は、ほかの手続と一緒には申請できません', en: '"procedure": the practice procedure cannot be combined with others' } });
    return found;
  };

  const loadBulk = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const account = requireResident(request, reply);
    if (!account) return undefined;
    const bulk = await store.findBulk(ctx.db, request.params.id, applicantOf(account).accountId);
    if (!bulk) throw new AppError(PlatformErrors.NOT_FOUND);
    return { account, bulk };
  };

  const header = (request: FastifyRequest, bulk: Pick<StoredBulk, 'practice'>) => (bulk.practice ? <WarningText>{request.t('procedures.apply.practiceNote')}</WarningText> : null);

  // What will be applied for, with the identity check each needs; the button starts the draft.
  /** The life event a navigation started from (kept for the back office's figures), if well formed. */
  const lifeEventOf = (raw: unknown) => (typeof raw === 'string' && /^[a-z][a-z-]{1,30}$/.test(raw) ? raw : null);

  app.get<{ Querystring: { procedure?: string | string[]; lifeEvent?: string } }>('/applications/new', async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const procedures = await chosen(request.query.procedure);
    assertWithinMandate(account, procedures);
    const gap = levelGap(account, procedures);
    const title = request.t('procedures.apply.proceduresToApplyForTogether');
    return sendPage(reply, { title, backLink: { href: procedures.length === 1 ? `/procedures/${procedures[0]!.lgCode}/${procedures[0]!.code}` : '/life-events' } }, (
      <>
        {header(request, { practice: procedures.some((p) => p.practice) })}
        <h1>{title}</h1>
        <p>{request.t('procedures.apply.youWillApplyForThese')}</p>
        <ul class="list list--bullet">
          {procedures.map((p) => (
            <li>{p.title[request.locale]}（{request.t(`procedures.level.${p.assuranceLevel}`)}）</li>
          ))}
        </ul>
        {gap && <LevelNotice request={request} gap={gap} back={request.url} />}
        <form method="post" action="/applications/new">
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          {procedures.map((p) => <input type="hidden" name="procedure" value={`${p.lgCode}/${p.code}`} />)}
          {lifeEventOf(request.query.lifeEvent) && <input type="hidden" name="lifeEvent" value={lifeEventOf(request.query.lifeEvent)!} />}
          <Button>{request.t('procedures.apply.startTheApplication')}</Button>
        </form>
      </>
    ));
  });

  app.post('/applications/new', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const procedures = await chosen(body.procedure);
    assertWithinMandate(account, procedures);
    const lifeEvent = lifeEventOf(body.lifeEvent);
    const lgCode = procedures.find((p) => p.lgCode.slice(2, 5) !== '000')?.lgCode ?? procedures[0]!.lgCode;
    const id = await store.createBulk(ctx.db, { lgCode, applicant: applicantOf(account), lifeEventCode: lifeEvent && procedures.some((p) => p.lifeEvents.includes(lifeEvent)) ? lifeEvent : null, practice: procedures.some((p) => p.practice), procedures: procedures.map((p) => ({ lgCode: p.lgCode, code: p.code, formVersionId: p.formVersionId! })) });
    return reply.redirect(`/applications/${id}`, 303);
  });

  // Resume: where the person left off.
  app.get<{ Params: { id: string } }>('/applications/:id', async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    const { bulk } = loaded;
    if (bulk.status !== 'draft') return reply.redirect(`/applications/${bulk.id}/done`, 303);
    const flow = await loadFlow(ctx.db, bulk);
    if (bulk.shared.prefill === null && flow.shared.length) return reply.redirect(`/applications/${bulk.id}/prefill`, 303);
    const today = todayInJapanIso();
    const next = stepsOf(flow, today).find((s) => Object.keys(checkStep(s, today).errors).length > 0);
    return reply.redirect(next ? stepHref(bulk.id, next) : `/applications/${bulk.id}/review`, 303);
  });

  // Prefill from the profile only when the person says so; what was filled is marked on every step.
  const prefillPage = (request: FastifyRequest, reply: FastifyReply, bulk: StoredBulk, error?: Localized) => {
    const title = request.t('procedures.apply.shallWeFillInYour');
    const errors: FieldErrors = error ? { prefill: error } : {};
    const view = formView({ values: {}, errors }, request.locale);
    return sendPage(reply, { title, status: error ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/applications' } }, (
      <>
        {header(request, bulk)}
        <form method="post" action={`/applications/${bulk.id}/prefill`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <Radios
            name="prefill"
            legend={title}
            isPageHeading
            hint={request.t('procedures.apply.yourNameItsKatakanaDate')}
            errorMessage={view.error('prefill')}
            items={[
              { value: 'yes', text: request.t('procedures.apply.yesFillThemInFrom') },
              { value: 'no', text: request.t('procedures.apply.noIWillTypeThem') },
            ]}
          />
          <Button>{request.t('procedures.apply.continue')}</Button>
        </form>
      </>
    ));
  };
  app.get<{ Params: { id: string } }>('/applications/:id/prefill', async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    if (loaded.bulk.status !== 'draft') return reply.redirect(`/applications/${loaded.bulk.id}/done`, 303);
    return prefillPage(request, reply, loaded.bulk);
  });
  app.post<{ Params: { id: string } }>('/applications/:id/prefill', { preHandler: app.csrfProtection }, async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    const { bulk, account } = loaded;
    if (bulk.status !== 'draft') return reply.redirect(`/applications/${bulk.id}/done`, 303);
    const choice = (request.body as Record<string, unknown> | undefined)?.prefill;
    if (choice !== 'yes' && choice !== 'no') return prefillPage(request, reply, bulk, { ja: 'プロフィールの内容を使うかどうかを選んでください', en: 'Choose whether to use your profile' });
    const flow = await loadFlow(ctx.db, bulk);
    let shared = { ...bulk.shared, prefill: choice } as StoredBulk['shared'];
    // A proxy fills in for the person by hand: their own profile is not the applicant's.
    if (choice === 'yes' && !account.actingFor) {
      // What the My Number card verified wins over what was typed into the profile, and says so.
      const filled = recordedPrefill(await recordedDetails(ctx.app, bulk.applicantAccountId), flow.shared);
      // Never over what the person already typed.
      const keys = filled.keys.filter((k) => !Object.keys(shared.values).some((n) => n === k || n.startsWith(`${k}-`)));
      shared = {
        ...shared,
        values: { ...Object.fromEntries(Object.entries(filled.values).filter(([n]) => keys.some((k) => n === k || n.startsWith(`${k}-`)))), ...shared.values },
        prefilled: [...new Set([...shared.prefilled, ...keys])],
        verified: [...new Set([...(shared.verified ?? []), ...filled.verified.filter((k) => keys.includes(k))])],
      };
    }
    await store.saveShared(ctx.db, bulk.id, shared);
    const first = flow.sharedDefinition.pages[0];
    return reply.redirect(first ? stepHref(bulk.id, { section: 'shared', page: first }) : `/applications/${bulk.id}`, 303);
  });

  // One step.
  type StepParams = { id: string; section: string; page: string };
  const findStep = (flow: Flow, params: StepParams, steps: Step[]) => {
    const step = steps.find((s) => s.section === params.section && s.page.id === params.page);
    if (!step) throw new AppError(PlatformErrors.NOT_FOUND);
    return step;
  };
  const sectionTitle = (request: FastifyRequest, flow: Flow, section: string) =>
    section === 'shared' ? request.t('procedures.apply.sharedDetailsUsedInEvery') : flow.forms.find((f) => f.application.id === section)!.procedure.title[request.locale];

  const sendStep = async (request: FastifyRequest, reply: FastifyReply, flow: Flow, steps: Step[], step: Step, values: FormValues, errors: FieldErrors, review: boolean) => {
    const fileFields = step.page.fields.filter((f) => f.type === 'file');
    const application = flow.bulk.applications.find((a) => a.id === step.section);
    const attached = fileFields.length && application ? await listAttachments(ctx.db, application) : new Map<string, { filename: string }>();
    const today = todayInJapanIso();
    const answers = validateAnswers(step.definition, values, { today, pages: [] }).values;
    const state: FormPageState = { definition: step.definition, page: step.page, values, answers, errors, locale: request.locale, t: request.t };
    const view = formView({ values, errors }, request.locale);
    const heading = pageHeading(state);
    const index = steps.findIndex((s) => s.section === step.section && s.page.id === step.page.id);
    const previous = index > 0 ? stepHref(flow.bulk.id, steps[index - 1]!) : flow.shared.length ? `/applications/${flow.bulk.id}/prefill` : undefined;
    const prefilled = step.section === 'shared' && step.page.fields.some((f) => flow.bulk.shared.prefilled.includes(f.key));
    return sendPage(reply, { title: heading.text, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: review ? { href: `/applications/${flow.bulk.id}/review` } : previous ? { href: previous } : undefined }, (
      <>
        {header(request, flow.bulk)}
        <p class="caption">{sectionTitle(request, flow, step.section)}（{index + 1} / {steps.length}）</p>
        {prefilled && (step.page.fields.some((f) => flow.bulk.shared.verified?.includes(f.key))
          ? <InsetText><Tag tone="success">{request.t('procedures.assist.verified')}</Tag> {request.t('procedures.apply.verifiedByYourCard')}</InsetText>
          : <InsetText><Tag tone="info">{request.t('procedures.apply.fromYourProfile')}</Tag> {request.t('procedures.apply.weFilledThisInFrom')}</InsetText>)}
        {fileFields.filter((f) => attached.has(f.key)).map((f) => (
          <InsetText>{request.t('procedures.apply.attachedFor', { label: f.label[request.locale] })}<strong>{attached.get(f.key)!.filename}</strong>{request.t('procedures.apply.chooseAFileOnlyTo')}</InsetText>
        ))}
        <form method="post" action={`${stepHref(flow.bulk.id, step)}${review ? '?review=1' : ''}`} novalidate {...(fileFields.length ? { enctype: 'multipart/form-data' } : {})}>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <button type="submit" class="visually-hidden" tabindex={-1} aria-hidden="true">{request.t('procedures.form.continue')}</button>
          <FormPageFields state={state} />
          <div class="button-group">
            <Button>{request.t('procedures.apply.saveAndContinue')}</Button>
            {/* Saves this page too, right or wrong, so what was typed here is not lost. */}
            <Button variant="secondary" name="_later" value="1">{request.t('procedures.apply.comeBackLaterYourAnswers')}</Button>
          </div>
        </form>
      </>
    ));
  };

  app.get<{ Params: StepParams }>('/applications/:id/steps/:section/:page', async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    if (loaded.bulk.status !== 'draft') return reply.redirect(`/applications/${loaded.bulk.id}/done`, 303);
    const flow = await loadFlow(ctx.db, loaded.bulk);
    const steps = stepsOf(flow, todayInJapanIso());
    const step = findStep(flow, request.params, steps);
    return sendStep(request, reply, flow, steps, step, step.values, {}, 'review' in (request.query as object));
  });

  // Steps with a file field post multipart/form-data, parsed on this route only.
  await app.register(async (scoped) => {
  await acceptUploads(scoped);
  scoped.post<{ Params: StepParams; Querystring: { review?: string } }>('/applications/:id/steps/:section/:page', { preHandler: app.csrfProtection }, async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    const { bulk } = loaded;
    if (bulk.status !== 'draft') return reply.redirect(`/applications/${bulk.id}/done`, 303);
    const today = todayInJapanIso();
    let flow = await loadFlow(ctx.db, bulk);
    const step = findStep(flow, request.params, stepsOf(flow, today));
    // Save what was typed on this page, right or wrong.
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { group, uploadErrors } = await saveStep(ctx, store, bulk, step, body, actorId(request.actor));
    if (body._later !== undefined) return reply.redirect('/account/applications?saved=1', 303);
    flow = await loadFlow(ctx.db, bulk);
    const steps = stepsOf(flow, today);
    const saved = findStep(flow, request.params, steps);
    const review = request.query.review !== undefined;
    if (group) return sendStep(request, reply, flow, steps, saved, saved.values, {}, review);
    const errors = { ...checkStep(saved, today).errors, ...uploadErrors };
    if (Object.keys(errors).length) return sendStep(request, reply, flow, steps, saved, saved.values, errors, review);
    if (review) return reply.redirect(`/applications/${bulk.id}/review`, 303);
    const index = steps.indexOf(saved);
    const next = steps[index + 1];
    return reply.redirect(next ? stepHref(bulk.id, next) : `/applications/${bulk.id}/review`, 303);
  });
  });

  // Check your answers: one list per application, the shared answers first.
  const sendReview = async (request: FastifyRequest, reply: FastifyReply, account: SignedInAccount, flow: Flow, problems: Step[] | undefined, status?: number) => {
    const today = todayInJapanIso();
    const { bulk } = flow;
    const steps = stepsOf(flow, today);
    const missing = problems ?? steps.filter((s) => Object.keys(checkStep(s, today).errors).length > 0);
    const gap = levelGap(account, flow.forms.map((f) => f.procedure));
    const unsigned = gap ? [] : await signatureProblems(ctx, flow, today);
    const rowsOf = (section: string) =>
      steps
        .filter((s) => s.section === section)
        .flatMap((s) => {
          const answers = validateAnswers(s.definition, s.values, { today }).values;
          return visibleFields(s.page, answers).map((field): SummaryListRow => {
            const lines = formatAnswer(field, answers[field.key], request.locale, request.t).split('\n');
            const file = field.type === 'file' && answers[field.key] !== undefined ? `/applications/${bulk.id}/files/${section}/${field.key}` : undefined;
            const fromProfile = section === 'shared' && bulk.shared.prefilled.includes(field.key);
            return {
              key: field.label[request.locale],
              value: <>{file ? <a href={file}>{lines[0]}</a> : lines.map((line, i) => (i === 0 ? line : <><br />{line}</>))}{fromProfile && (bulk.shared.verified?.includes(field.key) ? <> <Tag tone="success">{request.t('procedures.assist.verified')}</Tag></> : <> <Tag tone="info">{request.t('procedures.apply.fromYourProfile')}</Tag></>)}</>,
              actions: [{ href: `${stepHref(bulk.id, s)}?review=1`, text: request.t('procedures.result.change'), visuallyHiddenText: field.label[request.locale] }],
            };
          });
        });
    const title = request.t('procedures.apply.checkYourAnswers');
    const summary = missing.map((s) => ({ text: `${sectionTitle(request, flow, s.section)}: ${pageHeading({ definition: s.definition, page: s.page, answers: {}, locale: request.locale }).text} — ${request.t('procedures.apply.missingOrWrong')}`, href: stepHref(bulk.id, s) }));
    return sendPage(reply, { title, status: status ?? (problems ? 422 : 200), errorSummary: problems ? summary : undefined, backLink: { href: '/account/applications' } }, (
      <>
        {header(request, bulk)}
        <h1>{title}</h1>
        {!problems && missing.length > 0 && (
          <InsetText>
            <p>{request.t('procedures.apply.someAnswersAreStillMissing')}</p>
            <ul>{summary.map((s) => <li><a href={s.href}>{s.text}</a></li>)}</ul>
          </InsetText>
        )}
        {flow.shared.length > 0 && (
          <section aria-labelledby="review-shared">
            <h2 id="review-shared">{sectionTitle(request, flow, 'shared')}</h2>
            <SummaryList rows={rowsOf('shared')} />
          </section>
        )}
        {flow.forms.map((f) => (
          <section aria-labelledby={`review-${f.application.id}`}>
            <h2 id={`review-${f.application.id}`}>{f.procedure.title[request.locale]}</h2>
            <SummaryList rows={rowsOf(f.application.id)} />
          </section>
        ))}
        {gap ? (
          <LevelNotice request={request} gap={gap} back={`/applications/${bulk.id}/review`} />
        ) : unsigned.length ? (
          <SignNotice request={request} bulkId={bulk.id} problems={unsigned} />
        ) : (
          <form method="post" action={`/applications/${bulk.id}/submit`}>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <input type="hidden" name="submissionKey" value={bulk.submissionKey} />
            <p>{bulk.practice ? request.t('procedures.apply.practiceNote') : request.t('procedures.apply.pressingApplySends', { count: flow.forms.length })}</p>
            <Button>{bulk.practice ? request.t('procedures.apply.applyPractice') : request.t('procedures.apply.apply')}</Button>
          </form>
        )}
      </>
    ));
  };
  app.get<{ Params: { id: string } }>('/applications/:id/review', async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    if (loaded.bulk.status !== 'draft') return reply.redirect(`/applications/${loaded.bulk.id}/done`, 303);
    return sendReview(request, reply, loaded.account, await loadFlow(ctx.db, loaded.bulk), undefined);
  });

  app.post<{ Params: { id: string } }>('/applications/:id/submit', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = requireResident(request, reply);
    if (!account) return reply;
    const key = (request.body as Record<string, unknown> | undefined)?.submissionKey;
    if (typeof key !== 'string' || !/^[0-9a-f-]{36}$/.test(key)) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: '「submissionKey」がありません。確認のページからもう一度申請してください', en: '"submissionKey" is missing: apply again from the check page' } });
    const bulk = await store.findBulk(ctx.db, request.params.id, applicantOf(account).accountId);
    if (!bulk) {
      // A practice application is gone once submitted: a retry of it finds its key.
      const earlier = await proceduresDb(ctx.app.db).selectFrom('procedures_application_submissions').select('practice').where('submission_key', '=', key).executeTakeFirst();
      if (earlier?.practice) return reply.redirect('/applications/practice/done', 303);
      throw new AppError(PlatformErrors.NOT_FOUND);
    }
    if (bulk.status === 'draft' && key !== bulk.submissionKey) throw new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: '「submissionKey」がこの申請のものではありません', en: '"submissionKey" does not belong to this application' } });
    const flow = await loadFlow(ctx.db, bulk);
    // A procedure taken offline since the draft began can no longer be applied for here.
    const closed = flow.forms.filter((f) => f.procedure.status !== 'published' || (f.procedure.channel !== 'portal' && !f.procedure.acceptsGenericForm));
    if (bulk.status === 'draft' && closed.length)
      throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: `「${closed.map((f) => f.procedure.title.ja).join('、')}」は、いまはこのポータルで申請できません。下書きから削除するか、担当課にお問い合わせください`, en: `"${closed.map((f) => f.procedure.title.en).join(', ')}" can no longer be applied for on this portal. Delete the draft or contact the department` } });
    // The mandate as it is now, whatever it was when the draft began.
    if (bulk.status === 'draft') assertWithinMandate(account, flow.forms.map((f) => f.procedure));
    if (bulk.status === 'draft' && levelGap(account, flow.forms.map((f) => f.procedure))) return sendReview(request, reply, account, flow, undefined, 403);
    // Level A: a valid card signature over exactly the content being submitted (application-signatures.ts).
    if (bulk.status === 'draft' && (await signatureProblems(ctx, flow, todayInJapanIso())).length) return sendReview(request, reply, account, flow, undefined, 403);
    const result = await submitApplication(ctx, flow, key, todayInJapanIso(), { actor: actorId(request.actor), ip: request.ip, requestId: request.id });
    if (result.kind === 'incomplete') return sendReview(request, reply, account, flow, result.steps);
    if (result.kind === 'practice' || (result.kind === 'already' && result.practice)) return reply.redirect('/applications/practice/done', 303);
    if (result.kind === 'submitted') {
      const titles = flow.forms.map((f, i) => `${f.procedure.title.ja}（受付番号 ${result.receipts[i]!.receiptNumber}）`).join('、');
      const titlesEn = flow.forms.map((f, i) => `${f.procedure.title.en} (receipt ${result.receipts[i]!.receiptNumber})`).join(', ');
      const note = { lgCode: bulk.lgCode, title: { ja: '申請を受け付けました', en: 'Your application was received' }, body: { ja: titles, en: titlesEn }, link: `/applications/${bulk.id}/done` };
      await notify(ctx.app, bulk.applicantAccountId, note);
      if (bulk.proxyAccountId) await notify(ctx.app, bulk.proxyAccountId, note);
    }
    return reply.redirect(`/applications/${bulk.id}/done`, 303);
  });

  // The person's own attachment, as a download (never shown inline: the type came from the content).
  app.get<{ Params: { id: string; applicationId: string; key: string } }>('/applications/:id/files/:applicationId/:key', async (request, reply) => {
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    const application = loaded.bulk.applications.find((a) => a.id === request.params.applicationId);
    const meta = application && /^[a-z][a-zA-Z0-9]{0,40}$/.test(request.params.key) ? (await listAttachments(ctx.db, application)).get(request.params.key) : undefined;
    const data = meta && application ? await openAttachment(ctx.db, ctx.app.sealer, application, request.params.key) : undefined;
    if (!meta || !data) throw new AppError(PlatformErrors.NOT_FOUND);
    return reply
      .header('content-type', meta.contentType)
      .header('content-disposition', `attachment; filename="file.${meta.contentType === 'application/pdf' ? 'pdf' : meta.contentType === 'image/png' ? 'png' : 'jpg'}"; filename*=UTF-8''${encodeURIComponent(meta.filename)}`)
      .header('cache-control', 'private, no-store')
      .send(data);
  });

  app.get<{ Params: { id: string } }>('/applications/:id/done', async (request, reply) => {
    if (request.params.id === 'practice') {
      if (!requireResident(request, reply)) return reply;
      const title = request.t('procedures.apply.yourPracticeApplicationIsComplete');
      return sendPage(reply, { title }, (
        <>
          <Panel title={title}>{request.t('procedures.apply.practiceOnlyThereIsNo')}</Panel>
          <WarningText>{request.t('procedures.apply.practiceNote')}</WarningText>
          <p>{request.t('procedures.apply.aRealApplicationGoesThe')}</p>
          <p><a href="/account/applications">{request.t('procedures.apply.yourApplications')}</a></p>
        </>
      ));
    }
    const loaded = await loadBulk(request, reply);
    if (!loaded) return reply;
    const { bulk } = loaded;
    if (bulk.status === 'draft') return reply.redirect(`/applications/${bulk.id}`, 303);
    const flow = await loadFlow(ctx.db, bulk);
    const fees = await feeStatesOf(ctx, payments, flow.forms.map((f) => f.application));
    const csrf = pageCsrfToken(reply);
    const title = request.t('procedures.apply.yourApplicationWasReceived');
    return sendPage(reply, { title }, (
      <>
        <Panel title={title}>{request.t('procedures.apply.eachHasReceipt', { count: flow.forms.length })}</Panel>
        <SummaryList rows={flow.forms.map((f) => {
          const fee = fees.get(f.application.id);
          return { key: f.procedure.title[request.locale], value: <>{request.t('procedures.apply.receiptNumber')} <strong class="receipt-number">{f.application.receiptNumber}</strong>{fee && <><br /><FeeAction request={request} csrf={csrf} application={f.application} state={fee} /></>}</> };
        })} />
        {fees.size > 0 && <p>{request.t('procedures.payment.doneNote')}</p>}
        <p>{request.t('procedures.apply.weHaveSentYouA')}</p>
        <p><a href="/account/applications">{request.t('procedures.apply.yourApplications')}</a></p>
      </>
    ));
  });
}

/** Why the level A applications cannot be submitted yet, with the way to sign them. */
function SignNotice(props: { request: FastifyRequest; bulkId: string; problems: SignatureProblem[] }) {
  const { request, problems } = props;
  return (
    <InsetText>
      <p>{say(request, { ja: 'マイナンバーカードによる電子署名が必要な申請があります。署名してから申請してください。', en: 'Some applications need an electronic signature with your My Number card. Sign them before applying.' })}</p>
      <ul>
        {problems.map((p) => (
          <li>
            {p.form.procedure.title[request.locale]}：
            {p.reason === 'unsigned' ? say(request, { ja: 'まだ署名していません', en: 'not signed yet' })
              : p.reason === 'changed' ? say(request, { ja: '署名した後に内容が変わりました。もう一度署名してください', en: 'changed after signing: sign again' })
                : say(request, p.message ?? { ja: '署名を確認できません', en: 'the signature cannot be verified' })}
          </li>
        ))}
      </ul>
      <Button href={`/applications/${props.bulkId}/sign`}>{say(request, { ja: 'マイナンバーカードで署名する', en: 'Sign with my My Number card' })}</Button>
    </InsetText>
  );
}

export function LevelNotice(props: { request: FastifyRequest; gap: 'A' | 'B'; back: string }) {
  const { request, gap, back } = props;
  return (
    <WarningText>
      {gap === 'A'
        ? request.t('procedures.apply.levelANeeded')
        : request.t('procedures.apply.levelBNeeded')}{' '}
      <a href={`/login/step-up?level=${gap}&return=${encodeURIComponent(back)}`}>{gap === 'A' ? request.t('procedures.apply.checkMyIdentityWithThe') : request.t('procedures.apply.howToHaveYourIdentity')}</a>
    </WarningText>
  );
}
