// What every NGSI-LD route needs, built once per server: the platform context, the entity
// store and service, tenants, access checks and the @context resolver; plus `begin`, the first
// line of each handler (tenant, permission, requester's @context).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/module.ts';
import { BrokerAccess, BrokerTenants, type BrokerPermission, type BrokerTenant } from '../broker-tenants.ts';
import type { EntityService } from '../entities/entity-service.ts';
import type { EntityStore } from '../entities/entity-store.ts';
import type { PersonalTypes } from '../personal/personal-types.ts';
import { NgsiError } from '../errors.ts';
import type { TypeSelector } from '../entities/type-selector.ts';
import { selectorTypes, type OpenDataTypes } from '../open-data/open-data-types.ts';
import { requestTerms, type ResolvedTerms, type TermResolver } from './ngsi-http.ts';
import { header } from './request-options.ts';

export interface BrokerServices {
  ctx: AppContext;
  store: EntityStore;
  entities: EntityService;
  tenants: BrokerTenants;
  access: BrokerAccess;
  resolver: TermResolver;
  /** The tenants' personal entity types, left out of every read (personal/personal-types.ts). */
  personal: PersonalTypes;
  /** The tenants' open-data types, readable without credentials (open-data/open-data-types.ts). */
  openData: OpenDataTypes;
  /** A transaction that queued notifications has committed: deliver now, not at the next poll. */
  wakeNotifier: () => void;
}

export interface Begun {
  tenant: BrokerTenant;
  terms: ResolvedTerms;
}

export interface BeginOptions {
  /** A create may make a new broker-only tenant (clause 4.14). */
  createTenant?: boolean;
  /** Request bodies that may carry an inline @context (for application/ld+json). */
  bodies?: unknown[];
}

export async function begin(services: BrokerServices, request: FastifyRequest, permission: BrokerPermission, options: BeginOptions = {}): Promise<Begun> {
  const name = header(request.headers['ngsild-tenant'], 'NGSILD-Tenant');
  const tenant = options.createTenant
    ? await services.tenants.resolveOrCreate(name, services.access, request.actor)
    : await services.tenants.resolve(name);
  await services.access.assert(request.actor, permission, tenant);
  const terms = await requestTerms(request, services.resolver, options.bodies ?? []);
  return { tenant, terms };
}

/**
 * A caller without broker.read on the tenant may still read its open-data types: `types` are
 * those, `refusal` the answer for anything else (401 without credentials, 403 with them).
 */
export interface OpenDataScope {
  types: string[];
  refusal: NgsiError;
}

export interface BegunRead extends Begun {
  /** Set when only the tenant's open-data types may be read. */
  openOnly?: OpenDataScope | undefined;
}

/** `begin` for the reads open data allows: Retrieve and Query Entities, and their temporal forms. */
export async function beginRead(services: BrokerServices, request: FastifyRequest, options: BeginOptions = {}): Promise<BegunRead> {
  const tenant = await services.tenants.resolve(header(request.headers['ngsild-tenant'], 'NGSILD-Tenant'));
  const refusal = await services.access.refusal(request.actor, 'broker.read', tenant);
  let openOnly: OpenDataScope | undefined;
  if (refusal) {
    const types = await services.openData.typesOf(services.ctx.db, tenant.name);
    if (types.length === 0) throw refusal;
    openOnly = { types, refusal };
  }
  const terms = await requestTerms(request, services.resolver, options.bodies ?? []);
  return { tenant, terms, openOnly };
}

/**
 * The type selection of an open-data read: the requested one within the open types. A request
 * naming only types that are not open gets the refusal, saying which types are open.
 */
export function openSelector(scope: OpenDataScope, requested: TypeSelector | undefined, compact: (iri: string) => string): TypeSelector {
  const open: TypeSelector = { kind: 'or', items: scope.types.map((name) => ({ kind: 'type', name })) };
  if (!requested) return open;
  if (!selectorTypes(requested).some((t) => scope.types.includes(t))) {
    throw notOpen(scope, `type: ${selectorTypes(requested).map(compact).join(', ')} is not open data of this tenant (公開データではありません). Open types: ${scope.types.map(compact).join(', ')}`);
  }
  return { kind: 'and', items: [requested, open] };
}

/** The scope's refusal with a detail saying what is not open. */
export function notOpen(scope: OpenDataScope, detail: string): NgsiError {
  return new NgsiError(scope.refusal.type, `${detail}; ${scope.refusal.detail}`, { headers: scope.refusal.headers });
}
