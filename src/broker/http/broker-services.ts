// What every NGSI-LD route needs, built once per server: the platform context, the entity
// store and service, tenants, access checks and the @context resolver; plus `begin`, the first
// line of each handler (tenant, permission, requester's @context).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/module.ts';
import { BrokerAccess, BrokerTenants, type BrokerPermission, type BrokerTenant } from '../broker-tenants.ts';
import type { EntityService } from '../entities/entity-service.ts';
import type { EntityStore } from '../entities/entity-store.ts';
import type { PersonalTypes } from '../personal/personal-types.ts';
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
