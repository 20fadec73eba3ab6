// Query-string parameters shared by the NGSI-LD routes: representation (options/format),
// projection (attrs/pick/omit), paging (limit/offset/count) and lang. Each bad value gets a
// BadRequestData naming the parameter.
import { NgsiError } from '../errors.ts';
import type { ResolvedTerms } from './ngsi-http.ts';
import { parseLang, type RenderOptions, type Representation } from '../entities/entity-output.ts';
import { DEFAULT_LIMIT } from '../entities/entity-query.ts';
import type { FastifyRequest } from 'fastify';
import { assertName, isUri } from '../entities/entity-input.ts';
import { valueExpansion } from '../query/q-language.ts';

export type Query = Record<string, string | string[] | undefined>;

/** One value of a parameter; a parameter given twice is ambiguous. */
export function param(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new NgsiError('BadRequestData', `${name}: give this parameter once`);
  return value;
}

export function list(query: Query, name: string): string[] | undefined {
  const value = param(query, name);
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new NgsiError('BadRequestData', `${name}: expected a comma-separated list`);
  return items;
}

export function options(query: Query): Set<string> {
  const known = new Set(['keyValues', 'simplified', 'concise', 'normalized', 'sysAttrs', 'noOverwrite', 'replace', 'update']);
  const values = list(query, 'options') ?? [];
  for (const value of values) {
    if (!known.has(value)) throw new NgsiError('BadRequestData', `options: unknown option "${value}" (use keyValues, concise, normalized or sysAttrs)`);
  }
  return new Set(values);
}

export function representation(query: Query): Representation {
  const opts = options(query);
  const format = param(query, 'format');
  if (format !== undefined && !['normalized', 'concise', 'simplified', 'keyValues'].includes(format)) {
    throw new NgsiError('BadRequestData', `format: "${format}" is not normalized, concise, simplified or keyValues`);
  }
  const chosen = [
    format === 'simplified' || format === 'keyValues' || opts.has('keyValues') || opts.has('simplified') ? 'simplified' : null,
    format === 'concise' || opts.has('concise') ? 'concise' : null,
  ].filter(Boolean);
  if (chosen.length > 1) throw new NgsiError('BadRequestData', 'options/format: choose one of keyValues (simplified) and concise');
  return (chosen[0] as Representation | undefined) ?? 'normalized';
}

export function renderOptions(query: Query, terms: ResolvedTerms): RenderOptions {
  const attrs = list(query, 'attrs');
  const pick = projection(query, 'pick');
  const omit = projection(query, 'omit');
  if (pick && omit) throw new NgsiError('BadRequestData', 'pick and omit cannot be used together');
  const expandAll = (names: string[] | undefined, where: string) =>
    names
      ? new Set(names.filter((n) => !ENTITY_MEMBERS.includes(n)).map((n) => {
          assertName(n, where);
          return terms.expandTerm(n);
        }))
      : undefined;
  const picked = expandAll(pick ?? attrs, pick ? 'pick' : 'attrs');
  return {
    terms,
    representation: representation(query),
    sysAttrs: options(query).has('sysAttrs'),
    pick: picked,
    omit: expandAll(omit, 'omit'),
    members: projectedMembers(pick, omit),
    lang: parseLang(param(query, 'lang')),
    datasetIds: datasetIds(query),
  };
}

/** The entity members that pick and omit may name besides attributes (clause 5.2.23). */
export const ENTITY_MEMBERS = ['id', 'type', 'scope'];

/**
 * A projection (`pick`, `omit`; clause 4.21): attribute names or entity members, separated by
 * `,` or `|`. Linked-entity terms (`rel{attr}`) are not supported.
 */
export function projection(query: Query, name: string): string[] | undefined {
  const raw = param(query, name);
  if (raw === undefined) return undefined;
  const items = raw.split(/[,|]/).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new NgsiError('BadRequestData', `${name}: expected attribute names separated by , or |`);
  return checkProjection(items, name);
}

/** The items of a projection (query parameter or subscription member): names, and no linked-entity terms. */
export function checkProjection(items: string[], where: string): string[] {
  for (const item of items) {
    if (/[{}]/.test(item)) {
      throw new NgsiError('OperationNotSupported', `${where}: projections into linked entities (relationship{attribute}) are not supported; ${where} the relationship itself and use join`);
    }
    assertName(item, where);
  }
  return items;
}

/** Which of id, type and scope an entity keeps under pick or omit. */
export function projectedMembers(pick: string[] | undefined, omit: string[] | undefined): { id: boolean; type: boolean; scope: boolean } {
  const kept = (member: string) => (pick ? pick.includes(member) : !omit?.includes(member));
  return { id: kept('id'), type: kept('type'), scope: kept('scope') };
}

/** The `datasetId` selection (clause 4.5.5): URIs, `@none` (the default instance) as ''. */
export function datasetIds(query: Query): string[] | undefined {
  return list(query, 'datasetId')?.map((d) => {
    if (d === '@none') return '';
    if (!isUri(d)) throw new NgsiError('BadRequestData', `datasetId: "${d}" is not a URI (or @none)`);
    return d;
  });
}

function integer(query: Query, name: string, fallback: number, min: number): number {
  const raw = param(query, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new NgsiError('BadRequestData', `${name}: "${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < min) throw new NgsiError('BadRequestData', `${name}: must be at least ${min}`);
  return value;
}

export function paging(query: Query): { limit: number; offset: number; count: boolean } {
  const count = param(query, 'count');
  if (count !== undefined && count !== 'true' && count !== 'false') throw new NgsiError('BadRequestData', 'count: must be true or false');
  return { limit: integer(query, 'limit', DEFAULT_LIMIT, 0), offset: integer(query, 'offset', 0, 0), count: count === 'true' };
}

/** A header value that must appear once, e.g. NGSILD-Tenant. */
export function header(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw new NgsiError('BadRequestData', `${name}: give this header once`);
  return value;
}

/** A request body that must be one JSON object (an entity, a fragment, a subscription…). */
export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NgsiError('BadRequestData', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The entity id in the body of a fragment must match the path, if given at all. */
export function checkBodyId(body: Record<string, unknown>, id: string): void {
  const given = body.id ?? body['@id'];
  if (given !== undefined && given !== id) throw new NgsiError('BadRequestData', `The body's id (${String(given)}) differs from the entity id in the path (${id})`);
}

/** `datasetId` and `deleteAll` of the Delete Attribute operations (current and temporal). */
export function deleteAttributeParams(query: Query): { datasetId: string | undefined; deleteAll: boolean } {
  const datasetId = param(query, 'datasetId');
  const deleteAll = param(query, 'deleteAll');
  if (deleteAll !== undefined && deleteAll !== 'true' && deleteAll !== 'false') throw new NgsiError('BadRequestData', 'deleteAll: must be true or false');
  if (datasetId !== undefined && !isUri(datasetId)) throw new NgsiError('BadRequestData', `datasetId: "${datasetId}" is not a URI`);
  if (datasetId !== undefined && deleteAll === 'true') throw new NgsiError('BadRequestData', 'Give datasetId or deleteAll=true, not both');
  return { datasetId, deleteAll: deleteAll === 'true' };
}

/** `expandValues` minus `jsonKeys` (q-language.ts valueExpansion), from the query string. */
export function expandValuesParam(query: Query): string[] | undefined {
  return valueExpansion(param(query, 'expandValues'), param(query, 'jsonKeys'));
}
