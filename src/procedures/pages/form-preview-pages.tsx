// The staff preview of a form (issue 6 part 1): the form exactly as a resident will see it, one
// page at a time, with the answer checks running on every step, in Japanese or English, without
// JavaScript (the list of forms is the builder's, form-builder-pages.tsx). Nothing is stored: the answers travel in the pages' own hidden fields, and every
// page says so. The last step checks the whole form and shows the normalised answers.
//   GET  /staff/procedures/forms/{lgCode}/{code}/preview[?version=n]          the first page
//   GET  /staff/procedures/forms/{lgCode}/{code}/preview/{page}[?version=n]   a page, empty
//   POST /staff/procedures/forms/{lgCode}/{code}/preview/{page}[?version=n]   check it, then the next
// Without `version` the draft is shown, with the dictionary applied as publishing would.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { todayInJapanIso } from '../../platform/i18n/dates.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { validateAnswers, type Answers } from '../forms/answer-engine.ts';
import { resolveDefinition, type ResolvedDefinition, type ResolvedPage } from '../forms/form-definition.ts';
import { validateDefinition } from '../forms/definition-validator.ts';
import { findForm, findVersion, loadDictionary } from '../forms/form-store.ts';
import { ProceduresErrors } from '../errors.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { AnswersList } from './form-answers-view.tsx';
import { FormPageFields, pageHeading, type FormPageState } from './form-renderer.tsx';

type Params = { lgCode: string; code: string; page?: string };
type Query = { version?: string };
const base = (p: Params) => `/staff/procedures/forms/${p.lgCode}/${p.code}/preview`;

/** The names a page's fields post (a key, or `<key>-…` for dates, addresses and groups). */
const ownsName = (page: ResolvedPage, name: string) => page.fields.some((f) => name === f.key || name.startsWith(`${f.key}-`));

