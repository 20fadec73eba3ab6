// Registering for the common ID: e-mail address and password, then the confirmation mail.
//   GET/POST /signup, GET /signup/check-email, GET/POST /signup/verify?token=
import type { FastifyInstance } from 'fastify';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { PasswordInput } from '../../platform/ui/components/password-input/password-input.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { checkEmailToken } from '../accounts/email-tokens.ts';
import { signUpResident } from '../accounts/sign-up.ts';
import { verifyEmail } from '../accounts/verify-email.ts';
import type { IdentityContext } from '../identity-context.ts';
import { checkEmailField, checkNewPassword } from './form-checks.ts';
import { allowReturnToService, metaOf, returnPath, returnQuery, signIn } from './page-helpers.ts';

export async function signUpPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const form = (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values, errors }, request.locale);
    return sendPage(reply, { title: t('identity.signup.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary }, (
      <>
        <h1>{t('identity.signup.title')}</h1>
        <p>{t('identity.signup.lead')}</p>
        <form method="post" action="/signup" novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="return" value={returnPath(values.return)} />
          <TextInput label={t('identity.field.email')} hint={t('identity.signup.emailHint')} type="email" autocomplete="email" spellcheck={false} {...view.field('email')} />
          <PasswordInput label={t('identity.field.newPassword')} hint={t('identity.password.hint')} autocomplete="new-password" {...view.field('password')} />
          <InsetText>{t('identity.signup.privacy')}</InsetText>
          <Button preventDoubleClick>{t('identity.signup.submit')}</Button>
        </form>
        <p>
          {t('identity.signup.haveAccount')} <a href={`/login${returnQuery(returnPath(values.return))}`}>{t('identity.login.link')}</a>
        </p>
      </>
    ));
  };

  app.get<{ Querystring: { return?: string } }>('/signup', async (request, reply) => form(request, reply, { return: request.query.return }, {}));

  app.post('/signup', { preHandler: app.csrfProtection }, async (request, reply) => {
    const values = formValues(request.body);
    const errors: FieldErrors = {};
    const email = checkEmailField(values, errors);
    const password = checkNewPassword(values, errors, email);
    if (Object.keys(errors).length > 0) return form(request, reply, { email: values.email, return: values.return }, errors);
    const back = returnPath(values.return);
    await signUpResident(ctx, { email, password, ...(back !== '/account' ? { returnTo: back } : {}) }, metaOf(request));
    return reply.redirect('/signup/check-email', 303);
  });

  app.get('/signup/check-email', async (request, reply) => {
    const { t } = request;
    return sendPage(reply, { title: t('identity.signup.checkEmail.title') }, (
      <>
        <h1>{t('identity.signup.checkEmail.title')}</h1>
        <p>{t('identity.signup.checkEmail.lead')}</p>
        <p>{t('identity.signup.checkEmail.notArrived')}</p>
        {!ctx.app.config.smtpUrl && !ctx.app.config.production && (
          <InsetText>
            {t('identity.signup.checkEmail.devOutbox')} <a href="/dev/outbox">/dev/outbox</a>
          </InsetText>
        )}
      </>
    ));
  });

  // The mail's link opens a page with one button: a mail scanner that fetches links cannot use it up.
  app.get<{ Querystring: { token?: string; return?: string } }>('/signup/verify', async (request, reply) => {
    const { t } = request;
    const token = request.query.token ?? '';
    const check = await checkEmailToken(ctx.db, token, 'verify_email');
    if (!check.ok) return linkProblem(request, reply, check.reason);
    await allowReturnToService(reply, ctx, returnPath(request.query.return));
    return sendPage(reply, { title: t('identity.verify.title') }, (
      <>
        <h1>{t('identity.verify.title')}</h1>
        <p>{t('identity.verify.lead')}</p>
        <form method="post" action="/signup/verify">
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="return" value={returnPath(request.query.return)} />
          <Button preventDoubleClick>{t('identity.verify.submit')}</Button>
        </form>
      </>
    ));
  });

  app.post<{ Body: { token?: string; return?: string } }>('/signup/verify', { preHandler: app.csrfProtection }, async (request, reply) => {
    const result = await verifyEmail(ctx, String(request.body?.token ?? ''), metaOf(request));
    if (!result.ok) return linkProblem(request, reply, result.reason);
    signIn(reply, ctx, result.sessionToken);
    const back = returnPath(request.body?.return);
    return reply.redirect(back === '/account' ? '/account?welcome=1' : back, 303);
  });
}

/** An e-mail link that cannot be used: say why and what to do, never a bare error. */
export function linkProblem(request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply, reason: 'unknown' | 'used' | 'expired') {
  const { t } = request;
  return sendPage(reply, { title: t(`identity.linkTitle.${reason}`), status: 400, hasErrors: true }, (
    <>
      <h1>{t(`identity.linkTitle.${reason}`)}</h1>
      <p>{t(`identity.linkLead.${reason}`)}</p>
      <p>
        <a href="/login">{t('identity.login.link')}</a>
      </p>
    </>
  ));
}
