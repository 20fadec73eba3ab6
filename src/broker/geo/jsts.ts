// The one place that talks to JSTS (the JavaScript port of the JTS Topology Suite): GeoJSON in,
// OGC Simple Features predicates (DE-9IM) and validity out. JSTS works in the plane of the
// coordinates, i.e. longitude/latitude as Cartesian x/y, which is what RFC 7946 clause 3.1.1 says a
// line between two positions is ("a straight Cartesian line ... in the coordinate reference system").
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js';
import GeoJSONReader from 'jsts/org/locationtech/jts/io/GeoJSONReader.js';
import RelateOp from 'jsts/org/locationtech/jts/operation/relate/RelateOp.js';
import IsValidOp from 'jsts/org/locationtech/jts/operation/valid/IsValidOp.js';
import type JGeometry from 'jsts/org/locationtech/jts/geom/Geometry.js';
import type { Geometry } from './types.ts';

/** JSTS's Geometry, kept opaque outside this file. */
export type JstsGeometry = JGeometry;

/** The DE-9IM matrix of two geometries, as far as the broker uses it. */
export interface IntersectionMatrix {
  isIntersects(): boolean;
  isDisjoint(): boolean;
  isWithin(): boolean;
  isContains(): boolean;
  isOverlaps(dimensionOfA: number, dimensionOfB: number): boolean;
  isEquals(dimensionOfA: number, dimensionOfB: number): boolean;
  toString(): string;
}

const reader = new GeoJSONReader(new GeometryFactory());

export function toJsts(geometry: Geometry): JstsGeometry {
  // The reader takes the object apart into coordinates and does not keep a reference to it.
  return reader.read({ type: geometry.type, coordinates: geometry.coordinates }) as JGeometry;
}

/** The DE-9IM relation of a (target) to b (reference). */
export function relate(a: JstsGeometry, b: JstsGeometry): IntersectionMatrix {
  return RelateOp.relate(a, b) as IntersectionMatrix;
}

/**
 * OGC validity (self-intersecting rings, holes outside their shell, overlapping parts of a
 * MultiPolygon, too few distinct points, ...). Returns null when valid, else JSTS's reason and
 * the place, e.g. { message: 'Self-intersection', at: [140.1, 37.2] }.
 */
export function validityProblem(geometry: Geometry): { message: string; at: [number, number] | null } | null {
  const op = new IsValidOp(toJsts(geometry));
  if (op.isValid()) return null;
  const error = op.getValidationError();
  const c = error.getCoordinate() as { x: number; y: number } | null | undefined;
  return { message: error.getMessage(), at: c && Number.isFinite(c.x) && Number.isFinite(c.y) ? [c.x, c.y] : null };
}

/** Topological dimension: 0 for points, 1 for lines, 2 for polygons (what DE-9IM overlaps/equals need). */
export function dimensionOf(geometry: Geometry): 0 | 1 | 2 {
  switch (geometry.type) {
    case 'Point': case 'MultiPoint': return 0;
    case 'LineString': case 'MultiLineString': return 1;
    case 'Polygon': case 'MultiPolygon': return 2;
  }
}
