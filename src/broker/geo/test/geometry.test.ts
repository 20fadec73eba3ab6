import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NgsiError } from '../../errors.ts';
import { bbox, validateGeometry } from '../geometry.ts';

/** Asserts a BadRequestData NgsiError whose message matches. */
function rejects(value: unknown, message: RegExp, where = 'location'): void {
  assert.throws(() => validateGeometry(value, where), (err: unknown) => {
    assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
    assert.equal(err.type, 'BadRequestData');
    assert.equal(err.status, 400);
    assert.match(err.message, message);
    return true;
  });
}

const fukushimaCityHall = [140.4748, 37.7608];
const square = [[[140.3, 37.65], [140.6, 37.65], [140.6, 37.9], [140.3, 37.9], [140.3, 37.65]]];

describe('validateGeometry: accepted geometries', () => {
  it('accepts every NGSI-LD geometry type and returns a fresh { type, coordinates }', () => {
    const cases = [
      { type: 'Point', coordinates: fukushimaCityHall },
      { type: 'Point', coordinates: [140.4748, 37.7608, 67.5] },
      { type: 'MultiPoint', coordinates: [fukushimaCityHall, [140.3597, 37.4005]] },
      { type: 'LineString', coordinates: [[140.3886, 37.3983], [140.4597, 37.754]] },
      { type: 'MultiLineString', coordinates: [[[140.3886, 37.3983], [140.4597, 37.754]], [[139.93, 37.49], [140.1, 37.45]]] },
      { type: 'Polygon', coordinates: square },
      {
        type: 'Polygon',
        coordinates: [square[0], [[140.4, 37.7], [140.5, 37.7], [140.5, 37.8], [140.4, 37.7]]],
      },
      { type: 'MultiPolygon', coordinates: [square, [[[140.2, 37.3], [140.55, 37.3], [140.55, 37.55], [140.2, 37.55], [140.2, 37.3]]]] },
    ];
    for (const geometry of cases) {
      const out = validateGeometry({ ...geometry, bbox: [0, 0, 1, 1], foreign: 'dropped' }, 'location');
      assert.deepEqual(out, geometry);
      assert.notEqual(out.coordinates, geometry.coordinates);
    }
  });

  it('accepts the extreme longitudes and latitudes and either ring orientation', () => {
    validateGeometry({ type: 'Point', coordinates: [180, 90] }, 'location');
    validateGeometry({ type: 'Point', coordinates: [-180, -90] }, 'location');
    const clockwise = [[...square[0]!].reverse()];
    validateGeometry({ type: 'Polygon', coordinates: clockwise }, 'location');
  });

  it('accepts a whole geometry encoded as a JSON string (clause 4.7.2)', () => {
    const out = validateGeometry(JSON.stringify({ type: 'Point', coordinates: fukushimaCityHall }), 'location');
    assert.deepEqual(out, { type: 'Point', coordinates: fukushimaCityHall });
  });
});

