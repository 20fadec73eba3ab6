// The value index of entities (table broker_entity_values): one row per (entity, attribute,
// scalar value) for the strings and numbers a q comparison can match, so a q term finds its
// candidates by b-tree instead of by reading entities (query/q-candidates.ts). It is a superset
// index: the exact q predicate still runs on every candidate, so a row too many costs a little
// time, a row missing loses a match. What is indexed mirrors where q-sql.ts looks for a target
// value, with jsonpath's lax reading (a value inside an array, or inside an array inside an
// array, matches):
//   value, object, objectList, json, valueList and vocab of every instance, through arrays to
//   depth two, never into objects (an object never equals a scalar); every languageMap value.
// GeoProperty instances are left out: their value is a GeoJSON object.
//
// Strings are kept as their first TEXT_PREFIX code points (collation "C", i.e. code point order,
// as jsonpath compares): a prefix keeps the order (s ≥ v implies prefix(s) ≥ prefix(v)), so the
// lookups compare prefixes with non-strict operators and lose nothing, and index entries stay
// small whatever a client stores. Numbers are JSON numbers read by JavaScript, so float8 holds
// them exactly.
//
// EntityStore.write keeps the rows in step with the entity rows in the same statement: for each
// entity whose indexed values of an attribute changed, the attribute's rows are deleted and
// written again; deleting an entity deletes its rows.
import { sql, type RawBuilder } from 'kysely';
import { textSet } from '../../platform/db/database.ts';
import type { EntityChange } from './entity-store.ts';
import type { StoredAttribute, StoredEntity } from './stored-entity.ts';

/** Code points of a string value that the index keeps (see above). */
export const TEXT_PREFIX = 128;

export interface ValueRow {
  attr: string;
  num?: number;
  txt?: string;
}

/** The first TEXT_PREFIX code points of a string. */
export function textPrefix(text: string): string {
  if (text.length <= TEXT_PREFIX) return text;
  let out = '';
  let count = 0;
  for (const char of text) {
    if (count++ === TEXT_PREFIX) break;
    out += char;
  }
  return out;
}

const MEMBERS = ['value', 'object', 'objectList', 'json', 'valueList', 'vocab'] as const;

/** The distinct value rows of one attribute's instances, by a key naming the value. */
function attributeRows(attr: string, instances: readonly StoredAttribute[] | undefined): Map<string, ValueRow> {
  const out = new Map<string, ValueRow>();
  const add = (leaf: unknown) => {
    if (typeof leaf === 'number' && Number.isFinite(leaf)) out.set(`n${leaf}`, { attr, num: leaf });
    else if (typeof leaf === 'string') {
      const txt = textPrefix(leaf);
      out.set(`s${txt}`, { attr, txt });
    }
  };
  const walk = (node: unknown, depth: number) => {
    if (Array.isArray(node)) {
      if (depth < 2) for (const item of node) walk(item, depth + 1);
    } else add(node);
  };
  for (const instance of instances ?? []) {
    if (instance.type === 'GeoProperty') continue;
    for (const member of MEMBERS) if (instance[member] !== undefined) walk(instance[member], 0);
    if (instance.languageMap) for (const text of Object.values(instance.languageMap)) walk(text, 1);
  }
  return out;
}

/** Every value row of an entity. */
export function valueRows(entity: Pick<StoredEntity, 'attrs'>): ValueRow[] {
  return Object.entries(entity.attrs).flatMap(([attr, instances]) => [...attributeRows(attr, instances).values()]);
}

function sameKeys(a: Map<string, ValueRow>, b: Map<string, ValueRow>): boolean {
  return a.size === b.size && [...a.keys()].every((key) => b.has(key));
}

/** The entities of a tenant having a value row of `attr` that meets `condition` (on row `v`). */
export function valueLookup(tenant: string, attr: string, condition: RawBuilder<boolean>): RawBuilder<unknown> {
  return sql`select v.entity_id from broker_entity_values v where v.tenant = ${tenant} and v.attr = ${attr} and ${condition}`;
}

/**
 * The parts of an entity write (EntityStore.write) that keep broker_entity_values in step: the
 * rows of deleted entities and of changed attributes deleted, the new rows of inserted entities
 * and changed attributes written. The delete sees the rows as they were before the statement
 * and the insert adds new ones, so the two never touch the same rows.
 */
export function valueParts(tenant: string, changes: readonly Pick<EntityChange, 'before' | 'after'>[]): RawBuilder<unknown>[] {
  const deletedEntities: string[] = [];
  const replaced: Array<{ entity_id: string; attr: string }> = [];
  const inserted: Array<{ entity_id: string; attr: string; num: number | null; txt: string | null }> = [];
  for (const { before, after } of changes) {
    if (!after) {
      if (before) deletedEntities.push(before.id);
      continue;
    }
    const names = new Set([...Object.keys(after.attrs), ...Object.keys(before?.attrs ?? {})]);
    for (const attr of names) {
      const now = attributeRows(attr, after.attrs[attr]);
      if (before && sameKeys(attributeRows(attr, before.attrs[attr]), now)) continue;
      if (before?.attrs[attr]) replaced.push({ entity_id: after.id, attr });
      for (const row of now.values()) inserted.push({ entity_id: after.id, attr, num: row.num ?? null, txt: row.txt ?? null });
    }
  }
  const parts: RawBuilder<unknown>[] = [];
  if (deletedEntities.length) {
    parts.push(sql`delete from broker_entity_values where tenant = ${tenant} and entity_id in ${textSet(deletedEntities)}`);
  }
  if (replaced.length) {
    // By the entity index first (ids and attribute IRIs never contain a space).
    const ids = [...new Set(replaced.map((r) => r.entity_id))];
    parts.push(sql`delete from broker_entity_values v where v.tenant = ${tenant} and v.entity_id in ${textSet(ids)}
      and v.entity_id || ' ' || v.attr in ${textSet(replaced.map((r) => `${r.entity_id} ${r.attr}`))}`);
  }
  if (inserted.length) {
    parts.push(sql`insert into broker_entity_values (tenant, entity_id, attr, num, txt)
      select ${tenant}, r.entity_id, r.attr, r.num, r.txt
      from json_to_recordset(${JSON.stringify(inserted)}::json) as r(entity_id text, attr text, num float8, txt text)`);
  }
  return parts;
}
