// Delivers the notification outbox (broker_notifications) to subscribers over HTTP or MQTT
// (clause 5.3.1 Notification, 7.2 and annex on MQTT binding).
//
// Per subscription, one process at a time holds a short lease (broker_subscriptions.delivery_until)
// and sends the due rows in order, several changes in one notification when they have piled up
// (so throttling delays changes but never drops them). Rows are deleted only after the receiver
// accepted the notification (2xx, or an MQTT PUBACK at QoS 1), so delivery is at least once
// across crashes; failures are retried with exponential backoff. Status members (timesSent,
// lastSuccess, lastFailure…) are updated with each attempt.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import mqtt, { type MqttClient } from 'mqtt';
import type { AppContext } from '../../platform/module.ts';
import { attributeShown, parseLang, renderEntity, selectedInstances, type Representation } from '../entities/entity-output.ts';
import type { StoredEntity } from '../entities/stored-entity.ts';
import { MAX_LIMIT, queryEntities } from '../entities/entity-query.ts';
import { loadLinked, renderInline } from '../entities/linked-entities.ts';
import { parseQ, valueExpansion } from '../query/q-language.ts';
import { parseScopeQuery } from '../query/scope-query.ts';
import { PersonalTypes } from '../personal/personal-types.ts';
import { JSONLD_CONTEXT_REL, type TermResolver } from '../http/ngsi-http.ts';
import { ENTITY_MEMBERS, projectedMembers } from '../http/request-options.ts';
import { MAX_COOLDOWN_MS, renderRegistration } from '../registrations/registration.ts';
import { queueAllMatching, type CsourcePayload } from './csource-notifications.ts';
import type { DeletedAttributes, OutboxEntity } from './subscription-matcher.ts';
import type { StoredAttribute } from '../entities/stored-entity.ts';
import { NGSI_NULL } from '../entities/entity-input.ts';
import type { StoredSubscription } from './subscription.ts';

/** Most changes carried by one notification. */
const BATCH = 5000;
/** Attempts before a change is given up (about 4 hours with the backoff cap). */
export const MAX_ATTEMPTS = 50;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 5 * 60_000;
const SEND_TIMEOUT_MS = 10_000;
const LEASE_SECONDS = 60;

interface OutboxRow {
  seq: string | number;
  trigger: string;
  entity: OutboxEntity;
  attempts: number;
}


/** showChanges (5.2.14): each rendered instance gets the value (object, languageMap) its datasetId had before. */
function withPrevious(rendered: unknown, before: StoredAttribute[]): unknown {
  const add = (instance: unknown) => {
    const shown = typeof instance === 'object' && instance !== null && !Array.isArray(instance) ? (instance as Record<string, unknown>) : { value: instance };
    const old = before.find((b) => (b.datasetId ?? undefined) === (shown.datasetId ?? undefined));
    if (!old) return shown;
    if (old.type === 'Relationship') return { ...shown, previousObject: old.object };
    if (old.type === 'LanguageProperty') return { ...shown, previousLanguageMap: old.languageMap };
    return { ...shown, previousValue: old.value ?? old.valueList ?? old.vocab ?? old.json };
  };
  return Array.isArray(rendered) ? rendered.map(add) : add(rendered);
}

/**
 * A deleted attribute in a notification (5.8.6): its name with the NGSI-LD Null, or, when a
 * datasetId or the system times must be given, an object per instance with its value (object,
 * languageMap) set to the Null.
 */
function deletedAttribute(instances: DeletedAttributes[string], sysAttrs: boolean, deletedAt: string): unknown {
  if (!sysAttrs && !instances.some((i) => i.datasetId)) return NGSI_NULL;
  const objects = instances.map(({ type, datasetId }) => ({
    type,
    ...(type === 'Relationship' ? { object: NGSI_NULL } : type === 'LanguageProperty' ? { languageMap: { '@none': NGSI_NULL } } : { value: NGSI_NULL }),
    ...(datasetId ? { datasetId } : {}),
    ...(sysAttrs ? { deletedAt } : {}),
  }));
  return objects.length === 1 ? objects[0] : objects;
}

interface ClaimedSubscription {
  body: StoredSubscription;
  kind: 'entity' | 'csource';
  throttling: number;
  last_notification: Date | string | null;
}

export interface NotifierOptions {
  pollMs?: number;
  concurrency?: number;
}

