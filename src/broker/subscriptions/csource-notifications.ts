// Context source registration subscriptions (clause 5.11): which registrations a subscription
// matches (clause 5.12 as 5.11.2.4 applies it), and the outbox rows that notify the subscriber,
// written in the transaction of the change that causes them so the notifier's at-least-once
// delivery covers them as it covers entity notifications:
//   - on create and update of the subscription: every matching registration (newlyMatching);
//   - on a registration's create, update or delete: newlyMatching, updated or noLongerMatching
//     (clause 5.3.3) for each subscription it matched before or matches after;
//   - periodically (timeInterval): every matching registration (no triggerReason).
// Supported members: entities, watchedAttributes, notification.attributes, q (its attribute
// names match as the listed attributes do, as on Query Context Source Registrations), geoQ (on the
// registration's location, observationSpace or operationSpace), csf, temporalQ (registrations
// with an interval match only with one, and only if it matches), scopeQ, isActive, expiresAt,
// timeInterval, throttling. Names are expanded with the subscriber's @context when matching.
import { sql, type Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { matchesGeoQuery } from '../geo/geo-query.ts';
import type { Geometry } from '../geo/types.ts';
import type { TermResolver } from '../http/ngsi-http.ts';
import { parseQ, qAttributes } from '../query/q-language.ts';
import { matchesScopeQuery, parseScopeQuery } from '../query/scope-query.ts';
import { filterByCsf, parseCsf, type Csf } from '../registrations/csf.ts';
import {
  isTemporal,
  matchesTimeQuery,
  matchingInformation,
  REGISTRATION_GEOPROPERTIES,
  type StoredRegistration,
  type StoredRegistrationInfo,
} from '../registrations/registration.ts';
import type { StoredSubscription } from './subscription.ts';

export type CsourceTrigger = 'newlyMatching' | 'updated' | 'noLongerMatching' | 'timeInterval';

/** What an outbox row of a csource subscription carries: the registration and its matching part. */
export interface CsourcePayload {
  registration: StoredRegistration;
  information: StoredRegistrationInfo[];
}

/** Members of entity subscriptions that have no meaning for registrations: refused, never silently dropped. */
const ENTITY_ONLY_MEMBERS = ['datasetId', 'ngsildConformance', 'splitEntities', 'jsonldContext', 'lang', 'expandValues', 'jsonKeys', 'localOnly'];
const ENTITY_ONLY_NOTIFICATION_MEMBERS = ['pick', 'omit', 'join', 'joinLevel', 'showChanges'];

/**
 * A csource subscription's geoQ names one of a registration's GeoProperties, and it has none of
 * the members that shape notified entities (the other members are checked by parseSubscription).
 */
export function assertCsourceMembers(body: Record<string, unknown>): void {
  const notification = (typeof body.notification === 'object' && body.notification !== null ? body.notification : {}) as Record<string, unknown>;
  const given = (value: unknown) => value !== undefined && value !== null;
  const entityOnly = [
    ...ENTITY_ONLY_MEMBERS.filter((m) => given(body[m])),
    ...ENTITY_ONLY_NOTIFICATION_MEMBERS.filter((m) => given(notification[m])).map((m) => `notification.${m}`),
  ];
  if (entityOnly.length) {
    throw new NgsiError('OperationNotSupported', `${entityOnly.join(', ')}: not supported on context source registration subscriptions, whose notifications carry registrations, not entities`);
  }
  const geoproperty = (body.geoQ as { geoproperty?: unknown } | null | undefined)?.geoproperty;
  if (geoproperty !== undefined && !(REGISTRATION_GEOPROPERTIES as readonly unknown[]).includes(geoproperty)) {
    throw new NgsiError('BadRequestData', `geoQ.geoproperty: a registration's GeoProperties are ${REGISTRATION_GEOPROPERTIES.join(', ')}`);
  }
}

/** Entity subscriptions: temporalQ belongs to csource subscriptions (csf chooses the sources of a distributed one). */
export function assertEntityMembers(body: Record<string, unknown>): void {
  if (body.temporalQ !== undefined && body.temporalQ !== null) throw new NgsiError('BadRequestData', 'temporalQ: only context source registration subscriptions (csourceSubscriptions) take a temporal query');
}

/** Which registrations, and which parts of them, one csource subscription matches. */
class CsourceMatcher {
  private constructor(
    private readonly sub: StoredSubscription,
    private readonly attrs: string[] | undefined,
    private readonly geoMember: (typeof REGISTRATION_GEOPROPERTIES)[number],
    private readonly csf: Csf | undefined,
  ) {}

  static async for(sub: StoredSubscription, resolver: TermResolver): Promise<CsourceMatcher> {
    const terms = await resolver.resolve(sub.context);
    const expand = (t: string) => terms.expandTerm(t);
    // Attributes: the watched ones and those to notify (if either list is absent, any attribute),
    // and those q names.
    const listed = sub.watchedAttributes?.length && sub.notification.attributes?.length ? [...sub.watchedAttributes, ...sub.notification.attributes] : [];
    const named = sub.q ? qAttributes(parseQ(sub.q)).map(expand) : [];
    const attrs = [...new Set([...listed, ...named])];
    const geoMember = REGISTRATION_GEOPROPERTIES.find((m) => sub.geoQ && expand(m) === sub.geoQ.geoproperty) ?? 'location';
    return new CsourceMatcher(sub, attrs.length ? attrs : undefined, geoMember, sub.csf ? parseCsf(sub.csf, expand) : undefined);
  }

  /** The RegistrationInfo elements of `reg` the subscription matches, before csf (empty: no match). */
  information(reg: StoredRegistration, now = Date.now()): StoredRegistrationInfo[] {
    const { sub } = this;
    if (reg.expiresAt && Date.parse(reg.expiresAt) <= now) return [];
    if (sub.temporalQ ? !matchesTimeQuery(reg, sub.temporalQ, sub.temporalQ.timeproperty) : isTemporal(reg)) return [];
    if (sub.scopeQ && !matchesScopeQuery(parseScopeQuery(sub.scopeQ), reg.scope)) return [];
    if (sub.geoQ) {
      const where = reg[this.geoMember];
      if (where === undefined || !matchesGeoQuery(sub.geoQ, where as Geometry)) return [];
    }
    const matched = new Set<StoredRegistrationInfo>();
    for (const selector of sub.entities ?? [undefined]) {
      const filter = { selector: selector?.types, ids: selector?.id ? [selector.id] : undefined, idPattern: selector?.idPattern, attrs: this.attrs };
      for (const info of matchingInformation(reg, filter)) matched.add(info);
    }
    return reg.information.filter((info) => matched.has(info));
  }

  /** The items whose registration the subscription matches, with the matching parts; csf is evaluated in the database. */
  async matching<T>(db: Kysely<any>, items: T[], regOf: (item: T) => StoredRegistration): Promise<Array<{ item: T; information: StoredRegistrationInfo[] }>> {
    const candidates = items.map((item) => ({ item, information: this.information(regOf(item)) })).filter((m) => m.information.length > 0);
    return this.csf ? filterByCsf(db, this.csf, candidates, (m) => regOf(m.item)) : candidates;
  }

  async match(db: Kysely<any>, reg: StoredRegistration | undefined): Promise<StoredRegistrationInfo[]> {
    if (!reg) return [];
    return (await this.matching(db, [reg], (r) => r))[0]?.information ?? [];
  }
}

interface CsourceSubscriptionRow {
  id: string;
  body: StoredSubscription | string;
}

const parse = (body: StoredSubscription | string): StoredSubscription => (typeof body === 'string' ? (JSON.parse(body) as StoredSubscription) : body);

async function insertRows(db: Kysely<any>, tenant: string, rows: Array<{ subscription_id: string; trigger: CsourceTrigger; entity: CsourcePayload }>): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('broker_notifications').values(rows.map((r) => ({ tenant, ...r, entity: JSON.stringify(r.entity) }))).execute();
}

