// The public JSON shape of tenants (GET /api/v1/tenants…). Names are given in both languages.
import type { Tenant, TenantSnapshot, TenantTree } from './tenant-directory.ts';

export function tenantSummaryJson(tenant: Tenant) {
  return {
    lgCode: tenant.lgCode,
    level: tenant.level,
    name: tenant.name,
    links: { self: `/api/v1/tenants/${tenant.lgCode}`, page: pagePath(tenant) },
  };
}

export function pagePath(tenant: Tenant): string {
  return tenant.level === 'prefecture' ? '/' : `/municipalities/${tenant.lgCode}`;
}

export function tenantJson(tenant: Tenant, snapshot: TenantSnapshot) {
  const prefecture = snapshot.tenants.get(tenant.prefectureCode);
  const zone = snapshot.zones.find((z) => z.prefectureCode === tenant.prefectureCode && z.id === tenant.zoneId);
  return {
    ...tenantSummaryJson(tenant),
    prefecture: prefecture ? { lgCode: prefecture.lgCode, name: prefecture.name } : null,
    zone: zone ? { id: zone.id, name: zone.name } : null,
    ...(tenant.level === 'prefecture'
      ? {
          zones: snapshot.zones
            .filter((z) => z.prefectureCode === tenant.lgCode)
            .map((z) => ({
              id: z.id,
              name: z.name,
              municipalities: [...snapshot.tenants.values()].filter((t) => t.prefectureCode === tenant.lgCode && t.zoneId === z.id).map((t) => t.lgCode),
            })),
        }
      : {}),
    contact: tenant.contact,
    version: tenant.version,
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

export function treeJson(tree: TenantTree) {
  return {
    ...tenantSummaryJson(tree.prefecture),
    zones: tree.zones.map((zone) => ({
      id: zone.id,
      name: zone.name,
      municipalities: zone.municipalities.map(tenantSummaryJson),
    })),
    unzonedMunicipalities: tree.unzoned.map(tenantSummaryJson),
  };
}
