// Runs the `tsunagu` command (its main(), or bin/tsunagu.mjs as a child process) against a
// database of its own: a fresh PGlite data directory, or, when the suite runs with DATABASE_URL,
// a fresh PostgreSQL database created from that URL and dropped by cleanup().
//
// PGlite is single-process: open the data directory in the test (open()) only while no command
// is running, and close it before the next runCli().
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { TEST_DATA_KEY } from './test-database.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'tsunagu.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  kind: 'pglite' | 'postgres';
  /** Environment the CLI runs with (TSUNAGU_DATA_DIR or DATABASE_URL). */
  env: Record<string, string>;
  /** A scratch directory for files (backups, CSVs), removed by cleanup(). */
  workDir: string;
  dataDir?: string;
  databaseUrl?: string;
  /** Opens the same database in this process (close it before the next runCli on PGlite). */
  open(): Promise<DatabaseHandle>;
  cleanup(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Waits until no session is connected to the database. pg's Pool.end() resolves before its
 * sockets have closed; dropping the database WITH (FORCE) at that moment terminates them, and
 * the pool then raises "terminating connection due to administrator command" as an uncaught
 * error in whichever test runs next.
 */
async function waitForNoSessions(client: pg.Client, name: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Creates an empty PostgreSQL database next to DATABASE_URL's; returns its URL and a dropper. */
export async function createEmptyPostgresDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tsunagu_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(url, (c) => c.query(`create database ${name}`));
  return {
    url: withDatabaseName(url, name),
    drop: () =>
      admin(url, async (c) => {
        await waitForNoSessions(c, name);
        await c.query(`drop database if exists ${name} with (force)`);
      }),
  };
}

/**
 * Closes a database from createTestDatabase() without racing its PostgreSQL DROP … WITH (FORCE)
 * against the pool's closing sockets (see waitForNoSessions). On PGlite it just closes.
 */
export async function closeTestDatabase(database: DatabaseHandle): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (database.kind !== 'postgres' || !url) return database.close();
  const { sql } = await import('kysely');
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(database.db);
  await database.db.destroy(); // closing twice is harmless: Kysely remembers it is destroyed
  await admin(url, (c) => waitForNoSessions(c, rows[0]!.name));
  await database.close();
}

/**
 * A new, empty database for the CLI: PGlite in a temporary directory by default, PostgreSQL when
 * the suite runs with DATABASE_URL (or when `kind: 'postgres'` is asked for and it is set).
 */
// The CLI processes seal with the same data key as the tests' in-process apps, so either can open
// what the other wrote (OIDC signing keys, e-mail addresses).
const SHARED_KEY = { TSUNAGU_DATA_KEY: `${TEST_DATA_KEY.id}:${TEST_DATA_KEY.key.toString('base64')}` };

export async function createCliTarget(options: { kind?: 'pglite' | 'postgres' } = {}): Promise<CliTarget> {
  const serverUrl = process.env.DATABASE_URL;
  const kind = options.kind ?? (serverUrl ? 'postgres' : 'pglite');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-cli-'));
  if (kind === 'postgres') {
    if (!serverUrl) throw new Error('a PostgreSQL CLI target needs DATABASE_URL');
    const database = await createEmptyPostgresDatabase(serverUrl);
    return {
      kind,
      env: { DATABASE_URL: database.url, ...SHARED_KEY },
      workDir,
      databaseUrl: database.url,
      open: () => openDatabase({ databaseUrl: database.url, poolSize: 4 }),
      cleanup: async () => {
        await database.drop();
        fs.rmSync(workDir, { recursive: true, force: true });
      },
    };
  }
  const dataDir = path.join(workDir, 'data');
  return {
    kind,
    env: { TSUNAGU_DATA_DIR: dataDir, ...SHARED_KEY },
    workDir,
    dataDir,
    open: () => openDatabase({ dataDir }),
    cleanup: async () => fs.rmSync(workDir, { recursive: true, force: true }),
  };
}

function cliEnv(target: Pick<CliTarget, 'env'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', TSUNAGU_DEMO_DATA: 'false', TSUNAGU_WORKER: 'false', LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.TSUNAGU_DATA_DIR;
  return Object.assign(env, target.env);
}

/**
 * Runs the `tsunagu` command's main() with the target's database and captures what it prints.
 * It is the same code the binary runs, in this process: a new Node process per command costs
 * seconds, and the CLI tests run dozens. `runCliProcess` runs the real binary where the process
 * itself is what is tested (exit codes, the bin script). Never rejects on exit codes; an
 * exception main() does not handle becomes exit 1 with its stack, as in a process.
 */
export async function runCli(target: Pick<CliTarget, 'env'>, args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli.ts');
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(args, { env: cliEnv(target), out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
    return { code, stdout, stderr };
  } catch (error) {
    return { code: 1, stdout, stderr: stderr + `${(error as Error).stack}\n` };
  }
}

/** Runs `node bin/tsunagu.mjs ...args` as a child process; never rejects on exit codes. */
export function runCliProcess(target: Pick<CliTarget, 'env'>, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(target), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`tsunagu ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Every row of every table as row_to_json text, in primary-key order: for comparing databases. */
export async function tableContents(database: DatabaseHandle): Promise<Record<string, string[]>> {
  const { sql } = await import('kysely');
  return database.db.transaction().execute(async (trx) => {
    // Timestamps are printed in the session's time zone: fix it so two servers compare equal.
    await sql`set local time zone 'UTC'`.execute(trx);
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'platform_migrations%'
      order by table_name`.execute(trx);
    const out: Record<string, string[]> = {};
    for (const { name } of tables.rows) {
      const keys = await sql<{ column: string }>`
        select a.attname as column from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = ${name}::regclass and i.indisprimary
        order by array_position(i.indkey, a.attnum)`.execute(trx);
      const order = keys.rows.length ? sql.join(keys.rows.map((k) => sql.id(k.column))) : sql`1`;
      const rows = await sql<{ r: string }>`select row_to_json(t)::text as r from ${sql.table(name)} t order by ${order}`.execute(trx);
      out[name] = rows.rows.map((r) => r.r);
    }
    return out;
  });
}
