// Turns the @context of a request (Link header URL, inline "@context" member, or none) into a
// ResolvedContext: the term map used to expand and compact names, plus what to echo back.
//
// Each distinct context is processed once: its remote documents are loaded (loader.ts, with a depth
// and count limit), jsonld.js runs the JSON-LD 1.1 context processing algorithm on them (so @vocab,
// prefixes, @id/@type term definitions, @protected, @import are all handled by the reference
// implementation), and the result is flattened into Maps (term-map.ts) and kept in an LRU keyed by
// the context's canonical JSON. Requests then only do Map lookups.
//
// Rules from the spec applied here:
// - The core @context is implicit and always wins (clauses 4.4, 5.5.7): user contexts are processed
//   without it (any core URL inside them loads as an empty context) and the core terms are laid
//   over the result, so a user context can neither redefine a core term nor trip over the core's
//   @protected flag by naming the core context first.
// - User contexts shall not contain scoped contexts (clause 5.5.7): BadRequestData.
// - Processing starts from an active context whose @vocab is the core's default vocabulary, so a
//   user term defined relative to @vocab ("Vehicle": {"@type": "@id"}) expands as it would with the
//   core context in place.
import jsonld, { type JsonLdActiveContext, type JsonLdRemoteDocument } from 'jsonld';
import { NgsiError } from '../errors.ts';
import { CORE_CONTEXT_DOCUMENT, CORE_CONTEXT_URL, DEFAULT_VOCAB, isCoreContextUrl } from './core-context.ts';
import { ContextLoader, type ContextLoaderOptions } from './loader.ts';
import { LruCache } from './lru.ts';
import type { ContextStore } from './store.ts';
import { CombinedTermMap, termMapFromActiveContext, type TermDefinition, type TermMap } from './term-map.ts';

type ContextObject = Record<string, unknown>;
/** A request's @context as the client gave it: URL, object, array of those, or nothing. */
export type ContextInput = string | ContextObject | Array<string | ContextObject | null> | null | undefined;

export interface ContextResolverOptions extends ContextLoaderOptions {
  /** Where Cached copies are shared and Hosted contexts live. */
  store?: ContextStore | undefined;
  /** This broker's public base URL (hosted contexts are resolved locally under it). */
  publicUrl?: string | undefined;
  /** Processed contexts kept in memory. Default 1000. */
  termMapCacheSize?: number;
  /** How deep remote contexts may import other remote contexts. Default 5. */
  maxDepth?: number;
  /** Remote context URLs one context may pull in, all levels together. Default 10. */
  maxUrls?: number;
}

/** A request's @context, resolved. Cheap to use per request: every method is a Map lookup. */
export class ResolvedContext {
  constructor(
    /** Stable cache key: canonical JSON of the context as given ("core" when none). */
    readonly key: string,
    /**
     * What to send back: the client's context as given (a URL, an array, an object), or the core
     * context URL when the request had none. A string can go in a Link header as is.
     */
    readonly contextForResponse: string | ContextObject | Array<string | ContextObject | null>,
    private readonly map: CombinedTermMap,
    /** Remote and hosted URLs this context was built from. */
    readonly urls: ReadonlySet<string>,
  ) {}

  /** Attribute or type name → IRI (core terms first; then the user's; then @vocab). */
  expandTerm(term: string): string {
    return this.map.expandTerm(term);
  }

  /** IRI → attribute or type name: a term, a vocab-relative name, "prefix:suffix", or the IRI. */
  compactIri(iri: string): string {
    return this.map.compactIri(iri);
  }

  /** The value of `term` (e.g. the "vocab" member of a VocabProperty): expanded if the term is @type @vocab. */
  expandValue(term: string, value: string): string {
    return this.map.expandValue(term, value);
  }

  /** The inverse of expandValue (`term` is the compacted name). */
  compactValue(term: string, value: string): string {
    return this.map.compactValue(term, value);
  }

  /** The term's definition (IRI, @type, @container), if the context defines it. */
  definition(term: string): TermDefinition | undefined {
    return this.map.definition(term);
  }

  /** The @vocab undefined terms expand under. */
  get vocab(): string {
    return this.map.vocab;
  }
}

interface Built {
  map: CombinedTermMap;
  urls: Set<string>;
  /** Depends on a document fetched from elsewhere, so it expires with the loader's TTL. */
  remote: boolean;
}

