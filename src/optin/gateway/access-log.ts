// The access log: one row per gateway call on a resident's data, allowed, refused or failed —
// what the resident sees on My page (X-Road's lesson: people should see who used their data) and
// what governance reviews. It records identifiers and item codes, never the data itself.
import { sql } from 'kysely';
import type { AccessOutcome, OptinDatabase } from '../db/schema.ts';

export interface AccessEntry {
  accountId: string | null;
  serviceId: string | null;
  clientId: string;
  providerId: string;
  consentId: string | null;
  purposeCode: string | null;
  method: string;
  path: string;
  itemsRequested: string[];
  itemsReleased: string[];
  itemsWithheld: string[];
  outcome: AccessOutcome;
  reason: string | null;
  status: number;
  durationMs: number;
  requestId: string | null;
  /** Set when the entry is written before the provider answers, to amend it if the provider fails. */
  callId?: string;
}

export interface AccessRecord extends AccessEntry {
  id: string;
  occurredAt: Date;
}

export interface AccessFilter {
  accountId?: string;
  serviceIds?: string[];
  serviceId?: string;
  providerId?: string;
  outcome?: AccessOutcome;
  /** Inclusive, ISO dates (YYYY-MM-DD) in Japan time. */
  from?: string;
  to?: string;
}

export const PAGE_SIZE = 50;

/** The entry as the table's columns. */
export function accessLogRow(entry: AccessEntry) {
  return {
    account_id: entry.accountId,
    service_id: entry.serviceId,
    client_id: entry.clientId,
    provider_id: entry.providerId,
    consent_id: entry.consentId,
    purpose_code: entry.purposeCode,
    method: entry.method,
    path: entry.path.slice(0, 500),
    items_requested: entry.itemsRequested,
    items_released: entry.itemsReleased,
    items_withheld: entry.itemsWithheld,
    outcome: entry.outcome,
    reason: entry.reason,
    status: entry.status,
    duration_ms: Math.round(entry.durationMs),
    request_id: entry.requestId,
    call_id: entry.callId ?? null,
  };
}

// Entries are written by the gateway's batched statement (gateway-round-trips.ts): each call
// waits until its entry is committed before it is answered.

function filtered(db: OptinDatabase, filter: AccessFilter) {
  let query = db.selectFrom('optin_access_log');
  if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
  if (filter.serviceIds) query = filter.serviceIds.length ? query.where('service_id', 'in', filter.serviceIds) : query.where(sql<boolean>`false`);
  if (filter.serviceId) query = query.where('service_id', '=', filter.serviceId);
  if (filter.providerId) query = query.where('provider_id', '=', filter.providerId);
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
  if (filter.from) query = query.where('occurred_at', '>=', sql<Date>`(${filter.from}::date)::timestamp at time zone 'Asia/Tokyo'`);
  if (filter.to) query = query.where('occurred_at', '<', sql<Date>`((${filter.to}::date + 1)::timestamp at time zone 'Asia/Tokyo')`);
  return query;
}

function toRecord(row: { id: string; occurred_at: Date; account_id: string | null; service_id: string | null; client_id: string; provider_id: string; consent_id: string | null; purpose_code: string | null; method: string; path: string; items_requested: string[]; items_released: string[]; items_withheld: string[]; outcome: AccessOutcome; reason: string | null; status: number; duration_ms: number; request_id: string | null }): AccessRecord {
  return {
    id: String(row.id),
    occurredAt: row.occurred_at,
    accountId: row.account_id,
    serviceId: row.service_id,
    clientId: row.client_id,
    providerId: row.provider_id,
    consentId: row.consent_id,
    purposeCode: row.purpose_code,
    method: row.method,
    path: row.path,
    itemsRequested: row.items_requested,
    itemsReleased: row.items_released,
    itemsWithheld: row.items_withheld,
    outcome: row.outcome,
    reason: row.reason,
    status: row.status,
    durationMs: row.duration_ms,
    requestId: row.request_id,
  };
}

/** One page, newest first, and the total count for the pagination. */
export async function listAccess(db: OptinDatabase, filter: AccessFilter, page: number, pageSize = PAGE_SIZE): Promise<{ records: AccessRecord[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, filter).selectAll().orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(pageSize).offset((page - 1) * pageSize).execute(),
    filtered(db, filter).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { records: rows.map(toRecord), total: Number(count.n) };
}

/** Every matching record, oldest first, in batches (exports). */
export async function* eachAccess(db: OptinDatabase, filter: AccessFilter): AsyncGenerator<AccessRecord> {
  let after = '0';
  for (;;) {
    const rows = await filtered(db, filter).selectAll().where('id', '>', after).orderBy('id').limit(1000).execute();
    for (const row of rows) yield toRecord(row);
    if (rows.length < 1000) return;
    after = String(rows[rows.length - 1]!.id);
  }
}

const csvCell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : String(value);
  // Leading = + - @ would run as formulas in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export const CSV_HEADER = ['occurred_at', 'service', 'provider', 'purpose', 'items_requested', 'items_released', 'items_withheld', 'outcome', 'reason', 'status', 'consent_id', 'request_id'];

export function csvLine(record: AccessRecord): string {
  return [record.occurredAt.toISOString(), record.serviceId ?? record.clientId, record.providerId, record.purposeCode, record.itemsRequested.join(' '), record.itemsReleased.join(' '), record.itemsWithheld.join(' '), record.outcome, record.reason, record.status, record.consentId, record.requestId].map(csvCell).join(',');
}
