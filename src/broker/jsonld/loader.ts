// Loads the @context documents that clients name by URL. Order of lookup, cheapest first:
//   1. the core @context (any version alias): built in, never fetched;
//   2. a context hosted by this broker (`${publicUrl}/ngsi-ld/v1/jsonldContexts/{id}`): read from
//      the context store, never over HTTP (the broker would otherwise call itself);
//   3. the in-memory LRU (fresh for `ttlMs`, default 1 h);
//   4. the context store's "Cached" copy, if younger than `ttlMs` (shared by every broker process);
//   5. HTTP(S): timeout (default 5 s, for the whole exchange), size limit (default 1 MiB, the stream
//      is aborted beyond it), at most 3 redirects, http/https only. The result is kept in 3 and 4.
// If a refresh fails while a stale copy is at hand, the stale copy is used: a context host being
// down for a while should not fail every request that names its context.
// Failures to fetch are LdContextNotAvailable (504); a document that is not JSON, or not an object,
// is BadRequestData; a URL that is not http(s) is BadRequestData.
import { NgsiError } from '../errors.ts';
import { CORE_CONTEXT_DOCUMENT, isCoreContextUrl } from './core-context.ts';
import { LruCache } from './lru.ts';
import type { ContextStore } from './store.ts';
import { readLimited } from '../../platform/http/read-limited.ts';
import { OutboundRefused, type OutboundGuard } from '../../platform/outbound/outbound-guard.ts';

export const JSONLD_CONTEXTS_PATH = '/ngsi-ld/v1/jsonldContexts';

/** The URL at which a broker with this public URL serves the stored context `id` (Hosted, ImplicitlyCreated). */
export function hostedContextUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${JSONLD_CONTEXTS_PATH}/${encodeURIComponent(id)}`;
}

export interface ContextLoaderOptions {
  /** Whole-exchange timeout per fetch (connect, redirects, body). Default 5000 ms. */
  timeoutMs?: number;
  /** Largest accepted body. Default 1 MiB. */
  maxBytes?: number;
  /** Redirects followed per fetch. Default 3. */
  maxRedirects?: number;
  /** How long a fetched context is used before it is fetched again. Default 1 h. */
  ttlMs?: number;
  /** In-memory documents kept. Default 500. */
  cacheSize?: number;
  /** Extra policy on which URLs may be fetched (e.g. refuse private networks). Default: all http(s). */
  allowUrl?: (url: URL) => boolean;
  /** The platform's check of client-named URLs; each hop is fetched through it. Default: none. */
  outbound?: OutboundGuard | undefined;
}

/** A loaded @context document: the parsed JSON (normally `{ "@context": … }`). */
export interface LoadedDocument {
  document: unknown;
  /** Where it came from, for tests and logs. */
  source: 'core' | 'hosted' | 'memory' | 'store' | 'network' | 'stale';
}

interface CachedDocument {
  document: unknown;
  fetchedAt: number;
  hosted: boolean;
}

function notAvailable(url: string, reason: string): NgsiError {
  return new NgsiError('LdContextNotAvailable', `The @context ${url} could not be fetched: ${reason}`);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Parses and checks a URL named as a @context: absolute, http or https. */
export function contextUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NgsiError('BadRequestData', `The @context URL "${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NgsiError('BadRequestData', `The @context URL "${raw}" is not an http or https URL`);
  }
  return url;
}

function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return true; // judge by the body
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  // application/ld+json and application/json are what we ask for; raw file hosts (text/plain,
  // application/octet-stream) are common for .jsonld files, so those are judged by the body too.
  return (
    type === 'application/ld+json' ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'text/plain' ||
    type === 'application/octet-stream'
  );
}

/**
 * Fetches one @context document over HTTP(S) with the limits above. No caching. Throws NgsiError.
 */