export async function formPreviewPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const load = async (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => {
    if (!requireStaff(request, reply)) return undefined;
    const { lgCode, code } = request.params;
    if (!/^[0-9]{6}$/.test(lgCode) || !/^[a-z][a-z0-9-]{1,60}$/.test(code)) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    await ctx.app.guard.assert(request.actor, 'procedures.read_catalog', lgCode);
    const versionText = request.query.version;
    if (versionText !== undefined) {
      if (!/^[1-9][0-9]{0,6}$/.test(versionText)) throw new AppError(ProceduresErrors.FORM_VERSION_NOT_FOUND);
      const version = await findVersion(ctx.db, lgCode, { code, version: Number(versionText) });
      if (!version) throw new AppError(ProceduresErrors.FORM_VERSION_NOT_FOUND);
      return { definition: version.definition, label: request.t('procedures.form.previewVersion', { version: version.version }), query: `?version=${version.version}`, problems: [] as string[] };
    }
    const form = await findForm(ctx.db, lgCode, code);
    if (!form) throw new AppError(ProceduresErrors.FORM_NOT_FOUND);
    const dictionary = await loadDictionary(ctx.db);
    // A draft may still have problems: the preview shows what it can and lists what to fix.
    const problems = validateDefinition(form.draft, dictionary).map((p) => p.detail[request.locale]);
    return { definition: resolveDefinition(form.draft, dictionary), label: request.t('procedures.form.previewDraft'), query: '', problems };
  };

  type Loaded = NonNullable<Awaited<ReturnType<typeof load>>>;

  const sendFormPage = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, loaded: Loaded, page: ResolvedPage, values: FormValues, answers: Answers, errors: FieldErrors, previous: string | undefined) => {
    const { t, locale } = request;
    const state: FormPageState = { definition: loaded.definition, page, values, answers, errors, locale, t };
    const view = formView({ values, errors }, locale);
    const heading = pageHeading(state);
    return sendPage(
      reply,
      { title: heading.text, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary },
      <>
        <p class="caption">{t('procedures.form.previewCaption', { form: loaded.definition.title[locale], which: loaded.label })}</p>
        <WarningText>{t('procedures.form.previewNotStored')}</WarningText>
        {loaded.problems.length > 0 && (
          <div class="inset-text">
            <p>{t('procedures.form.draftProblems')}</p>
            <ul>
              {loaded.problems.map((p) => (
                <li>{p}</li>
              ))}
            </ul>
          </div>
        )}
        {page.id === loaded.definition.pages[0]?.id && loaded.definition.intro && <p>{loaded.definition.intro[locale]}</p>}
        <form method="post" action={`${base(request.params)}/${page.id}${loaded.query}`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          {/* Enter in a text box presses the first submit button: make it Continue, not "add another". */}
          <button type="submit" class="visually-hidden" tabindex={-1} aria-hidden="true">{t('procedures.form.continue')}</button>
          {Object.entries(values)
            .filter(([name]) => !ownsName(page, name))
            .flatMap(([name, value]) => [value ?? []].flat().map((v) => <input type="hidden" name={name} value={v} />))}
          <FormPageFields state={state} />
          <div class="button-group">
            <Button>{t('procedures.form.continue')}</Button>
            {previous && (
              <button type="submit" class="button button--secondary" name="_back" value={previous} formnovalidate>
                {t('procedures.form.back')}
              </button>
            )}
          </div>
        </form>
        <p>
          <a href={`${base(request.params)}${loaded.query}`}>{t('procedures.form.restart')}</a>
        </p>
      </>,
    );
  };

  const firstPage = async (request: FastifyRequest<{ Params: Params; Querystring: Query }>, reply: FastifyReply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const wanted = request.params.page;
    const page = wanted ? loaded.definition.pages.find((p) => p.id === wanted) : loaded.definition.pages[0];
    if (!page) throw new AppError(PlatformErrors.NOT_FOUND);
    return sendFormPage(request, reply, loaded, page, {}, {}, {}, undefined);
  };
  app.get<{ Params: Params; Querystring: Query }>('/staff/procedures/forms/:lgCode/:code/preview', firstPage);
  app.get<{ Params: Params; Querystring: Query }>('/staff/procedures/forms/:lgCode/:code/preview/:page', firstPage);

  app.post<{ Params: Params; Querystring: Query }>('/staff/procedures/forms/:lgCode/:code/preview/:page', { preHandler: app.csrfProtection }, async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { definition } = loaded;
    const page = definition.pages.find((p) => p.id === request.params.page);
    if (!page) throw new AppError(PlatformErrors.NOT_FOUND);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const values = formValues(body);
    for (const control of ['_add', '_remove', '_back']) delete values[control];
    const today = todayInJapanIso();
    const sofar = validateAnswers(definition, values, { today, pages: [] });
    const previousOf = (id: string) => sofar.visiblePages[sofar.visiblePages.indexOf(id) - 1];

    // Add or remove an item of a repeating group: the same page again, nothing checked yet.
    const add = typeof body._add === 'string' ? body._add : typeof body._remove === 'string' ? body._remove : undefined;
    const group = add ? page.fields.find((f) => f.key === add && f.type === 'group') : undefined;
    if (group) {
      const current = Number.parseInt(String(values[`${group.key}-count`] ?? '1'), 10) || 1;
      values[`${group.key}-count`] = String(Math.max(1, current + (typeof body._add === 'string' ? 1 : -1)));
      return sendFormPage(request, reply, loaded, page, values, sofar.values, {}, previousOf(page.id));
    }
    if (typeof body._back === 'string') {
      const back = definition.pages.find((p) => p.id === body._back);
      if (back) return sendFormPage(request, reply, loaded, back, values, sofar.values, {}, previousOf(back.id));
    }

    const checked = validateAnswers(definition, values, { today, pages: [page.id] });
    if (Object.keys(checked.errors).length > 0) return sendFormPage(request, reply, loaded, page, values, checked.values, checked.errors, previousOf(page.id));
    const nextId = checked.visiblePages[checked.visiblePages.indexOf(page.id) + 1];
    const next = nextId ? definition.pages.find((p) => p.id === nextId) : undefined;
    if (next) return sendFormPage(request, reply, loaded, next, values, checked.values, {}, page.id);

    // The last page: the whole form is checked as a submission would be, and nothing is kept.
    const all = validateAnswers(definition, values, { today });
    const firstWrong = Object.keys(all.errors)[0];
    if (firstWrong) {
      const wrongPage = definition.pages.find((p) => ownsName(p, firstWrong))!;
      return sendFormPage(request, reply, loaded, wrongPage, values, all.values, all.errors, previousOf(wrongPage.id));
    }
    return sendResult(request, reply, loaded, definition, all.values, all.visiblePages);
  });

  const sendResult = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, loaded: Loaded, definition: ResolvedDefinition, answers: Answers, pages: string[]) => {
    const { t, locale } = request;
    return sendPage(
      reply,
      { title: t('procedures.form.resultTitle') },
      <>
        <p class="caption">{t('procedures.form.previewCaption', { form: definition.title[locale], which: loaded.label })}</p>
        <h1>{t('procedures.form.resultTitle')}</h1>
        <WarningText>{t('procedures.form.resultNotStored')}</WarningText>
        <h2>{t('procedures.form.resultAnswers')}</h2>
        <AnswersList definition={definition} answers={answers} pages={pages} locale={locale} t={t} />
        <p>
          <a href={`${base(request.params)}${loaded.query}`}>{t('procedures.form.restart')}</a>
        </p>
      </>,
    );
  };
}
