// My account (アカウント): who I am to the City OS and how I log in. The profile has its own page
// (profile-pages.tsx). Every page here needs a complete session; a change that matters for
// security (password, app, passkeys, logging out devices) is audited.
//   GET /account · GET/POST /account/password · GET/POST /account/app (+ /remove)
//   POST /account/passkeys/{id}/remove · POST /account/sessions/revoke-others · GET /staff
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { formValues, formView, messageOf, type FieldErrors } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { PasswordInput } from '../../platform/ui/components/password-input/password-input.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Table } from '../../platform/ui/components/table/table.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { hashPassword, verifyPassword } from '../accounts/password.ts';
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import type { IdentityContext } from '../identity-context.ts';
import { endProviderSessions } from '../oidc/adapter.ts';
import { checkNewPassword, text } from './form-checks.ts';
import { requireSignedIn, sensitiveRateLimit } from './page-helpers.ts';
import { recoveryCodesPage } from './second-factor-pages.tsx';
import { PASSKEY_SCRIPTS } from './passkey-routes.ts';
import { renderStaffHomeSections } from '../../platform/tenancy/home-sections.ts';

/** "Chrome 156 · Linux" from a user agent string: enough to recognise one's own devices. */
export function deviceLabel(userAgent: string | null): string {
  if (!userAgent) return '—';
  const browser = /(Edg|Firefox|Chrome|Version)\/(\d+)/.exec(userAgent);
  const name = browser ? ({ Edg: 'Edge', Version: 'Safari' } as Record<string, string>)[browser[1]!] ?? browser[1] : 'Browser';
  const os = /iPhone|iPad|Android|Windows|Mac OS X|Linux/.exec(userAgent)?.[0]?.replace('Mac OS X', 'macOS') ?? '';
  return [browser ? `${name} ${browser[2]}` : name, os].filter(Boolean).join(' · ');
}

const when = (date: Date | null, locale: string) =>
  date ? date.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'short' }) : '—';

