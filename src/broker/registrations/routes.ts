// Context Source Registration (clauses 5.9, 5.10, 6.8, 6.9): /ngsi-ld/v1/csourceRegistrations
// and /csourceRegistrations/{registrationId}. Names are expanded with the requester's @context
// and stored expanded; answers are compacted with the requester's @context.
//
// Writing registrations needs broker.manage_tenants (a municipal administrator), not just
// broker.write: a registration makes the broker send requests, possibly with credentials, to a
// URL of the registrant's choosing, so it is configuration of the broker, not data.
// Reading them needs broker.read; credential-like contextSourceInfo values are redacted.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { BrokerPermission } from '../broker-tenants.ts';
import { NgsiError } from '../errors.ts';
import { assertEntityId, assertName } from '../entities/entity-input.ts';
import { MAX_LIMIT } from '../entities/entity-query.ts';
import { expandTypeSelector, parseTypeSelector } from '../entities/type-selector.ts';
import { begin, type BrokerServices } from '../http/broker-services.ts';
import { assertContactable } from '../http/outbound-check.ts';
import { negotiate, pageLinks, sendNgsi } from '../http/ngsi-http.ts';
import { bodyObject, list, options, paging, param, type Query } from '../http/request-options.ts';
import { parseQ, qAttributes } from '../query/q-language.ts';
import { parseTimeQuery } from '../temporal/temporal-params.ts';
import { matchesScopeQuery, parseScopeQuery } from '../query/scope-query.ts';
import { matchesGeoQuery, parseGeoQuery } from '../geo/geo-query.ts';
import type { Geometry } from '../geo/types.ts';
import {
  applyFragment,
  isTemporal,
  matchingInformation,
  matchesTimeQuery,
  parseRegistration,
  REGISTRATION_GEOPROPERTIES,
  registeredNames,
  renderRegistration,
  type RegistrationFilter,
  type StoredRegistration,
} from './registration.ts';
import { RegistrationStore } from './registration-store.ts';
import { filterByCsf, parseCsf } from './csf.ts';
import { queueRegistrationChange } from '../subscriptions/csource-notifications.ts';
import { queueRegistrationSubscriptions } from '../subscriptions/distributed-subscriptions.ts';
import type { Kysely } from 'kysely';

const BASE = '/ngsi-ld/v1/csourceRegistrations';
export const REGISTRATION_WRITE: BrokerPermission = 'broker.manage_tenants';

type IdParams = { registrationId: string };

