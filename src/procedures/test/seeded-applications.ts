// Applications with a history, for the monitoring and export tests: created with the store and
// moved through their statuses with ApplicationStore.transition (as the resident's submission and
// the back office do), then each event moved to the time the test needs.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ApplicationStore, type OwnState } from '../applications/application-store.ts';
import { proceduresDb, type ApplicationChannel, type ApplicationStatus } from '../db/schema.ts';
import type { ProceduresWorld } from './procedures-helpers.ts';

export interface SeededApplication {
  lgCode: string;
  procedure: string;
  channel?: ApplicationChannel;
  practice?: boolean;
  /** Statuses in order, each with the instant it happened (ISO, UTC). */
  history: Array<[ApplicationStatus, string]>;
  answers?: OwnState['answers'];
}

export async function seedApplication(world: Pick<ProceduresWorld, 'app'>, seeded: SeededApplication): Promise<{ id: string; receiptNumber: string }> {
  const db = proceduresDb(world.app.ctx.db);
  const store = new ApplicationStore(world.app.ctx.sealer);
  const procedure = await db.selectFrom('procedures_procedures').select('form_version_id').where('lg_code', '=', seeded.lgCode).where('code', '=', seeded.procedure).executeTakeFirstOrThrow();
  const bulkId = await store.createBulk(db, {
    lgCode: seeded.lgCode, applicant: { accountId: randomUUID(), proxyAccountId: null, mandateId: null }, lifeEventCode: null, practice: seeded.practice ?? false,
    procedures: [{ lgCode: seeded.lgCode, code: seeded.procedure, formVersionId: procedure.form_version_id! }],
  });
  const application = await db.selectFrom('procedures_applications').select(['lg_code', 'id']).where('bulk_id', '=', bulkId).executeTakeFirstOrThrow();
  const ref = { lgCode: seeded.lgCode, id: application.id };
  if (seeded.channel) await db.updateTable('procedures_applications').set({ channel: seeded.channel }).where('id', '=', application.id).execute();
  const receiptNumber = `${seeded.lgCode}-T-${application.id.slice(0, 8)}`;
  let from: ApplicationStatus = 'draft';
  for (const [to, at] of seeded.history) {
    const extra = to === 'submitted' ? { receiptNumber, own: { values: {}, answers: seeded.answers ?? {} } } : {};
    if (!(await store.transition(db, ref, from, to, 'test', extra))) throw new Error(`${from} → ${to} refused`);
    await sql`update procedures_application_events set occurred_at = ${at}::timestamptz
      where lg_code = ${seeded.lgCode} and application_id = ${application.id}::uuid and seq = (select max(seq) from procedures_application_events where application_id = ${application.id}::uuid)`.execute(db);
    if (to === 'submitted') await db.updateTable('procedures_applications').set({ submitted_at: new Date(at) }).where('id', '=', application.id).execute();
    from = to;
  }
  return { id: application.id, receiptNumber };
}
