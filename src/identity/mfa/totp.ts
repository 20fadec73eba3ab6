// Time-based one-time passwords (RFC 6238) from an authenticator app, through otplib. The secret
// is sealed at rest. A code is accepted once: the last accepted 30-second step is stored and
// later codes must come from a newer step, so a code seen over a shoulder cannot be replayed.
// Enrolment gives ten single-use recovery codes (only their hashes are kept) for a lost phone.
import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { IdentityDatabase } from '../db/schema.ts';
import { hashSecret } from '../accounts/email-tokens.ts';

const ISSUER = 'つなぐ Tsunagu';
const RECOVERY_CODES = 10;
const secretContext = (accountId: string) => `identity_totp.secret:${accountId}`;

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** The otpauth URI as an SVG QR code, to scan with the app. */
  qrSvg: string;
}

export class Totp {
  constructor(private readonly sealer: Sealer) {}

  async isEnrolled(db: IdentityDatabase, accountId: string): Promise<boolean> {
    const row = await db.selectFrom('identity_totp').select('confirmed_at').where('account_id', '=', accountId).executeTakeFirst();
    return Boolean(row?.confirmed_at);
  }

  /** Starts (or restarts) enrolment with a fresh secret; nothing changes until it is confirmed. */
  async startEnrolment(db: IdentityDatabase, accountId: string, label: string): Promise<TotpEnrolment> {
    const existing = await db.selectFrom('identity_totp').select('confirmed_at').where('account_id', '=', accountId).executeTakeFirst();
    if (existing?.confirmed_at) throw new Error('TOTP is already set up; remove it first');
    const secret = generateSecret();
    await db
      .insertInto('identity_totp')
      .values({ account_id: accountId, secret_sealed: this.sealer.seal(secret, secretContext(accountId)), confirmed_at: null })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ secret_sealed: (eb) => eb.ref('excluded.secret_sealed'), last_step: 0 }))
      .execute();
    return this.enrolmentFor(secret, label);
  }

  /** The pending enrolment again (the set-up page re-shown after a wrong code). */
  async pendingEnrolment(db: IdentityDatabase, accountId: string, label: string): Promise<TotpEnrolment | undefined> {
    const row = await db.selectFrom('identity_totp').select(['secret_sealed', 'confirmed_at']).where('account_id', '=', accountId).executeTakeFirst();
    if (!row || row.confirmed_at) return undefined;
    return this.enrolmentFor(this.sealer.open(row.secret_sealed, secretContext(accountId)), label);
  }

  private async enrolmentFor(secret: string, label: string): Promise<TotpEnrolment> {
    const uri = generateURI({ issuer: ISSUER, label, secret });
    return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
  }

  /** Confirms enrolment with a first code; returns the recovery codes to show once. */
  async confirmEnrolment(db: IdentityDatabase, accountId: string, code: string): Promise<string[] | null> {
    const row = await db.selectFrom('identity_totp').select(['secret_sealed', 'confirmed_at']).where('account_id', '=', accountId).executeTakeFirst();
    if (!row || row.confirmed_at) return null;
    const step = await this.#check(this.sealer.open(row.secret_sealed, secretContext(accountId)), code, 0);
    if (step === null) return null;
    await db.updateTable('identity_totp').set({ confirmed_at: sql<Date>`now()`, last_step: step }).where('account_id', '=', accountId).execute();
    return this.#newRecoveryCodes(db, accountId);
  }

  /** Checks a code at login; a code from an already used step is refused. */
  async verify(db: IdentityDatabase, accountId: string, code: string): Promise<boolean> {
    const row = await db
      .selectFrom('identity_totp')
      .select(['secret_sealed', 'last_step'])
      .where('account_id', '=', accountId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    if (!row) return false;
    const step = await this.#check(this.sealer.open(row.secret_sealed, secretContext(accountId)), code, Number(row.last_step));
    if (step === null) return false;
    // Two requests racing with the same code: only one moves last_step forward.
    const moved = await db
      .updateTable('identity_totp')
      .set({ last_step: step })
      .where('account_id', '=', accountId)
      .where('last_step', '<', step)
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  async useRecoveryCode(db: IdentityDatabase, accountId: string, code: string): Promise<boolean> {
    const normalised = code.normalize('NFKC').replace(/[\s-]/g, '').toLowerCase();
    if (!/^[a-z2-7]{10}$/.test(normalised)) return false;
    const used = await db
      .updateTable('identity_recovery_codes')
      .set({ used_at: sql<Date>`now()` })
      .where('account_id', '=', accountId)
      .where('code_hash', '=', hashSecret(normalised))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(used.numUpdatedRows) === 1;
  }

  async remainingRecoveryCodes(db: IdentityDatabase, accountId: string): Promise<number> {
    const row = await db
      .selectFrom('identity_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async remove(db: IdentityDatabase, accountId: string): Promise<void> {
    await db.deleteFrom('identity_totp').where('account_id', '=', accountId).execute();
    await db.deleteFrom('identity_recovery_codes').where('account_id', '=', accountId).execute();
  }

  async #newRecoveryCodes(db: IdentityDatabase, accountId: string): Promise<string[]> {
    await db.deleteFrom('identity_recovery_codes').where('account_id', '=', accountId).execute();
    const codes = Array.from({ length: RECOVERY_CODES }, () => Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join(''));
    await db
      .insertInto('identity_recovery_codes')
      .values(codes.map((c) => ({ account_id: accountId, code_hash: hashSecret(c), used_at: null })))
      .execute();
    return codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`);
  }

  /** The accepted time step, or null. One step either side allows for a slow phone clock. */
  async #check(secret: string, code: string, afterStep: number): Promise<number | null> {
    const token = code.normalize('NFKC').replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return null;
    const result = await verify({ secret, token, epochTolerance: 30, ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}) }).catch(() => null);
    if (!result?.valid) return null;
    return (result as { timeStep: number }).timeStep;
  }
}

// Recovery codes: letters and digits that cannot be mistaken for each other when copied by hand.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
