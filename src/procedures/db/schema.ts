// Row types of the procedures module's tables, joined with the platform's for this module's queries.
import type { ColumnType, Generated, JSONColumnType, Kysely } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { DB } from '../../platform/db/schema.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type AssuranceLevel = 'A' | 'B' | 'C';
export type Channel = 'portal' | 'external' | 'counter';
export type ProcedureStatus = 'draft' | 'published';

export interface DepartmentContact {
  phone?: string;
  email?: string;
  placeJa?: string;
  placeEn?: string;
}

export interface ProceduresLifeEventsTable {
  code: string;
  name_ja: string;
  name_en: string;
  description_ja: Generated<string>;
  description_en: Generated<string>;
  sort_order: Generated<number>;
}

export interface ProceduresDepartmentsTable {
  lg_code: string;
  code: string;
  name_ja: string;
  name_en: string;
  contact: JSONColumnType<DepartmentContact, string, string>;
  version: Generated<number>;
  created_by: string;
  updated_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ProceduresProceduresTable {
  lg_code: string;
  code: string;
  department_code: string;
  title_ja: string;
  title_en: string;
  summary_ja: Generated<string>;
  summary_en: Generated<string>;
  kana: Generated<string>;
  search_text: Generated<string>;
  assurance_level: AssuranceLevel;
  channel: Channel;
  external_url: string | null;
  external_name_ja: string | null;
  external_name_en: string | null;
  counter_place_ja: string | null;
  counter_place_en: string | null;
  status: Generated<ProcedureStatus>;
  form_version_id: string | null;
  practice: Generated<boolean>;
  accepts_generic_form: Generated<boolean>;
  sort_order: Generated<number>;
  version: Generated<number>;
  created_by: string;
  updated_by: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProceduresProcedureLifeEventsTable {
  lg_code: string;
  procedure_code: string;
  life_event_code: string;
}

export interface ProceduresProcedureFeesTable {
  lg_code: string;
  procedure_code: string;
  position: number;
  label_ja: string;
  label_en: string;
  amount_yen: number;
}

export interface ProceduresProcedureDocumentsTable {
  lg_code: string;
  procedure_code: string;
  position: number;
  name_ja: string;
  name_en: string;
  note_ja: Generated<string>;
  note_en: Generated<string>;
  required: Generated<boolean>;
}

export interface ProceduresNavigationsTable {
  lg_code: string;
  life_event_code: string;
  current_version: number;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProceduresNavigationVersionsTable {
  lg_code: string;
  life_event_code: string;
  version: number;
  definition: JSONColumnType<object, string, string>;
  created_by: string;
  created_at: Generated<Date>;
}

export interface ProceduresFieldDictionaryTable {
  key: string;
  type: string;
  label_ja: string;
  label_en: string;
  field: JSONColumnType<object, string, string>;
  sort_order: Generated<number>;
}

export interface ProceduresFormsTable {
  lg_code: string;
  code: string;
  title_ja: string;
  title_en: string;
  draft: JSONColumnType<object, string, string>;
  is_template: Generated<boolean>;
  copied_from: string | null;
  draft_version: Generated<number>;
  latest_version: number | null;
  created_by: string;
  updated_by: string;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ProceduresFormVersionsTable {
  lg_code: string;
  id: Generated<string>;
  form_code: string;
  version: number;
  definition: JSONColumnType<object, string, string>;
  published_by: string;
  published_at: Generated<Date>;
}

export type ApplicationStatus = 'draft' | 'submitted' | 'received' | 'returned' | 'resubmitted' | 'approved' | 'rejected' | 'withdrawn';

/** How an application reached the municipality: the portal, or entered by a clerk at the counter. */
export type ApplicationChannel = 'online' | 'counter';

export interface ProceduresPaperCountsTable {
  lg_code: string;
  procedure_code: string;
  /** YYYY-MM, a month in Japan time. */
  month: string;
  count: number;
  recorded_by: string;
  recorded_at: Generated<Date>;
}

export interface ProceduresBulkApplicationsTable {
  id: Generated<string>;
  lg_code: string;
  applicant_account_id: string;
  proxy_account_id: string | null;
  mandate_id: string | null;
  life_event_code: string | null;
  practice: Generated<boolean>;
  status: Generated<'draft' | 'submitted'>;
  shared_sealed: string;
  submission_key: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  submitted_at: Date | null;
}

export interface ProceduresApplicationsTable {
  lg_code: string;
  id: Generated<string>;
  bulk_id: string;
  position: number;
  procedure_code: string;
  form_version_id: string;
  applicant_account_id: string;
  proxy_account_id: string | null;
  mandate_id: string | null;
  practice: Generated<boolean>;
  channel: Generated<ApplicationChannel>;
  status: Generated<ApplicationStatus>;
  answers_sealed: string;
  receipt_number: string | null;
  copied_from: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  submitted_at: Date | null;
  decided_at: Date | null;
}

export interface ProceduresApplicationEventsTable {
  lg_code: string;
  application_id: string;
  seq: Generated<string>;
  from_status: string | null;
  to_status: string;
  actor: string;
  occurred_at: Generated<Date>;
}

export interface ProceduresApplicationFilesTable {
  lg_code: string;
  application_id: string;
  field_key: string;
  filename: string;
  content_type: string;
  bytes: number;
  data_sealed: string;
  created_at: Generated<Date>;
}

export interface ProceduresReceiptsTable {
  seq: Generated<string>;
  lg_code: string;
  application_id: string;
  issued_at: Generated<Date>;
}

export interface ProceduresApplicationSubmissionsTable {
  submission_key: string;
  bulk_id: string | null;
  practice: boolean;
  created_at: Generated<Date>;
}

export type StageKind = 'receive' | 'check' | 'approve';
export type StageRole = 'reviewer' | 'approver' | 'counter_clerk' | 'municipal_admin';

/** One stage of a routing: who acts (a department and a role) and in how many working days. */
export interface Stage {
  kind: StageKind;
  departmentCode: string;
  role: StageRole;
  days: number;
}

export interface ProcedureRef {
  lgCode: string;
  code: string;
}

export interface ProceduresRoutingsTable {
  lg_code: string;
  procedure_code: string;
  stages: JSONColumnType<Stage[], string, string>;
  after: JSONColumnType<ProcedureRef[], string, string>;
  issue_document: boolean;
  document_title: string | null;
  version: Generated<number>;
  updated_by: string;
  updated_at: Timestamp;
}

export interface ProceduresStaffDepartmentsTable {
  lg_code: string;
  department_code: string;
  principal_id: string;
  display_name: string;
  added_by: string;
  added_at: Generated<Date>;
}

export interface ProceduresApplicationReplacedFilesTable {
  seq: Generated<number>;
  lg_code: string;
  application_id: string;
  field_key: string;
  filename: string;
  content_type: string;
  bytes: number;
  data_sealed: string;
  attached_at: Date;
  replaced_at: Generated<Date>;
}

export interface ProceduresStaffNotificationSettingsTable {
  principal_id: string;
  arrival_mail: boolean;
  updated_at: Generated<Date>;
}

export interface ProceduresApplicationWorkTable {
  lg_code: string;
  application_id: string;
  bulk_id: string;
  procedure_code: string;
  stages: JSONColumnType<Stage[], string, string>;
  after: JSONColumnType<ProcedureRef[], string, string>;
  issue_document: boolean;
  document_title: string | null;
  stage_index: Generated<number>;
  department_code: string;
  assignee: string | null;
  assignee_name: string | null;
  stage_started_at: Timestamp;
  due_on: string;
  version: Generated<number>;
}

export type WorkAction = 'received' | 'checked' | 'approved' | 'returned' | 'resubmitted' | 'rejected' | 'assigned' | 'commented' | 'issued';

/** A reason for returning an application, about one field (or the whole application: field null). */
export interface ReturnReason {
  field: string | null;
  reason: string;
}

export interface ProceduresApplicationActionsTable {
  lg_code: string;
  application_id: string;
  seq: Generated<string>;
  action: WorkAction;
  stage_index: number;
  actor: string;
  actor_name: string;
  note: string | null;
  reasons: JSONColumnType<ReturnReason[], string, string> | null;
  changes_sealed: string | null;
  occurred_at: Generated<Date>;
}

export type PaymentStatus = 'pending' | 'paid' | 'failed' | 'cancelled' | 'refunded';

export interface ProceduresPaymentsTable {
  lg_code: string;
  id: Generated<string>;
  application_id: string;
  applicant_account_id: string;
  amount_yen: number;
  status: Generated<PaymentStatus>;
  provider: string;
  provider_payment_id: string | null;
  checkout_url: string | null;
  failure_code: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  paid_at: Date | null;
  refunded_at: Date | null;
}

export interface ProceduresPaymentWebhooksTable {
  provider: string;
  event_id: string;
  event_type: string;
  provider_payment_id: string;
  received_at: Generated<Date>;
}

export interface ProceduresGenericApplicationsTable {
  lg_code: string;
  application_id: string;
  department_code: string;
  title: string | null;
}

/** A My Number card signature over an application's content (level A), see application-signatures.ts. */
export interface ProceduresApplicationSignaturesTable {
  lg_code: string;
  application_id: string;
  manifest: string;
  signature: string;
  certificate_sealed: string;
  certificate_fingerprint: string;
  signed_at: Generated<Date>;
}

/** A bulk application a clerk started at the counter (書かない窓口), see counter/counter-applications.ts. */
export interface ProceduresCounterApplicationsTable {
  bulk_id: string;
  lg_code: string;
  started_by: string;
  started_by_name: string;
  started_at: Generated<Date>;
  confirmed_at: Date | null;
  confirmed_by: string | null;
  confirmed_digest: string | null;
}

export interface ProceduresTables {
  procedures_counter_applications: ProceduresCounterApplicationsTable;
  procedures_routings: ProceduresRoutingsTable;
  procedures_staff_departments: ProceduresStaffDepartmentsTable;
  procedures_staff_notification_settings: ProceduresStaffNotificationSettingsTable;
  procedures_application_replaced_files: ProceduresApplicationReplacedFilesTable;
  procedures_application_work: ProceduresApplicationWorkTable;
  procedures_application_actions: ProceduresApplicationActionsTable;
  procedures_generic_applications: ProceduresGenericApplicationsTable;
  procedures_payments: ProceduresPaymentsTable;
  procedures_payment_webhooks: ProceduresPaymentWebhooksTable;
  procedures_application_signatures: ProceduresApplicationSignaturesTable;
  procedures_bulk_applications: ProceduresBulkApplicationsTable;
  procedures_applications: ProceduresApplicationsTable;
  procedures_application_events: ProceduresApplicationEventsTable;
  procedures_application_submissions: ProceduresApplicationSubmissionsTable;
  procedures_receipts: ProceduresReceiptsTable;
  procedures_application_files: ProceduresApplicationFilesTable;
  procedures_paper_counts: ProceduresPaperCountsTable;
  procedures_field_dictionary: ProceduresFieldDictionaryTable;
  procedures_forms: ProceduresFormsTable;
  procedures_form_versions: ProceduresFormVersionsTable;
  procedures_life_events: ProceduresLifeEventsTable;
  procedures_departments: ProceduresDepartmentsTable;
  procedures_procedures: ProceduresProceduresTable;
  procedures_procedure_life_events: ProceduresProcedureLifeEventsTable;
  procedures_procedure_fees: ProceduresProcedureFeesTable;
  procedures_procedure_documents: ProceduresProcedureDocumentsTable;
  procedures_navigations: ProceduresNavigationsTable;
  procedures_navigation_versions: ProceduresNavigationVersionsTable;
}

export type ProceduresDB = DB & ProceduresTables;
export type ProceduresDatabase = Kysely<ProceduresDB>;

export function proceduresDb(db: Database): ProceduresDatabase {
  return db as unknown as ProceduresDatabase;
}
