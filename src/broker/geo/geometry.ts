// Validation of GeoJSON geometries (IETF RFC 7946) for NGSI-LD GeoProperty values (ETSI GS CIM 009
// v1.9.1 clause 4.7) and geo-query reference geometries (clause 4.10). Every failure is a
// BadRequestData NgsiError whose message starts with the offending field (and the index path into
// its coordinates) and then says what is wrong.
//
// Rules, beyond the shape RFC 7946 gives each type:
// - GeometryCollection is refused: clauses 4.7.1 and 4.10 exclude it.
// - A position is 2 or 3 finite numbers (RFC 7946 3.1.1: implementations SHOULD NOT go beyond
//   three); longitude in [-180, 180], latitude in [-90, 90].
// - Empty geometries are refused (a MultiPoint with no points locates nothing), although RFC 7946
//   lets the Multi* types and a Polygon have empty coordinates.
// - A LineString has at least 2 positions; a linear ring at least 4 and is closed.
// - Lines and polygons must also be valid OGC Simple Features (JSTS IsValidOp): no self-crossing
//   rings, holes inside their shell, parts of a MultiPolygon not overlapping, at least two distinct
//   positions in a line. The geo-query predicates (DE-9IM) are undefined on invalid polygons, and a
//   PostGIS or MongoDB geo-index refuses them too.
// - Ring orientation is not checked (RFC 7946 3.1.6: parsers SHOULD NOT reject either winding).
// - Antimeridian-crossing geometries are taken literally, as lines in the longitude/latitude plane
//   (RFC 7946 3.1.9 asks producers to cut them at the antimeridian).
// - A whole geometry may come as a JSON string holding the object (clause 4.7.2).
// - Foreign members (and "bbox") are dropped: the result is a fresh { type, coordinates }.
import { NgsiError } from '../errors.ts';
import { validityProblem } from './jsts.ts';
import { GEOMETRY_TYPES, type BBox, type Geometry, type GeometryType, type Position } from './types.ts';

function bad(detail: string): NgsiError {
  return new NgsiError('BadRequestData', detail);
}

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isGeometryType(value: unknown): value is GeometryType {
  return typeof value === 'string' && (GEOMETRY_TYPES as readonly string[]).includes(value);
}

/**
 * Validates a GeoProperty value: a GeoJSON geometry object (or a JSON string holding one, clause
 * 4.7.2). `where` names the value in messages, e.g. "location" or "attrs.observationSpace.value".
 * Returns a fresh, validated { type, coordinates }.
 */
export function validateGeometry(value: unknown, where: string): Geometry {
  let object = value;
  if (typeof value === 'string') {
    try {
      object = JSON.parse(value);
    } catch {
      throw bad(`${where}: a GeoJSON geometry given as a string must be a JSON object, and this string is not valid JSON`);
    }
    if (!isRecord(object)) {
      throw bad(`${where}: a GeoJSON geometry given as a string must hold a JSON object, not ${show(object)}`);
    }
  }
  if (!isRecord(object)) {
    throw bad(`${where}: must be a GeoJSON geometry, an object with "type" and "coordinates", not ${show(value)}`);
  }
  const type = object['type'];
  if (type === undefined) throw bad(`${where}.type: is required (one of ${GEOMETRY_TYPES.join(', ')})`);
  if (type === 'GeometryCollection') {
    throw bad(`${where}.type: GeometryCollection is not allowed in NGSI-LD (ETSI GS CIM 009 clause 4.7.1); use a Multi* geometry or separate GeoProperties`);
  }
  if (type === 'Feature' || type === 'FeatureCollection') {
    throw bad(`${where}.type: expected a GeoJSON geometry, not a ${type}; give the feature's "geometry" member`);
  }
  if (!isGeometryType(type)) {
    throw bad(`${where}.type: ${show(type)} is not a GeoJSON geometry type NGSI-LD allows (one of ${GEOMETRY_TYPES.join(', ')}; names are case-sensitive)`);
  }
  if (!('coordinates' in object)) throw bad(`${where}.coordinates: is required for a ${type}`);
  return validateCoordinates(type, object['coordinates'], `${where}.coordinates`);
}

/**
 * Validates `coordinates` for a geometry of the given type (already known to be allowed). `field`
 * names the coordinates in messages, e.g. "coordinates" for a query parameter.
 */
