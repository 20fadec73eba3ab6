// The broker's JSON-LD @context layer: the built-in core context, term maps per request context,
// the remote context loader with its caches, the @context store and its HTTP API.
export { CORE_CONTEXT_DOCUMENT, CORE_CONTEXT_URL, DEFAULT_VOCAB, NGSI_LD_NAMESPACE, isCoreContextUrl } from './core-context.ts';
export { ContextLoader, fetchContextDocument, JSONLD_CONTEXTS_PATH, type ContextLoaderOptions } from './loader.ts';
export { jsonldMigrations } from './migrations.ts';
export { ContextResolver, ResolvedContext, canonicalJson, type ContextInput, type ContextResolverOptions } from './resolver.ts';
export { jsonldContextsRoutes, type JsonldContextsDeps } from './routes.ts';
export { ContextStore, CONTEXT_KINDS, type ContextKind, type StoredContext } from './store.ts';
export type { TermDefinition } from './term-map.ts';
