// Row types of the platform's tables. Each module adds its own tables in its own db/schema.ts,
// and the application's DB type joins them (modules then extend DB here).
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantContact {
  phone?: string;
  email?: string;
  website?: string;
  addressJa?: string;
  addressEn?: string;
}

export interface PlatformTenantsTable {
  lg_code: string;
  level: 'prefecture' | 'municipality';
  prefecture_code: string;
  zone_id: string | null;
  name_ja: string;
  name_en: string;
  sort_order: number;
  contact: JSONColumnType<TenantContact, string, string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PlatformZonesTable {
  prefecture_code: string;
  zone_id: string;
  name_ja: string;
  name_en: string;
  sort_order: number;
}

export interface PlatformRoleAssignmentsTable {
  id: Generated<string>;
  principal_id: string;
  role: string;
  scope_level: 'prefecture' | 'zone' | 'municipality';
  prefecture_code: string;
  zone_id: string | null;
  lg_code: string | null;
  granted_by: string;
  granted_at: Generated<Date>;
}

export interface PlatformApiTokensTable {
  id: Generated<string>;
  name: string;
  token_hash: string;
  created_by: string;
  created_at: Generated<Date>;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface PlatformAuditEventsTable {
  seq: number;
  occurred_at: Timestamp;
  actor: string;
  action: string;
  lg_code: string | null;
  subject: string | null;
  ip: string | null;
  request_id: string | null;
  details: JSONColumnType<Record<string, unknown>, string, string>;
  prev_hash: string;
  hash: string;
}

export interface PlatformAuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface PlatformJobsTable {
  id: Generated<number>;
  topic: string;
  payload: ColumnType<unknown, string, string>;
  status: Generated<'pending' | 'running' | 'done' | 'dead'>;
  attempts: Generated<number>;
  max_attempts: number;
  run_at: Timestamp;
  locked_until: Date | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PlatformMailOutboxTable {
  id: string;
  message: string;
  sent_at: Generated<Date>;
}

export interface DB {
  platform_tenants: PlatformTenantsTable;
  platform_zones: PlatformZonesTable;
  platform_role_assignments: PlatformRoleAssignmentsTable;
  platform_api_tokens: PlatformApiTokensTable;
  platform_audit_events: PlatformAuditEventsTable;
  platform_audit_head: PlatformAuditHeadTable;
  platform_jobs: PlatformJobsTable;
  platform_mail_outbox: PlatformMailOutboxTable;
}
