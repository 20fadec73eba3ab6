// Entity operations (clause 5.6) and batch operations (clause 5.6.7–5.6.10, 5.6.18): each one
// loads the entities it touches with row locks, computes their new states with the pure
// functions of entity-changes.ts, and writes them in one transaction. Concurrent single-entity
// operations share a transaction (group-commit.ts), each still answered on its own. A batch is
// one transaction too, with a result per entity: entities that fail are reported and left
// untouched, the rest are written.
import { NgsiError } from '../errors.ts';
import {
  appendAttributes,
  deleteAttribute,
  mergeEntity,
  newEntity,
  patchAttribute,
  replaceEntity,
  updateAttributes,
  type NotUpdated,
} from './entity-changes.ts';
import type { EntityInput } from './entity-input.ts';
import { isUniqueViolation, type EntityChange, type EntityStore } from './entity-store.ts';
import { GroupCommit } from './group-commit.ts';
import type { StoredAttribute, StoredAttributes, StoredEntity } from './stored-entity.ts';

export interface BatchError {
  entityId: string;
  error: NgsiError;
}

export interface BatchResult {
  success: string[];
  /** Ids of entities that a batch upsert created (as opposed to updated). */
  created: string[];
  errors: BatchError[];
}

export interface AttributeResult {
  updated: string[];
  notUpdated: NotUpdated[];
}

const now = () => new Date().toISOString();

function notFound(id: string): NgsiError {
  return new NgsiError('ResourceNotFound', `Entity ${id} does not exist`);
}

export class EntityService {
  readonly #group: GroupCommit;

  /** `concurrency`: single-entity write transactions in flight at once (group-commit.ts). */
  constructor(private readonly store: EntityStore, concurrency = 4) {
    this.#group = new GroupCommit(store, { concurrency });
  }

