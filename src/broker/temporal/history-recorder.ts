// Records the temporal evolution of entities (clause 4.5.7–4.5.8): a listener on
// EntityStore.write, so every entity write (create, replace, merge, append, update, partial
// update, delete, every batch operation) records, in the same transaction, one row per
// attribute instance that the write touched:
//
// - an instance that is new, or that was written again (its modifiedAt changed, as it does on
//   every write of that instance, even with the same value: a sensor repeating 20 °C is a data
//   point), becomes a new temporal instance, stamped createdAt = modifiedAt = the write's time;
// - an instance that the write removed (attribute or datasetId deleted, merge-patch null, replace
//   without it, entity deleted) becomes a deletion marker: value (object, …) "urn:ngsi-ld:null"
//   and deletedAt set, as clause 4.5.7 says.
//
// The listener adds its statements (upsert of the temporal entities, deletion times, insert of
// all instance rows) to the write's own statement, so recording history costs no round trip.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { ChangeListener, EntityChange } from '../entities/entity-store.ts';
import type { StoredAttribute, StoredEntity } from '../entities/stored-entity.ts';

export const NGSI_NULL = 'urn:ngsi-ld:null';
export const INSTANCE_ID_PREFIX = 'urn:ngsi-ld:attribute:instance:';

/** A recorded instance: the stored attribute plus deletedAt on deletion markers. */
export type TemporalInstance = StoredAttribute & { deletedAt?: string };

export interface InstanceRow {
  tenant: string;
  entityId: string;
  attr: string;
  datasetId: string;
  instanceId: string;
  instance: TemporalInstance;
  observedAt: string | null;
  createdAt: string;
  modifiedAt: string;
  deletedAt: string | null;
}

export interface TemporalEntityRow {
  tenant: string;
  id: string;
  types: string[];
  scopes: string[] | null;
  createdAt: string;
  modifiedAt: string;
}

export function newInstanceId(): string {
  return `${INSTANCE_ID_PREFIX}${randomUUID()}`;
}

function recorded(tenant: string, entityId: string, attr: string, instance: TemporalInstance, observedAt: string | null, time: string, deletedAt: string | null): InstanceRow {
  return { tenant, entityId, attr, datasetId: instance.datasetId ?? '', instanceId: newInstanceId(), instance, observedAt, createdAt: time, modifiedAt: time, deletedAt };
}

/** A recorded version of `instance`, written at `time`. */
export function instanceRow(tenant: string, entityId: string, attr: string, instance: StoredAttribute, time: string): InstanceRow {
  return recorded(tenant, entityId, attr, { ...instance, createdAt: time, modifiedAt: time }, instance.observedAt ?? null, time, null);
}

/** The deletion marker of `instance` (clause 4.5.7/4.5.8): its main value set to urn:ngsi-ld:null. */
export function deletionRow(tenant: string, entityId: string, attr: string, instance: StoredAttribute, time: string): InstanceRow {
  const marker: TemporalInstance = { type: instance.type, createdAt: time, modifiedAt: time, deletedAt: time };
  switch (instance.type) {
    case 'Relationship': marker.object = NGSI_NULL; break;
    case 'LanguageProperty': marker.languageMap = { '@none': NGSI_NULL }; break;
    case 'VocabProperty': marker.vocab = NGSI_NULL; break;
    case 'JsonProperty': marker.json = NGSI_NULL; break;
    case 'ListProperty': marker.valueList = [NGSI_NULL]; break;
    case 'ListRelationship': marker.objectList = [NGSI_NULL]; break;
    default: marker.value = NGSI_NULL;
  }
  if (instance.datasetId) marker.datasetId = instance.datasetId;
  return recorded(tenant, entityId, attr, marker, null, time, time);
}

const sameDataset = (a: StoredAttribute, b: StoredAttribute) => (a.datasetId ?? '') === (b.datasetId ?? '');

function written(before: StoredAttribute | undefined, after: StoredAttribute): boolean {
  if (!before) return true;
  if (before.modifiedAt !== after.modifiedAt) return true;
  return JSON.stringify(before) !== JSON.stringify(after);
}

export interface HistoryBatch {
  entities: TemporalEntityRow[];
  /** Entities deleted from broker_entities by this write: (tenant, id) → deletion time. */
  deleted: Array<{ tenant: string; id: string; time: string }>;
  rows: InstanceRow[];
}