export async function accountPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const audit = (request: FastifyRequest, who: SignedInAccount, action: string, details: Record<string, unknown> = {}) =>
    appendAudit(ctx.app.db, { actor: `account:${who.accountId}`, action, lgCode: who.lgCode, subject: who.accountId, ip: request.ip, requestId: request.id, details });

  app.get<{ Querystring: { welcome?: string; done?: string } }>('/account', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    const [hasApp, passkeys, sessions, recoveryLeft] = await Promise.all([
      ctx.totp.isEnrolled(ctx.db, who.accountId),
      ctx.passkeys.list(ctx.db, who.accountId),
      ctx.sessions.list(ctx.db, who.accountId),
      ctx.totp.remainingRecoveryCodes(ctx.db, who.accountId),
    ]);
    const done = request.query.done;
    const csrf = pageCsrfToken(reply);
    return sendPage(reply, { title: t('identity.account.title'), breadcrumbs: [[t('home.breadcrumb'), '/'], [t('identity.account.title'), '/account']], scripts: PASSKEY_SCRIPTS }, (
      <>
        {request.query.welcome && <NotificationBanner type="success">{t('identity.account.welcome')}</NotificationBanner>}
        {done && ['password', 'email', 'app', 'appRemoved', 'passkey', 'passkeyRemoved', 'othersLoggedOut', 'profile', 'acting'].includes(done) && <NotificationBanner type="success">{t(`identity.account.done.${done}`)}</NotificationBanner>}
        <h1>{t('identity.account.title')}</h1>
        <SummaryList
          rows={[
            { key: t('identity.field.email'), value: account.email, ...(account.kind === 'resident' ? { actions: [{ href: '/account/email', visuallyHiddenText: t('identity.field.email') }] } : {}) },
            { key: t('identity.account.level'), value: <><Tag tone={account.assuranceLevel === 'C' ? 'neutral' : 'success'}>{t(`identity.level.${account.assuranceLevel}`)}</Tag> <span class="hint-inline">{t(`identity.levelAbout.${account.assuranceLevel}`)}</span></> },
            ...(account.kind === 'resident'
              ? [
                  // Applications (src/procedures/), issued documents (src/documents/), visit bookings (src/reservations/) and the portal's notifications centre (src/portal/notifications/).
                  { key: t('identity.account.applications'), value: t('identity.account.applicationsLead'), actions: [{ href: '/account/applications', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.applications') }] },
                  { key: t('identity.account.documents'), value: t('identity.account.documentsLead'), actions: [{ href: '/account/documents', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.documents') }] },
                  { key: t('identity.account.reservations'), value: t('identity.account.reservationsLead'), actions: [{ href: '/account/reservations', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.reservations') }] },
                  { key: t('identity.account.notifications'), value: t('identity.account.notificationsLead'), actions: [{ href: '/account/notifications', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.notifications') }] },
                  { key: t('identity.profile.title'), value: t('identity.account.profileLead'), actions: [{ href: '/account/profile', text: t('identity.account.open'), visuallyHiddenText: t('identity.profile.title') }] },
                  { key: t('identity.proxy.title'), value: t('identity.account.proxiesLead'), actions: [{ href: '/account/proxies', text: t('identity.account.open'), visuallyHiddenText: t('identity.proxy.title') }] },
                  // The opt-in module's pages (src/optin/pages/my-data-pages.tsx).
                  { key: t('identity.account.consents'), value: t('identity.account.consentsLead'), actions: [{ href: '/account/consents', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.consents') }] },
                  { key: t('identity.account.accessLog'), value: t('identity.account.accessLogLead'), actions: [{ href: '/account/access-log', text: t('identity.account.open'), visuallyHiddenText: t('identity.account.accessLog') }] },
                ]
              : []),
          ]}
        />
        {account.assuranceLevel !== 'A' && account.kind === 'resident' && (
          <ul>
            <li><a href="/login/step-up?level=A&return=%2Faccount">{t('identity.account.raiseToA')}</a></li>
            {account.assuranceLevel === 'C' && <li><a href="/account/counter-code">{t('identity.account.raiseToB')}</a></li>}
          </ul>
        )}
        <h2>{t('identity.account.security')}</h2>
        <SummaryList
          rows={[
            { key: t('identity.field.password'), value: t('identity.account.passwordSet'), actions: [{ href: '/account/password', visuallyHiddenText: t('identity.field.password') }] },
            {
              key: t('identity.account.app'),
              value: hasApp ? <>{t('identity.account.appOn')} <span class="hint-inline">{t('identity.account.recoveryLeft', { count: recoveryLeft })}</span></> : t('identity.account.appOff'),
              actions: [{ href: '/account/app', text: hasApp ? t('identity.account.manage') : t('identity.account.setUp'), visuallyHiddenText: t('identity.account.app') }],
            },
          ]}
        />
        <h3>{t('identity.passkey.title')}</h3>
        <p>{t('identity.passkey.lead')}</p>
        {passkeys.length === 0 ? (
          <p>{t('identity.passkey.none')}</p>
        ) : (
          <ul class="plain-list">
            {passkeys.map((p) => (
              <li>
                <form method="post" action={`/account/passkeys/${encodeURIComponent(p.credentialId)}/remove`} class="inline-form">
                  <input type="hidden" name="_csrf" value={csrf} />
                  <span>{p.name} <span class="hint-inline">{t('identity.passkey.added', { date: when(p.createdAt, locale) })}</span></span>
                  <Button variant="secondary">{t('identity.passkey.remove')}<span class="visually-hidden">: {p.name}</span></Button>
                </form>
              </li>
            ))}
          </ul>
        )}
        <div data-module="passkey-register" hidden>
          <button type="button" class="button button--secondary" data-passkey-register>{t('identity.passkey.add')}</button>
          <p class="passkey-error" role="alert" hidden data-passkey-error>{t('identity.passkey.failed')}</p>
        </div>
        <noscript><p>{t('identity.passkey.needsScript')}</p></noscript>
        <h2>{t('identity.account.sessions')}</h2>
        <Table
          id="sessions"
          caption={t('identity.account.sessionsCaption')}
          captionSize="s"
          head={[t('identity.account.sessionDevice'), t('identity.account.sessionStarted'), t('identity.account.sessionSeen')]}
          rows={sessions.map((s) => [
            s.idHash === who.sessionIdHash ? `${deviceLabel(s.userAgent)} (${t('identity.account.thisDevice')})` : deviceLabel(s.userAgent),
            when(s.createdAt, locale),
            when(s.lastSeenAt, locale),
          ])}
        />
        <div class="button-row">
          <form method="post" action="/account/sessions/revoke-others">
            <input type="hidden" name="_csrf" value={csrf} />
            <Button variant="warning">{t('identity.account.logOutOthers')}</Button>
          </form>
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={csrf} />
            <Button variant="secondary">{t('identity.account.logOut')}</Button>
          </form>
        </div>
      </>
    ));
  });

  const passwordPage = (request: FastifyRequest, reply: FastifyReply, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values: {}, errors }, request.locale);
    return sendPage(reply, { title: t('identity.changePassword.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account' } }, (
      <form method="post" action="/account/password" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <h1>{t('identity.changePassword.title')}</h1>
        <PasswordInput label={t('identity.changePassword.current')} autocomplete="current-password" {...view.field('current')} />
        <PasswordInput label={t('identity.field.newPassword')} hint={t('identity.password.hint')} autocomplete="new-password" {...view.field('password')} />
        <Button preventDoubleClick>{t('identity.changePassword.submit')}</Button>
      </form>
    ));
  };
  app.get('/account/password', async (request, reply) => (requireSignedIn(request, reply) ? passwordPage(request, reply, {}) : reply));
  app.post('/account/password', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const values = formValues(request.body);
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    const errors: FieldErrors = {};
    if (!(await verifyPassword(account.passwordHash, text(values, 'current')))) errors.current = messageOf('identity.changePassword.wrongCurrent');
    const password = checkNewPassword(values, errors, account.email);
    if (Object.keys(errors).length > 0) return passwordPage(request, reply, errors);
    await ctx.accounts.update(ctx.db, who.accountId, { passwordHash: await hashPassword(password) });
    // Other devices were signed in with the old password: they sign in again.
    await ctx.sessions.revokeAll(ctx.db, who.accountId, who.sessionIdHash);
    await audit(request, who, 'identity.password_changed');
    return reply.redirect('/account?done=password', 303);
  });

  app.post('/account/sessions/revoke-others', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const count = await ctx.sessions.revokeAll(ctx.db, who.accountId, who.sessionIdHash);
    await endProviderSessions(ctx.db, who.accountId);
    await audit(request, who, 'identity.sessions_revoked', { count });
    return reply.redirect('/account?done=othersLoggedOut', 303);
  });

  app.post<{ Params: { id: string } }>('/account/passkeys/:id/remove', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    if (await ctx.passkeys.remove(ctx.db, who.accountId, request.params.id)) await audit(request, who, 'identity.passkey_removed');
    return reply.redirect('/account?done=passkeyRemoved', 303);
  });

  app.get('/staff', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t, locale } = request;
    const actor = request.actor.kind === 'principal' ? request.actor : undefined;
    const tenants = (await ctx.app.tenants.snapshot()).tenants;
    return sendPage(reply, { title: t('identity.staffHome.title') }, (
      <>
        <h1>{t('identity.staffHome.title')}</h1>
        <p>{t('identity.staffHome.office', { office: tenants.get(who.lgCode)?.name[locale] ?? who.lgCode })}</p>
        <Table
          id="roles"
          caption={t('identity.staffHome.roles')}
          head={[t('identity.staffHome.role'), t('identity.staffHome.scope')]}
          rows={(actor?.assignments ?? []).map((a) => [a.role, a.lgCode ? (tenants.get(a.lgCode)?.name[locale] ?? a.lgCode) : a.zoneId ?? tenants.get(a.prefectureCode)?.name[locale] ?? a.prefectureCode])}
        />
        {actor?.assignments.length === 0 && <p>{t('identity.staffHome.noRoles')}</p>}
        {await renderStaffHomeSections(ctx.app, request)}
        {(await ctx.app.guard.tenantsFor(request.actor, 'identity.verify_identity')).size > 0 && (
          <ul>
            <li><a href="/staff/identity-check">{t('identity.check.title')}</a></li>
            <li><a href="/staff/mandates/new">{t('identity.counterMandate.title')}</a></li>
          </ul>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'optin.read_governance')).size > 0 && (
          <p><a href="/staff/gateway">{t('identity.staffHome.gateway')}</a></p>
        )}
        {/* Other modules' staff pages (plain links, shown to those who may use them). */}
        {(await ctx.app.guard.tenantsFor(request.actor, 'reservations.read')).size > 0 && (
          <p><a href="/staff/reservations">{t('identity.staffHome.reservations')}</a></p>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'portal.manage_notices')).size > 0 && (
          <p><a href="/staff/notices">{t('identity.staffHome.notices')}</a></p>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'procedures.manage_forms')).size > 0 && (
          <p><a href="/staff/procedures/forms">{t('identity.staffHome.forms')}</a></p>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'procedures.manage_navigation')).size > 0 && (
          <p><a href="/staff/procedures/navigations">{t('identity.staffHome.navigations')}</a></p>
        )}
        {((await ctx.app.guard.tenantsFor(request.actor, 'procedures.read_monitoring')).size > 0 || (await ctx.app.guard.tenantsFor(request.actor, 'procedures.record_paper_counts')).size > 0) && (
          <p><a href="/staff/monitoring">{t('identity.staffHome.monitoring')}</a></p>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'procedures.export_applications')).size > 0 && (
          <p><a href="/staff/procedures/export">{t('identity.staffHome.export')}</a></p>
        )}
        {(await ctx.app.guard.tenantsFor(request.actor, 'delivery.read')).size > 0 && (
          <p><a href="/staff/delivery">{t('delivery.staff.title')}</a></p>
        )}
        <p><a href="/account">{t('identity.account.title')}</a></p>
      </>
    ));
  });
  await appPages(app, ctx, audit);
}

async function appPages(app: FastifyInstance, ctx: IdentityContext, audit: (request: FastifyRequest, who: SignedInAccount, action: string) => Promise<unknown>) {

  app.get('/account/app', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const { t } = request;
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    if (await ctx.totp.isEnrolled(ctx.db, who.accountId)) {
      return sendPage(reply, { title: t('identity.account.app'), backLink: { href: '/account' } }, (
        <>
          <h1>{t('identity.account.app')}</h1>
          <p>{t('identity.appManage.lead')}</p>
          {account.kind === 'staff' ? (
            <p>{t('identity.appManage.staffCannotRemove')}</p>
          ) : (
            <form method="post" action="/account/app/remove">
              <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
              <Button variant="warning">{t('identity.appManage.remove')}</Button>
            </form>
          )}
        </>
      ));
    }
    const enrolment = (await ctx.totp.pendingEnrolment(ctx.db, who.accountId, account.email)) ?? (await ctx.totp.startEnrolment(ctx.db, who.accountId, account.email));
    return appSetup(request, reply, enrolment.qrSvg, enrolment.secret, {});
  });

  const appSetup = (request: FastifyRequest, reply: FastifyReply, qrSvg: string, secret: string, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values: {}, errors }, request.locale);
    return sendPage(reply, { title: t('identity.setupApp.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account' } }, (
      <>
        <h1>{t('identity.setupApp.title')}</h1>
        <ol class="steps">
          <li>{t('identity.setupApp.step1')}</li>
          <li>
            {t('identity.setupApp.step2')}
            <div class="qr-code" role="img" aria-label={t('identity.setupApp.qrLabel')} dangerouslySetInnerHTML={{ __html: qrSvg }} />
            <p>{t('identity.setupApp.manual')} <code class="secret">{secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
          </li>
          <li>{t('identity.setupApp.step3')}</li>
        </ol>
        <form method="post" action="/account/app" novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <TextInput label={t('identity.setupApp.code')} autocomplete="one-time-code" inputmode="numeric" spellcheck={false} width="5" {...view.field('code')} />
          <Button preventDoubleClick>{t('identity.setupApp.submit')}</Button>
        </form>
      </>
    ));
  };

  app.post('/account/app', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    const enrolment = await ctx.totp.pendingEnrolment(ctx.db, who.accountId, account.email);
    if (!enrolment) return reply.redirect('/account/app', 303);
    const codes = await ctx.totp.confirmEnrolment(ctx.db, who.accountId, text(formValues(request.body), 'code'));
    if (!codes) return appSetup(request, reply, enrolment.qrSvg, enrolment.secret, { code: messageOf('identity.setupApp.invalid') });
    await audit(request, who, 'identity.totp_enrolled');
    return recoveryCodesPage(request, reply, codes, '/account?done=app');
  });

  app.post('/account/app/remove', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    // Staff must keep a second factor (the login would demand a new one at once anyway).
    if (who.accountKind === 'staff') return reply.redirect('/account/app', 303);
    await ctx.totp.remove(ctx.db, who.accountId);
    await audit(request, who, 'identity.totp_removed');
    return reply.redirect('/account?done=appRemoved', 303);
  });
}
