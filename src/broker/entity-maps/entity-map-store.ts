// The database side of EntityMaps (tables of migration 2026-12-12T0900): a map row and its
// entries in the order they are paged (entity id order), read a slice at a time by position.
import { sql } from 'kysely';
import { textSet, type Database } from '../../platform/db/database.ts';

/** "@none": this broker holds (part of) the entity; otherwise a registration id. */
export const LOCAL = '@none';

export interface EntityMapEntry {
  position: number;
  entityId: string;
  sources: string[];
}

export interface StoredEntityMap {
  tenant: string;
  id: string;
  expiresAt: string;
  /** Made by an open-data read (no broker.read): the open types it was limited to; null otherwise. */
  openTypes: string[] | null;
  /** The parameters of the query that made it, which later pages must repeat; null for a retrieve's map. */
  queryKey: string | null;
  /** Registration id → the location of the EntityMap its source made (clause 4.5.25). */
  linkedMaps: Record<string, string>;
}

interface MapRow {
  tenant: string;
  id: string;
  expires_at: Date | string;
  open_types: string[] | string | null;
  query_key: string | null;
  linked_maps: Record<string, string> | string;
}

/** Entries inserted per statement: one JSON parameter each, well under any size limit. */
const INSERT_CHUNK = 10_000;

function toMap(row: MapRow): StoredEntityMap {
  return {
    tenant: row.tenant,
    id: row.id,
    expiresAt: new Date(row.expires_at).toISOString(),
    openTypes: typeof row.open_types === 'string' ? (JSON.parse(row.open_types) as string[]) : row.open_types,
    queryKey: row.query_key,
    linkedMaps: typeof row.linked_maps === 'string' ? (JSON.parse(row.linked_maps) as Record<string, string>) : row.linked_maps,
  };
}

export class EntityMapStore {
  constructor(private readonly db: Database) {}

  /** Stores a new map with its entries (in the order given), in one transaction. */
  async create(map: StoredEntityMap, entries: { entityId: string; sources: string[] }[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`insert into broker_entity_maps (tenant, id, expires_at, open_types, query_key, linked_maps)
        values (${map.tenant}, ${map.id}, ${map.expiresAt}, ${map.openTypes === null ? null : JSON.stringify(map.openTypes)}::jsonb, ${map.queryKey}, ${JSON.stringify(map.linkedMaps)}::jsonb)`.execute(trx);
      for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
        const chunk = entries.slice(start, start + INSERT_CHUNK).map((e, i) => [start + i, e.entityId, e.sources]);
        await sql`insert into broker_entity_map_entries (tenant, map_id, position, entity_id, sources)
          select ${map.tenant}, ${map.id}, (e->>0)::integer, e->>1, e->2 from jsonb_array_elements(${JSON.stringify(chunk)}::jsonb) e`.execute(trx);
      }
    });
  }

  /** The map, unless it does not exist or has expired (then it is as good as gone, 5.5.14). */
  async get(tenant: string, id: string): Promise<StoredEntityMap | undefined> {
    const row = (await sql<MapRow>`select tenant, id, expires_at, open_types, query_key, linked_maps from broker_entity_maps
      where tenant = ${tenant} and id = ${id} and expires_at > now()`.execute(this.db)).rows[0];
    return row ? toMap(row) : undefined;
  }

  /** Entries from the `offset`-th on (or after position `after`), at most `limit`; only those of `entityIds` if given. */
  async entries(tenant: string, id: string, from: { offset: number } | { after: number }, limit: number, entityIds?: string[]): Promise<EntityMapEntry[]> {
    const rows = (await sql<{ position: number; entity_id: string; sources: string[] | string }>`
      select position, entity_id, sources from broker_entity_map_entries
      where tenant = ${tenant} and map_id = ${id} ${'after' in from ? sql`and position > ${from.after}` : sql``}
      ${entityIds ? sql`and entity_id in ${textSet(entityIds)}` : sql``}
      order by position limit ${limit} ${'offset' in from ? sql`offset ${from.offset}` : sql``}`.execute(this.db)).rows;
    return rows.map((r) => ({ position: Number(r.position), entityId: r.entity_id, sources: typeof r.sources === 'string' ? (JSON.parse(r.sources) as string[]) : r.sources }));
  }

  /** Every entry (for retrieving the map itself), in order. */
  async allEntries(tenant: string, id: string): Promise<EntityMapEntry[]> {
    return this.entries(tenant, id, { offset: 0 }, 2 ** 31 - 1);
  }

  /** Where the map says an entity is held; undefined if the map does not list it. */
  async sourcesOf(tenant: string, id: string, entityId: string): Promise<string[] | undefined> {
    const row = (await sql<{ sources: string[] | string }>`select sources from broker_entity_map_entries
      where tenant = ${tenant} and map_id = ${id} and entity_id = ${entityId}`.execute(this.db)).rows[0];
    if (!row) return undefined;
    return typeof row.sources === 'string' ? (JSON.parse(row.sources) as string[]) : row.sources;
  }

  async size(tenant: string, id: string): Promise<number> {
    const row = (await sql<{ n: string | number }>`select count(*) as n from broker_entity_map_entries where tenant = ${tenant} and map_id = ${id}`.execute(this.db)).rows[0];
    return Number(row?.n ?? 0);
  }

  /** Takes entities that no longer match the query out of the map (5.5.9.3). */
  async remove(tenant: string, id: string, entityIds: string[]): Promise<void> {
    if (entityIds.length === 0) return;
    await sql`delete from broker_entity_map_entries where tenant = ${tenant} and map_id = ${id} and entity_id in ${textSet(entityIds)}`.execute(this.db);
  }

  /** The locations of the sources' maps, when a source made a new one (5.7.1.4). */
  async setLinkedMaps(tenant: string, id: string, linkedMaps: Record<string, string>): Promise<void> {
    await sql`update broker_entity_maps set linked_maps = ${JSON.stringify(linkedMaps)}::jsonb where tenant = ${tenant} and id = ${id}`.execute(this.db);
  }

  /** Only the expiry may change (5.5.14); false if the map is gone. */
  async setExpiry(tenant: string, id: string, expiresAt: string): Promise<boolean> {
    const result = await sql`update broker_entity_maps set expires_at = ${expiresAt} where tenant = ${tenant} and id = ${id} and expires_at > now()`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const result = await sql`delete from broker_entity_maps where tenant = ${tenant} and id = ${id} and expires_at > now()`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Deletes expired maps (their entries go with them); answers how many. */
  async purgeExpired(): Promise<number> {
    const result = await sql`delete from broker_entity_maps where expires_at <= now()`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