describe('validateGeometry: refused values', () => {
  it('refuses values that are not geometry objects', () => {
    rejects(42, /^location: must be a GeoJSON geometry/);
    rejects(null, /^location: must be a GeoJSON geometry/);
    rejects([140, 37], /^location: must be a GeoJSON geometry/);
    rejects('{"type":"Point",', /^location: .*not valid JSON/);
    rejects('[140,37]', /^location: a GeoJSON geometry given as a string must hold a JSON object/);
  });

  it('refuses a missing, unknown or excluded type', () => {
    rejects({ coordinates: [1, 2] }, /^location\.type: is required/);
    rejects({ type: 'point', coordinates: [1, 2] }, /^location\.type: "point" is not a GeoJSON geometry type .*case-sensitive/);
    rejects({ type: 'GeometryCollection', geometries: [] }, /^location\.type: GeometryCollection is not allowed in NGSI-LD/);
    rejects({ type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] } }, /^location\.type: expected a GeoJSON geometry, not a Feature/);
  });

  it('refuses missing coordinates', () => {
    rejects({ type: 'Point' }, /^location\.coordinates: is required for a Point/);
  });

  it('checks each position: an array of 2 or 3 finite numbers', () => {
    rejects({ type: 'Point', coordinates: '140,37' }, /^location\.coordinates: expected a position \[longitude, latitude\]/);
    rejects({ type: 'Point', coordinates: [140] }, /^location\.coordinates: a position has 2 or 3 numbers .* got 1/);
    rejects({ type: 'Point', coordinates: [140, 37, 1, 2] }, /^location\.coordinates: a position has 2 or 3 numbers .* got 4/);
    rejects({ type: 'Point', coordinates: [140, '37'] }, /^location\.coordinates\[1\]: a coordinate must be a finite number, got "37"/);
    rejects({ type: 'Point', coordinates: [140, Number.NaN] }, /^location\.coordinates\[1\]: a coordinate must be a finite number/);
    rejects({ type: 'Point', coordinates: [Infinity, 37] }, /^location\.coordinates\[0\]: a coordinate must be a finite number/);
    rejects({ type: 'LineString', coordinates: [[140, 37], [140, 37, null]] }, /^location\.coordinates\[1\]\[2\]: a coordinate must be a finite number, got null/);
  });

  it('checks longitude and latitude ranges (and hints at the order)', () => {
    rejects({ type: 'Point', coordinates: [180.0001, 37] }, /^location\.coordinates\[0\]: longitude 180\.0001 is outside \[-180, 180\]/);
    rejects({ type: 'Point', coordinates: [37.7608, 140.4748] }, /^location\.coordinates\[1\]: latitude 140\.4748 is outside \[-90, 90\] \(positions are \[longitude, latitude\]\)/);
    rejects({ type: 'MultiPoint', coordinates: [[140, 37], [140, -90.5]] }, /^location\.coordinates\[1\]\[1\]: latitude -90\.5 is outside/);
  });

  it('needs at least two (distinct) positions in a LineString', () => {
    rejects({ type: 'LineString', coordinates: [[140, 37]] }, /^location\.coordinates: a LineString needs at least 2 positions, got 1/);
    rejects({ type: 'LineString', coordinates: [140, 37] }, /^location\.coordinates: expected an array of positions for a LineString/);
    rejects({ type: 'LineString', coordinates: [[140, 37], [140, 37]] }, /^location\.coordinates: the LineString is not a valid simple geometry \(Too few distinct points/);
    rejects({ type: 'MultiLineString', coordinates: [[[140, 37], [141, 37]], [[140, 37]]] }, /^location\.coordinates\[1\]: a LineString needs at least 2 positions/);
  });

  it('needs closed linear rings of at least four positions', () => {
    rejects({ type: 'Polygon', coordinates: [[[140, 37], [141, 37], [140, 37]]] }, /^location\.coordinates\[0\]: a Polygon ring needs at least 4 positions .* got 3/);
    rejects(
      { type: 'Polygon', coordinates: [[[140, 37], [141, 37], [141, 38], [140, 38]]] },
      /^location\.coordinates\[0\]: a Polygon ring must be closed \(first and last positions equal\); it starts at \[140,37\] and ends at \[140,38\]/,
    );
    rejects({ type: 'Polygon', coordinates: [[140, 37], [141, 37], [141, 38], [140, 37]] }, /^location\.coordinates\[0\]: expected a linear ring/);
    rejects({ type: 'Polygon', coordinates: [] }, /^location\.coordinates: expected a Polygon.* got an empty array/);
    rejects({ type: 'MultiPolygon', coordinates: [square, [[[140, 37], [141, 37], [141, 38], [140, 37.5]]]] }, /^location\.coordinates\[1\]\[0\]: a Polygon ring must be closed/);
  });

  it('refuses polygons that are not valid simple features', () => {
    const bowtie = [[[140, 37], [141, 38], [141, 37], [140, 38], [140, 37]]];
    rejects({ type: 'Polygon', coordinates: bowtie }, /^location\.coordinates: the Polygon is not a valid simple geometry \(Self-intersection at \[140\.5, 37\.5\]\)/);
    const holeOutside = [square[0], [[141, 38], [141.1, 38], [141.1, 38.1], [141, 38]]];
    rejects({ type: 'Polygon', coordinates: holeOutside }, /^location\.coordinates: the Polygon is not a valid simple geometry \(Hole lies outside shell/);
    const overlapping = [square, [[[140.5, 37.8], [140.7, 37.8], [140.7, 38], [140.5, 38], [140.5, 37.8]]]];
    rejects({ type: 'MultiPolygon', coordinates: overlapping }, /^location\.coordinates: the MultiPolygon is not a valid simple geometry/);
  });

  it('refuses empty geometries', () => {
    rejects({ type: 'MultiPoint', coordinates: [] }, /^location\.coordinates: a MultiPoint needs at least 1 position, got 0/);
    rejects({ type: 'MultiPolygon', coordinates: [] }, /^location\.coordinates: expected an array of Polygons.*empty array/);
    rejects({ type: 'MultiLineString', coordinates: [] }, /^location\.coordinates: expected an array of LineString position arrays.*empty array/);
  });

  it('names the field it was given', () => {
    rejects({ type: 'Point', coordinates: [200, 0] }, /^observationSpace\.value\.coordinates\[0\]: longitude 200/, 'observationSpace.value');
  });
});

describe('bbox', () => {
  it('is [minLon, minLat, maxLon, maxLat] over all positions', () => {
    assert.deepEqual(bbox({ type: 'Point', coordinates: [140.4748, 37.7608, 70] }), [140.4748, 37.7608, 140.4748, 37.7608]);
    assert.deepEqual(bbox({ type: 'Polygon', coordinates: square as never }), [140.3, 37.65, 140.6, 37.9]);
    assert.deepEqual(
      bbox({ type: 'MultiPolygon', coordinates: [square, [[[140.2, 37.3], [140.55, 37.3], [140.55, 37.55], [140.2, 37.55], [140.2, 37.3]]]] as never }),
      [140.2, 37.3, 140.6, 37.9],
    );
    assert.deepEqual(bbox({ type: 'LineString', coordinates: [[140.3886, 37.3983], [140.4597, 37.754], [140.1, 37.5]] }), [140.1, 37.3983, 140.4597, 37.754]);
  });
});
