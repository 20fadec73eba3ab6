// The broker's migrations, listed explicitly (see src/platform/db/migrations/index.ts).
import type { Migration } from 'kysely';
import * as entities from './2026-11-23T1301-broker-entities.ts';

export const brokerMigrations: Record<string, Migration> = {
  '2026-11-23T1301-broker-entities': entities,
};
