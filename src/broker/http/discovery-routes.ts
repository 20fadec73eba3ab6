// Context information discovery (clause 5.7.5–5.7.10, 6.25–6.28): which entity types and
// attributes a tenant holds. Computed from the stored entities, so it is never stale, and from
// the Context Registry as clause 5.7.11 allows: the types and attribute names of the registrations
// that offer the operation are "possibly available" from their sources (their counts are the
// local ones; a source is not asked). `local=true` leaves the registrations out. Personal types
// (personal/personal-types.ts) are left out, as from every other read of the NGSI-LD API.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertName } from '../entities/entity-input.ts';
import { isTemporal, offers } from '../registrations/registration.ts';
import { RegistrationStore } from '../registrations/registration-store.ts';
import { begin, type BrokerServices } from './broker-services.ts';
import { negotiate, sendNgsi } from './ngsi-http.ts';
import { param, type Query } from './request-options.ts';

function flag(query: Query, name: string): boolean {
  const value = param(query, name);
  if (value !== undefined && value !== 'true' && value !== 'false') throw new NgsiError('BadRequestData', `${name}: must be true or false`);
  return value === 'true';
}

/** What the tenant's registrations say their sources may hold, by expanded IRI. */
interface Registered {
  types: Set<string>;
  /** Attribute → its kinds (Property for propertyNames, Relationship for relationshipNames) and the types it was registered with. */
  attrs: Map<string, { kinds: Set<string>; types: Set<string> }>;
}

const add = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => (map.get(key) ?? map.set(key, new Set()).get(key)!).add(value);
const union = (...lists: Array<Iterable<string> | null | undefined>) => [...new Set(lists.flatMap((l) => [...(l ?? [])]))].sort();

