// NGSI-LD tenants (clause 4.14) mapped onto the platform's tenancy. The NGSILD-Tenant header
// names a platform tenant by its local government code (e.g. 072010 for 福島市), or a
// broker-only tenant that a create made; without the header, the installation's prefecture is
// the tenant. The platform tenant that owns a broker tenant decides who may use it (the guard).
//
// A broker-only tenant, once created, is never renamed, re-owned or deleted, so this process
// keeps the ones it has seen. Names it has not seen are read from the database on every request
// (one primary-key lookup), so a tenant created through another server process is usable here at
// once.
import type { Actor } from '../platform/authz/actor.ts';
import type { AppContext } from '../platform/module.ts';
import { NgsiError } from './errors.ts';

export interface BrokerTenant {
  /** The value stored with each entity (the header value, or the prefecture code). */
  name: string;
  /** The platform tenant (local government code) whose roles govern this tenant. */
  owner: string;
}

export type BrokerPermission = 'broker.read' | 'broker.write' | 'broker.manage_tenants';

const TENANT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class BrokerTenants {
  /** Broker-only tenants known to exist (immutable rows: see above). */
  readonly #known = new Map<string, BrokerTenant>();

  constructor(private readonly ctx: AppContext) {}

  /** The installation's prefecture: the tenant of requests without NGSILD-Tenant. */
  async home(): Promise<BrokerTenant> {
    const trees = await this.ctx.tenants.trees();
    const prefecture = trees[0]?.prefecture;
    if (!prefecture) throw new NgsiError('NonexistentTenant', 'No prefecture has been set up on this installation (run tsunagu seed or tsunagu tenants import)');
    return { name: prefecture.lgCode, owner: prefecture.lgCode };
  }

  async find(header: string | undefined): Promise<BrokerTenant | undefined> {
    if (header === undefined || header === '') return this.home();
    const platform = await this.ctx.tenants.get(header);
    if (platform) return { name: platform.lgCode, owner: platform.lgCode };
    const known = this.#known.get(header);
    if (known) return known;
    const row = await this.ctx.db
      .selectFrom('broker_tenants' as never)
      .select(['name', 'owner'] as never[])
      .where('name' as never, '=', header as never)
      .executeTakeFirst() as { name: string; owner: string } | undefined;
    if (!row) return undefined;
    const tenant = { name: row.name, owner: row.owner.trim() };
    if (this.#known.size < 10_000) this.#known.set(header, tenant);
    return tenant;
  }

  /** Resolves the header for an operation on existing data: unknown names are NonexistentTenant. */
  async resolve(header: string | undefined): Promise<BrokerTenant> {
    const tenant = await this.find(header);
    if (!tenant) throw new NgsiError('NonexistentTenant', `The tenant "${header}" does not exist`);
    return tenant;
  }

  /**
   * For creates (clause 4.14: a create naming a new tenant creates it): makes a broker-only
   * tenant under the prefecture when the caller may manage tenants there.
   */
  async resolveOrCreate(header: string | undefined, access: BrokerAccess, actor: Actor): Promise<BrokerTenant> {
    const existing = await this.find(header);
    if (existing) return existing;
    const name = header!;
    if (!TENANT_NAME.test(name)) {
      throw new NgsiError('BadRequestData', `NGSILD-Tenant: "${name}" is neither a local government code of this installation nor a valid tenant name (letters, digits, _ and -, at most 64)`);
    }
    const home = await this.home();
    await access.assert(actor, 'broker.manage_tenants', home);
    await this.ctx.db
      .insertInto('broker_tenants' as never)
      .values({ name, owner: home.owner } as never)
      .onConflict((oc) => oc.doNothing())
      .execute();
    return { name, owner: home.owner };
  }
}

/** The platform guard, or nobody when TSUNAGU_BROKER_AUTH=off (conformance suites only). */
export class BrokerAccess {
  constructor(private readonly ctx: AppContext) {}

  get open(): boolean {
    return !this.ctx.config.brokerAuth;
  }

  async assert(actor: Actor, permission: BrokerPermission, tenant: BrokerTenant): Promise<void> {
    const refusal = await this.refusal(actor, permission, tenant);
    if (refusal) throw refusal;
  }

  /** Why `actor` may not do this (401 without credentials, 403 without the role), or undefined. */
  async refusal(actor: Actor, permission: BrokerPermission, tenant: BrokerTenant): Promise<NgsiError | undefined> {
    if (this.open) return undefined;
    if (actor.kind === 'anonymous') {
      return new NgsiError('Unauthorized', 'The NGSI-LD API needs credentials: send Authorization: Bearer <token>', {
        headers: { 'www-authenticate': 'Bearer realm="tsunagu"' },
      });
    }
    if (!(await this.ctx.guard.can(actor, permission, tenant.owner))) {
      return new NgsiError('Forbidden', `You do not have "${permission}" on the data of tenant ${tenant.name}`);
    }
    return undefined;
  }
}
