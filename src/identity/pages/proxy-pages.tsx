// Proxies (代理) on My account: give a mandate (a code for the proxy), accept one, end one, and act
// for someone. While acting, every page shows whose behalf it is (layout banner) until stopped.
//   GET /account/proxies · GET/POST /account/proxies/new · GET/POST /account/proxies/accept
//   POST /account/proxies/{id}/revoke · POST /account/proxies/{id}/act · POST /account/proxies/stop
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { DateInput } from '../../platform/ui/components/date-input/date-input.tsx';
import { readDateInput } from '../../platform/ui/components/date-input/date-value.ts';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { Textarea } from '../../platform/ui/components/textarea/textarea.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import type { IdentityContext } from '../identity-context.ts';
import { ProfileStore } from '../profile/profile.ts';
import { MandateStore, MAX_LISTED_PROCEDURES, MAX_VALIDITY_DAYS, todayInJapan, type Mandate, type MandateInput } from '../proxies/mandates.ts';
import { parseRef, procedureCatalogueOf, refKey, type MandatableProcedure, type ProcedureCatalogue, type ProcedureRef } from '../proxies/procedure-catalogue.ts';
import { text } from './form-checks.ts';
import { metaOf, requireSignedIn } from './page-helpers.ts';

const DONE = ['offered', 'accepted', 'revoked', 'acting', 'stopped'];

/** The mandate form's checks; shared with the counter's registration form. Listed procedures must be in the catalogue. */
export async function readMandateForm(values: FormValues, errors: FieldErrors, catalogue: ProcedureCatalogue): Promise<MandateInput | undefined> {
  const scope = text(values, 'scope');
  if (scope !== 'all' && scope !== 'listed') errors.scope = messageOf('identity.proxy.scopeMissing');
  const description = text(values, 'description').trim();
  if ([...description].length > 500) errors.description = messageOf('identity.proxy.descriptionTooLong');
  let procedures: ProcedureRef[] = [];
  if (scope === 'listed') {
    const raw = [values.procedures ?? []].flat();
    const refs = raw.map(parseRef);
    const known = refs.every(Boolean) ? await catalogue.named(refs as ProcedureRef[]) : [];
    if (raw.length === 0) errors.procedures = messageOf('identity.proxy.proceduresMissing');
    else if (raw.length > MAX_LISTED_PROCEDURES) errors.procedures = messageOf('identity.proxy.proceduresTooMany', { max: MAX_LISTED_PROCEDURES });
    else if (known.length !== new Set(raw).size) errors.procedures = messageOf('identity.proxy.proceduresUnknown');
    else procedures = known.map((p) => ({ lgCode: p.lgCode, code: p.code }));
  }
  const reading = readDateInput({ year: text(values, 'validUntil-year'), month: text(values, 'validUntil-month'), day: text(values, 'validUntil-day') });
  let validUntil = '';
  if (reading.kind !== 'date') errors.validUntil = { message: messageOf('identity.proxy.dateMissing'), parts: reading.kind === 'missing' ? ['year', 'month', 'day'] : reading.parts };
  else {
    const { year, month, day } = reading.date;
    validUntil = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const latest = todayInJapan(new Date(Date.now() + MAX_VALIDITY_DAYS * 86_400_000));
    if (validUntil < todayInJapan() || validUntil > latest) errors.validUntil = { message: messageOf('identity.proxy.dateRange'), parts: ['year', 'month', 'day'] };
  }
  if (Object.keys(errors).length > 0) return undefined;
  return { scope: scope as 'all' | 'listed', procedures, description: scope === 'listed' && description ? description : null, validUntil };
}

export function MandateFields(props: { view: ReturnType<typeof formView>; t: FastifyRequest['t']; locale: 'ja' | 'en'; choices: MandatableProcedure[]; where: string }) {
  const { view, t, locale, choices } = props;
  const listed = (
    <>
      {choices.length === 0 ? (
        <p id="procedures">{props.where ? t('identity.proxy.noChoices', { tenant: props.where }) : t('identity.proxy.chooseMunicipalityFirst')}</p>
      ) : (
        <Checkboxes legend={t('identity.proxy.procedures')} hint={t('identity.proxy.proceduresHint', { tenant: props.where })} small items={choices.map((c) => ({ value: refKey(c), text: c.title[locale] }))} {...view.choices('procedures')} />
      )}
      <Textarea label={t('identity.proxy.description')} hint={t('identity.proxy.descriptionHint')} maxLength={500} {...view.field('description')} />
    </>
  );
  return (
    <>
      <Radios
        legend={t('identity.proxy.scope')}
        items={[
          { value: 'all', text: t('identity.proxy.scopeAll') },
          { value: 'listed', text: t('identity.proxy.scopeListed'), conditional: listed },
        ]}
        {...view.field('scope')}
      />
      <DateInput legend={t('identity.proxy.validUntil')} hint={t('identity.proxy.validUntilHint')} {...view.date('validUntil')} />
    </>
  );
}

