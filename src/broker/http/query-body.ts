// The Query data type (clause 5.2.23) of the POST query operations (entityOperations/query,
// clause 6.23; temporal/entityOperations/query, clause 6.24) mapped onto the query parameters of
// the GET operations, so both kinds of query share one parser. URL parameters (limit, offset,
// count, options, join, lastN, aggrMethods, …) stay as given; the body's members win over them.
import { NgsiError } from '../errors.ts';
import type { Query } from './request-options.ts';

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new NgsiError('BadRequestData', `${where}: must be a string`);
  return value;
}

function strings(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new NgsiError('BadRequestData', `${where}: must be an array of strings`);
  return value.join(',');
}

/** The members of `body` (a Query object) as GET query parameters, laid over `url`. */
export function queryBodyToParams(body: unknown, url: Query, options: { temporal: boolean }): Query {
  if (!isObject(body)) throw new NgsiError('BadRequestData', 'The body must be a Query object');
  if (body.type !== 'Query') throw new NgsiError('BadRequestData', 'The body must be a Query object ("type": "Query")');
  const out: Query = { ...url };
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) out[name] = value;
  };
  if (body.entities !== undefined) {
    if (!Array.isArray(body.entities) || !body.entities.every(isObject)) throw new NgsiError('BadRequestData', 'entities: must be an array of EntitySelectors');
    if (body.entities.length > 1) throw new NgsiError('OperationNotSupported', 'entities: this broker accepts one EntitySelector per query; send one query per selector');
    const selector = (body.entities[0] ?? {}) as Raw;
    set('id', text(selector.id, 'entities[0].id'));
    set('idPattern', text(selector.idPattern, 'entities[0].idPattern'));
    set('type', text(selector.type, 'entities[0].type'));
  }
  set('attrs', strings(body.attrs, 'attrs'));
  set('pick', strings(body.pick, 'pick'));
  set('omit', strings(body.omit, 'omit'));
  set('q', text(body.q, 'q'));
  set('scopeQ', text(body.scopeQ, 'scopeQ'));
  set('lang', text(body.lang, 'lang'));
  set('expandValues', text(body.expandValues, 'expandValues'));
  set('jsonKeys', text(body.jsonKeys, 'jsonKeys'));
  set('csf', text(body.csf, 'csf'));
  if (body.geoQ !== undefined) {
    if (!isObject(body.geoQ)) throw new NgsiError('BadRequestData', 'geoQ: must be a GeoQuery object');
    const geoQ = body.geoQ;
    set('georel', text(geoQ.georel, 'geoQ.georel') ?? '');
    set('geometry', text(geoQ.geometry, 'geoQ.geometry') ?? '');
    if (geoQ.coordinates === undefined) throw new NgsiError('BadRequestData', 'geoQ.coordinates: required');
    set('coordinates', typeof geoQ.coordinates === 'string' ? geoQ.coordinates : JSON.stringify(geoQ.coordinates));
    set('geoproperty', text(geoQ.geoproperty, 'geoQ.geoproperty'));
  }
  // EntityMaps (5.2.23): as the URL parameters of the same names.
  for (const name of ['entityMap', 'splitEntities'] as const) {
    if (body[name] === undefined) continue;
    if (typeof body[name] !== 'boolean') throw new NgsiError('BadRequestData', `${name}: must be true or false`);
    set(name, String(body[name]));
  }
  set('entityMapLifetime', text(body.entityMapLifetime, 'entityMapLifetime'));
  if (body.temporalQ !== undefined) {
    if (!options.temporal) throw new NgsiError('BadRequestData', 'temporalQ: only on temporal/entityOperations/query');
    if (!isObject(body.temporalQ)) throw new NgsiError('BadRequestData', 'temporalQ: must be a TemporalQuery object');
    const temporalQ = body.temporalQ;
    for (const name of ['timerel', 'timeAt', 'endTimeAt', 'timeproperty'] as const) set(name, text(temporalQ[name], `temporalQ.${name}`));
    if (temporalQ.lastN !== undefined) {
      if (typeof temporalQ.lastN !== 'number') throw new NgsiError('BadRequestData', 'temporalQ.lastN: must be a number');
      set('lastN', String(temporalQ.lastN));
    }
  }
  return out;
}