/** Canonical JSON (object keys sorted), for cache keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as ContextObject)[k])}`).join(',')}}`;
}

function isObject(value: unknown): value is ContextObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonLdErrorDetail(error: unknown): string {
  const e = error as { message?: string; details?: { code?: string }; cause?: unknown };
  if (e?.cause instanceof NgsiError) throw e.cause;
  const code = e?.details?.code;
  return code ? `${code} (${e.message})` : String(e?.message ?? error);
}

let corePromise: Promise<{ core: TermMap; base: JsonLdActiveContext }> | undefined;

/** The core term map and the starting active context for user contexts, computed once. */
function coreTerms(): Promise<{ core: TermMap; base: JsonLdActiveContext }> {
  corePromise ??= (async () => {
    const initial = await jsonld.processContext(null, null);
    // The scoped context of "ngsildproof" imports the W3C data-integrity context by URL. Term maps
    // never use scoped contexts, so it is left out rather than fetched.
    const document = structuredClone(CORE_CONTEXT_DOCUMENT) as { '@context': ContextObject };
    delete (document['@context'].ngsildproof as ContextObject)['@context'];
    const noRemote = async (url: string): Promise<JsonLdRemoteDocument> => {
      throw new Error(`the core @context does not load ${url}`);
    };
    const core = termMapFromActiveContext(await jsonld.processContext(initial, document, { documentLoader: noRemote }));
    const base = await jsonld.processContext(initial, { '@vocab': DEFAULT_VOCAB }, { documentLoader: noRemote });
    return { core, base };
  })();
  return corePromise;
}

export class ContextResolver {
  readonly loader: ContextLoader;
  private readonly maxDepth: number;
  private readonly maxUrls: number;
  private readonly ttlMs: number;
  /** User-part key → built term map. */
  private readonly built: LruCache<string, Built>;
  /** Input key → ResolvedContext. */
  private readonly resolved: LruCache<string, ResolvedContext>;
  private readonly inFlight = new Map<string, Promise<Built>>();

  constructor(options: ContextResolverOptions = {}) {
    this.loader = new ContextLoader(options, { store: options.store, publicUrl: options.publicUrl });
    this.maxDepth = options.maxDepth ?? 5;
    this.maxUrls = options.maxUrls ?? 10;
    this.ttlMs = this.loader.options.ttlMs;
    const size = options.termMapCacheSize ?? 1000;
    this.built = new LruCache(size);
    this.resolved = new LruCache(size);
  }

  /** The core context alone (requests without a user @context). */
  core(): Promise<ResolvedContext> {
    return this.resolve(undefined);
  }

  /**
   * Resolves a request's @context. Throws NgsiError: BadRequestData for a malformed context,
   * LdContextNotAvailable when a remote context cannot be fetched.
   */
  async resolve(context: ContextInput): Promise<ResolvedContext> {
    const parts = toParts(context);
    const key = parts.length === 0 ? 'core' : canonicalJson(parts.length === 1 ? parts[0] : parts);
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const userParts = parts.filter((p) => !(typeof p === 'string' && isCoreContextUrl(p)));
    const userKey = userParts.length === 0 ? 'core' : canonicalJson(userParts);
    const built = await this.build(userKey, userParts);
    const raced = this.resolved.get(key); // a concurrent resolve of the same context finished first
    if (raced) return raced;
    const forResponse = parts.length === 0 ? CORE_CONTEXT_URL : parts.length === 1 ? (parts[0] ?? CORE_CONTEXT_URL) : parts;
    const result = new ResolvedContext(key, forResponse, built.map, built.urls);
    this.resolved.set(key, result, built.remote ? this.ttlMs : Infinity);
    return result;
  }

  /** Forgets every cached document and term map built from `url` (after delete or reload). */
  forget(url: string): void {
    this.loader.forget(url);
    this.built.deleteWhere((b) => b.urls.has(url));
    this.resolved.deleteWhere((r) => r.urls.has(url));
  }

  private async build(userKey: string, userParts: Array<string | ContextObject | null>): Promise<Built> {
    const cached = this.built.get(userKey);
    if (cached) return cached;
    let pending = this.inFlight.get(userKey);
    if (!pending) {
      pending = this.process(userParts)
        .then((built) => {
          this.built.set(userKey, built, built.remote ? this.ttlMs : Infinity);
          return built;
        })
        .finally(() => this.inFlight.delete(userKey));
      this.inFlight.set(userKey, pending);
    }
    return pending;
  }

