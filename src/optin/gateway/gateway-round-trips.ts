// What every gateway call needs from the database, in one statement for the calls in flight
// together: the current versions (and account summary) that new calls check their cached state
// against (gateway-state.ts), and the access-log entries of the calls that finished (access-log.ts).
// A loopback round trip to PostgreSQL costs more CPU, on both sides, than anything the statement
// does; a call needs two (versions at its start, its log entry at its end), and calls overlap, so
// one statement per batch carries both kinds.
//
// The guarantees are those of the two parts alone:
//   - a version read is in a statement that starts after the call arrived, so the call sees every
//     change committed before it (a revocation or a suspension counts from the next call, in every
//     server process);
//   - a call is answered only after the statement holding its log entry has committed (an
//     application crash loses nothing). An allowed call's entry is written while its provider is
//     called, and amended (`amend`) if the provider fails. The commit does not wait for the disk flush
//     (synchronous_commit off, set in the statement itself): only a crash of PostgreSQL within a
//     fraction of a second could lose the newest entries.
// One statement runs at a time; what arrives meanwhile, or in the same turn of the event loop
// as the first, goes in the next. The text never varies, so PostgreSQL keeps it prepared, and
// the entries and the reads each travel as one JSON parameter, so it keeps its plan (PREPARED).
import { sql } from 'kysely';
import { PREPARED } from '../../platform/db/database.ts';
import type { AccountSummary } from '../../identity/exports.ts';
import type { OptinContext } from '../optin-context.ts';
import { accessLogRow, type AccessEntry } from './access-log.ts';

export interface VersionRow {
  account: AccountSummary | null;
  service_state: number | string;
  provider_state: number | string;
  account_state: number | string;
}

interface Read {
  accountId: string | null;
  keys: [string, string, string];
  resolve: (row: VersionRow) => void;
  reject: (error: unknown) => void;
}

const MAX_READS = 200;
const MAX_ENTRIES = 500;

export class GatewayRoundTrips {
  #reads: Read[] = [];
  #entries: Array<{ entry: AccessEntry; done: (error: unknown, id?: string) => void }> = [];
  #running: Promise<void> | undefined;

  constructor(private readonly ctx: Pick<OptinContext, 'db' | 'identity'>) {}

  /** The account summary and the versions of service:<id>, provider:<id> and account:<id>, read after this call. */
  versions(accountId: string | null, keys: [string, string, string]): Promise<VersionRow> {
    return new Promise((resolve, reject) => {
      this.#reads.push({ accountId, keys, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once the entry is committed, with the row's id when the entry has a `callId`. */
  record(entry: AccessEntry): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.#entries.push({ entry, done: (error, id) => (error ? reject(error) : resolve(id)) });
      this.#running ??= this.#drain();
    });
  }

  /**
   * Changes a committed entry's outcome (a call logged as allowed whose provider then failed).
   * Rare outside a provider's outage, so not batched; like the batch, it commits without waiting
   * for the disk flush.
   */
  async amend(id: string, change: Pick<AccessEntry, 'outcome' | 'status' | 'reason' | 'durationMs'>): Promise<void> {
    await sql`with amended as (update optin_access_log set outcome = ${change.outcome}, status = ${change.status}, reason = ${change.reason},
        duration_ms = ${Math.round(change.durationMs)} where id = ${id})
      select set_config('synchronous_commit', 'off', true)`.execute(this.ctx.db);
  }

  async #drain(): Promise<void> {
    while (this.#reads.length || this.#entries.length) {
      // The rest of this turn of the event loop first: the calls whose answers or requests
      // arrived in the same poll go in this statement too, at no cost in latency.
      await new Promise((resolve) => setImmediate(resolve));
      const reads = this.#reads.splice(0, MAX_READS);
      const entries = this.#entries.splice(0, MAX_ENTRIES);
      try {
        // Never an empty outer row set: set_config must run for the entries' commit even when
        // the batch reads nothing. The insert runs whether or not the select reads it.
        const { rows } = await sql<VersionRow & { n: number | string | null; logged_ids: Record<string, string> | null }>`${PREPARED}
          with logged as (
            insert into optin_access_log (account_id, service_id, client_id, provider_id, consent_id, purpose_code, method, path,
              items_requested, items_released, items_withheld, outcome, reason, status, duration_ms, request_id, call_id)
            select account_id, service_id, client_id, provider_id, consent_id, purpose_code, method, path,
              items_requested, items_released, items_withheld, outcome, reason, status, duration_ms, request_id, call_id
            from json_populate_recordset(null::optin_access_log, ${JSON.stringify(entries.map((e) => accessLogRow(e.entry)))}::json)
            returning id, call_id
          )
          select k.n, ${this.ctx.identity.accountSummarySql(sql<string | null>`k.account_id`)} as account,
            coalesce((select v.version from optin_state_versions v where v.key = k.service_key), 0) as service_state,
            coalesce((select v.version from optin_state_versions v where v.key = k.provider_key), 0) as provider_state,
            coalesce((select v.version from optin_state_versions v where v.key = k.account_key), 0) as account_state,
            set_config('synchronous_commit', 'off', true) as commit_mode,
            (select json_object_agg(call_id, id::text) from logged where call_id is not null) as logged_ids
          from (select 1) as one
          left join json_to_recordset(${JSON.stringify(reads.map((r, i) => ({ n: i + 1, account_id: r.accountId, service_key: r.keys[0], provider_key: r.keys[1], account_key: r.keys[2] })))}::json)
            as k(n int, account_id uuid, service_key text, provider_key text, account_key text) on true
        `.execute(this.ctx.db);
        const ids = rows[0]?.logged_ids ?? {};
        for (const e of entries) {
          const id = e.entry.callId ? ids[e.entry.callId] : undefined;
          if (e.entry.callId && id === undefined) e.done(new Error('gateway round trips: a logged call got no row id'));
          else e.done(undefined, id);
        }
        const found = new Map(rows.map((row) => [Number(row.n), row]));
        reads.forEach((r, i) => {
          const row = found.get(i + 1);
          if (row) r.resolve(row);
          else r.reject(new Error('gateway round trips: a call of the batch got no versions'));
        });
      } catch (error) {
        for (const e of entries) e.done(error);
        for (const r of reads) r.reject(error);
      }
    }
    this.#running = undefined;
  }
}
