// Subscription endpoints (clause 6.10–6.11): create, list, retrieve, update (PATCH) and delete.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertEntityId } from '../entities/entity-input.ts';
import { MAX_LIMIT } from '../entities/entity-query.ts';
import { begin, type BrokerServices } from '../http/broker-services.ts';
import { assertContactable } from '../http/outbound-check.ts';
import { contextLink, negotiate, sendNgsi } from '../http/ngsi-http.ts';
import { options, paging, type Query } from '../http/request-options.ts';
import { applyFragment, parseSubscription, renderSubscription, type StoredSubscription, type SubscriptionStatus } from './subscription.ts';
import { CORE_CONTEXT_URL } from '../jsonld/core-context.ts';

const BASE = '/ngsi-ld/v1/subscriptions';

interface SubscriptionRow {
  id: string;
  body: StoredSubscription | string;
  times_sent: string | number;
  times_failed: string | number;
  last_notification: Date | null;
  last_success: Date | null;
  last_failure: Date | null;
  last_failure_reason: string | null;
  created_at: Date;
  modified_at: Date;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function fromRow(row: SubscriptionRow): { sub: StoredSubscription; status: SubscriptionStatus } {
  return {
    sub: typeof row.body === 'string' ? (JSON.parse(row.body) as StoredSubscription) : row.body,
    status: {
      timesSent: Number(row.times_sent),
      timesFailed: Number(row.times_failed),
      lastNotification: iso(row.last_notification),
      lastSuccess: iso(row.last_success),
      lastFailure: iso(row.last_failure),
      lastFailureReason: row.last_failure_reason,
      createdAt: iso(row.created_at)!,
      modifiedAt: iso(row.modified_at)!,
    },
  };
}

/** The subscriber's @context as sent: inline (ld+json body), Link header, or the core. */
function subscriberContext(request: import('fastify').FastifyRequest, body: Record<string, unknown>): unknown {
  return body['@context'] ?? contextLink(request) ?? CORE_CONTEXT_URL;
}

function columns(sub: StoredSubscription) {
  return {
    body: JSON.stringify(sub),
    is_active: sub.isActive,
    expires_at: sub.expiresAt ?? null,
    throttling: sub.throttling ?? 0,
    time_interval: sub.timeInterval ?? null,
  };
}

export async function subscriptionsRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const db = services.store.kysely;

  app.post(BASE, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NgsiError('BadRequestData', 'The subscription must be a JSON object');
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies: [body] });
    const sub = parseSubscription(body, terms, subscriberContext(request, body as Record<string, unknown>), `urn:ngsi-ld:Subscription:${randomUUID()}`);
    await assertContactable(services.ctx.outbound, sub.notification.endpoint.uri, 'notification.endpoint.uri');
    const inserted = await db
      .insertInto('broker_subscriptions')
      .values({ tenant: tenant.name, id: sub.id, ...columns(sub) })
      .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new NgsiError('AlreadyExists', `Subscription ${sub.id} already exists`);
    return reply.code(201).header('location', `${BASE}/${encodeURIComponent(sub.id)}`).send();
  });

  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const query = request.query as Query;
    const { limit, offset, count } = paging(query);
    if (limit > MAX_LIMIT) throw new NgsiError('TooManyResults', `limit: at most ${MAX_LIMIT} subscriptions per page`);
    const rows = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant.name}
      order by created_at, id limit ${limit} offset ${offset}`.execute(db)).rows;
    if (count) {
      const n = await sql<{ n: string }>`select count(*) as n from broker_subscriptions where tenant = ${tenant.name}`.execute(db);
      reply.header('ngsild-results-count', String(n.rows[0]?.n ?? 0));
    }
    const sysAttrs = options(query).has('sysAttrs');
    return sendNgsi(reply, 200, rows.map((r) => {
      const { sub, status } = fromRow(r);
      return renderSubscription(sub, status, terms, sysAttrs);
    }), terms, answer);
  });

  const load = async (tenant: string, id: string): Promise<SubscriptionRow> => {
    const row = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant} and id = ${id}`.execute(db)).rows[0];
    if (!row) throw new NgsiError('ResourceNotFound', `Subscription ${id} does not exist`);
    return row;
  };

  app.get<{ Params: { id: string } }>(`${BASE}/:id`, async (request, reply) => {
    const answer = negotiate(request);
    const id = assertEntityId(request.params.id, 'subscriptionId');
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const { sub, status } = fromRow(await load(tenant.name, id));
    return sendNgsi(reply, 200, renderSubscription(sub, status, terms, options(request.query as Query).has('sysAttrs')), terms, answer);
  });

  app.patch<{ Params: { id: string } }>(`${BASE}/:id`, async (request, reply) => {
    const id = assertEntityId(request.params.id, 'subscriptionId');
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NgsiError('BadRequestData', 'The body must be a JSON object with the members to change');
    const { tenant, terms } = await begin(services, request, 'broker.write', { bodies: [body] });
    await db.transaction().execute(async (trx) => {
      const row = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant.name} and id = ${id} for update`.execute(trx)).rows[0];
      if (!row) throw new NgsiError('ResourceNotFound', `Subscription ${id} does not exist`);
      const { sub } = fromRow(row);
      const changed = applyFragment(sub, body as Record<string, unknown>, terms);
      if (!changed.entities && !changed.watchedAttributes) throw new NgsiError('BadRequestData', 'A subscription needs entities or watchedAttributes (or both)');
      const uri = changed.notification.endpoint.uri;
      if (uri !== sub.notification.endpoint.uri) await assertContactable(services.ctx.outbound, uri, 'notification.endpoint.uri');
      if ('@context' in (body as object) || contextLink(request)) changed.context = subscriberContext(request, body as Record<string, unknown>);
      await trx
        .updateTable('broker_subscriptions')
        .set({ ...columns(changed), modified_at: sql`now()`, ...(changed.timeInterval !== sub.timeInterval ? { next_periodic_at: null } : {}) })
        .where('tenant', '=', tenant.name)
        .where('id', '=', id)
        .execute();
    });
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${BASE}/:id`, async (request, reply) => {
    const id = assertEntityId(request.params.id, 'subscriptionId');
    const { tenant } = await begin(services, request, 'broker.write');
    // Pending notifications go with it (on delete cascade): a deleted subscription never fires.
    const deleted = await db.deleteFrom('broker_subscriptions').where('tenant', '=', tenant.name).where('id', '=', id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new NgsiError('ResourceNotFound', `Subscription ${id} does not exist`);
    return reply.code(204).send();
  });
}
