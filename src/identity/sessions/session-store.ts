// Server-side sessions. The cookie holds 32 random bytes; the table holds their SHA-256, so a
// copy of the database signs nobody in. A session ends after `idle` without a request or at its
// absolute expiry, whichever comes first, and on logout (one device or all of them).
//
// A login makes a 'partial' session once the password is right and the account needs a second
// factor; only a 'complete' session signs in. Every step up (second factor, My Number card) makes
// a new session id, so an id seen before the step (session fixation) is worth nothing after it.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AssuranceLevel, IdentityDatabase } from '../db/schema.ts';
import { hashSecret } from '../accounts/email-tokens.ts';

export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'passkey' | 'jpki' | 'gbizid' | 'email';

export interface Session {
  idHash: string;
  accountId: string;
  stage: 'partial' | 'complete';
  methods: AuthMethod[];
  acr: AssuranceLevel;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The mandate this session acts under (a proxy acting for someone), if any. */
  actingFor: string | null;
}

export interface SessionLimits {
  idleMinutes: number;
  maxHours: number;
}

/** A partial session (second factor owed) lasts at most this long. */
const PARTIAL_MINUTES = 10;
/** last_seen_at is written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

type Row = {
  id_hash: string;
  account_id: string;
  stage: 'partial' | 'complete';
  methods: string[];
  acr: AssuranceLevel;
  user_agent: string | null;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  acting_for: string | null;
};

const toSession = (row: Row): Session => ({
  idHash: row.id_hash,
  accountId: row.account_id,
  stage: row.stage,
  methods: row.methods as AuthMethod[],
  acr: row.acr,
  userAgent: row.user_agent,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  actingFor: row.acting_for,
});

export class SessionStore {
  constructor(readonly limits: SessionLimits) {}

  async create(
    db: IdentityDatabase,
    input: { accountId: string; stage: 'partial' | 'complete'; methods: AuthMethod[]; acr: AssuranceLevel; userAgent?: string | undefined },
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const lifetimeMs = input.stage === 'partial' ? PARTIAL_MINUTES * 60_000 : this.limits.maxHours * 3_600_000;
    await db
      .insertInto('identity_sessions')
      .values({
        id_hash: hashSecret(token),
        account_id: input.accountId,
        stage: input.stage,
        methods: input.methods,
        acr: input.acr,
        user_agent: input.userAgent ? input.userAgent.slice(0, 200) : null,
        expires_at: new Date(Date.now() + lifetimeMs),
      })
      .execute();
    return token;
  }

  /** The live session for a cookie value, or undefined (and an expired one is removed). */
  async find(db: IdentityDatabase, token: string): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await db.selectFrom('identity_sessions').selectAll().where('id_hash', '=', hashSecret(token)).executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    const idleLimit = row.stage === 'partial' ? PARTIAL_MINUTES : this.limits.idleMinutes;
    if (row.expires_at.getTime() <= now || row.last_seen_at.getTime() + idleLimit * 60_000 <= now) {
      await db.deleteFrom('identity_sessions').where('id_hash', '=', row.id_hash).execute();
      return undefined;
    }
    if (now - row.last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
      await db.updateTable('identity_sessions').set({ last_seen_at: sql<Date>`now()` }).where('id_hash', '=', row.id_hash).execute();
    }
    return toSession(row);
  }

  /** The session behind a signed-in Actor (which carries only its id hash). */
  async findByIdHash(db: IdentityDatabase, idHash: string): Promise<Session | undefined> {
    const row = await db.selectFrom('identity_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row && toSession(row);
  }

  /**
   * Replaces a session with a stronger one under a new id (second factor done, card signed):
   * the methods add up, the absolute expiry restarts only when a partial session completes.
   */
  async stepUp(db: IdentityDatabase, old: Session, input: { method: AuthMethod; acr?: AssuranceLevel; userAgent?: string | undefined }): Promise<string> {
    await db.deleteFrom('identity_sessions').where('id_hash', '=', old.idHash).execute();
    const token = await this.create(db, {
      accountId: old.accountId,
      stage: 'complete',
      methods: [...new Set([...old.methods, input.method])],
      acr: input.acr ?? old.acr,
      userAgent: input.userAgent ?? old.userAgent ?? undefined,
    });
    if (old.stage === 'complete') {
      await db.updateTable('identity_sessions').set({ expires_at: old.expiresAt, created_at: old.createdAt }).where('id_hash', '=', hashSecret(token)).execute();
    }
    return token;
  }

  async revoke(db: IdentityDatabase, idHash: string): Promise<void> {
    await db.deleteFrom('identity_sessions').where('id_hash', '=', idHash).execute();
  }

  /** "Log out everywhere": every session of the account, optionally keeping the current one. */
  async revokeAll(db: IdentityDatabase, accountId: string, keepIdHash?: string): Promise<number> {
    let query = db.deleteFrom('identity_sessions').where('account_id', '=', accountId);
    if (keepIdHash) query = query.where('id_hash', '!=', keepIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async list(db: IdentityDatabase, accountId: string): Promise<Session[]> {
    const rows = await db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('stage', '=', 'complete')
      .where('expires_at', '>', sql<Date>`now()`)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map(toSession);
  }
}
