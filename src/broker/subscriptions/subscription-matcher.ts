// Decides, inside the transaction of every entity write, which subscriptions the change
// triggers (clause 5.8 and 7.2: entities, watchedAttributes, notificationTrigger, q, geoQ,
// scopeQ, expiry, isActive) and writes one outbox row per match. The tenant's active
// subscriptions are cached per process under the tenant's version, which each write reads in
// its own transaction (tenant-state.ts), so a subscription created or deleted through another
// server process takes effect at once.
import { sql, type RawBuilder } from 'kysely';
import type { EntityChange, BrokerTrx } from '../entities/entity-store.ts';
import type { StoredAttribute, StoredEntity } from '../entities/stored-entity.ts';
import { typesMatch } from '../entities/type-selector.ts';
import { matchesGeoQuery } from '../geo/geo-query.ts';
import type { Geometry } from '../geo/types.ts';
import { parseQ, qHasLinks, valueExpansion, type QExpression } from '../query/q-language.ts';
import { compileQ, qToJsonPath } from '../query/q-sql.ts';
import { matchesScopeQuery, parseScopeQuery } from '../query/scope-query.ts';
import type { TermResolver } from '../http/ngsi-http.ts';
import { isPersonal, type PersonalTypes } from '../personal/personal-types.ts';
import { VersionedCache } from '../tenant-state.ts';
import type { StoredSubscription, Trigger } from './subscription.ts';

interface ActiveSubscription {
  id: string;
  body: StoredSubscription;
  /** expires_at in ms since the epoch; null: never. */
  expiresAt: number | null;
}

/** What happened to an entity, attribute by attribute. */
export interface ChangeSummary {
  entity: Trigger | null;
  created: Set<string>;
  updated: Set<string>;
  deleted: Set<string>;
}

/** An instance without its system times: writing the same value again is no change (5.8.6). */
function content(instance: StoredAttribute): unknown {
  const { createdAt: _c, modifiedAt: _m, sub, ...rest } = instance;
  return sub ? { ...rest, sub: Object.fromEntries(Object.entries(sub).map(([k, v]) => [k, content(v)])) } : rest;
}

function sameInstances(a: StoredAttribute[] | undefined, b: StoredAttribute[] | undefined): boolean {
  return JSON.stringify(a?.map(content)) === JSON.stringify(b?.map(content));
}

export function summarise(change: EntityChange): ChangeSummary {
  const { before, after } = change;
  const summary: ChangeSummary = { entity: null, created: new Set(), updated: new Set(), deleted: new Set() };
  if (!before && after) {
    summary.entity = 'entityCreated';
    for (const iri of Object.keys(after.attrs)) summary.created.add(iri);
  } else if (before && !after) {
    summary.entity = 'entityDeleted';
    for (const iri of Object.keys(before.attrs)) summary.deleted.add(iri);
  } else if (before && after) {
    summary.entity = 'entityUpdated';
    for (const iri of Object.keys(after.attrs)) {
      if (!(iri in before.attrs)) summary.created.add(iri);
      else if (!sameInstances(before.attrs[iri], after.attrs[iri])) summary.updated.add(iri);
    }
    for (const iri of Object.keys(before.attrs)) if (!(iri in after.attrs)) summary.deleted.add(iri);
  }
  return summary;
}

/** The trigger this change fires for a subscription, or null (clause 5.8.1 notificationTrigger). */
export function triggerFor(sub: StoredSubscription, summary: ChangeSummary): Trigger | null {
  const watched = sub.watchedAttributes ? new Set(sub.watchedAttributes) : null;
  const touches = (set: Set<string>) => (watched ? [...set].some((a) => watched.has(a)) : set.size > 0);
  const wants = new Set(sub.notificationTrigger);
  if (summary.entity === 'entityCreated' && wants.has('entityCreated') && !watched) return 'entityCreated';
  if (summary.entity === 'entityDeleted' && wants.has('entityDeleted') && !watched) return 'entityDeleted';
  if (wants.has('attributeCreated') && touches(summary.created)) return 'attributeCreated';
  if (wants.has('attributeUpdated') && touches(summary.updated)) return 'attributeUpdated';
  if (wants.has('attributeDeleted') && touches(summary.deleted)) return 'attributeDeleted';
  if (summary.entity === 'entityUpdated' && wants.has('entityUpdated') && (touches(summary.created) || touches(summary.updated) || touches(summary.deleted))) return 'entityUpdated';
  if (summary.entity === 'entityCreated' && wants.has('entityCreated') && watched && touches(summary.created)) return 'entityCreated';
  if (summary.entity === 'entityDeleted' && wants.has('entityDeleted') && watched && touches(summary.deleted)) return 'entityDeleted';
  return null;
}

/** Deleted attributes a notification names (5.8.6): their kinds and datasetIds, kept with the entity as it is now. */
export type DeletedAttributes = Record<string, Array<{ type: StoredAttribute['type']; datasetId?: string }>>;

/** What an entity subscription's outbox row carries (notifier.ts renders it). */
export type OutboxEntity = StoredEntity & { deletedAt?: string; deletedAttrs?: DeletedAttributes; previous?: Record<string, StoredAttribute[]> };

/**
 * The outbox payload of a change: the entity as it is now, with the attributes the change deleted
 * (5.8.6) and, for showChanges, the previous instances of those it updated (5.2.14).
 */
function outboxPayload(entity: StoredEntity, change: EntityChange, summary: ChangeSummary, showChanges = false): OutboxEntity {
  if (!change.before || (summary.deleted.size === 0 && !(showChanges && summary.updated.size))) return entity;
  const out: OutboxEntity = { ...entity };
  if (summary.deleted.size) {
    out.deletedAttrs = {};
    for (const iri of summary.deleted) out.deletedAttrs[iri] = (change.before.attrs[iri] ?? []).map((i) => ({ type: i.type, ...(i.datasetId ? { datasetId: i.datasetId } : {}) }));
  }
  if (showChanges && summary.updated.size) out.previous = Object.fromEntries([...summary.updated].map((iri) => [iri, change.before!.attrs[iri] ?? []]));
  return out;
}

