// The @context management API (ETSI GS CIM 009 clauses 5.13, 6.29, 6.30) under
// /ngsi-ld/v1/jsonldContexts:
//   POST   /                  Add @context: body {"@context": …} of at most 1 MiB, validated, stored as
//                             Hosted → 201 + Location (413 PayloadTooLarge beyond)
//   GET    /?details&kind     List @contexts: URLs, or metadata objects with details=true
//   GET    /{id}?details      Serve @context (Hosted, ImplicitlyCreated) as application/ld+json, or its
//                             metadata; a Cached one is not served (422 OperationNotSupported)
//   DELETE /{id}?reload       Delete, or for Cached with reload=true re-download and replace → 204
// {id} is the local id, or for Cached entries the original URL (percent-encoded). The core @context
// is built in and cannot be deleted (400 BadRequestData; the spec does not name an error). Errors
// are thrown as NgsiError for the broker's error handler.
// Access: serving one @context is public (clients and other brokers dereference its URL); listing
// and details need broker.read, adding broker.write, and deleting or reloading, as the contexts
// are shared by every tenant, broker.manage_tenants (the broker checks it on the prefecture).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { NgsiError } from '../errors.ts';
import { isCoreContextUrl } from './core-context.ts';
import { checkContextDocument, fetchContextDocument, hostedContextUrl, JSONLD_CONTEXTS_PATH } from './loader.ts';
import type { ContextResolver } from './resolver.ts';
import { CONTEXT_KINDS, type ContextKind, type ContextStore, type StoredContext } from './store.ts';

export interface JsonldContextsDeps {
  /** Unused directly (the store holds it); accepted so the broker can pass its usual deps. */
  db?: Kysely<any>;
  resolver: ContextResolver;
  store: ContextStore;
  /** The broker's public base URL, e.g. https://city.example (no trailing path). */
  publicUrl: string;
  /** The broker's body limit: an added @context may be no larger than it, nor than a fetched one. */
  bodyLimit?: number;
  /** Throws (401/403) unless the caller holds the permission; see the access rules above. */
  authorize: (request: FastifyRequest, permission: ContextPermission) => Promise<void>;
}

export type ContextPermission = 'broker.read' | 'broker.write' | 'broker.manage_tenants';

type Query = Record<string, string | undefined>;

function booleanParam(query: Query, name: string): boolean {
  const value = query[name];
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new NgsiError('BadRequestData', `The parameter ${name} must be true or false, not "${value}"`);
}

