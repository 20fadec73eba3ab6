// Distributed batch operations (clauses 5.6.7.4–5.6.10.4, 5.6.20.4): for each registration, the
// entities (and attributes) of the batch it matches are forwarded to its source, as one batch
// when it offers the batch operation, else entity by entity when it offers the single one, else
// (exclusive or redirect) each of them fails with Conflict. As for single writes (see
// distributed-writes.ts), exclusive and redirect registrations own their attributes: those are
// removed from the local batch (the whole entity when they register no attributes); inclusive
// registrations get a copy of what remains; auxiliary ones nothing. The local batch then runs on
// what remains, and the results merge: an entity may be both in success and in errors.
import type { FastifyRequest } from 'fastify';
import { NgsiError, type NgsiErrorType } from '../errors.ts';
import type { BatchError, BatchResult } from '../entities/entity-service.ts';
import type { ResolvedTerms } from '../http/ngsi-http.ts';
import { renameBody } from './distributed-writes.ts';
import type { Federation } from './federation.ts';
import { options as optionsOf, type Query } from '../http/request-options.ts';
import { matchingInformation, offers, registeredNames, type StoredRegistration, type StoredRegistrationInfo } from './registration.ts';

export type BatchKind = 'create' | 'upsert' | 'update' | 'merge' | 'delete';

const BATCH_OPERATION: Record<BatchKind, string> = { create: 'createBatch', upsert: 'upsertBatch', update: 'updateBatch', merge: 'mergeBatch', delete: 'deleteBatch' };
/**
 * The single operations a batch falls back on per entity, any one offered will do. Update without
 * overwriting becomes Append Attributes with noOverwrite (5.6.9.4); upsert is a Create Entity,
 * followed by Replace Entity or Update Attributes when the source already has it (5.6.8.4).
 */
function singleOperations(kind: BatchKind, options: Set<string>): string[] {
  switch (kind) {
    case 'create':
    case 'upsert':
      return ['createEntity'];
    case 'update':
      return options.has('noOverwrite') ? ['appendAttrs'] : ['updateAttrs', 'updateEntity'];
    case 'merge':
      return ['mergeEntity'];
    case 'delete':
      return ['deleteEntity'];
  }
}

type Raw = Record<string, unknown>;

export interface BatchItem {
  id: string;
  /** Expanded types (empty when unknown, e.g. a batch delete). */
  types: string[];
  /** Expanded attribute names (empty for a delete). */
  attrs: string[];
  /** The entity as the client sent it (undefined for a delete). */
  body?: Raw | undefined;
}

export interface BatchPlan {
  /** Per entity id: the attributes left for the local batch; absent: the entity stays out of it. */
  local: Map<string, Set<string>>;
  run(): Promise<BatchResult>;
}

interface Share {
  item: BatchItem;
  /** undefined: the whole entity. */
  attrs: Set<string> | undefined;
}

function covered(info: StoredRegistrationInfo[], attrs: string[]): Set<string> | undefined | null {
  if (info.some((i) => !registeredNames(i))) return undefined;
  const names = new Set(info.flatMap((i) => registeredNames(i)!));
  const hit = attrs.filter((a) => names.has(a));
  return hit.length ? new Set(hit) : null;
}

