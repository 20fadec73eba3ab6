// Reads and edits the recorded history (tables in migrations.ts): selection of temporal
// entities (Query Temporal Evolution, clause 5.7.4), loading of their attribute instances under
// a temporal query (clause 4.11) with lastN, and the direct edits of the temporal API
// (clause 5.6.11–5.6.16).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { NgsiError } from '../errors.ts';
import type { StoredAttribute } from '../entities/stored-entity.ts';
import { typeSelectorSql, type TypeSelector } from '../entities/type-selector.ts';
import { matchesGeoQuery } from '../geo/geo-query.ts';
import type { GeoQuery, Geometry } from '../geo/types.ts';
import { compileQ } from '../query/q-sql.ts';
import type { QExpression } from '../query/q-language.ts';
import { compileScopeQuery, type ScopeQuery } from '../query/scope-query.ts';
import { insertInstanceRows, instanceRow, upsertTemporalEntities, type InstanceRow, type TemporalEntityRow, type TemporalInstance } from './history-recorder.ts';

export type TimeRel = 'before' | 'after' | 'between';
export type TimeProperty = 'observedAt' | 'createdAt' | 'modifiedAt' | 'deletedAt';

export interface TimeQuery {
  timerel: TimeRel;
  timeAt: string;
  /** Only with between. */
  endTimeAt?: string | undefined;
}

/** Which instances of an entity take part. */
export interface InstanceFilter {
  /** Expanded attribute IRIs; undefined = all. */
  attrs?: string[] | undefined;
  /** datasetIds to keep ('' = the default instance, from "@none"); undefined = all. */
  datasetIds?: string[] | undefined;
  time?: TimeQuery | undefined;
  timeproperty: TimeProperty;
}

export interface TemporalEntity extends TemporalEntityRow {
  deletedAt: string | null;
}

export interface StoredInstance extends Omit<InstanceRow, 'tenant' | 'entityId'> {
  /** The value of the time property the instances are ordered by (see timeKey). */
  time: string;
}

export interface TemporalEntityQuery {
  tenant: string;
  ids?: string[] | undefined;
  idPattern?: string | undefined;
  types?: TypeSelector | undefined;
  q?: QExpression | undefined;
  /** expandValues (clause 4.9): attributes, as short names, whose string values q expands. */
  expandValues?: string[] | undefined;
  scopeQ?: ScopeQuery | undefined;
  /** Clause 5.7.4.4: matched against the GeoProperty instances within the temporal interval. */
  geo?: (GeoQuery & { geoproperty: string }) | undefined;
  instances: InstanceFilter;
  limit: number;
  offset: number;
  count: boolean;
  expand: (term: string) => string;
  /** Types never served: the tenant's personal types (personal/personal-types.ts). */
  excludeTypes?: string[] | undefined;
  /** The only types served (an anonymous open-data read, open-data-types.ts), when given: entities that ever had another type are left out. */
  onlyTypes?: string[] | undefined;
}

/** Most instances one answer may carry; beyond it the answer is TooManyResults. */
export const MAX_INSTANCES = 100_000;

const COLUMNS: Record<TimeProperty, string> = {
  observedAt: 'observed_at',
  createdAt: 'created_at',
  modifiedAt: 'modified_at',
  deletedAt: 'deleted_at',
};

/**
 * The order of a time series: the time property, or for an instance that lacks it (no temporal
 * query, e.g. an attribute without observedAt) the time it was recorded.
 */
