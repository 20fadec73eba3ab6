// What other modules may use of the broker. The opt-in module registers entity types that hold
// residents' personal data (a data provider of kind `broker`) and, after its consent check,
// reads one resident's entities of those types through here; the NGSI-LD API itself never
// serves them (personal/personal-types.ts).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AppContext } from '../platform/module.ts';
import { renderEntity, type Representation } from './entities/entity-output.ts';
import { rowToEntity } from './entities/entity-store.ts';
import { textPrefix, valueLookup } from './entities/entity-values.ts';
import type { StoredEntity } from './entities/stored-entity.ts';
import type { BrokerServices } from './http/broker-services.ts';

export { CORE_CONTEXT_URL } from './jsonld/core-context.ts';

/** Set by the broker module when its routes are built (one per application). */
export const brokerServices = new WeakMap<AppContext, BrokerServices>();

function servicesOf(app: AppContext): BrokerServices {
  const services = brokerServices.get(app);
  if (!services) throw new Error('The broker module is not installed in this application');
  return services;
}

type Db = Kysely<any> | Transaction<any>;

/** The URI a personal entity's owner Relationship names: the resident's common-ID subject. */
export function personUri(accountId: string): string {
  return `urn:ngsi-ld:Person:${accountId}`;
}

/** Names as the registry gives them (terms of the NGSI-LD core @context, or IRIs), expanded. */
export async function expandNames(app: AppContext, names: string[]): Promise<string[]> {
  const terms = await servicesOf(app).resolver.resolve(undefined);
  return names.map((n) => terms.expandTerm(n));
}

export interface PersonalTypesRegistration {
  /** The broker tenant holding the entities (a local government code). */
  tenant: string;
  providerId: string;
  /** Expanded type IRIs. */
  types: string[];
  /** Expanded IRI of the Relationship naming the resident. */
  ownerAttribute: string;
}

/**
 * Replaces the provider's personal types, in the caller's transaction. Answers the first type
 * another provider already holds as personal in that tenant (and changes nothing), if any.
 */
export async function setPersonalTypes(db: Db, registration: PersonalTypesRegistration): Promise<{ takenType?: string }> {
  const { tenant, providerId, types, ownerAttribute } = registration;
  const taken = (await sql<{ type: string }>`select type from broker_personal_types
    where tenant = ${tenant} and type = any(${sql.val(types)}::text[]) and provider_id <> ${providerId} limit 1`.execute(db)).rows[0];
  if (taken) return { takenType: taken.type };
  await sql`delete from broker_personal_types where provider_id = ${providerId}`.execute(db);
  for (const type of types) {
    await sql`insert into broker_personal_types (tenant, type, provider_id, owner_attribute) values (${tenant}, ${type}, ${providerId}, ${ownerAttribute})`.execute(db);
  }
  return {};
}

export interface PersonalEntitiesRead {
  tenant: string;
  providerId: string;
  accountId: string;
  /** Item codes released by the consent: attribute names (core-context terms or IRIs). */
  items: string[];
  /** One entity, or every entity of the resident. */
  id?: string | undefined;
  /** Narrows to one of the provider's types (a term or IRI). */
  type?: string | undefined;
  limit: number;
  offset: number;
  representation: Representation;
}

export type PersonalEntitiesResult =
  | { kind: 'entities'; entities: Array<Record<string, unknown>>; total: number }
  | { kind: 'entity'; entity: Record<string, unknown> }
  | { kind: 'not_found' }
  | { kind: 'unknown_type' };

/**
 * The resident's own entities of the provider's personal types (their owner Relationship names
 * the resident), each with only the released items, compacted with the core @context. The
 * caller has checked the consent; the owner attribute itself is not released (the service knows
 * whom it asked about).
 */
export async function readPersonalEntities(app: AppContext, read: PersonalEntitiesRead): Promise<PersonalEntitiesResult> {
  const services = servicesOf(app);
  const terms = await services.resolver.resolve(undefined);
  const mine = (await services.personal.of(app.db, read.tenant)).filter((p) => p.providerId === read.providerId);
  if (mine.length === 0) return read.id ? { kind: 'not_found' } : { kind: 'entities', entities: [], total: 0 };
  let types = mine.map((p) => p.type);
  if (read.type) {
    const wanted = terms.expandTerm(read.type);
    if (!types.includes(wanted)) return { kind: 'unknown_type' };
    types = [wanted];
  }
  // Every type of one provider names the resident by the same attribute (the registry's rule).
  const ownerAttribute = mine[0]!.ownerAttribute;
  const person = personUri(read.accountId);
  const owner = JSON.stringify({ [ownerAttribute]: [{ object: person }] });
  // The value index (entities/entity-values.ts) finds the resident's entities; @> is the exact test.
  const owned = valueLookup(read.tenant, ownerAttribute, sql<boolean>`v.txt = ${textPrefix(person)}`);
  const where = sql`e.tenant = ${read.tenant} and e.types && ${sql.val(types)}::text[] and e.id in (${owned}) and e.attrs @> ${owner}::jsonb
    ${read.id ? sql`and e.id = ${read.id}` : sql``}`;
  const rows = (await sql`select e.* from broker_entities e where ${where} order by e.id limit ${read.limit} offset ${read.offset}`.execute(app.db)).rows;
  const released = new Set(read.items.map((i) => terms.expandTerm(i)));
  released.delete(mine[0]!.ownerAttribute);
  const render = (entity: StoredEntity) => renderEntity(entity, { terms, representation: read.representation, sysAttrs: false, pick: released });
  const entities = rows.map((r) => render(rowToEntity(r as never)));
  if (read.id) return entities[0] ? { kind: 'entity', entity: entities[0] } : { kind: 'not_found' };
  const total = read.offset === 0 && entities.length < read.limit
    ? entities.length
    : Number((await sql<{ n: string | number }>`select count(*) as n from broker_entities e where ${where}`.execute(app.db)).rows[0]?.n ?? 0);
  return { kind: 'entities', entities, total };
}
