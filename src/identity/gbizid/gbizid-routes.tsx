// Business login through GビズID:
//   GET /business/login            the page with the one button (and ?return=/same/site/path)
//   GET /business/login/start      to GビズID, with a pending login kept on the server
//   GET /business/login/callback   back from GビズID: checked, then signed in (or a clear error page)
// The issuer is the configured GビズID, or in development the stand-in in this process on a port
// of its own; in production without configuration the pages say it is not offered.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { translator } from '../../platform/i18n/i18n.ts';
import { sendPage } from '../../platform/ui/render.tsx';
import { safeReturnPath } from '../../platform/ui/preferences-routes.tsx';
import type { IdentityContext } from '../identity-context.ts';
import { setSessionCookie, SESSION_COOKIE } from '../sessions/session-cookie.ts';
import { metaOf } from '../pages/page-helpers.ts';
import type { BusinessLinks } from './business-links.ts';
import type { ClaimsProblem } from './gbizid-claims.ts';
import { GbizidClient, GbizidError } from './gbizid-client.ts';
import { GbizidErrors } from './gbizid-errors.ts';
import { BusinessLoginPage, LoginCancelledPage } from './gbizid-pages.tsx';
import { finishGbizidLogin, startGbizidLogin, type GbizidLoginResult, type GbizidRuntime } from './log-in-with-gbizid.ts';
import { clearStateCookie, PendingLogins, setStateCookie, stateMatchesCookie } from './pending-logins.ts';
import { developmentStandin, type DevelopmentStandin } from './standin/development-standin.ts';

export const CALLBACK_PATH = '/business/login/callback';

const CLAIMS_DETAIL: Record<ClaimsProblem, string> = {
  account_type: 'gbizid.claims.accountType',
  corp_type: 'gbizid.claims.corpType',
  corporate_number_missing: 'gbizid.claims.corporateNumberMissing',
  corporate_number_format: 'gbizid.claims.corporateNumberFormat',
  corporate_number_check_digit: 'gbizid.claims.corporateNumberCheckDigit',
  business_name: 'gbizid.claims.businessName',
  email: 'gbizid.claims.email',
};

const both = (key: string) => ({ ja: translator('ja')(key), en: translator('en')(key) });

function refusal(result: Exclude<GbizidLoginResult, { outcome: 'signed_in' | 'cancelled' }>): AppError {
  switch (result.outcome) {
    case 'expired':
      return new AppError(GbizidErrors.GBIZID_LOGIN_EXPIRED);
    case 'unavailable':
      return new AppError(GbizidErrors.GBIZID_UNAVAILABLE, { detail: both('gbizid.unavailable.detail'), headers: { 'retry-after': '120' } });
    case 'invalid_response':
      return new AppError(GbizidErrors.GBIZID_INVALID_RESPONSE, { detail: both('gbizid.invalidResponse.detail') });
    case 'claims_refused':
      return new AppError(GbizidErrors.GBIZID_CLAIMS_REFUSED, { detail: both(CLAIMS_DETAIL[result.problem]) });
    case 'disabled':
      return new AppError(GbizidErrors.GBIZID_ACCOUNT_DISABLED);
  }
}

/** The relying party for the configured issuer, for the development stand-in, or nothing. */
function gbizidClient(app: FastifyInstance, ctx: IdentityContext): { client?: GbizidClient; standin?: DevelopmentStandin } {
  const { config } = ctx.app;
  const settings = config.gbizid;
  const redirectUri = `${config.publicUrl}${CALLBACK_PATH}`;
  const common = { redirectUri, timeoutSeconds: settings.timeoutSeconds, allowHttp: !config.production };
  if (settings.issuer) return { client: new GbizidClient({ issuer: settings.issuer, clientId: settings.clientId!, clientSecret: settings.clientSecret!, ...common }) };
  if (!settings.standin) return {};
  const client = { clientId: 'tsunagu-development', clientSecret: randomBytes(24).toString('base64url'), redirectUris: [redirectUri] };
  const standin = developmentStandin({ publicUrl: config.publicUrl, host: config.host, port: settings.standinPort, client, onError: (error) => app.log.warn({ err: error }, 'GビズID stand-in error') });
  app.log.warn({ issuer: standin.issuer }, 'GビズID login goes to the TEST-ONLY stand-in (not GビズID), started on the first business login: set TSUNAGU_GBIZID_ISSUER for the real one');
  app.addHook('onClose', async () => standin.close());
  return { client: new GbizidClient({ issuer: standin.issuer, clientId: client.clientId, clientSecret: client.clientSecret, ...common }), standin };
}