function timeKey(property: TimeProperty): RawBuilder<string> {
  return sql<string>`coalesce(${sql.ref(`h.${COLUMNS[property]}`)}, h.created_at)`;
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** Conditions on broker_attribute_instances h (besides tenant and entity). */
function instanceConditions(filter: InstanceFilter, withAttrs = true): RawBuilder<boolean>[] {
  const where: RawBuilder<boolean>[] = [];
  if (withAttrs && filter.attrs) where.push(sql<boolean>`h.attr = any(${sql.val(filter.attrs)}::text[])`);
  if (filter.datasetIds) where.push(sql<boolean>`h.dataset_id = any(${sql.val(filter.datasetIds)}::text[])`);
  if (filter.time) {
    const column = sql.ref(`h.${COLUMNS[filter.timeproperty]}`);
    const { timerel, timeAt, endTimeAt } = filter.time;
    // Clause 4.11: before is exclusive; after and the start of between are inclusive, the end of
    // between exclusive. An instance without the time property never matches.
    if (timerel === 'before') where.push(sql<boolean>`${column} < ${timeAt}::timestamptz`);
    else if (timerel === 'after') where.push(sql<boolean>`${column} >= ${timeAt}::timestamptz`);
    else where.push(sql<boolean>`${column} >= ${timeAt}::timestamptz and ${column} < ${endTimeAt}::timestamptz`);
  }
  return where;
}

function and(conditions: RawBuilder<boolean>[]): RawBuilder<boolean> {
  return conditions.length ? sql<boolean>`${sql.join(conditions, sql` and `)}` : sql<boolean>`true`;
}

function rowToTemporalEntity(row: Record<string, unknown>): TemporalEntity {
  return {
    tenant: row.tenant as string,
    id: row.id as string,
    types: row.types as string[],
    scopes: (row.scopes as string[] | null) ?? null,
    createdAt: iso(row.created_at),
    modifiedAt: iso(row.modified_at),
    deletedAt: isoOrNull(row.deleted_at),
  };
}

export class TemporalStore {
  constructor(private readonly db: Kysely<any>) {}

  async get(tenant: string, id: string): Promise<TemporalEntity | undefined> {
    const result = await sql<Record<string, unknown>>`select * from broker_temporal_entities where tenant = ${tenant} and id = ${id}`.execute(this.db);
    return result.rows[0] ? rowToTemporalEntity(result.rows[0]) : undefined;
  }

  /** Temporal entities matching a query, in id order, that have at least one matching instance. */
  async query(query: TemporalEntityQuery): Promise<{ entities: TemporalEntity[]; total?: number }> {
    const condition = await this.#condition(query);
    const rows = query.limit === 0
      ? []
      : (await sql<Record<string, unknown>>`select t.* from broker_temporal_entities t where ${condition}
          order by t.id limit ${query.limit} offset ${query.offset}`.execute(this.db)).rows;
    const result: { entities: TemporalEntity[]; total?: number } = { entities: rows.map(rowToTemporalEntity) };
    if (query.count) {
      const counted = await sql<{ n: string | number }>`select count(*) as n from broker_temporal_entities t where ${condition}`.execute(this.db);
      result.total = Number(counted.rows[0]?.n ?? 0);
    }
    return result;
  }

  /** The ids of every entity the query matches, in id order, at most `max` + 1 (for an EntityMap). */
  async matchingIds(query: TemporalEntityQuery, max: number): Promise<string[]> {
    const condition = await this.#condition(query);
    return (await sql<{ id: string }>`select t.id from broker_temporal_entities t where ${condition} order by t.id limit ${max + 1}`.execute(this.db)).rows.map((r) => r.id);
  }

  async #condition(query: TemporalEntityQuery): Promise<RawBuilder<boolean>> {
    const where: RawBuilder<boolean>[] = [sql<boolean>`t.tenant = ${query.tenant}`];
    if (query.ids?.length) where.push(sql<boolean>`t.id = any(${sql.val(query.ids)}::text[])`);
    if (query.idPattern) {
      try {
        new RegExp(query.idPattern);
      } catch {
        throw new NgsiError('BadRequestData', `idPattern: "${query.idPattern}" is not a valid regular expression`);
      }
      where.push(sql<boolean>`t.id ~ ${query.idPattern}`);
    }
    if (query.types) where.push(typeSelectorSql(query.types, sql.ref('t.types')));
    if (query.excludeTypes?.length) where.push(sql<boolean>`not (t.types && ${sql.val(query.excludeTypes)}::text[])`);
    // Every type the entity ever had must be served (isOpenHistory).
    if (query.onlyTypes) where.push(sql<boolean>`t.types <@ ${sql.val(query.onlyTypes)}::text[]`);
    if (query.scopeQ) where.push(compileScopeQuery(query.scopeQ, 't.scopes'));
    const owned = sql<boolean>`h.tenant = t.tenant and h.entity_id = t.id`;
    where.push(sql<boolean>`exists (select 1 from broker_attribute_instances h where ${owned} and ${and(instanceConditions(query.instances))})`);
    if (query.q) {
      // Clause 5.7.4.4: q is checked against the instances within the temporal query's interval;
      // they are gathered per attribute in the shape of broker_entities.attrs, so the compiled q
      // applies unchanged (a match on any instance counts).
      const inInterval = and([...instanceConditions(query.instances, false), sql<boolean>`h.deleted_at is null`]);
      const attrs = sql`(select coalesce(jsonb_object_agg(x.attr, x.list), '{}'::jsonb) from (
        select h.attr, jsonb_agg(h.instance order by h.seq) as list from broker_attribute_instances h
        where ${owned} and ${inInterval} group by h.attr) as x)`;
      where.push(compileQ(query.q, { attrs, expand: query.expand, expandValues: query.expandValues }));
    }
    if (query.geo) where.push(await this.#geoMatches(query, and(where)));
    return and(where);
  }

  /**
   * Which entities have a GeoProperty instance within the interval that satisfies the geo-query,
   * as a condition on t.id. The exact relation is tested with JSTS (as geo-queries on current
   * entities are); the instances tested are those of the geoproperty in the interval of the
   * entities the other conditions select, at most MAX_INSTANCES of them.
   */
  async #geoMatches(query: TemporalEntityQuery, others: RawBuilder<boolean>): Promise<RawBuilder<boolean>> {
    const geo = query.geo!;
    const inInterval = and([...instanceConditions(query.instances, false), sql<boolean>`h.deleted_at is null`]);
    const rows = (await sql<{ entity_id: string; instance: TemporalInstance | string }>`
      select h.entity_id, h.instance from broker_temporal_entities t
      join broker_attribute_instances h on h.tenant = t.tenant and h.entity_id = t.id
      where ${others} and h.attr = ${geo.geoproperty} and ${inInterval}
      limit ${MAX_INSTANCES + 1}`.execute(this.db)).rows;
    if (rows.length > MAX_INSTANCES) {
      throw new NgsiError('TooManyResults', `The geo-query would test more than ${MAX_INSTANCES} ${geo.geoproperty} instances; narrow the temporal query or the entities`);
    }
    const matching = new Set<string>();
    for (const row of rows) {
      if (matching.has(row.entity_id)) continue;
      const instance = (typeof row.instance === 'string' ? JSON.parse(row.instance) : row.instance) as TemporalInstance;
      if (instance.type === 'GeoProperty' && matchesGeoQuery(geo, instance.value as Geometry)) matching.add(row.entity_id);
    }
    return sql<boolean>`t.id = any(${sql.val([...matching])}::text[])`;
  }

  /**
   * The instances of some entities under a filter, per entity, in ascending time order; with
   * lastN only the last n per attribute (clause 5.7.3.4: the last n timestamps, descending, of
   * the time property within the interval).
   */
  async instances(tenant: string, ids: string[], filter: InstanceFilter, lastN?: number): Promise<Map<string, StoredInstance[]>> {
    const out = new Map<string, StoredInstance[]>();
    if (ids.length === 0) return out;
    const key = timeKey(filter.timeproperty);
    const where = and([sql<boolean>`h.tenant = ${tenant}`, sql<boolean>`h.entity_id = any(${sql.val(ids)}::text[])`, ...instanceConditions(filter)]);
    const select = lastN === undefined
      ? sql`select h.*, ${key} as time_key from broker_attribute_instances h where ${where}`
      : sql`select * from (select h.*, ${key} as time_key,
          row_number() over (partition by h.entity_id, h.attr order by ${key} desc, h.seq desc) as rank
          from broker_attribute_instances h where ${where}) as h where h.rank <= ${lastN}`;
    const result = await sql<Record<string, unknown>>`${select} order by entity_id, attr, time_key, seq limit ${MAX_INSTANCES + 1}`.execute(this.db);
    if (result.rows.length > MAX_INSTANCES) {
      throw new NgsiError('TooManyResults', `The answer would hold more than ${MAX_INSTANCES} attribute instances; narrow the temporal query (timerel, timeAt, endTimeAt), use lastN, attrs or fewer entities (limit)`);
    }
    for (const row of result.rows) {
      const entityId = row.entity_id as string;
      let list = out.get(entityId);
      if (!list) out.set(entityId, (list = []));
      const instance = (typeof row.instance === 'string' ? JSON.parse(row.instance) : row.instance) as TemporalInstance;
      list.push({
        attr: row.attr as string,
        datasetId: row.dataset_id as string,
        instanceId: row.instance_id as string,
        instance,
        observedAt: isoOrNull(row.observed_at),
        createdAt: iso(row.created_at),
        modifiedAt: iso(row.modified_at),
        deletedAt: isoOrNull(row.deleted_at),
        time: iso(row.time_key),
      });
    }
    return out;
  }

  /**
   * Create or Update Temporal Evolution (5.6.11) and Add Attributes (5.6.12): adds instances and
   * types; `mustExist` refuses an unknown entity. Returns whether the entity was created.
   */
  async addInstances(
    tenant: string,
    id: string,
    types: string[],
    scopes: string[] | null,
    attrs: Record<string, StoredAttribute[]>,
    mustExist: boolean,
  ): Promise<boolean> {
    const now = new Date().toISOString();
    return this.db.transaction().execute(async (trx) => {
      const existing = await sql`select 1 from broker_temporal_entities where tenant = ${tenant} and id = ${id} for update`.execute(trx);
      const exists = existing.rows.length > 0;
      if (!exists && mustExist) throw new NgsiError('ResourceNotFound', `Entity ${id} has no temporal evolution`);
      if (!exists && types.length === 0) throw new NgsiError('BadRequestData', `Entity ${id}: "type" is required to create a temporal evolution`);
      await upsertTemporalEntities(trx, [{ tenant, id, types, scopes, createdAt: now, modifiedAt: now }]);
      const rows: InstanceRow[] = [];
      for (const [attr, instances] of Object.entries(attrs)) {
        for (const instance of instances) rows.push(instanceRow(tenant, id, attr, instance, now));
      }
      await insertInstanceRows(trx, rows);
      return !exists;
    });
  }

  /** Delete Temporal Evolution of an Entity (5.6.16). */
  async deleteEntity(tenant: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const deleted = await sql`delete from broker_temporal_entities where tenant = ${tenant} and id = ${id} returning id`.execute(trx);
      await sql`delete from broker_attribute_instances where tenant = ${tenant} and entity_id = ${id}`.execute(trx);
      return deleted.rows.length > 0;
    });
  }

  /** Delete Attribute from Temporal Evolution (5.6.13): all instances, one dataset, or the default. */
  async deleteAttribute(tenant: string, id: string, attr: string, datasetId: string | undefined, deleteAll: boolean): Promise<void> {
    await this.#requireEntity(tenant, id);
    const dataset = deleteAll ? sql`` : sql`and dataset_id = ${datasetId ?? ''}`;
    const deleted = await sql`delete from broker_attribute_instances where tenant = ${tenant} and entity_id = ${id} and attr = ${attr} ${dataset} returning seq`.execute(this.db);
    if (deleted.rows.length === 0) {
      throw new NgsiError('ResourceNotFound', !deleteAll && datasetId !== undefined
        ? `The attribute has no instances with datasetId ${datasetId}`
        : deleteAll ? `Entity ${id} has no such attribute in its temporal evolution` : 'The attribute has no default instances (give datasetId or deleteAll=true)');
    }
  }

  /** Modify Attribute instance (5.6.14): replaces it, keeping createdAt; modifiedAt = now. */
  async modifyInstance(tenant: string, id: string, attr: string, instanceId: string, replacement: StoredAttribute): Promise<void> {
    await this.#requireEntity(tenant, id);
    await this.#requireAttribute(tenant, id, attr);
    const found = await sql<{ created_at: unknown }>`select created_at from broker_attribute_instances
      where tenant = ${tenant} and entity_id = ${id} and attr = ${attr} and instance_id = ${instanceId}`.execute(this.db);
    const row = found.rows[0];
    if (!row) throw new NgsiError('ResourceNotFound', `The attribute has no instance ${instanceId}`);
    const now = new Date().toISOString();
    const instance: TemporalInstance = { ...replacement, createdAt: iso(row.created_at), modifiedAt: now };
    await sql`
      update broker_attribute_instances set
        instance = ${JSON.stringify(instance)}::jsonb,
        dataset_id = ${replacement.datasetId ?? ''},
        observed_at = ${replacement.observedAt ?? null}::timestamptz,
        modified_at = ${now}::timestamptz,
        deleted_at = null
      where tenant = ${tenant} and entity_id = ${id} and attr = ${attr} and instance_id = ${instanceId}`.execute(this.db);
  }

  /** Delete Attribute instance (5.6.15). */
  async deleteInstance(tenant: string, id: string, attr: string, instanceId: string): Promise<void> {
    await this.#requireEntity(tenant, id);
    await this.#requireAttribute(tenant, id, attr);
    const deleted = await sql`delete from broker_attribute_instances where tenant = ${tenant} and entity_id = ${id} and attr = ${attr} and instance_id = ${instanceId} returning seq`.execute(this.db);
    if (deleted.rows.length === 0) throw new NgsiError('ResourceNotFound', `The attribute has no instance ${instanceId}`);
  }

  async #requireEntity(tenant: string, id: string): Promise<void> {
    if (!(await this.get(tenant, id))) throw new NgsiError('ResourceNotFound', `Entity ${id} has no temporal evolution`);
  }

  async #requireAttribute(tenant: string, id: string, attr: string): Promise<void> {
    const found = await sql`select 1 from broker_attribute_instances where tenant = ${tenant} and entity_id = ${id} and attr = ${attr} limit 1`.execute(this.db);
    if (found.rows.length === 0) throw new NgsiError('ResourceNotFound', `Entity ${id} has no such attribute in its temporal evolution`);
  }
}
