// Append-only, hash-chained audit log of security-relevant actions: who, what, on which tenant,
// when, from where. Each record's hash covers its content and the previous record's hash, so a
// changed, removed or inserted row breaks the chain at that point. Details must never hold
// personal data (names, addresses…): record identifiers instead.
import { createHash } from 'node:crypto';
import type { Database } from '../db/database.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  lgCode?: string | null;
  subject?: string | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  seq: number;
  occurredAt: Date;
  actor: string;
  action: string;
  lgCode: string | null;
  subject: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted, so the same content always hashes the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  const content = canonical({
    seq: record.seq,
    occurredAt: record.occurredAt.toISOString(),
    actor: record.actor,
    action: record.action,
    lgCode: record.lgCode,
    subject: record.subject,
    ip: record.ip,
    requestId: record.requestId,
    details: record.details,
  });
  return createHash('sha256').update(record.prevHash).update('\n').update(content).digest('hex');
}

/**
 * The details as the database will give them back: what JSON.stringify stores (a Date becomes
 * its ISO string, undefined members vanish, toJSON is applied). Hashing the caller's object
 * instead would hash a Date as {} and the record would fail verification for ever.
 */
function jsonRoundTrip(details: Record<string, unknown>): Record<string, unknown> {
  const value: unknown = JSON.parse(JSON.stringify(details));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('audit details must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Appends one record. Pass the transaction of the change being audited, so the change and its
 * record commit together. Appends are serialised by locking the chain head row.
 */
export async function appendAudit(db: Database, entry: AuditEntry): Promise<AuditRecord> {
  return (await appendAudits(db, [entry]))[0]!;
}

/**
 * Appends several records in order, under one lock of the chain head and in one insert. The lock
 * is held until the transaction ends, and every audited change in the platform waits for it: a
 * long transaction should audit last, just before it commits.
 */
export async function appendAudits(db: Database, entries: AuditEntry[]): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  const write = async (trx: Database) => {
    const head = await trx
      .selectFrom('platform_audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const records: AuditRecord[] = [];
    let previous = { seq: head.seq, hash: head.hash };
    for (const entry of entries) {
      const record: Omit<AuditRecord, 'hash'> = {
        seq: previous.seq + 1,
        // Millisecond precision: what is hashed must equal what the database gives back.
        occurredAt: new Date(Date.now()),
        actor: entry.actor,
        action: entry.action,
        lgCode: entry.lgCode ?? null,
        subject: entry.subject ?? null,
        ip: entry.ip ?? null,
        requestId: entry.requestId ?? null,
        details: jsonRoundTrip(entry.details ?? {}),
        prevHash: previous.hash,
      };
      const hash = auditHash(record);
      records.push({ ...record, hash });
      previous = { seq: record.seq, hash };
    }
    await trx
      .insertInto('platform_audit_events')
      .values(records.map((record) => ({
        seq: record.seq,
        occurred_at: record.occurredAt,
        actor: record.actor,
        action: record.action,
        lg_code: record.lgCode,
        subject: record.subject,
        ip: record.ip,
        request_id: record.requestId,
        details: JSON.stringify(record.details),
        prev_hash: record.prevHash,
        hash: record.hash,
      })))
      .execute();
    await trx.updateTable('platform_audit_head').set({ seq: previous.seq, hash: previous.hash }).where('id', '=', 1).execute();
    return records;
  };
  return db.isTransaction ? write(db) : db.transaction().execute(write);
}

export type VerifyResult =
  | { ok: true; count: number; lastHash: string }
  | { ok: false; count: number; brokenAt: number; reason: string };

/**
 * Walks the whole chain in order and reports the first record that does not fit. It reads in
 * one repeatable-read snapshot: otherwise records appended while it runs would make the head
 * look ahead of the rows already read, and a live system would be reported broken.
 */
export async function verifyAuditChain(db: Database, batchSize = 1000): Promise<VerifyResult> {
  if (db.isTransaction) return verifyIn(db, batchSize);
  return db.transaction().setIsolationLevel('repeatable read').execute((trx) => verifyIn(trx, batchSize));
}

async function verifyIn(db: Database, batchSize: number): Promise<VerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (;;) {
    const rows = await db
      .selectFrom('platform_audit_events')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return { ok: false, count, brokenAt: expectedSeq, reason: `record ${expectedSeq} is missing` };
      }
      if (row.prev_hash !== prevHash) {
        return { ok: false, count, brokenAt: row.seq, reason: `record ${row.seq} does not point to the hash of record ${row.seq - 1}` };
      }
      const computed = auditHash(toRecord(row));
      if (computed !== row.hash) {
        return { ok: false, count, brokenAt: row.seq, reason: `record ${row.seq} was changed after it was written` };
      }
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
    if (rows.length < batchSize) break;
  }
  const head = await db.selectFrom('platform_audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  // The migration writes the head row; a log without one has been tampered with.
  if (!head) return { ok: false, count, brokenAt: count + 1, reason: 'the chain head row is missing' };
  if (head.seq !== count) {
    return { ok: false, count, brokenAt: count + 1, reason: `the log ends at record ${count} but ${head.seq} were written` };
  }
  if (head.hash !== prevHash) {
    // The last record was rewritten with a recomputed hash: only the head still knows.
    return { ok: false, count: Math.max(0, count - 1), brokenAt: Math.max(1, count), reason: `record ${count} does not match the hash recorded in the chain head` };
  }
  return { ok: true, count, lastHash: prevHash };
}

type AuditRow = {
  seq: number;
  occurred_at: Date;
  actor: string;
  action: string;
  lg_code: string | null;
  subject: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
};

export function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at,
    actor: row.actor,
    action: row.action,
    lgCode: row.lg_code,
    subject: row.subject,
    ip: row.ip,
    requestId: row.request_id,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
