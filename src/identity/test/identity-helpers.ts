// Shared by the identity tests: a test app, the mail it sent, and a way to sign someone in.
import type { TestApp } from '../../../test/helpers/test-database.ts';
import { readOutbox } from '../../platform/mail/transports.ts';
import { createIdentityContext, type IdentityContext, type RequestMeta } from '../identity-context.ts';

export const meta: RequestMeta = { ip: '192.0.2.10', requestId: 'test-request-0001', locale: 'ja', userAgent: 'node-test' };

export function identityOf(app: TestApp): IdentityContext {
  return createIdentityContext(app.ctx);
}

/** Runs the queued mail jobs and returns the newest message to `to`. */
export async function lastMailTo(app: TestApp, to: string) {
  await app.ctx.queue.runDue(50);
  const mail = (await readOutbox(app.ctx.db, app.ctx.sealer, { limit: 200, offset: 0 })).find((m) => m.to === to);
  if (!mail) throw new Error(`No mail to ${to}`);
  return mail;
}

export function linkToken(text: string): string {
  const match = /token=([A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error(`No token link in: ${text}`);
  return match[1]!;
}

export async function whoAmI(app: TestApp, sessionToken: string) {
  const response = await app.app.inject({ method: 'GET', url: '/api/v1/me', cookies: { tsn_session: sessionToken } });
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}
