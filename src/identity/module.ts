// Identity: the common ID (共通ID). Residents register with an e-mail address and a password and
// may add an authenticator app or a passkey; staff are invited by their administrators and must
// use a second factor; sessions are server-side with idle and absolute limits. Every module sees
// the signed-in person as the request's Actor (platform/authz/actor.ts). Assurance levels, the
// My Number card (JPKI), the OIDC provider for other services and GビズID build on this.
import { defineModule } from '../platform/module.ts';
import { identityMigrations } from './db/migrations/index.ts';
import { createIdentityContext } from './identity-context.ts';
import { sessionAuthenticator } from './sessions/session-authenticator.ts';

export const identityModule = defineModule({
  name: 'identity',
  dependsOn: ['tenancy', 'authz', 'audit'],
  migrations: identityMigrations,
  authenticators: (app) => {
    const ctx = createIdentityContext(app);
    return [sessionAuthenticator(ctx.db, ctx.sessions, ctx.accounts)];
  },
});
