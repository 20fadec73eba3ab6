// Context information discovery (clause 5.7.5–5.7.10, 6.25–6.28): which entity types and
// attributes a tenant holds. Computed from the stored entities, so it is never stale, and, as
// clause 5.7.11 describes, from the tenant's context sources: the types and attribute names of
// the registrations that offer the operation are "possibly available", and each such source is
// asked the same question, its answer merged in (counts added; a source that fails is named in
// NGSILD-Warning and left out). `local=true` leaves the registrations and sources out. Personal
// types (personal/personal-types.ts) are left out, as from every other read of the NGSI-LD API.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertName, type TermMap } from '../entities/entity-input.ts';
import { isTemporal, offers, registeredNames, type RegistrationFilter, type StoredRegistration } from '../registrations/registration.ts';
import { Federation, type Target } from '../registrations/federation.ts';
import { RegistrationStore } from '../registrations/registration-store.ts';
import { begin, type BrokerServices } from './broker-services.ts';
import { negotiate, sendNgsi, warnOfSources } from './ngsi-http.ts';
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

type Raw = Record<string, unknown>;
const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A source's list of names, expanded with its terms; anything that is not a name is skipped. */
const namesIn = (list: unknown, terms: TermMap): string[] => (Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string' && n !== '').map((n) => terms.expandTerm(n)) : []);
/** The attribute kinds a source names (Property, Relationship, …). */
const kindsIn = (list: unknown): string[] => (Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string' && /^[A-Za-z]+$/.test(k)) : []);
const countIn = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0);

/**
 * Whether a source's registration covers a type and/or an attribute it names (its matching
 * information names the type, or no entities; and the attribute, or no attributes): a source
 * answers about all it holds, of which this broker shows what it is registered for.
 */
function covers(target: Target, type: string | undefined, attr: string | undefined, personal: readonly string[]): boolean {
  return target.info.some((info) => {
    // Information about personal types only says nothing that may be shown.
    if (info.entities && info.entities.every((e) => e.types.every((t) => personal.includes(t)))) return false;
    if (type !== undefined && info.entities && !info.entities.some((e) => e.types.includes(type))) return false;
    const names = registeredNames(info);
    return attr === undefined || !names || names.includes(attr);
  });
}

/** What the sources answered about attributes (the Attribute data type, clause 5.2.27), by IRI. */
interface SourceAttribute { count: number; kinds: Set<string>; types: Set<string> }

export async function discoveryRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const db = services.ctx.db;
  const registrations = new RegistrationStore(db);
  const federation = new Federation(services);

  /** Asks the sources (Federation.discover); warns of those that failed. */
  const askSources = async (request: FastifyRequest, reply: FastifyReply, tenant: string, personal: readonly string[], operation: string, filter: RegistrationFilter, path: (compact: (iri: string) => string) => string, params: (reg: StoredRegistration) => Record<string, string> = () => ({})) => {
    if (flag(request.query as Query, 'local')) return [];
    // A source registered for personal types only is not asked: nothing it says may be shown.
    const { answers, warnings } = await federation.discover(tenant, operation, filter, path, (reg) => new URLSearchParams(params(reg)), request, (target) => covers(target, undefined, undefined, personal));
    warnOfSources(reply, warnings);
    return answers;
  };

  /** The sources' Attribute answers (one object, or an array with details), merged by IRI. */
  const sourceAttributes = (answers: Array<{ target: Target; body: unknown; terms: TermMap }>, personal: string[]) => {
    const merged = new Map<string, SourceAttribute>();
    for (const { target, body, terms } of answers) {
      for (const item of Array.isArray(body) ? body : [body]) {
        if (!isObject(item) || typeof item.attributeName !== 'string') continue;
        const iri = terms.expandTerm(item.attributeName);
        if (!covers(target, undefined, iri, personal)) continue;
        // An attribute the source names only for types it is not registered for, or personal
        // ones, is not shown.
        const named = namesIn(item.typeNames, terms);
        const types = named.filter((t) => !personal.includes(t) && covers(target, t, iri, personal));
        if (named.length && !types.length) continue;
        const entry = merged.get(iri) ?? merged.set(iri, { count: 0, kinds: new Set(), types: new Set() }).get(iri)!;
        entry.count += countIn(item.attributeCount);
        kindsIn(item.attributeTypes).forEach((k) => entry.kinds.add(k));
        types.forEach((t) => entry.types.add(t));
      }
    }
    return merged;
  };

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
    const operation = details ? 'retrieveEntityTypeDetails' : 'retrieveEntityTypes';
    const { tenant, terms, personal, registered, visible } = await start(request, operation);
    const sources = await askSources(request, reply, tenant, personal, operation, {}, () => '/types', (): Record<string, string> => (details ? { details: 'true' } : {}));
    const typeAttrs = new Map<string, Set<string>>();
    for (const t of registered.types) typeAttrs.set(t, new Set());
    for (const [attr, { types }] of registered.attrs) types.forEach((t) => add(typeAttrs, t, attr));
    if (!details) {
      const rows = await sql<{ t: string }>`select distinct t from broker_entities e cross join lateral unnest(e.types) as t
        where e.tenant = ${tenant} ${visible}`.execute(db);
      const fromSources = sources.flatMap(({ target, body, terms: sourceTerms }) => (isObject(body) ? namesIn(body.typeList, sourceTerms).filter((t) => covers(target, t, undefined, personal)) : []));
      const all = union(rows.rows.map((r) => r.t), registered.types, fromSources.filter((t) => !personal.includes(t)));
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
    // Each source's EntityType list (clause 5.2.25).
    for (const { target, body, terms: sourceTerms } of sources) {
      for (const item of Array.isArray(body) ? body : []) {
        if (!isObject(item) || typeof item.typeName !== 'string') continue;
        const type = sourceTerms.expandTerm(item.typeName);
        if (personal.includes(type) || !covers(target, type, undefined, personal)) continue;
        if (!typeAttrs.has(type)) typeAttrs.set(type, new Set());
        namesIn(item.attributeNames, sourceTerms).filter((n) => covers(target, type, n, personal)).forEach((n) => add(typeAttrs, type, n));
      }
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
    if (personal.includes(iri)) throw new NgsiError('ResourceNotFound', `No entities of type ${request.params.type}`);
    const sources = await askSources(request, reply, tenant, personal, 'retrieveEntityTypeInfo', { selector: { kind: 'type', name: iri } }, (compact) => `/types/${encodeURIComponent(compact(iri))}`);
    const count = await sql<{ n: string | number }>`select count(*) as n from broker_entities e
      where e.tenant = ${tenant} and e.types @> ${sql.val([iri])}::text[] ${visible}`.execute(db);
    const localCount = Number(count.rows[0]?.n ?? 0);
    // Each source's EntityTypeInfo (clause 5.2.26): its count is added, its attributes merged.
    const kinds = new Map<string, Set<string>>();
    let sourceCount = 0;
    let sourceKnows = false;
    for (const { target, body, terms: sourceTerms } of sources) {
      if (!isObject(body) || typeof body.typeName !== 'string' || sourceTerms.expandTerm(body.typeName) !== iri) continue;
      sourceKnows = true;
      sourceCount += countIn(body.entityCount);
      for (const detail of Array.isArray(body.attributeDetails) ? body.attributeDetails : []) {
        if (!isObject(detail) || typeof detail.attributeName !== 'string') continue;
        const attr = sourceTerms.expandTerm(detail.attributeName);
        if (covers(target, iri, attr, personal)) kindsIn(detail.attributeTypes).forEach((k) => add(kinds, attr, k));
      }
    }
    if (localCount === 0 && !registered.types.has(iri) && !sourceKnows) {
      throw new NgsiError('ResourceNotFound', `No entities of type ${request.params.type}`);
    }
    for (const [attr, info] of registered.attrs) if (info.types.has(iri)) info.kinds.forEach((k) => add(kinds, attr, k));
    const rows = localCount === 0 ? [] : (await sql<{ k: string; kinds: string[] }>`
      select a.key as k, array_agg(distinct i->>'type') as kinds
      from broker_entities e cross join lateral jsonb_each(e.attrs) as a
      cross join lateral jsonb_array_elements(a.value) as i
      where e.tenant = ${tenant} and e.types @> ${sql.val([iri])}::text[] ${visible} group by a.key`.execute(db)).rows;
    for (const r of rows) r.kinds.forEach((k) => add(kinds, r.k, k));
    const body = {
      id: iri,
      type: 'EntityTypeInfo',
      typeName: terms.compactIri(iri),
      entityCount: localCount + sourceCount,
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

  /** The Attribute data type (clause 5.2.27): local figures merged with the registered ones and the sources'. */
  const attributes = async (tenant: string, visible: ReturnType<typeof sql>, registered: Registered, sources: Map<string, SourceAttribute>, only?: string) => {
    const local = new Map((await attributeRows(tenant, visible, only)).map((r) => [r.k, r]));
    const names = union(local.keys(), [...registered.attrs.keys(), ...sources.keys()].filter((k) => only === undefined || k === only));
    return names.map((k) => ({
      iri: k,
      count: Number(local.get(k)?.n ?? 0) + (sources.get(k)?.count ?? 0),
      kinds: union(local.get(k)?.kinds, registered.attrs.get(k)?.kinds, sources.get(k)?.kinds),
      types: union(local.get(k)?.types, registered.attrs.get(k)?.types, sources.get(k)?.types),
    }));
  };

  app.get('/ngsi-ld/v1/attributes', async (request, reply) => {
    const answer = negotiate(request);
    const details = flag(request.query as Query, 'details');
    const operation = details ? 'retrieveAttrTypeDetails' : 'retrieveAttrTypes';
    const { tenant, terms, personal, registered, visible } = await start(request, operation);
    // Sources that offer details are asked for them either way: their typeNames say which
    // attributes belong to the types they are registered for.
    const answers = await askSources(request, reply, tenant, personal, operation, {}, () => '/attributes', (reg): Record<string, string> => (details || offers(reg, 'retrieveAttrTypeDetails') ? { details: 'true' } : {}));
    const sources = sourceAttributes(answers, personal);
    if (!details) {
      const rows = await sql<{ k: string }>`select distinct jsonb_object_keys(e.attrs) as k from broker_entities e where e.tenant = ${tenant} ${visible}`.execute(db);
      const listed = answers.flatMap(({ target, body, terms: sourceTerms }) => (isObject(body) ? namesIn(body.attributeList, sourceTerms).filter((a) => covers(target, undefined, a, personal)) : []));
      const all = union(rows.rows.map((r) => r.k), registered.attrs.keys(), sources.keys(), listed);
      const body = { id: `urn:ngsi-ld:AttributeList:${randomUUID()}`, type: 'AttributeList', attributeList: all.map((k) => terms.compactIri(k)) };
      return sendNgsi(reply, 200, body, terms, answer);
    }
    const body = (await attributes(tenant, visible, registered, sources)).map((a) => ({
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
    const { tenant, terms, personal, registered, visible } = await start(request, 'retrieveAttrTypeInfo');
    const iri = terms.expandTerm(request.params.attr);
    const sources = await askSources(request, reply, tenant, personal, 'retrieveAttrTypeInfo', { attrs: [iri] }, (compact) => `/attributes/${encodeURIComponent(compact(iri))}`);
    const found = (await attributes(tenant, visible, registered, sourceAttributes(sources, personal), iri))[0];
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
