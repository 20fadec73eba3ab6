// Distributed writes (clauses 4.3.6.2–4.3.6.3, 5.6.1.4–5.6.6.4, 5.6.17–5.6.19): a write to an
// entity is split by the context source registrations that match it.
// - exclusive and redirect registrations own the attributes they register (all of them when
//   they register none): those attributes go to the source and are removed from the local
//   write. A registration that does not offer the operation makes its attributes fail with
//   Conflict (clause 5.6.2.4).
// - inclusive registrations get a copy of what remains, when they offer the operation.
// - auxiliary registrations never receive writes.
// - What remains is written locally. When a proxied registration covers the whole entity
//   (it registers no attributes), nothing is stored locally.
// The outcome is an UpdateResult (clause 5.2.18): each attribute a source or this broker did not
// change is named with the reason and, for a source, its registrationId (clause 5.2.19). All
// parts succeeded: the operation's usual answer. Some: 207 with the UpdateResult. None: an error
// naming the sources and what they said (never a 500).
import type { FastifyRequest } from 'fastify';
import { NgsiError, type NgsiErrorType } from '../errors.ts';
import type { AttributeResult } from '../entities/entity-service.ts';
import type { NotUpdated } from '../entities/entity-changes.ts';
import type { StoredAttributes } from '../entities/stored-entity.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { offers, registeredNames } from './registration.ts';
import type { Federation, Target } from './federation.ts';

type Raw = Record<string, unknown>;
type Compact = (iri: string) => string;

/** Operation names of Table 4.20-1 a write may be offered under (either name of an update). */
export const WRITE_OPERATIONS = {
  create: ['createEntity'],
  updateAttrs: ['updateAttrs', 'updateEntity'],
  appendAttrs: ['appendAttrs'],
  patchAttr: ['updateAttrs', 'updateEntity'],
  replaceAttr: ['replaceAttrs'],
  deleteAttr: ['deleteAttrs'],
  deleteEntity: ['deleteEntity'],
  merge: ['mergeEntity'],
  replace: ['replaceEntity'],
  // Writes to the temporal evolution (clauses 5.6.11–5.6.16), which go to sources keeping history.
  upsertTemporal: ['upsertTemporal'],
  appendAttrsTemporal: ['appendAttrsTemporal'],
  deleteAttrsTemporal: ['deleteAttrsTemporal'],
  updateAttrInstanceTemporal: ['updateAttrInstanceTemporal'],
  deleteAttrInstanceTemporal: ['deleteAttrInstanceTemporal'],
  deleteTemporal: ['deleteTemporal'],
} as const;

export type WriteKind = keyof typeof WRITE_OPERATIONS;

/** The temporal writes: their targets are the registrations of sources that keep history. */
const TEMPORAL_WRITES: ReadonlySet<WriteKind> = new Set(['upsertTemporal', 'appendAttrsTemporal', 'deleteAttrsTemporal', 'updateAttrInstanceTemporal', 'deleteAttrInstanceTemporal', 'deleteTemporal']);
/** Writes that run here even when no attribute is left for this broker (they create or delete the entity itself). */
const WHOLE_ENTITY: ReadonlySet<WriteKind> = new Set(['create', 'upsertTemporal']);
const DELETES_ENTITY: ReadonlySet<WriteKind> = new Set(['deleteEntity', 'deleteTemporal']);
/**
 * Writes to something that need not be held everywhere they go (an entity being deleted, one
 * attribute instance): "not found" where it is not held is no failure when another part found
 * and changed it.
 */
const HELD_IN_ONE_PLACE: ReadonlySet<WriteKind> = new Set(['deleteEntity', 'deleteTemporal', 'updateAttrInstanceTemporal', 'deleteAttrInstanceTemporal']);

/** Entity members that are not attributes. */
const NOT_ATTRIBUTES = new Set(['@context', 'id', '@id', 'type', '@type', 'scope', 'createdAt', 'modifiedAt', 'deletedAt']);
/** Attribute members that are not sub-attributes. */
const ATTRIBUTE_MEMBERS = new Set([
  'type', 'value', 'object', 'objectType', 'languageMap', 'vocab', 'json', 'valueList', 'objectList', 'datasetId', 'observedAt',
  'unitCode', 'createdAt', 'modifiedAt', 'deletedAt', 'instanceId', 'lang', 'previousValue', 'entity', 'entityList', '@context',
]);

