// The opt-in module's migrations, listed explicitly. Never edit one once merged: add a new one.
import type { Migration } from 'kysely';
import * as optin from './2026-12-03T1300-optin.ts';
import * as brokerProviders from './2026-12-03T1600-optin-broker-providers.ts';
import * as stateVersions from './2026-12-07T1000-optin-state-versions.ts';
import * as accessLogCallId from './2026-12-10T1000-optin-access-log-call-id.ts';

export const optinMigrations: Record<string, Migration> = {
  '2026-12-03T1300-optin': optin,
  '2026-12-03T1600-optin-broker-providers': brokerProviders,
  '2026-12-07T1000-optin-state-versions': stateVersions,
  '2026-12-10T1000-optin-access-log-call-id': accessLogCallId,
};
