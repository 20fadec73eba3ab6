// In the transaction that submits applications: one delivery row and one job for each
// application whose tenant has an enabled endpoint covering its procedure. Both commit with the
// submission or not at all, so a crash can neither lose a delivery nor deliver a draft.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import type { AppContext } from '../../platform/module.ts';
import type { SubmittedApplication } from '../../procedures/exports.ts';
import { deliveryDb } from '../db/schema.ts';
import { coveringEndpoints } from '../endpoints/endpoint-store.ts';

export const DELIVERY_TOPIC = 'delivery.send';
/** Attempts before a delivery is failed and shown to staff (about an hour and a half of backoff). */
export const DELIVERY_ATTEMPTS = 12;

export interface DeliveryJob {
  deliveryId: string;
}

export async function enqueueDelivery(app: AppContext, trx: Database, deliveryId: string, retry: number): Promise<void> {
  const jobId = await app.queue.enqueue(trx, DELIVERY_TOPIC, { deliveryId } satisfies DeliveryJob, { maxAttempts: DELIVERY_ATTEMPTS, dedupeKey: `${DELIVERY_TOPIC}:${deliveryId}:${retry}` });
  if (jobId !== null) await deliveryDb(trx).updateTable('delivery_deliveries').set({ job_id: jobId }).where('id', '=', deliveryId).execute();
}

export function deliveriesOnSubmit(app: AppContext) {
  return async (trx: Database, submitted: SubmittedApplication[]): Promise<void> => {
    const db = deliveryDb(trx);
    const endpoints = await coveringEndpoints(db, [...new Set(submitted.map((s) => s.lgCode))]);
    for (const application of submitted) {
      const endpoint = endpoints.get(application.lgCode);
      if (!endpoint || (endpoint.procedures && !endpoint.procedures.includes(application.procedureCode))) continue;
      const id = randomUUID();
      await db.insertInto('delivery_deliveries').values({ id, lg_code: application.lgCode, application_id: application.id, job_id: null, last_error: null, last_http_status: null, delivered_at: null }).execute();
      await enqueueDelivery(app, trx, id, 0);
    }
  };
}
