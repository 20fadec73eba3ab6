// Life-event navigation for residents (003B P2.1): choose what happened and the municipality,
// answer one question per page, and see the procedures that apply there, each with why, grouped
// by where they are done. Anonymous use needs no server state: the answers travel in the address
// (navigation-walk.ts), the forms post with the platform's CSRF token and redirect (303) to the
// next page, and every Back link carries the answers so none is lost.
//   GET|POST /life-events                                 choose the event and municipality
//   GET      /life-events/{event}/{lgCode}                 → the first question
//   GET|POST /life-events/{event}/{lgCode}/questions/{id}  one question
//   GET      /life-events/{event}/{lgCode}/result          the procedures that apply
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { residenceLgCodeOf } from '../../identity/exports.ts';
import { AppError, type Localized } from '../../platform/errors.ts';
import type { Tenant } from '../../platform/tenancy/tenant-directory.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { formValues, messageOf } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { listLifeEvents, type LifeEvent } from '../catalog/catalog-store.ts';
import { ProceduresErrors } from '../errors.ts';
import type { NavigationQuestion } from '../navigation/navigation-definition.ts';
import { findNavigation, type StoredNavigation } from '../navigation/navigation-store.ts';
import { answersQuery, readAnswers, walk, type Answers } from '../navigation/navigation-walk.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { catalogHref } from './catalog-pages.tsx';
import { sendNavigationResult } from './navigation-result.tsx';

type WalkQuery = { v?: string | string[]; a?: string | string[] };
type WalkParams = { event: string; lgCode: string };

const base = (p: WalkParams) => `/life-events/${p.event}/${p.lgCode}`;
const withState = (path: string, version: number, answers: Answers) => `${path}?v=${version}${answers.size ? `&${answersQuery(answers)}` : ''}`;

