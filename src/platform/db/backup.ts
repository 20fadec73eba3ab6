// Logical backup and restore that work the same on PGlite and PostgreSQL, and between them (a
// backup of the embedded database restores into a real PostgreSQL: the upgrade path).
//
// Format: gzip-compressed JSON lines. The first line is a header naming the migrations the data
// was written under; then one line per table ({"table"}), followed by its rows as produced by
// row_to_json. Restore migrates an empty database to the backup's migration, loads every row
// in one transaction with foreign keys deferred (all platform FKs are DEFERRABLE), resets
// identity sequences, then migrates to the latest version.
import fs from 'node:fs';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Migrator, sql } from 'kysely';
import type { Database } from './database.ts';
import type { MigrationSet } from './migrator.ts';

const FORMAT = 'tsunagu-backup';
const VERSION = 1;
const BATCH = 500;
const MIGRATION_TABLES = ['platform_migrations', 'platform_migrations_lock'];
/** Tables whose migration inserts rows (a singleton, a reference list): restore replaces them. */
const MIGRATION_SEEDED = ['platform_audit_head', 'procedures_life_events', 'procedures_field_dictionary'];

export interface Header {
  format: string;
  version: number;
  createdAt: string;
  migrations: string[];
  tables: string[];
}

export class BackupError extends Error {}

async function userTables(db: Database): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db);
  return result.rows.map((r) => r.name).filter((name) => !MIGRATION_TABLES.includes(name));
}

async function primaryKeyColumns(db: Database, table: string): Promise<string[]> {
  const result = await sql<{ column: string }>`
    select a.attname as column from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${table}::regclass and i.indisprimary
    order by array_position(i.indkey, a.attnum)`.execute(db);
  return result.rows.map((r) => r.column);
}

