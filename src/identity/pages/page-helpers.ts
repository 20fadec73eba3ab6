// What the identity pages share: where to go after a login, the session cookies, the facts about
// the request a use case records, and the gate for pages that need a signed-in person.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SignedInAccount } from '../../platform/authz/actor.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { safeReturnPath } from '../../platform/ui/preferences-routes.tsx';
import { allowFormActionTo } from '../../platform/ui/render.tsx';
import type { IdentityContext, RequestMeta } from '../identity-context.ts';
import { clearSessionCookie, PENDING_COOKIE, readSessionCookie, SESSION_COOKIE, setSessionCookie } from '../sessions/session-cookie.ts';
import type { Session } from '../sessions/session-store.ts';

export function metaOf(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, requestId: request.id, locale: request.locale, userAgent: typeof agent === 'string' ? agent : undefined };
}

/** The same-site path to continue to after logging in (an OIDC interaction, a page), else My account. */
export function returnPath(value: unknown, fallback = '/account'): string {
  const path = safeReturnPath(value);
  return path === '/' && value !== '/' ? fallback : path;
}

/** `?return=…` to carry through a multi-page login, or nothing. */
export function returnQuery(path: string, fallback = '/account'): string {
  return path === fallback ? '' : `?return=${encodeURIComponent(path)}`;
}

export function signIn(reply: FastifyReply, ctx: IdentityContext, sessionToken: string): void {
  setSessionCookie(reply, SESSION_COOKIE, sessionToken, ctx.app.config.secureCookies);
  clearSessionCookie(reply, PENDING_COOKIE, ctx.app.config.secureCookies);
}

export function holdPending(reply: FastifyReply, ctx: IdentityContext, pendingToken: string): void {
  setSessionCookie(reply, PENDING_COOKIE, pendingToken, ctx.app.config.secureCookies);
}

/** The login in progress (password checked, second factor owed), if any. */
export async function pendingLogin(request: FastifyRequest, ctx: IdentityContext): Promise<Session | undefined> {
  const token = readSessionCookie(request, PENDING_COOKIE);
  const session = token ? await ctx.sessions.find(ctx.db, token) : undefined;
  return session?.stage === 'partial' ? session : undefined;
}

export function signedIn(request: FastifyRequest): SignedInAccount | undefined {
  return request.actor.kind === 'principal' ? request.actor.account : undefined;
}

/** For pages behind login: the account, or a redirect to the login page that comes back here. */
export function requireSignedIn(request: FastifyRequest, reply: FastifyReply): SignedInAccount | undefined {
  const account = signedIn(request);
  if (!account) {
    const loginPage = request.url.startsWith('/staff') ? '/staff/login' : '/login';
    void reply.redirect(`${loginPage}?return=${encodeURIComponent(request.url)}`, 303);
  }
  return account;
}

/** For staff pages: the staff account, a redirect to the staff login, or 403 for anyone else signed in. */
export function requireStaff(request: FastifyRequest, reply: FastifyReply): SignedInAccount | undefined {
  const account = requireSignedIn(request, reply);
  if (account && account.accountKind !== 'staff') throw new AppError(PlatformErrors.FORBIDDEN);
  return account;
}

/** Minutes until a lock ends, rounded up, for "try again in N minutes". */
export function minutesUntil(date: Date): number {
  return Math.max(1, Math.ceil((date.getTime() - Date.now()) / 60_000));
}

const INTERACTION = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})$/;

/**
 * When a form on this page continues an OIDC login (`back` is an interaction), its submission ends
 * in a redirect to the service's redirect URI: allow that origin in this page's CSP form-action.
 */
export async function allowReturnToService(reply: FastifyReply, ctx: IdentityContext, back: string): Promise<void> {
  const uid = INTERACTION.exec(back)?.[1];
  if (!uid || !ctx.oidc) return;
  const interaction = await ctx.oidc.Interaction.find(uid);
  const uri = interaction?.params?.redirect_uri;
  if (typeof uri !== 'string') return;
  try {
    allowFormActionTo(reply, [new URL(uri).origin]);
  } catch {
    // not a URL: nothing to allow
  }
}

/**
 * The per-client-address limit on forms that guess at secrets (passwords, codes, PINs), on top of
 * the per-address throttle of accounts/login-throttle.ts: TSUNAGU_LOGIN_RATE_LIMIT a minute.
 */
export function sensitiveRateLimit(ctx: IdentityContext) {
  return { rateLimit: { max: ctx.app.config.loginRateLimitPerMinute, timeWindow: 60_000 } };
}
