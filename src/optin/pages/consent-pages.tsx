// The consent page (step 3 of the design's five): in plain words, who asks, for which data, from
// where, for what, for how long, and what happens on refusal; the resident approves or refuses
// and goes back to the service. Only the resident the request names may answer, once, within
// REQUEST_TTL_MINUTES; a proxy cannot consent for someone else.
//   GET /consent/{id} · POST /consent/{id}
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatDate } from '../../platform/i18n/dates.ts';
import { formValues } from '../../platform/ui/form-errors.ts';
import { allowFormActionTo, pageCsrfToken, sendPage } from '../../platform/ui/render.tsx';
import { Button } from '../../platform/ui/components/button/button.tsx';
import { InsetText } from '../../platform/ui/components/inset-text/inset-text.tsx';
import { SummaryList } from '../../platform/ui/components/summary-list/summary-list.tsx';
import { Tag } from '../../platform/ui/components/tag/tag.tsx';
import { WarningText } from '../../platform/ui/components/warning-text/warning-text.tsx';
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import { requireSignedIn } from '../../identity/exports.ts';
import type { ConsentRequest } from '../consents/consents.ts';
import type { OptinContext } from '../optin-context.ts';
import type { Service } from '../registry/registry.ts';

export function returnUrl(request: ConsentRequest, status: 'approved' | 'refused'): string {
  const url = new URL(request.returnUri);
  url.searchParams.set('consent_request', request.id);
  url.searchParams.set('status', status);
  if (request.state !== null) url.searchParams.set('state', request.state);
  return url.toString();
}

export const sensitivityTone = { normal: 'neutral', sensitive: 'warning', special_care: 'error' } as const;

