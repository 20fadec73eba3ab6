// Group commit for single-entity writes. Each create or update of one entity used to be its own
// transaction of several round trips and a commit (a WAL flush); under concurrent load the
// commits, not the work, bounded the rate. Here concurrent writes to one tenant queue up while
// earlier groups are in flight and then run together: one transaction loads every entity they
// touch (row locks, in id order), applies the operations in arrival order, and writes all
// resulting changes with EntityStore.write's multi-row statements. A group never holds two
// operations on the same entity (the second waits for the next group), so every operation stays
// one change with its own temporal instances and notifications.
//
// Each operation is still answered with its own result or error: an operation that fails with
// an NgsiError (AlreadyExists, ResourceNotFound, …) leaves no trace and does not affect the
// others. If the group's transaction fails for another reason (a unique violation from a
// concurrent create in another process, a deadlock, a database error), every operation of the
// group is run again alone, so one bad operation can never fail its neighbours.
import { NgsiError } from '../errors.ts';
import { isUniqueViolation, type EntityChange, type EntityStore } from './entity-store.ts';
import type { StoredEntity } from './stored-entity.ts';

/** A new state per entity id (null: deleted), and what the caller is answered. */
export interface Outcome<T> {
  writes: Array<[string, StoredEntity | null]>;
  result: T;
}

/**
 * One single-entity write: decides from the current states (earlier operations of the group
 * included) or throws an NgsiError that becomes its answer. Pure: no I/O, no side effects.
 */
export type Operation<T> = (current: (id: string) => StoredEntity | undefined) => Outcome<T>;

interface Pending {
  ids: string[];
  operation: Operation<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Groups in flight at once (each holds one connection). */
  concurrency: number;
  /** Most operations in one group (bounds a transaction's size and lock set). */
  maxGroup?: number;
}

export class GroupCommit {
  readonly #queues = new Map<string, Pending[]>();
  readonly #concurrency: number;
  readonly #maxGroup: number;
  #inFlight = 0;
  #scheduled = false;

  constructor(private readonly store: EntityStore, options: GroupCommitOptions) {
    this.#concurrency = Math.max(1, options.concurrency);
    this.#maxGroup = options.maxGroup ?? 200;
  }

  run<T>(tenant: string, ids: string[], operation: Operation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.#queues.get(tenant);
      if (!queue) this.#queues.set(tenant, (queue = []));
      queue.push({ ids, operation, resolve: resolve as (value: unknown) => void, reject });
      // Dispatch after the requests already read in this turn of the event loop have queued
      // too, so they share a group rather than the first one going alone. It matters most on
      // PGlite, which runs in this thread: while it works, requests wait unread.
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#dispatch();
        });
      }
    });
  }

  /** Starts groups while fewer than `concurrency` are in flight, taking tenants in turn. */
  #dispatch(): void {
    while (this.#inFlight < this.#concurrency && this.#queues.size > 0) {
      const [tenant, queue] = this.#queues.entries().next().value!;
      const group = queue.splice(0, this.#groupSize(queue));
      // Re-inserted at the end if more is waiting: the next group goes to another tenant.
      this.#queues.delete(tenant);
      if (queue.length > 0) this.#queues.set(tenant, queue);
      this.#inFlight++;
      void this.#commit(tenant, group).finally(() => {
        this.#inFlight--;
        this.#dispatch();
      });
    }
  }

  /**
   * How many queued operations go into the next group: at most maxGroup, and never two on the
   * same entity, so each operation is one change of its own (its own history instances and
   * notifications) rather than being folded into its neighbour's.
   */
  #groupSize(queue: Pending[]): number {
    const touched = new Set<string>();
    let n = 0;
    for (; n < queue.length && n < this.#maxGroup; n++) {
      const ids = queue[n]!.ids;
      if (ids.some((id) => touched.has(id))) break;
      for (const id of ids) touched.add(id);
    }
    return Math.max(1, n);
  }

  async #commit(tenant: string, group: Pending[]): Promise<void> {
    let answers: Array<{ ok: true; value: unknown } | { ok: false; error: NgsiError }>;
    try {
      answers = await this.#attempt(tenant, group);
    } catch (error) {
      if (group.length > 1) {
        for (const pending of group) await this.#commit(tenant, [pending]);
        return;
      }
      // Alone: a concurrent create of the same id shows on a second attempt as AlreadyExists.
      if (!isUniqueViolation(error)) return group[0]!.reject(error);
      try {
        answers = await this.#attempt(tenant, group);
      } catch (again) {
        return group[0]!.reject(again);
      }
    }
    answers.forEach((answer, i) => (answer.ok ? group[i]!.resolve(answer.value) : group[i]!.reject(answer.error)));
  }

  /** One transaction for the whole group; throws only for failures that are not an operation's own. */
  #attempt(tenant: string, group: Pending[]) {
    return this.store.transaction(async (trx) => {
      const initial = await this.store.load(trx, tenant, [...new Set(group.flatMap((p) => p.ids))]);
      const current = new Map<string, StoredEntity | null>(initial);
      const get = (id: string) => current.get(id) ?? undefined;
      const answers = group.map((pending) => {
        try {
          const { writes, result } = pending.operation(get);
          for (const [id, after] of writes) current.set(id, after);
          return { ok: true as const, value: result };
        } catch (error) {
          if (error instanceof NgsiError) return { ok: false as const, error };
          throw error;
        }
      });
      const changes: EntityChange[] = [];
      for (const [id, after] of current) {
        const before = initial.get(id) ?? null;
        if (before !== after && (before !== null || after !== null)) changes.push({ tenant, before, after });
      }
      await this.store.write(trx, changes);
      return answers;
    });
  }
}
