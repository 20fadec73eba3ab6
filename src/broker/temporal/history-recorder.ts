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
// A write of 1,000 entities is two statements: one multi-row upsert of the temporal entities and
// one insert of all instance rows (arrays passed through unnest, so the statement size does not
// grow with the number of rows' bind parameters).
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
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

/** Inserts instance rows in one statement. */
export async function insertInstanceRows(db: Db, rows: InstanceRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (row: InstanceRow) => T) => sql.val(rows.map(pick));
  await sql`
    insert into broker_attribute_instances
      (tenant, entity_id, attr, dataset_id, instance_id, instance, observed_at, created_at, modified_at, deleted_at)
    select u.tenant, u.entity_id, u.attr, u.dataset_id, u.instance_id, u.instance::jsonb,
      u.observed_at, u.created_at, u.modified_at, u.deleted_at
    from unnest(
      ${column((r) => r.tenant)}::text[], ${column((r) => r.entityId)}::text[], ${column((r) => r.attr)}::text[],
      ${column((r) => r.datasetId)}::text[], ${column((r) => r.instanceId)}::text[], ${column((r) => JSON.stringify(r.instance))}::text[],
      ${column((r) => r.observedAt)}::timestamptz[], ${column((r) => r.createdAt)}::timestamptz[],
      ${column((r) => r.modifiedAt)}::timestamptz[], ${column((r) => r.deletedAt)}::timestamptz[]
    ) with ordinality as u(tenant, entity_id, attr, dataset_id, instance_id, instance, observed_at, created_at, modified_at, deleted_at, n)
    order by u.n`.execute(db);
}

/**
 * Creates or refreshes temporal entities in one statement: types are the union of all types the
 * entity has had; scopes and modifiedAt are the latest; a re-created entity is no longer deleted.
 */
export async function upsertTemporalEntities(db: Db, entities: TemporalEntityRow[]): Promise<void> {
  if (entities.length === 0) return;
  const column = <T>(pick: (row: TemporalEntityRow) => T) => sql.val(entities.map(pick));
  await sql`
    insert into broker_temporal_entities (tenant, id, types, scopes, created_at, modified_at, deleted_at)
    select u.tenant, u.id,
      array(select jsonb_array_elements_text(u.types::jsonb)),
      case when u.scopes is null then null else array(select jsonb_array_elements_text(u.scopes::jsonb)) end,
      u.created_at, u.modified_at, null
    from unnest(
      ${column((e) => e.tenant)}::text[], ${column((e) => e.id)}::text[], ${column((e) => JSON.stringify(e.types))}::text[],
      ${column((e) => (e.scopes ? JSON.stringify(e.scopes) : null))}::text[],
      ${column((e) => e.createdAt)}::timestamptz[], ${column((e) => e.modifiedAt)}::timestamptz[]
    ) as u(tenant, id, types, scopes, created_at, modified_at)
    on conflict (tenant, id) do update set
      types = broker_temporal_entities.types
        || array(select t from unnest(excluded.types) as t where not (t = any(broker_temporal_entities.types))),
      scopes = coalesce(excluded.scopes, broker_temporal_entities.scopes),
      modified_at = greatest(excluded.modified_at, broker_temporal_entities.modified_at),
      deleted_at = null`.execute(db);
}

/** The listener to register with EntityStore.onChange. */
export const recordHistory: ChangeListener = async (trx, changes) => {
  const batch = historyOf(changes);
  await upsertTemporalEntities(trx, batch.entities);
  if (batch.deleted.length) {
    await sql`
      update broker_temporal_entities as t set deleted_at = d.time, modified_at = greatest(t.modified_at, d.time)
      from unnest(${sql.val(batch.deleted.map((d) => d.tenant))}::text[], ${sql.val(batch.deleted.map((d) => d.id))}::text[],
        ${sql.val(batch.deleted.map((d) => d.time))}::timestamptz[]) as d(tenant, id, time)
      where t.tenant = d.tenant and t.id = d.id`.execute(trx);
  }
  await insertInstanceRows(trx, batch.rows);
};
