// The child-rearing support app (子育て応援アプリ): a third party's service that runs the
// City OS's five-step opt-in flow. Routes:
//   GET  /                  landing (signed out) or home (signed in)
//   GET  /login             → the City OS's authorization endpoint (code flow, PKCE S256)
//   GET  /callback          the code comes back; the app's session now holds the resident
//   POST /records           fetch through the gateway; without consent, ask the City OS for one
//   GET  /records           fetch again (where the consent callback lands)
//   GET  /consent/callback  the City OS returns here with approved or refused
//   POST /logout            ends the app's session, then RP-initiated logout at the City OS
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CityOsClient, type CityOsOptions } from './city-os-client.ts';
import type { Lang } from './messages.ts';
import { consentNeededPage, failurePage, homePage, landingPage, loggedOutPage, recordsPage, refusedPage, type PageContext } from './pages.tsx';
import { todayInJapan } from './record-view.ts';
import { SessionStore, type Session } from './sessions.ts';
import { fontRoutes } from '../../platform/ui/assets-routes.ts';

const SESSION_COOKIE = 'kosodate_session';
const LANG_COOKIE = 'kosodate_lang';
const CSS = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets', 'kosodate.css'));

export interface ServiceOptions extends CityOsOptions {
  /** Signs the session cookie; a random one per start when not given (sessions end on restart). */
  cookieSecret?: string;
  log?: (line: string) => void;
}

/** The app's own status for a City OS failure: a refusal stays a refusal, anything else is a bad gateway. */
function failureStatus(status: number | null): number {
  return status === 403 || status === 404 ? status : 502;
}

