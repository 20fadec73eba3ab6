// Distributed Query Entities and Retrieve Entity (clauses 4.3.6, 5.7.1.4, 5.7.2.4): データ分散方式.
// A municipality keeps its data in its own broker and registers it here; a query on this broker
// is forwarded to every registered source whose registration matches, and the answers are
// merged with the local entities by id.
//
// How a request is forwarded:
// - GET {endpoint}/ngsi-ld/v1/entities?… (or /entities/{id}), with names re-compacted with the
//   core @context and no Link header: names from the default vocabulary become short names and
//   every other name travels as its full IRI, so the source needs no access to the requester's
//   @context (which may be private, or hosted on this broker). If the registration's
//   contextSourceInfo has "jsonldContext", names are compacted with that @context instead and
//   it is sent in a Link header (clause 4.3.6.6). `q` is rewritten name by name.
// - The request respects the registration (clause 4.3.6.1): types are narrowed to the
//   registered types, ids to the registered ids, attrs to the registered attribute names, and the
//   answer is filtered again here, so a source cannot contribute more than it registered.
// - local=true (clause 5.5.13) unless management.localOnly is explicitly false; a Via header
//   names every broker the request passed through, and a request that already passed this
//   broker, or more than maxHops brokers, is not forwarded again (clause 4.3.6.4).
// - NGSILD-Tenant is the registration's `tenant`; contextSourceInfo pairs are sent as headers,
//   "urn:ngsi-ld:request" taking the value from the triggering request (clause 4.3.6.5).
// - Each source gets management.timeout ms (default 5 s) and at most maxResponseBytes of answer;
//   redirects are not followed. A source that fails, times out, answers too much or answers
//   something that is not NGSI-LD is skipped: the query answers with what the others gave
//   (partial results, clause 4.3.6.1), a warning is logged and the registration's status,
//   timesFailed and lastFailure record it (Table 5.2.9-2). management.cooldown ms after a failure
//   the source is not asked at all.
// - Answers are expanded with the @context the source names (its Link header, or the inline
//   @context of application/ld+json) and merged (mergeEntities): attributes are unioned; an
//   instance given by both (same attribute and datasetId) is the one with the later observedAt,
//   then modifiedAt (clause 4.5.5.3), the local one on a tie; attributes of an exclusive
//   registration come only from the source; auxiliary sources only add attributes nobody else
//   gave (clause 4.3.6.2).
//
// Paging: each source is asked for offset+limit entities from offset 0 (in pages of 1,000), the
// union is sorted by id and the page cut from it, so pages are exact when every source sorts by
// id (as Tsunagu does). offset+limit may reach MERGED_WINDOW (10,000); beyond, TooManyResults.
// Counts add up the sources' counts minus the overlaps seen, so they are exact only when the
// overlaps fit in the window. No EntityMaps.
import type { FastifyRequest } from 'fastify';
import type { BrokerServices } from '../http/broker-services.ts';
import { NgsiError } from '../errors.ts';
import { JSONLD_CONTEXT_REL, type ResolvedTerms } from '../http/ngsi-http.ts';
import { assertEntityId, convertEntity, type TermMap } from '../entities/entity-input.ts';
import { matchingIds, MAX_LIMIT, queryEntities, type EntityQuery, type QueryResult } from '../entities/entity-query.ts';
import type { StoredAttribute, StoredEntity } from '../entities/stored-entity.ts';
import { expandTypeSelector, parseTypeSelector, type TypeSelector } from '../entities/type-selector.ts';
import { CORE_CONTEXT_URL, isCoreContextUrl } from '../jsonld/core-context.ts';
import { filterMerged, partsQuery, selectionOnly } from './split-entities.ts';
import { formatQ, qAttributes, type QAttributePath, type QExpression } from '../query/q-language.ts';
import {
  FROM_REQUEST,
  idMatches,
  isTemporal,
  keepsHistory,
  keepCovered,
  overlapsTimeQuery,
  matchingInformation,
  offers,
  registeredNames,
  type Registration,
  type RegistrationFilter,
  type RegistrationMode,
  type StoredRegistration,
  type StoredRegistrationInfo,
} from './registration.ts';
import { RegistrationStore } from './registration-store.ts';
import { sourceError } from './distributed-batch.ts';
import type { BatchError } from '../entities/entity-service.ts';
import { filterByCsf } from './csf.ts';
import type { Kysely } from 'kysely';
import { isPersonal } from '../personal/personal-types.ts';
import { isOpen } from '../open-data/open-data-types.ts';
import { StaleTenantVersion, tenantVersion, VersionedCache } from '../tenant-state.ts';
import { readLimited } from '../../platform/http/read-limited.ts';
import type { TimeProperty, TimeQuery } from '../temporal/temporal-store.ts';

export interface FederationOptions {
  /** Per-source time limit when the registration gives no management.timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest answer read from one source. Default 16 MiB. */
  maxResponseBytes?: number;
  /** Brokers a request may have passed (Via entries) and still be forwarded. Default 4. */
  maxHops?: number;
  /** For tests. */
  fetch?: typeof fetch;
}

/** An entity as one source gave it, expanded, with what the merge needs to know. */
export interface RemoteEntity {
  entity: StoredEntity;
  mode: RegistrationMode;
  registration: string;
  /** Exclusive mode: the attributes only the source may give. */
  registeredAttrs?: Set<string> | undefined;
}

export interface FederatedResult extends QueryResult {
  /** One line per source that did not answer (for an NGSILD-Warning-style header, if wanted). */
  warnings: string[];
}

/**
 * Who a request to a source is made for: the client's request, or (in a background job) just a
 * logger and no headers, so contextSourceInfo values taken from the request are left out.
 */
export type Requester = Pick<FastifyRequest, 'headers' | 'log'>;

export interface Target {
  reg: StoredRegistration;
  info: StoredRegistrationInfo[];
}

interface SourceAnswer {
  entities: RemoteEntity[];
  total?: number | undefined;
  /** How many entities the source sent (before the registration's narrowing). */
  read?: number | undefined;
  /** Whether the source's list was read to its end (inPages). */
  complete?: boolean | undefined;
  /** The location of the EntityMap the source answered with, if any. */
  entityMap?: string | undefined;
}

/** The errors of a source's BatchOperationResult (a 207), each named with the registration. */
function batchErrors(reg: StoredRegistration, text: string): BatchError[] {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ entityId?: unknown; error?: { type?: unknown; detail?: unknown } }> };
    const listed = (body.errors ?? []).filter((e) => typeof e.entityId === 'string');
    if (listed.length) {
      return listed.map((e) => ({ entityId: e.entityId as string, error: sourceError(reg, 400, JSON.stringify(e.error ?? {})) }));
    }
  } catch {
    // Not a BatchOperationResult: reported as the source's failure below.
  }
  return [{ entityId: reg.id, error: sourceError(reg, 207, text) }];
}

/** An id a source's EntityMap may contribute: an entity id this broker could store and forward. */
function validSourceId(id: string): boolean {
  try {
    assertEntityId(id);
    return !/[\u0000-\u001f\u007f]/.test(id);
  } catch {
    return false;
  }
}

type Raw = Record<string, unknown>;

/** An EntityMap in use for a retrieve (clause 5.7.1.4): the registrations it names, and their maps. */
export interface MapUse {
  only: ReadonlySet<string>;
  linkedMaps: Record<string, string>;
}

const CORE_ONLY = undefined;

/** The most entities of a merged query answer paged through: offset + limit at most this. */
export const MERGED_WINDOW = 10 * MAX_LIMIT;

/**
 * Requests one paged read may send beyond the full pages its window needs: a source that sends
 * few entities a page, or claims more than it has, is not followed for ever.
 */
const SPARE_PAGES = 100;

/**
 * The first `window` items of a paged list, read `MAX_LIMIT` at a time; `total` from the first
 * page. Each page starts where the last one's items (`sent`: what the page held before any
 * filtering, `items` otherwise) ended, so a source that answers fewer than asked (its own page
 * cap) is read on while its total says there are more. `complete`: the list ended (a short or
 * empty page, or the total reached), rather than the window, the page budget or `maxTotal` (a
 * first total above it stops the reading at once) cutting it short. A window of 0 asks only
 * for the total.
 */
