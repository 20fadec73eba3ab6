import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NgsiError } from '../../errors.ts';
import { haversine } from '../distance.ts';
import {
  candidateBox, candidateFilter, expandBox, formatGeoRel, geoQueryToJson, matchesGeoQuery, minimumDistance,
  parseGeoQuery, parseGeoRel, passesFilter, type GeoQueryParams,
} from '../geo-query.ts';
import { bbox } from '../geometry.ts';
import type { BBox, GeoQuery, GeoRel, Geometry, Position } from '../types.ts';

// Real places in Fukushima Prefecture (city halls, stations), and rough city-shaped polygons.
const FUKUSHIMA_CITY_HALL: Position = [140.4748, 37.7608];
const KORIYAMA_CITY_HALL: Position = [140.3597, 37.4005];
const AIZUWAKAMATSU_CITY_HALL: Position = [139.9298, 37.4947];
const NIHONMATSU_STATION: Position = [140.4314, 37.5847];

const point = (coordinates: Position): Geometry => ({ type: 'Point', coordinates });
const fukushimaRing: Position[] = [[140.25, 37.62], [140.62, 37.62], [140.66, 37.82], [140.45, 37.97], [140.22, 37.82], [140.25, 37.62]];
const koriyamaRing: Position[] = [[140.15, 37.25], [140.6, 37.25], [140.6, 37.55], [140.15, 37.55], [140.15, 37.25]];
const aizuRing: Position[] = [[139.8, 37.4], [140.05, 37.4], [140.05, 37.6], [139.8, 37.6], [139.8, 37.4]];
const fukushimaCity: Geometry = { type: 'Polygon', coordinates: [fukushimaRing] };
const koriyamaCity: Geometry = { type: 'Polygon', coordinates: [koriyamaRing] };
const aizuCity: Geometry = { type: 'Polygon', coordinates: [aizuRing] };
/** Naka-dōri: the Fukushima and Kōriyama polygons (a gap between 37.55 and 37.62 N). */
const nakadori: Geometry = { type: 'MultiPolygon', coordinates: [[fukushimaRing], [koriyamaRing]] };
/** Tōhoku Shinkansen, Kōriyama – Nihonmatsu (approx.) – Fukushima stations. */
const shinkansen: Geometry = { type: 'LineString', coordinates: [[140.3886, 37.3983], NIHONMATSU_STATION, [140.4597, 37.754]] };
/** National Route 49, Kōriyama – Aizuwakamatsu (approx.). */
const route49: Geometry = { type: 'LineString', coordinates: [KORIYAMA_CITY_HALL, [140.1, 37.45], AIZUWAKAMATSU_CITY_HALL] };
const prefectureBox: Geometry = { type: 'Polygon', coordinates: [[[139.1, 36.7], [141.1, 36.7], [141.1, 38], [139.1, 38], [139.1, 36.7]]] };

function query(georel: GeoRel, geometry: Geometry): GeoQuery {
  return { georel, geometry, geoproperty: 'location' };
}
const near = (modifier: 'maxDistance' | 'minDistance', meters: number, geometry: Geometry): GeoQuery =>
  query({ op: 'near', modifier, meters }, geometry);
const rel = (op: Exclude<GeoRel['op'], 'near'>, geometry: Geometry): GeoQuery => query({ op }, geometry);

function parseRejects(params: GeoQueryParams, where: 'query' | 'subscription', message: RegExp): void {
  assert.throws(() => parseGeoQuery(params, where), (err: unknown) => {
    assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
    assert.equal(err.type, 'BadRequestData');
    assert.match(err.message, message);
    return true;
  });
}

