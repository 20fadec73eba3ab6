// HTTP rules shared by every NGSI-LD route (clause 6.3): which @context applies to a request
// (Link header or inline, never both), which media type to answer with, how to send the
// context back, and how errors look. Routes stay small because all of this lives here.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import type { TermMap } from '../entities/entity-input.ts';
import type { BatchResult } from '../entities/entity-service.ts';
import type { WriteOutcome } from '../registrations/distributed-writes.ts';

export const JSONLD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';

export interface ResolvedTerms extends TermMap {
  /** The @context to give back: the requester's URL(s)/object, or the core context URL. */
  contextForResponse: unknown;
}

export interface TermResolver {
  resolve(context: unknown): Promise<ResolvedTerms>;
}

export type AnswerType = 'application/json' | 'application/ld+json' | 'application/geo+json';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses `Link: <url>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`. */
export function contextLink(request: FastifyRequest): string | undefined {
  const header = request.headers.link;
  if (!header) return undefined;
  const links = (Array.isArray(header) ? header.join(',') : header).split(/,(?=\s*<)/);
  const found: string[] = [];
  for (const link of links) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (!match) throw new NgsiError('BadRequestData', 'Link header: expected <URL>; rel="http://www.w3.org/ns/json-ld#context"');
    if (/rel\s*=\s*"?http:\/\/www\.w3\.org\/ns\/json-ld#context"?/.test(match[2]!)) found.push(match[1]!);
  }
  if (found.length > 1) throw new NgsiError('BadRequestData', 'Link header: only one JSON-LD @context link is allowed');
  return found[0];
}

/**
 * The @context of a request (clause 6.3.5): with application/ld+json the body must carry
 * @context and there must be no Link context; with application/json the body must not carry
 * @context and the Link header may name one. Without either, the core context applies.
 */
