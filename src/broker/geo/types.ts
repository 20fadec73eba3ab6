// GeoJSON geometry types (IETF RFC 7946) as NGSI-LD allows them in a GeoProperty value and in a
// geo-query's reference geometry: every geometry type except GeometryCollection (ETSI GS CIM 009
// v1.9.1, clauses 4.7.1 and 4.10). Own types rather than @types/geojson, so that the shapes the
// validator guarantees (non-empty, 2 or 3 numbers a position) are the shapes the compiler sees.

/** [longitude, latitude] or [longitude, latitude, altitude], in WGS84 degrees (altitude in metres). */
export type Position = [number, number] | [number, number, number];

export interface Point { type: 'Point'; coordinates: Position }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
/** Rings: the first is the exterior ring, the rest are holes. Each ring is closed (first = last). */
export interface Polygon { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Position[][][] }

export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon;
export type GeometryType = Geometry['type'];

export const GEOMETRY_TYPES: readonly GeometryType[] = [
  'Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon',
];

/** [minLon, minLat, maxLon, maxLat] in degrees, as RFC 7946 clause 5 orders a bounding box (2D). */
export type BBox = [number, number, number, number];

/** The geo-relationships of clause 4.10, parsed. */
export type GeoRel =
  | { op: 'near'; modifier: 'maxDistance' | 'minDistance'; meters: number }
  | { op: 'within' | 'contains' | 'intersects' | 'equals' | 'disjoint' | 'overlaps' };

export type GeoRelOp = GeoRel['op'];

/** A validated NGSI-LD geo-query (clause 4.10; the GeoQuery data type of clause 5.2.13). */
export interface GeoQuery {
  georel: GeoRel;
  /** The reference geometry (parameters geometry + coordinates), validated like a GeoProperty value. */
  geometry: Geometry;
  /** The target GeoProperty as given (short-hand name or URI, not expanded here); default "location". */
  geoproperty: string;
}

/**
 * A box prefilter for a geo-query (see candidateBox in bbox.ts). An entity whose target geometry
 * matches the query always has a bounding box E that passes `test` against `box`:
 *   'intersects'  E and box share at least one point      (E.minLon <= box.maxLon AND E.maxLon >= box.minLon
 *                                                            AND E.minLat <= box.maxLat AND E.maxLat >= box.minLat)
 *   'inside'      E lies inside box                        (E.minLon >= box.minLon AND E.maxLon <= box.maxLon
 *                                                            AND E.minLat >= box.minLat AND E.maxLat <= box.maxLat)
 *   'covers'      E covers box                             (E.minLon <= box.minLon AND E.maxLon >= box.maxLon
 *                                                            AND E.minLat <= box.minLat AND E.maxLat >= box.maxLat)
 * The converse does not hold: the box only narrows the candidates, matchesGeoQuery decides.
 */
export interface CandidateBox {
  box: BBox;
  test: 'intersects' | 'inside' | 'covers';
}