export function jsonldContextsRoutes(app: FastifyInstance, deps: JsonldContextsDeps): void {
  const { resolver, store } = deps;
  const hostedUrl = (id: string) => hostedContextUrl(deps.publicUrl, id);
  const urlOf = (entry: StoredContext) => (entry.kind === 'Cached' && entry.url ? entry.url : hostedUrl(entry.id));
  const details = (entry: StoredContext) => ({
    URL: urlOf(entry),
    localId: entry.id,
    kind: entry.kind,
    createdAt: entry.createdAt.toISOString(),
    ...(entry.kind === 'Cached'
      ? { expiresAt: new Date(entry.createdAt.getTime() + resolver.loader.options.ttlMs).toISOString() }
      : {}),
    ...(entry.lastUsedAt ? { lastUsage: entry.lastUsedAt.toISOString() } : {}),
    numberOfHits: entry.hits,
  });
  const forget = (entry: StoredContext) => {
    if (entry.url) resolver.forget(entry.url);
    resolver.forget(hostedUrl(entry.id));
    const own = resolver.loader.hostedUrl(entry.id);
    if (own) resolver.forget(own);
  };

  if (!app.hasContentTypeParser('application/ld+json')) {
    app.addContentTypeParser('application/ld+json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new NgsiError('InvalidRequest', 'The request body is not valid JSON'), undefined);
      }
    });
  }

  // A hosted @context may be no larger than one this broker would fetch (the loader's maxBytes,
  // 1 MiB by default), however large the entity body limit: every tenant's requests may name it.
  // A route's limit replaces the parser's, so a smaller broker limit is kept here too.
  const bodyLimit = Math.min(resolver.loader.options.maxBytes, deps.bodyLimit ?? Infinity);
  app.post(JSONLD_CONTEXTS_PATH, { bodyLimit }, async (request, reply) => {
    await deps.authorize(request, 'broker.write');
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || !('@context' in body)) {
      throw new NgsiError('BadRequestData', 'The body must be a JSON object with a top-level "@context" member');
    }
    const context = (body as { '@context': unknown })['@context'];
    await resolver.resolve(context as Parameters<ContextResolver['resolve']>[0]); // validates; throws NgsiError
    const entry = await store.createHosted({ '@context': context });
    return reply.code(201).header('location', `${JSONLD_CONTEXTS_PATH}/${encodeURIComponent(entry.id)}`).send();
  });

  app.get(JSONLD_CONTEXTS_PATH, async (request) => {
    await deps.authorize(request, 'broker.read');
    const query = request.query as Query;
    const wantDetails = booleanParam(query, 'details');
    const kind = query.kind;
    if (kind !== undefined && !CONTEXT_KINDS.includes(kind as ContextKind)) {
      throw new NgsiError('BadRequestData', `The parameter kind must be one of ${CONTEXT_KINDS.join(', ')}, not "${kind}"`);
    }
    const entries = await store.list(kind as ContextKind | undefined);
    return wantDetails ? entries.map(details) : entries.map(urlOf);
  });

  app.get(`${JSONLD_CONTEXTS_PATH}/:contextId`, async (request, reply) => {
    const { contextId } = request.params as { contextId: string };
    const wantDetails = booleanParam(request.query as Query, 'details');
    if (wantDetails) await deps.authorize(request, 'broker.read');
    const entry = await store.find(contextId);
    if (!entry) throw new NgsiError('ResourceNotFound', `No @context with id ${contextId} is stored`);
    void store.recordHit(entry.id).catch(() => {});
    if (wantDetails) return details(entry);
    if (entry.kind === 'Cached') {
      throw new NgsiError('OperationNotSupported', `The @context ${contextId} is a Cached copy of ${entry.url}; fetch it from there`);
    }
    return reply.type('application/ld+json').send(JSON.stringify(entry.body));
  });

  app.delete(`${JSONLD_CONTEXTS_PATH}/:contextId`, async (request, reply) => {
    const { contextId } = request.params as { contextId: string };
    const reload = booleanParam(request.query as Query, 'reload');
    await deps.authorize(request, 'broker.manage_tenants');
    if (!contextId) throw new NgsiError('BadRequestData', 'No @context identifier was given');
    if (isCoreContextUrl(contextId)) {
      throw new NgsiError('BadRequestData', 'The NGSI-LD core @context is built in and cannot be deleted or reloaded');
    }
    const entry = await store.find(contextId);
    if (!entry) throw new NgsiError('ResourceNotFound', `No @context with id ${contextId} is stored`);
    if (reload) {
      if (entry.kind !== 'Cached' || !entry.url) {
        throw new NgsiError('BadRequestData', `Only Cached @contexts can be reloaded; ${contextId} is ${entry.kind}`);
      }
      const url = entry.url;
      let document: unknown;
      try {
        document = await fetchContextDocument(url, resolver.loader.options);
        checkContextDocument(url, document);
        await resolver.resolve((document as { '@context': never })['@context']);
      } catch (error) {
        // Clause 5.13.5.4: a failed or invalid download is LdContextNotAvailable; the old copy stays.
        if (error instanceof NgsiError && error.type !== 'LdContextNotAvailable') {
          throw new NgsiError('LdContextNotAvailable', `The @context ${url} could not be reloaded: ${error.detail}`);
        }
        throw error;
      }
      await store.saveCached(url, document as Record<string, unknown>);
      forget(entry);
      return reply.code(204).send();
    }
    await store.delete(entry.id);
    forget(entry);
    return reply.code(204).send();
  });
}
