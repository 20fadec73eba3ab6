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
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import type { IdentityContext } from '../identity-context.ts';
import { ProfileStore } from '../profile/profile.ts';
import { MandateStore, MAX_VALIDITY_DAYS, todayInJapan, type Mandate, type MandateInput } from '../proxies/mandates.ts';
import { text } from './form-checks.ts';
import { metaOf, requireSignedIn } from './page-helpers.ts';

const DONE = ['offered', 'accepted', 'revoked', 'acting', 'stopped'];

/** The mandate form's checks; shared with the counter's registration form. */
export function readMandateForm(values: FormValues, errors: FieldErrors): MandateInput | undefined {
  const scope = text(values, 'scope');
  if (scope !== 'all' && scope !== 'listed') errors.scope = messageOf('identity.proxy.scopeMissing');
  const description = text(values, 'description').trim();
  if (scope === 'listed' && !description) errors.description = messageOf('identity.proxy.descriptionMissing');
  if ([...description].length > 500) errors.description = messageOf('identity.proxy.descriptionTooLong');
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
  return { scope: scope as 'all' | 'listed', description: scope === 'listed' ? description : null, validUntil };
}

export function MandateFields(props: { view: ReturnType<typeof formView>; t: FastifyRequest['t'] }) {
  const { view, t } = props;
  return (
    <>
      <Radios
        legend={t('identity.proxy.scope')}
        items={[
          { value: 'all', text: t('identity.proxy.scopeAll') },
          { value: 'listed', text: t('identity.proxy.scopeListed'), conditional: <Textarea label={t('identity.proxy.description')} hint={t('identity.proxy.descriptionHint')} maxLength={500} {...view.field('description')} /> },
        ]}
        {...view.field('scope')}
      />
      <DateInput legend={t('identity.proxy.validUntil')} hint={t('identity.proxy.validUntilHint')} {...view.date('validUntil')} />
    </>
  );
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
          {m.scope === 'all' ? t('identity.proxy.scopeAll') : m.description} · {t('identity.proxy.until', { date: m.validUntil })}
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

  const newPage = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values, errors }, request.locale);
    return sendPage(reply, { title: t('identity.proxy.new'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account/proxies' } }, (
      <form method="post" action="/account/proxies/new" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <h1>{t('identity.proxy.new')}</h1>
        <p>{t('identity.proxy.newLead')}</p>
        <MandateFields view={view} t={t} />
        <Button preventDoubleClick>{t('identity.proxy.create')}</Button>
      </form>
    ));
  };
  app.get('/account/proxies/new', async (request, reply) => (requireSignedIn(request, reply) ? newPage(request, reply, {}, {}) : reply));
  app.post('/account/proxies/new', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const values = formValues(request.body);
    const errors: FieldErrors = {};
    const input = readMandateForm(values, errors);
    if (!input) return newPage(request, reply, values, errors);
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