export async function requestTerms(request: FastifyRequest, resolver: TermResolver, bodies: unknown[] = []): Promise<ResolvedTerms> {
  const link = contextLink(request);
  const type = mediaType(request.headers['content-type']);
  const hasBody = bodies.length > 0 && request.body !== undefined && request.body !== null;
  if (hasBody && type === 'application/ld+json') {
    if (link) throw new NgsiError('BadRequestData', 'A request with Content-Type application/ld+json carries its @context in the body; remove the Link header');
    const contexts = bodies.map((b) => (isObject(b) ? b['@context'] : undefined));
    if (contexts.some((c) => c === undefined)) {
      throw new NgsiError('BadRequestData', 'With Content-Type application/ld+json the body must contain "@context"');
    }
    const first = JSON.stringify(contexts[0]);
    if (contexts.some((c) => JSON.stringify(c) !== first)) {
      throw new NgsiError('BadRequestData', 'All entities in one request must use the same @context');
    }
    return resolver.resolve(contexts[0]);
  }
  if (hasBody && bodies.some((b) => isObject(b) && '@context' in b)) {
    throw new NgsiError('BadRequestData', 'With Content-Type application/json the body must not contain "@context"; send it in a Link header or use application/ld+json');
  }
  return resolver.resolve(link);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Chooses the answer's media type from Accept; 406 when none can be produced. */
export function negotiate(request: FastifyRequest, allowGeoJson = false): AnswerType {
  const accept = request.headers.accept;
  if (!accept) return 'application/json';
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: (type ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*') return 'application/json';
    if (range.type === 'application/ld+json') return 'application/ld+json';
    if (range.type === 'application/geo+json' && allowGeoJson) return 'application/geo+json';
  }
  throw new NgsiError('NotAcceptable', `Accept: none of "${accept}" can be produced; use application/json, application/ld+json${allowGeoJson ? ' or application/geo+json' : ''}`);
}

/** Names the context sources that failed, so the client knows the answer is partial (NGSILD-Warning). */
export function warnOfSources(reply: FastifyReply, warnings: readonly string[]): void {
  if (warnings.length) reply.header('ngsild-warning', warnings.map((w) => `199 - "${headerText(w)}"`).join(', '));
}

/**
 * Text a header can carry: a source's error page may hold line breaks, quotes or Japanese, which
 * a header may not (they would fail the whole answer); those are written as \uXXXX escapes.
 */
function headerText(text: string): string {
  const short = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return short.replace(/[\t\r\n]+/g, ' ').replace(/[^\x20-\x7e]|"/g, (c) => (c === '"' ? "'" : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Sends an NGSI-LD answer: @context in a Link header (JSON, GeoJSON) or inline (JSON-LD). */
function appendLink(reply: FastifyReply, link: string): void {
  const previous = reply.getHeader('link');
  reply.header('link', previous ? `${String(previous)}, ${link}` : link);
}

/**
 * Pointers to the next and previous pages of a query's answer (5.5.9.1), as Link headers with
 * rel="next" and rel="prev" holding the request's own parameters with another offset. A full page
 * has a next pointer unless the count (count=true) shows it is the last; the page it points to
 * may then be empty.
 */
export function pageLinks(reply: FastifyReply, request: FastifyRequest, page: { limit: number; offset: number }, returned: number, total?: number): void {
  if (page.limit <= 0) return;
  const at = (offset: number) => {
    const url = new URL(request.url, 'http://localhost');
    // A query through an EntityMap goes on with the map's NGSILD-EntityMap header: a link that
    // asked for a map again would make a new one for every page.
    url.searchParams.delete('entityMap');
    url.searchParams.delete('entityMapLifetime');
    url.searchParams.set('offset', String(offset));
    url.searchParams.set('limit', String(page.limit));
    return `${url.pathname}${url.search}`;
  };
  if (returned >= page.limit && (total === undefined || page.offset + page.limit < total)) appendLink(reply, `<${at(page.offset + page.limit)}>; rel="next"`);
  if (page.offset > 0) appendLink(reply, `<${at(Math.max(0, page.offset - page.limit))}>; rel="prev"`);
}

/** A batch-like answer (clause 5.2.16): `onSuccess` when nothing failed, else 207 with the BatchOperationResult. */
export function sendBatch(reply: FastifyReply, result: BatchResult, onSuccess: () => FastifyReply): FastifyReply {
  if (result.errors.length === 0) return onSuccess();
  return reply
    .code(207)
    .type('application/json')
    .send(JSON.stringify({ success: result.success, errors: result.errors.map((e) => ({ entityId: e.entityId, error: e.error.toJSON() })) }));
}

export function sendNgsi(reply: FastifyReply, status: number, body: unknown, terms: ResolvedTerms, type: AnswerType): FastifyReply {
  const context = terms.contextForResponse;
  if (type === 'application/ld+json') {
    const withContext = (item: unknown) => (isObject(item) ? { ...item, '@context': context } : item);
    const payload = Array.isArray(body) ? body.map(withContext) : withContext(body);
    return reply.code(status).type('application/ld+json').send(JSON.stringify(payload));
  }
  const url = Array.isArray(context) ? context.find((c) => typeof c === 'string') : typeof context === 'string' ? context : undefined;
  if (url) appendLink(reply, `<${url}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"`);
  if (type === 'application/geo+json' && isObject(body) && Array.isArray(context) === false && typeof context !== 'string') {
    (body as Record<string, unknown>)['@context'] = context;
  }
  return reply.code(status).type(type).send(JSON.stringify(body));
}

// A \u0000 escape (not an escaped backslash before "u0000"): PostgreSQL cannot store NUL in text or jsonb.
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;
// A number JSON.parse would turn into Infinity (a 3-digit exponent or 300 digits) is looked for.
const HUGE_NUMBER = /\d[eE][+-]?\d{3}|\d{300}/;

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  return typeof value === 'object' && value !== null && Object.values(value).some(hasNonFinite);
}

/**
 * Body parsers for the JSON media types NGSI-LD uses; bad JSON is InvalidRequest (400). A body
 * the database could not store as given is BadRequestData before anything is written: a NUL
 * character, or a number too large for a double (it would be stored as null).
 */
export function registerNgsiParsers(app: FastifyInstance, bodyLimit: number): void {
  const parse = (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(new NgsiError('InvalidRequest', 'The request body is empty'));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return done(new NgsiError('InvalidRequest', `The request body is not valid JSON: ${(error as Error).message}`));
    }
    if (NUL_ESCAPE.test(text)) return done(new NgsiError('BadRequestData', 'The request body contains a NUL character (\\u0000), which cannot be stored'));
    if (HUGE_NUMBER.test(text) && hasNonFinite(value)) return done(new NgsiError('BadRequestData', 'The request body contains a number too large to store (beyond ±1.8e308)'));
    done(null, value);
  };
  // Only the JSON media types: text/plain, forms and the rest get 415.
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', 'application/ld+json', 'application/merge-patch+json']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit }, parse);
  }
}

