// Entity ordering (clause 4.23): `orderBy=name,age;desc` sorts Query Entities by attribute
// values, `orderBy=location;dist-asc&orderFrom=[140.47,37.76]` by distance from a geometry
// (nearest shelters first). Values of mixed kinds sort as 4.23.2 lists them (numbers, strings,
// objects, arrays, booleans, times, dates, date-times, null, then entities without the
// attribute); strings by ICU collation, the root order ("und") unless `collation` names another.
// Sorting happens here, on the candidates the query's filters select (entities/entity-query.ts).
import { NgsiError } from '../errors.ts';
import { minimumDistance } from '../geo/geo-query.ts';
import { isGeometryType, validateCoordinates } from '../geo/geometry.ts';
import type { Geometry } from '../geo/types.ts';
import type { StoredAttribute, StoredEntity } from '../entities/stored-entity.ts';
import { param, type Query } from '../http/request-options.ts';
import { parseAttributePath, type QAttributePath } from './q-language.ts';

export type Direction = 'asc' | 'desc' | 'dist-asc' | 'dist-desc';

export interface OrderTerm {
  /** The path with names[0] (and sub-attribute names) expanded. */
  path: QAttributePath;
  direction: Direction;
}

export interface Ordering {
  terms: OrderTerm[];
  /** The reference geometry of dist-asc / dist-desc (orderFrom, orderGeometry). */
  from?: Geometry | undefined;
  collator: Intl.Collator;
}

/** The most candidates one ordered query sorts; beyond, TooManyResults. */
export const MAX_ORDERED = 10_000;
const MAX_TERMS = 10;
const DIRECTIONS = new Set<Direction>(['asc', 'desc', 'dist-asc', 'dist-desc']);
/** Meta members of an attribute that a path may name (name.observedAt); the date ones sort as date-times. */
const META = new Set(['observedAt', 'createdAt', 'modifiedAt', 'unitCode', 'datasetId']);
const DATE_META = new Set(['observedAt', 'createdAt', 'modifiedAt']);

/** orderBy, orderFrom, orderGeometry and collation of Query Entities; undefined without orderBy. */
export function parseOrdering(query: Query, expand: (term: string) => string): Ordering | undefined {
  const text = param(query, 'orderBy');
  const fromText = param(query, 'orderFrom');
  const geometryText = param(query, 'orderGeometry');
  if (text === undefined) {
    if (fromText !== undefined || geometryText !== undefined || param(query, 'collation') !== undefined) {
      throw new NgsiError('BadRequestData', 'orderFrom, orderGeometry and collation: only with orderBy');
    }
    return undefined;
  }
  const parts = text.split(',');
  if (parts.length > MAX_TERMS) throw new NgsiError('TooComplexQuery', `orderBy: at most ${MAX_TERMS} terms`);
  const terms = parts.map((part): OrderTerm => {
    const [pathText = '', direction = 'asc', ...rest] = part.split(';');
    if (rest.length || !DIRECTIONS.has(direction as Direction)) {
      throw new NgsiError('BadRequestData', `orderBy: "${part}" is not an attribute path followed by nothing, ;asc, ;desc, ;dist-asc or ;dist-desc`);
    }
    const path = parseAttributePath(pathText.trim(), 'orderBy');
    return { path: { ...path, names: path.names.map((n, i) => (i > 0 && META.has(n) ? n : expand(n))) }, direction: direction as Direction };
  });
  const byDistance = terms.some((t) => t.direction.startsWith('dist-'));
  let from: Geometry | undefined;
  if (byDistance) {
    if (fromText === undefined) throw new NgsiError('BadRequestData', 'orderFrom: required with dist-asc or dist-desc (the coordinates of the reference geometry, e.g. [140.47,37.76])');
    const type = geometryText ?? 'Point';
    if (!isGeometryType(type)) throw new NgsiError('BadRequestData', `orderGeometry: "${type}" is not a GeoJSON geometry type`);
    let coordinates: unknown;
    try {
      coordinates = JSON.parse(fromText);
    } catch {
      throw new NgsiError('BadRequestData', `orderFrom: "${fromText}" is not JSON coordinates such as [140.47,37.76]`);
    }
    from = validateCoordinates(type, coordinates, 'orderFrom');
  } else if (fromText !== undefined || geometryText !== undefined) {
    throw new NgsiError('BadRequestData', 'orderFrom and orderGeometry: only with a dist-asc or dist-desc term');
  }
  let collator: Intl.Collator;
  try {
    collator = new Intl.Collator(param(query, 'collation') ?? 'und');
  } catch {
    throw new NgsiError('BadRequestData', `collation: "${param(query, 'collation')}" is not a locale with collation options such as und, ja or de-u-co-phonebk`);
  }
  return { terms, from, collator };
}

/** The expanded attribute names an ordering reads (to fetch no more of each candidate). */
export function orderingAttributes(ordering: Ordering): string[] {
  return [...new Set(ordering.terms.map((t) => t.path.names[0]!))];
}

