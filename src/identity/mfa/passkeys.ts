// Passkeys (WebAuthn) through @simplewebauthn/server: register one on a device once signed in,
// then log in with it alone (a passkey with user verification is two factors in one: the
// device and its PIN or fingerprint), or use it as the second step after a password. The public
// key and signature counter are stored; a counter that goes backwards means a cloned key.
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { sql } from 'kysely';
import type { IdentityDatabase } from '../db/schema.ts';
import { issueChallenge, useChallenge } from './challenges.ts';

export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export function relyingPartyFor(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin, name: 'つなぐ Tsunagu' };
}

export interface PasskeyInfo {
  credentialId: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export class Passkeys {
  constructor(private readonly rp: RelyingParty) {}

  async registrationOptions(db: IdentityDatabase, account: { id: string; email: string; displayName: string | null }): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const existing = await db.selectFrom('identity_passkeys').select(['credential_id', 'transports']).where('account_id', '=', account.id).execute();
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID: this.rp.id,
      userName: account.email,
      userDisplayName: account.displayName ?? account.email,
      userID: new TextEncoder().encode(account.id),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const { id } = await issueChallenge(db, 'passkey_register', account.id, options.challenge);
    return { challengeId: id, options };
  }

  async register(db: IdentityDatabase, accountId: string, challengeId: string, response: RegistrationResponseJSON, name: string): Promise<{ ok: true; credentialId: string } | { ok: false; reason: 'challenge' | 'verification' }> {
    const challenge = await useChallenge(db, challengeId, 'passkey_register', accountId);
    if (!challenge) return { ok: false, reason: 'challenge' };
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: this.rp.origin, expectedRPID: this.rp.id, requireUserVerification: true }).catch(() => undefined);
    if (!verified?.verified) return { ok: false, reason: 'verification' };
    const { credential } = verified.registrationInfo;
    await db
      .insertInto('identity_passkeys')
      .values({
        credential_id: credential.id,
        account_id: accountId,
        public_key: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        name: name.slice(0, 60) || 'passkey',
        last_used_at: null,
      })
      .execute();
    return { ok: true, credentialId: credential.id };
  }

  /** For a second step (the account's own passkeys) or a passwordless login (any, discoverable). */
  async authenticationOptions(db: IdentityDatabase, accountId: string | null): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const allow = accountId ? await db.selectFrom('identity_passkeys').select(['credential_id', 'transports']).where('account_id', '=', accountId).execute() : [];
    const options = await generateAuthenticationOptions({
      rpID: this.rp.id,
      userVerification: 'required',
      allowCredentials: allow.map((c) => ({ id: c.credential_id, transports: c.transports as never })),
    });
    const { id } = await issueChallenge(db, 'passkey_login', accountId, options.challenge);
    return { challengeId: id, options };
  }

  /** The account the passkey belongs to, when the answer is genuine. */
  async authenticate(db: IdentityDatabase, challengeId: string, response: AuthenticationResponseJSON, accountId: string | null): Promise<string | undefined> {
    const challenge = await useChallenge(db, challengeId, 'passkey_login', accountId);
    if (!challenge || typeof response?.id !== 'string') return undefined;
    const stored = await db.selectFrom('identity_passkeys').selectAll().where('credential_id', '=', response.id).executeTakeFirst();
    if (!stored || (accountId && stored.account_id !== accountId)) return undefined;
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: this.rp.origin,
      expectedRPID: this.rp.id,
      requireUserVerification: true,
      credential: { id: stored.credential_id, publicKey: Buffer.from(stored.public_key, 'base64url'), counter: Number(stored.counter), transports: stored.transports as never },
    }).catch(() => undefined);
    if (!verified?.verified) return undefined;
    await db
      .updateTable('identity_passkeys')
      .set({ counter: verified.authenticationInfo.newCounter, last_used_at: sql<Date>`now()` })
      .where('credential_id', '=', stored.credential_id)
      .execute();
    return stored.account_id;
  }

  async list(db: IdentityDatabase, accountId: string): Promise<PasskeyInfo[]> {
    const rows = await db.selectFrom('identity_passkeys').select(['credential_id', 'name', 'created_at', 'last_used_at']).where('account_id', '=', accountId).orderBy('created_at').execute();
    return rows.map((r) => ({ credentialId: r.credential_id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async remove(db: IdentityDatabase, accountId: string, credentialId: string): Promise<boolean> {
    const result = await db.deleteFrom('identity_passkeys').where('account_id', '=', accountId).where('credential_id', '=', credentialId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
