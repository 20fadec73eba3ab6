// EntityMaps (clauses 4.3.6.7, 4.5.25, 5.5.9.3, 5.7.1.4, 5.7.2.4, 5.14): a query made with
// `entityMap=true` (or through /entityMaps) fixes the ids it matches, here and at each registered
// source, with where each is held. Later pages name the map in the NGSILD-EntityMap header: the
// query's filters are checked again on the entities of each page (an entity that no longer
// matches leaves the map), and only the sources the map names are asked, for just those ids.
// Paging reaches as deep as the map (no 10,000-entity window as for merged queries without a
// map), entities created later never shift it, and `count=true` is the map's size. Entities that
// leave the map shift later offsets, as 5.5.9.3 allows; two clients paging one map at once while
// entities leave it may see one twice. Later requests must repeat the query that made the map
// (5.5.14: all but ids and paging), checked by its key.
//
// Split entities (splitEntities=true, 4.3.6.7: an entity's attributes spread over sources): the
// map lists candidates (every entity of the selection the sources hold, with this broker's parts
// of them, and the entities matching here alone), and each page merges the parts, unfiltered,
// and applies the filters to the merged entities (split-entities.ts).
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { NgsiError } from '../errors.ts';
import type { BrokerServices } from '../http/broker-services.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { header, param, type Query } from '../http/request-options.ts';
import { assertPageLimit, matchingIds, queryEntities, type EntityQuery } from '../entities/entity-query.ts';
import type { StoredEntity } from '../entities/stored-entity.ts';
import { mergeEntities, queryFilter, shownTo, type Federation, type FederatedResult, type MapUse } from '../registrations/federation.ts';
import { filterMerged, partsQuery, selectionOnly } from '../registrations/split-entities.ts';
import { addDuration, parseDuration } from '../temporal/temporal-params.ts';
import { StaleTenantVersion, tenantVersion } from '../tenant-state.ts';
import { EntityMapStore, LOCAL, type EntityMapEntry, type StoredEntityMap } from './entity-map-store.ts';

/** The most entities one map holds; a query matching more answers TooManyResults. */
export const MAX_MAP_ENTITIES = 100_000;
/** How long a map lives unless the client suggests otherwise (entityMapLifetime). */
export const DEFAULT_LIFETIME_MS = 60 * 60_000;
/** The shortest lifetime a client may ask for. */
const MIN_LIFETIME_MS = 1000;
/** The longest a map lives, however long a client asks for. */
export const MAX_LIFETIME_MS = 24 * 60 * 60_000;
export const ENTITY_MAPS_PATH = '/ngsi-ld/v1/entityMaps';

/** How a new map is made: its lifetime, the open types of a reader without broker.read, the query's key. */
export interface MapOptions {
  lifetimeMs: number;
  open: readonly string[] | undefined;
  queryKey?: string | undefined;
}

/** What a request asks of EntityMaps: make one (flag), and/or use the one at `id`. */
export interface MapRequest {
  flag: boolean;
  lifetimeMs: number;
  id?: string | undefined;
}