/** Renders NgsiError and maps framework errors to the spec's types; never a 500 for bad input. */
export function ngsiErrorHandler(error: FastifyError | NgsiError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const ngsi = toNgsiError(error);
  if (ngsi.status >= 500 && ngsi.type === 'InternalError') request.log.error({ err: error }, 'NGSI-LD request failed');
  for (const [name, value] of Object.entries(ngsi.headers)) reply.header(name, value);
  return reply.code(ngsi.status).type('application/json').send(JSON.stringify(ngsi.toJSON()));
}

export function toNgsiError(error: unknown): NgsiError {
  if (error instanceof NgsiError) return error;
  const e = error as FastifyError & { code?: string };
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new NgsiError('UnsupportedMediaType', 'Content-Type must be application/json or application/ld+json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new NgsiError('PayloadTooLarge', 'The request body is larger than this broker accepts (TSUNAGU_BROKER_BODY_LIMIT; an added @context: at most 1 MiB)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new NgsiError('InvalidRequest', 'The request body is not valid JSON');
    case '2201B': // invalid regular expression reaching PostgreSQL
      return new NgsiError('BadRequestData', `Invalid regular expression: ${e.message}`);
    case '22P02':
    case '2203A':
    case '22023':
    case '22003': // a number out of range, e.g. an offset beyond bigint
    case '22P05': // \u0000 in a query parameter, which text cannot hold
    case '22021':
      return new NgsiError('BadRequestData', `A value in the request cannot be used: ${e.message}`);
  }
  if (e?.statusCode === 429) return new NgsiError('TooManyRequests', 'Too many requests from this client; retry after a minute', { headers: { 'retry-after': '60' } });
  if (e?.statusCode === 415) return new NgsiError('UnsupportedMediaType', 'Content-Type must be application/json or application/ld+json');
  if (e?.statusCode === 413) return new NgsiError('PayloadTooLarge', 'The request body is too large');
  if (e?.statusCode === 404) return new NgsiError('ResourceNotFound', 'No such NGSI-LD resource');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new NgsiError('BadRequestData', e.message);
  return new NgsiError('InternalError', 'The broker could not complete the request; it has been logged');
}

/**
 * The answer to a write: `onSuccess` when every part succeeded, else 207 with an UpdateResult
 * (clause 5.2.18; registrationId names a context source that failed, clause 5.2.19).
 */
export function sendWriteOutcome(reply: FastifyReply, result: WriteOutcome, terms: ResolvedTerms, onSuccess: () => FastifyReply): FastifyReply {
  if (result.notUpdated.length === 0) return onSuccess();
  return reply
    .code(207)
    .type('application/json')
    .send(JSON.stringify({
      updated: result.updated.map((iri) => terms.compactIri(iri)),
      notUpdated: result.notUpdated.map((n) => ({ attributeName: n.attributeName.includes(':') ? terms.compactIri(n.attributeName) : n.attributeName, reason: n.reason, ...(n.registrationId ? { registrationId: n.registrationId } : {}) })),
    }));
}
