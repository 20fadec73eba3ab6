// Context source registration subscriptions (clause 5.11): which registrations a subscription
// matches (clause 5.12 as 5.11.2.4 applies it), and the outbox rows that notify the subscriber,
// written in the transaction of the change that causes them so the notifier's at-least-once
// delivery covers them as it covers entity notifications:
//   - on create and update of the subscription: every matching registration (newlyMatching);
//   - on a registration's create, update or delete: newlyMatching, updated or noLongerMatching
//     (clause 5.3.3) for each subscription it matched before or matches after;
//   - periodically (timeInterval): every matching registration (no triggerReason).
// Supported members: entities, watchedAttributes, notification.attributes, scopeQ, isActive,
// expiresAt, timeInterval, throttling. q, geoQ, csf and temporalQ are refused
// (OperationNotSupported), so registrations with an observation or management interval (temporal
// sources) never match.
import { sql, type Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { matchesScopeQuery, parseScopeQuery } from '../query/scope-query.ts';
import { isTemporal, matchingInformation, type StoredRegistration, type StoredRegistrationInfo } from '../registrations/registration.ts';
import type { StoredSubscription } from './subscription.ts';

export type CsourceTrigger = 'newlyMatching' | 'updated' | 'noLongerMatching' | 'timeInterval';

/** What an outbox row of a csource subscription carries: the registration and its matching part. */
export interface CsourcePayload {
  registration: StoredRegistration;
  information: StoredRegistrationInfo[];
}

const UNSUPPORTED = ['q', 'geoQ', 'csf', 'temporalQ'] as const;

/** Members a csource subscription may not use here (clause 5.11.2.4 features not implemented). */
export function assertCsourceMembers(body: Record<string, unknown>): void {
  const used = UNSUPPORTED.filter((m) => body[m] !== undefined && body[m] !== null);
  if (used.length) throw new NgsiError('OperationNotSupported', `${used.join(', ')}: not supported on context source registration subscriptions`);
}

/** The RegistrationInfo elements of `reg` that `sub` matches (empty: no match). */
export function csourceMatch(sub: StoredSubscription, reg: StoredRegistration, now = Date.now()): StoredRegistrationInfo[] {
  if (isTemporal(reg)) return [];
  if (reg.expiresAt && Date.parse(reg.expiresAt) <= now) return [];
  if (sub.scopeQ && !matchesScopeQuery(parseScopeQuery(sub.scopeQ), reg.scope)) return [];
  // Attributes: the watched ones and those to notify; if either list is absent, any attribute.
  const attrs = sub.watchedAttributes?.length && sub.notification.attributes?.length
    ? [...new Set([...sub.watchedAttributes, ...sub.notification.attributes])]
    : undefined;
  const selectors = sub.entities ?? [undefined];
  const matched = new Set<StoredRegistrationInfo>();
  for (const selector of selectors) {
    const filter = {
      selector: selector?.types,
      ids: selector?.id ? [selector.id] : undefined,
      idPattern: selector?.idPattern,
      attrs,
    };
    for (const info of matchingInformation(reg, filter)) matched.add(info);
  }
  return reg.information.filter((info) => matched.has(info));
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
export async function queueRegistrationChange(db: Kysely<any>, tenant: string, before: StoredRegistration | undefined, after: StoredRegistration | undefined): Promise<void> {
  const subs = (await sql<CsourceSubscriptionRow>`select id, body from broker_subscriptions
    where tenant = ${tenant} and kind = 'csource' and is_active and time_interval is null
      and (expires_at is null or expires_at > now())`.execute(db)).rows;
  const rows: Array<{ subscription_id: string; trigger: CsourceTrigger; entity: CsourcePayload }> = [];
  for (const row of subs) {
    const sub = parse(row.body);
    const was = before ? csourceMatch(sub, before) : [];
    const is = after ? csourceMatch(sub, after) : [];
    if (is.length) rows.push({ subscription_id: row.id, trigger: was.length ? 'updated' : 'newlyMatching', entity: { registration: after!, information: is } });
    // No longer matching: the registration as it is now (or, deleted, the part that matched).
    else if (was.length) rows.push({ subscription_id: row.id, trigger: 'noLongerMatching', entity: after ? { registration: after, information: after.information } : { registration: before!, information: was } });
  }
  await insertRows(db, tenant, rows);
}

/** Queues every registration `sub` matches now (on create, update and each timeInterval). */
export async function queueAllMatching(db: Kysely<any>, tenant: string, sub: StoredSubscription, trigger: CsourceTrigger): Promise<number> {
  const regs = (await sql<{ body: StoredRegistration | string }>`select body from broker_registrations
    where tenant = ${tenant} and (expires_at is null or expires_at > now()) order by id`.execute(db)).rows;
  const rows = regs.flatMap((r) => {
    const registration = typeof r.body === 'string' ? (JSON.parse(r.body) as StoredRegistration) : r.body;
    const information = csourceMatch(sub, registration);
    return information.length ? [{ subscription_id: sub.id, trigger, entity: { registration, information } }] : [];
  });
  await insertRows(db, tenant, rows);
  return rows.length;
}