export async function discoveryRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const db = services.ctx.db;
  const registrations = new RegistrationStore(db);

  /** The tenant, its terms, its personal types, and what its registrations offering `operation` name. */
  const start = async (request: FastifyRequest, operation: string) => {
    const query = request.query as Query;
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const personal = await services.personal.typesOf(db, tenant.name);
    const registered: Registered = { types: new Set(), attrs: new Map() };
    if (!flag(query, 'local')) {
      for (const { body: reg } of await registrations.active(tenant.name)) {
        if (isTemporal(reg) || !offers(reg, operation)) continue;
        for (const info of reg.information) {
          const types = (info.entities ?? []).flatMap((e) => e.types).filter((t) => !personal.includes(t));
          if (info.entities?.length && types.length === 0) continue; // only personal types
          types.forEach((t) => registered.types.add(t));
          for (const [names, kind] of [[info.propertyNames, 'Property'], [info.relationshipNames, 'Relationship']] as const) {
            for (const name of names ?? []) {
              const attr = registered.attrs.get(name) ?? registered.attrs.set(name, { kinds: new Set(), types: new Set() }).get(name)!;
              attr.kinds.add(kind);
              types.forEach((t) => attr.types.add(t));
            }
          }
        }
      }
    }
    // Entities of a personal type are not counted or described.
    const visible = personal.length ? sql`and not (e.types && ${sql.val(personal)}::text[])` : sql``;
    return { tenant: tenant.name, terms, personal, registered, visible };
  };

  app.get('/ngsi-ld/v1/types', async (request, reply) => {
    const answer = negotiate(request);
    const details = flag(request.query as Query, 'details');
    const { tenant, terms, registered, visible } = await start(request, details ? 'retrieveEntityTypeDetails' : 'retrieveEntityTypes');
    const typeAttrs = new Map<string, Set<string>>();
    for (const t of registered.types) typeAttrs.set(t, new Set());
    for (const [attr, { types }] of registered.attrs) types.forEach((t) => add(typeAttrs, t, attr));
    if (!details) {
      const rows = await sql<{ t: string }>`select distinct t from broker_entities e cross join lateral unnest(e.types) as t
        where e.tenant = ${tenant} ${visible}`.execute(db);
      const all = union(rows.rows.map((r) => r.t), registered.types);
      const body = { id: `urn:ngsi-ld:EntityTypeList:${randomUUID()}`, type: 'EntityTypeList', typeList: all.map((t) => terms.compactIri(t)) };
      return sendNgsi(reply, 200, body, terms, answer);
    }
    const rows = await sql<{ t: string; names: string[] | null }>`
      select t, array_agg(distinct k) filter (where k is not null) as names
      from broker_entities e cross join lateral unnest(e.types) as t
      left join lateral jsonb_object_keys(e.attrs) as k on true
      where e.tenant = ${tenant} ${visible} group by t`.execute(db);
    for (const r of rows.rows) {
      if (!typeAttrs.has(r.t)) typeAttrs.set(r.t, new Set());
      (r.names ?? []).forEach((n) => add(typeAttrs, r.t, n));
    }
    const body = [...typeAttrs.keys()].sort().map((t) => ({
      id: t,
      type: 'EntityType',
      typeName: terms.compactIri(t),
      attributeNames: [...typeAttrs.get(t)!].map((n) => terms.compactIri(n)).sort(),
    }));
    return sendNgsi(reply, 200, body, terms, answer);
  });

  app.get<{ Params: { type: string } }>('/ngsi-ld/v1/types/:type', async (request, reply) => {
    const answer = negotiate(request);
    assertName(request.params.type, 'type');
    const { tenant, terms, personal, registered, visible } = await start(request, 'retrieveEntityTypeInfo');
    const iri = terms.expandTerm(request.params.type);
    const count = await sql<{ n: string | number }>`select count(*) as n from broker_entities e
      where e.tenant = ${tenant} and e.types @> ${sql.val([iri])}::text[] ${visible}`.execute(db);
    const entityCount = Number(count.rows[0]?.n ?? 0);
    if (personal.includes(iri) || (entityCount === 0 && !registered.types.has(iri))) {
      throw new NgsiError('ResourceNotFound', `No entities of type ${request.params.type}`);
    }
    const kinds = new Map<string, Set<string>>();
    for (const [attr, info] of registered.attrs) if (info.types.has(iri)) info.kinds.forEach((k) => add(kinds, attr, k));
    const rows = entityCount === 0 ? [] : (await sql<{ k: string; kinds: string[] }>`
      select a.key as k, array_agg(distinct i->>'type') as kinds
      from broker_entities e cross join lateral jsonb_each(e.attrs) as a
      cross join lateral jsonb_array_elements(a.value) as i
      where e.tenant = ${tenant} and e.types @> ${sql.val([iri])}::text[] ${visible} group by a.key`.execute(db)).rows;
    for (const r of rows) r.kinds.forEach((k) => add(kinds, r.k, k));
    const body = {
      id: iri,
      type: 'EntityTypeInfo',
      typeName: terms.compactIri(iri),
      entityCount,
      attributeDetails: [...kinds.keys()].sort().map((k) => ({ id: k, type: 'Attribute', attributeName: terms.compactIri(k), attributeTypes: [...kinds.get(k)!].sort() })),
    };
    return sendNgsi(reply, 200, body, terms, answer);
  });

  /** Each attribute: how many visible entities have it, its kinds and its entities' types. */
  const attributeRows = async (tenant: string, visible: ReturnType<typeof sql>, only?: string) => (await sql<{ k: string; n: string | number; kinds: string[]; types: string[] | null }>`
    select a.key as k, count(distinct e.id) as n, array_agg(distinct i->>'type') as kinds,
           (select array_agg(distinct t) from broker_entities e cross join lateral unnest(e.types) t
             where e.tenant = ${tenant} and e.attrs ? a.key ${visible}) as types
    from broker_entities e cross join lateral jsonb_each(e.attrs) as a
    cross join lateral jsonb_array_elements(a.value) as i
    where e.tenant = ${tenant} ${only ? sql`and a.key = ${only}` : sql``} ${visible}
    group by a.key`.execute(db)).rows;

  /** The Attribute data type (clause 5.2.27): local figures merged with the registered ones. */
  const attributes = async (tenant: string, visible: ReturnType<typeof sql>, registered: Registered, only?: string) => {
    const local = new Map((await attributeRows(tenant, visible, only)).map((r) => [r.k, r]));
    const names = union(local.keys(), [...registered.attrs.keys()].filter((k) => only === undefined || k === only));
    return names.map((k) => ({
      iri: k,
      count: Number(local.get(k)?.n ?? 0),
      kinds: union(local.get(k)?.kinds, registered.attrs.get(k)?.kinds),
      types: union(local.get(k)?.types, registered.attrs.get(k)?.types),
    }));
  };

  app.get('/ngsi-ld/v1/attributes', async (request, reply) => {
    const answer = negotiate(request);
    const details = flag(request.query as Query, 'details');
    const { tenant, terms, registered, visible } = await start(request, details ? 'retrieveAttrTypeDetails' : 'retrieveAttrTypes');
    if (!details) {
      const rows = await sql<{ k: string }>`select distinct jsonb_object_keys(e.attrs) as k from broker_entities e where e.tenant = ${tenant} ${visible}`.execute(db);
      const all = union(rows.rows.map((r) => r.k), registered.attrs.keys());
      const body = { id: `urn:ngsi-ld:AttributeList:${randomUUID()}`, type: 'AttributeList', attributeList: all.map((k) => terms.compactIri(k)) };
      return sendNgsi(reply, 200, body, terms, answer);
    }
    const body = (await attributes(tenant, visible, registered)).map((a) => ({
      id: a.iri,
      type: 'Attribute',
      attributeName: terms.compactIri(a.iri),
      attributeCount: a.count,
      attributeTypes: a.kinds,
      typeNames: a.types.map((t) => terms.compactIri(t)).sort(),
    }));
    return sendNgsi(reply, 200, body, terms, answer);
  });

  app.get<{ Params: { attr: string } }>('/ngsi-ld/v1/attributes/:attr', async (request, reply) => {
    const answer = negotiate(request);
    assertName(request.params.attr, 'attr');
    const { tenant, terms, registered, visible } = await start(request, 'retrieveAttrTypeInfo');
    const iri = terms.expandTerm(request.params.attr);
    const found = (await attributes(tenant, visible, registered, iri))[0];
    if (!found) throw new NgsiError('ResourceNotFound', `No entity has the attribute ${request.params.attr}`);
    const body = {
      id: found.iri,
      type: 'Attribute',
      attributeName: terms.compactIri(found.iri),
      attributeCount: found.count,
      attributeTypes: found.kinds,
      typeNames: found.types.map((t) => terms.compactIri(t)).sort(),
    };
    return sendNgsi(reply, 200, body, terms, answer);
  });
}
