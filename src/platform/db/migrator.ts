// Runs every module's migrations as one ordered list, on PGlite and PostgreSQL alike.
import { Migrator, type Migration } from 'kysely';
import type { Database } from './database.ts';

export type MigrationSet = Record<string, Migration>;

export function combineMigrations(sets: MigrationSet[]): MigrationSet {
  const all: MigrationSet = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (all[name]) throw new Error(`Two migrations are named "${name}"`);
      all[name] = migration;
    }
  }
  return all;
}

function migrator(db: Database, migrations: MigrationSet): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'platform_migrations',
    migrationLockTableName: 'platform_migrations_lock',
  });
}

export async function migrateToLatest(db: Database, migrations: MigrationSet): Promise<string[]> {
  const { error, results } = await migrator(db, migrations).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pendingMigrations(db: Database, migrations: MigrationSet): Promise<string[]> {
  const list = await migrator(db, migrations).getMigrations();
  return list.filter((m) => !m.executedAt).map((m) => m.name);
}
