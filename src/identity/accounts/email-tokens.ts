// One-time links sent by e-mail (verify an address, reset a password, accept a staff invitation).
// The link carries 32 random bytes; only their SHA-256 is stored, so a database reader cannot use
// a pending link. A token works once, for one purpose, until it expires.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { EmailTokenPurpose, IdentityDatabase } from '../db/schema.ts';

export const TOKEN_LIFETIME_MINUTES: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 60,
  reset_password: 30,
  staff_invite: 7 * 24 * 60,
};

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export async function issueEmailToken(db: IdentityDatabase, accountId: string, purpose: EmailTokenPurpose): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  // A new link replaces older unused ones of the same purpose.
  await db.deleteFrom('identity_email_tokens').where('account_id', '=', accountId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
  await db
    .insertInto('identity_email_tokens')
    .values({
      token_hash: hashSecret(token),
      account_id: accountId,
      purpose,
      expires_at: new Date(Date.now() + TOKEN_LIFETIME_MINUTES[purpose] * 60_000),
      used_at: null,
    })
    .execute();
  return token;
}

export type TokenCheck = { ok: true; accountId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Looks a token up without using it (the page that asks "confirm?" before the POST). */
export async function checkEmailToken(db: IdentityDatabase, token: string, purpose: EmailTokenPurpose): Promise<TokenCheck> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'unknown' };
  const row = await db
    .selectFrom('identity_email_tokens')
    .select(['account_id', 'expires_at', 'used_at'])
    .where('token_hash', '=', hashSecret(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.used_at) return { ok: false, reason: 'used' };
  if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: true, accountId: row.account_id };
}

/** Uses a token (inside the transaction of what it allows); a second use fails. */
export async function consumeEmailToken(db: IdentityDatabase, token: string, purpose: EmailTokenPurpose): Promise<TokenCheck> {
  const check = await checkEmailToken(db, token, purpose);
  if (!check.ok) return check;
  const used = await db
    .updateTable('identity_email_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('token_hash', '=', hashSecret(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1 ? check : { ok: false, reason: 'used' };
}
