// Context information discovery (clause 5.7.5–5.7.8, 6.25–6.28): which entity types and
// attributes a tenant holds, computed from the stored entities so it is never stale.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { NgsiError } from '../errors.ts';
import { assertName } from '../entities/entity-input.ts';
import { begin, type BrokerServices } from './broker-services.ts';
import { negotiate, sendNgsi } from './ngsi-http.ts';
import { param, type Query } from './request-options.ts';

function details(query: Query): boolean {
  const value = param(query, 'details');
  if (value !== undefined && value !== 'true' && value !== 'false') throw new NgsiError('BadRequestData', 'details: must be true or false');
  return value === 'true';
}

export async function discoveryRoutes(app: FastifyInstance, services: BrokerServices): Promise<void> {
  const db = services.ctx.db;

  app.get('/ngsi-ld/v1/types', async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    if (!details(request.query as Query)) {
      const rows = await sql<{ t: string }>`select distinct unnest(types) as t from broker_entities where tenant = ${tenant.name} order by t`.execute(db);
      const body = { id: `urn:ngsi-ld:EntityTypeList:${randomUUID()}`, type: 'EntityTypeList', typeList: rows.rows.map((r) => terms.compactIri(r.t)) };
      return sendNgsi(reply, 200, body, terms, answer);
    }
    const rows = await sql<{ t: string; names: string[] | null }>`
      select t, array_agg(distinct k) filter (where k is not null) as names
      from broker_entities e cross join lateral unnest(e.types) as t
      left join lateral jsonb_object_keys(e.attrs) as k on true
      where e.tenant = ${tenant.name} group by t order by t`.execute(db);
    const body = rows.rows.map((r) => ({
      id: r.t,
      type: 'EntityType',
      typeName: terms.compactIri(r.t),
      attributeNames: (r.names ?? []).map((n) => terms.compactIri(n)).sort(),
    }));
    return sendNgsi(reply, 200, body, terms, answer);
  });

  app.get<{ Params: { type: string } }>('/ngsi-ld/v1/types/:type', async (request, reply) => {
    const answer = negotiate(request);
    assertName(request.params.type, 'type');
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const iri = terms.expandTerm(request.params.type);
    const count = await sql<{ n: string | number }>`select count(*) as n from broker_entities where tenant = ${tenant.name} and types @> ${sql.val([iri])}::text[]`.execute(db);
    const entityCount = Number(count.rows[0]?.n ?? 0);
    if (entityCount === 0) throw new NgsiError('ResourceNotFound', `No entities of type ${request.params.type}`);
    const rows = await sql<{ k: string; kinds: string[] }>`
      select a.key as k, array_agg(distinct i->>'type') as kinds
      from broker_entities e cross join lateral jsonb_each(e.attrs) as a
      cross join lateral jsonb_array_elements(a.value) as i
      where e.tenant = ${tenant.name} and e.types @> ${sql.val([iri])}::text[] group by a.key order by a.key`.execute(db);
    const body = {
      id: iri,
      type: 'EntityTypeInfo',
      typeName: terms.compactIri(iri),
      entityCount,
      attributeDetails: rows.rows.map((r) => ({ id: r.k, type: 'Attribute', attributeName: terms.compactIri(r.k), attributeTypes: r.kinds.sort() })),
    };
    return sendNgsi(reply, 200, body, terms, answer);
  });

  const attributeRows = (tenant: string, only?: string) => sql<{ k: string; n: string | number; kinds: string[]; types: string[] }>`
    select a.key as k, count(distinct e.id) as n, array_agg(distinct i->>'type') as kinds,
           (select array_agg(distinct t) from broker_entities e2 cross join lateral unnest(e2.types) t
             where e2.tenant = ${tenant} and e2.attrs ? a.key) as types
    from broker_entities e cross join lateral jsonb_each(e.attrs) as a
    cross join lateral jsonb_array_elements(a.value) as i
    where e.tenant = ${tenant} ${only ? sql`and a.key = ${only}` : sql``}
    group by a.key order by a.key`.execute(db);

  app.get('/ngsi-ld/v1/attributes', async (request, reply) => {
    const answer = negotiate(request);
    const { tenant, terms } = await begin(services, request, 'broker.read');
    if (!details(request.query as Query)) {
      const rows = await sql<{ k: string }>`select distinct jsonb_object_keys(attrs) as k from broker_entities where tenant = ${tenant.name} order by k`.execute(db);
      const body = { id: `urn:ngsi-ld:AttributeList:${randomUUID()}`, type: 'AttributeList', attributeList: rows.rows.map((r) => terms.compactIri(r.k)) };
      return sendNgsi(reply, 200, body, terms, answer);
    }
    const rows = await attributeRows(tenant.name);
    const body = rows.rows.map((r) => ({
      id: r.k,
      type: 'Attribute',
      attributeName: terms.compactIri(r.k),
      attributeCount: Number(r.n),
      attributeTypes: r.kinds.sort(),
      typeNames: (r.types ?? []).map((t) => terms.compactIri(t)).sort(),
    }));
    return sendNgsi(reply, 200, body, terms, answer);
  });

  app.get<{ Params: { attr: string } }>('/ngsi-ld/v1/attributes/:attr', async (request, reply) => {
    const answer = negotiate(request);
    assertName(request.params.attr, 'attr');
    const { tenant, terms } = await begin(services, request, 'broker.read');
    const iri = terms.expandTerm(request.params.attr);
    const row = (await attributeRows(tenant.name, iri)).rows[0];
    if (!row) throw new NgsiError('ResourceNotFound', `No entity has the attribute ${request.params.attr}`);
    const body = {
      id: row.k,
      type: 'Attribute',
      attributeName: terms.compactIri(row.k),
      attributeCount: Number(row.n),
      attributeTypes: row.kinds.sort(),
      typeNames: (row.types ?? []).map((t) => terms.compactIri(t)).sort(),
    };
    return sendNgsi(reply, 200, body, terms, answer);
  });
}