export async function lifeEventPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const { tenants } = ctx.app;

  const municipalities = async () => [...(await tenants.snapshot()).tenants.values()].filter((t) => t.level === 'municipality').sort((a, b) => a.sortOrder - b.sortOrder || a.lgCode.localeCompare(b.lgCode));

  const sendChooser = async (request: FastifyRequest, reply: FastifyReply, values: { event: string; municipality: string }, errors: Record<string, Localized>) => {
    const { t, locale } = request;
    const events = await listLifeEvents(ctx.db);
    const csrf = pageCsrfToken(reply);
    const hasErrors = Object.keys(errors).length > 0;
    return sendPage(
      reply,
      {
        title: t('procedures.nav.title'),
        status: hasErrors ? 422 : 200,
        errorSummary: [...(['event', 'municipality'] as const)].filter((k) => errors[k]).map((k) => ({ text: errors[k]![locale], href: `#${k}` })),
        breadcrumbs: [
          [t('home.breadcrumb'), '/'],
          [t('procedures.nav.title'), '/life-events'],
        ],
      },
      <>
        <h1>{t('procedures.nav.title')}</h1>
        <p class="lead">{t('procedures.nav.lead')}</p>
        <form method="post" action="/life-events" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <Radios name="event" legend={t('procedures.nav.whichEvent')} legendSize="m" value={values.event} errorMessage={errors.event?.[locale]} items={events.map((e) => ({ value: e.code, text: e.name[locale], hint: e.description[locale] || undefined }))} />
          <Select
            name="municipality"
            label={t('procedures.nav.municipality')}
            hint={t('procedures.nav.municipalityHint')}
            value={values.municipality}
            errorMessage={errors.municipality?.[locale]}
            items={[{ value: '', text: t('procedures.nav.chooseMunicipality') }, ...(await municipalities()).map((m) => ({ value: m.lgCode, text: m.name[locale] }))]}
          />
          <Button>{t('procedures.nav.next')}</Button>
        </form>
        <p>
          <a href="/procedures">{t('procedures.nav.toCatalog')}</a>
        </p>
      </>,
    );
  };

  app.get<{ Querystring: { event?: string; municipality?: string } }>('/life-events', async (request, reply) => {
    const account = request.actor.kind === 'principal' ? request.actor.account : undefined;
    // A signed-in resident starts from where their profile says they live.
    const fromProfile = account && account.accountKind === 'resident' ? await residenceLgCodeOf(ctx.app, account.accountId) : undefined;
    const event = typeof request.query.event === 'string' ? request.query.event : '';
    const municipality = typeof request.query.municipality === 'string' ? request.query.municipality : fromProfile ?? '';
    return sendChooser(request, reply, { event, municipality }, {});
  });

  app.post('/life-events', { preHandler: app.csrfProtection }, async (request, reply) => {
    const values = formValues(request.body);
    const event = typeof values.event === 'string' ? values.event : '';
    const municipality = typeof values.municipality === 'string' ? values.municipality : '';
    const errors: Record<string, Localized> = {};
    if (!(await listLifeEvents(ctx.db)).some((e) => e.code === event)) errors.event = messageOf('procedures.nav.eventMissing');
    const tenant = await tenants.get(municipality);
    if (!tenant || tenant.level !== 'municipality') errors.municipality = messageOf('procedures.nav.municipalityMissing');
    if (Object.keys(errors).length > 0) return sendChooser(request, reply, { event, municipality }, errors);
    return reply.redirect(`/life-events/${event}/${municipality}`, 303);
  });

  /** The life event, municipality and navigation version the address names, or a 404 page. */
  const load = async (request: FastifyRequest<{ Params: WalkParams; Querystring: WalkQuery }>, reply: FastifyReply) => {
    const { event: eventCode, lgCode } = request.params;
    const event = (await listLifeEvents(ctx.db)).find((e) => e.code === eventCode);
    const tenant = /^[0-9]{6}$/.test(lgCode) ? await tenants.get(lgCode) : undefined;
    if (!event) throw new AppError(ProceduresErrors.LIFE_EVENT_NOT_FOUND);
    if (!tenant || tenant.level !== 'municipality') throw new AppError(ProceduresErrors.NAVIGATION_NOT_FOUND);
    const rawVersion = Array.isArray(request.query.v) ? request.query.v[0] : request.query.v;
    const version = rawVersion && /^[1-9][0-9]{0,8}$/.test(rawVersion) ? Number(rawVersion) : undefined;
    // A version that is not there (a made-up link) falls back to the current one.
    const navigation = (version !== undefined ? await findNavigation(ctx.db, lgCode, eventCode, version) : undefined) ?? (await findNavigation(ctx.db, lgCode, eventCode));
    if (!navigation) {
      await sendNoNavigation(request, reply, event, tenant);
      return undefined;
    }
    return { event, tenant, navigation, answers: readAnswers(request.query.a) };
  };

  app.get<{ Params: WalkParams; Querystring: WalkQuery }>('/life-events/:event/:lgCode', async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    return reply.redirect(withState(`${base(request.params)}/questions/${loaded.navigation.definition.start}`, loaded.navigation.version, loaded.answers), 303);
  });

  const questionRoute = async (request: FastifyRequest<{ Params: WalkParams & { question: string }; Querystring: WalkQuery }>, reply: FastifyReply, posted?: string) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { navigation, tenant, event } = loaded;
    const answers = new Map(loaded.answers);
    const here = walk(navigation.definition, answers, tenant.lgCode);
    const index = here.path.findIndex((step) => step.question.id === request.params.question);
    const question = index >= 0 ? here.path[index]!.question : here.current?.id === request.params.question ? here.current : undefined;
    // A question off the path (an edited address, a changed earlier answer): go where the path is.
    if (!question) return reply.redirect(withState(here.current ? `${base(request.params)}/questions/${here.current.id}` : `${base(request.params)}/result`, navigation.version, answers), 303);
    let error: Localized | undefined;
    if (posted !== undefined) {
      const option = question.options.find((o) => o.id === posted);
      if (option) {
        answers.set(question.id, option.id);
        const next = option.next ? `${base(request.params)}/questions/${option.next}` : `${base(request.params)}/result`;
        return reply.redirect(withState(next, navigation.version, answers), 303);
      }
      error = messageOf('procedures.nav.answerMissing');
    }
    const previous = index > 0 ? here.path[index - 1]!.question : index < 0 && here.path.length > 0 ? here.path.at(-1)!.question : undefined;
    const back = previous ? withState(`${base(request.params)}/questions/${previous.id}`, navigation.version, answers) : `/life-events?event=${event.code}&municipality=${tenant.lgCode}`;
    return sendQuestion(request, reply, { event, tenant, navigation, question, answers, back, error });
  };

  app.get<{ Params: WalkParams & { question: string }; Querystring: WalkQuery }>('/life-events/:event/:lgCode/questions/:question', (request, reply) => questionRoute(request, reply));
  app.post<{ Params: WalkParams & { question: string }; Querystring: WalkQuery }>('/life-events/:event/:lgCode/questions/:question', { preHandler: app.csrfProtection }, (request, reply) => {
    const answer = formValues(request.body).answer;
    return questionRoute(request, reply, typeof answer === 'string' ? answer : '');
  });

  app.get<{ Params: WalkParams; Querystring: WalkQuery }>('/life-events/:event/:lgCode/result', async (request, reply) => {
    const loaded = await load(request, reply);
    if (!loaded) return reply;
    const { navigation, tenant, event, answers } = loaded;
    const done = walk(navigation.definition, answers, tenant.lgCode);
    if (done.current) return reply.redirect(withState(`${base(request.params)}/questions/${done.current.id}`, navigation.version, answers), 303);
    return sendNavigationResult({ ctx, request, reply, event, tenant, walk: done, changeHref: (q) => withState(`${base(request.params)}/questions/${q}`, navigation.version, answers) });
  });
}

