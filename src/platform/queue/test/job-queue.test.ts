import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase } from '../../../../test/helpers/test-database.ts';
import { closeTestDatabase } from '../../../../test/helpers/cli.ts';
import type { DatabaseHandle } from '../../db/database.ts';
import { backoffMs, JobQueue } from '../job-queue.ts';

async function job(database: DatabaseHandle, id: number) {
  return database.db.selectFrom('platform_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Calls runDue until the job is finished (done or dead) or the time runs out. */
async function drain(queue: JobQueue, database: DatabaseHandle, id: number, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await queue.runDue();
    const row = await job(database, id);
    if (row.status === 'done' || row.status === 'dead') return row;
    if (Date.now() > until) assert.fail(`job ${id} is still ${row.status} after ${timeoutMs} ms`);
    await sleep(5);
  }
}

describe('job queue', () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await createTestDatabase({ seeded: false });
  });
  after(() => closeTestDatabase(database));
  beforeEach(async () => {
    await database.db.deleteFrom('platform_jobs').execute();
  });

  it('enqueue should write nothing when the transaction that enqueued rolls back', async () => {
    const queue = new JobQueue(database.db);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        const id = await queue.enqueue(trx, 'mail.send', { to: 'x' });
        assert.ok(id);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.deepEqual(await database.db.selectFrom('platform_jobs').select('id').execute(), []);
  });

  it('runDue should retry with later run_at each time when a handler fails twice, then mark it done', async () => {
    const queue = new JobQueue(database.db, { baseBackoffMs: 20 });
    const seen: Array<{ attempt: number; payload: unknown }> = [];
    const runAts: number[] = [];
    queue.handle('flaky', async (payload, info) => {
      seen.push({ attempt: info.attempt, payload });
      if (info.attempt < 3) throw new Error(`failure ${info.attempt}`);
    });
    const id = (await queue.enqueue(database.db, 'flaky', { n: 1 }))!;
    runAts.push((await job(database, id)).run_at.getTime());
    for (let i = 0; i < 2; i++) {
      while ((await queue.runDue()) === 0) await sleep(5);
      const row = await job(database, id);
      assert.equal(row.status, 'pending');
      assert.equal(row.last_error, `failure ${i + 1}`);
      runAts.push(row.run_at.getTime());
    }
    const done = await drain(queue, database, id);
    assert.deepEqual(seen, [1, 2, 3].map((attempt) => ({ attempt, payload: { n: 1 } })));
    assert.equal(done.status, 'done');
    assert.equal(done.attempts, 3);
    assert.equal(done.last_error, null);
    assert.ok(runAts[0]! < runAts[1]! && runAts[1]! < runAts[2]!, `run_at should increase: ${runAts.join(', ')}`);
  });

  it('runDue should park a job as dead with its last error when every attempt fails', async () => {
    const errors: number[] = [];
    const queue = new JobQueue(database.db, { baseBackoffMs: 1, onError: (_e, info) => errors.push(info.attempt) });
    let runs = 0;
    queue.handle('broken', async () => {
      runs += 1;
      throw new Error(`still broken (${runs})`);
    });
    const id = (await queue.enqueue(database.db, 'broken', null, { maxAttempts: 3 }))!;
    const dead = await drain(queue, database, id);
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 3);
    assert.equal(dead.last_error, 'still broken (3)');
    assert.equal(runs, 3);
    assert.deepEqual(errors, [1, 2, 3]);
    await sleep(20);
    assert.equal(await queue.runDue(), 0, 'a dead job is not run again');
  });

  it('runDue should run a job again when the worker that claimed it stopped before finishing', async () => {
    const queue = new JobQueue(database.db);
    const attempts: number[] = [];
    queue.handle('report', async (_payload, info) => {
      attempts.push(info.attempt);
    });
    const id = (await queue.enqueue(database.db, 'report', {}))!;
    // A worker claimed it (attempt 1) and died: the row is running with a lease in the past.
    await database.db
      .updateTable('platform_jobs')
      .set({ status: 'running', attempts: 1, locked_until: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    assert.equal(await queue.runDue(), 1);
    assert.deepEqual(attempts, [2]);
    assert.equal((await job(database, id)).status, 'done');
  });

  it('runDue should not claim a job whose lease is still running', async () => {
    const queue = new JobQueue(database.db);
    queue.handle('report', async () => {});
    const id = (await queue.enqueue(database.db, 'report', {}))!;
    await database.db
      .updateTable('platform_jobs')
      .set({ status: 'running', attempts: 1, locked_until: sql<Date>`now() + interval '1 minute'` })
      .where('id', '=', id)
      .execute();
    assert.equal(await queue.runDue(), 0);
  });

  it('runDue should park a job as dead when its worker stopped during the last attempt', async () => {
    const queue = new JobQueue(database.db);
    let runs = 0;
    queue.handle('crashes-worker', async () => {
      runs += 1;
    });
    const id = (await queue.enqueue(database.db, 'crashes-worker', {}, { maxAttempts: 2 }))!;
    await database.db
      .updateTable('platform_jobs')
      .set({ status: 'running', attempts: 2, locked_until: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', id)
      .execute();
    assert.equal(await queue.runDue(), 0);
    const row = await job(database, id);
    assert.equal(runs, 0);
    assert.equal(row.status, 'dead');
    assert.match(row.last_error ?? '', /lease ran out/);
  });

  it('runDue should renew the lease while a slow handler runs, so the job is not claimed twice', async () => {
    const queue = new JobQueue(database.db, { leaseMs: 150 });
    let running = 0;
    let overlapped = false;
    let runs = 0;
    queue.handle('slow', async () => {
      runs += 1;
      running += 1;
      if (running > 1) overlapped = true;
      await sleep(600);
      running -= 1;
    });
    const id = (await queue.enqueue(database.db, 'slow', {}))!;
    const first = queue.runDue();
    // Another worker polls repeatedly while the first still runs, well past the lease.
    const other = new JobQueue(database.db, { leaseMs: 150 });
    other.handle('slow', async () => {
      runs += 1;
      overlapped = true;
    });
    for (let i = 0; i < 8; i++) {
      await sleep(60);
      await other.runDue();
    }
    await first;
    assert.equal(overlapped, false);
    assert.equal(runs, 1);
    assert.equal((await job(database, id)).status, 'done');
  });

  it('enqueue should return null and write nothing when the dedupe key was used before', async () => {
    const queue = new JobQueue(database.db);
    const first = await queue.enqueue(database.db, 'mail.send', { n: 1 }, { dedupeKey: 'receipt:42' });
    const second = await queue.enqueue(database.db, 'mail.send', { n: 2 }, { dedupeKey: 'receipt:42' });
    assert.equal(typeof first, 'number');
    assert.equal(second, null);
    const rows = await database.db.selectFrom('platform_jobs').select(['id', 'payload']).execute();
    assert.deepEqual(rows, [{ id: first, payload: { n: 1 } }]);
  });

  it('enqueue should schedule a job for later when runAt is in the future', async () => {
    const queue = new JobQueue(database.db);
    queue.handle('later', async () => {});
    await queue.enqueue(database.db, 'later', {}, { runAt: new Date(Date.now() + 60_000) });
    assert.equal(await queue.runDue(), 0);
    assert.deepEqual(await queue.counts(), { pending: 1 });
  });

  it('start should process jobs in the background and stop should wait for the one in progress', async () => {
    const queue = new JobQueue(database.db, { pollMs: 20 });
    const done: number[] = [];
    queue.handle('bg', async (payload: { n: number }) => {
      await sleep(30);
      done.push(payload.n);
    });
    queue.start();
    try {
      for (let n = 1; n <= 5; n++) await queue.enqueue(database.db, 'bg', { n });
      const until = Date.now() + 10_000;
      while (done.length < 5 && Date.now() < until) await sleep(10);
      assert.deepEqual([...done].sort(), [1, 2, 3, 4, 5]);
      await queue.enqueue(database.db, 'bg', { n: 6 });
      await sleep(5);
    } finally {
      await queue.stop();
    }
    // stop() returned: the last job either finished or was never claimed; none is left running.
    const counts = await queue.counts();
    assert.equal(counts.running, undefined);
    const finished = done.length;
    await queue.enqueue(database.db, 'bg', { n: 7 });
    await sleep(100);
    assert.equal(done.length, finished, 'a stopped queue runs nothing');
  });

  it('backoffMs should grow exponentially with jitter in the upper half, capped at the maximum', () => {
    assert.equal(backoffMs(1, 1000, 60_000, () => 0), 500);
    assert.equal(backoffMs(1, 1000, 60_000, () => 1), 1000);
    assert.equal(backoffMs(3, 1000, 60_000, () => 1), 4000);
    assert.equal(backoffMs(30, 1000, 60_000, () => 1), 60_000);
  });

  it('two queues on one PostgreSQL database should never run the same job twice at once', async (t) => {
    if (database.kind !== 'postgres') {
      t.skip('needs PostgreSQL (DATABASE_URL): PGlite is one connection in one process');
      return;
    }
    const running = new Set<number>();
    const runs = new Map<number, number>();
    let overlaps = 0;
    const handler = async (_payload: unknown, info: { id: number }) => {
      if (running.has(info.id)) overlaps += 1;
      running.add(info.id);
      runs.set(info.id, (runs.get(info.id) ?? 0) + 1);
      await sleep(Math.random() * 10);
      running.delete(info.id);
    };
    const a = new JobQueue(database.db, { concurrency: 5 });
    const b = new JobQueue(database.db, { concurrency: 5 });
    a.handle('work', handler);
    b.handle('work', handler);
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) ids.push((await a.enqueue(database.db, 'work', { i }))!);
    const worker = async (queue: JobQueue) => {
      let idle = 0;
      while (idle < 3) idle = (await queue.runDue()) === 0 ? idle + 1 : 0;
    };
    await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
    assert.equal(overlaps, 0);
    assert.deepEqual(ids.filter((id) => runs.get(id) !== 1), [], 'every job ran exactly once');
    assert.deepEqual(await a.counts(), { done: 60 });
  });
});