export async function consentPages(app: FastifyInstance, ctx: OptinContext): Promise<void> {
  const load = async (id: string) => {
    const request = await ctx.consents.findRequest(id);
    if (!request) return undefined;
    const [service, provider] = await Promise.all([ctx.registry.findService(ctx.db, request.serviceId), ctx.registry.findProvider(ctx.db, request.providerId)]);
    return service && provider ? { request, service, provider } : undefined;
  };
  const tenantName = async (lgCode: string, locale: 'ja' | 'en') => (await ctx.app.tenants.get(lgCode))?.name[locale] ?? lgCode;

  /** Why the resident cannot answer this request now, or null when they can. */
  const blocked = (found: { request: ConsentRequest; service: Service }, who: SignedInAccount): 'not_yours' | 'answered' | 'expired' | 'service_unavailable' | 'acting' | null => {
    if (found.request.accountId !== who.accountId) return 'not_yours';
    if (who.actingFor) return 'acting';
    if (found.request.status !== 'pending') return 'answered';
    if (found.request.expiresAt <= new Date()) return 'expired';
    if (found.service.status !== 'approved') return 'service_unavailable';
    return null;
  };

  const notPossible = (request: FastifyRequest, reply: FastifyReply, reason: string, found?: { request: ConsentRequest }) => {
    const { t } = request;
    return sendPage(reply, { title: t(`optin.consent.blocked.${reason}`), status: reason === 'not_yours' ? 403 : reason === 'missing' ? 404 : 409, hasErrors: true }, (
      <>
        <h1>{t(`optin.consent.blocked.${reason}`)}</h1>
        <p>{t(`optin.consent.blocked.${reason}Lead`)}</p>
        {found && reason === 'answered' && <p><a href="/account/consents">{t('optin.consent.seeConsents')}</a></p>}
        <p><a href="/account">{t('optin.consent.toAccount')}</a></p>
      </>
    ));
  };

  /** The request the signed-in resident may answer now, or undefined once the reply is sent. */
  const answerable = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const who = requireSignedIn(request, reply);
    if (!who) return undefined;
    const found = await load(request.params.id);
    if (!found) {
      await notPossible(request, reply, 'missing');
      return undefined;
    }
    const why = blocked(found, who);
    if (why) {
      await notPossible(request, reply, why, found);
      return undefined;
    }
    return { who, ...found };
  };

  app.get<{ Params: { id: string } }>('/consent/:id', async (request, reply) => {
    const found = await answerable(request, reply);
    if (!found) return reply;
    const { who } = found;
    const { t, locale } = request;
    const { service, provider } = found;
    const req = found.request;
    const purpose = service.purposes.find((p) => p.code === req.purposeCode);
    const items = provider.items.filter((i) => req.items.includes(i.code));
    const hasCard = !!(await ctx.identity.verifiedBasicFour(ctx.app, who.accountId));
    const until = new Date(Date.now() + req.validDays * 86_400_000);
    // Both answers end in a redirect back to the service.
    allowFormActionTo(reply, [new URL(req.returnUri).origin]);
    const csrf = pageCsrfToken(reply);
    const serviceName = service.name[locale];
    return sendPage(reply, { title: t('optin.consent.title', { service: serviceName }) }, (
      <>
        <p class="muted">{t('optin.consent.caption')}</p>
        <h1>{t('optin.consent.title', { service: serviceName })}</h1>
        <p class="lead">{t('optin.consent.lead', { service: serviceName, provider: provider.name[locale] })}</p>
        <SummaryList
          rows={[
            { key: t('optin.consent.who'), value: <>{serviceName}<br /><span class="muted">{t('optin.consent.runBy', { tenant: await tenantName(service.lgCode, locale) })}</span>{service.description[locale] && <p>{service.description[locale]}</p>}</> },
            { key: t('optin.consent.from'), value: <>{provider.name[locale]}<br /><span class="muted">{t('optin.consent.runBy', { tenant: await tenantName(provider.lgCode, locale) })}</span></> },
            {
              key: t('optin.consent.items'),
              value: (
                <ul class="plain-list">
                  {items.map((i) => (
                    <li>
                      <strong>{i.name[locale]}</strong> {i.sensitivity !== 'normal' && <Tag tone={sensitivityTone[i.sensitivity]}>{t(`optin.sensitivity.${i.sensitivity}`)}</Tag>}
                      {i.description[locale] && <><br /><span class="muted">{i.description[locale]}</span></>}
                    </li>
                  ))}
                </ul>
              ),
            },
            { key: t('optin.consent.purpose'), value: purpose?.text[locale] ?? req.purposeCode },
            { key: t('optin.consent.retention'), value: req.retentionDays === 0 ? t('optin.consent.retentionNone') : t('optin.consent.retentionDays', { days: String(req.retentionDays) }) },
            { key: t('optin.consent.validity'), value: t('optin.consent.validUntil', { date: formatDate(until, locale) }) },
          ]}
        />
        <h2>{t('optin.consent.ifRefuse')}</h2>
        <p>{t('optin.consent.ifRefuseLead', { service: serviceName })}</p>
        <InsetText>{t('optin.consent.revokeAnyTime')}</InsetText>
        {!hasCard && (
          <>
            <WarningText>{t('optin.consent.needCard', { provider: provider.name[locale] })}</WarningText>
            <p><Button href={`/login/card?return=${encodeURIComponent(`/consent/${req.id}`)}`}>{t('optin.consent.checkCard')}</Button></p>
          </>
        )}
        <form method="post" action={`/consent/${req.id}`} class="button-row">
          <input type="hidden" name="_csrf" value={csrf} />
          {hasCard && <Button name="decision" value="approve" preventDoubleClick>{t('optin.consent.approve')}</Button>}
          <Button name="decision" value="refuse" variant="secondary" preventDoubleClick>{t('optin.consent.refuse')}</Button>
        </form>
      </>
    ));
  });

  app.post<{ Params: { id: string } }>('/consent/:id', { preHandler: app.csrfProtection }, async (request, reply) => {
    const found = await answerable(request, reply);
    if (!found) return reply;
    const { who } = found;
    const decision = formValues(request.body).decision;
    if (decision !== 'approve' && decision !== 'refuse') return reply.redirect(`/consent/${found.request.id}`, 303);
    // Approval needs the provider to know who the resident is: the card's verified attributes.
    if (decision === 'approve' && !(await ctx.identity.verifiedBasicFour(ctx.app, who.accountId))) return reply.redirect(`/consent/${found.request.id}`, 303);
    const result = await ctx.consents.decide(found.request, found.service, found.provider, decision, { ip: request.ip, requestId: request.id });
    if (!result.ok) return notPossible(request, reply, 'answered', found);
    if (decision === 'approve' && result.consentId) {
      await ctx.portal.notify(ctx.app, who.accountId, {
        lgCode: found.service.lgCode,
        title: { ja: `「${found.service.name.ja}」へのデータ提供に同意しました`, en: `You consented to share data with ${found.service.name.en}` },
        body: { ja: `${found.provider.name.ja}から、同意した項目だけが渡されます。同意はいつでも取り消せます。`, en: `Only the items you agreed to come from ${found.provider.name.en}. You can withdraw at any time.` },
        link: `/account/consents/${result.consentId}`,
      });
    }
    return reply.redirect(returnUrl(found.request, decision === 'approve' ? 'approved' : 'refused'), 303);
  });
}