/** What a mandate allows, in words: all, the procedures by name and municipality, or (given before the catalogue) the grantor's note, marked as not usable online. */
export async function scopeText(ctx: IdentityContext, m: Pick<Mandate, 'scope' | 'procedures' | 'description'>, request: FastifyRequest): Promise<string> {
  const { t, locale } = request;
  if (m.scope === 'all') return t('identity.proxy.scopeAll');
  if (m.procedures.length === 0) return t('identity.proxy.legacyNote', { text: m.description ?? '' });
  const named = await procedureCatalogueOf(ctx.app).named(m.procedures);
  const names = await Promise.all(named.map(async (p) => `${p.title[locale]}（${(await ctx.app.tenants.get(p.lgCode))?.name[locale] ?? p.lgCode}）`));
  const gone = m.procedures.length - named.length;
  return [t('identity.proxy.listedNames', { names: names.join(locale === 'ja' ? '、' : ', ') }), gone > 0 ? t('identity.proxy.listedGone', { count: gone }) : '', m.description ? t('identity.proxy.note', { text: m.description }) : ''].filter(Boolean).join(' ');
}

export async function proxyPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const mandates = new MandateStore(ctx);
  const profiles = new ProfileStore(ctx.app.sealer);
  const nameOf = async (accountId: string | null) => {
    if (!accountId) return '—';
    const p = await profiles.find(ctx.db, accountId);
    if (p) return `${p.personal.familyName} ${p.personal.givenName}`;
    const a = await ctx.accounts.findById(ctx.db, accountId);
    return a?.displayName ?? a?.email ?? '—';
  };

  app.get<{ Querystring: { done?: string } }>('/account/proxies', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t } = request;
    const { given, received } = await mandates.forAccount(who.accountId);
    const csrf = pageCsrfToken(reply);
    const row = async (m: Mandate, side: 'given' | 'received') => (
      <li class="mandate">
        <p>
          <strong>{await nameOf(side === 'given' ? m.proxyAccountId : m.grantorAccountId)}</strong>{' '}
          <Tag tone={m.status === 'active' ? 'success' : m.status === 'pending' ? 'info' : 'neutral'}>{t(`identity.proxy.status.${m.status}`)}</Tag>
        </p>
        <p>
          {await scopeText(ctx, m, request)} · {t('identity.proxy.until', { date: m.validUntil })}
          {m.source === 'counter' ? ` · ${t('identity.proxy.fromCounter')}` : ''}
        </p>
        <div class="button-row">
          {side === 'received' && m.status === 'active' && (
            <form method="post" action={`/account/proxies/${m.id}/act`}>
              <input type="hidden" name="_csrf" value={csrf} />
              <Button>{t('identity.proxy.act')}</Button>
            </form>
          )}
          {(m.status === 'active' || m.status === 'pending') && (
            <form method="post" action={`/account/proxies/${m.id}/revoke`}>
              <input type="hidden" name="_csrf" value={csrf} />
              <Button variant="warning">{t(side === 'given' ? 'identity.proxy.revoke' : 'identity.proxy.decline')}</Button>
            </form>
          )}
        </div>
      </li>
    );
    return sendPage(reply, { title: t('identity.proxy.title'), backLink: { href: '/account' } }, (
      <>
        {request.query.done && DONE.includes(request.query.done) && <NotificationBanner type="success">{t(`identity.proxy.done.${request.query.done}`)}</NotificationBanner>}
        <h1>{t('identity.proxy.title')}</h1>
        <p>{t('identity.proxy.lead')}</p>
        <h2>{t('identity.proxy.given')}</h2>
        {given.length === 0 ? <p>{t('identity.proxy.noneGiven')}</p> : <ul class="plain-list">{await Promise.all(given.map((m) => row(m, 'given')))}</ul>}
        <p><a href="/account/proxies/new">{t('identity.proxy.new')}</a></p>
        <h2>{t('identity.proxy.received')}</h2>
        {received.length === 0 ? <p>{t('identity.proxy.noneReceived')}</p> : <ul class="plain-list">{await Promise.all(received.map((m) => row(m, 'received')))}</ul>}
        <p><a href="/account/proxies/accept">{t('identity.proxy.acceptLink')}</a></p>
        <p class="muted">{t('identity.proxy.auditNote')}</p>
      </>
    ));
  });

  const catalogue = procedureCatalogueOf(ctx.app);
  // The procedures offered: the chosen municipality's (by default where the person lives) and its prefecture's.
  const municipalityOf = async (accountId: string, raw: unknown) => {
    const asked = typeof raw === 'string' && /^[0-9]{6}$/.test(raw) ? await ctx.app.tenants.get(raw) : undefined;
    if (asked) return asked;
    const residence = (await profiles.find(ctx.db, accountId))?.residenceLgCode;
    return residence ? ctx.app.tenants.get(residence) : undefined;
  };
  const newPage = async (request: FastifyRequest, reply: FastifyReply, accountId: string, values: FormValues, errors: FieldErrors) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const tenant = await municipalityOf(accountId, values.lgCode);
    const choices = tenant ? await catalogue.choicesFor(tenant.lgCode) : [];
    const { tenants } = await ctx.app.tenants.snapshot();
    const all = [...tenants.values()].sort((a, b) => (a.level === b.level ? a.sortOrder - b.sortOrder : a.level === 'prefecture' ? -1 : 1));
    return sendPage(reply, { title: t('identity.proxy.new'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/proxies' } }, (
      <>
        <h1>{t('identity.proxy.new')}</h1>
        <p>{t('identity.proxy.newLead')}</p>
        <form method="get" action="/account/proxies/new">
          <Select name="lgCode" id="lgCode" label={t('identity.proxy.municipality')} value={tenant?.lgCode} items={[...(tenant ? [] : [{ value: '', text: t('identity.proxy.chooseMunicipality') }]), ...all.map((m) => ({ value: m.lgCode, text: m.name[locale] }))]} />
          <Button variant="secondary">{t('identity.proxy.showMunicipality')}</Button>
        </form>
        <form method="post" action="/account/proxies/new" novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          {tenant && <input type="hidden" name="lgCode" value={tenant.lgCode} />}
          <MandateFields view={view} t={t} locale={locale} choices={choices} where={tenant?.name[locale] ?? ''} />
          <Button preventDoubleClick>{t('identity.proxy.create')}</Button>
        </form>
      </>
    ));
  };
  app.get<{ Querystring: { lgCode?: string } }>('/account/proxies/new', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    return who ? newPage(request, reply, who.accountId, { lgCode: request.query.lgCode ?? '' }, {}) : reply;
  });
  app.post('/account/proxies/new', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const values = formValues(request.body);
    const errors: FieldErrors = {};
    const input = await readMandateForm(values, errors, catalogue);
    if (!input) return newPage(request, reply, who.accountId, values, errors);
    const { code } = await mandates.invite(who.accountId, input, metaOf(request));
    const { t } = request;
    return sendPage(reply, { title: t('identity.proxy.codeTitle') }, (
      <>
        <Panel title={t('identity.proxy.codeTitle')}>
          <span class="counter-code">{code}</span>
        </Panel>
        <p>{t('identity.proxy.codeLead')}</p>
        <WarningText>{t('identity.proxy.codeWarning')}</WarningText>
        <p><a href="/account/proxies?done=offered">{t('identity.proxy.backToList')}</a></p>
      </>
    ));
  });

  const acceptPage = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values, errors }, request.locale);
    return sendPage(reply, { title: t('identity.proxy.acceptTitle'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/proxies' } }, (
      <form method="post" action="/account/proxies/accept" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <TextInput label={t('identity.proxy.acceptTitle')} isPageHeading hint={t('identity.proxy.acceptHint')} autocomplete="off" spellcheck={false} width="10" {...view.field('code')} />
        <Button preventDoubleClick>{t('identity.proxy.accept')}</Button>
      </form>
    ));
  };
  app.get('/account/proxies/accept', async (request, reply) => (requireSignedIn(request, reply) ? acceptPage(request, reply, {}, {}) : reply));
  app.post('/account/proxies/accept', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const values = formValues(request.body);
    const result = await mandates.accept(who.accountId, text(values, 'code'), metaOf(request));
    if (!result.ok) return acceptPage(request, reply, values, { code: messageOf(`identity.proxy.acceptFailed.${result.reason}`) });
    return reply.redirect('/account/proxies?done=accepted', 303);
  });

  app.post<{ Params: { id: string } }>('/account/proxies/:id/revoke', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    if (/^[0-9a-f-]{36}$/.test(request.params.id)) await mandates.revoke(who.accountId, request.params.id, metaOf(request));
    return reply.redirect('/account/proxies?done=revoked', 303);
  });

  app.post<{ Params: { id: string } }>('/account/proxies/:id/act', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const ok = /^[0-9a-f-]{36}$/.test(request.params.id) && (await mandates.act({ idHash: who.sessionIdHash, accountId: who.accountId }, request.params.id, metaOf(request)));
    return reply.redirect(ok ? '/account?done=acting' : '/account/proxies', 303);
  });

  app.post('/account/proxies/stop', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    await mandates.act({ idHash: who.sessionIdHash, accountId: who.accountId }, null, metaOf(request));
    return reply.redirect('/account/proxies?done=stopped', 303);
  });
}