/** A value's place among kinds (4.23.2), then what compares within the kind. */
interface Key {
  rank: number;
  num?: number;
  str?: string;
}

const MISSING: Key = { rank: 9 };

function keyOf(value: unknown): Key {
  if (value === undefined) return MISSING;
  if (value === null) return { rank: 8 };
  if (typeof value === 'number') return { rank: 0, num: value };
  if (typeof value === 'string') return { rank: 1, str: value };
  if (typeof value === 'boolean') return { rank: 4, num: value ? 1 : 0 };
  if (Array.isArray(value)) return { rank: 3, str: JSON.stringify(value) };
  const typed = value as Record<string, unknown>;
  const at = typed['@value'];
  if (typeof at === 'string') {
    if (typed['@type'] === 'Time') return { rank: 5, str: at };
    if (typed['@type'] === 'Date') return { rank: 6, str: at };
    // An unparsable DateTime (stored as given) sorts as the string it is.
    if (typed['@type'] === 'DateTime') return Number.isNaN(Date.parse(at)) ? { rank: 1, str: at } : { rank: 7, num: Date.parse(at) };
  }
  return { rank: 2, str: JSON.stringify(value) };
}

/** The instance a path reads: the default one (no datasetId), else the first. */
function instanceOf(entity: StoredEntity, name: string): StoredAttribute | undefined {
  const instances = entity.attrs[name];
  return instances?.find((i) => i.datasetId === undefined) ?? instances?.[0];
}

function targetValue(instance: StoredAttribute): unknown {
  if (instance.value !== undefined) return instance.value;
  if (instance.object !== undefined) return instance.object;
  if (instance.languageMap !== undefined) return Object.values(instance.languageMap)[0];
  return instance.vocab ?? instance.json ?? instance.valueList ?? instance.objectList;
}

/** The value a path names in an entity (4.9 paths: sub-attributes, meta members, [members]). */
function valueAt(entity: StoredEntity, path: QAttributePath): Key {
  let instance = instanceOf(entity, path.names[0]!);
  for (const name of path.names.slice(1)) {
    if (!instance) return MISSING;
    if (META.has(name)) {
      const meta = instance[name as 'observedAt'];
      if (meta === undefined) return MISSING;
      return DATE_META.has(name) && !Number.isNaN(Date.parse(meta)) ? { rank: 7, num: Date.parse(meta) } : keyOf(meta);
    }
    instance = instance.sub?.[name];
  }
  if (!instance) return MISSING;
  // label[ja]: a member of a LanguageProperty is one of its languages, as in q (4.9).
  let value = instance.languageMap && path.members?.length ? instance.languageMap : targetValue(instance);
  for (const member of path.members ?? []) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return MISSING;
    value = (value as Record<string, unknown>)[member];
  }
  return keyOf(value);
}

/** Distance from the reference geometry to the path's GeoProperty; GeoProperties come first. */
function distanceAt(entity: StoredEntity, path: QAttributePath, from: Geometry): Key | undefined {
  const instance = instanceOf(entity, path.names[0]!);
  if (!instance || instance.type !== 'GeoProperty' || path.names.length > 1) return undefined;
  try {
    // As near-queries measure it (geo-query.ts): 0 where the geometries meet.
    const distance = minimumDistance(instance.value as Geometry, from);
    return Number.isFinite(distance) ? { rank: -1, num: distance } : undefined;
  } catch {
    return undefined;
  }
}

function compareKeys(a: Key, b: Key, collator: Intl.Collator): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.num !== undefined && b.num !== undefined && a.num !== b.num) return a.num - b.num;
  if (a.str !== undefined && b.str !== undefined) return collator.compare(a.str, b.str);
  return 0;
}

/**
 * Sorts entities by the ordering, then by id (so equal keys keep a stable order across pages).
 * Descending reverses the values but not where missing ones go: they stay last (4.23.2).
 */
export function sortEntities(entities: StoredEntity[], ordering: Ordering): StoredEntity[] {
  const keys = new Map(entities.map((e) => [e.id, ordering.terms.map((term) => {
    if (term.direction.startsWith('dist-')) return distanceAt(e, term.path, ordering.from!) ?? valueAt(e, term.path);
    return valueAt(e, term.path);
  })]));
  return [...entities].sort((a, b) => {
    const ka = keys.get(a.id)!;
    const kb = keys.get(b.id)!;
    for (let i = 0; i < ordering.terms.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      const descending = ordering.terms[i]!.direction.endsWith('desc');
      // Nulls and missing attributes last either way; so are non-GeoProperties when sorting by distance.
      const fixed = (k: Key) => k.rank >= 8 || (ordering.terms[i]!.direction.startsWith('dist-') && k.rank >= 0);
      let c: number;
      if (fixed(x) || fixed(y) || x.rank !== y.rank) c = compareKeys(x, y, ordering.collator);
      else c = descending ? -compareKeys(x, y, ordering.collator) : compareKeys(x, y, ordering.collator);
      if (c !== 0) return c;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
