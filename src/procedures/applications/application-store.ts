// Storing bulk applications and their applications. Answers are personal data: they are sealed
// with the platform sealer, bound to the row (its table, column and id), so a sealed value copied
// to another row does not open. Every read is scoped to the person the application is for (the
// applicant, also when a proxy acts for them): an id of someone else's is simply not found.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { FormValues } from '../../platform/ui/form-errors.ts';
import type { Answers } from '../forms/answer-engine.ts';
import type { ApplicationChannel, ApplicationStatus, ProceduresDatabase } from '../db/schema.ts';
import { isUuid } from '../../platform/uuid.ts';

/** The shared section: what was typed, which answers came from the profile, and the choice. */
export interface SharedState {
  values: FormValues;
  /** Shared keys prefilled from the profile (shown as such until changed). */
  prefilled: string[];
  /** Of those, the keys whose value the My Number card verified (shown as such until changed). */
  verified?: string[];
  /** Whether the person allowed prefilling from their profile (null: not asked yet). */
  prefill: 'yes' | 'no' | null;
}

/** One application's own answers as typed, and the normalised answers once submitted. */
export interface OwnState {
  values: FormValues;
  answers?: Answers;
}

export interface StoredApplication {
  lgCode: string;
  id: string;
  bulkId: string;
  position: number;
  procedureCode: string;
  formVersionId: string;
  status: ApplicationStatus;
  practice: boolean;
  receiptNumber: string | null;
  proxyAccountId: string | null;
  channel: ApplicationChannel;
  submittedAt: Date | null;
  updatedAt: Date;
  own: OwnState;
}

export interface StoredBulk {
  id: string;
  lgCode: string;
  applicantAccountId: string;
  proxyAccountId: string | null;
  lifeEventCode: string | null;
  practice: boolean;
  status: 'draft' | 'submitted';
  /** 'counter' when a clerk started it at the counter (書かない窓口, counter/counter-applications.ts). */
  channel: ApplicationChannel;
  submissionKey: string;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  shared: SharedState;
  applications: StoredApplication[];
}

/** Who acts: the person the application is for, and the proxy when one acts for them. */
export interface Applicant {
  accountId: string;
  proxyAccountId: string | null;
  mandateId: string | null;
}

const sharedContext = (id: string) => `procedures_bulk_applications.shared:${id}`;
export const ownContext = (lgCode: string, id: string) => `procedures_applications.answers:${lgCode}/${id}`;

export class ApplicationStore {
  constructor(private readonly sealer: Sealer) {}

  async createBulk(
    db: ProceduresDatabase,
    input: { lgCode: string; applicant: Applicant; lifeEventCode: string | null; practice: boolean; channel?: ApplicationChannel; shared?: SharedState; procedures: Array<{ lgCode: string; code: string; formVersionId: string; own?: FormValues; copiedFrom?: string }> },
  ): Promise<string> {
    const id = randomUUID();
    const shared: SharedState = input.shared ?? { values: {}, prefilled: [], prefill: null };
    await db
      .insertInto('procedures_bulk_applications')
      .values({ id, lg_code: input.lgCode, applicant_account_id: input.applicant.accountId, proxy_account_id: input.applicant.proxyAccountId, mandate_id: input.applicant.mandateId, life_event_code: input.lifeEventCode, practice: input.practice, shared_sealed: this.sealer.sealJson(shared, sharedContext(id)) })
      .execute();
    for (const [position, p] of input.procedures.entries()) {
      const appId = randomUUID();
      await db
        .insertInto('procedures_applications')
        .values({
          lg_code: p.lgCode, id: appId, bulk_id: id, position, procedure_code: p.code, form_version_id: p.formVersionId,
          applicant_account_id: input.applicant.accountId, proxy_account_id: input.applicant.proxyAccountId, mandate_id: input.applicant.mandateId,
          practice: input.practice, channel: input.channel ?? 'online', answers_sealed: this.sealer.sealJson({ values: p.own ?? {} } satisfies OwnState, ownContext(p.lgCode, appId)), copied_from: p.copiedFrom ?? null,
        })
        .execute();
    }
    return id;
  }

