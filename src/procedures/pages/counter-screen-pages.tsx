// The counter screen (書かない窓口): what the resident reads on the counter tablet, in large text,
// in Japanese with English beside it whatever the clerk's language, before anything is sent.
//   GET  /staff/counter/{id}/screen    the whole application; the card signature when level A; the declaration
//   POST /staff/counter/{id}/sign      the My Number card signs (JSON, as the resident's signing page: application-signatures.ts)
//   POST /staff/counter/{id}/confirm   the resident's confirmation (declaration + the digest of what the screen showed) → submitted
//   GET  /staff/counter/{id}/done      the receipt numbers
// It runs in the clerk's session (the tablet is the counter's), so the confirmation is recorded
// with the time and the clerk's id; the resident's own act is the declaration and, for level A,
// their card's signature.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CARD_SCRIPT, POST_JSON_SCRIPT, simulatorCards } from '../../identity/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { SummaryList, type SummaryListRow } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formValues, formView, messageOf, type FieldErrors } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { notify } from '../../portal/exports.ts';
import { checkStep, loadFlow, stepsOf, type Flow } from '../applications/application-flow.ts';
import { currentManifest, needsSignature, signApplications, signatureProblems, signedBytes } from '../applications/application-signatures.ts';
import { contentDigestOf, recordConfirmation, type CounterApplication } from '../applications/counter-applications.ts';
import { submitApplication } from '../applications/submit-application.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { counterHref, counterOf, metaOf, prefillTag } from './counter-pages.tsx';
import { formatAnswer } from './form-answers-view.tsx';
import { visibleFields } from './form-renderer.tsx';

const MAX_BASE64 = 32_768;
const ja = translator('ja');
const en = translator('en');
/** A message in Japanese with its English beside it (the resident may read either). */
const Both = (props: { k: string; params?: Record<string, string | number> }) => <>{ja(props.k, props.params)}<span lang="en" class="counter-screen__en">{en(props.k, props.params)}</span></>;

