// Row types of the identity module's tables, joined with the platform's for this module's queries.
import type { ColumnType, Generated, JSONColumnType, Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.ts';
import type { Database } from '../../platform/db/database.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type AccountKind = 'resident' | 'business' | 'staff';
export type AssuranceLevel = 'A' | 'B' | 'C';

export interface IdentityAccountsTable {
  id: Generated<string>;
  kind: AccountKind;
  lg_code: string;
  email_index: string;
  email_sealed: string;
  email_verified_at: Timestamp | null;
  password_hash: string | null;
  status: Generated<'active' | 'invited' | 'disabled'>;
  assurance_level: Generated<AssuranceLevel>;
  display_name_sealed: string | null;
  last_login_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface IdentitySessionsTable {
  id_hash: string;
  account_id: string;
  stage: 'partial' | 'complete';
  methods: ColumnType<string[], string[] | undefined, string[]>;
  acr: Generated<AssuranceLevel>;
  user_agent: string | null;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  acting_for: Generated<string | null>;
}

export type EmailTokenPurpose = 'verify_email' | 'reset_password' | 'staff_invite';

export interface IdentityEmailTokensTable {
  token_hash: string;
  account_id: string;
  purpose: EmailTokenPurpose;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface IdentityLoginFailuresTable {
  kind: string;
  email_index: string;
  failures: Generated<number>;
  first_failed_at: Generated<Date>;
  locked_until: Timestamp | null;
}

export interface IdentityTotpTable {
  account_id: string;
  secret_sealed: string;
  confirmed_at: Timestamp | null;
  last_step: Generated<number>;
  created_at: Generated<Date>;
}

export interface IdentityRecoveryCodesTable {
  account_id: string;
  code_hash: string;
  used_at: Timestamp | null;
}

export interface IdentityPasskeysTable {
  credential_id: string;
  account_id: string;
  public_key: string;
  counter: number;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  name: string;
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
}

export interface ProfileContact {
  email?: boolean;
  inApp?: boolean;
}

export interface IdentityProfilesTable {
  account_id: string;
  personal_sealed: string;
  residence_lg_code: string | null;
  workplace_lg_code: string | null;
  language: Generated<'ja' | 'en'>;
  contact: JSONColumnType<ProfileContact, string | undefined, string>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface IdentityOidcModelsTable {
  model: string;
  id: string;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface OidcClientMetadata {
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  scope: string;
}

export interface IdentityOidcClientsTable {
  client_id: string;
  lg_code: string;
  name_ja: string;
  name_en: string;
  metadata: JSONColumnType<OidcClientMetadata, string, string>;
  secret_sealed: string | null;
  status: Generated<'active' | 'suspended'>;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
}

export interface IdentityOidcKeysTable {
  kid: string;
  jwk_sealed: string;
  status: 'current' | 'previous' | 'retired';
  created_at: Generated<Date>;
  retired_at: Timestamp | null;
}

export type ChallengePurpose = 'passkey_register' | 'passkey_login' | 'jpki' | 'counter_code';

export interface IdentityChallengesTable {
  id: string;
  purpose: ChallengePurpose;
  account_id: string | null;
  challenge: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface IdentityJpkiBindingsTable {
  account_id: string;
  certificate_fingerprint: string;
  issuer: string;
  serial_number: string;
  not_after: Timestamp;
  basic_four_sealed: string;
  person_index: string;
  bound_at: Generated<Date>;
  last_verified_at: Generated<Date>;
}

export interface IdentityGbizidLinksTable {
  account_id: string;
  issuer: string;
  subject: string;
  account_type: 'entry' | 'prime' | 'member';
  corp_type: 'corporation' | 'sole_proprietor';
  corporate_number: string | null;
  corporate_name_sealed: string;
  representative: boolean;
  linked_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface IdentityGbizidPendingTable {
  state_hash: string;
  nonce: string;
  code_verifier_sealed: string;
  return_to: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Date>;
}

export const IDENTITY_DOCUMENTS = ['drivers_license', 'passport', 'residence_card', 'my_number_card', 'disability_certificate', 'other_photo_id'] as const;
export type IdentityDocument = (typeof IDENTITY_DOCUMENTS)[number];

export interface IdentityIdentityChecksTable {
  id: Generated<string>;
  account_id: string;
  lg_code: string;
  document_type: IdentityDocument;
  checked_by: string;
  profile_version: number;
  checked_at: Generated<Date>;
}

export interface IdentityMandatesTable {
  id: Generated<string>;
  grantor_account_id: string;
  proxy_account_id: string | null;
  invite_hash: string | null;
  scope: 'all' | 'listed';
  description_sealed: string | null;
  valid_until: ColumnType<string, string, string>;
  source: 'resident' | 'counter';
  lg_code: string | null;
  created_by: string;
  status: 'pending' | 'active' | 'revoked';
  accepted_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  created_at: Generated<Date>;
}

export interface IdentityMandateProceduresTable {
  mandate_id: string;
  lg_code: string;
  procedure_code: string;
}

export interface IdentityMandateDocumentsTable {
  mandate_id: string;
  filename: string;
  content_type: string;
  size: number;
  content_sealed: string;
  uploaded_by: string;
  uploaded_at: Generated<Date>;
}

export interface IdentityEmailChangesTable {
  token_hash: string;
  account_id: string;
  new_email_index: string;
  new_email_sealed: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Generated<Date>;
}

export interface IdentityTables {
  identity_email_changes: IdentityEmailChangesTable;
  identity_mandates: IdentityMandatesTable;
  identity_mandate_documents: IdentityMandateDocumentsTable;
  identity_mandate_procedures: IdentityMandateProceduresTable;
  identity_identity_checks: IdentityIdentityChecksTable;
  identity_gbizid_links: IdentityGbizidLinksTable;
  identity_gbizid_pending: IdentityGbizidPendingTable;
  identity_jpki_bindings: IdentityJpkiBindingsTable;
  identity_challenges: IdentityChallengesTable;
  identity_oidc_models: IdentityOidcModelsTable;
  identity_oidc_clients: IdentityOidcClientsTable;
  identity_oidc_keys: IdentityOidcKeysTable;
  identity_accounts: IdentityAccountsTable;
  identity_sessions: IdentitySessionsTable;
  identity_email_tokens: IdentityEmailTokensTable;
  identity_login_failures: IdentityLoginFailuresTable;
  identity_totp: IdentityTotpTable;
  identity_recovery_codes: IdentityRecoveryCodesTable;
  identity_passkeys: IdentityPasskeysTable;
  identity_profiles: IdentityProfilesTable;
}

export type IdentityDB = DB & IdentityTables;
export type IdentityDatabase = Kysely<IdentityDB>;

/** The platform handle seen with this module's tables (same connection, wider type). */
export function identityDb(db: Database): IdentityDatabase {
  return db as unknown as IdentityDatabase;
}

/** The same handle typed for platform functions (audit, queue, mail, role assignments). */
export function platformDb(db: IdentityDatabase): Database {
  return db as unknown as Database;
}