export function buildServiceApp(options: ServiceOptions): FastifyInstance {
  const cityOs = new CityOsClient(options);
  const sessions = new SessionStore();
  const secure = new URL(options.publicUrl).protocol === 'https:';
  const log = options.log ?? ((line: string) => console.log(line));
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 });
  app.register(cookie, { secret: options.cookieSecret ?? randomBytes(32).toString('base64url') });
  app.register(formbody);

  const issuerOrigin = new URL(options.issuer).origin;
  app.addHook('onSend', async (_request, reply) => {
    // form-action must allow the City OS: Chromium applies it to the redirect after a form post.
    reply.header('content-security-policy', `default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; form-action 'self' ${issuerOrigin}; frame-ancestors 'none'; base-uri 'none'`);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    log(`kosodate-app ${request.method} ${request.url.split('?')[0]} status=${reply.statusCode}`);
  });

  const langOf = (request: FastifyRequest, reply: FastifyReply): Lang => {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (asked === 'ja' || asked === 'en') {
      reply.setCookie(LANG_COOKIE, asked, { path: '/', sameSite: 'lax', httpOnly: true, secure });
      return asked;
    }
    return request.cookies[LANG_COOKIE] === 'en' ? 'en' : 'ja';
  };
  const sessionOf = (request: FastifyRequest): Session | undefined => {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    return unsigned?.valid ? sessions.get(unsigned.value ?? undefined) : undefined;
  };
  const startSession = (reply: FastifyReply): Session => {
    const session = sessions.create();
    // Lax, not Strict: the City OS's redirects back (login, consent) are top-level navigations from another site.
    reply.setCookie(SESSION_COOKIE, session.id, { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true });
    return session;
  };
  const ctxOf = (request: FastifyRequest, reply: FastifyReply, session: Session | undefined): PageContext => ({
    lang: langOf(request, reply),
    path: request.url.split('?')[0] ?? '/',
    csrf: session?.csrf,
    signedIn: !!session?.user,
  });
  const html = (reply: FastifyReply, body: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const csrfOk = (session: Session | undefined, request: FastifyRequest) => {
    const given = Buffer.from(String((request.body as Record<string, unknown> | undefined)?._csrf ?? ''));
    const expected = Buffer.from(session?.csrf ?? '');
    return expected.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Japanese text needs a Japanese font even on a machine without one (and without internet).
  fontRoutes(app);
  app.get('/assets/kosodate.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.get('/', async (request, reply) => {
    const session = sessionOf(request);
    const ctx = ctxOf(request, reply, session);
    return html(reply, session?.user ? homePage(ctx, session.user.name) : landingPage(ctx));
  });

  app.get('/login', async (request, reply) => {
    try {
      const { url, verifier, state } = await cityOs.authorizationUrl();
      const session = sessionOf(request) ?? startSession(reply);
      session.login = { verifier, state };
      return reply.redirect(url, 303);
    } catch {
      return html(reply, failurePage(ctxOf(request, reply, undefined), 'records', { status: null, code: null }), 502);
    }
  });

  app.get('/callback', async (request, reply) => {
    const session = sessionOf(request);
    const login = session?.login;
    if (!session || !login) return html(reply, failurePage(ctxOf(request, reply, session), 'login'), 400);
    session.login = undefined;
    try {
      const user = await cityOs.finishLogin(new URL(request.url, options.publicUrl), login.verifier, login.state);
      // A new session id at login, so an id planted before it (session fixation) is worthless.
      sessions.destroy(session.id);
      startSession(reply).user = user;
      return reply.redirect('/', 303);
    } catch {
      return html(reply, failurePage(ctxOf(request, reply, session), 'login'), 400);
    }
  });

  /** Fetches through the gateway; `askForConsent` sends the resident to the City OS when consent is missing. */
  const showRecords = async (request: FastifyRequest, reply: FastifyReply, session: Session, askForConsent: boolean) => {
    const ctx = ctxOf(request, reply, session);
    const result = await cityOs.fetchRecord(session.user!.sub);
    if (result.kind === 'ok') return html(reply, recordsPage(ctx, result.record, result.consentId, todayInJapan()));
    if (result.kind === 'failed') return html(reply, failurePage(ctx, 'records', result), failureStatus(result.status));
    if (!askForConsent) return html(reply, consentNeededPage(ctx));
    const state = randomBytes(16).toString('base64url');
    const requested = await cityOs.requestConsent(session.user!.sub, state);
    if (requested.kind === 'failed') return html(reply, failurePage(ctx, 'records', requested), failureStatus(requested.status));
    session.consent = { requestId: requested.id, state };
    return reply.redirect(requested.url, 303);
  };

  app.post('/records', async (request, reply) => {
    const session = sessionOf(request);
    if (!session?.user) return reply.redirect('/', 303);
    if (!csrfOk(session, request)) return html(reply, failurePage(ctxOf(request, reply, session), 'csrf'), 403);
    return showRecords(request, reply, session, true);
  });

  app.get('/records', async (request, reply) => {
    const session = sessionOf(request);
    if (!session?.user) return reply.redirect('/', 303);
    return showRecords(request, reply, session, false);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/consent/callback', async (request, reply) => {
    const session = sessionOf(request);
    if (!session?.user) return reply.redirect('/', 303);
    const pending = session.consent;
    const { consent_request: requestId, status, state } = request.query;
    // The state ties this answer to the request this session made; anything else is ignored.
    if (!pending || state !== pending.state || requestId !== pending.requestId) {
      return html(reply, failurePage(ctxOf(request, reply, session), 'csrf'), 400);
    }
    session.consent = undefined;
    if (status === 'approved') return reply.redirect('/records', 303);
    return html(reply, refusedPage(ctxOf(request, reply, session)));
  });

  app.post('/logout', async (request, reply) => {
    const session = sessionOf(request);
    if (!session?.user) return reply.redirect('/logged-out', 303);
    if (!csrfOk(session, request)) return html(reply, failurePage(ctxOf(request, reply, session), 'csrf'), 403);
    sessions.destroy(session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    try {
      return reply.redirect(await cityOs.logoutUrl(session.user.idToken), 303);
    } catch {
      // The City OS is away: the app's own session has ended anyway.
      return reply.redirect('/logged-out', 303);
    }
  });

  app.get('/logged-out', async (request, reply) => html(reply, loggedOutPage(ctxOf(request, reply, undefined))));

  app.setNotFoundHandler((request, reply) => html(reply, failurePage(ctxOf(request, reply, sessionOf(request)), 'not-found'), 404));
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    // Never a stack trace: a bad form post is the only 4xx expected here.
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    log(`kosodate-app error on ${request.method} ${request.url.split('?')[0]}: ${String((error as Error).message)}`);
    return html(reply, failurePage(ctxOf(request, reply, undefined), 'internal'), status);
  });
  return app;
}