export async function registrationRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const registrations = new RegistrationStore(services.ctx.db);
  // A registration's change, the csource notifications it causes (5.11.7) and the job that
  // carries it to the distributed subscriptions (5.8.1.4) commit together.
  const write = async (work: (store: RegistrationStore, trx: Kysely<any>) => Promise<void>) => {
    await services.ctx.db.transaction().execute((trx) => work(new RegistrationStore(trx), trx as unknown as Kysely<any>));
    services.wakeNotifier();
  };

  // 6.8.3.1 Register Context Source (5.9.2)
  app.post(BASE, async (request, reply) => {
    const body = bodyObject(request);
    const { tenant, terms } = await begin(services, request, REGISTRATION_WRITE, { createTenant: true, bodies: [body] });
    const reg = parseRegistration(body, terms, () => `urn:ngsi-ld:ContextSourceRegistration:${randomUUID()}`);
    await assertContactable(services.ctx.outbound, reg.endpoint, 'endpoint');
    await checkConflicts(services, registrations, tenant.name, reg);
    await write(async (store, trx) => {
      await store.create(tenant.name, reg);
      await queueRegistrationChange(trx, services.resolver, tenant.name, undefined, reg);
      await queueRegistrationSubscriptions(services.ctx, trx, tenant.name, undefined, reg);
    });
    return reply.code(201).header('location', `${BASE}/${encodeURIComponent(reg.id)}`).send();
  });

  // 6.8.3.2 Query Context Source Registrations (5.10.2)
  app.get(BASE, async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const query = request.query as Query;
    const ids = list(query, 'id');
    ids?.forEach((id) => assertEntityId(id, 'id'));
    const type = param(query, 'type');
    const idPattern = param(query, 'idPattern');
    if (idPattern !== undefined) {
      try {
        new RegExp(idPattern);
      } catch {
        throw new NgsiError('BadRequestData', `idPattern: "${idPattern}" is not a valid regular expression`);
      }
    }
    const attrs = (list(query, 'attrs') ?? []).map((a) => {
      assertName(a, 'attrs');
      return terms.expandTerm(a);
    });
    const q = param(query, 'q');
    if (q) attrs.push(...qAttributes(parseQ(q)).map((a) => terms.expandTerm(a)));
    const filter: RegistrationFilter = {
      selector: type ? expandTypeSelector(parseTypeSelector(type), (t) => terms.expandTerm(t)) : undefined,
      ids,
      idPattern,
      attrs: attrs.length ? attrs : undefined,
    };
    const csf = param(query, 'csf');
    // 5.10.2: a geo-query on the registration's location (or observationSpace, operationSpace), a scopeQ on its scope.
    const geo = parseGeoQuery({ georel: param(query, 'georel'), geometry: param(query, 'geometry'), coordinates: param(query, 'coordinates'), geoproperty: param(query, 'geoproperty') }, 'query');
    const geoMember = geo?.geoproperty ?? 'location';
    if (geo && !(REGISTRATION_GEOPROPERTIES as readonly string[]).includes(geoMember)) {
      throw new NgsiError('BadRequestData', `geoproperty: a registration's GeoProperties are ${REGISTRATION_GEOPROPERTIES.join(', ')}`);
    }
    const scopeQ = param(query, 'scopeQ');
    const scope = scopeQ ? parseScopeQuery(scopeQ) : undefined;
    const { time, timeproperty } = parseTimeQuery(query, false);
    const filtered = Boolean(filter.selector || ids || idPattern || filter.attrs);
    const bareListing = !filtered && !geo && !scope && !csf;
    const page = paging(query);
    if (page.limit > MAX_LIMIT) throw new NgsiError('TooManyResults', `limit: at most ${MAX_LIMIT} registrations per page`);
    const sysAttrs = options(query).has('sysAttrs');
    // Without any filter, every registration of the tenant is listed (an extension: the spec asks
    // for at least one of type, attrs, q or georel, which makes registrations hard to manage).
    let matches = (await registrations.list(tenant.name))
      .map((reg) => ({ reg, info: filtered ? matchingInformation(reg.body, filter) : reg.body.information }))
      .filter((m) => m.info.length > 0)
      // 5.10.2.4: a temporal query considers only registrations whose interval it matches; a
      // query without one, only sources of latest information (no interval). The bare listing
      // (no filter at all) still shows every registration.
      .filter(({ reg }) => (time ? matchesTimeQuery(reg.body, time, timeproperty) : bareListing || !isTemporal(reg.body)))
      .filter(({ reg }) => !scope || matchesScopeQuery(scope, reg.body.scope))
      .filter(({ reg }) => {
        const where = reg.body[geoMember as (typeof REGISTRATION_GEOPROPERTIES)[number]];
        return !geo || (where !== undefined && matchesGeoQuery(geo, where as Geometry));
      });
    // 5.10.2.4: the context source filter on the registrations' Context Source properties.
    if (csf) matches = await filterByCsf(services.ctx.db as unknown as Kysely<any>, parseCsf(csf, (t) => terms.expandTerm(t)), matches, (m) => m.reg.body);
    if (page.count) reply.header('ngsild-results-count', String(matches.length));
    pageLinks(reply, request, page, matches.slice(page.offset, page.offset + page.limit).length, matches.length);
    const body = matches
      .slice(page.offset, page.offset + page.limit)
      .map((m) => renderRegistration(m.reg, { terms, sysAttrs }, filtered ? m.info : undefined));
    return sendNgsi(reply, 200, body, terms, answer);
  });

  // 6.9.3.1 Retrieve Context Source Registration (5.10.1)
  app.get<{ Params: IdParams }>(`${BASE}/:registrationId`, async (request, reply) => {
    const answer = negotiate(request);
    const id = assertEntityId(request.params.registrationId, 'registrationId');
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const reg = await registrations.get(tenant.name, id);
    if (!reg) throw new NgsiError('ResourceNotFound', `Context source registration ${id} does not exist`);
    const sysAttrs = options(request.query as Query).has('sysAttrs');
    return sendNgsi(reply, 200, renderRegistration(reg, { terms, sysAttrs }), terms, answer);
  });

  // 6.9.3.2 Update Context Source Registration (5.9.3)
  app.patch<{ Params: IdParams }>(`${BASE}/:registrationId`, async (request, reply) => {
    const id = assertEntityId(request.params.registrationId, 'registrationId');
    const body = bodyObject(request);
    const { tenant, terms } = await begin(services, request, REGISTRATION_WRITE, { bodies: [body] });
    const previous = await registrations.get(tenant.name, id);
    if (!previous) throw new NgsiError('ResourceNotFound', `Context source registration ${id} does not exist`);
    const next = applyFragment(previous.body, body, terms, id);
    if (next.endpoint !== previous.body.endpoint) await assertContactable(services.ctx.outbound, next.endpoint, 'endpoint');
    await checkConflicts(services, registrations, tenant.name, next);
    await write(async (store, trx) => {
      await store.update(tenant.name, next);
      await queueRegistrationChange(trx, services.resolver, tenant.name, previous.body, next);
      await queueRegistrationSubscriptions(services.ctx, trx, tenant.name, previous.body, next);
    });
    return reply.code(204).send();
  });

  // 6.9.3.3 Delete Context Source Registration (5.9.4)
  app.delete<{ Params: IdParams }>(`${BASE}/:registrationId`, async (request, reply) => {
    const id = assertEntityId(request.params.registrationId, 'registrationId');
    const { tenant } = await begin(services, request, REGISTRATION_WRITE);
    await write(async (store, trx) => {
      const previous = await store.get(tenant.name, id);
      await store.delete(tenant.name, id);
      await queueRegistrationChange(trx, services.resolver, tenant.name, previous?.body, undefined);
      await queueRegistrationSubscriptions(services.ctx, trx, tenant.name, previous?.body, undefined);
    });
    return reply.code(204).send();
  });
}

