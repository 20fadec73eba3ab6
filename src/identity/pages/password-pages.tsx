// Forgotten passwords and staff invitations: both are a link by mail, then a new password.
//   GET/POST /login/forgot, /staff/login/forgot · GET/POST /login/reset, /staff/login/reset
//   GET/POST /staff/invitation
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { PasswordInput } from '../../platform/ui/components/password-input/password-input.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { checkEmailToken, type TokenCheck } from '../accounts/email-tokens.ts';
import { requestPasswordReset, resetPassword } from '../accounts/reset-password.ts';
import type { IdentityContext } from '../identity-context.ts';
import { acceptInvitation } from '../staff/invite-staff.ts';
import { checkEmailField, checkNewPassword } from './form-checks.ts';
import { holdPending, metaOf, sensitiveRateLimit } from './page-helpers.ts';
import { linkProblem } from './sign-up-pages.tsx';

export async function passwordPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  for (const prefix of ['', '/staff'] as const) {
    const kind = prefix ? 'staff' : 'resident';
    const forgotPage = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
      const { t } = request;
      const view = formView({ values, errors }, request.locale);
      return sendPage(reply, { title: t('identity.forgot.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: `${prefix}/login` } }, (
        <form method="post" action={`${prefix}/login/forgot`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <h1>{t('identity.forgot.title')}</h1>
          <p>{t('identity.forgot.lead')}</p>
          <TextInput label={t('identity.field.email')} type="email" autocomplete="email" spellcheck={false} {...view.field('email')} />
          <Button preventDoubleClick>{t('identity.forgot.submit')}</Button>
        </form>
      ));
    };
    app.get(`${prefix}/login/forgot`, async (request, reply) => forgotPage(request, reply, {}, {}));
    app.post(`${prefix}/login/forgot`, { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
      const values = formValues(request.body);
      const errors: FieldErrors = {};
      const email = checkEmailField(values, errors);
      if (Object.keys(errors).length > 0) return forgotPage(request, reply, values, errors);
      await requestPasswordReset(ctx, { kind, email }, metaOf(request));
      const { t } = request;
      // The same answer for every address.
      return sendPage(reply, { title: t('identity.forgot.sentTitle') }, (
        <>
          <h1>{t('identity.forgot.sentTitle')}</h1>
          <p>{t('identity.forgot.sentLead')}</p>
        </>
      ));
    });

    const resetPage = (request: FastifyRequest, reply: FastifyReply, token: string, errors: FieldErrors) => {
      const { t } = request;
      const view = formView({ values: {}, errors }, request.locale);
      return sendPage(reply, { title: t('identity.reset.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary }, (
        <form method="post" action={`${prefix}/login/reset`} novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <input type="hidden" name="token" value={token} />
          <h1>{t('identity.reset.title')}</h1>
          <PasswordInput label={t('identity.field.newPassword')} hint={t('identity.password.hint')} autocomplete="new-password" {...view.field('password')} />
          <Button preventDoubleClick>{t('identity.reset.submit')}</Button>
        </form>
      ));
    };
    app.get<{ Querystring: { token?: string } }>(`${prefix}/login/reset`, async (request, reply) => {
      const check = await checkEmailToken(ctx.db, request.query.token ?? '', 'reset_password');
      if (!check.ok) return linkProblem(request, reply, check.reason);
      return resetPage(request, reply, request.query.token!, {});
    });
    app.post(`${prefix}/login/reset`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const values = formValues(request.body);
      const token = String(values.token ?? '');
      const check = await checkEmailToken(ctx.db, token, 'reset_password');
      if (!check.ok) return linkProblem(request, reply, check.reason);
      const account = await ctx.accounts.findById(ctx.db, check.accountId);
      const errors: FieldErrors = {};
      const password = checkNewPassword(values, errors, account?.email ?? '');
      if (Object.keys(errors).length > 0) return resetPage(request, reply, token, errors);
      const result = await resetPassword(ctx, { token, password }, metaOf(request));
      if (!result.ok) return linkProblem(request, reply, result.reason);
      const { t } = request;
      return sendPage(reply, { title: t('identity.reset.doneTitle') }, (
        <>
          <h1>{t('identity.reset.doneTitle')}</h1>
          <p>{t('identity.reset.doneLead')}</p>
          <Button href={`${prefix}/login`}>{t('identity.login.link')}</Button>
        </>
      ));
    });
  }

  const invitationPage = (request: FastifyRequest, reply: FastifyReply, token: string, errors: FieldErrors) => {
    const { t } = request;
    const view = formView({ values: {}, errors }, request.locale);
    return sendPage(reply, { title: t('identity.invitation.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary }, (
      <form method="post" action="/staff/invitation" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <input type="hidden" name="token" value={token} />
        <h1>{t('identity.invitation.title')}</h1>
        <p>{t('identity.invitation.lead')}</p>
        <PasswordInput label={t('identity.field.newPassword')} hint={t('identity.password.hint')} autocomplete="new-password" {...view.field('password')} />
        <Button preventDoubleClick>{t('identity.invitation.submit')}</Button>
      </form>
    ));
  };
  const invitationCheck = async (token: string): Promise<TokenCheck> => checkEmailToken(ctx.db, token, 'staff_invite');
  app.get<{ Querystring: { token?: string } }>('/staff/invitation', async (request, reply) => {
    const check = await invitationCheck(request.query.token ?? '');
    if (!check.ok) return linkProblem(request, reply, check.reason);
    return invitationPage(request, reply, request.query.token!, {});
  });
  app.post('/staff/invitation', { preHandler: app.csrfProtection }, async (request, reply) => {
    const values = formValues(request.body);
    const token = String(values.token ?? '');
    const check = await invitationCheck(token);
    if (!check.ok) return linkProblem(request, reply, check.reason);
    const account = await ctx.accounts.findById(ctx.db, check.accountId);
    const errors: FieldErrors = {};
    const password = checkNewPassword(values, errors, account?.email ?? '');
    if (Object.keys(errors).length > 0) return invitationPage(request, reply, token, errors);
    const accepted = await acceptInvitation(ctx, { token, password }, metaOf(request));
    if (!accepted.ok) return linkProblem(request, reply, accepted.reason);
    holdPending(reply, ctx, accepted.pendingToken);
    return reply.redirect('/login/setup-app?return=%2Fstaff', 303);
  });
}
