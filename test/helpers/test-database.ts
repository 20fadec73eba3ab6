// Each test gets its own database, already migrated (and seeded with the demo prefecture unless
// asked otherwise), cloned from a template so it takes a fraction of a second:
// - PGlite: the template is built once per test process in memory and dumped; each test loads
//   the dump into a fresh in-memory instance.
// - PostgreSQL (DATABASE_URL set): the template is a database named after the migration list,
//   built once (under an advisory lock, as test files run in parallel); each test gets
//   CREATE DATABASE … TEMPLATE, dropped when the test closes it.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { allMigrations, buildTsunagu, type Tsunagu } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrator.ts';

export interface TestDatabaseOptions {
  /** Load the demo prefecture (Fukushima). Default true. */
  seeded?: boolean;
}

const pgliteTemplates = new Map<boolean, Promise<Blob>>();

/** A fixed data key, so tests never write a key file into the working tree. */
export const TEST_DATA_KEY = { id: 'test', key: Buffer.alloc(32, 7) };

/** Files a test app makes (the development JPKI TEST CA) go here, never into the working tree. */
export const TEST_DATA_DIR = path.join(os.tmpdir(), `tsunagu-test-data-${process.pid}`);

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ ...process.env, TSUNAGU_DEMO_DATA: 'false', TSUNAGU_WORKER: 'false' }), dataKeys: [TEST_DATA_KEY], dataDir: TEST_DATA_DIR, ...overrides };
}

async function prepare(database: DatabaseHandle, seeded: boolean): Promise<void> {
  await migrateToLatest(database.db, allMigrations());
  if (seeded) {
    const tsunagu = await buildTsunagu({ config: testConfig(), database, logger: false, migrate: false });
    await tsunagu.seed();
    await tsunagu.app.close();
  }
}

/** The file name of a PGlite template dump in TSUNAGU_TEST_PGLITE_TEMPLATES (see scripts/run-tests.mjs). */
export const pgliteTemplateFile = (seeded: boolean) => (seeded ? 'seeded.tar' : 'empty.tar');

/** Migrates (and seeds) a fresh in-memory PGlite and returns its dump. */
export async function buildPgliteTemplate(seeded: boolean): Promise<Blob> {
  const database = await openDatabase({});
  await prepare(database, seeded);
  const dump = await database.pglite!.dumpDataDir('none');
  await database.close();
  return dump;
}

async function pgliteTemplate(seeded: boolean): Promise<Blob> {
  let template = pgliteTemplates.get(seeded);
  if (!template) {
    // `npm test` builds both templates once before the test processes start, instead of once in
    // each of them; a test file run on its own builds its own.
    const dir = process.env.TSUNAGU_TEST_PGLITE_TEMPLATES;
    template = dir ? readFile(path.join(dir, pgliteTemplateFile(seeded))).then((bytes) => new Blob([bytes])) : buildPgliteTemplate(seeded);
    pgliteTemplates.set(seeded, template);
  }
  return template;
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Names a PostgreSQL template after the migrations and every source file, so a template left in
 * the server by an earlier run (or another checkout) is never used once a migration or the demo
 * seed has changed.
 */
function sourceFingerprint(): string {
  const hash = createHash('sha256').update(Object.keys(allMigrations()).join('\n'));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'test') walk(full);
      } else {
        hash.update(full).update(readFileSync(full));
      }
    }
  };
  walk(path.join(import.meta.dirname, '../../src'));
  return hash.digest('hex').slice(0, 12);
}

async function postgresTemplate(url: string, seeded: boolean): Promise<string> {
  const fingerprint = sourceFingerprint();
  const name = `tsunagu_tpl_${fingerprint}_${seeded ? 'seeded' : 'empty'}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(7000009)');
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`create database ${name}`);
      const database = await openDatabase({ databaseUrl: withDatabaseName(url, name), poolSize: 2 });
      try {
        await prepare(database, seeded);
      } catch (error) {
        await database.close();
        await admin.query(`drop database ${name}`);
        throw error;
      }
      await database.close();
    }
  } finally {
    await admin.query('select pg_advisory_unlock(7000009)');
    await admin.end();
  }
  return name;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<DatabaseHandle> {
  const seeded = options.seeded ?? true;
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ loadDataDir: await pgliteTemplate(seeded) });
  const template = await postgresTemplate(url, seeded);
  const name = `tsunagu_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: withDatabaseName(url, name), poolSize: 4 });
  return {
    ...database,
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      // Drop only once the server has seen our connections go (FORCE would kill a connection the
      // pool is still closing, and its error would fail whichever test runs next).
      for (let attempt = 0; ; attempt++) {
        const open = await dropper.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (open.rows[0].n === 0 || attempt >= 50) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

export interface TestApp extends Tsunagu {
  database: DatabaseHandle;
}

/** A full Tsunagu on its own test database, for app.inject(). Close it in after(). */
export async function createTestApp(options: TestDatabaseOptions & { config?: Partial<Config> } = {}): Promise<TestApp> {
  const database = await createTestDatabase(options);
  const tsunagu = await buildTsunagu({ config: testConfig(options.config), database, logger: false, migrate: false });
  return {
    ...tsunagu,
    database,
    close: async () => {
      await tsunagu.close();
      await database.close();
    },
  };
}

/**
 * A test app listening on a free port of [ports[0], ports[1]) (a range of its own per test file,
 * as files run in parallel), its public URL that address. Closed again when it cannot listen,
 * so a failed start never keeps the test process alive.
 */
export async function createListeningTestApp(ports: [number, number], config: Partial<Config> = {}): Promise<{ app: TestApp; base: string; port: number }> {
  const { freePort } = await import('./server-process.ts');
  const port = await freePort(ports[0], ports[1]);
  const base = `http://127.0.0.1:${port}`;
  const app = await createTestApp({ config: { smtpUrl: undefined, publicUrl: base, port, ...config } });
  await app.app.listen({ port, host: '127.0.0.1' }).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  return { app, base, port };
}

/** An operator token with the platform administrator role for the demo prefecture (福島県). */
export async function platformAdminToken(app: TestApp): Promise<string> {
  const { issueApiToken } = await import('../../src/platform/authz/api-tokens.ts');
  const { grantRole } = await import('../../src/platform/authz/role-assignments.ts');
  const { system } = await import('../../src/platform/authz/actor.ts');
  const issued = await issueApiToken(app.ctx.db, { name: '県 運用', createdBy: 'system' });
  await grantRole(app.ctx, system, { principalId: issued.principalId, role: 'platform_admin', scope: { level: 'prefecture', prefectureCode: '070009' } }, { ip: null, requestId: null });
  return issued.token;
}
