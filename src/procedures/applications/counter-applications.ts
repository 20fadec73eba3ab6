// Counter assistance (書かない窓口, 003B; issue 6 part 6): a clerk starts a bulk application for a
// resident standing at the counter, found by the code the resident shows from My page (never by a
// search of residents), with the shared answers prefilled from the resident's recorded details.
// The clerk fills in the rest, asking the resident; the resident reads everything on the counter
// screen, confirms it (and signs with the My Number card when a procedure needs level A); only
// then is it submitted, like any application, with channel 'counter'. Only staff with
// procedures.assist_at_counter at the office (the clerk's municipality) see or continue it.
import { createHash } from 'node:crypto';
import { appendAudit } from '../../platform/audit/audit-log.ts';
import { actorId, type Actor } from '../../platform/authz/actor.ts';
import type { Database } from '../../platform/db/database.ts';
import { validateAnswers } from '../forms/answer-engine.ts';
import type { Procedure } from '../catalog/catalog-store.ts';
import { proceduresDb } from '../db/schema.ts';
import type { ProceduresContext } from '../procedures-context.ts';
import { ApplicationStore, type StoredBulk } from './application-store.ts';
import { formValuesOf, loadFlow, type Flow } from './application-flow.ts';
import { canonicalJson } from './application-signatures.ts';
import { listAttachments, openAttachment } from './attachments.ts';
import { recordedDetails, recordedPrefill } from './profile-prefill.ts';

export const PERMISSION = 'procedures.assist_at_counter';

export interface Meta { ip: string | null; requestId: string | null }

export interface CounterApplication {
  officeLgCode: string;
  startedBy: string;
  startedByName: string;
  startedAt: Date;
  confirmedAt: Date | null;
  bulk: StoredBulk;
}

const audit = (db: Database, clerk: Actor, action: string, officeLgCode: string, bulkId: string, meta: Meta, details: Record<string, unknown>) =>
  appendAudit(db, { actor: actorId(clerk), action, lgCode: officeLgCode, subject: `bulk:${bulkId}`, ip: meta.ip, requestId: meta.requestId, details });

/**
 * Starts the application: a draft with channel 'counter', the shared answers prefilled from the
 * resident's profile (marked as prefilled until changed), the office and clerk recorded, audited.
 */
export async function startCounterApplication(
  ctx: ProceduresContext,
  clerk: Actor,
  input: { officeLgCode: string; residentAccountId: string; procedures: Procedure[] },
  meta: Meta,
): Promise<string> {
  await ctx.app.guard.assert(clerk, PERMISSION, input.officeLgCode);
  const store = new ApplicationStore(ctx.app.sealer);
  const recorded = await recordedDetails(ctx.app, input.residentAccountId);
  return ctx.app.db.transaction().execute(async (trx) => {
    const db = proceduresDb(trx);
    const applicant = { accountId: input.residentAccountId, proxyAccountId: null, mandateId: null };
    const id = await store.createBulk(db, {
      lgCode: input.officeLgCode, applicant, lifeEventCode: null, practice: false, channel: 'counter',
      shared: { values: {}, prefilled: [], prefill: recorded.details || recorded.card ? 'yes' : 'no' },
      procedures: input.procedures.map((p) => ({ lgCode: p.lgCode, code: p.code, formVersionId: p.formVersionId! })),
    });
    const bulk = (await store.findBulk(db, id, input.residentAccountId, { counter: true }))!;
    const flow = await loadFlow(db, bulk);
    // What the card verified wins over what the resident typed into their profile.
    const filled = recordedPrefill(recorded, flow.shared);
    await store.saveShared(db, id, { values: filled.values, prefilled: filled.keys, verified: filled.verified, prefill: bulk.shared.prefill });
    await db.insertInto('procedures_counter_applications').values({ bulk_id: id, lg_code: input.officeLgCode, started_by: actorId(clerk), started_by_name: clerk.kind === 'principal' ? clerk.displayName : actorId(clerk) }).execute();
    await audit(trx, clerk, 'procedures.counter_started', input.officeLgCode, id, meta, { resident: input.residentAccountId, procedures: input.procedures.map((p) => `${p.lgCode}/${p.code}`), prefilled: filled.keys, verifiedByCard: filled.verified });
    return id;
  });
}

/** A counter application, only for staff who may assist at its office; undefined otherwise (never say whose). */
export async function findCounterApplication(ctx: ProceduresContext, clerk: Actor, bulkId: string): Promise<CounterApplication | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(bulkId)) return undefined;
  const row = await ctx.db
    .selectFrom('procedures_counter_applications as c')
    .innerJoin('procedures_bulk_applications as b', 'b.id', 'c.bulk_id')
    .select(['c.lg_code', 'c.started_by', 'c.started_by_name', 'c.started_at', 'c.confirmed_at', 'b.applicant_account_id'])
    .where('c.bulk_id', '=', bulkId)
    .executeTakeFirst();
  if (!row || !(await ctx.app.guard.can(clerk, PERMISSION, row.lg_code))) return undefined;
  const bulk = await new ApplicationStore(ctx.app.sealer).findBulk(ctx.db, bulkId, row.applicant_account_id, { counter: true });
  return bulk && { officeLgCode: row.lg_code, startedBy: row.started_by, startedByName: row.started_by_name, startedAt: row.started_at, confirmedAt: row.confirmed_at, bulk };
}

