// Distributed subscriptions (clause 5.8.1.4): a subscription made here also subscribes, at each
// matching registered context source that offers createSubscription (Table 4.20-1; the default
// federationOps does), to the same entities and watched attributes, with a notification
// endpoint on this broker. What the sources notify becomes notifications of the local
// subscription, through the same outbox, throttling, retries and status as local changes.
//
// - The remote subscription has the local one's entities, watchedAttributes, notificationTrigger,
//   expiresAt and isActive, names compacted for the source as forwarded queries are
//   (federation.ts), format normalized; entities and attributes are narrowed to what the
//   registration covers (4.3.6.1), and what a source sends beyond that is dropped on arrival. Its q, geoQ and scopeQ are not sent (the source may not
//   know the subscriber's @context): they are applied here to each entity that arrives, with the
//   subscription's other checks and personal types, as for local changes.
// - The endpoint is {publicUrl}/ngsi-ld/ex/v1/remoteNotifications/{token}: the random token is the
//   only credential the source needs, and only its SHA-256 is stored (broker_remote_subscriptions).
// - Updating the local subscription replaces its remote ones; deleting it deletes them. A source
//   that fails is left out, with a warning in the log and an NGSILD-Warning header; the local
//   subscription works regardless.
// - Creating, updating or deleting a registration queues a job (the platform's durable queue,
//   written in the registration's transaction) that brings the remote subscriptions at that
//   registration in line with the tenant's subscriptions: subscribes those it now matches,
//   replaces those whose source request changed (endpoint, tenant, contextSourceInfo, localOnly:
//   the fingerprint stored with each), deletes those it no longer matches. A source that cannot
//   be reached or answers 5xx makes the job retry with backoff; one that refuses (4xx) is logged.
// - Writing a registration with an expiresAt still ahead also queues the same job, due at that
//   time (run_at): when it runs and the registration has expired (not changed meanwhile), the
//   remote subscriptions made under it are deleted at the source. As for a deleted registration,
//   a source that cannot be reached keeps the record and the job retries; notifications under a
//   registration that has expired or is gone are refused at once (receive), job or no job.
// - A subscription's csf (5.2.12) chooses the sources: only registrations whose Context Source
//   properties satisfy it are subscribed at, as a query's csf chooses the sources asked.
// - A periodic subscription (timeInterval) subscribes at the sources with the same timeInterval:
//   what they send each period is notified as periodic (trigger timeInterval), beside this
//   broker's own entities, which the notifier sends each period.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/module.ts';
import { convertEntity } from '../entities/entity-input.ts';
import type { StoredEntity } from '../entities/stored-entity.ts';
import { NgsiError } from '../errors.ts';
import type { BrokerServices } from '../http/broker-services.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { isPersonal } from '../personal/personal-types.ts';
import { filterByCsf, parseCsf, type Csf } from '../registrations/csf.ts';
import { formatSelector, type Federation, type Requester } from '../registrations/federation.ts';
import { keepCovered, matchingInformation, offers, registeredNames, type RegistrationFilter, type StoredRegistration } from '../registrations/registration.ts';
import { selects, type SubscriptionMatcher } from './subscription-matcher.ts';
import { TRIGGERS, type StoredSubscription, type Trigger } from './subscription.ts';

export const REMOTE_NOTIFICATIONS = '/ngsi-ld/ex/v1/remoteNotifications';

/** The job a registration's create, update or delete queues (payload: RegistrationJob). */
export const REGISTRATION_TOPIC = 'broker.distributed-subscriptions';
/** The registration as it was (it may carry credentials in contextSourceInfo) is sealed in the job. */
const SEAL_CONTEXT = 'platform_jobs.broker.distributed-subscriptions';

interface RegistrationJob {
  tenant: string;
  registrationId: string;
  /** The registration before the change, sealed: to delete remote subscriptions made under it. */
  previous?: string;
  /**
   * Set on the job queued to run at the registration's expiresAt (this value): it acts only if
   * the registration, as it is then, has expired; a registration changed or deleted meanwhile
   * has had jobs of its own.
   */
  expiry?: string;
}

interface RemoteRow {
  tenant: string;
  subscription_id: string;
  registration_id: string;
  endpoint: string;
  remote_id: string;
  token_hash: string;
  registration_hash: string | null;
}