/** What a set of entity changes adds to the history (pure: no database access). */
export function historyOf(changes: EntityChange[], now = new Date().toISOString()): HistoryBatch {
  const entities = new Map<string, TemporalEntityRow>();
  const deleted: HistoryBatch['deleted'] = [];
  const rows: InstanceRow[] = [];
  for (const { tenant, before, after } of changes) {
    if (after) {
      entities.set(`${tenant}\u0000${after.id}`, {
        tenant,
        id: after.id,
        types: after.types,
        scopes: after.scopes,
        createdAt: after.createdAt,
        modifiedAt: after.modifiedAt,
      });
      for (const [attr, instances] of Object.entries(after.attrs)) {
        const previous = before?.attrs[attr];
        for (const instance of instances) {
          const old = previous?.find((p) => sameDataset(p, instance));
          if (written(old, instance)) rows.push(instanceRow(tenant, after.id, attr, instance, instance.modifiedAt || after.modifiedAt));
        }
      }
      if (before) rows.push(...removed(tenant, before, after, after.modifiedAt));
    } else if (before) {
      deleted.push({ tenant, id: before.id, time: now });
      rows.push(...removed(tenant, before, null, now));
    }
  }
  return { entities: [...entities.values()], deleted, rows };
}

function removed(tenant: string, before: StoredEntity, after: StoredEntity | null, time: string): InstanceRow[] {
  const rows: InstanceRow[] = [];
  for (const [attr, instances] of Object.entries(before.attrs)) {
    const remaining = after?.attrs[attr];
    for (const instance of instances) {
      if (!remaining?.some((r) => sameDataset(r, instance))) rows.push(deletionRow(tenant, before.id, attr, instance, time));
    }
  }
  return rows;
}

type Db = Kysely<any> | Transaction<any>;

// The statements below take their rows as one JSON array (jsonb_array_elements), not as one
// array parameter per column: one JSON.stringify of the rows instead of escaping every JSON
// document again as a PostgreSQL array element, and a constant number of parameters however
// many rows there are.

/** The insert of instance rows, as one statement (to run alone or inside EntityStore.write's). */
export function instanceRowsSql(rows: InstanceRow[]): RawBuilder<unknown> {
  return sql`
    insert into broker_attribute_instances
      (tenant, entity_id, attr, dataset_id, instance_id, instance, observed_at, created_at, modified_at, deleted_at)
    select r->>'tenant', r->>'entityId', r->>'attr', r->>'datasetId', r->>'instanceId', r->'instance',
      (r->>'observedAt')::timestamptz, (r->>'createdAt')::timestamptz, (r->>'modifiedAt')::timestamptz, (r->>'deletedAt')::timestamptz
    from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) with ordinality as u(r, n)
    order by u.n`;
}

export async function insertInstanceRows(db: Db, rows: InstanceRow[]): Promise<void> {
  if (rows.length) await instanceRowsSql(rows).execute(db);
}

/**
 * Creates or refreshes temporal entities in one statement: types are the union of all types the
 * entity has had; scopes and modifiedAt are the latest; a re-created entity is no longer deleted.
 */
export function temporalEntitiesSql(entities: TemporalEntityRow[]): RawBuilder<unknown> {
  return sql`
    insert into broker_temporal_entities (tenant, id, types, scopes, created_at, modified_at, deleted_at)
    select r->>'tenant', r->>'id',
      array(select jsonb_array_elements_text(r->'types')),
      case when jsonb_typeof(r->'scopes') = 'array' then array(select jsonb_array_elements_text(r->'scopes')) end,
      (r->>'createdAt')::timestamptz, (r->>'modifiedAt')::timestamptz, null
    from jsonb_array_elements(${JSON.stringify(entities)}::jsonb) as u(r)
    on conflict (tenant, id) do update set
      types = broker_temporal_entities.types
        || array(select t from unnest(excluded.types) as t where not (t = any(broker_temporal_entities.types))),
      scopes = coalesce(excluded.scopes, broker_temporal_entities.scopes),
      modified_at = greatest(excluded.modified_at, broker_temporal_entities.modified_at),
      deleted_at = null`;
}

export async function upsertTemporalEntities(db: Db, entities: TemporalEntityRow[]): Promise<void> {
  if (entities.length) await temporalEntitiesSql(entities).execute(db);
}

/** The listener to register with EntityStore.onChange: the history statements of a write. */
export const recordHistory: ChangeListener = async (_trx, changes) => {
  const batch = historyOf(changes);
  const statements: RawBuilder<unknown>[] = [];
  if (batch.entities.length) statements.push(temporalEntitiesSql(batch.entities));
  if (batch.deleted.length) {
    statements.push(sql`
      update broker_temporal_entities as t set deleted_at = (r->>'time')::timestamptz, modified_at = greatest(t.modified_at, (r->>'time')::timestamptz)
      from jsonb_array_elements(${JSON.stringify(batch.deleted)}::jsonb) as u(r)
      where t.tenant = r->>'tenant' and t.id = r->>'id'`);
  }
  if (batch.rows.length) statements.push(instanceRowsSql(batch.rows));
  return statements;
};
