// The resident's side of a return for correction (差戻し): the application page with its status
// and, when returned, the reasons per answer; and the correction of that one application (not
// the rest of the bulk application): the pages holding a returned answer (every page when the
// reason is about the whole application), prefilled with what was submitted, checked by the
// answer engine, then resubmitted (returned → resubmitted) with the changes recorded for staff.
//   GET      /account/applications/{lgCode}/{id}            the application
//   GET|POST /account/applications/{lgCode}/{id}/correct    correct and resubmit
// A file field named in a reason (every one, for a reason about the whole application) may get a
// new file, checked as on first submission (checkUpload); the old file is kept for the history.
// Other attachments stay as they are.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { formatDateTime, todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { ApplicationStore, type StoredApplication } from '../applications/application-store.ts';
import { acceptUploads, uploadIn } from '../applications/save-step.ts';
import { inspectUpload, listAttachments } from '../applications/attachments.ts';
import { findProcedure } from '../catalog/catalog-store.ts';
import type { ReturnReason } from '../db/schema.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import { type ResolvedDefinition, type ResolvedField, type ResolvedPage } from '../forms/form-definition.ts';
import { findVersion } from '../forms/form-store.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { latestReturn, resubmit, type Replacement } from '../workflow/decisions.ts';
import { applicantOf, requireResident, say } from './application-pages.tsx';
import { assertWithinMandate } from '../applications/mandate-scope.ts';
import { AnswersList } from './form-answers-view.tsx';
import { FormPageQuestions } from './form-renderer.tsx';
import { STATUS } from './my-applications-pages.tsx';
import { fieldLabel } from './staff-application-pages.tsx';

type Key = { lgCode: string; id: string };

/** The names a page's fields post (a key, or `<key>-…` for dates, addresses and groups). */
const ownsName = (page: ResolvedPage, name: string) => page.fields.some((f) => f.type !== 'file' && (name === f.key || name.startsWith(`${f.key}-`)));

/** The pages to correct: those with a returned answer, or all of them for a reason about the whole application. */
function pagesToCorrect(definition: ResolvedDefinition, reasons: ReturnReason[]): ResolvedPage[] {
  if (reasons.some((r) => r.field === null)) return definition.pages;
  return definition.pages.filter((p) => p.fields.some((f) => reasons.some((r) => r.field === f.key)));
}

/** The file fields whose attachment may be replaced: those with a reason, or all for a reason about the whole application. */
function filesToReplace(definition: ResolvedDefinition, reasons: ReturnReason[]): ResolvedField[] {
  const all = reasons.some((r) => r.field === null);
  return definition.pages.flatMap((p) => p.fields).filter((f) => f.type === 'file' && (all || reasons.some((r) => r.field === f.key)));
}

export function ReturnReasons(props: { definition: ResolvedDefinition; reasons: ReturnReason[]; locale: 'ja' | 'en' }) {
  return <ul>{props.reasons.map((r) => <li><strong>{fieldLabel(props.definition, r.field, props.locale)}</strong>：{r.reason}</li>)}</ul>;
}

