// The one place that answers "may this actor do this on this tenant's data". Every module calls
// it with a permission and the tenant (local government code) that owns the data.
//
// Scope rules: a prefecture-scope assignment covers the prefecture and all its municipalities; a
// zone-scope assignment covers the municipalities of that living zone (not the prefecture's
// own data); a municipality-scope assignment covers that municipality only.
import { AppError, PlatformErrors } from '../errors.ts';
import type { Tenant, TenantDirectory } from '../tenancy/tenant-directory.ts';
import type { Actor, RoleAssignment } from './actor.ts';
import type { Permission, PermissionTable } from './roles.ts';

export function covers(assignment: RoleAssignment, tenant: Tenant): boolean {
  switch (assignment.scopeLevel) {
    case 'prefecture':
      return tenant.prefectureCode === assignment.prefectureCode;
    case 'zone':
      return (
        tenant.level === 'municipality' &&
        tenant.prefectureCode === assignment.prefectureCode &&
        tenant.zoneId === assignment.zoneId
      );
    case 'municipality':
      return tenant.lgCode === assignment.lgCode;
  }
}

export class Guard {
  constructor(
    private readonly permissions: PermissionTable,
    private readonly tenants: TenantDirectory,
  ) {}

  /** True when the actor may perform `permission` on data owned by tenant `lgCode`. */
  async can(actor: Actor, permission: Permission, lgCode: string): Promise<boolean> {
    if (actor.kind === 'system') return true;
    if (actor.kind === 'anonymous') return false;
    const tenant = await this.tenants.get(lgCode);
    if (!tenant) return false;
    return actor.assignments.some((a) => this.permissions.allows(a.role, permission) && covers(a, tenant));
  }

  /** Throws 401 for an anonymous actor and 403 for one without the permission. */
  async assert(actor: Actor, permission: Permission, lgCode: string): Promise<void> {
    if (actor.kind === 'anonymous') throw new AppError(PlatformErrors.UNAUTHENTICATED);
    if (!(await this.can(actor, permission, lgCode))) {
      throw new AppError(PlatformErrors.FORBIDDEN, {
        detail: {
          ja: `団体コード ${lgCode} のデータに対する「${permission}」の権限がありません`,
          en: `You do not have "${permission}" on the data of ${lgCode}`,
        },
      });
    }
  }

  /** Every tenant on whose data the actor may perform `permission` (for filtering lists). */
  async tenantsFor(actor: Actor, permission: Permission): Promise<Set<string>> {
    const { tenants } = await this.tenants.snapshot();
    if (actor.kind === 'system') return new Set(tenants.keys());
    if (actor.kind === 'anonymous') return new Set();
    const granting = actor.assignments.filter((a) => this.permissions.allows(a.role, permission));
    const out = new Set<string>();
    for (const tenant of tenants.values()) {
      if (granting.some((a) => covers(a, tenant))) out.add(tenant.lgCode);
    }
    return out;
  }

  /** Platform-wide data (no tenant, e.g. the API token registry) needs platform_admin. */
  isPlatformAdmin(actor: Actor): boolean {
    return actor.kind === 'system' || (actor.kind === 'principal' && actor.assignments.some((a) => a.role === 'platform_admin'));
  }
}