/**
 * Clause 5.9.2.4 / 5.9.3.4: an exclusive registration may not overlap another exclusive or
 * redirect registration for the same entity and attribute, nor attributes the broker holds for
 * that entity; a redirect registration may not cover entities the broker holds.
 */
/** The entity of an exclusive registration whose attributes another registration also covers, if any. */
function exclusiveOverlap(exclusive: StoredRegistration, other: StoredRegistration): string | undefined {
  for (const info of exclusive.information) {
    const names = registeredNames(info) ?? [];
    for (const entity of info.entities ?? []) {
      // The entity's types matter too: a redirect registration of another type is no overlap.
      const selector = { kind: 'or' as const, items: entity.types.map((name) => ({ kind: 'type' as const, name })) };
      if (matchingInformation(other, { ids: [entity.id!], attrs: names, selector }).length > 0) return entity.id;
    }
  }
  return undefined;
}

async function checkConflicts(services: BrokerServices, registrations: RegistrationStore, tenant: string, reg: StoredRegistration): Promise<void> {
  const db = services.ctx.db;
  // 4.3.6.3: once an exclusive registration exists, no other exclusive or redirect one may cover
  // the same entity and attributes, whichever comes first.
  const others = (await registrations.active(tenant)).filter((r) => r.body.id !== reg.id && (r.body.mode === 'exclusive' || (reg.mode === 'exclusive' && r.body.mode === 'redirect')));
  if (reg.mode === 'exclusive' || reg.mode === 'redirect') {
    for (const other of others) {
      const id = reg.mode === 'exclusive' ? exclusiveOverlap(reg, other.body) : exclusiveOverlap(other.body, reg);
      if (id) throw new NgsiError('Conflict', `Registration ${other.body.id} (${other.body.mode}) already covers entity ${id} with some of these attributes`);
    }
  }
  if (reg.mode === 'exclusive') {
    for (const info of reg.information) {
      const names = registeredNames(info) ?? [];
      for (const entity of info.entities ?? []) {
        const id = entity.id!;
        const local = await sql`select 1 from broker_entities where tenant = ${tenant} and id = ${id} and attrs ?| ${sql.val(names)}::text[] limit 1`.execute(db);
        if (local.rows.length) throw new NgsiError('Conflict', `Entity ${id} is held by this broker with some of the attributes an exclusive registration would take over`);
      }
    }
  }
  if (reg.mode === 'redirect') {
    for (const info of reg.information) {
      const names = registeredNames(info);
      const attrCondition = names ? sql`and attrs ?| ${sql.val(names)}::text[]` : sql``;
      const entities = info.entities ?? [undefined];
      for (const entity of entities) {
        const conditions = [sql`tenant = ${tenant}`];
        if (entity) {
          conditions.push(sql`types && ${sql.val(entity.types)}::text[]`);
          if (entity.id) conditions.push(sql`id = ${entity.id}`);
          else if (entity.idPattern) conditions.push(sql`id ~ ${entity.idPattern}`);
        }
        const found = await sql<{ id: string }>`select id from broker_entities where ${sql.join(conditions, sql` and `)} ${attrCondition} limit 1`.execute(db);
        if (found.rows.length) throw new NgsiError('Conflict', `Entity ${found.rows[0]!.id} is held by this broker and matches this redirect registration`);
      }
    }
  }
}
