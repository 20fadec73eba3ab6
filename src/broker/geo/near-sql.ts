// The exact near;maxDistance test for point targets, in SQL, so a near-query around a point skips
// the candidates of its bounding box that lie outside the circle (about a fifth of them, the
// box's corners) without fetching them: with points the remaining candidates are all matches,
// and a page of results costs a page of rows. Same haversine on the same sphere as distance.ts;
// `SLACK` keeps floating-point differences between SQL and JavaScript from ever dropping a true
// match (the exact test in JavaScript still runs on every row fetched).
import { sql, type RawBuilder } from 'kysely';
import { EARTH_RADIUS_M } from './distance.ts';
import type { GeoQuery } from './types.ts';

const SLACK_M = 0.01;

/** The query's reference point and distance, for near;maxDistance around a Point; else undefined. */
export function nearPoint(query: GeoQuery): { lon: number; lat: number; meters: number } | undefined {
  const rel = query.georel;
  if (rel.op !== 'near' || rel.modifier !== 'maxDistance' || query.geometry.type !== 'Point') return undefined;
  const [lon, lat] = query.geometry.coordinates;
  return { lon, lat, meters: rel.meters };
}

/**
 * A condition on broker_entity_geo row `g`: false only for a point row (its box is one point)
 * farther than the distance from the reference point. Boxes of other geometries always pass.
 */
export function nearPointSql(near: { lon: number; lat: number; meters: number }): RawBuilder<boolean> {
  const lat = sql`radians(${near.lat}::float8)`;
  const h = sql`sin((radians(g.min_lat) - ${lat}) / 2) ^ 2 + cos(${lat}) * cos(radians(g.min_lat)) * sin((radians(g.min_lon) - radians(${near.lon}::float8)) / 2) ^ 2`;
  return sql<boolean>`(g.min_lon <> g.max_lon or g.min_lat <> g.max_lat
    or 2 * ${EARTH_RADIUS_M}::float8 * asin(least(1, sqrt(${h}))) <= ${near.meters + SLACK_M}::float8)`;
}