function sendQuestion(
  request: FastifyRequest,
  reply: FastifyReply,
  state: { event: LifeEvent; tenant: Tenant; navigation: StoredNavigation; question: NavigationQuestion; answers: Answers; back: string; error: Localized | undefined },
) {
  const { t, locale } = request;
  const { question, answers, error } = state;
  const action = withState(`/life-events/${state.event.code}/${state.tenant.lgCode}/questions/${question.id}`, state.navigation.version, answers);
  return sendPage(
    reply,
    {
      title: question.text[locale],
      status: error ? 422 : 200,
      errorSummary: error ? [{ text: error[locale], href: '#answer' }] : undefined,
      backLink: { href: state.back },
    },
    <>
      <p class="caption">{t('procedures.nav.caption', { event: state.event.name[locale], municipality: state.tenant.name[locale] })}</p>
      {question.id === state.navigation.definition.start && state.navigation.definition.intro && <p>{state.navigation.definition.intro[locale]}</p>}
      <form method="post" action={action} novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <Radios
          name="answer"
          legend={question.text[locale]}
          isPageHeading
          hint={question.hint?.[locale]}
          value={answers.get(question.id)}
          errorMessage={error?.[locale]}
          items={question.options.map((o) => ({ value: o.id, text: o.label[locale], hint: o.hint?.[locale] }))}
        />
        <Button>{t('procedures.nav.continue')}</Button>
      </form>
    </>,
  );
}

async function sendNoNavigation(request: FastifyRequest, reply: FastifyReply, event: LifeEvent, tenant: Tenant) {
  const { t, locale } = request;
  const title = t('procedures.nav.noneTitle');
  return sendPage(
    reply,
    { title, status: 404, backLink: { href: `/life-events?event=${event.code}&municipality=${tenant.lgCode}` } },
    <>
      <h1>{title}</h1>
      <p>{t('procedures.nav.noneLead', { municipality: tenant.name[locale], event: event.name[locale] })}</p>
      <p>
        <a href={catalogHref({ municipality: tenant.lgCode, lifeEvent: event.code })}>{t('procedures.nav.noneCatalog', { municipality: tenant.name[locale], event: event.name[locale] })}</a>
      </p>
    </>,
  );
}