/** A source's answer to a subscription: retry (unreachable, 5xx, 429) or not (a refusal). */
class SourceRefusal extends Error {
  constructor(message: string, readonly retry: boolean) {
    super(message);
  }
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** What a request to the source depends on besides the subscription: a change here replaces the remote subscription. */
export function registrationFingerprint(reg: StoredRegistration): string {
  return hash(JSON.stringify([reg.endpoint, reg.tenant ?? null, reg.contextSourceInfo ?? [], reg.management?.localOnly ?? null]));
}

/** The registrations a subscription concerns: its entity types and watched attributes. */
function subscriptionFilter(sub: StoredSubscription): RegistrationFilter {
  return {
    selector: sub.entities ? { kind: 'or', items: sub.entities.map((e) => e.types) } : undefined,
    attrs: sub.watchedAttributes,
  };
}

const inForce = (reg: StoredRegistration, now = Date.now()) => reg.expiresAt === undefined || Date.parse(reg.expiresAt) > now;

/** The dedupe key of the expiry job (the same one the migration 2026-12-09T1500 gave existing registrations). */
export const expiryJobKey = (tenant: string, id: string, expiresAt: string) => `${REGISTRATION_TOPIC}:expiry:${tenant}:${id}:${Date.parse(expiresAt)}`;

/**
 * In the transaction of a registration's create (previous undefined), update or delete (next
 * undefined): queues the job that subscribes at the registration, replaces or deletes there.
 * Committing the registration commits the job, so a crash after the answer loses nothing.
 */
export async function queueRegistrationSubscriptions(ctx: AppContext, trx: Kysely<any>, tenant: string, previous: StoredRegistration | undefined, next: StoredRegistration | undefined): Promise<void> {
  const id = (next ?? previous)?.id;
  if (!id || ![previous, next].some((r) => r && offers(r, 'createSubscription'))) return;
  const job: RegistrationJob = { tenant, registrationId: id, ...(previous ? { previous: ctx.sealer.sealJson(previous, SEAL_CONTEXT) } : {}) };
  await ctx.queue.enqueue(trx as never, REGISTRATION_TOPIC, job, { maxAttempts: 12 });
  // Its expiry, if ahead: a job due then (durable like the other; the dedupe key makes a second
  // write with the same expiresAt queue nothing more).
  if (next?.expiresAt && offers(next, 'createSubscription') && inForce(next)) {
    const expiry: RegistrationJob = { tenant, registrationId: id, expiry: next.expiresAt };
    await ctx.queue.enqueue(trx as never, REGISTRATION_TOPIC, expiry, { maxAttempts: 12, runAt: new Date(next.expiresAt), dedupeKey: expiryJobKey(tenant, id, next.expiresAt) });
  }
}

export class DistributedSubscriptions {
  readonly #db: Kysely<any>;

  constructor(
    private readonly services: BrokerServices,
    private readonly federation: Federation,
    private readonly matcher: SubscriptionMatcher,
  ) {
    this.#db = services.ctx.db as unknown as Kysely<any>;
  }

  /** The subscription's context source filter (5.2.12 csf), its names expanded with the subscription's @context. */
  async #csf(sub: StoredSubscription): Promise<Csf | undefined> {
    if (!sub.csf) return undefined;
    const terms = await this.services.resolver.resolve(sub.context as never);
    return parseCsf(sub.csf, (t) => terms.expandTerm(t));
  }