  private async process(userParts: Array<string | ContextObject | null>): Promise<Built> {
    const { core, base } = await coreTerms();
    if (userParts.length === 0) return { map: new CombinedTermMap(core, undefined, DEFAULT_VOCAB), urls: new Set(), remote: false };

    const documents = new Map<string, unknown>();
    const state = { remote: false };
    await this.collect(userParts, undefined, 0, documents, state);

    const documentLoader = async (url: string): Promise<JsonLdRemoteDocument> => {
      if (isCoreContextUrl(url)) return { contextUrl: null, documentUrl: url, document: { '@context': {} } };
      const document = documents.get(url);
      if (document === undefined) throw new NgsiError('BadRequestData', `The @context URL "${url}" could not be resolved`);
      // jsonld.js rewrites relative URLs inside the document in place: give it a copy. It resolves a
      // relative @import against the top-level base, not the document's URL, so do that here.
      const copy = structuredClone(document) as ContextObject;
      for (const part of Array.isArray(copy['@context']) ? copy['@context'] : [copy['@context']]) {
        if (isObject(part) && typeof part['@import'] === 'string') part['@import'] = resolveUrl(part['@import'], url);
      }
      return { contextUrl: null, documentUrl: url, document: copy };
    };
    let active: JsonLdActiveContext;
    try {
      active = await jsonld.processContext(base, { '@context': userParts }, { documentLoader });
    } catch (error) {
      throw new NgsiError('BadRequestData', `The @context is not a valid JSON-LD context: ${jsonLdErrorDetail(error)}`);
    }
    const user = termMapFromActiveContext(active);
    return { map: new CombinedTermMap(core, user, DEFAULT_VOCAB), urls: new Set(documents.keys()), remote: state.remote };
  }

  /** Loads every remote document the context names, level by level, checking the limits. */
  private async collect(
    context: unknown,
    base: string | undefined,
    depth: number,
    documents: Map<string, unknown>,
    state: { remote: boolean },
  ): Promise<void> {
    const items = Array.isArray(context) ? context : [context];
    const nested: Array<Promise<void>> = [];
    for (const item of items) {
      if (item === null) continue;
      if (typeof item === 'string') {
        const url = base ? resolveUrl(item, base) : item;
        if (isCoreContextUrl(url) || documents.has(url)) continue;
        nested.push(this.collectUrl(url, depth, documents, state));
      } else if (isObject(item)) {
        for (const [term, definition] of Object.entries(item)) {
          if (term === '@import') {
            if (typeof definition !== 'string') throw new NgsiError('BadRequestData', 'The @context has an @import that is not a URL');
            const url = base ? resolveUrl(definition, base) : definition;
            if (!isCoreContextUrl(url) && !documents.has(url)) nested.push(this.collectUrl(url, depth, documents, state));
          } else if (isObject(definition) && '@context' in definition) {
            throw new NgsiError(
              'BadRequestData',
              `The @context defines "${term}" with a scoped @context, which user @contexts shall not contain (ETSI GS CIM 009 clause 5.5.7)`,
            );
          }
        }
      } else {
        throw new NgsiError('BadRequestData', `The @context contains ${JSON.stringify(item)}, which is neither a URL nor an object`);
      }
    }
    await Promise.all(nested);
  }

  private async collectUrl(url: string, depth: number, documents: Map<string, unknown>, state: { remote: boolean }): Promise<void> {
    if (depth >= this.maxDepth) {
      throw new NgsiError('BadRequestData', `The @context nests remote @contexts more than ${this.maxDepth} levels deep (at ${url})`);
    }
    if (documents.size >= this.maxUrls) {
      throw new NgsiError('BadRequestData', `The @context refers to more than ${this.maxUrls} remote @contexts`);
    }
    documents.set(url, null); // reserve, so siblings and cycles do not load it twice
    const loaded = await this.loader.load(url);
    documents.set(url, loaded.document);
    if (loaded.source !== 'hosted' && this.loader.hostedId(url) === undefined) state.remote = true;
    await this.collect((loaded.document as ContextObject)['@context'], url, depth + 1, documents, state);
  }
}

function resolveUrl(ref: string, base: string): string {
  try {
    return new URL(ref, base).href;
  } catch {
    return ref;
  }
}

/** The context as a list of parts, checking its shape. */
function toParts(context: ContextInput): Array<string | ContextObject | null> {
  if (context === undefined || context === null) return [];
  const list = Array.isArray(context) ? context : [context];
  for (const part of list) {
    if (part !== null && typeof part !== 'string' && !isObject(part)) {
      throw new NgsiError('BadRequestData', `The @context contains ${JSON.stringify(part)}, which is neither a URL nor an object`);
    }
  }
  return list;
}
