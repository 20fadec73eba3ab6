// NGSI-LD geo-queries (ETSI GS CIM 009 v1.9.1 clause 4.10; the GeoQuery data type of clause
// 5.2.13): parsing and validating the four parameters, a bounding-box prefilter for SQL, and the
// exact test of one entity's geometry.
//
// Semantics (target = the entity's GeoProperty, reference = the query's geometry):
//   within      target within the reference            } OGC Simple Features / DE-9IM ([14] in
//   contains    target contains the reference          } clause 4.10), computed by JSTS in the
//   intersects  target intersects the reference        } longitude/latitude plane (RFC 7946 edges).
//   disjoint    target disjoint from the reference     } Boundaries count as OGC says: a point on a
//   equals      target topologically equal             } polygon's edge is not within it, but does
//   overlaps    target overlaps (same dimension only)  } intersect it.
//   near;maxDistance==d  the smallest distance between target and reference is <= d metres
//   near;minDistance==d  the smallest distance between target and reference is >  d metres
//                        (target disjoint from the reference's closed d-metre buffer)
// Distances are haversine metres (distance.ts). For maxDistance the spec's wording is "within the
// buffer"; like PostGIS ST_DWithin (and the brokers built on it) we take that as "some part of the
// target is within d metres", so a park matches when its nearest edge is within reach. For point
// targets, the usual case, both readings agree. near is accepted with every reference geometry
// type (clause 4.10 does not restrict it to Point). Altitudes are ignored (2D throughout).
// Errors are BadRequestData: clause 5.7.2/5.7.4 behaviour raises it for a geo-query that is not
// syntactically valid, and clause 5.8.1 for a subscription whose geoQ breaks clause 5.2.13.
import { NgsiError } from '../errors.ts';
import { disjointGeometries, EARTH_RADIUS_M, pointToGeometry } from './distance.ts';
import { bbox, isGeometryType, validateCoordinates } from './geometry.ts';
import { dimensionOf, relate, toJsts, type JstsGeometry } from './jsts.ts';
import {
  GEOMETRY_TYPES, type BBox, type CandidateBox, type GeoQuery, type GeoRel, type Geometry,
} from './types.ts';

export type { BBox, CandidateBox, GeoQuery, GeoRel, Geometry } from './types.ts';

export interface GeoQueryParams {
  georel?: unknown;
  geometry?: unknown;
  /** A JSON array as text (URL query, or a subscription's string form) or an already-parsed array. */
  coordinates?: unknown;
  geoproperty?: unknown;
}

export const DEFAULT_GEOPROPERTY = 'location';