interface OpenDraft { bulkId: string; officeLgCode: string; residentName: string; startedByName: string; startedAt: Date; procedures: Array<{ lgCode: string; code: string }> }

/**
 * The drafts started at these offices and not yet submitted or cancelled, oldest first, with the
 * name as entered (so the clerk knows whose is whose when several wait).
 */
export async function openCounterDrafts(ctx: ProceduresContext, offices: string[]): Promise<OpenDraft[]> {
  if (offices.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('procedures_counter_applications as c')
    .innerJoin('procedures_bulk_applications as b', 'b.id', 'c.bulk_id')
    .innerJoin('procedures_applications as a', 'a.bulk_id', 'b.id')
    .select(['c.bulk_id', 'c.lg_code', 'c.started_by_name', 'c.started_at', 'b.shared_sealed', 'a.lg_code as app_lg_code', 'a.procedure_code'])
    .where('c.lg_code', 'in', offices)
    .where('b.status', '=', 'draft')
    .orderBy('c.started_at')
    .orderBy('a.position')
    .limit(500)
    .execute();
  const store = new ApplicationStore(ctx.app.sealer);
  const byId = new Map<string, OpenDraft>();
  for (const r of rows) {
    const name = () => store.openShared(r.bulk_id, r.shared_sealed).values.fullName;
    const found = byId.get(r.bulk_id) ?? { bulkId: r.bulk_id, officeLgCode: r.lg_code, residentName: String(name() ?? ''), startedByName: r.started_by_name, startedAt: r.started_at, procedures: [] };
    found.procedures.push({ lgCode: r.app_lg_code, code: r.procedure_code });
    byId.set(r.bulk_id, found);
  }
  return [...byId.values()];
}

/**
 * The SHA-256 of everything the counter screen shows: each application's normalised answers and
 * attached files (name and content). The screen carries it, and the confirmation must name the same digest, so
 * what the resident confirmed is exactly what is submitted (a change in between: check again).
 */
export async function contentDigestOf(ctx: ProceduresContext, flow: Flow, today: string): Promise<string> {
  const forms = [];
  for (const form of flow.forms) {
    const answers = validateAnswers(form.definition, formValuesOf(flow, form), { today }).values;
    const files: Record<string, string> = {};
    for (const [key, meta] of await listAttachments(ctx.db, form.application)) files[key] = `${meta.filename}:${createHash('sha256').update((await openAttachment(ctx.db, ctx.app.sealer, form.application, key)) ?? Buffer.alloc(0)).digest('hex')}`;
    forms.push({ lgCode: form.application.lgCode, application: form.application.id, procedure: form.application.procedureCode, answers, files });
  }
  return createHash('sha256').update(canonicalJson({ bulk: flow.bulk.id, forms }), 'utf8').digest('hex');
}

/** Records the resident's confirmation in the submission's transaction (submitApplication's beforeSubmit). */
export function recordConfirmation(clerk: Actor, counter: CounterApplication, digest: string, meta: Meta) {
  return async (trx: Database) => {
    const moved = await proceduresDb(trx)
      .updateTable('procedures_counter_applications')
      .set({ confirmed_at: new Date(), confirmed_by: actorId(clerk), confirmed_digest: digest })
      .where('bulk_id', '=', counter.bulk.id)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw new Error(`Counter application ${counter.bulk.id} was already confirmed`);
    await audit(trx, clerk, 'procedures.counter_confirmed', counter.officeLgCode, counter.bulk.id, meta, { resident: counter.bulk.applicantAccountId, digest, declaration: true });
  };
}

/** Cancels a draft left at the counter: deleted with its answers, audited. False when it was no longer a draft. */
export async function cancelCounterApplication(ctx: ProceduresContext, clerk: Actor, counter: CounterApplication, meta: Meta): Promise<boolean> {
  await ctx.app.guard.assert(clerk, PERMISSION, counter.officeLgCode);
  return ctx.app.db.transaction().execute(async (trx) => {
    const deleted = await proceduresDb(trx).deleteFrom('procedures_bulk_applications').where('id', '=', counter.bulk.id).where('status', '=', 'draft').executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) return false;
    await audit(trx, clerk, 'procedures.counter_cancelled', counter.officeLgCode, counter.bulk.id, meta, { resident: counter.bulk.applicantAccountId, procedures: counter.bulk.applications.map((a) => `${a.lgCode}/${a.procedureCode}`) });
    return true;
  });
}
