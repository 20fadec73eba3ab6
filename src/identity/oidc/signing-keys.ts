// The keys that sign ID tokens, published at the JWKS endpoint. Private keys are sealed at rest.
// Rotation (tsunagu oidc rotate-keys) makes a new current key and keeps the previous one published,
// so tokens signed just before the rotation still verify; the key before that is retired. Every
// process loads the keys when it starts, so restart the processes after a rotation.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { IdentityDatabase } from '../db/schema.ts';

const context = (kid: string) => `identity_oidc_keys.jwk:${kid}`;

async function newKey(db: IdentityDatabase, sealer: Sealer): Promise<void> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  await db.insertInto('identity_oidc_keys').values({ kid, jwk_sealed: sealer.sealJson(jwk, context(kid)), status: 'current', retired_at: null }).execute();
}

/** The published keys, current first (oidc-provider signs with the first). Makes one if none. */
export async function loadSigningKeys(db: IdentityDatabase, sealer: Sealer): Promise<JWK[]> {
  const read = () => db.selectFrom('identity_oidc_keys').select(['kid', 'jwk_sealed', 'status']).where('status', 'in', ['current', 'previous']).orderBy('created_at', 'desc').execute();
  let rows = await read();
  if (!rows.some((r) => r.status === 'current')) {
    // Two processes starting together: the unique index lets only one key become current.
    await newKey(db, sealer).catch(() => undefined);
    rows = await read();
  }
  rows.sort((a, b) => (a.status === 'current' ? -1 : b.status === 'current' ? 1 : 0));
  try {
    return rows.map((r) => sealer.openJson<JWK>(r.jwk_sealed, context(r.kid)));
  } catch (error) {
    // The usual cause: a process started with another TSUNAGU_DATA_KEY than the one that made them.
    throw new Error(`The ID-token signing keys cannot be opened (${(error as Error).message}). Start with the TSUNAGU_DATA_KEY this database was created with.`, { cause: error });
  }
}

export async function rotateSigningKeys(db: IdentityDatabase, sealer: Sealer): Promise<{ current: string; previous: string | null }> {
  return db.transaction().execute(async (trx) => {
    await trx.updateTable('identity_oidc_keys').set({ status: 'retired', retired_at: sql<Date>`now()` }).where('status', '=', 'previous').execute();
    const demoted = await trx.updateTable('identity_oidc_keys').set({ status: 'previous' }).where('status', '=', 'current').returning('kid').executeTakeFirst();
    await newKey(trx, sealer);
    const current = await trx.selectFrom('identity_oidc_keys').select('kid').where('status', '=', 'current').executeTakeFirstOrThrow();
    return { current: current.kid, previous: demoted?.kid ?? null };
  });
}
