// The second step of a login: a code from the authenticator app, a recovery code, or a passkey;
// and, for staff without an app yet, registering one. Both need the pending login cookie that the
// password step set; without it (expired after 10 minutes, or opened directly) they go back to
// the login page.
//   GET/POST /login/verify · GET/POST /login/setup-app
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Details } from '../../platform/ui/components/details/details.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { completeWithCode } from '../accounts/log-in.ts';
import type { IdentityContext } from '../identity-context.ts';
import { completeTotpEnrolment } from '../mfa/enrol-totp.ts';
import type { TotpEnrolment } from '../mfa/totp.ts';
import type { Session } from '../sessions/session-store.ts';
import { text } from './form-checks.ts';
import { PASSKEY_SCRIPTS } from './passkey-routes.ts';
import { allowReturnToService, metaOf, minutesUntil, pendingLogin, returnPath, returnQuery, signIn, sensitiveRateLimit } from './page-helpers.ts';

export async function secondFactorPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const toLogin = (request: FastifyRequest, reply: FastifyReply, back: string) => reply.redirect(`/login${returnQuery(back)}`, 303);

  const verifyPage = async (request: FastifyRequest, reply: FastifyReply, pending: Session, values: FormValues, errors: FieldErrors, status?: number) => {
    const { t } = request;
    const view = formView({ values, errors }, request.locale);
    const recovery = values.method === 'recovery';
    const back = returnPath(values.return);
    const hasTotp = await ctx.totp.isEnrolled(ctx.db, pending.accountId);
    const hasPasskey = (await ctx.passkeys.list(ctx.db, pending.accountId)).length > 0;
    const title = t(recovery ? 'identity.verify2.recoveryTitle' : 'identity.verify2.title');
    await allowReturnToService(reply, ctx, back);
    return sendPage(reply, { title, status: status ?? (view.hasErrors ? 422 : 200), errorSummary: view.errorSummary, scripts: hasPasskey ? PASSKEY_SCRIPTS : [] }, (
      <>
        {hasTotp || recovery ? (
          <form method="post" action="/login/verify" novalidate>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <input type="hidden" name="return" value={back} />
            <input type="hidden" name="method" value={recovery ? 'recovery' : 'otp'} />
            {recovery ? (
              <TextInput label={title} isPageHeading hint={t('identity.verify2.recoveryHint')} autocomplete="off" spellcheck={false} width="10" {...view.field('code')} />
            ) : (
              <TextInput label={title} isPageHeading hint={t('identity.verify2.hint')} autocomplete="one-time-code" inputmode="numeric" spellcheck={false} width="5" {...view.field('code')} />
            )}
            <Button preventDoubleClick>{t('identity.verify2.submit')}</Button>
          </form>
        ) : (
          <h1>{title}</h1>
        )}
        {hasPasskey && (
          <div class="passkey-login" data-module="passkey-login" data-second-factor="true" data-return={back} hidden>
            <p>{t('identity.passkey.secondFactorLead')}</p>
            <button type="button" class="button button--secondary" data-passkey-login>{t('identity.passkey.loginButton')}</button>
            <p class="passkey-error" role="alert" hidden data-passkey-error>{t('identity.passkey.failed')}</p>
          </div>
        )}
        {hasTotp && (
          <Details summary={t('identity.verify2.lostPhone')}>
            <p>{t('identity.verify2.lostPhoneLead')}</p>
            <p>
              <a href={recovery ? `/login/verify${returnQuery(back)}` : `/login/verify?method=recovery${back === '/account' ? '' : `&return=${encodeURIComponent(back)}`}`}>
                {t(recovery ? 'identity.verify2.useApp' : 'identity.verify2.useRecovery')}
              </a>
            </p>
          </Details>
        )}
      </>
    ));
  };

  app.get<{ Querystring: { return?: string; method?: string } }>('/login/verify', async (request, reply) => {
    const pending = await pendingLogin(request, ctx);
    if (!pending) return toLogin(request, reply, returnPath(request.query.return));
    return verifyPage(request, reply, pending, { return: request.query.return, method: request.query.method }, {});
  });

  app.post('/login/verify', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    const values = formValues(request.body);
    const back = returnPath(values.return);
    const pending = await pendingLogin(request, ctx);
    if (!pending) return toLogin(request, reply, back);
    const method = values.method === 'recovery' ? 'recovery' : 'otp';
    const keep = { return: values.return, method };
    if (!text(values, 'code').trim()) return verifyPage(request, reply, pending, keep, { code: messageOf(`identity.codeMissing.${method}`) });
    const result = await completeWithCode(ctx, pending, { method, code: text(values, 'code') }, metaOf(request));
    switch (result.outcome) {
      case 'signed_in':
        signIn(reply, ctx, result.sessionToken);
        return reply.redirect(back, 303);
      case 'invalid':
        return verifyPage(request, reply, pending, keep, { code: messageOf(`identity.codeInvalid.${method}`) });
      case 'locked':
        return verifyPage(request, reply, pending, keep, { code: messageOf('identity.login.locked', { minutes: minutesUntil(result.until) }) }, 429);
      case 'expired':
        return toLogin(request, reply, back);
    }
  });

  const setupPage = async (request: FastifyRequest, reply: FastifyReply, enrolment: TotpEnrolment, values: FormValues, errors: FieldErrors) => {
    const { t } = request;
    await allowReturnToService(reply, ctx, returnPath(values.return));
    const view = formView({ values, errors }, request.locale);
    return sendPage(reply, { title: t('identity.setupApp.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary }, (
      <>
        <h1>{t('identity.setupApp.title')}</h1>
        <p>{t('identity.setupApp.lead')}</p>
        <ol class="steps">
          <li>{t('identity.setupApp.step1')}</li>
          <li>
            {t('identity.setupApp.step2')}
            <div class="qr-code" role="img" aria-label={t('identity.setupApp.qrLabel')} dangerouslySetInnerHTML={{ __html: enrolment.qrSvg }} />
            <p>
              {t('identity.setupApp.manual')} <code class="secret">{enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
            </p>
          </li>
          <li>{t('identity.setupApp.step3')}</li>
        </ol>
        <form method="post" action={String(values.action ?? '/login/setup-app')} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="return" value={returnPath(values.return)} />
          <TextInput label={t('identity.setupApp.code')} autocomplete="one-time-code" inputmode="numeric" spellcheck={false} width="5" {...view.field('code')} />
          <Button preventDoubleClick>{t('identity.setupApp.submit')}</Button>
        </form>
      </>
    ));
  };

  app.get<{ Querystring: { return?: string } }>('/login/setup-app', async (request, reply) => {
    const pending = await pendingLogin(request, ctx);
    if (!pending) return toLogin(request, reply, returnPath(request.query.return));
    const account = await ctx.accounts.findById(ctx.db, pending.accountId);
    if (!account) return toLogin(request, reply, '/account');
    if (await ctx.totp.isEnrolled(ctx.db, account.id)) return reply.redirect(`/login/verify${returnQuery(returnPath(request.query.return))}`, 303);
    const enrolment = (await ctx.totp.pendingEnrolment(ctx.db, account.id, account.email)) ?? (await ctx.totp.startEnrolment(ctx.db, account.id, account.email));
    return setupPage(request, reply, enrolment, { return: request.query.return }, {});
  });

  app.post('/login/setup-app', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    const values = formValues(request.body);
    const back = returnPath(values.return);
    const pending = await pendingLogin(request, ctx);
    if (!pending) return toLogin(request, reply, back);
    const account = await ctx.accounts.findById(ctx.db, pending.accountId);
    const enrolment = account && (await ctx.totp.pendingEnrolment(ctx.db, account.id, account.email));
    if (!account || !enrolment) return toLogin(request, reply, back);
    const result = await completeTotpEnrolment(ctx, pending, text(values, 'code'), metaOf(request));
    if (result.outcome === 'expired') return toLogin(request, reply, back);
    if (result.outcome === 'invalid') return setupPage(request, reply, enrolment, { return: values.return }, { code: messageOf('identity.setupApp.invalid') });
    signIn(reply, ctx, result.sessionToken);
    return recoveryCodesPage(request, reply, result.recoveryCodes, back);
  });
}

/** Shown once, right after an app is registered: the codes that replace a lost phone. */
export function recoveryCodesPage(request: FastifyRequest, reply: FastifyReply, codes: string[], next: string) {
  const { t } = request;
  return sendPage(reply, { title: t('identity.recovery.title') }, (
    <>
      <Panel headingLevel={2} title={t("identity.recovery.done")}>{t('identity.recovery.doneLead')}</Panel>
      <h1>{t('identity.recovery.title')}</h1>
      <p>{t('identity.recovery.lead')}</p>
      <WarningText>{t('identity.recovery.warning')}</WarningText>
      <ul class="recovery-codes">
        {codes.map((code) => (
          <li><code>{code}</code></li>
        ))}
      </ul>
      <Button href={next}>{t('identity.recovery.continue')}</Button>
    </>
  ));
}