export async function gbizidRoutes(app: FastifyInstance, ctx: IdentityContext, links: BusinessLinks): Promise<void> {
  const { config } = ctx.app;
  const secure = config.secureCookies;
  const { client, standin } = gbizidClient(app, ctx);
  const runtime: GbizidRuntime | undefined = client && { client, links, pending: new PendingLogins(ctx.app.sealer) };
  const offered = (): GbizidRuntime => {
    if (!runtime) throw new AppError(GbizidErrors.GBIZID_NOT_OFFERED);
    return runtime;
  };
  const returnSchema = { querystring: { type: 'object', properties: { return: { type: 'string', maxLength: 2000 } } } };

  app.get<{ Querystring: { return?: string } }>('/business/login', { schema: returnSchema }, async (request, reply) => {
    offered();
    const { t } = request;
    const returnTo = encodeURIComponent(safeReturnPath(request.query.return));
    return sendPage(reply, { title: t('gbizid.login.title') }, (
      <BusinessLoginPage t={t} startHref={`/business/login/start?return=${returnTo}`} residentsHref={`/login?return=${returnTo}`} standin={!config.gbizid.issuer} />
    ));
  });

  app.get<{ Querystring: { return?: string } }>('/business/login/start', { schema: returnSchema }, async (request, reply) => {
    const rt = offered();
    try {
      await standin?.ensureListening().catch((error: unknown) => {
        throw new GbizidError('unavailable', `the development stand-in could not listen on port ${config.gbizid.standinPort}`, { cause: error });
      });
      const started = await startGbizidLogin(ctx, rt, safeReturnPath(request.query.return));
      setStateCookie(reply, started.state, secure);
      return reply.header('cache-control', 'no-store').redirect(started.url.href, 303);
    } catch (error) {
      if (!(error instanceof GbizidError)) throw error;
      request.log.warn({ cause: error.message }, 'GビズID login could not start');
      throw refusal({ outcome: error.failure === 'code_rejected' ? 'invalid_response' : error.failure });
    }
  });

  app.get<{ Querystring: { state?: string } }>(
    CALLBACK_PATH,
    { schema: { querystring: { type: 'object', properties: { state: { type: 'string', maxLength: 200 }, code: { type: 'string', maxLength: 2000 } } } } },
    async (request, reply) => {
      const rt = offered();
      const state = request.query.state;
      const ours = stateMatchesCookie(request, state);
      const account = request.actor.kind === 'principal' ? request.actor.account : undefined;
      const result = await finishGbizidLogin(
        ctx,
        rt,
        { stateFromBrowser: ours ? state : undefined, query: request.url.split('?')[1] ?? '', previousSessionIdHash: account?.sessionIdHash },
        metaOf(request),
      );
      // A callback with someone else's state leaves this browser's own login in progress.
      if (ours) clearStateCookie(reply, secure);
      if (result.outcome === 'signed_in') {
        setSessionCookie(reply, SESSION_COOKIE, result.sessionToken, secure);
        return reply.header('cache-control', 'no-store').redirect(result.returnTo, 303);
      }
      if (result.outcome === 'cancelled') {
        const { t } = request;
        return sendPage(reply, { title: t('gbizid.cancelled.title') }, <LoginCancelledPage t={t} retryHref={`/business/login?return=${encodeURIComponent(result.returnTo)}`} />);
      }
      if ('cause' in result) request.log.warn({ cause: result.cause }, 'GビズID login failed');
      throw refusal(result);
    },
  );
}
