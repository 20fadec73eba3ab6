// Durable background work (the outbox). A job is a row written in the same transaction as the
// change that causes it, so committing the change commits the work. Workers claim due jobs with
// FOR UPDATE SKIP LOCKED and a lease: if a worker dies mid-job, the lease runs out and another
// claim runs it again. Delivery is therefore at least once, and handlers must be idempotent
// (use the job id or a dedupe key). Failures are retried with exponential backoff and jitter;
// after max_attempts the job is parked as "dead" with its last error, for an operator to see.
//
// This in-process runner is the embedded default. It uses only SQL, so several processes
// against one PostgreSQL share the work safely; a NATS JetStream runner can implement the same
// interface when a module needs cross-service fan-out.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

export interface JobInfo {
  id: number;
  topic: string;
  attempt: number;
}

export type JobHandler = (payload: any, job: JobInfo) => Promise<void>;

export interface EnqueueOptions {
  /** Do not run before this time. */
  runAt?: Date;
  maxAttempts?: number;
  /** A second enqueue with the same key is ignored (returns null). */
  dedupeKey?: string;
}

export interface QueueOptions {
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  onError?: (error: unknown, job: JobInfo) => void;
}

interface ClaimedJob {
  id: number;
  topic: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

export function backoffMs(attempt: number, base: number, max: number, random = Math.random): number {
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  // Full jitter in the upper half, so retries from many jobs do not arrive in lockstep.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export class JobQueue {
  readonly #handlers = new Map<string, JobHandler>();
  readonly #options: Required<Omit<QueueOptions, 'onError'>> & Pick<QueueOptions, 'onError'>;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #active = new Set<Promise<unknown>>();

  constructor(
    private readonly db: Database,
    options: QueueOptions = {},
  ) {
    this.#options = {
      leaseMs: options.leaseMs ?? 60_000,
      pollMs: options.pollMs ?? 1_000,
      concurrency: options.concurrency ?? 4,
      baseBackoffMs: options.baseBackoffMs ?? 2_000,
      maxBackoffMs: options.maxBackoffMs ?? 3_600_000,
      onError: options.onError,
    };
  }

  handle(topic: string, handler: JobHandler): void {
    if (this.#handlers.has(topic)) throw new Error(`Job topic "${topic}" has two handlers`);
    this.#handlers.set(topic, handler);
  }

  /** Writes a job. Pass the transaction of the change that causes it. */
  async enqueue(db: Database, topic: string, payload: unknown, options: EnqueueOptions = {}): Promise<number | null> {
    const row = await db
      .insertInto('platform_jobs')
      .values({
        topic,
        payload: JSON.stringify(payload ?? null),
        max_attempts: options.maxAttempts ?? 10,
        run_at: options.runAt ?? sql<Date>`now()`,
        dedupe_key: options.dedupeKey ?? null,
        locked_until: null,
        last_error: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) this.#wake();
    return row?.id ?? null;
  }

  /** Claims and runs the jobs due now; returns how many ran. The worker loop calls this. */
  async runDue(limit = this.#options.concurrency): Promise<number> {
    const leaseSecs = this.#options.leaseMs / 1000;
    // A job whose lease ran out during its last attempt (the worker died, perhaps because of
    // the job itself) is parked rather than claimed again: otherwise a job that crashes its
    // worker would be retried for ever, past max_attempts.
    await sql`
      update platform_jobs set status = 'dead', locked_until = null, updated_at = now(),
        last_error = left(concat_ws(chr(10), last_error, 'the worker stopped during the last attempt (its lease ran out)'), 2000)
      where status = 'running' and locked_until < now() and attempts >= max_attempts`.execute(this.db);
    // The CTE claims exactly the rows it locked (FOR UPDATE SKIP LOCKED), so two workers never
    // claim the same job; a claim's lease is renewed while its handler runs (#run).
    const claimed = await sql<ClaimedJob>`
      with due as (
        select id from platform_jobs
        where (status = 'pending' and run_at <= now())
           or (status = 'running' and locked_until < now() and attempts < max_attempts)
        order by run_at, id
        limit ${limit}
        for update skip locked)
      update platform_jobs j set status = 'running', attempts = j.attempts + 1, updated_at = now(),
        locked_until = now() + make_interval(secs => ${leaseSecs})
      from due where j.id = due.id
      returning j.id, j.topic, j.payload, j.attempts, j.max_attempts`.execute(this.db);
    await Promise.all(claimed.rows.map((job) => this.#run(job)));
    return claimed.rows.length;
  }

  async #run(job: ClaimedJob) {
    const info = { id: job.id, topic: job.topic, attempt: job.attempts };
    const handler = this.#handlers.get(job.topic);
    const leaseSecs = this.#options.leaseMs / 1000;
    // Renew the lease while the handler runs, so a slow handler is not claimed a second time by
    // another worker while it is still running; only a worker that has died loses its lease.
    const renew = setInterval(() => {
      this.db
        .updateTable('platform_jobs')
        .set({ locked_until: sql`now() + make_interval(secs => ${leaseSecs})` })
        .where('id', '=', job.id)
        .where('attempts', '=', job.attempts)
        .where('status', '=', 'running')
        .execute()
        .catch(() => {}); // the next renewal or the final update reports a lost database
    }, Math.max(20, Math.floor(this.#options.leaseMs / 3)));
    renew.unref();
    try {
      if (!handler) throw new Error(`no handler for topic "${job.topic}"`);
      await handler(job.payload, info);
      clearInterval(renew);
      // The attempt number makes a late finisher (whose lease expired) leave the row alone.
      await this.db
        .updateTable('platform_jobs')
        .set({ status: 'done', locked_until: null, last_error: null, updated_at: sql`now()` })
        .where('id', '=', job.id)
        .where('attempts', '=', job.attempts)
        .execute();
    } catch (error) {
      clearInterval(renew);
      try {
        this.#options.onError?.(error, info);
      } catch {
        // A failing error reporter must not leave the job claimed until its lease runs out.
      }
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
      const dead = !handler || job.attempts >= job.max_attempts;
      const delay = backoffMs(job.attempts, this.#options.baseBackoffMs, this.#options.maxBackoffMs);
      await this.db
        .updateTable('platform_jobs')
        .set({
          status: dead ? 'dead' : 'pending',
          locked_until: null,
          last_error: message,
          run_at: sql`now() + make_interval(secs => ${delay / 1000})`,
          updated_at: sql`now()`,
        })
        .where('id', '=', job.id)
        .where('attempts', '=', job.attempts)
        .execute();
    }
  }

  /** Starts polling in this process. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops polling and waits for jobs in progress to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#active]);
  }

  #wake() {
    if (this.#running && this.#active.size === 0) this.#schedule(0);
  }

  #schedule(delay: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  async #tick() {
    if (!this.#running || this.#active.size > 0) return;
    const work = this.runDue().catch((error) => {
      this.#options.onError?.(error, { id: 0, topic: '(claim)', attempt: 0 });
      return 0;
    });
    this.#active.add(work);
    const ran = await work;
    this.#active.delete(work);
    // Keep draining while there is work; otherwise wait for the next poll.
    if (this.#running) this.#schedule(ran > 0 ? 0 : this.#options.pollMs);
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('platform_jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
