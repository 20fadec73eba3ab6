// The platform's migrations, listed explicitly (not discovered from the file system) so that a
// bundled or compiled build runs exactly this list. Never edit a migration once it is merged:
// add a new one. Names start with a timestamp; all modules' migrations run in name order.
import type { Migration } from 'kysely';
import * as tenancy from './2026-11-23T1200-platform-tenancy.ts';
import * as authz from './2026-11-23T1201-platform-authz.ts';
import * as audit from './2026-11-23T1202-platform-audit.ts';
import * as jobs from './2026-11-23T1203-platform-jobs.ts';
import * as mail from './2026-12-02T1200-platform-mail.ts';

export const platformMigrations: Record<string, Migration> = {
  '2026-11-23T1200-platform-tenancy': tenancy,
  '2026-11-23T1201-platform-authz': authz,
  '2026-11-23T1202-platform-audit': audit,
  '2026-11-23T1203-platform-jobs': jobs,
  '2026-12-02T1200-platform-mail': mail,
};
