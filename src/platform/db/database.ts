// The platform's one database handle: PGlite (embedded, default) or PostgreSQL (DATABASE_URL).
// Both speak the same SQL, so every module writes one set of queries with Kysely.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

const PREPARED_MARK = '/* prepared */';

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** The PGlite instance, for whole-directory operations (tests clone from it). */
  pglite?: PGlite;
  close(): Promise<void>;
}

// int8 (counts, sequence numbers) comes back as a JS number on both engines. Every int8 the
// platform stores is far below 2^53, where numbers are exact.
pg.types.setTypeParser(20, (value) => Number(value));

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; undefined means in memory. */
  dataDir?: string | undefined;
  /** Load a PGlite data directory from a dump (tests). */
  loadDataDir?: Blob | File | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/**
 * Begins a statement that PostgreSQL keeps prepared on each pooled connection: parsed and planned
 * once per connection, then only bound and executed (for a one-row read by key, about half of
 * PostgreSQL's CPU per execution). Only for statements whose text never varies, so that each
 * connection holds a few of them: every distinct text marked so becomes one prepared statement per
 * connection, for the connection's life. It is a comment, so PGlite (and a connection pooler in
 * transaction mode, where it would be unsafe: do not mark statements there) sees ordinary SQL.
 * Usage: sql`${PREPARED}select … where id = ${id}`.
 *
 * Pass lists as JSON (`textSet`, `json_to_recordset`, `jsonb_array_elements`), never as arrays.
 * PostgreSQL plans a prepared statement for its values five times, then keeps one generic plan
 * unless a plan for the values looks cheaper. It knows an array's length and sizes an unknown one
 * at 10 elements, so over a large table a plan for a one-element array always looked cheaper and
 * the statement was planned on every execution: 0.3–0.4 ms each for the broker's entity load and
 * the gateway's batch, four to five times their execution. A JSON set is sized the same (100 rows)
 * whatever it holds, and the generic plan is kept.
 */
export const PREPARED = sql.raw(`${PREPARED_MARK} `);

/** `values` as a set of texts for `in (…)`, one JSON parameter (see PREPARED). */
export function textSet(values: readonly string[]): RawBuilder<string> {
  return sql<string>`(select json_array_elements_text(${JSON.stringify(values)}::json))`;
}

/** Names the marked statements of a pooled client (see PREPARED); the rest run unnamed as before. */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
    if (typeof text !== 'string' || !text.startsWith(PREPARED_MARK)) return query(text, ...rest);
    let name = names.get(text);
    if (!name) {
      name = `tsn_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
      names.set(text, name);
    }
    const [values, callback] = rest;
    return callback === undefined ? query({ name, text, values }) : query({ name, text, values }, callback);
  };
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    // Connections stay open once made (pg-pool closes idle ones after 10 s by default): a new
    // PostgreSQL backend costs a fork and cold catalog caches, and its prepared statements are
    // planned again, so a burst after a quiet spell paid tens of milliseconds on its first calls.
    const poolSize = options.poolSize ?? 10;
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: poolSize, min: poolSize, keepAlive: true });
    // An idle connection PostgreSQL dropped (a restart, pg_terminate_backend): pg-pool has already
    // removed it and the next query opens a new one. Unheard, the event would end the process.
    pool.on('error', () => undefined);
    pool.on('connect', prepareMarked);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  const pglite = new PGlite({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  try {
    await pglite.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    pglite,
    close: async () => {
      // Kysely closes its driver only if a query ever ran; close PGlite itself as well.
      await db.destroy();
      if (!pglite.closed) await pglite.close();
      unlock();
    },
  };
}

export class DataDirInUseError extends Error {}

/**
 * PGlite is one process's database: two processes opening the same directory would corrupt it.
 * A lock file holding the owner's pid keeps a second `tsunagu` (say, a backup while the server
 * runs) out with a clear message; a lock left by a process that no longer exists is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'tsunagu.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockFile, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(
          `The embedded database in ${dataDir} is in use by process ${owner}. Stop that process first (or use PostgreSQL via DATABASE_URL for several processes).`,
        );
      }
      fs.rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new DataDirInUseError(`Could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function ping(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
}
