// Reading deliveries for staff, and sending a failed one again. A delivery whose job the queue
// parked without the handler recording it (the worker died during the last attempt) counts as
// failed too, with the queue's error, so nothing stays "pending" for ever unseen.
import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import type { AppContext } from '../../platform/module.ts';
import { deliveryDb, type DeliveryDatabase, type DeliveryStatus } from '../db/schema.ts';
import { enqueueDelivery } from './enqueue-deliveries.ts';

export interface DeliveryView {
  id: string;
  lgCode: string;
  applicationId: string;
  receiptNumber: string | null;
  procedureCode: string;
  status: DeliveryStatus;
  attempts: number;
  retries: number;
  lastError: string | null;
  lastHttpStatus: number | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

export const PAGE_SIZE = 50;

const effectiveStatus = sql<DeliveryStatus>`case when d.status = 'pending' and j.status = 'dead' then 'failed' else d.status end`;

function deliveries(db: DeliveryDatabase) {
  return db
    .selectFrom('delivery_deliveries as d')
    .innerJoin('procedures_applications as a', (j) => j.onRef('a.lg_code', '=', 'd.lg_code').onRef('a.id', '=', 'd.application_id'))
    .leftJoin('platform_jobs as j', (j) => j.on(sql<boolean>`j.id = d.job_id`));
}

export async function listDeliveries(db: DeliveryDatabase, lgCode: string, options: { status?: DeliveryStatus; page: number }): Promise<{ items: DeliveryView[]; total: number }> {
  let query = deliveries(db).where('d.lg_code', '=', lgCode);
  if (options.status) query = query.where(effectiveStatus, '=', options.status);
  const { n } = await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(['d.id', 'd.lg_code', 'd.application_id', 'a.receipt_number', 'a.procedure_code', effectiveStatus.as('status'), 'd.attempts', 'd.retries', 'd.last_http_status', 'd.created_at', 'd.updated_at', 'd.delivered_at'])
    .select(sql<string | null>`coalesce(d.last_error, case when d.status = 'pending' and j.status = 'dead' then j.last_error end)`.as('last_error'))
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id')
    .limit(PAGE_SIZE)
    .offset((options.page - 1) * PAGE_SIZE)
    .execute();
  return {
    total: Number(n),
    items: rows.map((r) => ({
      id: r.id, lgCode: r.lg_code, applicationId: r.application_id, receiptNumber: r.receipt_number, procedureCode: r.procedure_code, status: r.status, attempts: r.attempts, retries: r.retries,
      lastError: r.last_error, lastHttpStatus: r.last_http_status, createdAt: r.created_at, updatedAt: r.updated_at, deliveredAt: r.delivered_at,
    })),
  };
}

export async function findDelivery(db: DeliveryDatabase, lgCode: string, id: string): Promise<DeliveryView | undefined> {
  const row = await deliveries(db)
    .select(['d.id', 'd.lg_code', 'd.application_id', 'a.receipt_number', 'a.procedure_code', effectiveStatus.as('status'), 'd.attempts', 'd.retries', 'd.last_error', 'd.last_http_status', 'd.created_at', 'd.updated_at', 'd.delivered_at'])
    .where('d.lg_code', '=', lgCode)
    .where('d.id', '=', id)
    .executeTakeFirst();
  return row && {
    id: row.id, lgCode: row.lg_code, applicationId: row.application_id, receiptNumber: row.receipt_number, procedureCode: row.procedure_code, status: row.status, attempts: row.attempts, retries: row.retries,
    lastError: row.last_error, lastHttpStatus: row.last_http_status, createdAt: row.created_at, updatedAt: row.updated_at, deliveredAt: row.delivered_at,
  };
}

/** Sends a failed delivery again (same delivery id): false when it is not failed (any more). */
export async function retryDelivery(app: AppContext, trx: Database, lgCode: string, id: string): Promise<boolean> {
  const db = deliveryDb(trx);
  const current = await findDelivery(db, lgCode, id);
  if (!current || current.status !== 'failed') return false;
  const moved = await db
    .updateTable('delivery_deliveries')
    .set({ status: 'pending', retries: sql<number>`retries + 1`, updated_at: sql<Date>`now()` })
    .where('lg_code', '=', lgCode)
    .where('id', '=', id)
    .where('retries', '=', current.retries)
    .returning('retries')
    .executeTakeFirst();
  if (!moved) return false;
  await enqueueDelivery(app, trx, id, moved.retries);
  return true;
}