  async create(tenant: string, input: EntityInput): Promise<void> {
    const entity = newEntity(tenant, input, now());
    await this.#group.run(tenant, [input.id], (current) => {
      if (current(input.id)) throw new NgsiError('AlreadyExists', `Entity ${input.id} already exists`);
      return { writes: [[input.id, entity]], result: undefined };
    });
  }

  /** Runs `change` on one existing entity (under a row lock, grouped with concurrent writes). */
  #modify<T>(tenant: string, id: string, change: (before: StoredEntity) => { after: StoredEntity | null; result: T }): Promise<T> {
    return this.#group.run(tenant, [id], (current) => {
      const before = current(id);
      if (!before) throw notFound(id);
      const { after, result } = change(before);
      return { writes: after === before ? [] : [[id, after]], result };
    });
  }

  async delete(tenant: string, id: string): Promise<void> {
    await this.#modify(tenant, id, () => ({ after: null, result: undefined }));
  }

  async replace(tenant: string, id: string, input: EntityInput): Promise<void> {
    await this.#modify(tenant, id, (before) => ({ after: replaceEntity(before, input, now()), result: undefined }));
  }

  async merge(tenant: string, id: string, input: EntityInput): Promise<void> {
    await this.#modify(tenant, id, (before) => ({ after: mergeEntity(before, input, now()), result: undefined }));
  }

  async append(tenant: string, id: string, attrs: StoredAttributes, noOverwrite: boolean, types: string[] = [], scopes: string[] | null = null): Promise<AttributeResult> {
    return this.#modify(tenant, id, (before) => {
      const { after, updated, notUpdated } = appendAttributes(before, attrs, now(), noOverwrite, types, scopes);
      return { after: updated.length || types.length || scopes ? after : before, result: { updated, notUpdated } };
    });
  }

  async update(tenant: string, id: string, attrs: StoredAttributes): Promise<AttributeResult> {
    return this.#modify(tenant, id, (before) => {
      const { after, updated, notUpdated } = updateAttributes(before, attrs, now());
      return { after: updated.length ? after : before, result: { updated, notUpdated } };
    });
  }

  async patchAttribute(tenant: string, id: string, iri: string, patch: StoredAttribute): Promise<void> {
    await this.#modify(tenant, id, (before) => ({ after: patchAttribute(before, iri, patch, now()), result: undefined }));
  }

  async deleteAttribute(tenant: string, id: string, iri: string, datasetId: string | undefined, deleteAll: boolean): Promise<void> {
    await this.#modify(tenant, id, (before) => ({ after: deleteAttribute(before, iri, datasetId, deleteAll, now()), result: undefined }));
  }

  /**
   * The engine of every batch operation: `step` decides, per entity in request order, the new
   * state from the current one (which includes earlier steps of the same batch) or throws an
   * NgsiError that becomes that entity's error.
   */
  async batch(
    tenant: string,
    ids: string[],
    step: (id: string, index: number, current: StoredEntity | undefined) => StoredEntity | null | 'unchanged',
  ): Promise<BatchResult> {
    const run = () =>
      this.store.transaction(async (trx) => {
        const existing = await this.store.load(trx, tenant, [...new Set(ids)]);
        const initial = new Map(existing);
        const current = new Map(existing);
        const result: BatchResult = { success: [], created: [], errors: [] };
        ids.forEach((id, index) => {
          try {
            const next = step(id, index, current.get(id));
            if (next === 'unchanged') {
              result.success.push(id);
              return;
            }
            if (next === null) current.delete(id);
            else current.set(id, next);
            result.success.push(id);
            if (next && !initial.has(id) && !result.created.includes(id)) result.created.push(id);
          } catch (error) {
            if (!(error instanceof NgsiError)) throw error;
            result.errors.push({ entityId: id, error });
          }
        });
        const changes: EntityChange[] = [];
        for (const id of new Set(ids)) {
          const before = initial.get(id) ?? null;
          const after = current.get(id) ?? null;
          if (before === after || (before === null && after === null)) continue;
          changes.push({ tenant, before, after });
        }
        await this.store.write(trx, changes);
        return result;
      });
    try {
      return await run();
    } catch (error) {
      // Another request created one of these entities between our read and write: the second
      // attempt sees it and reports it per entity.
      if (isUniqueViolation(error)) return run();
      throw error;
    }
  }

  createMany(tenant: string, inputs: EntityInput[]): Promise<BatchResult> {
    const t = now();
    return this.batch(tenant, inputs.map((i) => i.id), (id, index, current) => {
      if (current) throw new NgsiError('AlreadyExists', `Entity ${id} already exists`);
      return newEntity(tenant, inputs[index]!, t);
    });
  }

  upsertMany(tenant: string, inputs: EntityInput[], mode: 'replace' | 'update'): Promise<BatchResult> {
    const t = now();
    return this.batch(tenant, inputs.map((i) => i.id), (_id, index, current) => {
      const input = inputs[index]!;
      if (!current) return newEntity(tenant, input, t);
      if (mode === 'replace') return replaceEntity(current, input, t);
      return appendAttributes(current, input.attrs, t, false, input.types, input.scopes).after;
    });
  }

  updateMany(tenant: string, inputs: EntityInput[], noOverwrite: boolean): Promise<BatchResult> {
    const t = now();
    return this.batch(tenant, inputs.map((i) => i.id), (id, index, current) => {
      if (!current) throw notFound(id);
      const input = inputs[index]!;
      return appendAttributes(current, input.attrs, t, noOverwrite, input.types, input.scopes).after;
    });
  }

  mergeMany(tenant: string, inputs: EntityInput[]): Promise<BatchResult> {
    const t = now();
    return this.batch(tenant, inputs.map((i) => i.id), (id, index, current) => {
      if (!current) throw notFound(id);
      return mergeEntity(current, inputs[index]!, t);
    });
  }

  /**
   * Purge Entities' local part (clause 5.6.21.4): the entities deleted, or with `attrs` only
   * the attributes it selects (every instance). An entity gone meanwhile is skipped.
   */
  purgeMany(tenant: string, ids: string[], attrs?: { drop?: Set<string>; keep?: Set<string> }): Promise<BatchResult> {
    const t = now();
    return this.batch(tenant, ids, (_id, _index, current) => {
      if (!current) return 'unchanged';
      if (!attrs) return null;
      const doomed = Object.keys(current.attrs).filter((name) => (attrs.drop ? attrs.drop.has(name) : !attrs.keep!.has(name)));
      if (doomed.length === 0) return 'unchanged';
      return doomed.reduce((entity, name) => deleteAttribute(entity, name, undefined, true, t), current);
    });
  }

  deleteMany(tenant: string, ids: string[]): Promise<BatchResult> {
    return this.batch(tenant, ids, (id, _index, current) => {
      if (!current) throw notFound(id);
      return null;
    });
  }
}
