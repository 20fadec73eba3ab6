// Row types of the opt-in module's tables, joined with the platform's for this module's queries.
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { DB } from '../../platform/db/schema.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type TextArray = ColumnType<string[], string[] | undefined, string[]>;

export type Sensitivity = 'normal' | 'sensitive' | 'special_care';
export type ProviderAuth = 'bearer' | 'basic' | 'none';
export type ServiceStatus = 'pending' | 'approved' | 'rejected' | 'suspended';

/** http: a system of its own behind an endpoint; broker: personal entity types in the City OS broker. */
export type ProviderKind = 'http' | 'broker';

export interface OptinProvidersTable {
  id: string;
  lg_code: string;
  name_ja: string;
  name_en: string;
  description_ja: Generated<string>;
  description_en: Generated<string>;
  kind: Generated<ProviderKind>;
  /** kind http only. */
  endpoint: string | null;
  /** kind broker only: the NGSI-LD entity types (as registered) and the Relationship naming the resident. */
  entity_types: string[] | null;
  owner_attribute: string | null;
  auth_method: ProviderAuth;
  credentials_sealed: string | null;
  timeout_ms: Generated<number>;
  status: Generated<'active' | 'suspended'>;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface OptinProviderItemsTable {
  provider_id: string;
  code: string;
  name_ja: string;
  name_en: string;
  description_ja: Generated<string>;
  description_en: Generated<string>;
  sensitivity: Sensitivity;
  sort_order: Generated<number>;
}

export interface OptinServicesTable {
  id: string;
  lg_code: string;
  client_id: string;
  name_ja: string;
  name_en: string;
  description_ja: Generated<string>;
  description_en: Generated<string>;
  status: Generated<ServiceStatus>;
  status_reason: string | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  created_by: string;
  created_at: Generated<Date>;
  version: Generated<number>;
}

export interface OptinServicePurposesTable {
  service_id: string;
  code: string;
  text_ja: string;
  text_en: string;
}

export interface OptinServiceItemsTable {
  service_id: string;
  provider_id: string;
  item_code: string;
}

export interface OptinConsentRequestsTable {
  id: Generated<string>;
  service_id: string;
  account_id: string;
  provider_id: string;
  items: TextArray;
  purpose_code: string;
  retention_days: number;
  valid_days: number;
  return_uri: string;
  state: string | null;
  status: Generated<'pending' | 'approved' | 'refused'>;
  consent_id: string | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
}

export interface OptinConsentsTable {
  id: Generated<string>;
  request_id: string;
  service_id: string;
  account_id: string;
  provider_id: string;
  items: TextArray;
  purpose_code: string;
  purpose_ja: string;
  purpose_en: string;
  retention_days: number;
  valid_from: Timestamp;
  valid_until: Timestamp;
  receipt: string;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  created_at: Generated<Date>;
}

export interface OptinSubjectLinksTable {
  account_id: string;
  provider_id: string;
  resident_ref_sealed: string;
  linked_at: Generated<Date>;
}

export type AccessOutcome = 'allowed' | 'refused' | 'failed';

export interface OptinAccessLogTable {
  id: Generated<string>;
  occurred_at: Generated<Date>;
  account_id: string | null;
  service_id: string | null;
  client_id: string;
  provider_id: string;
  consent_id: string | null;
  purpose_code: string | null;
  method: string;
  path: string;
  items_requested: TextArray;
  items_released: TextArray;
  items_withheld: TextArray;
  outcome: AccessOutcome;
  reason: string | null;
  status: number;
  duration_ms: number;
  request_id: string | null;
  /** Names the row of a call logged before its provider answered (gateway-round-trips.ts). */
  call_id: string | null;
}

/** Bumped by triggers on every change the gateway's per-process cache relies on (gateway-state.ts). */
export interface OptinStateVersionsTable {
  key: string;
  version: string;
}

export interface OptinTables {
  optin_providers: OptinProvidersTable;
  optin_provider_items: OptinProviderItemsTable;
  optin_services: OptinServicesTable;
  optin_service_purposes: OptinServicePurposesTable;
  optin_service_items: OptinServiceItemsTable;
  optin_consent_requests: OptinConsentRequestsTable;
  optin_consents: OptinConsentsTable;
  optin_subject_links: OptinSubjectLinksTable;
  optin_access_log: OptinAccessLogTable;
  optin_state_versions: OptinStateVersionsTable;
}

export type OptinDB = DB & OptinTables;
export type OptinDatabase = Kysely<OptinDB>;

export function optinDb(db: Database): OptinDatabase {
  return db as unknown as OptinDatabase;
}
