// The JSON side of passkeys, called by assets/passkeys.js (CSRF token in x-csrf-token):
//   POST /account/passkeys/options, POST /account/passkeys        register on this device
//   POST /login/passkey/options,    POST /login/passkey           log in (alone or second step)
// and the two scripts the pages load (ours and @simplewebauthn/browser's bundle).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import { logInWithPasskey } from '../accounts/log-in.ts';
import type { IdentityContext } from '../identity-context.ts';
import { metaOf, pendingLogin, returnPath, signedIn, signIn, sensitiveRateLimit } from './page-helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const POST_JSON_SCRIPT = '/assets/identity/post-json.js';
export const PASSKEY_SCRIPTS = ['/assets/vendor/simplewebauthn-browser.js', POST_JSON_SCRIPT, '/assets/identity/passkeys.js'];

const ceremony = { type: 'object', required: ['challengeId', 'response'], properties: { challengeId: { type: 'string', maxLength: 64 }, response: { type: 'object' }, name: { type: 'string', maxLength: 60 }, secondFactor: { type: 'boolean' }, return: { type: 'string', maxLength: 2000 } } } as const;

function refused(): AppError {
  return new AppError(PlatformErrors.BAD_REQUEST, { detail: { ja: 'パスキーを確認できませんでした。もう一度お試しください', en: 'The passkey could not be verified. Try again' } });
}

export async function passkeyRoutes(app: FastifyInstance, ctx: IdentityContext): Promise<void> {
  const scripts: Record<string, string> = {
    '/assets/vendor/simplewebauthn-browser.js': path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
    '/assets/identity/passkeys.js': path.join(here, '..', 'assets', 'passkeys.js'),
    '/assets/identity/post-json.js': path.join(here, '..', 'assets', 'post-json.js'),
    '/assets/identity/card-simulator.js': path.join(here, '..', 'assets', 'card-simulator.js'),
  };
  for (const [url, file] of Object.entries(scripts)) {
    const body = fs.readFileSync(file);
    app.get(url, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body));
  }

  app.post('/account/passkeys/options', { preHandler: app.csrfProtection }, async (request) => {
    const who = signedIn(request);
    if (!who) throw new AppError(PlatformErrors.UNAUTHENTICATED);
    const account = (await ctx.accounts.findById(ctx.db, who.accountId))!;
    return ctx.passkeys.registrationOptions(ctx.db, account);
  });

  app.post<{ Body: { challengeId: string; response: never; name?: string } }>('/account/passkeys', { preHandler: app.csrfProtection, schema: { body: ceremony } }, async (request) => {
    const who = signedIn(request);
    if (!who) throw new AppError(PlatformErrors.UNAUTHENTICATED);
    const result = await ctx.passkeys.register(ctx.db, who.accountId, request.body.challengeId, request.body.response, request.body.name ?? 'passkey');
    if (!result.ok) throw refused();
    await appendAudit(ctx.app.db, { actor: `account:${who.accountId}`, action: 'identity.passkey_added', lgCode: who.lgCode, subject: who.accountId, ip: request.ip, requestId: request.id });
    return { ok: true };
  });

  app.post<{ Body: { secondFactor?: boolean } }>('/login/passkey/options', { preHandler: app.csrfProtection, config: sensitiveRateLimit(ctx) }, async (request) => {
    const pending = request.body?.secondFactor ? await pendingLogin(request, ctx) : undefined;
    if (request.body?.secondFactor && !pending) throw new AppError(PlatformErrors.UNAUTHENTICATED);
    return ctx.passkeys.authenticationOptions(ctx.db, pending?.accountId ?? null);
  });

  app.post<{ Body: { challengeId: string; response: never; secondFactor?: boolean; return?: string } }>(
    '/login/passkey',
    { preHandler: app.csrfProtection, schema: { body: ceremony }, config: sensitiveRateLimit(ctx) },
    async (request, reply) => {
      const pending = request.body.secondFactor ? await pendingLogin(request, ctx) : undefined;
      if (request.body.secondFactor && !pending) throw new AppError(PlatformErrors.UNAUTHENTICATED);
      const result = await logInWithPasskey(ctx, pending, { challengeId: request.body.challengeId, response: request.body.response }, metaOf(request));
      if (result.outcome !== 'signed_in') throw refused();
      signIn(reply, ctx, result.sessionToken);
      return { redirect: returnPath(request.body.return) };
    },
  );
}
