import { sql, type Kysely } from 'kysely';
import { valueRows } from '../entities/entity-values.ts';
import type { StoredAttributes } from '../entities/stored-entity.ts';

// The value index of entities (entities/entity-values.ts): q terms find their candidates by
// b-tree, in entity id order and without reading the entities. It replaces the GIN index on
// broker_entities.attrs, whose every candidate had to be read from the table to be rechecked
// (2,000 page reads for a district of 2,000 sensors).
//
// No foreign key: the entity write keeps the rows in step in its own statement (a key would
// cost a lookup per row), and the rows are a superset index, so a stray row costs nothing but
// a candidate.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table broker_entity_values (
      tenant text not null,
      entity_id text not null,
      attr text not null,
      num float8,
      txt text collate "C"
    )`.execute(db);
  await sql`create index broker_entity_values_entity on broker_entity_values (tenant, entity_id)`.execute(db);
  await sql`create index broker_entity_values_txt on broker_entity_values (tenant, attr, txt, entity_id) where txt is not null`.execute(db);
  await sql`create index broker_entity_values_num on broker_entity_values (tenant, attr, num, entity_id) where num is not null`.execute(db);
  // Existing entities, a thousand at a time in key order.
  let after: { tenant: string; id: string } | undefined;
  for (;;) {
    const rows = (await sql<{ tenant: string; id: string; attrs: StoredAttributes | string }>`
      select tenant, id, attrs from broker_entities
      ${after ? sql`where (tenant, id) > (${after.tenant}, ${after.id})` : sql``}
      order by tenant, id limit 1000`.execute(db)).rows;
    if (rows.length === 0) break;
    const values = rows.flatMap((r) => {
      const attrs = typeof r.attrs === 'string' ? (JSON.parse(r.attrs) as StoredAttributes) : r.attrs;
      return valueRows({ attrs }).map((v) => ({ tenant: r.tenant, entity_id: r.id, attr: v.attr, num: v.num ?? null, txt: v.txt ?? null }));
    });
    if (values.length) {
      await sql`insert into broker_entity_values (tenant, entity_id, attr, num, txt)
        select r.tenant, r.entity_id, r.attr, r.num, r.txt
        from json_to_recordset(${JSON.stringify(values)}::json) as r(tenant text, entity_id text, attr text, num float8, txt text)`.execute(db);
    }
    const last = rows[rows.length - 1]!;
    after = { tenant: last.tenant, id: last.id };
  }
  await sql`drop index broker_entities_attrs`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index broker_entities_attrs on broker_entities using gin (attrs jsonb_path_ops)`.execute(db);
  await sql`drop table broker_entity_values`.execute(db);
}