export async function inPages<T>(window: number, page: (offset: number, limit: number) => Promise<{ items: T[]; total?: number | undefined; sent?: number }>, options: { maxTotal?: number } = {}): Promise<{ items: T[]; total: number | undefined; read: number; complete: boolean }> {
  // Only a count is wanted (limit=0): one request, for the total.
  if (window <= 0) {
    const answer = await page(0, 0);
    return { items: answer.items, total: answer.total, read: 0, complete: answer.total === undefined || answer.total === 0 };
  }
  const items: T[] = [];
  let total: number | undefined;
  let offset = 0;
  const maxPages = Math.ceil(window / MAX_LIMIT) + SPARE_PAGES;
  for (let pages = 0; offset < window && pages < maxPages; pages++) {
    const limit = Math.min(MAX_LIMIT, window - offset);
    const answer = await page(offset, limit);
    items.push(...answer.items);
    if (pages === 0) total = answer.total;
    const sent = answer.sent ?? answer.items.length;
    offset += sent;
    if (sent === 0 || (sent < limit && (total === undefined || offset >= total))) return { items, total, read: offset, complete: true };
    if (pages === 0 && options.maxTotal !== undefined && total !== undefined && total > options.maxTotal) break;
  }
  return { items, total, read: offset, complete: total !== undefined && offset >= total };
}

/** The warning for a source whose list a paged read could not follow to its end. */
function cutShort(reg: StoredRegistration, answer: { read?: number | undefined; total?: number | undefined }): string {
  return `${reg.endpoint} (${reg.id}): sends so few entities a request that only ${answer.read ?? 0}${answer.total !== undefined ? ` of its ${answer.total}` : ''} were read; the rest are left out`;
}

/** Members of contextSourceInfo with a meaning of their own (clause 4.3.6.6), not sent as headers. */
const SPECIAL_KEYS = new Set(['accept', 'contenttype', 'jsonldcontext', 'ngsildconformance']);

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `<url>; rel="http://www.w3.org/ns/json-ld#context"` from a Link header, if any. */
export function linkedContext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && match[2]!.includes(JSONLD_CONTEXT_REL)) return match[1];
  }
  return undefined;
}

export function formatSelector(selector: TypeSelector, compact: (iri: string) => string, nested = false): string {
  if (selector.kind === 'type') return compact(selector.name);
  const text = selector.items.map((s) => formatSelector(s, compact, true)).join(selector.kind === 'and' ? ';' : ',');
  return nested ? `(${text})` : text;
}

function plainTypes(selector: TypeSelector): string[] | undefined {
  if (selector.kind === 'type') return [selector.name];
  if (selector.kind === 'or' && selector.items.every((s) => s.kind === 'type')) return selector.items.map((s) => (s as { name: string }).name);
  return undefined;
}

/** Every name in a q path (attributes, sub-attributes, meta members). */
function qAttributeNames(ast: QExpression): string[] {
  if (ast.kind !== 'term') return ast.operands.flatMap(qAttributeNames);
  const names: string[] = [];
  for (let path: QAttributePath | undefined = ast.path; path; path = path.link?.path) names.push(...path.names, ...(path.link?.types ?? []));
  return names;
}

/** The requester's @context as one URL (what a Link header can carry), unless it is the core. */
function contextUrl(terms: ResolvedTerms): string | undefined {
  const context = terms.contextForResponse;
  const url = typeof context === 'string' ? context : Array.isArray(context) && context.length === 1 && typeof context[0] === 'string' ? context[0] : undefined;
  return url && !isCoreContextUrl(url) ? url : undefined;
}

function renamePath(path: QAttributePath, rename: (name: string) => string): QAttributePath {
  const out: QAttributePath = { ...path, names: path.names.map(rename) };
  if (path.link) out.link = { ...(path.link.types ? { types: path.link.types.map(rename) } : {}), path: renamePath(path.link.path, rename) };
  return out;
}

/** The received-by names of the request's Via header (RFC 9110: "1.1 name, 1.1 other"). */
function viaHops(request: FastifyRequest): string[] {
  const via = request.headers.via;
  if (!via) return [];
  return (Array.isArray(via) ? via.join(',') : via).split(',').map((h) => h.trim()).filter(Boolean).map((h) => h.split(/\s+/)[1] ?? h);
}

function renameQ(ast: QExpression, rename: (name: string) => string): QExpression {
  if (ast.kind === 'term') return { ...ast, path: renamePath(ast.path, rename) };
  return { ...ast, operands: ast.operands.map((o) => renameQ(o, rename)) };
}


/**
 * Whether a source's entity may be shown to the query's reader: never one of the tenant's
 * personal types, and for an anonymous open-data read only the open types.
 */
export function shownTo(query: Pick<EntityQuery, 'excludeTypes' | 'onlyTypes'>): (remote: RemoteEntity) => boolean {
  const excluded = query.excludeTypes ?? [];
  const only = query.onlyTypes;
  return (r) => !isPersonal(excluded, r.entity.types) && (!only || isOpen(only, r.entity.types));
}

/** The attribute names a query refers to (attrs, q, geoproperty), expanded. */
export function queryFilter(query: EntityQuery): RegistrationFilter {
  const attrs = [...(query.attrs ?? [])];
  if (query.q) attrs.push(...qAttributes(query.q).map((a) => query.expand(a)));
  if (query.geo) attrs.push(query.geo.geoproperty);
  return { selector: query.types, ids: query.ids, idPattern: query.idPattern, attrs: attrs.length ? [...new Set(attrs)] : undefined, csf: query.csf };
}

/**
 * How this broker names itself in the Via header of what it forwards: the host of the platform's
 * public URL. GET /info/sourceIdentity answers it as contextSourceAlias (http/info-routes.ts).
 */
export function brokerAlias(publicUrl: string): string {
  return new URL(publicUrl).host;
}

export class Federation {
  readonly registrations: RegistrationStore;
  /** How this broker names itself in Via headers. */
  readonly alias: string;
  readonly #ownOrigin: string;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxHops: number;
  readonly #fetch: typeof fetch;
  /** Whether a tenant has any registration, per tenant version (tenant-state.ts). */
  readonly #hasRegistrations = new VersionedCache<boolean>();

  constructor(private readonly services: BrokerServices, options: FederationOptions = {}) {
    this.registrations = new RegistrationStore(services.ctx.db);
    this.alias = brokerAlias(services.ctx.config.publicUrl);
    this.#ownOrigin = new URL(services.ctx.config.publicUrl).origin;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    this.#maxHops = options.maxHops ?? 4;
    // Sources are named by registrants: connections go only to addresses the platform allows.
    this.#fetch = options.fetch ?? ((url, init) => services.ctx.outbound.fetch(url as string, init));
  }