export function selects(sub: StoredSubscription, entity: StoredEntity): boolean {
  if (!sub.entities) return true;
  return sub.entities.some((selector) => {
    if (selector.id && selector.id !== entity.id) return false;
    if (selector.idPattern && !new RegExp(selector.idPattern).test(entity.id)) return false;
    return typesMatch(selector.types, entity.types);
  });
}

export class SubscriptionMatcher {
  readonly #parsedQ = new Map<string, QExpression>();
  readonly #subscriptions = new VersionedCache<ActiveSubscription[]>();

  constructor(
    private readonly resolver: TermResolver,
    private readonly personal: PersonalTypes,
  ) {}

  /** The EntityStore listener: reads in the write's transaction; returns the outbox insert. */
  readonly listener = async (trx: BrokerTrx, changes: EntityChange[], tenantVersion: () => Promise<number>): Promise<RawBuilder<unknown>[]> => {
    if (changes.length === 0) return [];
    const tenant = changes[0]!.tenant;
    const version = await tenantVersion();
    const now = Date.now();
    const subs = (await this.#subscriptions.get(tenant, version, () => loadActive(trx, tenant))).filter((s) => s.expiresAt === null || s.expiresAt > now);
    if (subs.length === 0) return [];
    // Personal entities never go out in notifications: only the opt-in gateway serves them.
    const personal = await this.personal.typesOf(trx, tenant, version);
    const rows: Array<{ subscription_id: string; trigger: string; entity: unknown }> = [];
    for (const change of changes) {
      const summary = summarise(change);
      const entity = change.after ?? change.before!;
      if (isPersonal(personal, entity.types) || (change.before && isPersonal(personal, change.before.types))) continue;
      for (const { id, body: sub } of subs) {
        if (!selects(sub, entity)) continue;
        const trigger = triggerFor(sub, summary);
        if (!trigger) continue;
        if (!(await this.matchesConditions(trx, sub, entity))) continue;
        const payload = change.after ? outboxPayload(entity, change, summary, sub.notification.showChanges) : { ...entity, attrs: {}, deletedAt: new Date().toISOString() };
        rows.push({ subscription_id: id, trigger, entity: payload });
      }
    }
    if (rows.length === 0) return [];
    // In change order, so the notifier delivers changes in the order they were made.
    return [sql`insert into broker_notifications (tenant, subscription_id, trigger, entity)
      select ${tenant}, r->>'subscription_id', r->>'trigger', r->'entity'
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as u(r, n) order by u.n`];
  };

  /** The subscription's scopeQ, geoQ and q on one entity (its entities and trigger checked before). */
  async matchesConditions(trx: BrokerTrx, sub: StoredSubscription, entity: StoredEntity): Promise<boolean> {
    if (sub.scopeQ && !matchesScopeQuery(parseScopeQuery(sub.scopeQ), entity.scopes)) return false;
    if (sub.geoQ) {
      const geo = entity.attrs[sub.geoQ.geoproperty] ?? [];
      if (!geo.some((i) => i.type === 'GeoProperty' && matchesGeoQuery(sub.geoQ!, i.value as Geometry))) return false;
    }
    return !sub.q || this.#matchesQ(trx, sub, entity);
  }

  /** Evaluates the subscription's q on one entity with the same SQL/JSON path as queries use. */
  async #matchesQ(trx: BrokerTrx, sub: StoredSubscription, entity: StoredEntity): Promise<boolean> {
    let ast = this.#parsedQ.get(sub.q!);
    if (!ast) {
      ast = parseQ(sub.q!);
      if (this.#parsedQ.size > 1000) this.#parsedQ.clear();
      this.#parsedQ.set(sub.q!, ast);
    }
    const terms = await this.resolver.resolve(sub.context === undefined ? undefined : sub.context);
    const expandValues = valueExpansion(sub.expandValues, sub.jsonKeys);
    if (qHasLinks(ast)) {
      // Linked entities are read in the write's transaction, so they are seen as of this change.
      const condition = compileQ(ast, { attrs: sql`${JSON.stringify(entity.attrs)}::jsonb`, tenant: sql`${entity.tenant}::text`, expand: (t) => terms.expandTerm(t), expandValues });
      return (await sql<{ ok: boolean }>`select ${condition} as ok`.execute(trx)).rows[0]?.ok === true;
    }
    const { jsonpath, vars } = qToJsonPath(ast, { expand: (t) => terms.expandTerm(t), expandValues });
    const result = await sql<{ ok: boolean }>`select jsonb_path_exists(${JSON.stringify(entity.attrs)}::jsonb, ${jsonpath}::jsonpath, ${vars}::jsonb) as ok`.execute(trx);
    return result.rows[0]?.ok === true;
  }
}

/** The tenant's active, non-periodic subscriptions (expiry is checked at each use). */
async function loadActive(trx: BrokerTrx, tenant: string): Promise<ActiveSubscription[]> {
  const rows = (await sql<{ id: string; body: StoredSubscription | string; expires_at: Date | string | null }>`
    select id, body, expires_at from broker_subscriptions
    where tenant = ${tenant} and kind = 'entity' and is_active and time_interval is null`.execute(trx)).rows;
  return rows.map((r) => ({
    id: r.id,
    body: typeof r.body === 'string' ? (JSON.parse(r.body) as StoredSubscription) : r.body,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at).getTime(),
  }));
}
