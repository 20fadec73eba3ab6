// The platform's one database handle: PGlite (embedded, default) or PostgreSQL (DATABASE_URL).
// Both speak the same SQL, so every module writes one set of queries with Kysely.
import fs from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

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

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', pglite, close: () => db.destroy() };
}

export async function ping(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
}