  /**
   * Query Entities over this broker and its registered sources: a drop-in for
   * `queryEntities(db, entityQuery)` in the Query Entities handler. With local=true, or when no
   * registration matches, it is exactly the local query.
   */
  async queryEntities(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest): Promise<FederatedResult> {
    const db = this.services.ctx.db;
    // Split entities: a source holding any part of the selected entities is asked, whatever it holds.
    const filter = queryFilter(query.split ? selectionOnly(query) : query);
    const skipped: string[] = [];
    const targets = query.limit <= MAX_LIMIT && this.forwardsQuery(query, request) ? await this.targets(query.tenant, filter, 'queryEntity', query.tenantVersion, request, skipped) : [];
    if (targets.length === 0) return { ...(await queryEntities(db, query)), warnings: skipped };
    // Clause 4.23: "Sort ordering is never applied to distributed operations".
    if (query.ordering) throw new NgsiError('BadRequestData', 'orderBy: sorting applies to this broker\'s entities only (4.23, 5.7.2.4), and this query would also be answered by registered context sources; add local=true to sort the entities held here');
    // The merged order needs the first offset+limit entities of every party, read page by page
    // (1,000 a request): up to MERGED_WINDOW, so one request never reads without bound.
    if (query.offset + query.limit > MERGED_WINDOW) {
      throw new NgsiError('TooManyResults', `offset: a query answered together with registered context sources pages through its first ${MERGED_WINDOW} entities (offset + limit at most ${MERGED_WINDOW}); narrow it with type, q or a geo-query, page through an EntityMap (entityMap=true), or read this broker's own entities with local=true`);
    }
    // The sources are asked once: a query on a stale tenant version (runReadable) is found out
    // before forwarding, not after, when it would run again and ask them a second time.
    if (query.checkVersion) {
      const current = await tenantVersion(db, query.tenant);
      if (current !== query.tenantVersion) throw new StaleTenantVersion(current);
      query = { ...query, checkVersion: false };
    }
    if (query.split) {
      const split = await this.#querySplit(query, terms, request, targets);
      return { ...split, warnings: [...skipped, ...split.warnings] };
    }
    const window = query.offset + query.limit;
    const [local, remote] = await Promise.all([
      inPages(window, async (offset, limit) => {
        const page = await queryEntities(db, { ...query, offset, limit, count: query.count && offset === 0 });
        return { items: page.entities, total: page.total };
      }).then(({ items, total }) => ({ entities: items, total })),
      this.query(query.tenant, query, terms, request, targets, window),
    ]);
    // A source's entities of a type this tenant holds as personal are left out like local ones.
    // An anonymous open-data read gets only the open types, from sources too.
    const shown = remote.entities.filter(shownTo(query));
    const merged = mergeEntities(local.entities, shown);
    const result: FederatedResult = { entities: merged.slice(query.offset, query.offset + query.limit), warnings: [...skipped, ...remote.warnings] };
    if (query.count) {
      const localIds = new Set(local.entities.map((e) => e.id));
      const overlap = new Set(shown.filter((r) => localIds.has(r.entity.id)).map((r) => r.entity.id)).size;
      // The sources' counts include entities left out here (personal types): those seen are taken off.
      const left = new Set(remote.entities.filter((r) => !shown.includes(r) && !localIds.has(r.entity.id)).map((r) => r.entity.id)).size;
      result.total = Math.max(merged.length, (local.total ?? 0) + remote.total - overlap - left);
    }
    return result;
  }

