// Distances in metres on the WGS84 ellipsoid approximated by a sphere of the IUGG mean radius
// (6,371,008.8 m), point to point by the haversine formula. Over the distances a near-query deals
// with, the spherical model is within about 0.5 % of the ellipsoidal (Vincenty) distance.
//
// Edges of lines and polygons are straight in the longitude/latitude plane (RFC 7946 3.1.1), the
// same model JSTS uses for the other relations and the bounding boxes use. The distance from a
// point to an edge is the smallest haversine distance to any point of that straight edge, found by
// a ternary search over the edge cut into pieces of at most half a degree (on each piece the
// distance has a single minimum). Every distance returned is the exact haversine distance to some
// point of the geometry, so it never understates; it overstates the true minimum only by the
// search tolerance (well under a millimetre).
import type { Geometry, Position } from './types.ts';

export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres between two positions (altitude ignored). */
export function haversine(a: Position, b: Position): number {
  const phi1 = a[1] * RAD;
  const phi2 = b[1] * RAD;
  const dPhi = phi2 - phi1;
  const dLambda = (b[0] - a[0]) * RAD;
  const h = Math.sin(dPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(dLambda / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const PIECE_DEGREES = 0.5;
const MAX_PIECES = 720;
const SEARCH_STEPS = 40;

/** Smallest distance in metres from p to the straight (longitude/latitude plane) edge a–b. */
export function pointToSegment(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  let best = Math.min(haversine(p, a), haversine(p, b));
  if (dx === 0 && dy === 0) return best;
  const at = (t: number): Position => [a[0] + t * dx, a[1] + t * dy];
  const pieces = Math.min(MAX_PIECES, Math.max(1, Math.ceil(Math.max(Math.abs(dx), Math.abs(dy)) / PIECE_DEGREES)));
  for (let k = 0; k < pieces; k++) {
    let lo = k / pieces;
    let hi = (k + 1) / pieces;
    // Skip a piece that cannot come closer than what we have: every point of it is within
    // half its length (with room to spare) of its middle.
    const middle = at((lo + hi) / 2);
    const reach = 1.5 * Math.max(haversine(middle, at(lo)), haversine(middle, at(hi)));
    if (haversine(p, middle) - reach > best) continue;
    for (let i = 0; i < SEARCH_STEPS; i++) {
      const m1 = lo + (hi - lo) / 3;
      const m2 = hi - (hi - lo) / 3;
      if (haversine(p, at(m1)) < haversine(p, at(m2))) hi = m2;
      else lo = m1;
    }
    const d = haversine(p, at((lo + hi) / 2));
    if (d < best) best = d;
  }
  return best;
}

/** Even-odd test in the longitude/latitude plane; a point on the ring may go either way. */
function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if ((a[1] > p[1]) !== (b[1] > p[1]) && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Whether p lies inside the polygon (exterior ring minus holes). Boundary points: see inRing. */
export function inPolygon(p: Position, rings: Position[][]): boolean {
  const [outer, ...holes] = rings;
  return !!outer && inRing(p, outer) && !holes.some((h) => inRing(p, h));
}

function lines(geometry: Geometry): Position[][] {
  switch (geometry.type) {
    case 'Point': return [[geometry.coordinates]];
    case 'MultiPoint': return geometry.coordinates.map((c) => [c]);
    case 'LineString': return [geometry.coordinates];
    case 'MultiLineString': case 'Polygon': return geometry.coordinates;
    case 'MultiPolygon': return geometry.coordinates.flat();
  }
}

function polygons(geometry: Geometry): Position[][][] {
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/**
 * Smallest distance in metres from p to any point of the geometry: 0 inside a polygon, else to
 * the nearest point, line or ring. Stops early, returning some distance <= `enough`, as soon as it
 * finds one (a near-query only needs to know whether the distance is within its limit).
 */
export function pointToGeometry(p: Position, geometry: Geometry, enough = 0): number {
  if (polygons(geometry).some((rings) => inPolygon(p, rings))) return 0;
  let best = Infinity;
  for (const line of lines(geometry)) {
    if (line.length === 1) {
      best = Math.min(best, haversine(p, line[0]!));
    } else {
      for (let i = 1; i < line.length; i++) {
        best = Math.min(best, pointToSegment(p, line[i - 1]!, line[i]!));
        if (best <= enough) return best;
      }
    }
    if (best <= enough) return best;
  }
  return best;
}

/**
 * Smallest distance in metres between two geometries that do not intersect (the caller checks
 * that; intersecting geometries are 0 apart): the least distance from a vertex of either to the
 * other. In the plane the closest points of two disjoint polylines always include a vertex of one
 * of them; with haversine distances along straight longitude/latitude edges this holds to within
 * the curvature of the edges, negligible at city and prefecture scale.
 */
export function disjointGeometries(a: Geometry, b: Geometry, enough = 0): number {
  let best = Infinity;
  for (const [from, to] of [[a, b], [b, a]] as const) {
    for (const line of lines(from)) {
      for (const p of line) {
        best = Math.min(best, pointToGeometry(p, to, enough));
        if (best <= enough) return best;
      }
    }
  }
  return best;
}
