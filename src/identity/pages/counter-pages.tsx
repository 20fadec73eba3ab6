// Level B at the counter, both sides:
//   resident  GET/POST /account/counter-code       a short code to show the clerk
//   clerk     GET/POST /staff/identity-check        type the code, see the recorded details
//             POST /staff/identity-check/record     record which document matched them
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formValues, formView, messageOf, type FieldErrors, type FormValues } from '../../platform/ui/form-errors.ts';
import { pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { Panel } from '../../platform/ui/components/panel/panel.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { issueCounterCode, lookUpCounterCode, recordIdentityCheck, type CounterLookup } from '../assurance/counter-check.ts';
import { IDENTITY_DOCUMENTS, type IdentityDocument } from '../db/schema.ts';
import type { IdentityContext } from '../identity-context.ts';
import { ProfileStore } from '../profile/profile.ts';
import { text } from './form-checks.ts';
import { metaOf, requireSignedIn, requireStaff, sensitiveRateLimit } from './page-helpers.ts';

export async function counterPages(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  app.get('/account/counter-code', async (request, reply) => {
    if (!requireSignedIn(request, reply)) return reply;
    const { t } = request;
    return sendPage(reply, { title: t('identity.counter.title'), backLink: { href: '/account' } }, (
      <>
        <h1>{t('identity.counter.title')}</h1>
        <p>{t('identity.counter.lead')}</p>
        <InsetText>{t('identity.counter.documents')}</InsetText>
        <form method="post" action="/account/counter-code">
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <Button>{t('identity.counter.show')}</Button>
        </form>
      </>
    ));
  });

  app.post('/account/counter-code', { preHandler: app.csrfProtection }, async (request, reply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return reply;
    const code = await issueCounterCode(ctx, who.accountId);
    const { t } = request;
    return sendPage(reply, { title: t('identity.counter.codeTitle'), backLink: { href: '/account' } }, (
      <>
        <Panel title={t('identity.counter.codeTitle')}>
          <span class="counter-code" aria-label={code.split('').join(' ')}>{`${code.slice(0, 4)} ${code.slice(4)}`}</span>
        </Panel>
        <p>{t('identity.counter.codeLead')}</p>
      </>
    ));
  });

  /** The offices where this clerk may check identities. */
  const offices = async (request: FastifyRequest) => {
    const allowed = await ctx.app.guard.tenantsFor(request.actor, 'identity.verify_identity');
    const { tenants } = await ctx.app.tenants.snapshot();
    return [...allowed].map((code) => tenants.get(code)!).filter(Boolean).sort((a, b) => a.sortOrder - b.sortOrder);
  };

  const codePage = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FieldErrors) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const list = await offices(request);
    return sendPage(reply, { title: t('identity.check.title'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary, backLink: { href: '/staff' } }, (
      <form method="post" action="/staff/identity-check" novalidate>
        <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
        <h1>{t('identity.check.title')}</h1>
        <p>{t('identity.check.lead')}</p>
        {list.length === 1 ? (
          <input type="hidden" name="office" value={list[0]!.lgCode} />
        ) : (
          <Select label={t('identity.check.office')} items={list.map((o) => ({ value: o.lgCode, text: o.name[locale] }))} {...view.field('office')} />
        )}
        <TextInput label={t('identity.check.code')} hint={t('identity.check.codeHint')} inputmode="numeric" autocomplete="off" spellcheck={false} width="10" {...view.field('code')} />
        <Button preventDoubleClick>{t('identity.check.find')}</Button>
      </form>
    ));
  };

  app.get('/staff/identity-check', async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    if ((await offices(request)).length === 0) throw new AppError(PlatformErrors.FORBIDDEN);
    return codePage(request, reply, {}, {});
  });

  app.post('/staff/identity-check', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const values = formValues(request.body);
    const office = text(values, 'office');
    const found = await lookUpCounterCode(ctx, request.actor, office, text(values, 'code'), metaOf(request));
    if (!found) return codePage(request, reply, { office }, { code: messageOf('identity.check.notFound') });
    return detailsPage(request, reply, office, found, {});
  });

  const detailsPage = async (request: FastifyRequest, reply: FastifyReply, office: string, found: CounterLookup, errors: FieldErrors, values: FormValues = {}) => {
    const { t, locale } = request;
    const view = formView({ values, errors }, locale);
    const p = found.profile;
    const { tenants } = await ctx.app.tenants.snapshot();
    return sendPage(reply, { title: t('identity.check.detailsTitle'), status: view.hasErrors ? 422 : 200, errorSummary: view.errorSummary }, (
      <>
        <h1>{t('identity.check.detailsTitle')}</h1>
        {!p ? (
          <WarningText>{t('identity.check.noProfile')}</WarningText>
        ) : (
          <form method="post" action="/staff/identity-check/record" novalidate>
            <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
            <input type="hidden" name="office" value={office} />
            <input type="hidden" name="ticket" value={found.ticket} />
            <input type="hidden" name="account" value={found.accountId} />
            <input type="hidden" name="version" value={String(p.version)} />
            <SummaryList
              rows={[
                { key: t('identity.profile.name'), value: `${p.personal.familyName} ${p.personal.givenName}` },
                { key: t('identity.profile.kana'), value: `${p.personal.familyNameKana} ${p.personal.givenNameKana}` },
                { key: t('identity.profile.birthDate'), value: p.personal.birthDate },
                { key: t('identity.profile.address'), value: `〒${p.personal.postalCode} ${tenants.get(p.residenceLgCode ?? '')?.name[locale] ?? ''}${p.personal.addressLine}` },
                { key: t('identity.account.level'), value: t(`identity.level.${found.assuranceLevel}`) },
              ]}
            />
            <Radios legend={t('identity.check.document')} items={IDENTITY_DOCUMENTS.map((d) => ({ value: d, text: t(`identity.document.${d}`) }))} {...view.field('document')} />
            <Checkboxes legend={t('identity.check.confirmLegend')} items={[{ value: 'yes', text: t('identity.check.confirm') }]} {...view.choices('confirm')} />
            <Button preventDoubleClick>{t('identity.check.record')}</Button>
          </form>
        )}
        <p><a href="/staff/identity-check">{t('identity.check.another')}</a></p>
      </>
    ));
  };

  app.post('/staff/identity-check/record', { preHandler: app.csrfProtection }, async (request, reply) => {
    if (!requireStaff(request, reply)) return reply;
    const values = formValues(request.body);
    const { t } = request;
    const office = text(values, 'office');
    const document = text(values, 'document') as IdentityDocument;
    const errors: FieldErrors = {};
    if (!IDENTITY_DOCUMENTS.includes(document)) errors.document = messageOf('identity.check.documentMissing');
    if (!(Array.isArray(values.confirm) ? values.confirm : [values.confirm]).includes('yes')) errors.confirm = messageOf('identity.check.confirmMissing');
    const input = { officeLgCode: office, ticket: text(values, 'ticket'), accountId: text(values, 'account'), documentType: document, profileVersion: Number(text(values, 'version')) };
    if (Object.keys(errors).length > 0) {
      // The ticket stays unused: show the same details again with the problems marked.
      const profile = await new ProfileStore(ctx.app.sealer).find(ctx.db, input.accountId);
      const account = await ctx.accounts.findById(ctx.db, input.accountId);
      if (!account) throw new AppError(PlatformErrors.NOT_FOUND);
      return detailsPage(request, reply, office, { ticket: input.ticket, accountId: input.accountId, assuranceLevel: account.assuranceLevel, profile }, errors, values);
    }
    const result = await recordIdentityCheck(ctx, request.actor, input, metaOf(request));
    if (result !== 'recorded') return codePage(request, reply, { office }, { code: messageOf(`identity.check.${result}`) });
    return sendPage(reply, { title: t('identity.check.recorded') }, (
      <>
        <Panel title={t('identity.check.recorded')}>{t('identity.check.recordedLead')}</Panel>
        <p><a href="/staff/identity-check">{t('identity.check.another')}</a></p>
      </>
    ));
  });
}