export async function returnedApplicationPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const store = new ApplicationStore(ctx.app.sealer);

  const load = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply) => {
    const account = requireResident(request, reply);
    if (!account) return undefined;
    const application = await store.findApplication(ctx.db, request.params.lgCode, request.params.id, applicantOf(account).accountId);
    if (!application || application.practice || application.status === 'draft') throw new AppError(PlatformErrors.NOT_FOUND);
    const definition = (await findVersion(ctx.db, application.lgCode, { id: application.formVersionId }))!.definition;
    const procedure = await findProcedure(ctx.db, application.lgCode, application.procedureCode);
    const returned = application.status === 'returned' ? await latestReturn(ctx.db, application) : undefined;
    return { account, application, definition, procedure, title: procedure?.title[request.locale] ?? application.procedureCode, returned };
  };

  app.get<{ Params: Key; Querystring: { done?: string } }>('/account/applications/:lgCode/:id', async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { application, definition, title, returned } = loaded;
    const { locale, t } = request;
    const base = `/account/applications/${application.lgCode}/${application.id}`;
    return sendPage(reply, { title, backLink: { href: '/account/applications', text: say(request, { ja: '申請の一覧に戻る', en: 'Back to your applications' }) } }, (
      <>
        {request.query.done === 'resubmitted' && <NotificationBanner type="success"><p class="notification-banner__heading">{say(request, { ja: '修正した内容で再申請しました', en: 'Your corrected application was resubmitted' })}</p></NotificationBanner>}
        <span class="caption-l">{say(request, { ja: `受付番号 ${application.receiptNumber}`, en: `Receipt number ${application.receiptNumber}` })}</span>
        <h1>{title}</h1>
        <SummaryList rows={[
          { key: say(request, { ja: '状況', en: 'Status' }), value: <Tag tone={application.status === 'returned' ? 'warning' : 'info'}>{STATUS[application.status][locale]}</Tag> },
          { key: say(request, { ja: '申請日時', en: 'Submitted' }), value: application.submittedAt ? formatDateTime(application.submittedAt, locale) : '—' },
        ]} />
        {returned && (
          <section aria-labelledby="returned">
            <h2 id="returned">{say(request, { ja: '修正をお願いします', en: 'Please correct your application' })}</h2>
            <WarningText>{say(request, { ja: '担当課から、次の項目の修正を求められています。修正して再申請してください。', en: 'The department asks you to correct the following. Correct them and resubmit.' })}</WarningText>
            <ReturnReasons definition={definition} reasons={returned.reasons} locale={locale} />
            <p><Button href={`${base}/correct`}>{say(request, { ja: '修正して再申請する', en: 'Correct and resubmit' })}</Button></p>
          </section>
        )}
        <h2>{say(request, { ja: '申請した内容', en: 'What you submitted' })}</h2>
        <AnswersList definition={definition} answers={application.own.answers ?? {}} pages={definition.pages.map((p) => p.id)} locale={locale} t={t} />
      </>
    ));
  });

  const renderCorrection = async (request: FastifyRequest<{ Params: Key }>, reply: FastifyReply, loaded: NonNullable<Awaited<ReturnType<typeof load>>>, values: FormValues, errors: FieldErrors) => {
    const { application, definition, title, returned } = loaded;
    const { locale, t } = request;
    const files = filesToReplace(definition, returned!.reasons);
    const attached = files.length ? await listAttachments(ctx.db, application) : new Map<string, { filename: string }>();
    const view = formView({ values, errors }, locale);
    const answers = validateAnswers(definition, values, { today: todayInJapanIso() }).values;
    const heading = say(request, { ja: `${title}の修正`, en: `Correct: ${title}` });
    return sendPage(reply, { title: heading, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: `/account/applications/${application.lgCode}/${application.id}` } }, (
      <>
        <span class="caption-l">{say(request, { ja: `受付番号 ${application.receiptNumber}`, en: `Receipt number ${application.receiptNumber}` })}</span>
        <h1>{heading}</h1>
        <p>{say(request, { ja: '担当課からの修正の依頼：', en: 'What the department asks you to correct:' })}</p>
        <ReturnReasons definition={definition} reasons={returned!.reasons} locale={locale} />
        {files.filter((f) => attached.has(f.key)).map((f) => (
          <InsetText>{t('procedures.apply.attachedFor', { label: f.label[locale] })}<strong>{attached.get(f.key)!.filename}</strong>{t('procedures.correct.chooseToReplace')}</InsetText>
        ))}
        <form method="post" action={`/account/applications/${application.lgCode}/${application.id}/correct`} novalidate {...(files.length ? { enctype: 'multipart/form-data' } : {})}>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          {pagesToCorrect(definition, returned!.reasons).map((page) => (
            <section>
              <h2>{(page.title ?? definition.title)[locale]}</h2>
              <FormPageQuestions state={{ definition, page, values, answers, errors, locale, t }} files={files.map((f) => f.key)} />
            </section>
          ))}
          <p>{say(request, { ja: 'ほかの回答と添付ファイルは、申請したときのまま送られます。', en: 'Your other answers and attachments are sent as submitted.' })}</p>
          <Button>{say(request, { ja: '修正して再申請する', en: 'Resubmit with the corrections' })}</Button>
        </form>
      </>
    ));
  };

  app.get<{ Params: Key }>('/account/applications/:lgCode/:id/correct', async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    if (!loaded.returned) return reply.redirect(`/account/applications/${loaded.application.lgCode}/${loaded.application.id}`, 303);
    return renderCorrection(request, reply, loaded, loaded.application.own.values, {});
  });

  // A correction with a file to replace posts multipart/form-data, parsed on this route only.
  await app.register(async (scoped) => {
    await acceptUploads(scoped);
    scoped.post<{ Params: Key }>('/account/applications/:lgCode/:id/correct', { preHandler: app.csrfProtection }, async (request, reply) => {
      const loaded = await load(request, reply);
      if (!loaded) return reply;
      const { application, definition, returned } = loaded;
      if (!returned) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この申請は差し戻されていないため、修正できません', en: 'This application is not returned for correction' } });
      // Resubmitting for the person is applying for them: within the mandate only.
      assertWithinMandate(loaded.account, [{ lgCode: application.lgCode, code: application.procedureCode, title: loaded.procedure?.title ?? { ja: application.procedureCode, en: application.procedureCode } }]);
      const editable = pagesToCorrect(definition, returned.reasons);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const posted = formValues(body);
      // Only the names of the pages being corrected are taken from the post; the rest stays as submitted.
      const kept = Object.fromEntries(Object.entries(application.own.values).filter(([name]) => !editable.some((p) => ownsName(p, name))));
      const values: FormValues = { ...kept, ...Object.fromEntries(Object.entries(posted).filter(([name]) => editable.some((p) => ownsName(p, name)))) };
      // A file field's answer is the name of its attachment: a new file replaces it, no file keeps it.
      const uploadErrors: FieldErrors = {};
      const replacements: Replacement[] = [];
      for (const field of filesToReplace(definition, returned.reasons)) {
        const upload = uploadIn(body, field.key);
        if (!upload) continue;
        const checked = await inspectUpload(ctx, field, upload, { actor: actorId(request.actor), lgCode: application.lgCode });
        if ('error' in checked) uploadErrors[field.key] = checked.error;
        else {
          replacements.push({ key: field.key, filename: checked.filename, contentType: checked.contentType, data: upload.data });
          values[field.key] = checked.filename;
        }
      }
      const checked = validateAnswers(definition, values, { today: todayInJapanIso() });
      const errors = { ...checked.errors, ...uploadErrors };
      if (Object.keys(errors).length) return renderCorrection(request, reply, loaded, values, errors);
      const ok = await resubmit(ctx, application as StoredApplication, { values, answers: checked.values }, actorId(request.actor), { ip: request.ip, requestId: request.id }, replacements);
      if (!ok) throw new AppError(PlatformErrors.CONFLICT, { detail: { ja: 'この申請は既に再申請されています', en: 'This application was already resubmitted' } });
      return reply.redirect(`/account/applications/${application.lgCode}/${application.id}?done=resubmitted`, 303);
    });
  });
}