describe('parseGeoQuery', () => {
  it('parses the URL form (coordinates as JSON text), geoproperty defaulting to location', () => {
    const q = parseGeoQuery({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: '[140.4748,37.7608]' }, 'query');
    assert.deepEqual(q, {
      georel: { op: 'near', modifier: 'maxDistance', meters: 2000 },
      geometry: { type: 'Point', coordinates: [140.4748, 37.7608] },
      geoproperty: 'location',
    });
    const w = parseGeoQuery({ georel: 'within', geometry: 'Polygon', coordinates: JSON.stringify([fukushimaRing]), geoproperty: 'observationSpace' }, 'query');
    assert.deepEqual(w, { georel: { op: 'within' }, geometry: fukushimaCity, geoproperty: 'observationSpace' });
  });

  it('parses a subscription geoQ (coordinates as an array, or as a string per clause 5.2.13)', () => {
    const a = parseGeoQuery({ georel: 'intersects', geometry: 'MultiPolygon', coordinates: [[fukushimaRing], [koriyamaRing]] }, 'subscription');
    assert.deepEqual(a.geometry, nakadori);
    const b = parseGeoQuery({ georel: 'near;minDistance==1.5e3', geometry: 'Point', coordinates: '[139.9298, 37.4947]', geoproperty: 'https://example.org/operationSpace' }, 'subscription');
    assert.deepEqual(b.georel, { op: 'near', modifier: 'minDistance', meters: 1500 });
    assert.equal(b.geoproperty, 'https://example.org/operationSpace');
  });

  it('parses every georel of clause 4.10', () => {
    for (const op of ['within', 'contains', 'intersects', 'equals', 'disjoint', 'overlaps'] as const) {
      assert.deepEqual(parseGeoRel(op), { op });
    }
    assert.deepEqual(parseGeoRel('near;maxDistance==0.5'), { op: 'near', modifier: 'maxDistance', meters: 0.5 });
    assert.deepEqual(parseGeoRel('near;minDistance==10E2'), { op: 'near', modifier: 'minDistance', meters: 1000 });
  });

  it('returns null for a query without geo parameters', () => {
    assert.equal(parseGeoQuery({}, 'query'), null);
  });

  it('needs georel, geometry and coordinates together', () => {
    parseRejects({ georel: 'within', coordinates: '[1,2]' }, 'query', /^geometry: is required; a geo-query needs georel, geometry and coordinates together \(given: georel, coordinates\)/);
    parseRejects({ geometry: 'Point', coordinates: '[1,2]' }, 'query', /^georel: is required/);
    parseRejects({ georel: 'within', geometry: 'Point' }, 'query', /^coordinates: is required/);
    parseRejects({ geoproperty: 'location' }, 'query', /^geoproperty: given without a geo-query/);
    parseRejects({}, 'subscription', /^geoQ\.georel: is required/);
    parseRejects({ georel: 'within', geometry: 'Point' }, 'subscription', /^geoQ\.coordinates: is required;.*\(given: geoQ\.georel, geoQ\.geometry\)/);
  });

  it('refuses malformed georels', () => {
    const base = { geometry: 'Point', coordinates: '[140.4748,37.7608]' };
    parseRejects({ ...base, georel: 'Within' }, 'query', /^georel: "Within" is not a geo-relationship; expected one of near;maxDistance==<metres>/);
    parseRejects({ ...base, georel: '' }, 'query', /^georel: must be a non-empty string/);
    parseRejects({ ...base, georel: 5 }, 'subscription', /^geoQ\.georel: must be a non-empty string/);
    parseRejects({ ...base, georel: 'near' }, 'query', /^georel: near needs exactly one distance/);
    parseRejects({ ...base, georel: 'near;maxDistance==1;minDistance==2' }, 'query', /^georel: near needs exactly one distance/);
    parseRejects({ ...base, georel: 'near;maxDistance:2000' }, 'query', /^georel: "maxDistance:2000" is not a near modifier.*use "==" between the modifier and the number/);
    parseRejects({ ...base, georel: 'near;distance==2000' }, 'query', /^georel: "distance==2000" is not a near modifier/);
    parseRejects({ ...base, georel: 'near;maxDistance==0' }, 'query', /^georel: the maxDistance must be a positive, non-zero number of metres/);
    parseRejects({ ...base, georel: 'near;maxDistance==-5' }, 'query', /^georel: the maxDistance must be a positive/);
    parseRejects({ ...base, georel: 'near;minDistance==2km' }, 'query', /^georel: the minDistance must be a positive.*got "2km"/);
    parseRejects({ ...base, georel: 'near;maxDistance==1e999' }, 'query', /^georel: the maxDistance must be a positive/);
    parseRejects({ ...base, georel: 'near;maxDistance==.5' }, 'query', /^georel: the maxDistance must be a positive/);
    parseRejects({ ...base, georel: 'within;maxDistance==5' }, 'query', /^georel: within takes no modifier/);
  });

  it('refuses unknown or excluded geometry types', () => {
    const base = { georel: 'intersects', coordinates: '[140.4748,37.7608]' };
    parseRejects({ ...base, geometry: 'point' }, 'query', /^geometry: "point" is not a geometry type a geo-query allows .*case-sensitive/);
    parseRejects({ ...base, geometry: 'GeometryCollection' }, 'query', /^geometry: GeometryCollection cannot be a reference geometry/);
    parseRejects({ ...base, geometry: 7 }, 'subscription', /^geoQ\.geometry: must be a string/);
  });

  it('refuses coordinates that are not a JSON array coherent with the geometry', () => {
    const base = { georel: 'within', geometry: 'Polygon' };
    parseRejects({ ...base, coordinates: '140.4748' }, 'query', /^coordinates: must be a JSON array of the Polygon's coordinates/);
    parseRejects({ ...base, coordinates: '140.4748,37.7608' }, 'query', /^coordinates: must be a JSON array, e\.g\. .* is not valid JSON/);
    parseRejects({ ...base, coordinates: '[[[140,37]' }, 'query', /^coordinates: must be a JSON array, e\.g\. .* is not valid JSON/);
    parseRejects({ ...base, coordinates: '{"type":"Polygon"}' }, 'query', /^coordinates: must be a JSON array/);
    parseRejects(
      { ...base, coordinates: '[[[140,37],[141,37],[141,38],[140,38]]]' }, 'query',
      /^coordinates\[0\]: a Polygon ring must be closed \(first and last positions equal\)/,
    );
    parseRejects({ ...base, coordinates: [[[140, 37], [141, 37], [141, 38], [140, 38]]] }, 'subscription', /^geoQ\.coordinates\[0\]: a Polygon ring must be closed/);
    parseRejects({ georel: 'near;maxDistance==100', geometry: 'Point', coordinates: '[37.7608,140.4748]' }, 'query', /^coordinates\[1\]: latitude 140\.4748 is outside \[-90, 90\]/);
    parseRejects({ georel: 'near;maxDistance==100', geometry: 'Point', coordinates: '[[140.4748,37.7608]]' }, 'query', /^coordinates: expected a position \[longitude, latitude\] for a Point, got nested arrays/);
    parseRejects({ georel: 'intersects', geometry: 'LineString', coordinates: '[[140,37]]' }, 'query', /^coordinates: a LineString needs at least 2 positions/);
  });

  it('refuses a malformed geoproperty', () => {
    const base = { georel: 'within', geometry: 'Point', coordinates: '[140,37]' };
    parseRejects({ ...base, geoproperty: '' }, 'query', /^geoproperty: must be a non-empty attribute name/);
    parseRejects({ ...base, geoproperty: 'my location' }, 'query', /^geoproperty: "my location" is not a valid attribute name/);
    parseRejects({ ...base, geoproperty: ['location'] }, 'subscription', /^geoQ\.geoproperty: must be a non-empty attribute name/);
  });

  it('renders back to the GeoQuery data type', () => {
    const q = parseGeoQuery({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: [140.4748, 37.7608] }, 'subscription');
    assert.equal(formatGeoRel(q.georel), 'near;maxDistance==2000');
    assert.deepEqual(geoQueryToJson(q), { georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: [140.4748, 37.7608], geoproperty: 'location' });
    assert.deepEqual(parseGeoQuery(geoQueryToJson(q), 'subscription'), q);
  });
});

describe('distances (haversine, metres)', () => {
  it('puts Fukushima and Kōriyama city halls about 41 km apart', () => {
    // Ellipsoidal (Vincenty, WGS84) distance is 41,261 m; the sphere is within 0.5 % of it.
    const d = haversine(FUKUSHIMA_CITY_HALL, KORIYAMA_CITY_HALL);
    assert.ok(Math.abs(d - 41261) / 41261 < 0.005, `got ${d}`);
    assert.ok(Math.abs(haversine(FUKUSHIMA_CITY_HALL, AIZUWAKAMATSU_CITY_HALL) - 56452) / 56452 < 0.005);
  });

  it('measures to the nearest point of a line, and 0 inside a polygon', () => {
    const parallel: Geometry = { type: 'LineString', coordinates: [[140, 37.5], [141, 37.5]] };
    const d = minimumDistance(parallel, point(FUKUSHIMA_CITY_HALL));
    const expected = (37.7608 - 37.5) * (Math.PI / 180) * 6371008.8; // due south along a meridian
    assert.ok(Math.abs(d - expected) < 1, `got ${d}, expected ${expected}`);
    assert.equal(minimumDistance(fukushimaCity, point(FUKUSHIMA_CITY_HALL)), 0);
    const toKoriyama = minimumDistance(koriyamaCity, point(FUKUSHIMA_CITY_HALL));
    assert.ok(Math.abs(toKoriyama - (37.7608 - 37.55) * (Math.PI / 180) * 6371008.8) < 1, `got ${toKoriyama}`);
    assert.equal(minimumDistance(shinkansen, fukushimaCity), 0);
    const lineToPolygon = minimumDistance(route49, fukushimaCity);
    assert.ok(lineToPolygon > 15000 && lineToPolygon < 40000, `got ${lineToPolygon}`);
  });
});

describe('matchesGeoQuery', () => {
  it('near;maxDistance / near;minDistance with a Point reference', () => {
    const q42 = near('maxDistance', 42000, point(FUKUSHIMA_CITY_HALL));
    assert.equal(matchesGeoQuery(q42, point(KORIYAMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(q42, point(AIZUWAKAMATSU_CITY_HALL)), false);
    assert.equal(matchesGeoQuery(q42, point(FUKUSHIMA_CITY_HALL)), true);
    const far = near('minDistance', 42000, point(FUKUSHIMA_CITY_HALL));
    assert.equal(matchesGeoQuery(far, point(KORIYAMA_CITY_HALL)), false);
    assert.equal(matchesGeoQuery(far, point(AIZUWAKAMATSU_CITY_HALL)), true);
    // Exactly at the distance: within the closed buffer, so maxDistance matches and minDistance does not.
    const exact = haversine(FUKUSHIMA_CITY_HALL, KORIYAMA_CITY_HALL);
    assert.equal(matchesGeoQuery(near('maxDistance', exact, point(FUKUSHIMA_CITY_HALL)), point(KORIYAMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(near('minDistance', exact, point(FUKUSHIMA_CITY_HALL)), point(KORIYAMA_CITY_HALL)), false);
  });

  it('near with line, polygon and MultiPolygon targets uses the nearest part', () => {
    const fromCityHall = (modifier: 'maxDistance' | 'minDistance', m: number) => near(modifier, m, point(FUKUSHIMA_CITY_HALL));
    // Kōriyama polygon's north edge is ~23.4 km south of Fukushima city hall.
    assert.equal(matchesGeoQuery(fromCityHall('maxDistance', 24000), koriyamaCity), true);
    assert.equal(matchesGeoQuery(fromCityHall('maxDistance', 23000), koriyamaCity), false);
    assert.equal(matchesGeoQuery(fromCityHall('minDistance', 23000), koriyamaCity), true);
    // Inside the polygon: distance 0.
    assert.equal(matchesGeoQuery(fromCityHall('maxDistance', 1), fukushimaCity), true);
    assert.equal(matchesGeoQuery(fromCityHall('minDistance', 1), fukushimaCity), false);
    // Aizuwakamatsu to Naka-dōri: the Kōriyama part's west edge, ~19.4 km east.
    const fromAizu = (m: number) => near('maxDistance', m, point(AIZUWAKAMATSU_CITY_HALL));
    assert.equal(matchesGeoQuery(fromAizu(20000), nakadori), true);
    assert.equal(matchesGeoQuery(fromAizu(19000), nakadori), false);
    // The Shinkansen line ends at Fukushima station, about 1.4 km west-south-west of city hall.
    const toLine = minimumDistance(shinkansen, point(FUKUSHIMA_CITY_HALL));
    assert.ok(toLine > 1000 && toLine <= haversine(FUKUSHIMA_CITY_HALL, [140.4597, 37.754]), `got ${toLine}`);
    assert.equal(matchesGeoQuery(fromCityHall('maxDistance', toLine + 1), shinkansen), true);
    assert.equal(matchesGeoQuery(fromCityHall('maxDistance', toLine - 1), shinkansen), false);
  });

  it('near with a non-point reference geometry', () => {
    // Entities within 5 km of Route 49: Kōriyama city hall (on it) yes, Fukushima city hall no.
    const q = near('maxDistance', 5000, route49);
    assert.equal(matchesGeoQuery(q, point(KORIYAMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(q, point(FUKUSHIMA_CITY_HALL)), false);
    assert.equal(matchesGeoQuery(q, aizuCity), true);
    assert.equal(matchesGeoQuery(near('minDistance', 5000, route49), fukushimaCity), true);
  });

  it('within: the entity geometry lies within the reference', () => {
    assert.equal(matchesGeoQuery(rel('within', fukushimaCity), point(FUKUSHIMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(rel('within', fukushimaCity), point(KORIYAMA_CITY_HALL)), false);
    assert.equal(matchesGeoQuery(rel('within', nakadori), point(FUKUSHIMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(rel('within', nakadori), point(KORIYAMA_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(rel('within', nakadori), point(AIZUWAKAMATSU_CITY_HALL)), false);
    assert.equal(matchesGeoQuery(rel('within', nakadori), { type: 'MultiPoint', coordinates: [FUKUSHIMA_CITY_HALL, KORIYAMA_CITY_HALL] }), true);
    assert.equal(matchesGeoQuery(rel('within', nakadori), koriyamaCity), true);
    // A point on the boundary is not within (OGC), though it intersects.
    assert.equal(matchesGeoQuery(rel('within', fukushimaCity), point([140.4, 37.62])), false);
    assert.equal(matchesGeoQuery(rel('intersects', fukushimaCity), point([140.4, 37.62])), true);
    // The Shinkansen line leaves Naka-dōri's two polygons between them, but lies in the prefecture box.
    assert.equal(matchesGeoQuery(rel('within', nakadori), shinkansen), false);
    assert.equal(matchesGeoQuery(rel('within', prefectureBox), shinkansen), true);
    assert.equal(matchesGeoQuery(rel('within', prefectureBox), nakadori), true);
  });

  it('contains: the entity geometry contains the reference', () => {
    assert.equal(matchesGeoQuery(rel('contains', point(FUKUSHIMA_CITY_HALL)), fukushimaCity), true);
    assert.equal(matchesGeoQuery(rel('contains', point(KORIYAMA_CITY_HALL)), fukushimaCity), false);
    assert.equal(matchesGeoQuery(rel('contains', point(KORIYAMA_CITY_HALL)), nakadori), true);
    assert.equal(matchesGeoQuery(rel('contains', koriyamaCity), nakadori), true);
    assert.equal(matchesGeoQuery(rel('contains', nakadori), koriyamaCity), false);
    assert.equal(matchesGeoQuery(rel('contains', point(NIHONMATSU_STATION)), shinkansen), true);
    assert.equal(matchesGeoQuery(rel('contains', point([140.4, 37.62])), fukushimaCity), false);
  });

  it('intersects and disjoint', () => {
    assert.equal(matchesGeoQuery(rel('intersects', fukushimaCity), shinkansen), true);
    assert.equal(matchesGeoQuery(rel('intersects', fukushimaCity), route49), false);
    assert.equal(matchesGeoQuery(rel('intersects', aizuCity), route49), true);
    assert.equal(matchesGeoQuery(rel('intersects', route49), nakadori), true);
    assert.equal(matchesGeoQuery(rel('disjoint', nakadori), point(AIZUWAKAMATSU_CITY_HALL)), true);
    assert.equal(matchesGeoQuery(rel('disjoint', fukushimaCity), koriyamaCity), true);
    assert.equal(matchesGeoQuery(rel('disjoint', fukushimaCity), shinkansen), false);
    assert.equal(matchesGeoQuery(rel('disjoint', fukushimaCity), point([140.4, 37.62])), false);
  });

  it('equals: topological equality, whatever the vertex order or start', () => {
    const rotated: Geometry = { type: 'Polygon', coordinates: [[...fukushimaRing.slice(2, -1), ...fukushimaRing.slice(0, 3)].reverse()] };
    assert.equal(matchesGeoQuery(rel('equals', fukushimaCity), rotated), true);
    const shifted: Geometry = { type: 'Polygon', coordinates: [fukushimaRing.map(([x, y]): Position => [x + 0.01, y])] };
    assert.equal(matchesGeoQuery(rel('equals', fukushimaCity), shifted), false);
    assert.equal(matchesGeoQuery(rel('equals', point(FUKUSHIMA_CITY_HALL)), point([140.4748, 37.7608])), true);
    assert.equal(matchesGeoQuery(rel('equals', point(FUKUSHIMA_CITY_HALL)), { type: 'MultiPoint', coordinates: [FUKUSHIMA_CITY_HALL] }), true);
    const reversed: Geometry = { type: 'LineString', coordinates: [...(shinkansen.coordinates as Position[])].reverse() };
    assert.equal(matchesGeoQuery(rel('equals', shinkansen), reversed), true);
    assert.equal(matchesGeoQuery(rel('equals', nakadori), { type: 'MultiPolygon', coordinates: [[koriyamaRing], [fukushimaRing]] }), true);
    assert.equal(matchesGeoQuery(rel('equals', nakadori), fukushimaCity), false);
  });

  it('overlaps: same dimension, sharing some but not all', () => {
    const straddling: Geometry = { type: 'Polygon', coordinates: [[[140.3, 37.5], [140.5, 37.5], [140.5, 37.7], [140.3, 37.7], [140.3, 37.5]]] };
    assert.equal(matchesGeoQuery(rel('overlaps', straddling), fukushimaCity), true);
    assert.equal(matchesGeoQuery(rel('overlaps', straddling), nakadori), true);
    assert.equal(matchesGeoQuery(rel('overlaps', straddling), aizuCity), false);
    const inside: Geometry = { type: 'Polygon', coordinates: [[[140.4, 37.7], [140.5, 37.7], [140.5, 37.8], [140.4, 37.8], [140.4, 37.7]]] };
    assert.equal(matchesGeoQuery(rel('overlaps', inside), fukushimaCity), false);
    assert.equal(matchesGeoQuery(rel('overlaps', fukushimaCity), shinkansen), false); // line vs polygon: never
    const partly: Geometry = { type: 'LineString', coordinates: [NIHONMATSU_STATION, [140.4597, 37.754], [140.5, 37.9]] };
    assert.equal(matchesGeoQuery(rel('overlaps', shinkansen), partly), true);
  });

  it('does not match something that is not a geometry', () => {
    assert.equal(matchesGeoQuery(rel('intersects', fukushimaCity), null as never), false);
    assert.equal(matchesGeoQuery(rel('intersects', fukushimaCity), { type: 'GeometryCollection', geometries: [] } as never), false);
  });
});

describe('candidateBox / candidateFilter', () => {
  it('has no box for disjoint and near;minDistance, or for a near that reaches everywhere', () => {
    assert.equal(candidateBox(rel('disjoint', fukushimaCity)), null);
    assert.equal(candidateBox(near('minDistance', 1000, point(FUKUSHIMA_CITY_HALL))), null);
    assert.equal(candidateBox(near('maxDistance', 30_000_000, point(FUKUSHIMA_CITY_HALL))), null);
  });

  it('uses the reference box, with the tightest test each relation allows', () => {
    assert.deepEqual(candidateFilter(rel('within', fukushimaCity)), { box: bbox(fukushimaCity), test: 'inside' });
    assert.deepEqual(candidateFilter(rel('equals', fukushimaCity)), { box: bbox(fukushimaCity), test: 'inside' });
    assert.deepEqual(candidateFilter(rel('contains', fukushimaCity)), { box: bbox(fukushimaCity), test: 'covers' });
    assert.deepEqual(candidateFilter(rel('intersects', nakadori)), { box: [140.15, 37.25, 140.66, 37.97], test: 'intersects' });
    assert.deepEqual(candidateBox(rel('overlaps', nakadori)), [140.15, 37.25, 140.66, 37.97]);
  });

  it('widens a near;maxDistance box by the distance, latitude-aware', () => {
    const oneDegree = (Math.PI / 180) * 6371008.8;
    const [a, b, c, d] = expandBox([0, 0, 0, 0], oneDegree);
    for (const [got, want] of [[a, -1], [b, -1], [c, 1], [d, 1]] as const) assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
    const at60 = expandBox([10, 60, 10, 60], oneDegree);
    assert.ok(at60[2] - at60[0] > 3.9 && at60[2] - at60[0] < 4.1, `lon span ${at60[2] - at60[0]}`); // 1 / cos 60° each way
    assert.ok(Math.abs(at60[3] - at60[1] - 2) < 1e-6);
    // Reaching a pole or the antimeridian keeps every longitude.
    assert.deepEqual(expandBox([10, 89.5, 10, 89.5], oneDegree).map((x, i) => (i === 1 ? Math.round(x * 1e6) / 1e6 : x)), [-180, 88.5, 180, 90]);
    const dateline = expandBox([179.9, 10, 179.9, 10], 50_000);
    assert.equal(dateline[0], -180);
    assert.equal(dateline[2], 180);
  });

  /** Every geometry the loop tries: points, small squares and short lines on a grid. */
  function targets(lons: number[], lats: number[]): Geometry[] {
    const out: Geometry[] = [];
    for (const x of lons) {
      for (const y of lats) {
        out.push(point([x, y]));
        const x2 = Math.min(180, x + 0.03);
        const y2 = Math.min(90, y + 0.03);
        if (x2 > x && y2 > y) {
          out.push({ type: 'Polygon', coordinates: [[[x, y], [x2, y], [x2, y2], [x, y2], [x, y]]] });
          out.push({ type: 'LineString', coordinates: [[x, y], [x2, Math.max(-90, y - 0.02)]] });
        }
      }
    }
    return out;
  }
  const range = (from: number, to: number, step: number): number[] => {
    const out: number[] = [];
    for (let v = from; v <= to + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
    return out;
  };

  function neverExcludesAMatch(queries: GeoQuery[], candidates: Geometry[]): void {
    for (const q of queries) {
      const filter = candidateFilter(q);
      const box = candidateBox(q);
      let matched = 0;
      for (const g of candidates) {
        if (!matchesGeoQuery(q, g)) continue;
        matched++;
        const e = bbox(g);
        assert.ok(passesFilter(filter, e), `${formatGeoRel(q.georel)} ${JSON.stringify(q.geometry)}: filter ${JSON.stringify(filter)} excludes matching ${JSON.stringify(g)}`);
        if (box) assert.ok(passesFilter({ box, test: 'intersects' }, e as BBox), `candidateBox excludes ${JSON.stringify(g)}`);
      }
      if (q.georel.op !== 'equals' && q.georel.op !== 'contains') assert.ok(matched > 0, `${formatGeoRel(q.georel)}: the loop should find matches`);
    }
  }

  it('never excludes a true match around Fukushima (grid of points, squares and lines)', () => {
    const grid = targets(range(139.6, 141.0, 0.05), range(37.1, 38.1, 0.05));
    const queries: GeoQuery[] = [
      near('maxDistance', 2000, point(FUKUSHIMA_CITY_HALL)),
      near('maxDistance', 15000, point(KORIYAMA_CITY_HALL)),
      near('maxDistance', 42000, point(FUKUSHIMA_CITY_HALL)),
      near('maxDistance', 8000, route49),
      near('maxDistance', 5000, koriyamaCity),
      rel('within', fukushimaCity),
      rel('within', nakadori),
      rel('contains', point(FUKUSHIMA_CITY_HALL)),
      rel('contains', { type: 'LineString', coordinates: [[140.301, 37.401], [140.32, 37.41]] }),
      rel('intersects', shinkansen),
      rel('intersects', nakadori),
      rel('overlaps', fukushimaCity),
      rel('overlaps', { type: 'Polygon', coordinates: [[[140.31, 37.51], [140.52, 37.51], [140.52, 37.68], [140.31, 37.68], [140.31, 37.51]]] }),
      rel('equals', point([140.3, 37.4])),
    ];
    neverExcludesAMatch(queries, grid);
  });

  it('never excludes a true match near the antimeridian and a pole', () => {
    const dateline = targets([...range(179.5, 180, 0.05), ...range(-180, -179.5, 0.05)], range(64.7, 65.3, 0.05));
    neverExcludesAMatch([
      near('maxDistance', 20000, point([179.95, 65])),
      near('maxDistance', 20000, point([-179.95, 65])),
    ], dateline);
    const arctic = targets(range(-180, 180, 15), range(89.5, 90, 0.05));
    neverExcludesAMatch([near('maxDistance', 30000, point([10, 89.9])), near('maxDistance', 30000, point([-170, 89.95]))], arctic);
  });
});
