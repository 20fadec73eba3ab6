// HTTP side of the OpenID Provider: oidc-provider answers its own endpoints (discovery, /oidc/auth,
// /oidc/token …) and our pages handle the interactions it asks for: sending the person through
// the City OS login (or the card, for level A) and asking their consent before a service
// receives their details.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { AppError } from '../../platform/errors.ts';
import { allowFormActionTo, renderDocument, sendPage, pageCsrfToken } from '../../platform/ui/render.tsx';
import { IdentityErrors } from '../errors.ts';
import type { IdentityContext } from '../identity-context.ts';
import { ACR, amrOf, reportedLevel, requiredLevel, satisfies } from './acr.ts';
import { CLAIMS_BY_SCOPE } from './claims.ts';
import type { ClientRegistry } from './client-registry.ts';
import { OIDC_PREFIX, requestedAcrValues, type OidcPages, type TsunaguRaw } from './provider.ts';

/** Pages oidc-provider renders itself (logout confirmation, after logout, errors), in our layout. */
export function oidcPages(): OidcPages {
  const render = (koa: KoaContextWithOIDC, title: string, body: preact.ComponentChildren, status?: number) => {
    const tsunagu = (koa.req as TsunaguRaw).tsunagu;
    if (!tsunagu) throw new Error('oidc-provider reached without the Fastify request');
    koa.type = 'html';
    if (status) koa.status = status;
    koa.body = renderDocument(tsunagu.request, pageCsrfToken(tsunagu.reply), { title, hasErrors: status !== undefined && status >= 400 }, body);
  };
  return {
    logout: async (koa, form) => {
      const t = (koa.req as TsunaguRaw).tsunagu!.request.t;
      // Confirming sends the browser on to the service's post-logout URI: allow it in form-action.
      const after = (koa.oidc.params as Record<string, unknown> | undefined)?.post_logout_redirect_uri;
      const csp = koa.response.get('Content-Security-Policy');
      if (typeof after === 'string' && csp && URL.canParse(after)) koa.set('Content-Security-Policy', csp.replace(/form-action ([^;]*)/, (_all, list: string) => `form-action ${list} ${new URL(after).origin}`));
      render(koa, t('oidc.logout.title'), (
        <>
          <h1>{t('oidc.logout.title')}</h1>
          <p>{t('oidc.logout.lead')}</p>
          <div dangerouslySetInnerHTML={{ __html: form }} />
          <div class="button-row">
            <button type="submit" class="button" form="op.logoutForm" value="yes" name="logout">{t('oidc.logout.yes')}</button>
            <button type="submit" class="button button--secondary" form="op.logoutForm">{t('oidc.logout.no')}</button>
          </div>
        </>
      ));
    },
    loggedOut: async (koa) => {
      const t = (koa.req as TsunaguRaw).tsunagu!.request.t;
      render(koa, t('oidc.loggedOut.title'), (
        <>
          <h1>{t('oidc.loggedOut.title')}</h1>
          <p>{t('oidc.loggedOut.lead')}</p>
          <p><a href="/">{t('error.backHome')}</a></p>
        </>
      ));
    },
    error: async (koa, out) => {
      const request = (koa.req as TsunaguRaw).tsunagu!.request;
      const { t } = request;
      const title = IdentityErrors.OIDC_REQUEST_REFUSED.title[request.locale];
      render(koa, title, (
        <>
          <h1>{title}</h1>
          <p>{t('oidc.error.lead')}</p>
          <p><code>{out.error}</code>{out.error_description ? `: ${out.error_description}` : ''}</p>
          <p class="muted">{t('error.requestId')}: <code>{request.id}</code></p>
        </>
      ), koa.status >= 400 ? koa.status : 400);
    },
  };
}

