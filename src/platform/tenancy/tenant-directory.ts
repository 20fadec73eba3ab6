// Read side of tenancy: the prefecture → zone → municipality tree. It is small (one prefecture
// has at most a few hundred bodies) and read on every guarded request, so it is held in memory
// and reloaded when this process changes it or after a short TTL (other processes' changes).
import type { Database } from '../db/database.ts';
import type { Localized } from '../errors.ts';
import type { TenantContact } from '../db/schema.ts';

export interface Tenant {
  lgCode: string;
  level: 'prefecture' | 'municipality';
  prefectureCode: string;
  zoneId: string | null;
  name: Localized;
  sortOrder: number;
  contact: TenantContact;
  version: number;
  updatedAt: Date;
}

export interface Zone {
  prefectureCode: string;
  id: string;
  name: Localized;
  sortOrder: number;
}

export interface TenantTree {
  prefecture: Tenant;
  zones: Array<Zone & { municipalities: Tenant[] }>;
  /** Municipalities the prefecture has not placed in a zone. */
  unzoned: Tenant[];
}

export interface TenantSnapshot {
  tenants: Map<string, Tenant>;
  zones: Zone[];
}

const TTL_MS = 60_000;

export class TenantDirectory {
  #snapshot: TenantSnapshot | undefined;
  #loadedAt = 0;
  #loading: Promise<TenantSnapshot> | undefined;

  constructor(private readonly db: Database) {}

  invalidate(): void {
    this.#snapshot = undefined;
  }

  async snapshot(): Promise<TenantSnapshot> {
    if (this.#snapshot && Date.now() - this.#loadedAt < TTL_MS) return this.#snapshot;
    this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async get(lgCode: string): Promise<Tenant | undefined> {
    return (await this.snapshot()).tenants.get(lgCode);
  }

  async trees(): Promise<TenantTree[]> {
    const { tenants, zones } = await this.snapshot();
    const all = [...tenants.values()];
    return all
      .filter((t) => t.level === 'prefecture')
      .map((prefecture) => {
        const members = all.filter((t) => t.level === 'municipality' && t.prefectureCode === prefecture.lgCode);
        return {
          prefecture,
          zones: zones
            .filter((z) => z.prefectureCode === prefecture.lgCode)
            .map((zone) => ({ ...zone, municipalities: members.filter((m) => m.zoneId === zone.id) })),
          unzoned: members.filter((m) => m.zoneId === null),
        };
      });
  }

  async #load(): Promise<TenantSnapshot> {
    const [tenantRows, zoneRows] = await Promise.all([
      this.db.selectFrom('platform_tenants').selectAll().orderBy('sort_order').orderBy('lg_code').execute(),
      this.db.selectFrom('platform_zones').selectAll().orderBy('sort_order').orderBy('zone_id').execute(),
    ]);
    const tenants = new Map<string, Tenant>();
    for (const row of tenantRows) {
      tenants.set(row.lg_code, {
        lgCode: row.lg_code,
        level: row.level,
        prefectureCode: row.prefecture_code,
        zoneId: row.zone_id,
        name: { ja: row.name_ja, en: row.name_en },
        sortOrder: row.sort_order,
        contact: row.contact,
        version: row.version,
        updatedAt: row.updated_at,
      });
    }
    const zones = zoneRows.map((row) => ({
      prefectureCode: row.prefecture_code,
      id: row.zone_id,
      name: { ja: row.name_ja, en: row.name_en },
      sortOrder: row.sort_order,
    }));
    this.#snapshot = { tenants, zones };
    this.#loadedAt = Date.now();
    return this.#snapshot;
  }
}
