// The documents module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as documents from './2026-12-03T2100-documents.ts';

export const documentsMigrations: Record<string, Migration> = {
  '2026-12-03T2100-documents': documents,
};
