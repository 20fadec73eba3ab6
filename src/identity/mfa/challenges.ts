// Issuing and using one-time challenges (passkeys, the My Number card). Using one is a single
// UPDATE … WHERE used_at IS NULL, so two requests racing with the same answer cannot both pass.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { ChallengePurpose, IdentityDatabase } from '../db/schema.ts';

const LIFETIME_MS = 5 * 60_000;

export async function issueChallenge(db: IdentityDatabase, purpose: ChallengePurpose, accountId: string | null, challenge = randomBytes(32).toString('base64url')): Promise<{ id: string; challenge: string }> {
  const id = randomBytes(16).toString('base64url');
  await db.insertInto('identity_challenges').values({ id, purpose, account_id: accountId, challenge, expires_at: new Date(Date.now() + LIFETIME_MS), used_at: null }).execute();
  return { id, challenge };
}

/** Marks the challenge used and returns it, or undefined when unknown, used, expired or not this account's. */
export async function useChallenge(db: IdentityDatabase, id: string, purpose: ChallengePurpose, accountId: string | null): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return undefined;
  let query = db
    .updateTable('identity_challenges')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`);
  query = accountId === null ? query.where('account_id', 'is', null) : query.where('account_id', '=', accountId);
  const row = await query.returning('challenge').executeTakeFirst();
  return row?.challenge;
}
