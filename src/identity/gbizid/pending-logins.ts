// A GビズID login between leaving for GビズID and coming back. What the callback must check
// (state, nonce, PKCE verifier) stays on the server, found by the SHA-256 of the state; the same
// state also goes into a short-lived cookie, so the callback is accepted only in the browser that
// started the login (no one can send someone else a callback that logs them in as the sender).
// A pending login is used once: a replayed callback finds it spent.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import { hashSecret } from '../accounts/email-tokens.ts';
import type { IdentityDatabase } from '../db/schema.ts';
import type { LoginChecks } from './gbizid-client.ts';

/** Time to log in at GビズID (with its SMS code) and come back. */
const LIFETIME_MINUTES = 15;
export const STATE_COOKIE = 'tsn_gbizid_state';
const COOKIE_PATH = '/business/login';

export interface PendingLogin extends LoginChecks {
  /** Same-site path to go to afterwards (already checked). */
  returnTo: string;
}

const verifierContext = (stateHash: string) => `identity_gbizid_pending.code_verifier:${stateHash}`;

export class PendingLogins {
  constructor(private readonly sealer: Sealer) {}

  async create(db: IdentityDatabase, returnTo: string): Promise<PendingLogin> {
    const login = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier(), returnTo };
    const stateHash = hashSecret(login.state);
    // Abandoned logins are cleared as new ones start: the table stays small without a job.
    await db.deleteFrom('identity_gbizid_pending').where('expires_at', '<', sql<Date>`now()`).execute();
    await db
      .insertInto('identity_gbizid_pending')
      .values({
        state_hash: stateHash,
        nonce: login.nonce,
        code_verifier_sealed: this.sealer.seal(login.codeVerifier, verifierContext(stateHash)),
        return_to: returnTo,
        expires_at: new Date(Date.now() + LIFETIME_MINUTES * 60_000),
        used_at: null,
      })
      .execute();
    return login;
  }

  /** The pending login for a state, marked used in the same statement; undefined if unknown, used or expired. */
  async consume(db: IdentityDatabase, state: string): Promise<PendingLogin | undefined> {
    const stateHash = hashSecret(state);
    const row = await db
      .updateTable('identity_gbizid_pending')
      .set({ used_at: sql<Date>`now()` })
      .where('state_hash', '=', stateHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning(['nonce', 'code_verifier_sealed', 'return_to'])
      .executeTakeFirst();
    if (!row) return undefined;
    return { state, nonce: row.nonce, codeVerifier: this.sealer.open(row.code_verifier_sealed, verifierContext(stateHash)), returnTo: row.return_to };
  }
}

export function setStateCookie(reply: FastifyReply, state: string, secure: boolean): void {
  reply.setCookie(STATE_COOKIE, state, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: LIFETIME_MINUTES * 60 });
}

export function clearStateCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(STATE_COOKIE, { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
}

/** Whether the callback's state is the one this browser was given (compared in constant time). */
export function stateMatchesCookie(request: FastifyRequest, state: string | undefined): state is string {
  const cookie = request.cookies?.[STATE_COOKIE];
  if (!state || !cookie || state.length > 128) return false;
  const a = Buffer.from(state);
  const b = Buffer.from(cookie);
  return a.length === b.length && timingSafeEqual(a, b);
}