function problemType(text: string): NgsiErrorType | undefined {
  try {
    const type = (JSON.parse(text) as Raw).type;
    return typeof type === 'string' ? (type.replace(/^https:\/\/uri\.etsi\.org\/ngsi-ld\/errors\//, '') as NgsiErrorType) : undefined;
  } catch {
    return undefined;
  }
}

const KNOWN = new Set(['BadRequestData', 'AlreadyExists', 'Conflict', 'OperationNotSupported', 'ResourceNotFound', 'InvalidRequest']);

/** A source's failure as the error of a batch result, of the source's own type when it is one of ours. */
export function sourceError(reg: StoredRegistration, status: number | undefined, text: string): NgsiError {
  const type = status !== undefined && status < 500 ? problemType(text) : undefined;
  const what = status === undefined ? text : `${reg.endpoint} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new NgsiError(type && KNOWN.has(type) ? type : 'ContextSourceFailed', `registration ${reg.id}: ${what}`);
}

export class DistributedBatch {
  constructor(private readonly federation: Federation) {}

  /** Splits the batch; `run` forwards the shares (the caller runs the local batch meanwhile). */
  async plan(kind: BatchKind, tenant: string, items: BatchItem[], terms: ResolvedTerms, request: FastifyRequest): Promise<BatchPlan | undefined> {
    const registrations = await this.federation.writeRegistrations(tenant, request);
    if (registrations.length === 0) return undefined;
    const local = new Map(items.map((item) => [item.id, new Set(item.attrs)]));
    const shares = new Map<StoredRegistration, Share[]>();
    const errors: BatchError[] = [];
    const share = (reg: StoredRegistration, s: Share) => shares.set(reg, [...(shares.get(reg) ?? []), s]);
    const proxied = registrations.filter((r) => r.mode === 'exclusive' || r.mode === 'redirect');
    for (const item of items) {
      const selector = item.types.length ? { kind: 'or' as const, items: item.types.map((name) => ({ kind: 'type' as const, name })) } : undefined;
      const matching = (reg: StoredRegistration) => matchingInformation(reg, { ids: [item.id], selector });
      for (const reg of proxied) {
        const info = matching(reg);
        if (info.length === 0) continue;
        // A delete also runs here (clause 5.6.6.4: the entity is removed locally if it exists).
        if (kind === 'delete') {
          const offered = offers(reg, BATCH_OPERATION[kind]) || offers(reg, 'deleteEntity');
          // Matched by type alone while the entity's type is unknown: it may not hold it, no Conflict.
          if (!offered && item.types.length === 0 && info.every((i) => i.entities?.every((e) => !e.id && !e.idPattern) ?? false)) continue;
          share(reg, { item, attrs: undefined });
          continue;
        }
        const attrs = covered(info, item.attrs);
        if (attrs === null) continue;
        if (attrs === undefined) local.delete(item.id);
        else for (const a of attrs) local.get(item.id)?.delete(a);
        share(reg, { item, attrs });
      }
      for (const reg of registrations.filter((r) => r.mode === 'inclusive')) {
        const remaining = local.get(item.id);
        if (!remaining) break;
        const info = matching(reg);
        if (info.length === 0) continue;
        const attrs = kind === 'delete' ? undefined : covered(info, [...remaining]);
        if (attrs === null) continue;
        share(reg, { item, attrs: attrs ?? new Set(remaining) });
      }
      // Update and merge with nothing left here: the entity stays out of the local batch.
      if ((kind === 'update' || kind === 'merge') && local.get(item.id)?.size === 0 && item.attrs.length > 0) local.delete(item.id);
    }
    return { local, run: () => this.#forward(kind, tenant, shares, errors, terms, request) };
  }

  async #forward(kind: BatchKind, tenant: string, shares: Map<StoredRegistration, Share[]>, errors: BatchError[], terms: ResolvedTerms, request: FastifyRequest): Promise<BatchResult> {
    const success = new Set<string>();
    await Promise.all([...shares].map(async ([reg, list]) => {
      const fail = (entityIds: string[], error: NgsiError) => entityIds.forEach((entityId) => errors.push({ entityId, error }));
      if (offers(reg, BATCH_OPERATION[kind])) {
        // upsert's replace/update and update's noOverwrite go along.
        const options = (request.query as Record<string, unknown> | undefined)?.options;
        const params = new URLSearchParams((kind === 'upsert' || kind === 'update') && typeof options === 'string' ? { options } : {});
        try {
          const answer = await this.federation.send(tenant, reg, request, {
            method: 'POST',
            path: () => `/entityOperations/${kind}`,
            params,
            body: (c) => list.map((s) => (kind === 'delete' ? s.item.id : renameBody(s.item.body ?? { id: s.item.id }, terms, c, s.attrs))),
          });
          if (answer.status >= 200 && answer.status < 300 && answer.status !== 207) list.forEach((s) => success.add(s.item.id));
          else if (answer.status === 207) this.#partial(reg, answer.text, list, success, errors);
          else fail(list.map((s) => s.item.id), sourceError(reg, answer.status, answer.text));
        } catch (error) {
          fail(list.map((s) => s.item.id), sourceError(reg, undefined, (error as Error).message));
        }
        return;
      }
      const opts = optionsOf((request.query ?? {}) as Query);
      const singles = singleOperations(kind, opts);
      if (!singles.some((op) => offers(reg, op))) {
        if (reg.mode !== 'inclusive') fail(list.map((s) => s.item.id), new NgsiError('Conflict', `registration ${reg.id} (${reg.mode}) holds this entity's attributes but offers neither ${BATCH_OPERATION[kind]} nor ${singles.join(' or ')}`));
        return;
      }
      await Promise.all(list.map(async (s) => {
        const id = encodeURIComponent(s.item.id);
        const body = (c: (iri: string) => string) => renameBody(s.item.body ?? {}, terms, c, s.attrs);
        const send = (method: string, path: string, params?: URLSearchParams) =>
          this.federation.send(tenant, reg, request, { method, path: () => path, ...(params ? { params } : {}), ...(method === 'DELETE' ? {} : { body }) });
        try {
          let answer = kind === 'create' || kind === 'upsert' ? await send('POST', '/entities')
            : kind === 'update' ? (opts.has('noOverwrite') ? await send('POST', `/entities/${id}/attrs`, new URLSearchParams({ options: 'noOverwrite' })) : await send('PATCH', `/entities/${id}/attrs`))
            : kind === 'merge' ? await send('PATCH', `/entities/${id}`)
            : await send('DELETE', `/entities/${id}`);
          if (kind === 'upsert' && answer.status === 409) {
            const then = opts.has('update') ? 'updateAttrs' : 'replaceEntity';
            if (!offers(reg, then)) {
              fail([s.item.id], new NgsiError('OperationNotSupported', `registration ${reg.id}: the source already holds the entity and offers no ${then}`));
              return;
            }
            answer = then === 'updateAttrs' ? await send('PATCH', `/entities/${id}/attrs`) : await send('PUT', `/entities/${id}`);
          }
          if (answer.status >= 200 && answer.status < 300) success.add(s.item.id);
          else fail([s.item.id], sourceError(reg, answer.status, answer.text));
        } catch (error) {
          fail([s.item.id], sourceError(reg, undefined, (error as Error).message));
        }
      }));
    }));
    return { success: [...success], created: [], errors };
  }

  /** A source's BatchOperationResult (207): its successes and errors, named with the registration. */
  #partial(reg: StoredRegistration, text: string, list: Share[], success: Set<string>, errors: BatchError[]): void {
    let body: Raw = {};
    try {
      body = JSON.parse(text) as Raw;
    } catch {
      // Not a BatchOperationResult: every entity counts as failed below.
    }
    const succeeded = new Set(Array.isArray(body.success) ? body.success.filter((id): id is string => typeof id === 'string') : []);
    const reported = new Map<string, Raw>();
    for (const e of Array.isArray(body.errors) ? (body.errors as Raw[]) : []) {
      if (typeof e.entityId === 'string') reported.set(e.entityId, (e.error as Raw | undefined) ?? {});
    }
    for (const s of list) {
      if (succeeded.has(s.item.id)) {
        success.add(s.item.id);
        continue;
      }
      const problem = reported.get(s.item.id) ?? {};
      const type = typeof problem.type === 'string' ? problem.type.replace(/^https:\/\/uri\.etsi\.org\/ngsi-ld\/errors\//, '') : '';
      const detail = typeof problem.detail === 'string' ? problem.detail : 'not in the source\'s list of successes';
      errors.push({ entityId: s.item.id, error: new NgsiError(KNOWN.has(type) ? (type as NgsiErrorType) : 'ContextSourceFailed', `registration ${reg.id}: ${detail}`) });
    }
  }
}
