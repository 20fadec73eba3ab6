// What the identity module's use cases work with: the platform context, this module's view of
// the database, and its stores. Built once in module.ts.
import type { AppContext } from '../platform/module.ts';
import type Provider from 'oidc-provider';
import type { Locale } from '../platform/i18n/i18n.ts';
import type { Tenant } from '../platform/tenancy/tenant-directory.ts';
import { AccountStore } from './accounts/account-store.ts';
import { identityDb, type IdentityDatabase } from './db/schema.ts';
import { Totp } from './mfa/totp.ts';
import { Passkeys, relyingPartyFor } from './mfa/passkeys.ts';
import { SessionStore } from './sessions/session-store.ts';

export interface IdentityContext {
  app: AppContext;
  db: IdentityDatabase;
  accounts: AccountStore;
  sessions: SessionStore;
  totp: Totp;
  passkeys: Passkeys;
  /** The OpenID Provider, once the module's routes have made it (pages look up interactions). */
  oidc?: Provider;
}

/** Facts about the request a use case records (audit) or answers in (mail language). */
export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
  locale: Locale;
  userAgent?: string | undefined;
}

export function createIdentityContext(app: AppContext): IdentityContext {
  return {
    app,
    db: identityDb(app.db),
    accounts: new AccountStore(app.sealer),
    sessions: new SessionStore({ idleMinutes: app.config.sessionIdleMinutes, maxHours: app.config.sessionMaxHours }),
    totp: new Totp(app.sealer),
    passkeys: new Passkeys(relyingPartyFor(app.config.publicUrl)),
  };
}

/** The prefecture that runs this installation: residents' and businesses' accounts belong to it. */
export async function homePrefecture(ctx: IdentityContext): Promise<Tenant> {
  const [tree] = await ctx.app.tenants.trees();
  if (!tree) throw new Error('No prefecture is set up yet (tsunagu tenants import)');
  return tree.prefecture;
}
