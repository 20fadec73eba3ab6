// Subscription endpoints: create, list, retrieve, update (PATCH) and delete, for entity
// subscriptions (/subscriptions, clauses 5.8 and 6.10–6.11) and context source registration
// subscriptions (/csourceSubscriptions, clauses 5.11 and 6.12–6.13). Both kinds are rows of
// broker_subscriptions (column kind) and each API sees only its own kind.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BrokerPermission } from '../broker-tenants.ts';
import { NgsiError } from '../errors.ts';
import { assertEntityId } from '../entities/entity-input.ts';
import { MAX_LIMIT } from '../entities/entity-query.ts';
import { begin, type BrokerServices } from '../http/broker-services.ts';
import { assertContactable } from '../http/outbound-check.ts';
import { contextLink, negotiate, pageLinks, requestTerms, sendNgsi } from '../http/ngsi-http.ts';
import { ContextStore } from '../jsonld/store.ts';
import { hostedContextUrl } from '../jsonld/loader.ts';
import { Federation } from '../registrations/federation.ts';
import { DistributedSubscriptions, REGISTRATION_TOPIC, REMOTE_NOTIFICATIONS } from './distributed-subscriptions.ts';
import type { SubscriptionMatcher } from './subscription-matcher.ts';
import { options, paging, type Query } from '../http/request-options.ts';
import { assertNoPersonalSelector } from '../personal/personal-types.ts';
import { applyFragment, parseSubscription, renderSubscription, type StoredSubscription, type SubscriptionStatus } from './subscription.ts';
import { CORE_CONTEXT_URL } from '../jsonld/core-context.ts';
import { REGISTRATION_WRITE } from '../registrations/routes.ts';
import { assertCsourceMembers, assertEntityMembers, queueAllMatching } from './csource-notifications.ts';

interface SubscriptionApi {
  base: string;
  kind: 'entity' | 'csource';
  /** Permission to create, change and delete (reading needs broker.read). */
  write: BrokerPermission;
  /** Extra checks of a create or PATCH body. */
  check?: (body: Record<string, unknown>) => void;
  /** Run in the transaction that stored a created or changed subscription. */
  stored?: (db: Kysely<any>, services: BrokerServices, tenant: string, sub: StoredSubscription) => Promise<void>;
}

const ENTITY_API: SubscriptionApi = { base: '/ngsi-ld/v1/subscriptions', kind: 'entity', write: 'broker.write', check: assertEntityMembers };

// Clause 5.11.2.4 / 5.11.3.4: a notification with every matching registration when the
// subscription is made or changed. A csource subscription sends registrations (what sources
// exist, where) to a URL of the subscriber's choosing, so it needs what registering needs.
const CSOURCE_API: SubscriptionApi = {
  base: '/ngsi-ld/v1/csourceSubscriptions',
  kind: 'csource',
  write: REGISTRATION_WRITE,
  check: assertCsourceMembers,
  stored: async (db, services, tenant, sub) => {
    const live = sub.isActive && (sub.expiresAt === undefined || Date.parse(sub.expiresAt) > Date.now());
    if (live && sub.timeInterval === undefined) await queueAllMatching(db, services.resolver, tenant, sub, 'newlyMatching');
  },
};

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

/**
 * 5.13.1: a subscriber's @context that is not one URL (an inline object, an array) is stored as
 * an ImplicitlyCreated context, so that notifications sent as application/json can name all of
 * it in their Link header.
 */
