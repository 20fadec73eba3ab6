// Changing a resident's e-mail address (accounts/change-email.ts): the form (new address and the
// password), "check the new address's mail", and the confirmation the link opens.
//   GET/POST /account/email · GET /account/email/sent · GET/POST /account/email/confirm?token=…
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { PasswordInput } from '../../platform/ui/components/password-input/password-input.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { checkEmailChange, confirmEmailChange, EMAIL_CHANGE_HOURS, requestEmailChange } from '../accounts/change-email.ts';
import type { IdentityContext } from '../identity-context.ts';
import { checkEmailField, text } from './form-checks.ts';
import { metaOf, requireSignedIn, sensitiveRateLimit } from './page-helpers.ts';

export async function emailPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const formPage = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t } = request;
    const who = requireSignedIn(request, reply)!;
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    const view = formView({ values, errors }, request.locale);
    return sendPage(reply, { title: t('identity.changeEmail.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/account' } }, (
      <form method="post" action="/account/email" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <h1>{t('identity.changeEmail.title')}</h1>
        <p>{t('identity.changeEmail.current', { email: account.email })}</p>
        <TextInput label={t('identity.changeEmail.new')} hint={t('identity.changeEmail.newHint', { hours: String(EMAIL_CHANGE_HOURS) })} type="email" autocomplete="email" spellcheck={false} {...view.field('email')} />
        <PasswordInput label={t('identity.changeEmail.password')} autocomplete="current-password" {...view.field('password')} />
        <Button preventDoubleClick>{t('identity.changeEmail.submit')}</Button>
      </form>
    ));
  };

  app.get('/account/email', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    if (who.accountKind !== 'resident') return reply.redirect('/account', 303);
    return formPage(request, reply, {}, {});
  });

  app.post('/account/email', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    if (who.accountKind !== 'resident') return reply.redirect('/account', 303);
    const values = formValues(request.body);
    const errors: FieldErrors = {};
    const email = checkEmailField(values, errors);
    if (!text(values, 'password')) errors.password = messageOf('identity.changeEmail.passwordMissing');
    if (Object.keys(errors).length > 0) return formPage(request, reply, values, errors);
    const result = await requestEmailChange(ctx, who.accountId, { newEmail: email, password: text(values, 'password') }, metaOf(request));
    if (!result.ok) {
      if (result.reason === 'password') errors.password = messageOf('identity.changeEmail.wrongPassword');
      else errors.email = messageOf('identity.changeEmail.same');
      return formPage(request, reply, { email: values.email ?? '' }, errors);
    }
    return reply.redirect('/account/email/sent', 303);
  });

  app.get('/account/email/sent', async (request, reply) => {
    if (!requireSignedIn(request, reply)) return reply;
    const { t } = request;
    return sendPage(reply, { title: t('identity.changeEmail.sentTitle'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('identity.changeEmail.sentTitle')}</h1>
        <p>{t('identity.changeEmail.sentLead', { hours: String(EMAIL_CHANGE_HOURS) })}</p>
        <InsetText>{t('identity.changeEmail.sentNote')}</InsetText>
      </>
    ));
  });

  const unusable = (request: FastifyRequest, reply: FastifyReply, reason: string) => {
    const { t } = request;
    return sendPage(reply, { title: t('identity.changeEmail.unusable'), status: reason === 'taken' ? 409 : 400, hasErrors: true }, (
      <>
        <h1>{t('identity.changeEmail.unusable')}</h1>
        <p>{t(`identity.changeEmail.why.${reason}`)}</p>
        <p><a href="/account/email">{t('identity.changeEmail.again')}</a></p>
      </>
    ));
  };

  app.get<{ Querystring: { token?: string } }>('/account/email/confirm', async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const token = request.query.token ?? '';
    const check = await checkEmailChange(ctx, token, who.accountId);
    if (!check.ok) return unusable(request, reply, check.reason);
    const { t } = request;
    return sendPage(reply, { title: t('identity.changeEmail.confirmTitle') }, (
      <form method="post" action="/account/email/confirm" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <input type="hidden" name="token" value={token} />
        <h1>{t('identity.changeEmail.confirmTitle')}</h1>
        <p>{t('identity.changeEmail.confirmLead', { email: check.email })}</p>
        <Button preventDoubleClick>{t('identity.changeEmail.confirm')}</Button>
      </form>
    ));
  });

  app.post('/account/email/confirm', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const result = await confirmEmailChange(ctx, text(formValues(request.body), 'token'), who.accountId, metaOf(request));
    if (!result.ok) return unusable(request, reply, result.reason);
    return reply.redirect('/account?done=email', 303);
  });
}
