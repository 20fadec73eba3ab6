// The broker's migrations, listed explicitly (see src/platform/db/migrations/index.ts).
import type { Migration } from 'kysely';
import { jsonldMigrations } from '../jsonld/migrations.ts';
import { registrationMigrations } from '../registrations/migrations.ts';
import { temporalMigrations } from '../temporal/migrations.ts';
import * as entities from './2026-11-23T1301-broker-entities.ts';
import * as subscriptions from './2026-11-23T1304-broker-subscriptions.ts';
import * as tenantVersions from './2026-12-03T0200-broker-tenant-versions.ts';
import * as personalTypes from './2026-12-03T1600-broker-personal-types.ts';
import * as csourceSubscriptions from './2026-12-04T0100-broker-csource-subscriptions.ts';
import * as openTypes from './2026-12-05T0900-broker-open-types.ts';
import * as remoteSubscriptions from './2026-12-05T0901-broker-remote-subscriptions.ts';
import * as remoteSubscriptionRegistration from './2026-12-08T0910-broker-remote-subscription-registration.ts';
import * as registrationExpiryJobs from './2026-12-09T1500-broker-registration-expiry-jobs.ts';
import * as entityValues from './2026-12-11T0900-broker-entity-values.ts';
import * as entityMaps from './2026-12-12T0900-broker-entity-maps.ts';

export const brokerMigrations: Record<string, Migration> = {
  ...jsonldMigrations,
  '2026-11-23T1301-broker-entities': entities,
  ...temporalMigrations,
  ...registrationMigrations,
  '2026-11-23T1304-broker-subscriptions': subscriptions,
  '2026-12-03T0200-broker-tenant-versions': tenantVersions,
  '2026-12-03T1600-broker-personal-types': personalTypes,
  '2026-12-04T0100-broker-csource-subscriptions': csourceSubscriptions,
  '2026-12-05T0900-broker-open-types': openTypes,
  '2026-12-05T0901-broker-remote-subscriptions': remoteSubscriptions,
  '2026-12-08T0910-broker-remote-subscription-registration': remoteSubscriptionRegistration,
  '2026-12-09T1500-broker-registration-expiry-jobs': registrationExpiryJobs,
  '2026-12-11T0900-broker-entity-values': entityValues,
  '2026-12-12T0900-broker-entity-maps': entityMaps,
};