/** Queues what a registration's create (before undefined), update or delete (after undefined) causes. */
export async function queueRegistrationChange(db: Kysely<any>, resolver: TermResolver, tenant: string, before: StoredRegistration | undefined, after: StoredRegistration | undefined): Promise<void> {
  const subs = (await sql<CsourceSubscriptionRow>`select id, body from broker_subscriptions
    where tenant = ${tenant} and kind = 'csource' and is_active and time_interval is null
      and (expires_at is null or expires_at > now())`.execute(db)).rows;
  const rows: Array<{ subscription_id: string; trigger: CsourceTrigger; entity: CsourcePayload }> = [];
  for (const row of subs) {
    const matcher = await CsourceMatcher.for(parse(row.body), resolver);
    const was = await matcher.match(db, before);
    const is = await matcher.match(db, after);
    if (is.length) rows.push({ subscription_id: row.id, trigger: was.length ? 'updated' : 'newlyMatching', entity: { registration: after!, information: is } });
    // No longer matching: the registration as it is now (or, deleted, the part that matched).
    else if (was.length) rows.push({ subscription_id: row.id, trigger: 'noLongerMatching', entity: after ? { registration: after, information: after.information } : { registration: before!, information: was } });
  }
  await insertRows(db, tenant, rows);
}

/** Queues every registration `sub` matches now (on create, update and each timeInterval). */
export async function queueAllMatching(db: Kysely<any>, resolver: TermResolver, tenant: string, sub: StoredSubscription, trigger: CsourceTrigger): Promise<number> {
  const regs = (await sql<{ body: StoredRegistration | string }>`select body from broker_registrations
    where tenant = ${tenant} and (expires_at is null or expires_at > now()) order by id`.execute(db)).rows
    .map((r) => (typeof r.body === 'string' ? (JSON.parse(r.body) as StoredRegistration) : r.body));
  const matcher = await CsourceMatcher.for(sub, resolver);
  const rows = (await matcher.matching(db, regs, (r) => r)).map(({ item: registration, information }) => ({ subscription_id: sub.id, trigger, entity: { registration, information } }));
  await insertRows(db, tenant, rows);
  return rows.length;
}
