// Reconciling fee payments left pending (未確定の支払いの確認): a payment the provider settled
// whose webhook never arrived, or a checkout the resident left, would otherwise stay pending for
// ever. A job on the platform's durable queue asks the provider about every payment pending for
// longer than TSUNAGU_PAYMENT_PENDING_MINUTES and settles or expires it (FeePayments.reconcile,
// each change audited with source "reconciliation").
//
// The job is periodic by rescheduling itself: each run first enqueues the next, due at the next
// multiple of TSUNAGU_PAYMENT_RECONCILE_MINUTES, with that slot as its dedupe key, and a process
// running the worker enqueues the same next slot at start. So however many processes run, each
// slot runs once, and a chain that was lost (a job parked as dead) starts again with the next restart.
import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { AppContext } from '../../platform/module.ts';
import { proceduresDb } from '../db/schema.ts';
import { row, type FeePayments } from './fee-payments.ts';

export const RECONCILE_TOPIC = 'procedures.payment-reconciliation';
/** Payments looked at per run (oldest first); the next run takes the rest. */
export const RECONCILE_BATCH = 200;

export interface ReconcileRun {
  checked: number;
  settled: number;
  expired: number;
  failed: number;
}

/** The next run after `now`: at the next whole interval, keyed by it. */
export function nextReconcileRun(now: Date, everyMinutes: number): { runAt: Date; dedupeKey: string } {
  const interval = everyMinutes * 60_000;
  const slot = Math.floor(now.getTime() / interval) + 1;
  return { runAt: new Date(slot * interval), dedupeKey: `${RECONCILE_TOPIC}:${everyMinutes}:${slot}` };
}

export async function scheduleReconciliation(app: AppContext, db: Database = app.db, now = new Date()): Promise<void> {
  const next = nextReconcileRun(now, app.config.paymentReconciliation.everyMinutes);
  await app.queue.enqueue(db, RECONCILE_TOPIC, {}, { runAt: next.runAt, dedupeKey: next.dedupeKey, maxAttempts: 5 });
}

/** Settles or expires the payments pending longer than the configured minutes. */
export async function reconcilePendingPayments(app: AppContext, payments: FeePayments): Promise<ReconcileRun> {
  const rows = await proceduresDb(app.db)
    .selectFrom('procedures_payments').selectAll()
    .where('status', '=', 'pending')
    .where('updated_at', '<', sql<Date>`now() - make_interval(mins => ${app.config.paymentReconciliation.pendingMinutes})`)
    .orderBy('updated_at').limit(RECONCILE_BATCH)
    .execute();
  const run: ReconcileRun = { checked: rows.length, settled: 0, expired: 0, failed: 0 };
  const errors: string[] = [];
  for (const r of rows) {
    // One payment the provider cannot answer for does not hold up the others.
    try {
      const outcome = await payments.reconcile(row(r));
      if (outcome !== 'unchanged') run[outcome] += 1;
    } catch (error) {
      run.failed += 1;
      errors.push(`${r.lg_code}/${r.id}: ${(error as Error).message}`);
    }
  }
  // The job is retried (and its last error kept for operators) when the provider failed us.
  if (errors.length) throw new Error(`Payment reconciliation: ${run.failed} of ${run.checked} payments could not be checked: ${errors.slice(0, 3).join('; ')}`);
  return run;
}

/** The queue's handler: schedules the next run, then reconciles. */
export function reconciliationJob(app: AppContext, payments: FeePayments) {
  return async (): Promise<void> => {
    await scheduleReconciliation(app);
    if (payments.provider) await reconcilePendingPayments(app, payments);
  };
}
