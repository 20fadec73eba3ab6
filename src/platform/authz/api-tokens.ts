// Operator API tokens: bearer credentials for automation and for the first administrator before
// any staff account exists. A token is shown once when issued; only its SHA-256 is stored. Each
// token is a principal ("token:<id>") that holds role assignments like any staff account.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { AppError, PlatformErrors } from '../errors.ts';
import type { Actor } from './actor.ts';
import { loadAssignments, type Authenticator } from './authenticate.ts';

const PREFIX = 'tsn_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function issueApiToken(
  db: Database,
  input: { name: string; createdBy: string; expiresAt?: Date | null },
): Promise<{ id: string; token: string; principalId: string }> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('platform_api_tokens')
    .values({
      name: input.name,
      token_hash: hashToken(token),
      created_by: input.createdBy,
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
      last_used_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, principalId: `token:${row.id}` };
}

export async function revokeApiToken(db: Database, id: string): Promise<boolean> {
  const result = await db
    .updateTable('platform_api_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function invalidToken(): AppError {
  return new AppError(PlatformErrors.UNAUTHENTICATED, {
    detail: { ja: 'アクセストークンが無効か、期限切れです', en: 'The access token is invalid, revoked or expired' },
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
}

export function apiTokenAuthenticator(db: Database): Authenticator {
  return async (request: FastifyRequest): Promise<Actor | null> => {
    const header = request.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    const token = header.slice('Bearer '.length).trim();
    if (!token.startsWith(PREFIX)) return null; // another authenticator's token (e.g. OIDC)
    const row = await db
      .selectFrom('platform_api_tokens')
      .select(['id', 'name', 'expires_at', 'revoked_at'])
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= Date.now())) throw invalidToken();
    const principalId = `token:${row.id}`;
    return { kind: 'principal', principalId, displayName: row.name, assignments: await loadAssignments(db, principalId) };
  };
}
