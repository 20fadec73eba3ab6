// Logging in (residents at /login, staff at /staff/login) and out. A wrong address or password
// gets one message for both; a throttled address says how long to wait; an unconfirmed address
// is sent a new link. `return` carries where the person was going (an OIDC interaction, a page).
//   GET/POST /login, /staff/login · POST /logout
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { PasswordInput } from '../../platform/ui/components/password-input/password-input.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { logInWithPassword } from '../accounts/log-in.ts';
import type { AccountKind } from '../db/schema.ts';
import type { IdentityContext } from '../identity-context.ts';
import { endProviderSessions } from '../oidc/adapter.ts';
import { clearSessionCookie, SESSION_COOKIE } from '../sessions/session-cookie.ts';
import { checkEmailField, text } from './form-checks.ts';
import { PASSKEY_SCRIPTS } from './passkey-routes.ts';
import { allowReturnToService, holdPending, metaOf, minutesUntil, returnPath, returnQuery, signedIn, signIn, sensitiveRateLimit } from './page-helpers.ts';

type LoginKind = Extract<AccountKind, 'resident' | 'staff'>;
const PATH: Record<LoginKind, string> = { resident: '/login', staff: '/staff/login' };

export async function loginPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const page = async (request: FastifyRequest, reply: FastifyReply, kind: LoginKind, values: FormValues, errors: FieldErrors, status?: number) => {
    const { t } = request;
    const view = formView({ values, errors }, request.locale);
    const back = returnPath(values.return);
    await allowReturnToService(reply, ctx, back);
    const title = t(kind === 'staff' ? 'identity.login.staffTitle' : 'identity.login.title');
    return sendPage(reply, { title, status: status ?? (view.hasErrors ? 422 : 200), errorSummary: view.errorSummary, scripts: kind === 'resident' ? PASSKEY_SCRIPTS : [] }, (
      <>
        <h1>{title}</h1>
        <form method="post" action={PATH[kind]} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="return" value={back} />
          <TextInput label={t('identity.field.email')} type="email" autocomplete="username" spellcheck={false} {...view.field('email')} />
          <PasswordInput label={t('identity.field.password')} autocomplete="current-password" {...view.field('password')} />
          <Button preventDoubleClick>{t('identity.login.submit')}</Button>
        </form>
        <p>
          <a href={`${kind === 'staff' ? '/staff' : ''}/login/forgot`}>{t('identity.login.forgot')}</a>
        </p>
        {kind === 'resident' && (
          <>
            <div class="passkey-login" data-module="passkey-login" data-return={back} hidden>
              <h2>{t('identity.passkey.loginTitle')}</h2>
              <p>{t('identity.passkey.loginLead')}</p>
              <button type="button" class="button button--secondary" data-passkey-login>{t('identity.passkey.loginButton')}</button>
              <p class="passkey-error" role="alert" hidden data-passkey-error>{t('identity.passkey.failed')}</p>
            </div>
            <h2>{t('identity.login.otherWays')}</h2>
            <ul>
              <li><a href={`/signup${returnQuery(back)}`}>{t('identity.login.signup')}</a></li>
              <li><a href={`/business/login${returnQuery(back)}`}>{t('identity.login.business')}</a></li>
              <li><a href="/staff/login">{t('identity.login.staff')}</a></li>
            </ul>
          </>
        )}
      </>
    ));
  };

  for (const kind of ['resident', 'staff'] as const) {
    app.get<{ Querystring: { return?: string } }>(PATH[kind], async (request, reply) => {
      // Already signed in (e.g. a service sent them through login): continue.
      const account = signedIn(request);
      if (account && (account.accountKind === kind || kind === 'resident')) return reply.redirect(returnPath(request.query.return), 303);
      return page(request, reply, kind, { return: request.query.return }, {});
    });

    app.post(PATH[kind], { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
      const values = formValues(request.body);
      const errors: FieldErrors = {};
      const email = checkEmailField(values, errors);
      if (!text(values, 'password')) errors.password = messageOf('identity.password.missing');
      const keep = { email: values.email, return: values.return };
      if (Object.keys(errors).length > 0) return page(request, reply, kind, keep, errors);
      const back = returnPath(values.return);
      const result = await logInWithPassword(ctx, { kind, email, password: text(values, 'password') }, metaOf(request));
      switch (result.outcome) {
        case 'invalid':
          return page(request, reply, kind, keep, { email: { message: messageOf('identity.login.invalid') } });
        case 'locked': {
          const message = messageOf('identity.login.locked', { minutes: minutesUntil(result.until) });
          return page(request, reply, kind, keep, { email: { message } }, 429);
        }
        case 'unverified':
          return reply.redirect('/signup/check-email', 303);
        case 'second_factor':
          holdPending(reply, ctx, result.pendingToken);
          return reply.redirect(`/login/verify${returnQuery(back)}`, 303);
        case 'enrol_totp':
          holdPending(reply, ctx, result.pendingToken);
          return reply.redirect(`/login/setup-app${returnQuery(back)}`, 303);
        case 'signed_in':
          signIn(reply, ctx, result.sessionToken);
          return reply.redirect(back, 303);
      }
    });
  }

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    const account = signedIn(request);
    if (account) {
      await ctx.sessions.revoke(ctx.db, account.sessionIdHash);
      await endProviderSessions(ctx.db, account.accountId);
    }
    clearSessionCookie(reply, SESSION_COOKIE, ctx.app.config.secureCookies);
    return reply.redirect('/logged-out', 303);
  });

  app.get('/logged-out', async (request, reply) => {
    const { t } = request;
    return sendPage(reply, { title: t('oidc.loggedOut.title') }, (
      <>
        <h1>{t('oidc.loggedOut.title')}</h1>
        <p>{t('oidc.loggedOut.lead')}</p>
        <p><a href="/">{t('error.backHome')}</a></p>
      </>
    ));
  });
}