export interface WriteRequest {
  kind: WriteKind;
  tenant: string;
  id: string;
  /** Expanded types, if the request names them (the local entity's are looked up otherwise). */
  types?: string[] | undefined;
  /** The expanded attribute names written; undefined for Delete Entity. */
  attrs?: string[] | undefined;
  terms: ResolvedTerms;
  request: FastifyRequest;
  /** The request as a source receives it, with the attributes it gets (names expanded). */
  remote: (attrs: Set<string> | undefined) => { method: string; path: (compact: Compact) => string; params?: URLSearchParams; body?: (compact: Compact) => unknown };
}

export interface WriteOutcome extends AttributeResult {
  /** Whether any source took part (otherwise the answer is exactly the local one). */
  distributed: boolean;
  /** Whether a source answered 201 (it created the entity). */
  sourceCreated?: boolean;
}

interface Failure {
  attrs: string[];
  reason: string;
  registrationId: string;
  type: NgsiErrorType | undefined;
  status: number | undefined;
}

/**
 * Renames a client's entity or fragment for a source: attribute and type names are expanded with
 * the requester's @context and compacted with the source's; only `keep` attributes stay.
 */
export function renameBody(body: Raw, terms: ResolvedTerms, compact: Compact, keep: Set<string> | undefined): Raw {
  const out: Raw = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '@context') continue;
    if (key === 'type' || key === '@type') {
      out.type = Array.isArray(value) ? value.map((t) => compact(terms.expandTerm(String(t)))) : compact(terms.expandTerm(String(value)));
    } else if (NOT_ATTRIBUTES.has(key)) {
      out[key] = value;
    } else {
      const iri = terms.expandTerm(key);
      if (keep && !keep.has(iri)) continue;
      out[compact(iri)] = renameAttribute(value, terms, compact);
    }
  }
  return out;
}

/** The attributes a local write keeps (all when `keep` is undefined). */
export function pick(attrs: StoredAttributes, keep: Set<string> | undefined): StoredAttributes {
  if (!keep) return attrs;
  return Object.fromEntries(Object.entries(attrs).filter(([name]) => keep.has(name)));
}

function renameAttribute(value: unknown, terms: ResolvedTerms, compact: Compact): unknown {
  if (Array.isArray(value)) return value.map((v) => renameAttribute(v, terms, compact));
  if (typeof value !== 'object' || value === null) return value;
  const out: Raw = {};
  for (const [key, member] of Object.entries(value as Raw)) {
    out[ATTRIBUTE_MEMBERS.has(key) ? key : compact(terms.expandTerm(key))] = ATTRIBUTE_MEMBERS.has(key) ? member : renameAttribute(member, terms, compact);
  }
  return out;
}