  /** Subscribes at every matching source whose registration satisfies its csf; answers a warning per source that refused or failed. */
  async subscribe(tenant: string, sub: StoredSubscription, request: FastifyRequest): Promise<string[]> {
    if (sub.localOnly) return [];
    const targets = await this.federation.targets(tenant, { ...subscriptionFilter(sub), csf: await this.#csf(sub) }, 'createSubscription');
    const warnings: string[] = [];
    await Promise.all(targets.map(async ({ reg }) => {
      try {
        await this.#subscribeAt(tenant, sub, reg, request, 'replace');
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        request.log.warn({ subscription: sub.id, registration: reg.id, endpoint: reg.endpoint, reason }, 'could not subscribe at the context source');
        warnings.push(`${reg.endpoint} (${reg.id}): the subscription could not be made there: ${reason}`);
      }
    }));
    return warnings;
  }

  /**
   * Makes the remote subscription for `sub` at `reg` and records it. `replace`: a record already
   * there (an earlier remote subscription) is replaced; `keep`: it is kept and the one just made
   * deleted again, as it is when the local subscription was deleted meanwhile.
   */
  async #subscribeAt(tenant: string, sub: StoredSubscription, reg: StoredRegistration, requester: Requester, onConflict: 'replace' | 'keep'): Promise<void> {
    const base = new URL(REMOTE_NOTIFICATIONS, this.services.ctx.config.publicUrl).toString();
    const token = randomBytes(24).toString('base64url');
    const remoteId = `urn:ngsi-ld:Subscription:${randomUUID()}`;
    // Only what the registration covers is asked for (4.3.6.1): its entity selectors, and its
    // attribute names when it lists them.
    const entities = sub.entities?.filter((e) => matchingInformation(reg, { selector: e.types, ids: e.id ? [e.id] : undefined, idPattern: e.idPattern }).length > 0);
    const info = matchingInformation(reg, subscriptionFilter(sub));
    const names = info.every((i) => registeredNames(i)) ? new Set(info.flatMap((i) => registeredNames(i)!)) : undefined;
    const watched = names ? sub.watchedAttributes?.filter((a) => names.has(a)) : sub.watchedAttributes;
    let answer: { status: number; text: string };
    try {
      answer = await this.federation.send(tenant, reg, requester, {
        method: 'POST',
        path: () => '/subscriptions',
        body: (compact) => ({
          id: remoteId,
          type: 'Subscription',
          ...(entities ? { entities: entities.map((e) => ({ type: formatSelector(e.types, compact), ...(e.id ? { id: e.id } : {}), ...(e.idPattern ? { idPattern: e.idPattern } : {}) })) } : {}),
          ...(watched ? { watchedAttributes: watched.map(compact) } : {}),
          notificationTrigger: sub.notificationTrigger,
          ...(sub.expiresAt ? { expiresAt: sub.expiresAt } : {}),
          ...(sub.timeInterval !== undefined ? { timeInterval: sub.timeInterval } : {}),
          isActive: sub.isActive,
          notification: { format: 'normalized', ...(names ? { attributes: [...names].map(compact) } : {}), endpoint: { uri: `${base}/${token}`, accept: 'application/json' } },
        }),
      });
    } catch (error) {
      throw new SourceRefusal(error instanceof Error ? error.message : String(error), true);
    }
    if (answer.status !== 201) throw new SourceRefusal(`answered ${answer.status}: ${answer.text.slice(0, 300)}`, answer.status >= 500 || answer.status === 429);
    const values = sql`${tenant}, ${sub.id}, ${reg.id}, ${reg.endpoint}, ${remoteId}, ${hash(token)}, ${registrationFingerprint(reg)}`;
    if (onConflict === 'replace') {
      await sql`insert into broker_remote_subscriptions (tenant, subscription_id, registration_id, endpoint, remote_id, token_hash, registration_hash)
        values (${values})
        on conflict (tenant, subscription_id, registration_id) do update set endpoint = excluded.endpoint, remote_id = excluded.remote_id,
          token_hash = excluded.token_hash, registration_hash = excluded.registration_hash`.execute(this.#db);
      return;
    }
    const recorded = await sql`insert into broker_remote_subscriptions (tenant, subscription_id, registration_id, endpoint, remote_id, token_hash, registration_hash)
      select ${values} where exists (select 1 from broker_subscriptions where tenant = ${tenant} and id = ${sub.id} and kind = 'entity')
      on conflict (tenant, subscription_id, registration_id) do nothing returning remote_id`.execute(this.#db);
    if (recorded.rows.length === 0) await this.#deleteAt(tenant, reg, remoteId, requester, sub.id);
  }

  /**
   * Deletes a remote subscription at its source. Answers false when that is worth retrying (the
   * source could not be reached, or answered 5xx or 429); a 404 means it is gone already, and
   * another refusal is logged and not retried.
   */
  async #deleteAt(tenant: string, reg: StoredRegistration, remoteId: string, requester: Requester, subscriptionId: string): Promise<boolean> {
    let reason: string;
    let retry: boolean;
    try {
      const answer = await this.federation.send(tenant, reg, requester, { method: 'DELETE', path: () => `/subscriptions/${encodeURIComponent(remoteId)}` });
      if (answer.status < 300 || answer.status === 404) return true;
      reason = `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
      retry = answer.status >= 500 || answer.status === 429;
    } catch (error) {
      reason = (error as Error).message;
      retry = true;
    }
    requester.log.warn({ subscription: subscriptionId, registration: reg.id, reason, retry }, 'could not delete the subscription at the context source');
    return !retry;
  }

  /**
   * The job of a registration's change (queueRegistrationSubscriptions): the remote
   * subscriptions at that registration become those of the tenant's subscriptions it matches
   * now. Idempotent: a second run finds the remote subscriptions made by the first current.
   * The expiry job (job.expiry) does this only if the registration has expired by then.
   */
  async reconcile(job: RegistrationJob, log: FastifyBaseLogger): Promise<void> {
    const { tenant, registrationId } = job;
    const requester: Requester = { headers: {}, log };
    const previous = job.previous ? this.services.ctx.sealer.openJson<StoredRegistration>(job.previous, SEAL_CONTEXT) : undefined;
    const current = (await this.federation.registrations.get(tenant, registrationId))?.body;
    // Due at job.expiry: judged at that time even if this clock is a little behind the database's.
    const now = job.expiry ? Math.max(Date.now(), Date.parse(job.expiry)) : Date.now();
    if (job.expiry && (!current || inForce(current, now))) return; // deleted or renewed: their jobs did the work
    const reg = current && inForce(current, now) && this.federation.subscribable(current) ? current : undefined;
    const wanted = new Map<string, StoredSubscription>();
    const undecided = new Set<string>();
    if (reg) {
      const rows = (await sql<{ body: StoredSubscription | string }>`select body from broker_subscriptions where tenant = ${tenant} and kind = 'entity'
        and (expires_at is null or expires_at > now()) order by id`.execute(this.#db)).rows;
      for (const row of rows) {
        const sub = typeof row.body === 'string' ? (JSON.parse(row.body) as StoredSubscription) : row.body;
        if (sub.localOnly || matchingInformation(reg, subscriptionFilter(sub)).length === 0) continue;
        try {
          const csf = await this.#csf(sub);
          if (!csf || (await filterByCsf(this.#db, csf, [reg], (r) => r)).length > 0) wanted.set(sub.id, sub);
        } catch (error) {
          // Its @context cannot be had just now: what was made for it stays as it is, and the
          // other subscriptions are brought in line regardless.
          log.warn({ subscription: sub.id, registration: reg.id, reason: (error as Error).message }, 'could not judge the subscription\'s csf; left as it was');
          undecided.add(sub.id);
        }
      }
    }
    const fingerprint = reg ? registrationFingerprint(reg) : undefined;
    const existing = (await sql<RemoteRow>`select * from broker_remote_subscriptions where tenant = ${tenant} and registration_id = ${registrationId}`.execute(this.#db)).rows;
    const undeleted: string[] = [];
    for (const row of existing) {
      if (undecided.has(row.subscription_id)) continue;
      if (fingerprint !== undefined && row.registration_hash === fingerprint && wanted.has(row.subscription_id)) {
        wanted.delete(row.subscription_id); // current: nothing to do
        continue;
      }
      // Deleted at the source under the registration it was made with (its tenant and headers).
      const known = [current, previous].filter((r): r is StoredRegistration => r !== undefined);
      const madeWith = known.find((r) => row.registration_hash !== null && registrationFingerprint(r) === row.registration_hash) ?? known.find((r) => r.endpoint === row.endpoint);
      const deleted = madeWith ? await this.#deleteAt(tenant, madeWith, row.remote_id, requester, row.subscription_id) : true;
      // The registration is gone, expired or no longer subscribable: a delete the source did not
      // take keeps its record, for the retry to find (receive refuses what it sends meanwhile).
      // When it is being replaced, the record makes way for the new one (the old one then ends
      // with its own expiresAt, and what it sends answers 404).
      if (!deleted && !reg) {
        undeleted.push(row.subscription_id);
        continue;
      }
      await sql`delete from broker_remote_subscriptions where token_hash = ${row.token_hash}`.execute(this.#db);
    }
    if (!reg) {
      if (undeleted.length) throw new Error(`${registrationId}: could not delete the subscriptions made for ${undeleted.join(', ')} at the source; retried later`);
      return;
    }
    const failed: string[] = [];
    const pending = [...wanted.values()];
    // A few at a time: a tenant may have many subscriptions, a source limited capacity.
    for (let i = 0; i < pending.length; i += 8) {
      await Promise.all(pending.slice(i, i + 8).map(async (sub) => {
        try {
          await this.#subscribeAt(tenant, sub, reg, requester, 'keep');
        } catch (error) {
          const retry = !(error instanceof SourceRefusal) || error.retry;
          log.warn({ subscription: sub.id, registration: reg.id, endpoint: reg.endpoint, reason: (error as Error).message, retry }, 'could not subscribe at the context source');
          if (retry) failed.push(sub.id);
        }
      }));
    }
    if (failed.length) throw new Error(`${reg.endpoint} (${reg.id}): could not subscribe for ${failed.join(', ')}; retried later`);
  }

  /** Deletes the remote subscriptions of `subscriptionId` (a source that fails keeps its own until it expires). */
  async unsubscribe(tenant: string, subscriptionId: string, request: FastifyRequest): Promise<void> {
    const rows = (await sql<RemoteRow>`delete from broker_remote_subscriptions where tenant = ${tenant} and subscription_id = ${subscriptionId}
      returning *`.execute(this.#db)).rows;
    if (rows.length === 0) return;
    const registrations = new Map((await this.federation.registrations.list(tenant)).map((r) => [r.body.id, r.body]));
    await Promise.all(rows.map(async (row) => {
      const reg = registrations.get(row.registration_id);
      if (!reg) return;
      try {
        await this.federation.send(tenant, reg, request, { method: 'DELETE', path: () => `/subscriptions/${encodeURIComponent(row.remote_id)}` });
      } catch (error) {
        request.log.warn({ subscription: subscriptionId, registration: row.registration_id, reason: (error as Error).message }, 'could not delete the subscription at the context source');
      }
    }));
  }

  /**
   * A notification from a source: each entity becomes a change of the local subscription, if
   * the subscription is still in force and the entity passes its conditions. Answers false for
   * an unknown token (the remote subscription is not ours, or no longer) and for one made under
   * a registration that has expired or been deleted (its job may not have run yet).
   */
  async receive(token: string, body: unknown, terms: ResolvedTerms): Promise<boolean> {
    const link = (await sql<{ tenant: string; subscription_id: string; registration: StoredRegistration | string }>`select r.tenant, r.subscription_id, g.body as registration from broker_remote_subscriptions r
      join broker_registrations g on g.tenant = r.tenant and g.id = r.registration_id
      where r.token_hash = ${hash(token)} and (g.expires_at is null or g.expires_at > now())`.execute(this.#db)).rows[0];
    if (!link) return false;
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) {
      throw new NgsiError('BadRequestData', 'A notification must be a JSON object with a "data" array (clause 5.3.1)');
    }
    const { data, triggerReason } = body as { data: unknown[]; triggerReason?: unknown };
    const given: Trigger = TRIGGERS.includes(triggerReason as Trigger) ? (triggerReason as Trigger) : 'entityUpdated';
    const { tenant, subscription_id: id } = link;
    const registration = typeof link.registration === 'string' ? (JSON.parse(link.registration) as StoredRegistration) : link.registration;
    const now = new Date().toISOString();
    const entities: Array<StoredEntity & { deletedAt?: string }> = data.map((raw) => {
      const { createdAt: _c, modifiedAt: _m, deletedAt, ...rest } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const input = convertEntity(rest, { terms, now, allowNull: false });
      return { tenant, ...input, createdAt: now, modifiedAt: now, ...(typeof deletedAt === 'string' ? { deletedAt } : {}) };
    });
    const queued = await this.#db.transaction().execute(async (trx) => {
      const row = (await sql<{ body: StoredSubscription | string }>`select body from broker_subscriptions where tenant = ${tenant} and id = ${id}
        and kind = 'entity' and is_active and (expires_at is null or expires_at > now())`.execute(trx)).rows[0];
      if (!row) return 0;
      const sub = typeof row.body === 'string' ? (JSON.parse(row.body) as StoredSubscription) : row.body;
      const personal = await this.services.personal.typesOf(trx, tenant);
      // A periodic subscription's notifications from a source are periodic ones, as its own are.
      const trigger = sub.timeInterval !== undefined ? 'timeInterval' : given;
      const rows: Array<{ trigger: Trigger | 'timeInterval'; entity: unknown }> = [];
      for (const entity of entities) {
        // What the registration does not cover is not the source's to send (as for forwarded queries).
        if (keepCovered(registration.information, entity) === null) continue;
        if (isPersonal(personal, entity.types) || !selects(sub, entity)) continue;
        if (!(await this.matcher.matchesConditions(trx, sub, entity))) continue;
        rows.push({ trigger, entity });
      }
      if (rows.length === 0) return 0;
      await sql`insert into broker_notifications (tenant, subscription_id, trigger, entity)
        select ${tenant}, ${id}, r->>'trigger', r->'entity' from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as u(r, n) order by u.n`.execute(trx);
      return rows.length;
    });
    if (queued) this.services.wakeNotifier();
    return true;
  }
}