async function appliedMigrations(db: Database): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from platform_migrations order by name`.execute(db);
  return result.rows.map((r) => r.name);
}

export async function backupDatabase(db: Database, file: string): Promise<{ tables: number; rows: number }> {
  const tables = await userTables(db);
  const header: Header = { format: FORMAT, version: VERSION, createdAt: new Date().toISOString(), migrations: await appliedMigrations(db), tables };
  let rows = 0;
  // A repeatable-read transaction gives one consistent snapshot across all tables.
  // The rows are collected in memory before they are written, because the snapshot lives in a
  // transaction callback that a generator cannot yield from. That is fine at the platform's
  // current size (tens of thousands of rows); stream through db.connection() with an explicit
  // BEGIN … COMMIT when modules hold large tables.
  async function* lines() {
    yield `${JSON.stringify(header)}\n`;
    const chunks: string[] = [];
    await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      for (const table of tables) {
        chunks.push(`${JSON.stringify({ table })}\n`);
        const order = (await primaryKeyColumns(trx, table)).map((c) => sql.id(c));
        for (let offset = 0; ; offset += BATCH) {
          const page = await sql<{ r: string }>`
            select row_to_json(t)::text as r from ${sql.table(table)} t
            order by ${order.length ? sql.join(order) : sql`1`} limit ${BATCH} offset ${offset}`.execute(trx);
          for (const row of page.rows) chunks.push(`${row.r}\n`);
          rows += page.rows.length;
          if (page.rows.length < BATCH) break;
        }
      }
    });
    yield* chunks;
  }
  const temporary = `${file}.partial`;
  try {
    await pipeline(Readable.from(lines()), zlib.createGzip(), fs.createWriteStream(temporary));
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.renameSync(temporary, file); // a crash never leaves a half-written file under the real name
  return { tables: tables.length, rows };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Refuses a database that holds any data, before anything (a migration) touches it. */
async function assertEmpty(db: Database): Promise<void> {
  for (const table of await userTables(db)) {
    if (MIGRATION_SEEDED.includes(table)) continue;
    const count = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    if ((count.rows[0]?.n ?? 0) > 0) throw new BackupError(`the database is not empty (${table} has rows); restore only into an empty database`);
  }
}

export interface LoadedBackup {
  file: string;
  header: Header;
  data: Map<string, string[]>;
}

/**
 * Reads and checks a backup file. The whole backup is held in memory (see backupDatabase on
 * size). The CLI calls this before opening the database, so a wrong file name never creates an
 * empty embedded database as a side effect.
 */
export async function readBackup(file: string): Promise<LoadedBackup> {
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist`);
  const source = fs.createReadStream(file);
  const gunzip = zlib.createGunzip();
  source.on('error', (error) => gunzip.destroy(error)); // pipe() does not pass read errors on
  const input = readline.createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  let header: Header | undefined;
  const data = new Map<string, string[]>();
  let current: string[] | undefined;
  try {
    for await (const line of input) {
      if (!line) continue;
      if (!header) {
        header = JSON.parse(line) as Header;
        if (header?.format !== FORMAT || header.version !== VERSION || !isStringArray(header.migrations) || !isStringArray(header.tables)) {
          throw new BackupError(`${file} is not a Tsunagu backup (version ${VERSION})`);
        }
        continue;
      }
      if (line.startsWith('{"table":')) {
        const { table } = JSON.parse(line) as { table: string };
        current = [];
        data.set(table, current);
      } else if (current) {
        current.push(line);
      } else {
        throw new BackupError(`${file} has rows before any table`);
      }
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} cannot be read as a Tsunagu backup: ${(error as Error).message}`);
  } finally {
    // Leaving the loop early (a bad header) must not leave the streams open.
    input.close();
    gunzip.destroy();
    source.destroy();
  }
  if (!header) throw new BackupError(`${file} is empty`);
  return { file, header, data };
}

export async function restoreDatabase(
  db: Database,
  backup: string | LoadedBackup,
  migrations: MigrationSet,
): Promise<{ tables: number; rows: number }> {
  const { header, data } = typeof backup === 'string' ? await readBackup(backup) : backup;
  const unknown = header.migrations.filter((name) => !migrations[name]);
  if (unknown.length) throw new BackupError(`the backup was made by a newer version of Tsunagu (unknown migrations: ${unknown.join(', ')})`);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'platform_migrations',
    migrationLockTableName: 'platform_migrations_lock',
  });
  // Check before migrating: migrating a newer, populated database down to the backup's version
  // would run down migrations (dropping tables) before the refusal.
  await assertEmpty(db);
  const last = header.migrations.at(-1);
  if (last) {
    const { error } = await migrator.migrateTo(last);
    if (error) throw error;
  }
  const tables = await userTables(db);
  await assertEmpty(db);
  let rows = 0;
  await db.transaction().execute(async (trx) => {
    await sql`set constraints all deferred`.execute(trx);
    // Tells triggers that keep derived rows (e.g. the broker's version counters) that those rows
    // come from the backup too, so they must not add their own while the tables are loaded.
    await sql`set local tsunagu.restoring = 'on'`.execute(trx);
    for (const [table, lines] of data) {
      if (!tables.includes(table)) throw new BackupError(`the backup has a table "${table}" that this version does not know`);
      if (MIGRATION_SEEDED.includes(table)) await sql`delete from ${sql.table(table)}`.execute(trx);
      for (let i = 0; i < lines.length; i += BATCH) {
        const batch = `[${lines.slice(i, i + BATCH).join(',')}]`;
        await sql`insert into ${sql.table(table)} overriding system value
          select * from json_populate_recordset(null::${sql.table(table)}, ${batch}::json)`.execute(trx);
        rows += Math.min(BATCH, lines.length - i);
      }
      await resetSequences(trx, table);
    }
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
  return { tables: data.size, rows };
}

async function resetSequences(db: Database, table: string): Promise<void> {
  const columns = await sql<{ column: string }>`
    select column_name as column from information_schema.columns
    where table_schema = 'public' and table_name = ${table} and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(db);
  for (const { column } of columns.rows) {
    await sql`select setval(pg_get_serial_sequence(${table}, ${column}),
      greatest((select max(${sql.id(column)}) from ${sql.table(table)}), 1),
      (select max(${sql.id(column)}) from ${sql.table(table)}) is not null)`.execute(db);
  }
}