async function implicitContextUrl(services: BrokerServices, context: unknown): Promise<string | undefined> {
  if (typeof context === 'string') return undefined;
  const entry = await new ContextStore(services.ctx.db as unknown as Kysely<any>).createImplicit({ '@context': context });
  return hostedContextUrl(services.ctx.config.publicUrl, entry.id);
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

export async function subscriptionsRoutes(app: FastifyInstance, services: BrokerServices, matcher: SubscriptionMatcher): Promise<void> {
  const distributed = new DistributedSubscriptions(services, new Federation(services), matcher);
  // A registration's create, update or delete queues this job (registrations/routes.ts).
  services.ctx.queue.handle(REGISTRATION_TOPIC, (job) => distributed.reconcile(job, app.log));
  await subscriptionApi(app, services, ENTITY_API, distributed);
  await subscriptionApi(app, services, CSOURCE_API);

  // Notifications from context sources for the remote parts of distributed subscriptions: the
  // token in the path is the source's credential (distributed-subscriptions.ts).
  app.post<{ Params: { token: string } }>(`${REMOTE_NOTIFICATIONS}/:token`, async (request, reply) => {
    const terms = await requestTerms(request, services.resolver, [request.body]);
    if (!(await distributed.receive(request.params.token, request.body, terms))) {
      throw new NgsiError('ResourceNotFound', 'No distributed subscription is notified at this address (it was deleted or replaced)');
    }
    return reply.code(204).send();
  });
}

/** Sources that could not take their part of a distributed subscription, as NGSILD-Warning. */
function warn(reply: FastifyReply, warnings: string[]): void {
  if (warnings.length) reply.header('ngsild-warning', warnings.map((w) => `199 - "${w.replaceAll('"', "'")}"`).join(', '));
}

async function subscriptionApi(app: FastifyInstance, services: BrokerServices, api: SubscriptionApi, distributed?: DistributedSubscriptions): Promise<void> {
  const db = services.store.kysely;
  const { base: BASE, kind } = api;

  app.post(BASE, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NgsiError('BadRequestData', 'The subscription must be a JSON object');
    const { tenant, terms } = await begin(services, request, api.write, { bodies: [body] });
    api.check?.(body as Record<string, unknown>);
    const sub = parseSubscription(body, terms, subscriberContext(request, body as Record<string, unknown>), `urn:ngsi-ld:Subscription:${randomUUID()}`);
    // A jsonldContext must be available now (LdContextNotAvailable otherwise, 5.8.1.4).
    if (sub.jsonldContext) await services.resolver.resolve(sub.jsonldContext);
    const contextUrl = await implicitContextUrl(services, sub.context);
    if (contextUrl) sub.contextUrl = contextUrl;
    if (kind === 'entity') assertNoPersonalSelector(await services.personal.typesOf(db, tenant.name), sub.entities);
    await assertContactable(services.ctx.outbound, sub.notification.endpoint.uri, 'notification.endpoint.uri');
    await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('broker_subscriptions')
        .values({ tenant: tenant.name, id: sub.id, kind, ...columns(sub) })
        .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) throw new NgsiError('AlreadyExists', `Subscription ${sub.id} already exists`);
      await api.stored?.(trx, services, tenant.name, sub);
    });
    services.wakeNotifier();
    if (distributed) warn(reply, await distributed.subscribe(tenant.name, sub, request));
    return reply.code(201).header('location', `${BASE}/${encodeURIComponent(sub.id)}`).send();
  });

  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const query = request.query as Query;
    const { limit, offset, count } = paging(query);
    if (limit > MAX_LIMIT) throw new NgsiError('TooManyResults', `limit: at most ${MAX_LIMIT} subscriptions per page`);
    const rows = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant.name} and kind = ${kind}
      order by created_at, id limit ${limit} offset ${offset}`.execute(db)).rows;
    let total: number | undefined;
    if (count) {
      const n = await sql<{ n: string }>`select count(*) as n from broker_subscriptions where tenant = ${tenant.name} and kind = ${kind}`.execute(db);
      total = Number(n.rows[0]?.n ?? 0);
      reply.header('ngsild-results-count', String(total));
    }
    pageLinks(reply, request, { limit, offset }, rows.length, total);
    const sysAttrs = options(query).has('sysAttrs');
    return sendNgsi(reply, 200, rows.map((r) => {
      const { sub, status } = fromRow(r);
      return renderSubscription(sub, status, terms, sysAttrs);
    }), terms, answer);
  });

  const load = async (tenant: string, id: string): Promise<SubscriptionRow> => {
    const row = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant} and id = ${id} and kind = ${kind}`.execute(db)).rows[0];
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
    const { tenant, terms } = await begin(services, request, api.write, { bodies: [body] });
    api.check?.(body as Record<string, unknown>);
    // A new jsonldContext must be available (LdContextNotAvailable otherwise); fetched before the row is locked.
    const jsonldContext = (body as Record<string, unknown>).jsonldContext;
    if (typeof jsonldContext === 'string' && /^https?:\/\//.test(jsonldContext)) await services.resolver.resolve(jsonldContext);
    const changed = await db.transaction().execute(async (trx) => {
      const row = (await sql<SubscriptionRow>`select * from broker_subscriptions where tenant = ${tenant.name} and id = ${id} and kind = ${kind} for update`.execute(trx)).rows[0];
      if (!row) throw new NgsiError('ResourceNotFound', `Subscription ${id} does not exist`);
      const { sub } = fromRow(row);
      const changed = applyFragment(sub, body as Record<string, unknown>, terms);
      if (!changed.entities && !changed.watchedAttributes) throw new NgsiError('BadRequestData', 'A subscription needs entities or watchedAttributes (or both)');
      if (kind === 'entity') assertNoPersonalSelector(await services.personal.typesOf(trx, tenant.name), changed.entities);
      const uri = changed.notification.endpoint.uri;
      if (uri !== sub.notification.endpoint.uri) await assertContactable(services.ctx.outbound, uri, 'notification.endpoint.uri');
      if ('@context' in (body as object) || contextLink(request)) changed.context = subscriberContext(request, body as Record<string, unknown>);
      await trx
        .updateTable('broker_subscriptions')
        .set({ ...columns(changed), modified_at: sql`now()`, ...(changed.timeInterval !== sub.timeInterval ? { next_periodic_at: null } : {}) })
        .where('tenant', '=', tenant.name)
        .where('id', '=', id)
        .execute();
      await api.stored?.(trx, services, tenant.name, changed);
      return changed;
    });
    services.wakeNotifier();
    if (distributed) {
      // The sources get the subscription as it now is: the old remote ones are replaced.
      await distributed.unsubscribe(tenant.name, id, request);
      warn(reply, await distributed.subscribe(tenant.name, changed, request));
    }
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${BASE}/:id`, async (request, reply) => {
    const id = assertEntityId(request.params.id, 'subscriptionId');
    const { tenant } = await begin(services, request, api.write);
    // Pending notifications go with it (on delete cascade): a deleted subscription never fires.
    const deleted = await db.deleteFrom('broker_subscriptions').where('tenant', '=', tenant.name).where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new NgsiError('ResourceNotFound', `Subscription ${id} does not exist`);
    await distributed?.unsubscribe(tenant.name, id, request);
    return reply.code(204).send();
  });
}