function booleanParam(query: Query, name: string): boolean | undefined {
  const value = param(query, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new NgsiError('BadRequestData', `${name}: must be true or false`);
  return value === 'true';
}

/** The lifetime a client suggests (an ISO 8601 duration), within this broker's bounds. */
export function mapLifetime(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIFETIME_MS;
  const duration = parseDuration(text, 'entityMapLifetime');
  const now = Date.now();
  const ms = duration ? addDuration(now, duration) - now : 0;
  if (ms < MIN_LIFETIME_MS) throw new NgsiError('BadRequestData', 'entityMapLifetime: must be at least PT1S');
  return Math.min(ms, MAX_LIFETIME_MS);
}

/** The lifetime as an ISO 8601 duration (what a source is asked for). */
export function lifetimeText(ms: number): string {
  return `PT${Math.ceil(ms / 1000)}S`;
}

/** The parameters that select a query's entities (5.5.14: all but ids and paging), as a key. */
const KEYED = ['type', 'attrs', 'q', 'scopeQ', 'georel', 'geometry', 'coordinates', 'geoproperty', 'idPattern', 'csf', 'expandValues', 'jsonKeys', 'local', 'datasetId', 'splitEntities'];
export function queryKey(query: Query, kind: 'entities' | 'temporal'): string {
  // splitEntities=false is the default: the same query as without it.
  return JSON.stringify([kind, ...KEYED.map((name) => (name === 'splitEntities' ? (param(query, name) === 'true' ? 'true' : null) : param(query, name) ?? null))]);
}

/** The map id a NGSILD-EntityMap header names: the map's location (as answered) or its id. */
export function mapIdOf(location: string): string {
  const at = location.indexOf('/entityMaps/');
  let id = location;
  if (at >= 0) {
    try {
      id = decodeURIComponent(location.slice(at + '/entityMaps/'.length).split(/[?#]/)[0]!);
    } catch {
      throw new NgsiError('BadRequestData', `NGSILD-EntityMap: "${location}" is not the location of an EntityMap`);
    }
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(id)) throw new NgsiError('BadRequestData', `NGSILD-EntityMap: "${location}" is not the location of an EntityMap`);
  return id;
}

export function mapLocation(id: string): string {
  return `${ENTITY_MAPS_PATH}/${encodeURIComponent(id)}`;
}

/**
 * entityMap, entityMapLifetime and splitEntities (URL or Query body), and the NGSILD-EntityMap
 * header. `forwarded: false`: a query never forwarded (the temporal API), where splitEntities
 * does not apply, as with local=true.
 */
export function mapRequest(query: Query, request: FastifyRequest, options: { forwarded?: boolean; splitQuery?: boolean } = {}): MapRequest {
  const flag = booleanParam(query, 'entityMap') ?? false;
  const split = booleanParam(query, 'splitEntities');
  const lifetime = param(query, 'entityMapLifetime');
  const location = header(request.headers['ngsild-entitymap'], 'NGSILD-EntityMap');
  const id = location ? mapIdOf(location) : undefined;
  // Query Entities (with or without an EntityMap) and Retrieve Entity take split entities
  // (Federation.queryEntities, EntityMaps); the temporal API and Purge Entities do not.
  if (split && options.forwarded !== false && param(query, 'local') !== 'true' && !options.splitQuery) {
    throw new NgsiError('OperationNotSupported', 'splitEntities: this operation expects every context source to hold whole entities, so filters apply at each source; split entities are supported on Query Entities only');
  }
  return { flag, lifetimeMs: mapLifetime(lifetime), id };
}

/** The map as clause 4.5.25 shows it: each entity id with "@none" (here) or its registrations. */
export function renderMap(map: StoredEntityMap, entries: EntityMapEntry[]): Record<string, unknown> {
  return {
    id: map.id,
    type: 'EntityMap',
    expiresAt: map.expiresAt,
    entityMap: Object.fromEntries(entries.map((e) => [e.entityId, e.sources])),
    linkedMaps: map.linkedMaps,
  };
}

export class EntityMaps {
  readonly store: EntityMapStore;

  constructor(private readonly services: BrokerServices, readonly federation: Federation) {
    this.store = new EntityMapStore(services.ctx.db);
  }

  /**
   * The map a request names, if it exists, has not expired and the reader may use it. `open`:
   * the open-data types a reader without broker.read is limited to. Such a reader may use only a
   * map made under open types that are all still open: any other may list entities they must
   * not learn of.
   */
  async usable(tenant: string, id: string, open: readonly string[] | undefined): Promise<StoredEntityMap | undefined> {
    const map = await this.store.get(tenant, id);
    if (!map || !open) return map;
    return map.openTypes?.every((t) => open.includes(t)) ? map : undefined;
  }

  /** The map a query names, if usable, made by the same query (else BadRequestData, 5.5.14). */
  async #forQuery(tenant: string, asked: MapRequest, open: readonly string[] | undefined, key: string): Promise<StoredEntityMap | undefined> {
    const map = asked.id ? await this.usable(tenant, asked.id, open) : undefined;
    if (map && map.queryKey !== key) {
      throw new NgsiError('BadRequestData', `NGSILD-EntityMap: EntityMap ${map.id} was made for another query; send the type, attrs, q, scopeQ, geo-query, idPattern and csf of the request that made it (only id and the paging may change), or leave the header out for a new map`);
    }
    return map;
  }

  /**
   * For Retrieve Entity (clause 5.7.1.4): the map the request names, if usable, and which
   * registrations it says hold the entity (none if it does not list it).
   */
  async forRetrieve(tenant: string, entityId: string, asked: MapRequest, open: readonly string[] | undefined): Promise<{ map: StoredEntityMap; use: MapUse } | undefined> {
    const map = asked.id ? await this.usable(tenant, asked.id, open) : undefined;
    if (!map) return undefined;
    const sources = (await this.store.sourcesOf(tenant, map.id, entityId)) ?? [];
    return { map, use: { only: new Set(sources.filter((s) => s !== LOCAL)), linkedMaps: map.linkedMaps } };
  }

  /** A new map of one retrieved entity: where it was found (nowhere: an empty map). */
  async ofRetrieved(tenant: string, entityId: string, found: { heldHere: boolean; sources: string[] }, options: MapOptions): Promise<StoredEntityMap> {
    const sources = [...(found.heldHere ? [LOCAL] : []), ...found.sources];
    return (await this.#store(tenant, new Map(sources.length ? [[entityId, sources]] : []), options)).map;
  }

  /**
   * Makes and stores the map of a query (clause 5.14.4.4): the ids it matches here ("@none") and
   * at each matching source (its registration id), in id order.
   */
  async create(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, options: MapOptions): Promise<{ map: StoredEntityMap; entries: EntityMapEntry[]; warnings: string[] }> {
    const db = this.services.ctx.db;
    // The sources are asked once: a stale tenant version is found out before, not after.
    await this.#checkVersion(query);
    // Split entities (4.3.6.7): the sources list every entity of the selection, candidates whose
    // filters are checked once their parts are merged, page by page.
    const asked = query.split ? selectionOnly(query) : query;
    const targets = this.federation.forwardsQuery(query, request) ? await this.federation.targets(query.tenant, queryFilter(asked), 'queryEntity', query.tenantVersion, request) : [];
    const [matching, remote] = await Promise.all([
      matchingIds(db, { ...query, checkVersion: false }, MAX_MAP_ENTITIES),
      this.federation.mapSources(query.tenant, asked, terms, request, targets, MAX_MAP_ENTITIES, lifetimeText(options.lifetimeMs)),
    ]);
    let local = matching;
    if (query.split) {
      // This broker's parts of the sources' candidates, whether or not they match alone.
      const candidates = [...new Set([...remote.ids.values()].flat())];
      const parts = candidates.length ? await matchingIds(db, { ...partsQuery(query, candidates), checkVersion: false }, MAX_MAP_ENTITIES) : [];
      local = [...new Set([...matching, ...parts])].sort();
    }
    const sources = new Map<string, string[]>(local.map((id) => [id, [LOCAL]]));
    for (const [registration, ids] of remote.ids) {
      for (const id of ids) {
        const held = sources.get(id);
        if (held) held.push(registration);
        else sources.set(id, [registration]);
      }
    }
    return { ...(await this.#store(query.tenant, sources, options, remote.linkedMaps)), warnings: remote.warnings };
  }

  /**
   * Query Entities with an EntityMap (clauses 5.7.2.4, 5.5.9.3): the map the request names, or a
   * new one when it names none, or one that is gone or expired (`created`).
   */
  async query(query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest, asked: MapRequest, key: string): Promise<FederatedResult & { map: StoredEntityMap; created: boolean }> {
    assertPageLimit(query.limit);
    // The personal types were read at the version last seen: checked before a page is read with them.
    await this.#checkVersion(query);
    query = { ...query, checkVersion: false };
    let map = await this.#forQuery(query.tenant, asked, query.onlyTypes, key);
    let warnings: string[] = [];
    const created = !map;
    if (!map) ({ map, warnings } = await this.create(query, terms, request, { lifetimeMs: asked.lifetimeMs, open: query.onlyTypes, queryKey: key }));
    const page = await this.page(map, query, terms, request);
    return { ...page, warnings: [...warnings, ...page.warnings], map, created };
  }

  /**
   * Query Temporal Evolution through a map (5.7.4.4): the map the request names, or a new one of
   * the ids `matching` gives (`created`); `fetch` reads a slice of them with the query's filters.
   */
  async temporal<T extends { id: string }>(paging: { tenant: string; ids?: string[] | undefined; offset: number; limit: number; count: boolean; onlyTypes?: string[] | undefined }, asked: MapRequest, key: string, matching: () => Promise<string[]>, fetch: (ids: string[]) => Promise<T[]>) {
    let map = await this.#forQuery(paging.tenant, asked, paging.onlyTypes, key);
    const created = !map;
    if (!map) ({ map } = await this.createLocal(paging.tenant, await matching(), { lifetimeMs: asked.lifetimeMs, open: paging.onlyTypes, queryKey: key }));
    // Later requests may ask for another time range (5.5.14), so an entity without history in
    // this one is not judged: it keeps its place in the map.
    const { items, total } = await this.pageThrough(map, paging, async (entries) => {
      const found = await fetch(entries.map((e) => e.entityId));
      return { found: new Map(found.map((e) => [e.id, e])), undecided: new Set(entries.map((e) => e.entityId)), warnings: [] };
    });
    return { entities: items, total, map, created };
  }

  async #checkVersion(query: EntityQuery): Promise<void> {
    if (!query.checkVersion) return;
    const current = await tenantVersion(this.services.ctx.db, query.tenant);
    if (current !== query.tenantVersion) throw new StaleTenantVersion(current);
  }

  /**
   * One page of Query Entities through a map (5.7.2.4): each slice of entries is fetched from
   * where the map says the entities are held, the local ones by id with the query's filters, the
   * sources' through the federation, and merged.
   */
  async page(map: StoredEntityMap, query: EntityQuery, terms: ResolvedTerms, request: FastifyRequest): Promise<FederatedResult> {
    const linkedMaps = { ...map.linkedMaps };
    const { items, total, warnings } = await this.pageThrough<StoredEntity>(map, query, async (entries) => {
      const ids = entries.map((e) => e.entityId);
      const localIds = entries.filter((e) => e.sources.includes(LOCAL)).map((e) => e.entityId);
      const byRegistration = new Map<string, string[]>();
      for (const entry of entries) {
        for (const source of entry.sources) if (source !== LOCAL) byRegistration.set(source, [...(byRegistration.get(source) ?? []), entry.entityId]);
      }
      // local=true or a request that passed here already (Via): the sources are not asked, and
      // their entities are neither shown nor judged.
      const forwarding = this.federation.forwardsQuery(query, request);
      // Split entities: the parts are read without the filters, which the merged entity is given.
      const split = query.split && forwarding;
      const [local, remote] = await Promise.all([
        localIds.length ? queryEntities(this.services.ctx.db, { ...(split ? partsQuery(query, localIds) : { ...query, ids: localIds }), offset: 0, limit: localIds.length, count: false }) : { entities: [] },
        forwarding
          ? this.federation.mapPage(query.tenant, { ...(split ? selectionOnly(query) : query), ids, offset: 0, limit: ids.length, count: false }, terms, request, byRegistration, linkedMaps)
          : { entities: [], failed: new Set(byRegistration.keys()), warnings: [], linkedMaps: {} },
      ]);
      Object.assign(linkedMaps, remote.linkedMaps);
      const joined = mergeEntities(local.entities, remote.entities.filter(shownTo(query)));
      const merged = split ? await filterMerged(this.services.ctx.db, query, joined) : joined;
      // An entity is judged only when every party holding it answered; a source that failed may still have it.
      const undecided = new Set(entries.filter((e) => e.sources.some((s) => remote.failed.has(s))).map((e) => e.entityId));
      return { found: new Map(merged.map((e) => [e.id, e])), undecided, warnings: remote.warnings };
    });
    // A source that made a new map of its own (its old one expired) is sent that one next time.
    if (JSON.stringify(linkedMaps) !== JSON.stringify(map.linkedMaps)) await this.store.setLinkedMaps(map.tenant, map.id, linkedMaps);
    return { entities: items, ...(total === undefined ? {} : { total }), warnings };
  }

  /**
   * Pages through a map (5.5.9.3): its entries from the offset-th on (only those of `paging.ids`
   * when given: a later request may name others, which is how a broker that forwarded a page
   * asks a source for its part of it), `fetch`ed a slice at a time. Entries `fetch` neither
   * found nor left undecided no longer match and are taken out of the map; more are read until
   * the page is full or the map ends. An undecided entry (its source failed) keeps its place in
   * the page, unshown, so the next page's offset neither repeats nor skips entities and a failed
   * source is not asked again for the same page. The total is what the map then holds.
   */
  async pageThrough<T>(map: StoredEntityMap, paging: { tenant: string; ids?: string[] | undefined; offset: number; limit: number; count: boolean }, fetch: (entries: EntityMapEntry[]) => Promise<{ found: Map<string, T>; undecided: Set<string>; warnings: string[] }>): Promise<{ items: T[]; total?: number; warnings: string[] }> {
    const { tenant } = paging;
    const items: T[] = [];
    const warnings: string[] = [];
    let from: { offset: number } | { after: number } = { offset: paging.offset };
    let used = 0;
    while (used < paging.limit) {
      const entries = await this.store.entries(tenant, map.id, from, paging.limit - used, paging.ids);
      if (entries.length === 0) break;
      from = { after: entries[entries.length - 1]!.position };
      const fetched = await fetch(entries);
      warnings.push(...fetched.warnings);
      const gone: string[] = [];
      for (const entry of entries) {
        const item = fetched.found.get(entry.entityId);
        if (item !== undefined) items.push(item);
        else if (!fetched.undecided.has(entry.entityId)) {
          gone.push(entry.entityId);
          continue;
        }
        used++;
      }
      await this.store.remove(tenant, map.id, gone);
    }
    const result: { items: T[]; total?: number; warnings: string[] } = { items, warnings: [...new Set(warnings)] };
    if (paging.count) result.total = paging.ids ? (await this.store.entries(tenant, map.id, { offset: 0 }, MAX_MAP_ENTITIES, paging.ids)).length : await this.store.size(tenant, map.id);
    return result;
  }

  /** Stores a map of entities held here only (the temporal API, which is not forwarded). */
  createLocal(tenant: string, ids: string[], options: MapOptions): Promise<{ map: StoredEntityMap; entries: EntityMapEntry[] }> {
    return this.#store(tenant, new Map(ids.map((id) => [id, [LOCAL]])), options);
  }

  /** Stores a new map of entities (id → where each is held) in id order, at most MAX_MAP_ENTITIES. */
  async #store(tenant: string, held: Map<string, string[]>, options: MapOptions, linkedMaps: Record<string, string> = {}): Promise<{ map: StoredEntityMap; entries: EntityMapEntry[] }> {
    if (held.size > MAX_MAP_ENTITIES) {
      throw new NgsiError('TooManyResults', `The query matches more than ${MAX_MAP_ENTITIES.toLocaleString('en')} entities, the most an EntityMap holds; narrow it with type, q or a geo-query`);
    }
    const entries = [...held.keys()].sort().map((entityId, position) => ({ position, entityId, sources: held.get(entityId)! }));
    const map: StoredEntityMap = { tenant, id: `urn:ngsi-ld:EntityMap:${randomUUID()}`, expiresAt: new Date(Date.now() + options.lifetimeMs).toISOString(), openTypes: options.open ? [...options.open] : null, queryKey: options.queryKey ?? null, linkedMaps };
    await this.store.create(map, entries);
    return { map, entries };
  }
}
