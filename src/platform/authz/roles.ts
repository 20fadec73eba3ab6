// The platform's roles. A role is assigned to a principal (a staff account, a service client, an
// operator token) at one scope: the whole prefecture, one living zone, or one municipality.
// Modules add the permissions each role grants in their own manifest (module.ts `grants`), so a
// role means the same thing everywhere and each module owns the meaning of its actions.
import type { Localized } from '../errors.ts';

export type ScopeLevel = 'prefecture' | 'zone' | 'municipality';

export interface RoleDefinition {
  name: string;
  label: Localized;
  /** Scopes at which the role may be assigned. */
  scopes: ScopeLevel[];
}

export const roles: RoleDefinition[] = [
  { name: 'platform_admin', label: { ja: 'プラットフォーム管理者', en: 'Platform administrator' }, scopes: ['prefecture'] },
  { name: 'municipal_admin', label: { ja: '団体管理者', en: 'Municipal administrator' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'auditor', label: { ja: '監査担当', en: 'Auditor' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'form_designer', label: { ja: 'フォーム作成者', en: 'Form designer' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'reviewer', label: { ja: '審査担当', en: 'Reviewer' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'approver', label: { ja: '決裁者', en: 'Approver' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'data_publisher', label: { ja: 'データ公開担当', en: 'Data publisher' }, scopes: ['prefecture', 'zone', 'municipality'] },
  { name: 'counter_clerk', label: { ja: '窓口担当', en: 'Counter clerk' }, scopes: ['prefecture', 'zone', 'municipality'] },
];

export function findRole(name: string): RoleDefinition | undefined {
  return roles.find((r) => r.name === name);
}

/** Permission names are "<module>.<action>", e.g. "tenancy.manage". */
export type Permission = string;

export type Grants = Record<string, Permission[]>;

/** Role → permissions, merged from every module's grants at start. */
export class PermissionTable {
  readonly #byRole = new Map<string, Set<Permission>>();

  add(grants: Grants): void {
    for (const [role, permissions] of Object.entries(grants)) {
      if (!findRole(role)) throw new Error(`Grants name an unknown role "${role}"`);
      const set = this.#byRole.get(role) ?? new Set();
      for (const permission of permissions) set.add(permission);
      this.#byRole.set(role, set);
    }
  }

  allows(role: string, permission: Permission): boolean {
    // The platform administrator runs the platform: every permission, prefecture-wide.
    if (role === 'platform_admin') return true;
    return this.#byRole.get(role)?.has(permission) ?? false;
  }

  permissionsOf(role: string): Permission[] {
    return [...(this.#byRole.get(role) ?? [])].sort();
  }
}
