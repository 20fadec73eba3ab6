// Slows down password guessing per login name. Failures are counted per e-mail blind index,
// whether or not an account has that address, so the throttle answers the same for every
// address and reveals nothing about who is registered. After five failures within 15 minutes,
// further attempts wait: residents 1, 2, 4 … up to 60 minutes (a lockout that an attacker could
// use to keep a resident out must end by itself); staff 30 minutes each time.
import { sql } from 'kysely';
import type { AccountKind, IdentityDatabase } from '../db/schema.ts';

export const FREE_ATTEMPTS = 5;
const WINDOW_MINUTES = 15;

export function lockMinutes(kind: AccountKind, failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  if (kind === 'staff') return 30;
  return Math.min(60, 2 ** (failures - FREE_ATTEMPTS));
}

export async function lockedUntil(db: IdentityDatabase, kind: AccountKind, emailIndex: string): Promise<Date | null> {
  const row = await db
    .selectFrom('identity_login_failures')
    .select('locked_until')
    .where('kind', '=', kind)
    .where('email_index', '=', emailIndex)
    .executeTakeFirst();
  return row?.locked_until && row.locked_until.getTime() > Date.now() ? row.locked_until : null;
}

/** Counts a failure; returns the lock's end when this failure starts one. */
export async function recordLoginFailure(db: IdentityDatabase, kind: AccountKind, emailIndex: string): Promise<{ failures: number; lockedUntil: Date | null }> {
  const row = await db
    .insertInto('identity_login_failures')
    .values({ kind, email_index: emailIndex, failures: 1, locked_until: null })
    .onConflict((oc) =>
      oc.columns(['kind', 'email_index']).doUpdateSet({
        // A quiet quarter of an hour starts the count again.
        failures: sql<number>`case when identity_login_failures.first_failed_at < now() - make_interval(mins => ${WINDOW_MINUTES}) then 1 else identity_login_failures.failures + 1 end`,
        first_failed_at: sql<Date>`case when identity_login_failures.first_failed_at < now() - make_interval(mins => ${WINDOW_MINUTES}) then now() else identity_login_failures.first_failed_at end`,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  const minutes = lockMinutes(kind, row.failures);
  if (minutes === 0) return { failures: row.failures, lockedUntil: null };
  const until = new Date(Date.now() + minutes * 60_000);
  await db.updateTable('identity_login_failures').set({ locked_until: until }).where('kind', '=', kind).where('email_index', '=', emailIndex).execute();
  return { failures: row.failures, lockedUntil: until };
}

export async function clearLoginFailures(db: IdentityDatabase, kind: AccountKind, emailIndex: string): Promise<void> {
  await db.deleteFrom('identity_login_failures').where('kind', '=', kind).where('email_index', '=', emailIndex).execute();
}
