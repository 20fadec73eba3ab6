// Tables of the NGSI-LD temporal API (clause 4.5.7–4.5.9, 5.6.11–5.6.16, 5.7.3–5.7.4). A
// MigrationSet the broker module adds to its list.
//
// broker_temporal_entities: every entity that has a temporal evolution (any entity ever written
// through the broker, or created through POST /temporal/entities), with the union of the types
// it has had. It outlives the entity in broker_entities (deleted_at is set when that entity is
// deleted) until DELETE /temporal/entities/{id} removes it.
//
// broker_attribute_instances: one row per recorded attribute instance (a version of one
// attribute/datasetId of one entity), plus deletion markers (deleted_at set, value
// "urn:ngsi-ld:null"). No foreign key to broker_entities: history outlives entities. `seq` gives a
// stable order for instances recorded at the same time.
import { sql, type Kysely, type Migration } from 'kysely';

const createTemporal: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      create table broker_temporal_entities (
        tenant text not null,
        id text not null,
        types text[] not null,
        scopes text[],
        created_at timestamptz not null,
        modified_at timestamptz not null,
        deleted_at timestamptz,
        primary key (tenant, id)
      )`.execute(db);
    await sql`create index broker_temporal_entities_types on broker_temporal_entities using gin (types)`.execute(db);
    await sql`
      create table broker_attribute_instances (
        seq bigint generated always as identity primary key,
        tenant text not null,
        entity_id text not null,
        attr text not null,
        dataset_id text not null default '',
        instance_id text not null,
        instance jsonb not null,
        observed_at timestamptz,
        created_at timestamptz not null,
        modified_at timestamptz not null,
        deleted_at timestamptz
      )`.execute(db);
    await sql`create unique index broker_attribute_instances_id on broker_attribute_instances (tenant, instance_id)`.execute(db);
    await sql`create index broker_attribute_instances_observed on broker_attribute_instances (tenant, entity_id, attr, observed_at)`.execute(db);
    await sql`create index broker_attribute_instances_created on broker_attribute_instances (tenant, entity_id, attr, created_at)`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`drop table broker_attribute_instances`.execute(db);
    await sql`drop table broker_temporal_entities`.execute(db);
  },
};

export const temporalMigrations: Record<string, Migration> = {
  '2026-11-23T1302-broker-temporal': createTemporal,
};