  /**
   * A bulk application of this person, with its applications, or undefined. A draft started at the
   * counter is the clerk's work until the resident confirms it there: only `{ counter: true }`
   * (the counter pages, which check the clerk's office) finds it, and only that finds counter ones.
   */
  async findBulk(db: ProceduresDatabase, id: string, ownerAccountId: string, options: { counter?: boolean } = {}): Promise<StoredBulk | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await db.selectFrom('procedures_bulk_applications').selectAll().where('id', '=', id).where('applicant_account_id', '=', ownerAccountId).executeTakeFirst();
    if (!row) return undefined;
    const apps = await db.selectFrom('procedures_applications').selectAll().where('bulk_id', '=', id).orderBy('position').execute();
    const channel = apps[0]?.channel ?? 'online';
    if (options.counter ? channel !== 'counter' : channel === 'counter' && row.status === 'draft') return undefined;
    return {
      id: row.id, lgCode: row.lg_code, applicantAccountId: row.applicant_account_id, proxyAccountId: row.proxy_account_id, lifeEventCode: row.life_event_code,
      practice: row.practice, status: row.status, channel, submissionKey: row.submission_key, createdAt: row.created_at, updatedAt: row.updated_at, submittedAt: row.submitted_at,
      shared: this.sealer.openJson<SharedState>(row.shared_sealed, sharedContext(row.id)),
      applications: apps.map((a) => this.application(a)),
    };
  }

  private application(a: { lg_code: string; id: string; bulk_id: string; position: number; procedure_code: string; form_version_id: string; status: ApplicationStatus; practice: boolean; receipt_number: string | null; proxy_account_id: string | null; channel: ApplicationChannel; submitted_at: Date | null; updated_at: Date; answers_sealed: string }): StoredApplication {
    return {
      lgCode: a.lg_code, id: a.id, bulkId: a.bulk_id, position: a.position, procedureCode: a.procedure_code, formVersionId: a.form_version_id, status: a.status, practice: a.practice,
      receiptNumber: a.receipt_number, proxyAccountId: a.proxy_account_id, channel: a.channel, submittedAt: a.submitted_at, updatedAt: a.updated_at,
      own: this.sealer.openJson<OwnState>(a.answers_sealed, ownContext(a.lg_code, a.id)),
    };
  }

  async saveShared(db: ProceduresDatabase, id: string, shared: SharedState): Promise<void> {
    await db.updateTable('procedures_bulk_applications').set({ shared_sealed: this.sealer.sealJson(shared, sharedContext(id)), updated_at: sql<Date>`now()`, version: sql<number>`version + 1` }).where('id', '=', id).where('status', '=', 'draft').execute();
  }

  async saveOwn(db: ProceduresDatabase, application: Pick<StoredApplication, 'lgCode' | 'id' | 'bulkId'>, own: OwnState): Promise<void> {
    await db.updateTable('procedures_applications').set({ answers_sealed: this.sealer.sealJson(own, ownContext(application.lgCode, application.id)), updated_at: sql<Date>`now()`, version: sql<number>`version + 1` }).where('lg_code', '=', application.lgCode).where('id', '=', application.id).where('status', '=', 'draft').execute();
    await db.updateTable('procedures_bulk_applications').set({ updated_at: sql<Date>`now()` }).where('id', '=', application.bulkId).execute();
  }

  /** This person's applications that are not drafts, newest first (practice ones are never kept). */
  async listSubmitted(db: ProceduresDatabase, ownerAccountId: string): Promise<StoredApplication[]> {
    const rows = await db.selectFrom('procedures_applications').selectAll().where('applicant_account_id', '=', ownerAccountId).where('status', '<>', 'draft').where('practice', '=', false).orderBy('submitted_at', 'desc').orderBy('position').limit(200).execute();
    return rows.map((a) => this.application(a));
  }

  /** This person's draft bulk applications, most recently changed first (not a clerk's counter drafts). */
  async listDrafts(db: ProceduresDatabase, ownerAccountId: string): Promise<Array<{ id: string; practice: boolean; updatedAt: Date; procedures: Array<{ lgCode: string; code: string }> }>> {
    const rows = await db
      .selectFrom('procedures_bulk_applications as b')
      .innerJoin('procedures_applications as a', 'a.bulk_id', 'b.id')
      .select(['b.id', 'b.practice', 'b.updated_at', 'a.lg_code', 'a.procedure_code', 'a.position'])
      .where('b.applicant_account_id', '=', ownerAccountId)
      .where('b.status', '=', 'draft')
      .where('a.channel', '=', 'online')
      .orderBy('b.updated_at', 'desc')
      .orderBy('a.position')
      .limit(500)
      .execute();
    const byId = new Map<string, { id: string; practice: boolean; updatedAt: Date; procedures: Array<{ lgCode: string; code: string }> }>();
    for (const r of rows) {
      const found = byId.get(r.id) ?? { id: r.id, practice: r.practice, updatedAt: r.updated_at, procedures: [] };
      found.procedures.push({ lgCode: r.lg_code, code: r.procedure_code });
      byId.set(r.id, found);
    }
    return [...byId.values()];
  }

  async findApplication(db: ProceduresDatabase, lgCode: string, id: string, ownerAccountId: string): Promise<StoredApplication | undefined> {
    if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(id)) return undefined;
    const row = await db.selectFrom('procedures_applications').selectAll().where('lg_code', '=', lgCode).where('id', '=', id).where('applicant_account_id', '=', ownerAccountId).executeTakeFirst();
    return row && this.application(row);
  }

  /** Any submitted application by its key, for the back office (which checks who may see it). */
  async findForStaff(db: ProceduresDatabase, lgCode: string, id: string): Promise<(StoredApplication & { applicantAccountId: string }) | undefined> {
    if (!/^[0-9]{6}$/.test(lgCode) || !isUuid(id)) return undefined;
    const row = await db.selectFrom('procedures_applications').selectAll().where('lg_code', '=', lgCode).where('id', '=', id).where('status', '<>', 'draft').where('practice', '=', false).executeTakeFirst();
    return row && { ...this.application(row), applicantAccountId: row.applicant_account_id };
  }

  /** Opens a bulk application's shared answers read in a query of its own (the counter's list of drafts). */
  openShared(id: string, sealed: string): SharedState {
    return this.sealer.openJson<SharedState>(sealed, sharedContext(id));
  }

  /** Opens an application's answers read in a query of its own (the back office's lists). */
  openOwn(lgCode: string, id: string, sealed: string): OwnState {
    return this.sealer.openJson<OwnState>(sealed, ownContext(lgCode, id));
  }

  async deleteDraft(db: ProceduresDatabase, id: string, ownerAccountId: string): Promise<boolean> {
    if (!(await this.findBulk(db, id, ownerAccountId))) return false;
    const deleted = await db.deleteFrom('procedures_bulk_applications').where('id', '=', id).where('applicant_account_id', '=', ownerAccountId).where('status', '=', 'draft').executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1;
  }

  /** Moves an application from one status to another; false when it was not in `from`. */
  async transition(db: ProceduresDatabase, application: Pick<StoredApplication, 'lgCode' | 'id'>, from: ApplicationStatus, to: ApplicationStatus, actor: string, extra: { receiptNumber?: string; own?: OwnState } = {}): Promise<boolean> {
    const updated = await db
      .updateTable('procedures_applications')
      .set({
        status: to, updated_at: sql<Date>`now()`, version: sql<number>`version + 1`,
        ...(to === 'submitted' ? { submitted_at: sql<Date>`now()` } : {}),
        ...(to === 'approved' || to === 'rejected' ? { decided_at: sql<Date>`now()` } : {}),
        ...(extra.receiptNumber ? { receipt_number: extra.receiptNumber } : {}),
        ...(extra.own ? { answers_sealed: this.sealer.sealJson(extra.own, ownContext(application.lgCode, application.id)) } : {}),
      })
      .where('lg_code', '=', application.lgCode).where('id', '=', application.id).where('status', '=', from)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await db.insertInto('procedures_application_events').values({ lg_code: application.lgCode, application_id: application.id, from_status: from, to_status: to, actor }).execute();
    return true;
  }
}

/**
 * A receipt number (受付番号) people can read out on the phone: the owning tenant's code, the
 * date in Japan and the running number of procedures_receipts, e.g. 「072028-20261203-000042」.
 * Unique by that number and by the column's constraint.
 */
export async function nextReceiptNumber(db: ProceduresDatabase, application: { lgCode: string; id: string }, todayIso: string): Promise<string> {
  const { seq } = await db.insertInto('procedures_receipts').values({ lg_code: application.lgCode, application_id: application.id }).returning('seq').executeTakeFirstOrThrow();
  return `${application.lgCode}-${todayIso.replaceAll('-', '')}-${String(seq).padStart(6, '0')}`;
}