  /**
   * Query Entities over split entities (clause 4.3.6.7, split-entities.ts): every entity of the
   * selection the sources hold is read without filters (at most MERGED_WINDOW from each), merged
   * with this broker's parts of the same entities and filtered here; the entities held only here
   * are filtered in SQL. The two lists, in id order, make the answer.
   */
  async #querySplit(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, targets: Target[]): Promise<FederatedResult> {
    const db = this.services.ctx.db;
    const { merged, remoteIds, warnings } = await this.#splitCandidates(query, terms, request, targets);
    // The entities held only here: the first offset+limit of them (those with parts at sources
    // are skipped, so up to that many more are read).
    const held = new Set(remoteIds);
    const window = query.offset + query.limit;
    const localOnly = (await inPages(window + remoteIds.length, async (offset, limit) => {
      const page = await queryEntities(db, { ...query, offset, limit, count: false });
      return { items: page.entities.filter((e) => !held.has(e.id)), sent: page.entities.length };
    })).items;
    const all = [...localOnly, ...merged].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const result: FederatedResult = { entities: all.slice(query.offset, window), warnings };
    if (query.count) {
      const [matchingHere, alsoAtSources] = await Promise.all([
        queryEntities(db, { ...query, offset: 0, limit: 0, count: true }),
        remoteIds.length ? queryEntities(db, { ...query, ids: remoteIds, offset: 0, limit: 0, count: true }) : Promise.resolve({ entities: [], total: 0 }),
      ]);
      result.total = (matchingHere.total ?? 0) - (alsoAtSources.total ?? 0) + merged.length;
    }
    return result;
  }

  /**
   * Which entities Purge Entities deletes when they may be split (5.6.21 with splitEntities):
   * those matching once merged, and those held only here that match; at most `max` + 1 of
   * them. Answers the ids whose parts are held here, and by registration the ids each source
   * holds a part of.
   */
  async splitMatches(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, max: number): Promise<{ localIds: string[]; bySource: Map<string, string[]>; total: number; warnings: string[] }> {
    const db = this.services.ctx.db;
    // Every registration that may hold a part is asked, cooling down or not, auxiliary ones too
    // (their parts are merged, though they are never sent the purge): an entity is judged only
    // with all its parts, and one that cannot be asked stops the purge before anything is deleted.
    const targets = this.forwardsQuery(query, request)
      ? await this.#matching(query.tenant, queryFilter(selectionOnly(query)), request, (r) => !isTemporal(r.body))
      : [];
    const unasked = targets.filter((t) => !offers(t.reg, 'queryEntity'));
    if (unasked.length) {
      throw new NgsiError('Conflict', `splitEntities: ${unasked.map((t) => t.reg.id).join(', ')} may hold parts of these entities but does not offer queryEntity, so they cannot be judged whole; nothing was purged`);
    }
    const { merged, shown, remoteIds, localParts, warnings } = await this.#splitCandidates(query, terms, request, targets);
    if (warnings.length) throw new NgsiError('ContextSourceFailed', `splitEntities: not every part of the entities could be read, so nothing was purged: ${warnings.join('; ')}`);
    const held = new Set(remoteIds);
    const localOnly = (await matchingIds(db, query, max + remoteIds.length)).filter((id) => !held.has(id));
    const matched = new Set(merged.map((e) => e.id));
    const bySource = new Map<string, string[]>();
    for (const r of shown) if (matched.has(r.entity.id)) bySource.set(r.registration, [...new Set([...(bySource.get(r.registration) ?? []), r.entity.id])]);
    const here = new Set(localParts.map((e) => e.id));
    return { localIds: [...localOnly, ...[...matched].filter((id) => here.has(id))], bySource, total: localOnly.length + matched.size, warnings };
  }

  /**
   * The sources' side of a query over split entities: every candidate of each source (one that
   * has more than MERGED_WINDOW, by its count or by sending that many without one, cannot be
   * filtered here and is refused rather than cut), merged with this broker's parts of them
   * (unfiltered, whatever their types) and filtered.
   */
  async #splitCandidates(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, targets: Target[]): Promise<{ merged: StoredEntity[]; shown: RemoteEntity[]; remoteIds: string[]; localParts: StoredEntity[]; warnings: string[] }> {
    const db = this.services.ctx.db;
    const broad = selectionOnly(query);
    const warnings: string[] = [];
    const answers = await Promise.all(targets.map(async (target) => {
      try {
        return await this.#queryOne(query.tenant, target, { ...broad, count: true, offset: 0, limit: MAX_LIMIT }, terms, request, MERGED_WINDOW + 1, undefined, { maxTotal: MERGED_WINDOW });
      } catch (error) {
        warnings.push(await this.#failed(query.tenant, target.reg, request, error));
        return undefined;
      }
    }));
    answers.forEach((answer, i) => {
      if (answer && (!answer.complete || (answer.read ?? 0) > MERGED_WINDOW)) {
        throw new NgsiError('TooManyResults', `splitEntities: the context source ${targets[i]!.reg.endpoint} (${targets[i]!.reg.id}) holds more than ${MERGED_WINDOW} entities of this selection (or its answers could not be read to their end), all of which would have to be merged before filtering; narrow it with type, id or idPattern`);
      }
    });
    const shown = answers.flatMap((a) => a?.entities ?? []).filter(shownTo(query));
    const remoteIds = [...new Set(shown.map((r) => r.entity.id))];
    const parts = partsQuery(query, remoteIds);
    const localParts = remoteIds.length
      ? (await inPages(remoteIds.length, async (offset, limit) => ({ items: (await queryEntities(db, { ...parts, offset, limit, count: false })).entities }))).items
      : [];
    const merged = await filterMerged(db, query, mergeEntities(localParts, shown));
    return { merged, shown, remoteIds, localParts, warnings };
  }

  /**
   * The remote half of a query: the entities the matching sources give for it (at most `window`
   * each), expanded, to merge with the local ones (mergeEntities).
   */
  async query(tenant: string, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, targets?: Target[], window?: number): Promise<{ entities: RemoteEntity[]; total: number; warnings: string[] }> {
    if (!targets) targets = this.forwarding(request) ? await this.targets(tenant, queryFilter(query), 'queryEntity', undefined, request) : [];
    const limit = window ?? Math.min(query.offset + query.limit, MAX_LIMIT);
    const warnings: string[] = [];
    const answers = await Promise.all(targets.map(async (target) => {
      try {
        const answer = await this.#queryOne(tenant, target, query, terms, request, limit);
        if (!answer.complete && (answer.read ?? 0) < limit) warnings.push(cutShort(target.reg, answer));
        return answer;
      } catch (error) {
        warnings.push(await this.#failed(tenant, target.reg, request, error));
        return undefined;
      }
    }));
    const entities = answers.flatMap((a) => a?.entities ?? []);
    const total = answers.reduce((sum, a) => sum + (a?.total ?? a?.entities.length ?? 0), 0);
    return { entities, total, warnings };
  }

  /**
   * Retrieve Entity over this broker and its registered sources: a drop-in for
   * reading the entity in the Retrieve Entity handler (type and attrs are read from the
   * request's query, as the handler does).
   */
  async retrieve(tenant: string, id: string, terms: ResolvedTerms, request: FastifyRequest, map?: MapUse): Promise<{ entity: StoredEntity | undefined; version: number; warnings: string[]; sources: string[]; heldHere: boolean }> {
    // One statement reads the entity and the tenant's version: most tenants have no
    // registrations, and then that is all a retrieve costs.
    const { entity: local, version } = await this.services.store.getWithVersion(tenant, id);
    return { ...(await this.#retrieveMerged(tenant, id, terms, request, local, version, map)), version, heldHere: local !== undefined };
  }

  /**
   * The local entity merged with the sources' parts; the warnings name the sources that failed,
   * `sources` the registrations that gave a part. `only`: the registrations an EntityMap names
   * for the entity (clause 5.7.1.4), instead of matching them all.
   */
  async #retrieveMerged(tenant: string, id: string, terms: ResolvedTerms, request: FastifyRequest, local: StoredEntity | undefined, version: number, map?: MapUse): Promise<{ entity: StoredEntity | undefined; warnings: string[]; sources: string[] }> {
    const alone = { entity: local, warnings: [], sources: [] };
    if (map?.only.size === 0) return alone;
    if (!this.forwarding(request)) return alone;
    if (!(await this.#hasAny(tenant, version))) return alone;
    const raw = request.query as Record<string, string | undefined>;
    const type = typeof raw.type === 'string' ? raw.type : undefined;
    const attrs = typeof raw.attrs === 'string' ? raw.attrs.split(',').map((a) => terms.expandTerm(a.trim())).filter(Boolean) : undefined;
    let selector: TypeSelector | undefined;
    try {
      selector = type ? expandTypeSelector(parseTypeSelector(type), (t) => terms.expandTerm(t)) : undefined;
    } catch {
      selector = undefined;
    }
    const filter: RegistrationFilter = { ids: [id], selector, attrs: attrs?.length ? attrs : undefined };
    const warnings: string[] = [];
    const targets = await this.targets(tenant, filter, 'retrieveEntity', version, request, warnings, (t) => !map || map.only.has(t.reg.id));
    if (targets.length === 0) return { ...alone, warnings };
    const remote = (await Promise.all(targets.map(async (target) => {
      try {
        return await this.#retrieveOne(tenant, target, id, filter, request, map?.linkedMaps[target.reg.id]);
      } catch (error) {
        warnings.push(await this.#failed(tenant, target.reg, request, error));
        return [];
      }
    }))).flat();
    return { entity: mergeEntities(local ? [local] : [], remote)[0], warnings, sources: [...new Set(remote.map((r) => r.registration))] };
  }

  /**
   * The ids of the entities the matching sources hold for a query, for an EntityMap (clause
   * 5.14.4.4), at most `max` + 1 each. A source that offers createEntityMapQueryEntity makes its
   * own map (GET /entityMaps), whose location is kept as the linked map and sent back with
   * each page; a source that does not, or declines (a 4xx), is queried page by page instead.
   */
  async mapSources(tenant: string, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, targets: Target[], max: number, lifetime: string): Promise<{ ids: Map<string, string[]>; linkedMaps: Record<string, string>; warnings: string[] }> {
    const ids = new Map<string, string[]>();
    const linkedMaps: Record<string, string> = {};
    const warnings: string[] = [];
    // A source's map lists ids without types: used only when no type must be kept from this
    // reader (the tenant's personal types; for an open-data reader, all but the open ones).
    const typesUnchecked = !query.excludeTypes?.length && !query.onlyTypes;
    await Promise.all(targets.map(async (target) => {
      const { reg, info } = target;
      try {
        const made = typesUnchecked && offers(reg, 'createEntityMapQueryEntity') ? await this.#remoteMap(target, query, terms, request, lifetime) : undefined;
        if (made) {
          const entityInfos = info.every((i) => i.entities) ? info.flatMap((i) => i.entities!) : undefined;
          const usable = made.ids.filter((id) => validSourceId(id) && (!entityInfos || entityInfos.some((e) => idMatches(e, id))));
          if (usable.length < made.ids.length) warnings.push(`${reg.endpoint} (${reg.id}): ${made.ids.length - usable.length} ids in its EntityMap are not usable entity ids and were left out`);
          ids.set(reg.id, usable.slice(0, max + 1));
          if (made.location) linkedMaps[reg.id] = made.location;
          await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
          return;
        }
        const answer = await this.#queryOne(tenant, target, { ...query, offset: 0, limit: MAX_LIMIT, count: false }, terms, request, max + 1);
        if (!answer.complete && (answer.read ?? 0) <= max) warnings.push(cutShort(reg, answer));
        ids.set(reg.id, answer.entities.filter(shownTo(query)).map((r) => r.entity.id));
      } catch (error) {
        warnings.push(await this.#failed(tenant, reg, request, error));
      }
    }));
    return { ids, linkedMaps, warnings };
  }

  /**
   * A source's EntityMap for the query: its entity ids and location. Undefined when it declines
   * (any answer but an EntityMap, e.g. 501 as 6.34.3.1 lets a source answer): the caller then
   * queries it instead, and counts it failed only if that fails too.
   */
  async #remoteMap(target: Target, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, lifetime: string): Promise<{ ids: string[]; location?: string | undefined } | undefined> {
    const { reg } = target;
    const { params, forward } = await this.#forwardQuery(target, query, terms, request);
    params.delete('options');
    params.set('entityMapLifetime', lifetime);
    const timeout = reg.management?.timeout ?? this.#timeoutMs;
    const response = await this.#fetch(this.#url(reg, '/entityMaps', params), { method: 'GET', headers: this.#headers(reg, request, forward.link), redirect: 'error', signal: AbortSignal.timeout(timeout) });
    const text = await readLimited(response, this.#maxBytes, () => new Error(`answer is larger than ${this.#maxBytes} bytes`));
    if (response.status < 200 || response.status >= 300) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;
    }
    const entityMap = isObject(body) ? body.entityMap : undefined;
    if (!isObject(body) || (entityMap !== undefined && !isObject(entityMap))) return undefined;
    const location = response.headers.get('ngsild-entitymap') ?? (typeof body.id === 'string' ? body.id : undefined);
    return { ids: Object.keys(entityMap ?? {}).sort(), location };
  }

  /**
   * One page of an EntityMap's entities from the sources it names (clause 5.7.2.4): each
   * registration is asked for its ids (100 per request, to keep URLs short), with the query's
   * filters and the linked map. `failed`: registrations that did not answer, whose entities
   * cannot be judged. A registration gone since the map was made, or no longer covering the
   * query, holds none of them any more.
   */
  async mapPage(tenant: string, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, byRegistration: Map<string, string[]>, linkedMaps: Record<string, string>): Promise<{ entities: RemoteEntity[]; failed: Set<string>; warnings: string[]; linkedMaps: Record<string, string> }> {
    const failed = new Set<string>();
    const warnings: string[] = [];
    const renewed: Record<string, string> = {};
    if (byRegistration.size === 0) return { entities: [], failed, warnings, linkedMaps: renewed };
    const now = Date.now();
    const active = new Map((await this.registrations.active(tenant, new Date(now))).map((r) => [r.body.id, r]));
    const answers = await Promise.all([...byRegistration].map(async ([regId, ids]) => {
      const registration = active.get(regId);
      if (!registration) return [];
      const reg = registration.body;
      if (!offers(reg, 'queryEntity') || isTemporal(reg) || this.#isSelf(reg.endpoint)) return [];
      // A source the request has passed already (Via), or cooling down after a failure: not
      // asked now, its entities neither shown nor judged.
      if (this.#visited(reg, request) || this.#coolingDown(registration, now)) {
        failed.add(regId);
        if (!this.#visited(reg, request)) warnings.push(`${reg.endpoint} (${reg.id}): cooling down after a failure`);
        return [];
      }
      const info = matchingInformation(reg, { ...queryFilter(query), ids });
      if (info.length === 0) return [];
      try {
        const out: RemoteEntity[] = [];
        for (let i = 0; i < ids.length; i += 100) {
          const chunk = ids.slice(i, i + 100);
          const answer = await this.#queryOne(tenant, { reg, info }, { ...query, ids: chunk, offset: 0, limit: chunk.length, count: false }, terms, request, chunk.length, renewed[regId] ?? linkedMaps[regId]);
          if (answer.entityMap && answer.entityMap !== linkedMaps[regId]) renewed[regId] = answer.entityMap;
          out.push(...answer.entities);
        }
        return out;
      } catch (error) {
        failed.add(regId);
        warnings.push(await this.#failed(tenant, reg, request, error));
        return [];
      }
    }));
    return { entities: answers.flat(), failed, warnings, linkedMaps: renewed };
  }

  /**
   * The registrations a temporal query or retrieve goes to (clauses 5.7.3.4, 5.7.4.4): those
   * offering the operation (`queryTemporal`, `retrieveTemporal`: no group holds them, so a
   * registration names them) that match the entities, and whose observation or management
   * interval, if they give one, overlaps the temporal query's range.
   */
  async temporalTargets(tenant: string, filter: RegistrationFilter, operation: 'queryTemporal' | 'retrieveTemporal', time: { time?: TimeQuery | undefined; timeproperty: TimeProperty }, request: FastifyRequest): Promise<Target[]> {
    if (!this.forwarding(request)) return [];
    return this.#matching(tenant, filter, request, (r, now) => offers(r.body, operation) && !this.#coolingDown(r, now)
      && (!time.time || overlapsTimeQuery(r.body, time.time, time.timeproperty)));
  }

  /**
   * Forwards a temporal query (GET /temporal/entities) or retrieve (`id`: GET
   * /temporal/entities/{id}) to each target, with the entity selection of `query` and the
   * temporal parameters in `temporal`; at most `window` entities from each, read 1,000 at a time.
   * Answers each source's items as it sent them, with the terms to expand them by.
   */
  async temporal(tenant: string, targets: Target[], query: EntityQuery, temporal: URLSearchParams, terms: ResolvedTerms, request: FastifyRequest, window: number, id?: string): Promise<{ answers: Array<{ target: Target; items: Array<{ item: Raw; terms: TermMap }>; total?: number | undefined }>; warnings: string[] }> {
    const warnings: string[] = [];
    const answers = await Promise.all(targets.map(async (target) => {
      const { reg } = target;
      try {
        const { params, forward } = await this.#forwardQuery(target, query, terms, request);
        for (const [key, value] of temporal) params.set(key, value);
        const headers = this.#headers(reg, request, forward.link);
        const items: Array<{ item: Raw; terms: TermMap }> = [];
        const read = async (body: unknown[], link: string | undefined) => {
          const linkTerms = await this.services.resolver.resolve(link ?? CORE_ONLY);
          for (const item of body) {
            if (isObject(item)) items.push({ item, terms: item['@context'] !== undefined ? await this.services.resolver.resolve(item['@context']) : linkTerms });
          }
        };
        if (id !== undefined) {
          params.delete('id');
          const answer = await this.#get(reg, this.#url(reg, `/temporal/entities/${encodeURIComponent(id)}`, params), headers);
          if (answer.status !== 404) {
            if (!isObject(answer.body)) throw new Error('answered a temporal retrieval with something that is not an entity');
            await read([answer.body], answer.link);
          }
        } else {
          // The first request asks for the source's count too (with limit=0 when no page is wanted).
          const page = async (offset: number, limit: number) => {
            params.set('limit', String(limit));
            if (offset > 0) params.set('offset', String(offset));
            if (query.count && offset === 0) params.set('count', 'true');
            else params.delete('count');
            const answer = await this.#get(reg, this.#url(reg, '/temporal/entities', params), headers);
            if (answer.status === 404) throw new Error('answered 404 to a temporal query');
            if (!Array.isArray(answer.body)) throw new Error('answered a temporal query with something that is not an array of entities');
            await read(answer.body, answer.link);
            return { items: answer.body, total: answer.count };
          };
          const { total } = await inPages(window, page);
          await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
          return { target, items, total };
        }
        await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
        return { target, items };
      } catch (error) {
        warnings.push(await this.#failed(tenant, reg, request, error));
        return { target, items: [] };
      }
    }));
    return { answers, warnings };
  }

  /**
   * Purge Entities at the sources (clause 5.6.21.4): each inclusive, exclusive or redirect
   * registration the query matches gets the request (DELETE /entities with the query, and
   * `drop`/`keep`) if it offers purgeEntity; one that does not is a Conflict. Answers the errors,
   * one per registration that failed (named by its id), plus those a source's 207 listed.
   */
  async purge(tenant: string, query: EntityQuery, attrs: { drop?: string[] | undefined; keep?: string[] | undefined }, terms: ResolvedTerms, request: FastifyRequest, mapped?: Map<string, string[]>): Promise<BatchError[]> {
    if (!this.forwarding(request)) return [];
    // Sources cooling down after a failure are asked too: a write is never silently skipped.
    // With an EntityMap, only the registrations it names, for the ids it lists there.
    // Split entities: each source is sent the ids of the entities it holds a part of, without the filters.
    if (query.split) query = selectionOnly(query);
    const targets = (await this.#matching(tenant, queryFilter(query), request, (r) => r.body.mode !== 'auxiliary' && !isTemporal(r.body))).filter((t) => !mapped || mapped.has(t.reg.id));
    const errors = await Promise.all(targets.map(async (target): Promise<BatchError[]> => {
      const { reg } = target;
      if (!offers(reg, 'purgeEntity')) {
        return [{ entityId: reg.id, error: new NgsiError('Conflict', `registration ${reg.id} (${reg.mode}) matches the query but does not offer purgeEntity, so the entities it holds were not purged`) }];
      }
      const ids = mapped?.get(reg.id);
      const parts = ids ? Array.from({ length: Math.ceil(ids.length / 100) }, (_, i) => ids.slice(i * 100, i * 100 + 100)) : [undefined];
      const out: BatchError[] = [];
      for (const part of parts) {
        try {
          const { params, forward } = await this.#forwardQuery(target, part ? { ...query, ids: part } : query, terms, request);
          params.delete('options');
          if (attrs.drop) params.set('drop', attrs.drop.map((a) => forward.terms.compactIri(a)).join(','));
          if (attrs.keep) params.set('keep', attrs.keep.map((a) => forward.terms.compactIri(a)).join(','));
          const response = await this.#fetch(this.#url(reg, '/entities', params), { method: 'DELETE', headers: this.#headers(reg, request, forward.link), redirect: 'error', signal: AbortSignal.timeout(reg.management?.timeout ?? this.#timeoutMs) });
          const text = await readLimited(response, this.#maxBytes, () => new Error(`answer is larger than ${this.#maxBytes} bytes`));
          await this.registrations.recordOutcome(tenant, reg.id, response.status < 500).catch(() => undefined);
          if (response.status === 207) out.push(...batchErrors(reg, text));
          else if (response.status !== 204) out.push({ entityId: reg.id, error: sourceError(reg, response.status, text) });
        } catch (error) {
          out.push({ entityId: reg.id, error: sourceError(reg, undefined, await this.#failed(tenant, reg, request, error)) });
        }
      }
      return out;
    }));
    return errors.flat();
  }

  /**
   * Forwards a discovery request (clauses 5.7.5–5.7.10; 5.7.11's more accurate alternative to
   * the registry alone) to each registration in force that offers `operation` and matches the
   * filter. `path` is built with the names compaction the source gets, `params` for each
   * registration; only the targets `asked` takes are asked. Answers each source's body
   * (404 answers are left out) with the terms to expand its names by; a source that fails is
   * left out and named in the warnings.
   */
  async discover(tenant: string, operation: string, filter: RegistrationFilter, path: (compact: (iri: string) => string) => string, params: (reg: StoredRegistration) => URLSearchParams, request: FastifyRequest, asked: (target: Target) => boolean): Promise<{ answers: Array<{ target: Target; body: unknown; terms: TermMap }>; warnings: string[] }> {
    if (!this.forwarding(request)) return { answers: [], warnings: [] };
    const warnings: string[] = [];
    const targets = await this.targets(tenant, filter, operation, undefined, request, warnings, asked);
    const answers = await Promise.all(targets.map(async (target) => {
      const { reg } = target;
      try {
        const forward = await this.#forwardTerms(reg);
        const sent = params(reg);
        if (reg.management?.localOnly !== false) sent.set('local', 'true');
        const answer = await this.#get(reg, this.#url(reg, path((iri) => forward.terms.compactIri(iri)), sent), this.#headers(reg, request, forward.link));
        await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
        if (answer.status === 404) return [];
        const inline = isObject(answer.body) && answer.body['@context'] !== undefined ? answer.body['@context'] : undefined;
        const terms = await this.services.resolver.resolve(inline ?? answer.link ?? CORE_ONLY);
        return [{ target, body: answer.body, terms }];
      } catch (error) {
        warnings.push(await this.#failed(tenant, reg, request, error));
        return [];
      }
    }));
    return { answers: answers.flat(), warnings };
  }

  /** Whether a query goes to sources: not when it is for this broker only (local=true, or type=* in a URL or a POST body), nor as forwarding says. */
  forwardsQuery(query: Pick<EntityQuery, 'localOnly'>, request: FastifyRequest): boolean {
    return !query.localOnly && this.forwarding(request);
  }

  /** False for local=true (which type=* implies) and for requests that already passed this broker or too many others. */
  forwarding(request: FastifyRequest): boolean {
    const query = request.query as Record<string, unknown> | undefined;
    if (query?.local === 'true' || query?.type === '*') return false;
    const hops = viaHops(request);
    if (hops.length >= this.#maxHops) return false;
    return !hops.includes(this.alias);
  }

  /** Whether the request has passed the registration's source already (its contextSourceAlias in Via, 5.12). */
  #visited(reg: StoredRegistration, request: FastifyRequest | undefined): boolean {
    return Boolean(reg.contextSourceAlias && request && viaHops(request).includes(reg.contextSourceAlias));
  }

  /**
   * The tenant's registrations in force that offer `operation` and match the filter. `version`:
   * the tenant's version if the caller has just read it; `keep`, a further condition. `skipped`
   * collects a warning for each that would be asked but is cooling down after a failure.
   */
  async targets(tenant: string, filter: RegistrationFilter, operation: string, version?: number, request?: FastifyRequest, skipped?: string[], keep: (t: Target) => boolean = () => true): Promise<Target[]> {
    // Cooling down: matched like the others (csf and `keep` included), then left out until the
    // cooldown ends, which the answer says (NGSILD-Warning), as for a source that fails.
    const cooling = new Map<string, string>();
    const matched = await this.#matching(tenant, filter, request, (r, now) => {
      if (isTemporal(r.body) || !offers(r.body, operation)) return false;
      if (this.#coolingDown(r, now)) cooling.set(r.body.id, new Date(Date.parse(r.state.lastFailure!) + r.body.management!.cooldown!).toISOString());
      return true;
    }, version);
    return matched.filter(keep).filter((t) => {
      const until = cooling.get(t.reg.id);
      if (until) skipped?.push(`${t.reg.endpoint} (${t.reg.id}): cooling down after a failure, not asked until ${until}`);
      return !until;
    });
  }

  /**
   * The tenant's registrations in force that `accept` takes and whose information matches the
   * filter (and its csf); never this broker itself, nor a source the request has passed (Via).
   */
  async #matching(tenant: string, filter: RegistrationFilter, request: FastifyRequest | undefined, accept: (r: Registration, now: number) => boolean, version?: number): Promise<Target[]> {
    if (!(await this.#hasAny(tenant, version ?? (await tenantVersion(this.services.ctx.db, tenant))))) return [];
    const now = Date.now();
    const active = await this.registrations.active(tenant, new Date(now));
    const targets = active
      .map((r) => ({ r, target: { reg: r.body, info: matchingInformation(r.body, filter) } }))
      .filter(({ r, target }) => target.info.length > 0 && !this.#isSelf(r.body.endpoint) && !this.#visited(r.body, request) && accept(r, now))
      .map(({ target }) => target);
    return filter.csf ? filterByCsf(this.services.ctx.db as unknown as Kysely<any>, filter.csf, targets, (t) => t.reg) : targets;
  }

  /** Whether a registration can take distributed subscriptions: it offers createSubscription, is not temporal and is not this broker. */
  subscribable(reg: StoredRegistration): boolean {
    return offers(reg, 'createSubscription') && !isTemporal(reg) && !this.#isSelf(reg.endpoint);
  }

  /**
   * The registrations in force that may receive a write to entity `id` of the types `typesOf` gives (clause 4.3.6,
   * 5.12): every mode but auxiliary (which never receives writes, clause 4.3.6.2), whatever
   * operations they offer (the caller refuses with Conflict where an exclusive or redirect one
   * does not offer the operation). Sources cooling down after a failure are still asked: a write
   * is never silently skipped. `temporal`: a write to the temporal evolution, whose targets are
   * the registrations of sources that keep history (they offer a temporal operation).
   */
  async writeTargets(tenant: string, id: string, typesOf: () => Promise<string[] | undefined>, request: FastifyRequest, temporal = false): Promise<Target[]> {
    if (!this.forwarding(request)) return [];
    if (!(await this.#hasAny(tenant, await tenantVersion(this.services.ctx.db, tenant)))) return [];
    const types = await typesOf();
    const selector: TypeSelector | undefined = types?.length ? { kind: 'or', items: types.map((name) => ({ kind: 'type', name })) } : undefined;
    const active = await this.registrations.active(tenant, new Date());
    return active
      .filter((r) => r.body.mode !== 'auxiliary' && (temporal ? keepsHistory(r.body) : !isTemporal(r.body)) && !this.#isSelf(r.body.endpoint) && !this.#visited(r.body, request))
      .map((r) => ({ reg: r.body, info: matchingInformation(r.body, { ids: [id], selector }) }))
      .filter((t) => t.info.length > 0);
  }

  /**
   * The registrations in force that may receive writes (all modes but auxiliary), for matching
   * many entities at once (batch operations); empty when the request must not be forwarded.
   */
  async writeRegistrations(tenant: string, request: FastifyRequest): Promise<StoredRegistration[]> {
    if (!this.forwarding(request)) return [];
    if (!(await this.#hasAny(tenant, await tenantVersion(this.services.ctx.db, tenant)))) return [];
    const active = await this.registrations.active(tenant, new Date());
    return active.map((r) => r.body).filter((r) => r.mode !== 'auxiliary' && !isTemporal(r) && !this.#isSelf(r.endpoint) && !this.#visited(r, request));
  }

  /**
   * Sends one write to a source: `body` is built with the names compaction the source gets
   * (core @context, or its contextSourceInfo jsonldContext). Answers the status and text; throws
   * when the source cannot be reached or times out (recorded in the registration's status).
   */
  async send(
    tenant: string,
    reg: StoredRegistration,
    request: Requester,
    write: { method: string; path: (compact: (iri: string) => string) => string; params?: URLSearchParams; body?: (compact: (iri: string) => string) => unknown },
  ): Promise<{ status: number; text: string }> {
    const forward = await this.#forwardTerms(reg);
    const compact = (iri: string) => forward.terms.compactIri(iri);
    const params = new URLSearchParams(write.params);
    if (reg.management?.localOnly !== false) params.set('local', 'true');
    const headers = this.#headers(reg, request, forward.link);
    const init: RequestInit = { method: write.method, headers, redirect: 'error', signal: AbortSignal.timeout(reg.management?.timeout ?? this.#timeoutMs) };
    if (write.body) {
      // contextSourceInfo contentType (4.3.6.6): application/ld+json carries the @context in the
      // body instead of a Link header.
      const body = write.body(compact);
      const withContext = (item: Raw) => ({ ...item, '@context': forward.link ?? CORE_CONTEXT_URL });
      if (this.#contentType(reg, request) === 'application/ld+json' && (isObject(body) || (Array.isArray(body) && body.every(isObject)))) {
        headers['content-type'] = 'application/ld+json';
        delete headers.link;
        init.body = JSON.stringify(Array.isArray(body) ? body.map(withContext) : withContext(body as Raw));
      } else {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    try {
      const response = await this.#fetch(this.#url(reg, write.path(compact), params), init);
      const text = await readLimited(response, this.#maxBytes, () => new Error(`answer is larger than ${this.#maxBytes} bytes`));
      // A 4xx is the source's verdict on the data, not a sign that it is down.
      await this.registrations.recordOutcome(tenant, reg.id, response.status < 500).catch(() => undefined);
      return { status: response.status, text };
    } catch (error) {
      throw new Error(await this.#failed(tenant, reg, request, error));
    }
  }

  /**
   * Whether the tenant has any registration (expired ones included). Only this is cached: the
   * registrations themselves are read fresh, as their status (cooldown) changes on every
   * forwarded request.
   */
  #hasAny(tenant: string, version: number): Promise<boolean> {
    return this.#hasRegistrations.get(tenant, version, () => this.registrations.any(tenant));
  }

  #coolingDown(reg: Registration, now: number): boolean {
    const cooldown = reg.body.management?.cooldown;
    return Boolean(cooldown && reg.state.status === 'failed' && reg.state.lastFailure && Date.parse(reg.state.lastFailure) + cooldown > now);
  }

  #isSelf(endpoint: string): boolean {
    try {
      return new URL(endpoint).origin === this.#ownOrigin;
    } catch {
      return true;
    }
  }

  async #failed(tenant: string, reg: StoredRegistration, request: Requester, error: unknown): Promise<string> {
    const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `no answer within ${reg.management?.timeout ?? this.#timeoutMs} ms` : error.message) : String(error);
    request.log.warn({ registration: reg.id, endpoint: reg.endpoint, reason }, 'context source did not answer; the result leaves it out');
    await this.registrations.recordOutcome(tenant, reg.id, false).catch(() => undefined);
    return `${reg.endpoint} (${reg.id}): ${reason}`;
  }

  async #forwardTerms(reg: StoredRegistration): Promise<{ terms: ResolvedTerms; link?: string | undefined }> {
    const link = reg.contextSourceInfo?.find((p) => p.key.toLowerCase() === 'jsonldcontext')?.value;
    return { terms: await this.services.resolver.resolve(link ?? CORE_ONLY), link };
  }

  #contentType(reg: StoredRegistration, request: Requester): string | undefined {
    const given = reg.contextSourceInfo?.find((p) => p.key.toLowerCase() === 'contenttype')?.value;
    const value = given === FROM_REQUEST ? request.headers['content-type'] : given;
    return typeof value === 'string' ? value.split(';')[0]!.trim().toLowerCase() : undefined;
  }

  #headers(reg: StoredRegistration, request: Requester, link: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const { key, value } of reg.contextSourceInfo ?? []) {
      const lower = key.toLowerCase();
      let given: string | undefined = value;
      if (value === FROM_REQUEST) {
        const fromRequest = request.headers[lower];
        given = Array.isArray(fromRequest) ? fromRequest.join(', ') : fromRequest;
      }
      if (given === undefined) continue;
      if (lower === 'accept') headers.accept = given;
      else if (!SPECIAL_KEYS.has(lower)) headers[lower] = given;
    }
    if (reg.tenant) headers['ngsild-tenant'] = reg.tenant;
    if (link) headers.link = `<${link}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"`;
    const via = request.headers.via;
    const previous = Array.isArray(via) ? via.join(', ') : via;
    headers.via = `${previous ? `${previous}, ` : ''}1.1 ${this.alias}`;
    return headers;
  }

  #url(reg: StoredRegistration, path: string, params: URLSearchParams): string {
    const base = reg.endpoint.replace(/\/+$/, '');
    const root = /\/ngsi-ld\/v1$/.test(base) ? base : `${base}/ngsi-ld/v1`;
    const query = params.toString();
    return `${root}${path}${query ? `?${query}` : ''}`;
  }

  async #get(reg: StoredRegistration, url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown; link?: string | undefined; count?: number | undefined; entityMap?: string | undefined }> {
    const timeout = reg.management?.timeout ?? this.#timeoutMs;
    const response = await this.#fetch(url, { method: 'GET', headers, redirect: 'error', signal: AbortSignal.timeout(timeout) });
    const text = await readLimited(response, this.#maxBytes, () => new Error(`answer is larger than ${this.#maxBytes} bytes`));
    if (response.status === 404) return { status: 404, body: undefined };
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error('answered something that is not JSON');
    }
    const countHeader = response.headers.get('ngsild-results-count');
    return {
      status: response.status,
      body,
      link: linkedContext(response.headers.get('link')),
      count: countHeader !== null && /^\d+$/.test(countHeader) ? Number(countHeader) : undefined,
      entityMap: response.headers.get('ngsild-entitymap') ?? undefined,
    };
  }

  /** What a query is forwarded to a source with: its URL parameters, and the names' @context. */
  async #forwardQuery(target: Target, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest): Promise<{ params: URLSearchParams; forward: { terms: ResolvedTerms; link?: string | undefined } }> {
    const { reg, info } = target;
    let forward = await this.#forwardTerms(reg);
    // q names must be terms (the q grammar has no room for IRIs): when one is not a term of the
    // forwarding @context, forward with the requester's own @context (a URL) instead.
    const requesterUrl = contextUrl(terms);
    // Values under expandValues are terms too, which the source must expand as the requester does.
    if (query.q && requesterUrl && (query.expandValues?.length || qAttributeNames(query.q).some((n) => forward.terms.compactIri(terms.expandTerm(n)).includes(':')))) {
      forward = { terms, link: requesterUrl };
    }
    const compact = (iri: string) => forward.terms.compactIri(iri);
    const params = new URLSearchParams();
    const entityInfos = info.every((i) => i.entities) ? info.flatMap((i) => i.entities!) : undefined;

    // Types: the query's, narrowed to the registered ones; or the registered ones.
    const wanted = query.types ? plainTypes(query.types) : undefined;
    if (query.types && !wanted) {
      params.set('type', formatSelector(query.types, compact));
    } else if (entityInfos) {
      const registered = [...new Set(entityInfos.flatMap((e) => e.types))];
      const types = wanted ? registered.filter((t) => wanted.includes(t)) : registered;
      params.set('type', (types.length ? types : wanted ?? registered).map(compact).join(','));
    } else if (wanted) {
      params.set('type', wanted.map(compact).join(','));
    }
    // Ids: the query's that the registration may hold; or the registered ids.
    if (query.ids?.length) {
      const ids = entityInfos ? query.ids.filter((id) => entityInfos.some((e) => idMatches(e, id))) : query.ids;
      params.set('id', (ids.length ? ids : query.ids).join(','));
    } else if (entityInfos && entityInfos.every((e) => e.id)) {
      params.set('id', [...new Set(entityInfos.map((e) => e.id!))].join(','));
    }
    if (query.idPattern) params.set('idPattern', query.idPattern);
    // Attributes: the query's, narrowed to the registered names; or the registered names.
    const names = info.every((i) => registeredNames(i)) ? [...new Set(info.flatMap((i) => registeredNames(i)!))] : undefined;
    const attrs = query.attrs?.length ? (names ? query.attrs.filter((a) => names.includes(a)) : query.attrs) : names;
    if (attrs?.length) params.set('attrs', attrs.map(compact).join(','));
    if (query.q) params.set('q', formatQ(renameQ(query.q, (name) => compact(terms.expandTerm(name)))));
    if (query.q && query.expandValues?.length) params.set('expandValues', query.expandValues.map((n) => compact(terms.expandTerm(n))).join(','));
    const written = query.written ?? {};
    if (written.scopeQ !== undefined) params.set('scopeQ', written.scopeQ);
    if (query.geo) {
      for (const key of ['georel', 'geometry', 'coordinates'] as const) {
        if (written[key] !== undefined) params.set(key, written[key]);
      }
      params.set('geoproperty', compact(query.geo.geoproperty));
    }
    params.set('options', 'sysAttrs');
    if (reg.management?.localOnly !== false) params.set('local', 'true');
    return { params, forward };
  }

  async #queryOne(tenant: string, target: Target, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, limit: number, entityMap?: string, options: { maxTotal?: number } = {}): Promise<SourceAnswer> {
    const { reg } = target;
    const { params, forward } = await this.#forwardQuery(target, query, terms, request);
    const headers = this.#headers(reg, request, forward.link);
    // The source's own EntityMap for this query, when it made one (clause 5.7.2.4).
    if (entityMap) headers['ngsild-entitymap'] = entityMap;
    let entityMapAnswered: string | undefined;
    const { items: entities, total, read, complete } = await inPages(limit, async (offset, pageLimit) => {
      params.set('limit', String(pageLimit));
      if (offset > 0) params.set('offset', String(offset));
      // The count (first page only) tells a source's own page cap from the end of its list.
      if (offset === 0) params.set('count', 'true');
      else params.delete('count');
      const answer = await this.#get(reg, this.#url(reg, '/entities', params), headers);
      entityMapAnswered ??= answer.entityMap;
      if (answer.status === 404) throw new Error('answered 404 to a query');
      if (!Array.isArray(answer.body)) throw new Error('answered a query with something that is not an array of entities');
      // A short page ends the paging: counted by what the source sent, before the registration's narrowing.
      const items = await this.#toEntities(tenant, target, answer.body, answer.link, query.ids);
      return { items, total: answer.count, sent: answer.body.length };
    }, options);
    await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
    return { entities, total, read, complete, entityMap: entityMapAnswered };
  }

  async #retrieveOne(tenant: string, target: Target, id: string, filter: RegistrationFilter, request: FastifyRequest, entityMap?: string): Promise<RemoteEntity[]> {
    const { reg, info } = target;
    const forward = await this.#forwardTerms(reg);
    const compact = (iri: string) => forward.terms.compactIri(iri);
    const params = new URLSearchParams();
    const entityInfos = info.every((i) => i.entities) ? info.flatMap((i) => i.entities!).filter((e) => idMatches(e, id)) : undefined;
    if (filter.selector) params.set('type', formatSelector(filter.selector, compact));
    else if (entityInfos?.length) params.set('type', [...new Set(entityInfos.flatMap((e) => e.types))].map(compact).join(','));
    const names = info.every((i) => registeredNames(i)) ? [...new Set(info.flatMap((i) => registeredNames(i)!))] : undefined;
    const attrs = filter.attrs?.length ? (names ? filter.attrs.filter((a) => names.includes(a)) : filter.attrs) : names;
    if (attrs?.length) params.set('attrs', attrs.map(compact).join(','));
    params.set('options', 'sysAttrs');
    if (reg.management?.localOnly !== false) params.set('local', 'true');
    const headers = this.#headers(reg, request, forward.link);
    if (entityMap) headers['ngsild-entitymap'] = entityMap;
    const answer = await this.#get(reg, this.#url(reg, `/entities/${encodeURIComponent(id)}`, params), headers);
    if (answer.status !== 404 && !isObject(answer.body)) throw new Error('answered a retrieval with something that is not an entity');
    await this.registrations.recordOutcome(tenant, reg.id, true).catch(() => undefined);
    if (answer.status === 404) return [];
    return this.#toEntities(tenant, target, [answer.body], answer.link, [id]);
  }

  /** Expands a source's entities with its @context and keeps only what the registration covers. */
  async #toEntities(tenant: string, target: Target, items: unknown[], link: string | undefined, ids: string[] | undefined): Promise<RemoteEntity[]> {
    const { reg, info } = target;
    const linkTerms = await this.services.resolver.resolve(link ?? CORE_ONLY);
    const now = new Date().toISOString();
    const out: RemoteEntity[] = [];
    for (const item of items) {
      if (!isObject(item)) continue;
      const terms = item['@context'] !== undefined ? await this.services.resolver.resolve(item['@context']) : linkTerms;
      let entity: StoredEntity;
      try {
        const converted = convertEntity(item, { terms, now });
        entity = { tenant, id: converted.id, types: converted.types, scopes: converted.scopes, attrs: converted.attrs, createdAt: now, modifiedAt: now };
        restoreTimestamps(item, entity, terms);
      } catch {
        continue; // Not a valid entity: the source's problem, not the query's.
      }
      if (ids?.length && !ids.includes(entity.id)) continue;
      const allowed = keepCovered(info, entity);
      if (allowed === null) continue;
      out.push({ entity, mode: reg.mode, registration: reg.id, registeredAttrs: reg.mode === 'exclusive' ? allowed : undefined });
    }
    return out;
  }
}

/** Keeps the source's createdAt/modifiedAt (asked for with options=sysAttrs) for the merge. */
function restoreTimestamps(raw: Raw, entity: StoredEntity, terms: TermMap): void {
  if (typeof raw.createdAt === 'string') entity.createdAt = raw.createdAt;
  if (typeof raw.modifiedAt === 'string') entity.modifiedAt = raw.modifiedAt;
  for (const [name, value] of Object.entries(raw)) {
    const instances = entity.attrs[terms.expandTerm(name)];
    if (!instances) continue;
    const given = (Array.isArray(value) ? value : [value]).filter(isObject);
    for (const instance of instances) {
      const source = given.find((g) => (g.datasetId ?? undefined) === instance.datasetId);
      if (!source) continue;
      if (typeof source.createdAt === 'string') instance.createdAt = source.createdAt;
      if (typeof source.modifiedAt === 'string') instance.modifiedAt = source.modifiedAt;
    }
  }
}

function cloneEntity(entity: StoredEntity): StoredEntity {
  return { ...entity, types: [...entity.types], scopes: entity.scopes ? [...entity.scopes] : null, attrs: Object.fromEntries(Object.entries(entity.attrs).map(([k, v]) => [k, [...v]])) };
}

/** The later of two instances of the same attribute and datasetId (clause 4.5.5.3); `a` on a tie. */
function newer(a: StoredAttribute, b: StoredAttribute): StoredAttribute {
  if (a.observedAt && b.observedAt && a.observedAt !== b.observedAt) return Date.parse(b.observedAt) > Date.parse(a.observedAt) ? b : a;
  if (!a.observedAt && b.observedAt) return b;
  if (a.observedAt && !b.observedAt) return a;
  return Date.parse(b.modifiedAt) > Date.parse(a.modifiedAt) ? b : a;
}

function mergeInto(target: StoredEntity, source: StoredEntity, onlyMissingAttributes: boolean): void {
  for (const type of source.types) if (!target.types.includes(type)) target.types.push(type);
  if (source.scopes) target.scopes = [...new Set([...(target.scopes ?? []), ...source.scopes])];
  if (Date.parse(source.createdAt) < Date.parse(target.createdAt)) target.createdAt = source.createdAt;
  if (Date.parse(source.modifiedAt) > Date.parse(target.modifiedAt)) target.modifiedAt = source.modifiedAt;
  for (const [name, instances] of Object.entries(source.attrs)) {
    const existing = target.attrs[name];
    if (!existing) {
      target.attrs[name] = [...instances];
      continue;
    }
    if (onlyMissingAttributes) continue;
    for (const instance of instances) {
      const index = existing.findIndex((e) => e.datasetId === instance.datasetId);
      if (index < 0) existing.push(instance);
      else existing[index] = newer(existing[index]!, instance);
    }
  }
}

/**
 * Merges local entities with those of registered sources by id (clause 4.3.6, 4.5.5): the
 * union sorted by id. Exclusive sources own their registered attributes; auxiliary sources only
 * fill attributes (and entities) nobody else gave.
 */
export function mergeEntities(local: StoredEntity[], remote: RemoteEntity[]): StoredEntity[] {
  const byId = new Map<string, StoredEntity>();
  for (const entity of local) byId.set(entity.id, cloneEntity(entity));
  for (const r of remote) {
    if (r.mode !== 'exclusive' || !r.registeredAttrs) continue;
    const held = byId.get(r.entity.id);
    if (held) for (const name of r.registeredAttrs) delete held.attrs[name];
  }
  const auxiliary: RemoteEntity[] = [];
  for (const r of remote) {
    if (r.mode === 'auxiliary') {
      auxiliary.push(r);
      continue;
    }
    const held = byId.get(r.entity.id);
    if (held) mergeInto(held, r.entity, false);
    else byId.set(r.entity.id, cloneEntity(r.entity));
  }
  for (const r of auxiliary) {
    const held = byId.get(r.entity.id);
    if (held) mergeInto(held, r.entity, true);
    else byId.set(r.entity.id, cloneEntity(r.entity));
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