export async function fetchContextDocument(raw: string, options: ContextLoaderOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  let url = contextUrl(raw);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      if (options.allowUrl && !options.allowUrl(url)) throw notAvailable(raw, `fetching ${url.href} is not allowed`);
      const response = await (options.outbound ? options.outbound.fetch.bind(options.outbound) : fetch)(url, {
        redirect: 'manual',
        signal: controller.signal,
        headers: { accept: 'application/ld+json, application/json;q=0.9' },
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => {});
        const location = response.headers.get('location');
        if (!location) throw notAvailable(raw, `the server answered ${response.status} without a Location`);
        if (redirects >= maxRedirects) throw notAvailable(raw, `more than ${maxRedirects} redirects`);
        try {
          url = new URL(location, url);
        } catch {
          throw notAvailable(raw, `the server redirected to an invalid URL "${location}"`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          throw notAvailable(raw, `the server redirected to a non-http(s) URL ${url.href}`);
        }
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw notAvailable(raw, `the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      }
      const contentType = response.headers.get('content-type');
      if (!isJsonContentType(contentType)) {
        await response.body?.cancel().catch(() => {});
        throw notAvailable(raw, `the server answered with ${contentType}, not application/ld+json or application/json`);
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw notAvailable(raw, `the document is larger than ${maxBytes} bytes`);
      }
      const text = await readLimited(response, maxBytes, () => notAvailable(raw, `the document is larger than ${maxBytes} bytes`));
      try {
        return JSON.parse(text);
      } catch {
        throw new NgsiError('BadRequestData', `The @context ${raw} is not a valid JSON document`);
      }
    }
  } catch (error) {
    if (error instanceof NgsiError) throw error;
    // A refused address is the client's mistake (or attempt), not an unavailable context.
    if (error instanceof OutboundRefused) throw new NgsiError('BadRequestData', `The @context ${raw} may not be fetched: ${error.reason} (see TSUNAGU_OUTBOUND_ALLOW)`);
    if (controller.signal.aborted) throw notAvailable(raw, `timed out after ${seconds(timeoutMs)}`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw notAvailable(raw, cause?.code ?? cause?.message ?? (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

export interface ContextLoaderDeps {
  /** Where Cached copies are shared and Hosted contexts live. Optional (tests, tools). */
  store?: ContextStore | undefined;
  /** This broker's public base URL, to recognise URLs of contexts it hosts. */
  publicUrl?: string | undefined;
}

/** Loads @context documents by URL, with the caches and limits described at the top of this file. */
export class ContextLoader {
  readonly options: Required<Omit<ContextLoaderOptions, 'allowUrl' | 'outbound'>> & Pick<ContextLoaderOptions, 'allowUrl' | 'outbound'>;
  private readonly memory: LruCache<string, CachedDocument>;
  private readonly inFlight = new Map<string, Promise<LoadedDocument>>();
  private readonly hostedPrefix: string | undefined;

  constructor(
    options: ContextLoaderOptions = {},
    private readonly deps: ContextLoaderDeps = {},
  ) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 5000,
      maxBytes: options.maxBytes ?? 1024 * 1024,
      maxRedirects: options.maxRedirects ?? 3,
      ttlMs: options.ttlMs ?? 60 * 60 * 1000,
      cacheSize: options.cacheSize ?? 500,
      allowUrl: options.allowUrl,
      outbound: options.outbound,
    };
    this.memory = new LruCache(this.options.cacheSize);
    this.hostedPrefix = deps.publicUrl ? `${deps.publicUrl.replace(/\/+$/, '')}${JSONLD_CONTEXTS_PATH}/` : undefined;
  }

  /** The store id when `url` names a context this broker hosts, else undefined. */
  hostedId(url: string): string | undefined {
    if (!this.hostedPrefix || !url.startsWith(this.hostedPrefix)) return undefined;
    const rest = url.slice(this.hostedPrefix.length).split(/[?#]/)[0]!;
    return rest ? decodeURIComponent(rest) : undefined;
  }

  /** The URL at which this broker serves the hosted context `id` (undefined without publicUrl). */
  hostedUrl(id: string): string | undefined {
    return this.hostedPrefix ? `${this.hostedPrefix}${encodeURIComponent(id)}` : undefined;
  }

  async load(url: string): Promise<LoadedDocument> {
    if (isCoreContextUrl(url)) return { document: CORE_CONTEXT_DOCUMENT, source: 'core' };
    const now = Date.now();
    const cached = this.memory.get(url, now);
    if (cached && (cached.hosted || now - cached.fetchedAt < this.options.ttlMs)) {
      return { document: cached.document, source: 'memory' };
    }
    let pending = this.inFlight.get(url);
    if (!pending) {
      pending = this.loadUncached(url).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, pending);
    }
    return pending;
  }

  /** Drops `url` from the in-memory cache (after a delete or reload through the API). */
  forget(url: string): void {
    this.memory.delete(url);
  }

  /** Fetches `url` over the network now, bypassing every cache, and caches the result. */
  async refetch(url: string): Promise<unknown> {
    const document = await fetchContextDocument(url, this.options);
    checkContextDocument(url, document);
    this.memory.set(url, { document, fetchedAt: Date.now(), hosted: false });
    return document;
  }

  private async loadUncached(url: string): Promise<LoadedDocument> {
    const hostedId = this.hostedId(url);
    if (hostedId !== undefined) {
      const entry = this.deps.store ? await this.deps.store.get(hostedId) : undefined;
      if (!entry) throw notAvailable(url, 'this broker hosts no @context with that id');
      void this.deps.store!.recordHit(entry.id).catch(() => {});
      this.memory.set(url, { document: entry.body, fetchedAt: Date.now(), hosted: true });
      return { document: entry.body, source: 'hosted' };
    }
    contextUrl(url); // refuse non-http(s) before looking anywhere else
    const store = this.deps.store;
    const stored = store ? await store.getByUrl(url).catch(() => undefined) : undefined;
    if (stored && Date.now() - stored.createdAt.getTime() < this.options.ttlMs) {
      void store!.recordHit(stored.id).catch(() => {});
      this.memory.set(url, { document: stored.body, fetchedAt: stored.createdAt.getTime(), hosted: false });
      return { document: stored.body, source: 'store' };
    }
    let document: unknown;
    try {
      document = await fetchContextDocument(url, this.options);
      checkContextDocument(url, document);
    } catch (error) {
      const stale = this.memory.peekStale(url)?.document ?? stored?.body;
      if (stale !== undefined && error instanceof NgsiError && error.type === 'LdContextNotAvailable') {
        return { document: stale, source: 'stale' };
      }
      throw error;
    }
    this.memory.set(url, { document, fetchedAt: Date.now(), hosted: false });
    if (store) await store.saveCached(url, document as Record<string, unknown>).catch(() => {});
    return { document, source: 'network' };
  }
}

/** A remote @context document must be a JSON object (normally with a top-level "@context"). */
export function checkContextDocument(url: string, document: unknown): void {
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new NgsiError('BadRequestData', `The @context ${url} is not a JSON object`);
  }
  if (!('@context' in document)) {
    throw new NgsiError('BadRequestData', `The @context ${url} has no top-level "@context" member`);
  }
}