const SIMPLE_RELS = ['within', 'contains', 'intersects', 'equals', 'disjoint', 'overlaps'] as const;
type SimpleRel = (typeof SIMPLE_RELS)[number];
const ALL_RELS = `near;maxDistance==<metres>, near;minDistance==<metres>, ${SIMPLE_RELS.join(', ')}`;
/** RFC 8259 number without the minus sign (clause 4.10 PositiveNumber); zero is refused after. */
const POSITIVE_NUMBER = /^(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function bad(detail: string): NgsiError {
  return new NgsiError('BadRequestData', detail);
}

/**
 * Parses and validates a geo-query. `where` picks the names used in messages: the URL parameters
 * (georel, geometry, coordinates, geoproperty) for 'query', the members of a subscription's geoQ
 * (geoQ.georel, ...) for 'subscription'. georel, geometry and coordinates are required together;
 * geoproperty defaults to "location" and is returned as given (term expansion is the caller's).
 * For 'query', returns null when none of the four parameters is present.
 */
export function parseGeoQuery(params: GeoQueryParams, where: 'query'): GeoQuery | null;
export function parseGeoQuery(params: GeoQueryParams, where: 'subscription'): GeoQuery;
export function parseGeoQuery(params: GeoQueryParams, where: 'query' | 'subscription'): GeoQuery | null;
export function parseGeoQuery(params: GeoQueryParams, where: 'query' | 'subscription'): GeoQuery | null {
  const name = (member: string): string => (where === 'subscription' ? `geoQ.${member}` : member);
  const { georel, geometry, coordinates, geoproperty } = params;
  const given = { georel, geometry, coordinates };
  const present = Object.entries(given).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (where === 'query' && present.length === 0) {
    if (geoproperty === undefined) return null;
    throw bad(`${name('geoproperty')}: given without a geo-query; georel, geometry and coordinates are required with it`);
  }
  for (const member of ['georel', 'geometry', 'coordinates'] as const) {
    if (given[member] === undefined) {
      const others = present.length ? ` (given: ${present.map(name).join(', ')})` : '';
      throw bad(`${name(member)}: is required; a geo-query needs georel, geometry and coordinates together${others}`);
    }
  }
  const rel = parseGeoRel(georel, name('georel'));
  if (typeof geometry !== 'string') throw bad(`${name('geometry')}: must be a string naming a GeoJSON geometry type (one of ${GEOMETRY_TYPES.join(', ')})`);
  if (geometry === 'GeometryCollection') {
    throw bad(`${name('geometry')}: GeometryCollection cannot be a reference geometry (ETSI GS CIM 009 clause 4.10); use one of ${GEOMETRY_TYPES.join(', ')}`);
  }
  if (!isGeometryType(geometry)) {
    throw bad(`${name('geometry')}: ${JSON.stringify(geometry)} is not a geometry type a geo-query allows (one of ${GEOMETRY_TYPES.join(', ')}; names are case-sensitive)`);
  }
  let coords: unknown = coordinates;
  if (typeof coordinates === 'string') {
    try {
      coords = JSON.parse(coordinates);
    } catch {
      throw bad(`${name('coordinates')}: must be a JSON array, e.g. [140.4748,37.7608] for a Point; ${JSON.stringify(clip(coordinates))} is not valid JSON`);
    }
  }
  if (!Array.isArray(coords)) {
    throw bad(`${name('coordinates')}: must be a JSON array of the ${geometry}'s coordinates, e.g. [140.4748,37.7608] for a Point`);
  }
  const reference = validateCoordinates(geometry, coords, name('coordinates'));
  let property = DEFAULT_GEOPROPERTY;
  if (geoproperty !== undefined) {
    if (typeof geoproperty !== 'string' || geoproperty === '') {
      throw bad(`${name('geoproperty')}: must be a non-empty attribute name (short-hand term or URI)`);
    }
    if (/[\s\u0000-\u001f<>"'()]/.test(geoproperty)) {
      throw bad(`${name('geoproperty')}: ${JSON.stringify(clip(geoproperty))} is not a valid attribute name (no spaces, control characters or <>"'())`);
    }
    property = geoproperty;
  }
  return { georel: rel, geometry: reference, geoproperty: property };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses a georel (clause 4.10 grammar), e.g. "near;maxDistance==2000" or "within". */
export function parseGeoRel(value: unknown, field = 'georel'): GeoRel {
  if (typeof value !== 'string' || value === '') throw bad(`${field}: must be a non-empty string, one of ${ALL_RELS}`);
  const [op, ...rest] = value.split(';');
  if (op === 'near') {
    if (rest.length !== 1 || rest[0] === '') {
      throw bad(`${field}: near needs exactly one distance, near;maxDistance==<metres> or near;minDistance==<metres>, got ${JSON.stringify(clip(value))}`);
    }
    const modifier = rest[0]!;
    const m = /^(maxDistance|minDistance)==(.*)$/.exec(modifier);
    if (!m) {
      const hint = /^(maxDistance|minDistance)(:|=(?!=))/.test(modifier) ? ' (use "==" between the modifier and the number)' : '';
      throw bad(`${field}: ${JSON.stringify(clip(modifier))} is not a near modifier; expected maxDistance==<metres> or minDistance==<metres>${hint}`);
    }
    const text = m[2]!;
    const meters = Number(text);
    if (!POSITIVE_NUMBER.test(text) || !Number.isFinite(meters) || meters <= 0) {
      throw bad(`${field}: the ${m[1]} must be a positive, non-zero number of metres (a JSON number without sign), got ${JSON.stringify(clip(text))}`);
    }
    return { op: 'near', modifier: m[1] as 'maxDistance' | 'minDistance', meters };
  }
  if ((SIMPLE_RELS as readonly string[]).includes(op!)) {
    if (rest.length) throw bad(`${field}: ${op} takes no modifier, got ${JSON.stringify(clip(value))}`);
    return { op: op as SimpleRel };
  }
  throw bad(`${field}: ${JSON.stringify(clip(value))} is not a geo-relationship; expected one of ${ALL_RELS}`);
}

/** The georel text of a parsed relationship ("near;maxDistance==2000", "within", ...). */
export function formatGeoRel(georel: GeoRel): string {
  return georel.op === 'near' ? `near;${georel.modifier}==${georel.meters}` : georel.op;
}

/** A geo-query as the GeoQuery data type (clause 5.2.13), e.g. for rendering a subscription's geoQ. */
export function geoQueryToJson(query: GeoQuery): { georel: string; geometry: string; coordinates: unknown; geoproperty: string } {
  return {
    georel: formatGeoRel(query.georel),
    geometry: query.geometry.type,
    coordinates: query.geometry.coordinates,
    geoproperty: query.geoproperty,
  };
}

// ---------------------------------------------------------------------------------------------
// Bounding-box prefilter

const WORLD: BBox = [-180, -90, 180, 90];
/** Slack, in degrees (about 1 cm), for the floating-point arithmetic of a near-query's box. */
const MARGIN = 1e-7;

/**
 * The box of every point within `meters` of some point of `box`, on the sphere distance.ts uses:
 * latitude widened by the angular radius, longitude by the half-width of a spherical cap at the
 * box's latitude farthest from the equator. When the caps reach a pole, or cross the antimeridian
 * (haversine distances wrap around it), all longitudes are kept.
 */
export function expandBox(box: BBox, meters: number): BBox {
  const r = meters / EARTH_RADIUS_M; // angular radius, radians
  if (r >= Math.PI) return [...WORLD];
  const dLat = r / (Math.PI / 180) + MARGIN;
  const minLat = box[1] - dLat;
  const maxLat = box[3] + dLat;
  if (minLat <= -90 || maxLat >= 90) return [-180, Math.max(-90, minLat), 180, Math.min(90, maxLat)];
  const phi = Math.max(Math.abs(box[1]), Math.abs(box[3])) * (Math.PI / 180);
  const s = Math.sin(r) / Math.cos(phi);
  if (s >= 1) return [-180, minLat, 180, maxLat];
  const dLon = Math.asin(s) / (Math.PI / 180) + MARGIN;
  const minLon = box[0] - dLon;
  const maxLon = box[2] + dLon;
  if (minLon < -180 || maxLon > 180) return [-180, minLat, 180, maxLat];
  return [minLon, minLat, maxLon, maxLat];
}

/**
 * The strongest box prefilter for the query (see CandidateBox in types.ts), or null where a box
 * cannot help: disjoint and near;minDistance match whatever is far away, and a near;maxDistance
 * whose reach covers the whole world.
 *   within, equals       entity box inside the reference's box
 *   contains             entity box covers the reference's box
 *   intersects, overlaps entity box intersects the reference's box
 *   near;maxDistance==d  entity box intersects the reference's box widened by d metres
 */
export function candidateFilter(query: GeoQuery): CandidateBox | null {
  const rel = query.georel;
  const box = bbox(query.geometry);
  switch (rel.op) {
    case 'disjoint':
      return null;
    case 'near': {
      if (rel.modifier === 'minDistance') return null;
      const wide = expandBox(box, rel.meters);
      return isWorld(wide) ? null : { box: wide, test: 'intersects' };
    }
    case 'within': case 'equals':
      return { box, test: 'inside' };
    case 'contains':
      return { box, test: 'covers' };
    case 'intersects': case 'overlaps':
      return { box, test: 'intersects' };
  }
}

/**
 * A box [minLon, minLat, maxLon, maxLat] that the bounding box of every matching geometry
 * intersects, for a four-column SQL prefilter (max_lon >= minLon and min_lon <= maxLon and
 * max_lat >= minLat and min_lat <= maxLat); null when there is no useful box. candidateFilter
 * gives a tighter test for within, equals and contains.
 */
export function candidateBox(query: GeoQuery): BBox | null {
  return candidateFilter(query)?.box ?? null;
}

/** Whether an entity's bounding box passes the prefilter (the SQL of CandidateBox, in JavaScript). */
export function passesFilter(filter: CandidateBox | null, entityBox: BBox): boolean {
  if (!filter) return true;
  const [minLon, minLat, maxLon, maxLat] = filter.box;
  const [eMinLon, eMinLat, eMaxLon, eMaxLat] = entityBox;
  switch (filter.test) {
    case 'intersects':
      return eMaxLon >= minLon && eMinLon <= maxLon && eMaxLat >= minLat && eMinLat <= maxLat;
    case 'inside':
      return eMinLon >= minLon && eMaxLon <= maxLon && eMinLat >= minLat && eMaxLat <= maxLat;
    case 'covers':
      return eMinLon <= minLon && eMaxLon >= maxLon && eMinLat <= minLat && eMaxLat >= maxLat;
  }
}

function isWorld(box: BBox): boolean {
  return box[0] <= -180 && box[1] <= -90 && box[2] >= 180 && box[3] >= 90;
}

// ---------------------------------------------------------------------------------------------
// Exact test

const referenceCache = new WeakMap<Geometry, JstsGeometry>();

function jstsReference(geometry: Geometry): JstsGeometry {
  let g = referenceCache.get(geometry);
  if (!g) {
    g = toJsts(geometry);
    referenceCache.set(geometry, g);
  }
  return g;
}

function looksLikeGeometry(value: unknown): value is Geometry {
  return typeof value === 'object' && value !== null && isGeometryType((value as { type?: unknown }).type)
    && Array.isArray((value as { coordinates?: unknown }).coordinates);
}

/**
 * Whether an entity's geometry (the value of its target GeoProperty, validated when stored)
 * satisfies the geo-query; see the semantics at the top of this file. Something that is not a
 * geometry, or that JSTS cannot process, does not match.
 */
export function matchesGeoQuery(query: GeoQuery, geometry: Geometry): boolean {
  if (!looksLikeGeometry(geometry)) return false;
  try {
    const rel = query.georel;
    if (rel.op === 'near') {
      const distance = minimumDistance(geometry, query.geometry, rel.meters);
      return rel.modifier === 'maxDistance' ? distance <= rel.meters : distance > rel.meters;
    }
    const matrix = relate(toJsts(geometry), jstsReference(query.geometry));
    switch (rel.op) {
      case 'within': return matrix.isWithin();
      case 'contains': return matrix.isContains();
      case 'intersects': return matrix.isIntersects();
      case 'disjoint': return matrix.isDisjoint();
      case 'equals': return matrix.isEquals(dimensionOf(geometry), dimensionOf(query.geometry));
      case 'overlaps': return matrix.isOverlaps(dimensionOf(geometry), dimensionOf(query.geometry));
    }
  } catch {
    return false;
  }
}

/**
 * Smallest distance in metres between two geometries (0 when they intersect). With `enough`, may
 * stop early at any distance <= enough.
 */
export function minimumDistance(target: Geometry, reference: Geometry, enough = 0): number {
  if (reference.type === 'Point') return pointToGeometry(reference.coordinates, target, enough);
  if (target.type === 'Point') return pointToGeometry(target.coordinates, reference, enough);
  if (relate(toJsts(target), jstsReference(reference)).isIntersects()) return 0;
  return disjointGeometries(target, reference, enough);
}