export function validateCoordinates(type: GeometryType, coordinates: unknown, field: string): Geometry {
  let geometry: Geometry;
  switch (type) {
    case 'Point':
      geometry = { type, coordinates: position(coordinates, field, '', type) };
      break;
    case 'MultiPoint':
      geometry = { type, coordinates: positions(coordinates, field, '', type, 1) };
      break;
    case 'LineString':
      geometry = { type, coordinates: positions(coordinates, field, '', type, 2) };
      break;
    case 'MultiLineString':
      geometry = { type, coordinates: list(coordinates, field, '', 'an array of LineString position arrays', (v, p) => positions(v, field, p, 'LineString', 2)) };
      break;
    case 'Polygon':
      geometry = { type, coordinates: rings(coordinates, field, '') };
      break;
    case 'MultiPolygon':
      geometry = { type, coordinates: list(coordinates, field, '', 'an array of Polygons (each an array of linear rings)', (v, p) => rings(v, field, p)) };
      break;
  }
  if (type !== 'Point' && type !== 'MultiPoint') {
    const problem = validityProblem(geometry);
    if (problem) {
      const at = problem.at ? ` at [${problem.at[0]}, ${problem.at[1]}]` : '';
      throw bad(`${field}: the ${type} is not a valid simple geometry (${problem.message}${at})`);
    }
  }
  return geometry;
}

function list<T>(value: unknown, field: string, path: string, expected: string, each: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw bad(`${field}${path}: expected ${expected}, got ${show(value)}`);
  if (value.length === 0) throw bad(`${field}${path}: expected ${expected}, got an empty array (empty geometries are not accepted)`);
  return value.map((v, i) => each(v, `${path}[${i}]`));
}

function position(value: unknown, field: string, path: string, type: GeometryType): Position {
  if (!Array.isArray(value)) {
    throw bad(`${field}${path}: expected a position [longitude, latitude] for a ${type}, got ${show(value)}`);
  }
  if (value.some(Array.isArray)) {
    throw bad(`${field}${path}: expected a position [longitude, latitude] for a ${type}, got nested arrays ${show(value)}`);
  }
  if (value.length < 2 || value.length > 3) {
    throw bad(`${field}${path}: a position has 2 or 3 numbers ([longitude, latitude] or [longitude, latitude, altitude]), got ${value.length}: ${show(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    const n: unknown = value[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw bad(`${field}${path}[${i}]: a coordinate must be a finite number, got ${show(n)}`);
    }
  }
  const [lon, lat, alt] = value as number[];
  if (lon! < -180 || lon! > 180) throw bad(`${field}${path}[0]: longitude ${lon} is outside [-180, 180] (positions are [longitude, latitude])`);
  if (lat! < -90 || lat! > 90) throw bad(`${field}${path}[1]: latitude ${lat} is outside [-90, 90] (positions are [longitude, latitude])`);
  return alt === undefined ? [lon!, lat!] : [lon!, lat!, alt];
}

function positions(value: unknown, field: string, path: string, type: GeometryType, min: number): Position[] {
  if (!Array.isArray(value) || (value.length > 0 && !value.every(Array.isArray))) {
    throw bad(`${field}${path}: expected an array of positions for a ${type}, got ${show(value)}`);
  }
  if (value.length < min) {
    throw bad(`${field}${path}: a ${type} needs at least ${min} position${min === 1 ? '' : 's'}, got ${value.length}`);
  }
  return value.map((v, i) => position(v, field, `${path}[${i}]`, type));
}

function rings(value: unknown, field: string, path: string): Position[][] {
  return list(value, field, path, 'a Polygon: an array of linear rings (exterior ring first, then holes)', (v, p) => ring(v, field, p));
}

function ring(value: unknown, field: string, path: string): Position[] {
  if (!Array.isArray(value) || (value.length > 0 && !value.every(Array.isArray))) {
    throw bad(`${field}${path}: expected a linear ring (an array of positions), got ${show(value)}`);
  }
  if (value.length < 4) {
    throw bad(`${field}${path}: a Polygon ring needs at least 4 positions (a closed ring: the first position repeated at the end), got ${value.length}`);
  }
  const ps = value.map((v, i) => position(v, field, `${path}[${i}]`, 'Polygon'));
  const first = ps[0]!;
  const last = ps[ps.length - 1]!;
  if (first.length !== last.length || first.some((n, i) => n !== last[i])) {
    throw bad(`${field}${path}: a Polygon ring must be closed (first and last positions equal); it starts at ${show(first)} and ends at ${show(last)}`);
  }
  return ps;
}

/** All positions of a geometry, flattened. */
export function positionsOf(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point': return [geometry.coordinates];
    case 'MultiPoint': case 'LineString': return geometry.coordinates;
    case 'MultiLineString': case 'Polygon': return geometry.coordinates.flat();
    case 'MultiPolygon': return geometry.coordinates.flat(2);
  }
}

/**
 * The 2D bounding box [minLon, minLat, maxLon, maxLat] of a (validated) geometry: the extremes of
 * its positions. Edges are straight lines in the longitude/latitude plane (RFC 7946 3.1.1), so the
 * geometry lies inside this box; antimeridian-crossing geometries are not wrapped.
 */
export function bbox(geometry: Geometry): BBox {
  let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
  for (const p of positionsOf(geometry)) {
    if (p[0] < minLon) minLon = p[0];
    if (p[0] > maxLon) maxLon = p[0];
    if (p[1] < minLat) minLat = p[1];
    if (p[1] > maxLat) maxLat = p[1];
  }
  return [minLon, minLat, maxLon, maxLat];
}
