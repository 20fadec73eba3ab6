// What the HTTP benchmarks share: a fresh database on either backend, the real server started on
// it (`tsunagu serve`), and a closed-loop load generator with latency percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildTsunagu, type Tsunagu } from '../src/app.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const KEY = `bench:${randomBytes(32).toString('base64')}`;

export type Backend = { kind: 'postgres'; url: string; drop(): Promise<void> } | { kind: 'pglite'; dataDir: string; drop(): Promise<void> };

export function backendsFrom(args: string[]): Array<'postgres' | 'pglite'> {
  return args.includes('--pglite') ? ['pglite'] : args.includes('--postgres') ? ['postgres'] : ['postgres', 'pglite'];
}

export function machineLine(): string {
  return `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}

export async function backend(kind: 'postgres' | 'pglite', label: string): Promise<Backend> {
  if (kind === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tsunagu-bench-${label}-`));
    return { kind, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `tsunagu_bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    kind,
    url: `${PG_URL}/${name}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: `${PG_URL}/postgres` });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function envOf(b: Backend, base: string): Record<string, string> {
  return {
    ...(b.kind === 'postgres' ? { DATABASE_URL: b.url } : { TSUNAGU_DATA_DIR: b.dataDir }),
    TSUNAGU_DATA_KEY: KEY,
    TSUNAGU_DEMO_DATA: 'true',
    TSUNAGU_SECURE_COOKIES: 'false',
    TSUNAGU_RATE_LIMIT: '1000000',
    TSUNAGU_LOGIN_RATE_LIMIT: '1000000',
    TSUNAGU_PUBLIC_URL: base,
  };
}

/** The application on the backend, in this process, to prepare data before the server starts. */
export async function withApp<T>(b: Backend, base: string, work: (tsunagu: Tsunagu) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...process.env, ...envOf(b, base), TSUNAGU_WORKER: 'false' });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir });
  const tsunagu = await buildTsunagu({ config, database, logger: false });
  try {
    await tsunagu.seed();
    return await work(tsunagu);
  } finally {
    await tsunagu.close();
    await database.close();
  }
}

export async function startServer(b: Backend, base: string, port: number): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server, as in bench/broker.ts.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'bin/tsunagu.mjs', 'serve'], {
    env: { ...process.env, ...envOf(b, base), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TSUNAGU_DEMO_PROCESSES: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summary(latencies: number[], seconds: number): string {
  latencies.sort((a, b) => a - b);
  return `${(latencies.length / seconds).toFixed(0)}/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${latencies.length} in ${seconds.toFixed(1)} s)`;
}

/** `concurrency` workers, each timing one request after another, for `seconds`. */
export async function during(seconds: number, concurrency: number, work: (worker: number, i: number) => Promise<number>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < until; i++) latencies.push(await work(worker, i));
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}
