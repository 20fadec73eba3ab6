// The cookies that carry a session. httpOnly (no script reads them), SameSite=Lax (not sent on
// cross-site POSTs), Secure outside plain-HTTP development, and no Max-Age: closing the browser
// ends the session, which matters on shared computers at libraries and counters.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'tsn_session';
/** A login in progress: password checked, second factor owed. */
export const PENDING_COOKIE = 'tsn_pending';

export function setSessionCookie(reply: FastifyReply, name: string, token: string, secure: boolean): void {
  reply.setCookie(name, token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

export function clearSessionCookie(reply: FastifyReply, name: string, secure: boolean): void {
  reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

export function readSessionCookie(request: FastifyRequest, name: string): string | undefined {
  const value = request.cookies?.[name];
  return value && value.length <= 64 ? value : undefined;
}