function problemOf(text: string): { type?: NgsiErrorType; detail?: string } {
  try {
    const body = JSON.parse(text) as Raw;
    const type = typeof body.type === 'string' ? body.type.replace(/^https:\/\/uri\.etsi\.org\/ngsi-ld\/errors\//, '') : undefined;
    return { type: type as NgsiErrorType | undefined, detail: typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : undefined };
  } catch {
    return {};
  }
}

/** The source's own UpdateResult, when it answered 207. */
function sourceNotUpdated(text: string, expand: (name: string) => string): NotUpdated[] {
  try {
    const body = JSON.parse(text) as Raw;
    if (!Array.isArray(body.notUpdated)) return [];
    return (body.notUpdated as Raw[]).filter((n) => typeof n.attributeName === 'string').map((n) => ({ attributeName: expand(n.attributeName as string), reason: String(n.reason ?? 'not updated by the source') }));
  } catch {
    return [];
  }
}

export class DistributedWrites {
  constructor(private readonly federation: Federation, private readonly localTypes: (tenant: string, id: string) => Promise<string[] | undefined>) {}

  /**
   * Runs a write over the matching sources and `local` (given the attributes left to write
   * locally, undefined meaning all; not called when nothing is left).
   */
  async write(req: WriteRequest, local: (attrs: Set<string> | undefined) => Promise<AttributeResult | void>): Promise<WriteOutcome> {
    const { targets, typesKnown } = await this.#targets(req);
    if (targets.length === 0) {
      const result = await local(undefined);
      return { updated: result?.updated ?? req.attrs ?? [], notUpdated: result?.notUpdated ?? [], distributed: false };
    }
    const all = req.attrs;
    const remaining = new Set(all ?? []);
    let wholeEntityProxied = false;
    const sends: Array<{ target: Target; attrs: Set<string> | undefined }> = [];
    const failures: Failure[] = [];
    const operations = WRITE_OPERATIONS[req.kind];
    // A registration matched by type alone while the entity's types are unknown (it is held
    // nowhere here) may not hold the entity: its "not found" is no failure.
    const guessed = (t: Target) => !typesKnown && t.info.every((i) => i.entities?.every((e) => !e.id && !e.idPattern) ?? false);
    const offered = (t: Target) => operations.some((op) => offers(t.reg, op));

    // 1. exclusive and redirect registrations own what they register (clause 4.3.6.3).
    for (const target of targets.filter((t) => t.reg.mode === 'exclusive' || t.reg.mode === 'redirect')) {
      const covered = this.#covered(target, all);
      if (covered === null) continue;
      if (covered === undefined) wholeEntityProxied = true;
      const names = covered ? [...covered] : [...(all ?? [])];
      for (const name of names) remaining.delete(name);
      if (offered(target)) sends.push({ target, attrs: covered });
      // Matched by type alone while the entity's types are unknown: it may not hold the entity.
      else if (guessed(target)) continue;
      else failures.push({ attrs: names.length ? names : [req.id], reason: `registration ${target.reg.id} (${target.reg.mode}) holds these attributes but does not offer ${operations.join(' or ')}`, registrationId: target.reg.id, type: 'Conflict', status: 409 });
    }
    if (wholeEntityProxied) remaining.clear();
    // 2. inclusive registrations get a copy of what remains (clause 4.3.6.2).
    for (const target of targets.filter((t) => t.reg.mode === 'inclusive' && offered(t))) {
      if (wholeEntityProxied) break;
      const covered = this.#covered(target, all ? [...remaining] : undefined);
      if (covered === null || (covered && covered.size === 0)) continue;
      sends.push({ target, attrs: covered ?? (all ? new Set(remaining) : undefined) });
    }

    const updated = new Set<string>();
    const notUpdated: NotUpdated[] = [];
    let sourceCreated = false;
    const notFoundAt: string[] = [];
    // A whole entity is deleted once at each source, however many of its registrations match.
    const deletes = DELETES_ENTITY.has(req.kind);
    const unique = deletes ? sends.filter((s, i) => sends.findIndex((o) => o.target.reg.endpoint === s.target.reg.endpoint && o.target.reg.tenant === s.target.reg.tenant) === i) : sends;
    const remote = Promise.all(unique.map(async ({ target, attrs }) => {
      const names = deletes ? [] : attrs ? [...attrs] : all ?? [];
      try {
        const answer = await this.federation.send(req.tenant, target.reg, req.request, req.remote(attrs));
        if (answer.status === 201) sourceCreated = true;
        if (answer.status >= 200 && answer.status < 300) {
          const refused = answer.status === 207 ? sourceNotUpdated(answer.text, (n) => req.terms.expandTerm(n)) : [];
          for (const n of refused) notUpdated.push({ ...n, registrationId: target.reg.id });
          for (const name of names) if (!refused.some((n) => n.attributeName === name)) updated.add(name);
          return true;
        }
        const problem = problemOf(answer.text);
        if (answer.status === 404 && (HELD_IN_ONE_PLACE.has(req.kind) || guessed(target))) {
          notFoundAt.push(target.reg.id);
          return false;
        }
        failures.push({ attrs: names.length ? names : [req.id], reason: `${target.reg.endpoint} answered ${answer.status}${problem.type ? ` ${problem.type}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`, registrationId: target.reg.id, type: problem.type, status: answer.status });
      } catch (error) {
        failures.push({ attrs: names.length ? names : [req.id], reason: `context source did not answer: ${(error as Error).message}`, registrationId: target.reg.id, type: undefined, status: undefined });
      }
      return false;
    }));

    // 3. what remains is written here (in parallel with the sources: neither depends on the other).
    // Delete Entity always runs here too: the entity is removed locally if it exists (5.6.6.4).
    // A write naming no attributes (e.g. only types to add) is about the entity itself: it runs here.
    const runLocal = DELETES_ENTITY.has(req.kind) || (!wholeEntityProxied && (all === undefined || all.length === 0 || remaining.size > 0 || WHOLE_ENTITY.has(req.kind)));
    let localError: NgsiError | undefined;
    const localPart = runLocal
      ? local(all ? remaining : undefined).then(
          (result) => {
            for (const name of result?.updated ?? [...remaining]) updated.add(name);
            notUpdated.push(...(result?.notUpdated ?? []));
          },
          (error: unknown) => {
            if (!(error instanceof NgsiError)) throw error;
            localError = error;
          },
        )
      : Promise.resolve();
    const [remoteOk] = await Promise.all([remote, localPart]);
    const anyRemoteOk = remoteOk.some(Boolean);

    // Delete Entity succeeds when a source deleted it, even if this broker held no part of it.
    if (localError && !(anyRemoteOk && localError.type === 'ResourceNotFound' && HELD_IN_ONE_PLACE.has(req.kind))) {
      for (const name of all?.length ? [...remaining] : [req.id]) notUpdated.push({ attributeName: name, reason: `${localError.type}: ${localError.detail}` });
    }
    for (const f of failures) for (const name of f.attrs) notUpdated.push({ attributeName: name, reason: f.reason, registrationId: f.registrationId });

    // An instance no source and not this broker holds: ResourceNotFound, as without sources.
    if (!anyRemoteOk && !runLocal && failures.length === 0 && notFoundAt.length) {
      throw new NgsiError('ResourceNotFound', `Entity ${req.id}: neither this broker nor a source (${notFoundAt.join(', ')}) holds it${req.kind.endsWith('InstanceTemporal') ? ' with that attribute instance' : ''}`);
    }
    const succeeded = anyRemoteOk || (runLocal && !localError);
    if (!succeeded) throw this.#failedError(req, failures, localError);
    return { updated: [...updated], notUpdated, distributed: true, sourceCreated };
  }

  async #targets(req: WriteRequest): Promise<{ targets: Target[]; typesKnown: boolean }> {
    // Only looked up when the tenant has registrations: most writes pay nothing for this.
    // The types: the request's (body, or the `type` URL parameter of clause 5.6.2.3 etc.), else
    // those of the entity held here. Unknown types match registrations by type alone (5.12).
    const typesOf = async () => {
      if (req.types?.length || req.kind === 'create') return req.types;
      const type = (req.request.query as Record<string, unknown> | undefined)?.type;
      if (typeof type === 'string' && type) return type.split(/[,|;()]/).map((t) => t.trim()).filter(Boolean).map((t) => req.terms.expandTerm(t));
      const local = await this.localTypes(req.tenant, req.id);
      typesKnown = Boolean(local?.length);
      return local;
    };
    let typesKnown = true;
    const targets = await this.federation.writeTargets(req.tenant, req.id, typesOf, req.request, TEMPORAL_WRITES.has(req.kind));
    return { targets, typesKnown };
  }

  /**
   * The attributes of `attrs` a registration covers: undefined when it covers every attribute
   * (its matching information registers no names), null when it covers none of them.
   */
  #covered(target: Target, attrs: string[] | undefined): Set<string> | undefined | null {
    if (target.info.some((i) => !registeredNames(i))) return undefined;
    if (attrs === undefined) return new Set(target.info.flatMap((i) => registeredNames(i)!));
    const names = new Set(target.info.flatMap((i) => registeredNames(i)!));
    const covered = attrs.filter((a) => names.has(a));
    return covered.length ? new Set(covered) : null;
  }

  /** The error when no part of a write succeeded. */
  #failedError(req: WriteRequest, failures: Failure[], localError: NgsiError | undefined): NgsiError {
    const reasons = [...failures.map((f) => `${f.registrationId}: ${f.reason}`), ...(localError ? [`this broker: ${localError.detail}`] : [])];
    if (failures.length === 0) return localError ?? new NgsiError('ResourceNotFound', `Entity ${req.id}: neither this broker nor a source that takes this write holds it`);
    // Every part was refused on its merits (e.g. ResourceNotFound here and at the source): a 4xx,
    // this broker's own error if it had one, else the first source's.
    const refusals = failures.every((f) => f.status !== undefined && f.status < 500 && f.type !== undefined && isKnown(f.type));
    if (refusals) {
      const type = localError?.type ?? failures[0]!.type!;
      return new NgsiError(type, `Entity ${req.id}: ${reasons.join('; ')}`);
    }
    // A source was unreachable, timed out or failed: 502 naming each registration and endpoint.
    return new NgsiError('ContextSourceFailed', `Entity ${req.id} was not written: ${reasons.join('; ')}`);
  }
}

function isKnown(type: string): type is NgsiErrorType {
  return ['BadRequestData', 'AlreadyExists', 'Conflict', 'OperationNotSupported', 'ResourceNotFound', 'InvalidRequest'].includes(type);
}