export class Notifier {
  readonly #db: Kysely<any>;
  readonly #pollMs: number;
  readonly #concurrency: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #stopped = true;
  /** When the periodic subscriptions are next looked at (ms since the epoch): not on every wake. */
  #periodicAt = 0;
  #mqtt = new Map<string, Promise<MqttClient>>();
  /** The tenants' personal types, which periodic notifications leave out. */
  readonly #personal = new PersonalTypes();

  constructor(
    private readonly ctx: AppContext,
    private readonly resolver: TermResolver,
    private readonly log: { warn: (obj: object, msg: string) => void },
    options: NotifierOptions = {},
  ) {
    this.#db = ctx.db as unknown as Kysely<any>;
    this.#pollMs = options.pollMs ?? 250;
    this.#concurrency = options.concurrency ?? 8;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running) await new Promise((r) => setTimeout(r, 10));
    for (const client of this.#mqtt.values()) (await client.catch(() => undefined))?.end(true);
    this.#mqtt.clear();
  }

  /** A write just committed: deliver now rather than at the next poll. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref?.();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    this.#running = true;
    try {
      do {
        this.#again = false;
        // Periodic subscriptions count in seconds: looking at them once per poll is enough, and
        // spares each write's wake a round trip.
        if (Date.now() >= this.#periodicAt) {
          this.#periodicAt = Date.now() + this.#pollMs;
          await this.runPeriodic();
        }
        const busy = await this.deliverDue();
        if (busy) this.#again = true;
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.log.warn({ err: error }, 'notification delivery round failed');
    } finally {
      this.#running = false;
      if (!this.#stopped) this.#schedule(this.#pollMs);
    }
  }

  /** One delivery round over every subscription with due changes; true if more are waiting. */
  async deliverDue(): Promise<boolean> {
    const due = (await sql<{ tenant: string; subscription_id: string }>`
      select distinct tenant, subscription_id from broker_notifications where due_at <= now() limit 200`.execute(this.#db)).rows;
    let more = false;
    for (let i = 0; i < due.length; i += this.#concurrency) {
      const results = await Promise.all(due.slice(i, i + this.#concurrency).map((d) => this.deliver(d.tenant, d.subscription_id)));
      if (results.some(Boolean)) more = true;
    }
    return more;
  }

  /**
   * Delivers one subscription's due changes; true when a full batch was sent (more may wait).
   * Round trips are what a delivery costs most on a busy machine, so the lease is taken together
   * with reading the changes, and released together with deleting the sent ones.
   */
  async deliver(tenant: string, id: string): Promise<boolean> {
    // In order: nothing goes out while an older change is waiting for its retry.
    const claimed = (await sql<ClaimedSubscription & { rows: Array<OutboxRow & { waiting: boolean }> }>`
      with claimed as (
        update broker_subscriptions set delivery_until = now() + make_interval(secs => ${LEASE_SECONDS})
        where tenant = ${tenant} and id = ${id} and (delivery_until is null or delivery_until < now())
        returning body, kind, throttling, last_notification)
      select c.*, coalesce((select json_agg(n order by n.seq) from (
          select seq, trigger, entity, attempts, due_at > now() as waiting from broker_notifications
          where tenant = ${tenant} and subscription_id = ${id} order by seq limit ${BATCH}) n), '[]') as rows
      from claimed c`.execute(this.#db)).rows[0];
    if (!claimed) return false;
    let released = false;
    try {
      const sub = typeof claimed.body === 'string' ? (JSON.parse(claimed.body) as StoredSubscription) : claimed.body;
      if (claimed.throttling > 0 && claimed.last_notification) {
        const next = new Date(claimed.last_notification).getTime() + claimed.throttling * 1000;
        if (next > Date.now()) {
          // Throttled: keep the changes and come back when the interval has passed.
          await sql`update broker_notifications set due_at = ${new Date(next).toISOString()}
            where tenant = ${tenant} and subscription_id = ${id} and due_at < ${new Date(next).toISOString()}`.execute(this.#db);
          return false;
        }
      }
      const rows = typeof claimed.rows === 'string' ? (JSON.parse(claimed.rows) as typeof claimed.rows) : claimed.rows;
      if (rows.length === 0 || rows[0]!.waiting) return false;
      // One notification carries changes of one trigger (its triggerReason); the rest go next.
      const sameTrigger = rows.findIndex((r) => r.trigger !== rows[0]!.trigger);
      if (sameTrigger > 0) rows.length = sameTrigger;
      const seqs = rows.map((r) => String(r.seq));
      try {
        // Building reads the subscriber's @context, which may have become unavailable (or its
        // address refused): that is a failed attempt like a refused send, retried with backoff.
        const notification = claimed.kind === 'csource' ? await this.#buildCsource(sub, rows) : await this.#build(tenant, sub, rows);
        await this.#send(tenant, sub, notification);
      } catch (error) {
        const sentAt = new Date().toISOString();
        const reason = error instanceof Error ? error.message : String(error);
        const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
        // An endpoint's cooldown (5.2.15) holds every retry back at least that long.
        // Capped as subscriptions are, so that no stored value can break the retry's update.
        const delay = Math.min(MAX_COOLDOWN_MS, Math.max(sub.notification.endpoint.cooldown ?? 0, Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1))));
        // A notification the endpoint received and refused was sent (timesSent, 5.11.7); one that
        // never left (no @context, an address refused, no connection) was not.
        const sent = error instanceof RefusedNotification ? 1 : 0;
        await sql`update broker_subscriptions set times_sent = times_sent + ${sent}, times_failed = times_failed + 1, last_notification = ${sentAt},
          last_failure = ${sentAt}, last_failure_reason = ${reason.slice(0, 500)} where tenant = ${tenant} and id = ${id}`.execute(this.#db);
        if (attempts >= MAX_ATTEMPTS) {
          await sql`delete from broker_notifications where seq = any(${sql.val(seqs)}::bigint[])`.execute(this.#db);
          this.log.warn({ tenant, subscriptionId: id, changes: rows.length, reason }, 'notifications given up after the last retry');
        } else {
          await sql`update broker_notifications set attempts = ${attempts}, due_at = now() + make_interval(secs => ${delay / 1000})
            where seq = any(${sql.val(seqs)}::bigint[])`.execute(this.#db);
        }
        return false;
      }
      // The time the receiver had the notification, not when sending began: throttling counts
      // from it, so however long a send takes, the receiver sees notifications at least
      // `throttling` seconds apart.
      const sentAt = new Date().toISOString();
      await sql`with sent as (delete from broker_notifications where seq = any(${sql.val(seqs)}::bigint[]))
        update broker_subscriptions set times_sent = times_sent + 1, last_notification = ${sentAt}, last_success = ${sentAt},
          delivery_until = null
        where tenant = ${tenant} and id = ${id}`.execute(this.#db);
      released = true;
      return rows.length === BATCH || sameTrigger > 0;
    } finally {
      if (!released) await sql`update broker_subscriptions set delivery_until = null where tenant = ${tenant} and id = ${id}`.execute(this.#db);
    }
  }

  async #build(tenant: string, sub: StoredSubscription, rows: OutboxRow[]): Promise<Record<string, unknown>> {
    // Names are compacted with the subscription's jsonldContext when it has one (5.2.12), else its own @context.
    const terms = await this.resolver.resolve(sub.jsonldContext ?? sub.context);
    const representation: Representation =
      sub.notification.format === 'keyValues' || sub.notification.format === 'simplified' ? 'simplified' : sub.notification.format === 'concise' ? 'concise' : 'normalized';
    // pick (or its deprecated synonym attributes) and omit (4.21): attributes, and the members id, type, scope.
    const { attributes, pick: picked, omit: omitted } = sub.notification;
    const attributeNames = (names: string[] | undefined) => (names ? new Set(names.filter((n) => !ENTITY_MEMBERS.includes(n))) : undefined);
    const pick = attributeNames(picked ?? attributes);
    const omit = attributeNames(omitted);
    const render = { terms, representation, sysAttrs: sub.notification.sysAttrs, pick, omit, members: projectedMembers(picked, omitted), lang: parseLang(sub.lang), datasetIds: sub.datasetId };
    const entities = rows.map((row) => (typeof row.entity === 'string' ? (JSON.parse(row.entity) as OutboxRow['entity']) : row.entity));
    // join (4.5.23): the linked entities as they are now, of this tenant, personal ones never.
    const join = sub.notification.join && { ...sub.notification.join, containedBy: [] };
    const linked = join ? await loadLinked(this.#db, tenant, entities, join, render) : new Map<string, StoredEntity>();
    const shown = join?.mode === 'inline' ? renderInline(entities, linked, join, render) : entities.map((entity) => renderEntity(entity, render));
    const data = entities.map((entity, i) => {
      const rendered = shown[i]!;
      if (entity.deletedAt) rendered.deletedAt = entity.deletedAt;
      for (const [iri, deleted] of Object.entries(entity.deletedAttrs ?? {})) {
        const instances = selectedInstances(deleted, render);
        if (attributeShown(iri, render) && instances.length > 0) rendered[terms.compactIri(iri)] = deletedAttribute(instances, sub.notification.sysAttrs, entity.modifiedAt);
      }
      for (const [iri, before] of Object.entries(entity.previous ?? {})) {
        const key = terms.compactIri(iri);
        if (rendered[key] !== undefined) rendered[key] = withPrevious(rendered[key], before);
      }
      return rendered;
    });
    if (join?.mode === 'flat') data.push(...[...linked.values()].map((entity) => renderEntity(entity, render)));
    return {
      id: `urn:ngsi-ld:Notification:${randomUUID()}`,
      type: 'Notification',
      subscriptionId: sub.id,
      notifiedAt: new Date().toISOString(),
      triggerReason: rows[0]!.trigger,
      data,
    };
  }

  /** Clause 5.3.2 CsourceNotification: the matching part of each registration, compacted. */
  async #buildCsource(sub: StoredSubscription, rows: OutboxRow[]): Promise<Record<string, unknown>> {
    const terms = await this.resolver.resolve(sub.context);
    const data = rows.map((row) => {
      const payload = (typeof row.entity === 'string' ? JSON.parse(row.entity) : row.entity) as CsourcePayload;
      const state = { timesSent: 0, timesFailed: 0, createdAt: '', modifiedAt: '' };
      return renderRegistration({ tenant: '', body: payload.registration, state }, { terms, sysAttrs: false, status: false }, payload.information);
    });
    const trigger = rows[0]!.trigger;
    return {
      id: `urn:ngsi-ld:Notification:${randomUUID()}`,
      type: 'Notification',
      subscriptionId: sub.id,
      notifiedAt: new Date().toISOString(),
      data,
      // Periodic notifications carry every match; the enumeration (5.3.3) has no reason for them.
      ...(trigger === 'timeInterval' ? {} : { triggerReason: trigger }),
    };
  }

  async #send(tenant: string, sub: StoredSubscription, notification: Record<string, unknown>): Promise<void> {
    const { endpoint } = sub.notification;
    const terms = await this.resolver.resolve(sub.jsonldContext ?? sub.context);
    const context = terms.contextForResponse;
    const ld = endpoint.accept === 'application/ld+json';
    const body = ld ? { ...notification, '@context': context } : notification;
    const headers: Record<string, string> = { 'content-type': endpoint.accept, 'ngsild-tenant': tenant };
    const linkUrl = sub.jsonldContext ?? sub.contextUrl ?? (typeof context === 'string' ? context : Array.isArray(context) ? context.find((c) => typeof c === 'string') : undefined);
    if (!ld && typeof linkUrl === 'string') headers.link = `<${linkUrl}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"`;
    for (const { key, value } of endpoint.receiverInfo ?? []) headers[key.toLowerCase()] = value;
    const url = new URL(endpoint.uri);
    // The endpoint's own timeout (5.2.15) when it is shorter than the broker's.
    const timeoutMs = Math.min(endpoint.timeout ?? SEND_TIMEOUT_MS, SEND_TIMEOUT_MS);
    if (url.protocol === 'mqtt:' || url.protocol === 'mqtts:') return this.#publish(url, sub, headers, body, timeoutMs);
    // Checked again at send time: the endpoint's address may have changed since it was accepted.
    const response = await this.ctx.outbound.fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status >= 300) throw new RefusedNotification(`the endpoint answered HTTP ${response.status}`);
  }

  /** MQTT binding: {"metadata": {headers}, "body": notification} on the URI's topic. */
  async #publish(url: URL, sub: StoredSubscription, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<void> {
    const topic = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!topic) throw new Error('the MQTT endpoint names no topic');
    const info = new Map((sub.notification.endpoint.notifierInfo ?? []).map((kv) => [kv.key, kv.value]));
    // Table 7.2-1: QoS 0 and MQTT 5.0 unless notifierInfo says otherwise (checked at subscribing).
    const qos = Number(info.get('MQTT-QoS') ?? 0) as 0 | 1 | 2;
    const version = info.get('MQTT-Version') === 'mqtt3.1.1' ? 4 : 5;
    const key = `${url.protocol}//${url.username}:${url.password}@${url.host}/v${version}`;
    let pending = this.#mqtt.get(key);
    if (!pending) {
      // MQTT connects by itself: connect to an address the outbound policy checked (the TLS
      // server name stays the host name), so the check and the connection see the same address.
      const [address] = await this.ctx.outbound.resolve(url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // The first connection fails rather than retries (allowRetries false), within the send
      // timeout: an endpoint that never completes the MQTT handshake (any other kind of server)
      // must fail its own delivery, not hold up every other subscription's. Once connected, the
      // client reconnects by itself.
      const connecting = mqtt.connectAsync(`${url.protocol}//${address ? (address.includes(':') ? `[${address}]` : address) : url.hostname}${url.port ? `:${url.port}` : ''}`, {
        ...(address && url.protocol === 'mqtts:' && address !== host ? { servername: host } : {}),
        username: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
        protocolVersion: version,
        connectTimeout: SEND_TIMEOUT_MS,
        reconnectPeriod: 1000,
      }, false);
      pending = withTimeout(connecting, SEND_TIMEOUT_MS, `the MQTT broker at ${url.host} did not accept a connection within ${SEND_TIMEOUT_MS / 1000} s`);
      this.#mqtt.set(key, pending);
      pending.catch(() => {
        this.#mqtt.delete(key);
        connecting.then((client) => client.end(true), () => undefined);
      });
    }
    const client = await pending;
    // Metadata keys as the receiverInfo names them (HTTP headers were lower-cased).
    const named = new Map((sub.notification.endpoint.receiverInfo ?? []).map(({ key }) => [key.toLowerCase(), key]));
    const metadata = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k === 'content-type' ? 'Content-Type' : k === 'link' ? 'Link' : named.get(k) ?? k, v]));
    await withTimeout(client.publishAsync(topic, JSON.stringify({ metadata, body }), { qos }), timeoutMs, `MQTT publish timed out after ${timeoutMs} ms`);
  }

  /**
   * Every entity a periodic subscription notifies: each of its selectors run as a query with its
   * q, scopeQ and geoQ (the subscription's own @context expanding q), page after page; personal
   * types never.
   */
  async #periodicEntities(tenant: string, sub: StoredSubscription): Promise<StoredEntity[]> {
    const terms = await this.resolver.resolve(sub.context);
    const excludeTypes = await this.#personal.typesOf(this.ctx.db, tenant);
    const conditions = {
      q: sub.q ? parseQ(sub.q) : undefined,
      expandValues: valueExpansion(sub.expandValues, sub.jsonKeys),
      scopeQ: sub.scopeQ ? parseScopeQuery(sub.scopeQ) : undefined,
      geo: sub.geoQ,
    };
    const found = new Map<string, StoredEntity>();
    for (const selector of sub.entities ?? []) {
      for (let offset = 0; ; offset += MAX_LIMIT) {
        const { entities } = await queryEntities(this.ctx.db, {
          tenant, ids: selector.id ? [selector.id] : undefined, idPattern: selector.idPattern, types: selector.types, ...conditions,
          limit: MAX_LIMIT, offset, count: false, expand: (t) => terms.expandTerm(t), excludeTypes,
        });
        for (const entity of entities) found.set(entity.id, entity);
        if (entities.length < MAX_LIMIT) break;
      }
    }
    return [...found.values()];
  }

  /** Periodic subscriptions (timeInterval): queue the current state of every entity selected and matching. */
  async runPeriodic(): Promise<void> {
    const due = (await sql<{ tenant: string; id: string; kind: string; body: StoredSubscription; time_interval: number }>`
      update broker_subscriptions set next_periodic_at = now() + make_interval(secs => time_interval)
      where time_interval is not null and is_active and (expires_at is null or expires_at > now())
        and (next_periodic_at is null or next_periodic_at <= now())
      returning tenant, id, kind, body, time_interval`.execute(this.#db)).rows;
    for (const row of due) {
      const sub = typeof row.body === 'string' ? (JSON.parse(row.body) as StoredSubscription) : row.body;
      if (row.kind === 'csource') {
        await queueAllMatching(this.#db, this.resolver, row.tenant, sub, 'timeInterval');
        continue;
      }
      const entities = await this.#periodicEntities(row.tenant, sub);
      for (let i = 0; i < entities.length; i += MAX_LIMIT) {
        await this.#db.insertInto('broker_notifications')
          .values(entities.slice(i, i + MAX_LIMIT).map((e) => ({ tenant: row.tenant, subscription_id: row.id, trigger: 'timeInterval', entity: JSON.stringify(e) })))
          .execute();
      }
    }
  }
}

/** The endpoint answered, with an error status: the notification was sent and failed. */
class RefusedNotification extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