export async function counterScreenPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  /** The draft and its flow, or a redirect: to the receipts once submitted, to the clerk while answers are missing. */
  const draftFlow = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<{ counter: CounterApplication; flow: Flow } | undefined> => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return undefined;
    if (counter.bulk.status !== 'draft') { void reply.redirect(`${counterHref(counter.bulk.id)}/done`, 303); return undefined; }
    const flow = await loadFlow(ctx.db, counter.bulk);
    const today = todayInJapanIso();
    if (stepsOf(flow, today).some((s) => Object.keys(checkStep(s, today).errors).length > 0)) { void reply.redirect(`${counterHref(counter.bulk.id)}/check`, 303); return undefined; }
    return { counter, flow };
  };

  const screen = async (request: FastifyRequest, reply: FastifyReply, flow: Flow, errors: FieldErrors, status = 200, changed = false) => {
    const today = todayInJapanIso();
    const { bulk } = flow;
    const steps = stepsOf(flow, today);
    const rowsOf = (section: string) => steps.filter((s) => s.section === section).flatMap((s) => {
      const answers = validateAnswers(s.definition, s.values, { today }).values;
      return visibleFields(s.page, answers).map((field): SummaryListRow => ({
        key: <>{field.label.ja}<span lang="en" class="counter-screen__en">{field.label.en}</span></>,
        value: <>{formatAnswer(field, answers[field.key], 'ja', ja).split('\n').map((line, i) => (i ? <><br />{line}</> : line))}{section === 'shared' && prefillTag(bulk.shared, field.key, ja, ' ')}</>,
      }));
    });
    const signing = needsSignature(flow);
    const unsigned = signing.length ? await signatureProblems(ctx, flow, today) : [];
    const cards = unsigned.length ? await simulatorCards(ctx.app) : undefined;
    const bytes = unsigned.length ? signedBytes((await currentManifest(ctx, flow, today)).manifest) : undefined;
    const view = formView({ values: {}, errors }, request.locale);
    const csrf = pageCsrfToken(reply);
    return sendPage(reply, { title: request.t('procedures.assist.screenTitle'), status, errorSummary: view.errorSummary, scripts: cards ? [POST_JSON_SCRIPT, CARD_SCRIPT] : [] }, (
      <div class="counter-screen" lang="ja">
        <h1><Both k="procedures.assist.screenTitle" /></h1>
        <p><Both k="procedures.assist.screenLead" /></p>
        {changed && <WarningText><Both k="procedures.assist.changed" /></WarningText>}
        {flow.shared.length > 0 && (
          <section aria-labelledby="screen-shared">
            <h2 id="screen-shared"><Both k="procedures.apply.sharedDetailsUsedInEvery" /></h2>
            <SummaryList rows={rowsOf('shared')} />
          </section>
        )}
        {flow.forms.map((f) => (
          <section aria-labelledby={`screen-${f.application.id}`}>
            <h2 id={`screen-${f.application.id}`}>{f.procedure.title.ja}<span lang="en" class="counter-screen__en">{f.procedure.title.en}</span></h2>
            <SummaryList rows={rowsOf(f.application.id)} />
          </section>
        ))}
        {signing.length > 0 && (
          <section aria-labelledby="screen-sign">
            <h2 id="screen-sign"><Both k="procedures.assist.screenSign" /></h2>
            {unsigned.length === 0 ? <p><Tag tone="success">{ja('procedures.assist.screenSigned')}</Tag> <span lang="en">{en('procedures.assist.screenSigned')}</span></p> : (
              <>
                <p><Both k="procedures.assist.screenSignLead" /></p>
                {unsigned.some((u) => u.reason !== 'unsigned') && <WarningText><Both k="procedures.assist.unsigned" /></WarningText>}
                <ul>{signing.map((f) => <li>{f.procedure.title.ja}</li>)}</ul>
                {cards ? (
                  <form id="card-simulator" data-module="card-simulator" data-sign-data={Buffer.from(bytes!).toString('base64url')} data-action={`${counterHref(bulk.id)}/sign`} data-pin-message={request.t('identity.card.pinInvalid')} novalidate>
                    <WarningText>{request.t('identity.card.simulatorWarning')}</WarningText>
                    <Radios legend={request.t('identity.card.chooseCard')} name="card" items={cards.map((c) => ({ value: c.id, text: c.label[request.locale] }))} value={cards[0]?.id} />
                    <TextInput label={request.t('identity.card.pinLabel')} hint={request.t('identity.card.pinHint')} name="pin" autocomplete="off" spellcheck={false} width="10" />
                    <p class="card-result" role="alert" data-card-result hidden></p>
                    <noscript><p>{request.t('identity.card.needsScript')}</p></noscript>
                    <Button type="submit"><Both k="procedures.assist.signButton" /></Button>
                  </form>
                ) : <InsetText>{request.t('identity.card.production')}</InsetText>}
              </>
            )}
          </section>
        )}
        {unsigned.length === 0 && (
          <form method="post" action={`${counterHref(bulk.id)}/confirm`} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <input type="hidden" name="digest" value={await contentDigestOf(ctx, flow, today)} />
            <Checkboxes legend={`${ja('procedures.assist.declaration')} / ${en('procedures.assist.declaration')}`} items={[{ value: 'yes', text: `${ja('procedures.assist.declare')} / ${en('procedures.assist.declare')}` }]} {...view.choices('declare')} />
            <Button preventDoubleClick><Both k="procedures.assist.confirm" /></Button>
          </form>
        )}
        <p><a href={`${counterHref(bulk.id)}/check`}>{request.t('procedures.assist.backToClerk')}</a></p>
      </div>
    ));
  };

  app.get<{ Params: { id: string } }>('/staff/counter/:id/screen', async (request, reply) => {
    const found = await draftFlow(request, reply);
    if (!found) return reply;
    return screen(request, reply, found.flow, {});
  });

  const body = {
    type: 'object',
    additionalProperties: false,
    required: ['certificate', 'signature'],
    properties: { certificate: { type: 'string', maxLength: MAX_BASE64 }, signature: { type: 'string', maxLength: MAX_BASE64 } },
  } as const;
  app.post<{ Params: { id: string }; Body: { certificate: string; signature: string } }>('/staff/counter/:id/sign', { preHandler: app.csrfProtection, schema: { body } }, async (request, reply) => {
    const found = await draftFlow(request, reply);
    if (!found) return reply;
    const { counter, flow } = found;
    if (!needsSignature(flow).length) throw new AppError(PlatformErrors.CONFLICT, { detail: messageOf('procedures.assist.noSignature') });
    // The card must be the resident's own (identity's check), exactly as when they sign at home.
    const checked = await signApplications(ctx, flow, todayInJapanIso(), request.body);
    if (!checked.ok) return reply.code(checked.status).send({ code: checked.code, message: checked.message[request.locale] });
    await appendAudit(ctx.app.db, { actor: actorId(request.actor), action: 'procedures.counter_signed', lgCode: counter.officeLgCode, subject: `bulk:${counter.bulk.id}`, ip: request.ip, requestId: request.id, details: { resident: counter.bulk.applicantAccountId, certificate: checked.fingerprint } });
    return { redirect: `${counterHref(counter.bulk.id)}/screen` };
  });

  app.post<{ Params: { id: string } }>('/staff/counter/:id/confirm', { preHandler: app.csrfProtection }, async (request, reply) => {
    const found = await draftFlow(request, reply);
    if (!found) return reply;
    const { counter, flow } = found;
    const values = formValues(request.body);
    const today = todayInJapanIso();
    const closed = flow.forms.filter((f) => f.procedure.status !== 'published');
    if (closed.length) throw new AppError(PlatformErrors.CONFLICT, { detail: messageOf('procedures.assist.closed', { titles: closed.map((f) => f.procedure.title.ja).join('、') }) });
    if (![values.declare ?? []].flat().includes('yes')) return screen(request, reply, flow, { declare: messageOf('procedures.assist.declareMissing') }, 422);
    // What the resident read must be what is sent: a change since the screen was shown means reading again.
    const digest = await contentDigestOf(ctx, flow, today);
    if (values.digest !== digest) return screen(request, reply, flow, {}, 409, true);
    if ((await signatureProblems(ctx, flow, today)).length) return screen(request, reply, flow, {}, 403);
    const meta = metaOf(request);
    const result = await submitApplication(ctx, flow, flow.bulk.submissionKey, today, { actor: actorId(request.actor), ip: meta.ip, requestId: meta.requestId }, recordConfirmation(request.actor, counter, digest, meta));
    if (result.kind === 'incomplete') return reply.redirect(`${counterHref(counter.bulk.id)}/check`, 303);
    if (result.kind === 'submitted') {
      const titles = (locale: 'ja' | 'en') => flow.forms.map((f, i) => `${f.procedure.title[locale]}（${result.receipts[i]!.receiptNumber}）`).join(locale === 'ja' ? '、' : ', ');
      await notify(ctx.app, counter.bulk.applicantAccountId, { lgCode: counter.bulk.lgCode, title: messageOf('procedures.assist.notified'), body: { ja: titles('ja'), en: titles('en') }, link: '/account/applications' });
    }
    return reply.redirect(`${counterHref(counter.bulk.id)}/done`, 303);
  });

  app.get<{ Params: { id: string } }>('/staff/counter/:id/done', async (request, reply) => {
    const counter = await counterOf(ctx, request, reply);
    if (!counter) return reply;
    if (counter.bulk.status === 'draft') return reply.redirect(counterHref(counter.bulk.id), 303);
    const flow = await loadFlow(ctx.db, counter.bulk);
    return sendPage(reply, { title: request.t('procedures.assist.doneTitle') }, (
      <div class="counter-screen" lang="ja">
        <Panel title={`${ja('procedures.assist.doneTitle')} / ${en('procedures.assist.doneTitle')}`} headingLevel={1} />
        <p><Both k="procedures.assist.doneLead" /></p>
        <SummaryList rows={flow.forms.map((f) => ({ key: f.procedure.title.ja, value: <strong class="receipt-number">{f.application.receiptNumber}</strong> }))} />
        <p><a href="/staff/counter">{request.t('procedures.assist.another')}</a></p>
      </div>
    ));
  });
}