export async function oidcRoutes(app: FastifyInstance, ctx: IdentityContext, provider: Provider, clients: ClientRegistry): Promise<void> {
  const callback = provider.callback();
  // oidc-provider reads its own request bodies, so this part of the server parses none.
  await app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      // Our security headers and request id go onto the raw response oidc-provider writes.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value as string);
      (request.raw as TsunaguRaw).tsunagu = { request, reply };
      reply.hijack();
      callback(request.raw, reply.raw);
    };
    child.all('/.well-known/openid-configuration', handOver);
    child.all(`${OIDC_PREFIX}/*`, handOver);
  });

  const details = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      throw new AppError(IdentityErrors.LOGIN_REQUEST_EXPIRED);
    }
  };
  const finish = async (request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>) => {
    const to = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply.redirect(to, 303);
  };

  // Where oidc-provider sends the browser when it needs the person: decide what is missing.
  app.get<{ Params: { uid: string } }>(`${OIDC_PREFIX}/interaction/:uid`, async (request, reply) => {
    const interaction = await details(request, reply);
    const { uid, prompt, params } = interaction;
    const here = `${OIDC_PREFIX}/interaction/${uid}`;
    if (prompt.name === 'login') {
      const account = request.actor.kind === 'principal' ? request.actor.account : undefined;
      const requested = requestedAcrValues(params as Record<string, unknown>, parseClaims(params.claims));
      const need = requiredLevel(requested);
      if (!account) return reply.redirect(`/login?return=${encodeURIComponent(here)}`, 303);
      if (!satisfies(account.acr, need)) return reply.redirect(`/login/step-up?level=${need}&return=${encodeURIComponent(here)}`, 303);
      const acr = ACR[reportedLevel(account.acr, requested)];
      return finish(request, reply, { login: { accountId: account.accountId, acr, amr: amrOf(account.methods), remember: false } });
    }
    const client = await clients.find(ctx.db, String(params.client_id));
    if (!client) throw new AppError(IdentityErrors.CLIENT_NOT_FOUND);
    const scopes = String(params.scope ?? 'openid').split(' ').filter((s) => s in CLAIMS_BY_SCOPE || s === 'offline_access');
    // Signing in alone shares nothing but an identifier: no question to ask.
    if (scopes.every((s) => s === 'openid')) return finish(request, reply, { consent: { grantId: await grantFor(provider, interaction, scopes) } });
    const { t, locale } = request;
    // Allowing sends the browser on to the service's redirect URI (CSP form-action covers redirects).
    if (typeof params.redirect_uri === 'string') allowFormActionTo(reply, [new URL(params.redirect_uri).origin]);
    return sendPage(reply, { title: t('oidc.consent.title', { service: client.name[locale] }) }, (
      <>
        <h1>{t('oidc.consent.title', { service: client.name[locale] })}</h1>
        <p>{t('oidc.consent.lead', { service: client.name[locale] })}</p>
        <ul class="consent-list">
          {scopes.filter((s) => s !== 'openid').map((s) => <li>{t(`oidc.scope.${s}`)}</li>)}
        </ul>
        <p>{t('oidc.consent.refuse')}</p>
        <form method="post" action={`${here}/consent`} class="button-row">
          <input type="hidden" name="_csrf" value={pageCsrfToken(reply)} />
          <button type="submit" name="decision" value="allow" class="button">{t('oidc.consent.allow')}</button>
          <button type="submit" name="decision" value="deny" class="button button--secondary">{t('oidc.consent.deny')}</button>
        </form>
      </>
    ));
  });

  app.post<{ Params: { uid: string }; Body: { decision?: string } }>(`${OIDC_PREFIX}/interaction/:uid/consent`, { preHandler: app.csrfProtection }, async (request, reply) => {
    const interaction = await details(request, reply);
    if (interaction.prompt.name !== 'consent') return reply.redirect(`${OIDC_PREFIX}/interaction/${interaction.uid}`, 303);
    if (request.body?.decision !== 'allow') {
      return finish(request, reply, { error: 'access_denied', error_description: 'The End-User refused to share the requested details' });
    }
    const scopes = String(interaction.params.scope ?? 'openid').split(' ');
    return finish(request, reply, { consent: { grantId: await grantFor(provider, interaction, scopes) } });
  });

  // The person gives up (e.g. from the step-up page): the service hears "access denied".
  app.post<{ Params: { uid: string } }>(`${OIDC_PREFIX}/interaction/:uid/abort`, { preHandler: app.csrfProtection }, async (request, reply) => {
    await details(request, reply);
    return finish(request, reply, { error: 'access_denied', error_description: 'The End-User cancelled the login' });
  });
}

function parseClaims(raw: unknown): { id_token?: { acr?: { values?: string[]; value?: string } } } | undefined {
  if (typeof raw !== 'string') return raw as never;
  try {
    return JSON.parse(raw) as never;
  } catch {
    return undefined;
  }
}

async function grantFor(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>, scopes: string[]): Promise<string> {
  const accountId = interaction.session?.accountId;
  const clientId = String(interaction.params.client_id);
  const grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const target = grant ?? new provider.Grant({ accountId: accountId!, clientId });
  target.addOIDCScope(scopes.join(' '));
  const claims = (interaction.prompt.details.missingOIDCClaims as string[] | undefined) ?? [];
  if (claims.length) target.addOIDCClaims(claims);
  return target.save();
}
