// A staff member's own notification settings: whether they get an e-mail when an application
// reaches a stage of their department that their role acts at (workflow/arrival-mail.ts). On by
// default; each change is audited.
//   GET  /staff/notifications   the setting
//   POST /staff/notifications   arrivalMail=on|off
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireStaff } from '../../identity/exports.ts';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { NotificationBanner } from '../../platform/ui/components/notification-banner/notification-banner.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { formValues, formView, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { arrivalMailOn, setArrivalMail } from '../workflow/arrival-mail.ts';

const both = (key: string) => ({ ja: translator('ja')(key), en: translator('en')(key) });

export async function staffNotificationPages(app: FastifyInstance, ctx: ProceduresContext): Promise<void> {
  const principalOf = (request: FastifyRequest) => {
    if (request.actor.kind !== 'principal') throw new AppError(PlatformErrors.FORBIDDEN);
    return request.actor.principalId;
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, state: { values?: FormValues; errors?: FieldErrors; saved?: boolean } = {}) => {
    const { t, locale } = request;
    const on = await arrivalMailOn(ctx.db, principalOf(request));
    const view = formView({ values: state.values ?? { arrivalMail: on ? 'on' : 'off' }, errors: state.errors ?? {} }, locale);
    const title = t('procedures.staffSettings.title');
    return sendPage(reply, { title, status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/staff' } }, (
      <>
        {state.saved && <NotificationBanner type="success"><p class="notification-banner__heading">{t('procedures.staffSettings.saved')}</p></NotificationBanner>}
        <h1>{title}</h1>
        <p>{t('procedures.staffSettings.lead')}</p>
        <form method="post" action="/staff/notifications" novalidate>
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <Radios legend={t('procedures.staffSettings.arrivalMail')} items={[{ value: 'on', text: t('procedures.staffSettings.on') }, { value: 'off', text: t('procedures.staffSettings.off') }]} {...view.field('arrivalMail')} />
          <Button preventDoubleClick>{t('procedures.staffSettings.save')}</Button>
        </form>
      </>
    ));
  };

  app.get('/staff/notifications', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    return render(request, reply);
  });

  app.post('/staff/notifications', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const principalId = principalOf(request);
    const values = formValues(request.body);
    const choice = values['arrivalMail'];
    if (choice !== 'on' && choice !== 'off') return render(request, reply, { values, errors: { arrivalMail: both('procedures.staffSettings.choose') } });
    await ctx.app.db.transaction().execute(async (trx) => {
      if (await setArrivalMail(proceduresDb(trx), principalId, choice === 'on')) {
        await appendAudit(trx, { actor: actorId(request.actor), action: 'procedures.staff_notifications_changed', subject: principalId, ip: request.ip, requestId: request.id, details: { arrivalMail: choice === 'on' } });
      }
    });
    return render(request, reply, { saved: true });
  });
}
