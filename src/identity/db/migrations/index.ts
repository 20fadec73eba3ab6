// The identity module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as accounts from './2026-12-02T1300-identity-accounts.ts';
import * as oidc from './2026-12-02T1400-identity-oidc.ts';
import * as challenges from './2026-12-02T1500-identity-challenges.ts';
import * as jpki from './2026-12-02T1600-identity-jpki.ts';
import * as gbizid from './2026-12-03T1000-identity-gbizid.ts';
import * as checks from './2026-12-03T1100-identity-checks.ts';
import * as mandates from './2026-12-03T1200-identity-mandates.ts';
import * as emailChanges from './2026-12-03T1300-identity-email-changes.ts';
import * as mandateProcedures from './2026-12-07T0900-identity-mandate-procedures.ts';

export const identityMigrations: Record<string, Migration> = {
  '2026-12-02T1300-identity-accounts': accounts,
  '2026-12-02T1400-identity-oidc': oidc,
  '2026-12-02T1500-identity-challenges': challenges,
  '2026-12-02T1600-identity-jpki': jpki,
  '2026-12-03T1000-identity-gbizid': gbizid,
  '2026-12-03T1100-identity-checks': checks,
  '2026-12-03T1200-identity-mandates': mandates,
  '2026-12-03T1300-identity-email-changes': emailChanges,
  '2026-12-07T0900-identity-mandate-procedures': mandateProcedures,
};
