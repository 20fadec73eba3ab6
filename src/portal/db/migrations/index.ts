// The portal module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as portal from './2026-12-03T1800-portal.ts';

export const portalMigrations: Record<string, Migration> = {
  '2026-12-03T1800-portal': portal,
};
