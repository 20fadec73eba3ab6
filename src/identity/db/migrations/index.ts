// The identity module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as accounts from './2026-12-02T1300-identity-accounts.ts';

export const identityMigrations: Record<string, Migration> = {
  '2026-12-02T1300-identity-accounts': accounts,
};
