// Distributed subscriptions (clause 5.8.1.4): a subscription made here also subscribes, at each
// matching registered context source that offers createSubscription (Table 4.20-1; the default
// federationOps does), to the same entities and watched attributes, with a notification
// endpoint on this broker. What the sources notify becomes notifications of the local
// subscription, through the same outbox, throttling, retries and status as local changes.
//
// - The remote subscription has the local one's entities, watchedAttributes, notificationTrigger,
//   expiresAt and isActive, names compacted for the source as forwarded queries are
//   (federation.ts), format normalized. Its q, geoQ and scopeQ are not sent (the source may not
//   know the subscriber's @context): they are applied here to each entity that arrives, with the
//   subscription's other checks and personal types, as for local changes.
// - The endpoint is {publicUrl}/ngsi-ld/ex/v1/remoteNotifications/{token}: the random token is the
//   only credential the source needs, and only its SHA-256 is stored (broker_remote_subscriptions).
// - Updating the local subscription replaces its remote ones; deleting it deletes them. A source
//   that fails is left out, with a warning in the log and an NGSILD-Warning header; the local
//   subscription works regardless.
// - Periodic subscriptions (timeInterval) are not distributed. Registrations made after the
//   subscription are not subscribed to until the subscription is next updated.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyRequest } from 'fastify';
import { convertEntity } from '../entities/entity-input.ts';
import type { StoredEntity } from '../entities/stored-entity.ts';
import { NgsiError } from '../errors.ts';
import type { BrokerServices } from '../http/broker-services.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { isPersonal } from '../personal/personal-types.ts';
import { formatSelector, type Federation } from '../registrations/federation.ts';
import type { RegistrationFilter } from '../registrations/registration.ts';
import { selects, type SubscriptionMatcher } from './subscription-matcher.ts';
import { TRIGGERS, type StoredSubscription, type Trigger } from './subscription.ts';

export const REMOTE_NOTIFICATIONS = '/ngsi-ld/ex/v1/remoteNotifications';

interface RemoteRow {
  tenant: string;
  subscription_id: string;
  registration_id: string;
  endpoint: string;
  remote_id: string;
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export class DistributedSubscriptions {
  readonly #db: Kysely<any>;

  constructor(
    private readonly services: BrokerServices,
    private readonly federation: Federation,
    private readonly matcher: SubscriptionMatcher,
  ) {
    this.#db = services.ctx.db as unknown as Kysely<any>;
  }

  /** Subscribes at every matching source; answers a warning per source that refused or failed. */
  async subscribe(tenant: string, sub: StoredSubscription, request: FastifyRequest): Promise<string[]> {
    if (sub.timeInterval !== undefined) return [];
    const filter: RegistrationFilter = {
      selector: sub.entities ? { kind: 'or', items: sub.entities.map((e) => e.types) } : undefined,
      attrs: sub.watchedAttributes,
    };
    const targets = await this.federation.targets(tenant, filter, 'createSubscription');
    const warnings: string[] = [];
    const base = new URL(REMOTE_NOTIFICATIONS, this.services.ctx.config.publicUrl).toString();
    await Promise.all(targets.map(async ({ reg }) => {
      const token = randomBytes(24).toString('base64url');
      const remoteId = `urn:ngsi-ld:Subscription:${randomUUID()}`;
      try {
        const answer = await this.federation.send(tenant, reg, request, {
          method: 'POST',
          path: () => '/subscriptions',
          body: (compact) => ({
            id: remoteId,
            type: 'Subscription',
            ...(sub.entities ? { entities: sub.entities.map((e) => ({ type: formatSelector(e.types, compact), ...(e.id ? { id: e.id } : {}), ...(e.idPattern ? { idPattern: e.idPattern } : {}) })) } : {}),
            ...(sub.watchedAttributes ? { watchedAttributes: sub.watchedAttributes.map(compact) } : {}),
            notificationTrigger: sub.notificationTrigger,
            ...(sub.expiresAt ? { expiresAt: sub.expiresAt } : {}),
            isActive: sub.isActive,
            notification: { format: 'normalized', endpoint: { uri: `${base}/${token}`, accept: 'application/json' } },
          }),
        });
        if (answer.status !== 201) throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        await sql`insert into broker_remote_subscriptions (tenant, subscription_id, registration_id, endpoint, remote_id, token_hash)
          values (${tenant}, ${sub.id}, ${reg.id}, ${reg.endpoint}, ${remoteId}, ${hash(token)})
          on conflict (tenant, subscription_id, registration_id) do update set endpoint = excluded.endpoint, remote_id = excluded.remote_id, token_hash = excluded.token_hash`.execute(this.#db);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        request.log.warn({ subscription: sub.id, registration: reg.id, endpoint: reg.endpoint, reason }, 'could not subscribe at the context source');
        warnings.push(`${reg.endpoint} (${reg.id}): the subscription could not be made there: ${reason}`);
      }
    }));
    return warnings;
  }

  /** Deletes the remote subscriptions of `subscriptionId` (a source that fails keeps its own until it expires). */
  async unsubscribe(tenant: string, subscriptionId: string, request: FastifyRequest): Promise<void> {
    const rows = (await sql<RemoteRow>`delete from broker_remote_subscriptions where tenant = ${tenant} and subscription_id = ${subscriptionId}
      returning tenant, subscription_id, registration_id, endpoint, remote_id`.execute(this.#db)).rows;
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
   * an unknown token (the remote subscription is not ours, or no longer).
   */
  async receive(token: string, body: unknown, terms: ResolvedTerms): Promise<boolean> {
    const link = (await sql<{ tenant: string; subscription_id: string }>`select tenant, subscription_id from broker_remote_subscriptions
      where token_hash = ${hash(token)}`.execute(this.#db)).rows[0];
    if (!link) return false;
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { data?: unknown }).data)) {
      throw new NgsiError('BadRequestData', 'A notification must be a JSON object with a "data" array (clause 5.3.1)');
    }
    const { data, triggerReason } = body as { data: unknown[]; triggerReason?: unknown };
    const trigger: Trigger = TRIGGERS.includes(triggerReason as Trigger) ? (triggerReason as Trigger) : 'entityUpdated';
    const { tenant, subscription_id: id } = link;
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
      const rows: Array<{ trigger: Trigger; entity: unknown }> = [];
      for (const entity of entities) {
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
