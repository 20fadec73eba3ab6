import { sql, type Kysely } from 'kysely';

// EntityMaps (clauses 4.3.6.7, 4.5.25, 5.14): the ids a distributed query matched, fixed when the
// map is made, so a client pages through them without the sources' answers shifting under it.
// One row per map, one row per entity id in it (a map may hold 100,000 ids, read a page at a
// time by position). `sources` is the entity's list of the map's `entityMap` member: "@none"
// for this broker, else registration ids. `open_types`: the open-data types an anonymous map was
// made under (null for a reader with credentials); `query_key`: the query's parameters that later
// pages must repeat (5.5.14). Expired maps are swept by the broker (entity-maps.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_entity_maps (
      tenant text not null,
      id text not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      open_types jsonb,
      query_key text,
      linked_maps jsonb not null default '{}',
      primary key (tenant, id)
    )`.execute(db);
  await sql`create index broker_entity_maps_expiry on broker_entity_maps (expires_at)`.execute(db);
  await sql`
    create table broker_entity_map_entries (
      tenant text not null,
      map_id text not null,
      position integer not null,
      entity_id text not null,
      sources jsonb not null,
      primary key (tenant, map_id, position),
      foreign key (tenant, map_id) references broker_entity_maps (tenant, id) on delete cascade
    )`.execute(db);
  // Finding an entity in a map: Retrieve Entity, and taking entities out of it.
  await sql`create unique index broker_entity_map_entries_entity on broker_entity_map_entries (tenant, map_id, entity_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table broker_entity_map_entries`.execute(db);
  await sql`drop table broker_entity_maps`.execute(db);
}
