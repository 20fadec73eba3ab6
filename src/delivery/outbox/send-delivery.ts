// The job that sends one delivery: build the envelope, sign it with the municipality's key, POST
// it to the tenant's endpoint through the outbound guard (its address policy is checked again
// at sending, redirects are refused), and record the outcome on the delivery row.
//   2xx                               delivered
//   408, 409, 425, 429, 5xx, network  tried again with backoff; failed after DELIVERY_ATTEMPTS
//   other 4xx, no endpoint, refused   failed at once (another try would get the same answer)
// Staff see failed deliveries with the error and can send them again. The endpoint's token never
// appears in an error: messages are built here, and the token is cut out of whatever the
// receiver answered.
import type { JobHandler } from '../../platform/queue/job-queue.ts';
import type { AppContext } from '../../platform/module.ts';
import { OutboundRefused } from '../../platform/outbound/outbound-guard.ts';
import { municipalSigner } from '../../documents/exports.ts';
import { sql } from 'kysely';
import { deliveryDb } from '../db/schema.ts';
import { endpointForSending } from '../endpoints/endpoint-store.ts';
import { buildEnvelope, DeliveryGone } from '../envelope/delivery-envelope.ts';
import { detachedJws, SIGNATURE_HEADER } from '../envelope/detached-jws.ts';
import { DELIVERY_ATTEMPTS, type DeliveryJob } from './enqueue-deliveries.ts';

const TIMEOUT_MS = 30_000;
// The signed body of recent deliveries, so a retry against an unreachable core system does not
// lay out and sign the PDF again each time. Bounded; a restart simply builds it again.
const signedBodies = new Map<string, { body: string; signature: string }>();
const SIGNED_BODIES_KEPT = 64;
const RETRYABLE = new Set([408, 409, 425, 429]);

class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

function describe(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  if (error instanceof OutboundRefused) return new DeliveryFailure(`refused by the outbound address policy: ${error.reason}`, true);
  if (error instanceof DeliveryGone) return new DeliveryFailure(error.message, true);
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new DeliveryFailure(`no answer within ${TIMEOUT_MS / 1000} s`, false);
  const cause = e.cause?.code ?? e.cause?.message;
  return new DeliveryFailure(`${e.message ?? String(error)}${cause ? ` (${cause})` : ''}`, false);
}

export function deliverySender(app: AppContext): JobHandler {
  const db = deliveryDb(app.db);
  return async (payload: DeliveryJob, job) => {
    const delivery = await db.selectFrom('delivery_deliveries').selectAll().where('id', '=', payload.deliveryId).executeTakeFirst();
    // Delivered already (a redelivered job), failed (a staff retry queues a new job), or gone.
    if (!delivery || delivery.status !== 'pending') return;
    let token: string | null = null;
    try {
      const endpoint = await endpointForSending(db, app.sealer, delivery.lg_code);
      if (!endpoint) throw new DeliveryFailure('no core-system endpoint is configured for this tenant', true);
      if (!endpoint.enabled) throw new DeliveryFailure('the core-system endpoint is switched off', true);
      token = endpoint.token;
      let signed = signedBodies.get(delivery.id);
      if (!signed) {
        const envelope = await buildEnvelope(app, { id: delivery.id, lgCode: delivery.lg_code, applicationId: delivery.application_id, createdAt: delivery.created_at });
        // Sent as this exact text (UTF-8); the signature covers its bytes.
        const body = JSON.stringify(envelope);
        signed = { body, signature: await detachedJws(delivery.lg_code, Buffer.from(body), await municipalSigner(app, delivery.lg_code)) };
        signedBodies.set(delivery.id, signed);
        if (signedBodies.size > SIGNED_BODIES_KEPT) signedBodies.delete(signedBodies.keys().next().value!);
      }
      const { body, signature } = signed;
      const response = await app.outbound.fetch(endpoint.url, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signature,
          'tsunagu-delivery-id': delivery.id,
          'idempotency-key': delivery.id,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
      const answer = (await response.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
      if (!response.ok) throw new DeliveryFailure(`the endpoint answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`, response.status < 500 && !RETRYABLE.has(response.status), response.status);
      await db
        .updateTable('delivery_deliveries')
        .set({ status: 'delivered', attempts: job.attempt, last_http_status: response.status, last_error: null, delivered_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
        .where('id', '=', delivery.id)
        .where('status', '=', 'pending')
        .execute();
      signedBodies.delete(delivery.id);
    } catch (error) {
      const failure = describe(error);
      const message = (token ? failure.message.replaceAll(token, '[redacted]') : failure.message).slice(0, 1000);
      const failed = failure.permanent || job.attempt >= DELIVERY_ATTEMPTS;
      await db
        .updateTable('delivery_deliveries')
        .set({ status: failed ? 'failed' : 'pending', attempts: job.attempt, last_error: message, last_http_status: failure.httpStatus, updated_at: sql<Date>`now()` })
        .where('id', '=', delivery.id)
        .where('status', '=', 'pending')
        .execute();
      // Anything but a permanent failure goes back to the queue (which parks it after the last
      // attempt); a permanent one ends the job, and staff send it again once the cause is fixed.
      if (!failure.permanent) throw new Error(message);
    }
  };
}
