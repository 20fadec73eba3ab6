// npm run bench -- broker [--postgres | --pglite] [--quick]
// (BENCH_SERVER_NODE_ARGS passes node options to the server, e.g. to profile it; BENCH_PORT and
// BENCH_RECEIVER_PORT choose the server's and the notification receiver's ports.)
//
// Figures for the NGSI-LD context broker (src/broker) on this machine, against the real server
// started as a child process (node bin/tsunagu.mjs serve), on PostgreSQL (a fresh database on
// BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432, created and dropped here) and on the
// embedded PGlite (a fresh data directory). Both by default.
//
//   1. raw database insert rate (same table shape and indexes as broker_entities, same rows):
//      a plain INSERT loop from Node (and pgbench when installed) — the ceiling for creates;
//   2. single-entity creates/s (POST /entities) and retrieves/s (GET /entities/{id});
//   3. batch upsert entities/s (POST entityOperations/upsert, 1,000 per request): loading the
//      100,000 entities that the queries below run over, then a second pass over existing ones;
//   4. type + q query latency p50/p99 over those 100,000 entities (several selectivities), from one
//      client (latency) and from four (the cores saturated);
//   5. geo near query latency;
//   6. notification latency (entity change → notification received by a local HTTP receiver).
//
// The client is node:http with keep-alive, N concurrent workers, in this process: on a 2-core
// machine it competes with the server and the database for CPU, so each phase also prints where
// the CPU went (server process, this client, everything else ≈ the database). Figures only; no
// assertions. Record them in docs/performance.md with the command and the machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';

const PORT = Number(process.env.BENCH_PORT ?? 3901);
const RECEIVER_PORT = Number(process.env.BENCH_RECEIVER_PORT ?? PORT + 100);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const TENANT = '072010'; // 福島市, a platform tenant of the demo data
const BASE = '/ngsi-ld/v1';

interface Options {
  quick: boolean;
  backends: Array<'postgres' | 'pglite'>;
}

// ---------------------------------------------------------------------------------------------
// HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function request(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path: urlPath,
        agent,
        headers: {
          'ngsild-tenant': TENANT,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function expectStatus(answer: Promise<Answer>, ok: number[], what: string): Promise<Answer> {
  const a = await answer;
  if (!ok.includes(a.status)) throw new Error(`${what}: HTTP ${a.status} ${a.body.slice(0, 500)}`);
  return a;
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: where the two cores went during a phase

interface CpuMark {
  at: number;
  server: number; // seconds of CPU used by the server process
  client: number; // seconds used by this process
  postgres: Map<number, number>; // seconds used by local PostgreSQL processes (backends, walwriter, …)
  busy: number; // seconds of CPU used machine-wide
}

function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return 0;
  }
}

function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - idle) / 100;
}

let serverPid = 0;

/** CPU seconds of every process named `postgres` (the local server's backends and helpers), by pid. */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') out.set(Number(entry), procCpuSeconds(Number(entry)));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU used by PostgreSQL processes between two samples (a backend that exited in between is left out). */
function postgresDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { at: performance.now(), server: procCpuSeconds(serverPid), client: (u.user + u.system) / 1e6, postgres: postgresCpu(), busy: machineBusySeconds() };
}

function cpuSince(m: CpuMark): string {
  const now = cpuMark();
  const wall = (now.at - m.at) / 1000;
  const pct = (s: number) => `${Math.round((s / wall) * 100)}%`;
  const server = now.server - m.server;
  const client = now.client - m.client;
  const postgres = postgresDelta(m.postgres, now.postgres);
  const other = Math.max(0, now.busy - m.busy - server - client - postgres);
  return `CPU of ${os.cpus().length * 100}%: server ${pct(server)}, bench client ${pct(client)}, PostgreSQL ${pct(postgres)}, other processes ${pct(other)}`;
}

// ---------------------------------------------------------------------------------------------
// Load generation

interface LoadResult {
  requests: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  max: number;
  cpu: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `concurrency` workers, each calling `one(i)` with a fresh index, until `total` calls were
 * started or `maxMs` elapsed. `one` returns the number of items it handled (for batches).
 */
async function load(opts: { concurrency: number; total?: number; maxMs?: number }, one: (i: number) => Promise<number | void>): Promise<LoadResult & { items: number }> {
  const latencies: number[] = [];
  let next = 0;
  let items = 0;
  const mark = cpuMark();
  const t0 = performance.now();
  const deadline = t0 + (opts.maxMs ?? Infinity);
  const total = opts.total ?? Infinity;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < total && performance.now() < deadline) {
        const i = next++;
        const s = performance.now();
        const n = await one(i);
        latencies.push(performance.now() - s);
        items += typeof n === 'number' ? n : 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(mark);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    items,
    seconds,
    rate: items / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// Data

// Fukushima prefecture, roughly.
const LON = [139.2, 141.0];
const LAT = [36.8, 38.0];

/** Deterministic pseudo-random numbers (mulberry32), so every run loads the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const observedAt = '2026-11-24T09:00:00Z';

/** An air-quality sensor: 6 attributes including a location, about 700 bytes of JSON. */
function sensor(id: string, n: number, r: () => number, type = 'AirQualityObserved'): Record<string, unknown> {
  return {
    id,
    type,
    name: { type: 'Property', value: `sensor ${n}` },
    district: { type: 'Property', value: `d${String(n % 50).padStart(2, '0')}` },
    pm25: { type: 'Property', value: Math.round(r() * 2000) / 10, unitCode: 'GQ', observedAt },
    temperature: { type: 'Property', value: Math.round((r() * 40 - 5) * 10) / 10, unitCode: 'CEL', observedAt },
    status: { type: 'Property', value: r() < 0.9 ? 'ok' : 'maintenance' },
    location: {
      type: 'GeoProperty',
      value: { type: 'Point', coordinates: [LON[0]! + r() * (LON[1]! - LON[0]!), LAT[0]! + r() * (LAT[1]! - LAT[0]!)].map((x) => Math.round(x * 1e6) / 1e6) },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw database insert rate: the same row shape and indexes as broker_entities.

const RAW_TABLE = `
  create table bench_raw_entities (
    tenant text not null, id text not null, types text[] not null, scopes text[], attrs jsonb not null,
    created_at timestamptz not null, modified_at timestamptz not null, primary key (tenant, id));
  create index bench_raw_types on bench_raw_entities using gin (types);
  create index bench_raw_attrs on bench_raw_entities using gin (attrs jsonb_path_ops);
  create table bench_raw_geo (
    tenant text not null, entity_id text not null, attr text not null, dataset_id text not null default '',
    min_lon double precision not null, min_lat double precision not null, max_lon double precision not null, max_lat double precision not null,
    primary key (tenant, entity_id, attr, dataset_id));
  create index bench_raw_geo_box on bench_raw_geo (tenant, attr, min_lon, max_lon, min_lat, max_lat);`;

const RAW_INSERT = `insert into bench_raw_entities (tenant, id, types, scopes, attrs, created_at, modified_at)
  values ($1, $2, $3::text[], null, $4::jsonb, now(), now())`;

/** What the broker stores for one sensor (expanded names, as entity-store.ts writes it). */
function storedAttrs(body: Record<string, unknown>): string {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'id' || k === 'type') continue;
    attrs[k === 'location' ? 'https://uri.etsi.org/ngsi-ld/location' : `https://uri.etsi.org/ngsi-ld/default-context/${k}`] = [{ ...(v as object), createdAt: observedAt, modifiedAt: observedAt }];
  }
  return JSON.stringify(attrs);
}

interface RawResult {
  label: string;
  rate: number;
  detail: string;
}

async function rawPostgres(url: string, seconds: number): Promise<RawResult[]> {
  const results: RawResult[] = [];
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(RAW_TABLE);
  const r = rng(7);
  const typeIri = 'https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved';
  // 1. A Node INSERT loop: one row per statement, autocommit, 10 connections (the server's pool size).
  for (const concurrency of [10, 32]) {
    const pool = new pg.Pool({ connectionString: url, max: concurrency });
    let seq = 0;
    const res = await load({ concurrency, maxMs: seconds * 1000 }, async () => {
      const n = seq++;
      await pool.query(RAW_INSERT, [TENANT, `urn:ngsi-ld:Raw:${concurrency}-${n}`, [typeIri], storedAttrs(sensor(`x`, n, r))]);
    });
    await pool.end();
    results.push({ label: `INSERT loop from Node (pg), ${concurrency} connections, autocommit`, rate: res.rate, detail: `p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms; ${res.cpu}` });
  }
  // 1b. The same with the broker's second statement (geo box) in one transaction.
  {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    let seq = 0;
    const res = await load({ concurrency: 10, maxMs: seconds * 1000 }, async () => {
      const n = seq++;
      const id = `urn:ngsi-ld:RawTx:${n}`;
      const c = await pool.connect();
      try {
        await c.query('begin');
        await c.query(RAW_INSERT, [TENANT, id, [typeIri], storedAttrs(sensor(id, n, r))]);
        await c.query(`insert into bench_raw_geo values ($1, $2, 'https://uri.etsi.org/ngsi-ld/location', '', 140, 37, 140, 37)`, [TENANT, id]);
        await c.query('commit');
      } finally {
        c.release();
      }
    });
    await pool.end();
    results.push({ label: 'BEGIN; INSERT entity; INSERT geo box; COMMIT from Node, 10 connections', rate: res.rate, detail: `p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms; ${res.cpu}` });
  }
  // 2. pgbench (a C client) with the same insert, when installed.
  const which = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (which.status === 0) {
    const script = path.join(os.tmpdir(), `tsunagu-bench-insert-${process.pid}.sql`);
    const attrs = storedAttrs(sensor('x', 1, rng(1))).replaceAll("'", "''");
    fs.writeFileSync(script, `insert into bench_raw_entities (tenant, id, types, scopes, attrs, created_at, modified_at) values ('${TENANT}', gen_random_uuid()::text, array['${typeIri}'], null, '${attrs}'::jsonb, now(), now());\n`);
    for (const clients of [10, 32]) {
      const out = spawnSync('pgbench', ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, url], { encoding: 'utf8' });
      const tps = /tps = ([\d.]+)/.exec(out.stdout)?.[1];
      if (tps) results.push({ label: `pgbench, same INSERT, ${clients} clients, autocommit`, rate: Number(tps), detail: `pgbench -n -c ${clients} -j 2 -T ${seconds}` });
      else console.log(`pgbench failed: ${out.stderr.slice(0, 300)}`);
    }
    fs.rmSync(script, { force: true });
  }
  await admin.query('drop table bench_raw_entities; drop table bench_raw_geo');
  await admin.end();
  return results;
}

async function rawPglite(seconds: number): Promise<RawResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-bench-rawpglite-'));
  const db = new PGlite({ dataDir: dir });
  await db.waitReady;
  await db.exec(RAW_TABLE);
  const r = rng(7);
  const typeIri = 'https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved';
  let seq = 0;
  // PGlite is one connection in this process: concurrency only queues.
  const res = await load({ concurrency: 1, maxMs: seconds * 1000 }, async () => {
    const n = seq++;
    await db.query(RAW_INSERT, [TENANT, `urn:ngsi-ld:Raw:${n}`, [typeIri], storedAttrs(sensor('x', n, r))]);
  });
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [{ label: 'INSERT loop on PGlite (in process, one connection), autocommit', rate: res.rate, detail: `p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms` }];
}

// ---------------------------------------------------------------------------------------------
// Server

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; readyMs: number }> {
  const started = performance.now();
  // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'bin/tsunagu.mjs', 'serve'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      TSUNAGU_BROKER_AUTH: 'off',
      TSUNAGU_DEMO_DATA: 'true',
      TSUNAGU_RATE_LIMIT: '1000000',
      TSUNAGU_BROKER_RATE_LIMIT: '100000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // The server warns at start that TSUNAGU_BROKER_AUTH is off; keep other stderr visible.
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (!text.includes('TSUNAGU_BROKER_AUTH=off')) process.stderr.write(text);
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('the server exited before it was ready');
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/readyz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  serverPid = child.pid!;
  return { child, readyMs: performance.now() - started };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// ---------------------------------------------------------------------------------------------
// The broker phases

interface Row {
  what: string;
  figure: string;
  target?: string;
  cpu?: string;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

async function brokerPhases(opts: Options, rows: Row[], label: string, analyze?: () => Promise<void>): Promise<{ createRate: number }> {
  const q = opts.quick;
  // Warm-up: JIT, term-map caches, the connection pool.
  const warm = rng(1);
  await load({ concurrency: 16, total: 500 }, async (i) => {
    await expectStatus(request('POST', `${BASE}/entities`, sensor(`urn:ngsi-ld:Warm:${i}`, i, warm, 'Warm')), [201], 'warm-up create');
  });
  await load({ concurrency: 16, total: 500 }, async (i) => {
    await expectStatus(request('GET', `${BASE}/entities/${encodeURIComponent(`urn:ngsi-ld:Warm:${i % 500}`)}`), [200], 'warm-up retrieve');
  });

  // 2a. Single-entity creates.
  const createR = rng(2);
  const creates = await load({ concurrency: 64, maxMs: q ? 5000 : 10_000 }, async (i) => {
    await expectStatus(request('POST', `${BASE}/entities`, sensor(`urn:ngsi-ld:Device:${i}`, i, createR, 'Device')), [201], 'create');
  });
  rows.push({ what: `single-entity create (POST /entities), 64 concurrent, ${fmt(creates.requests)} in ${creates.seconds.toFixed(0)} s`, figure: `**${fmt(creates.rate)} creates/s**, p50 ${ms(creates.p50)} ms, p99 ${ms(creates.p99)} ms`, target: '≥ 5,000/s', cpu: creates.cpu });
  console.log(`[${label}] creates: ${fmt(creates.rate)}/s p50 ${ms(creates.p50)} p99 ${ms(creates.p99)} (${creates.cpu})`);

  // 2b. Retrieves of random existing entities.
  const created = creates.requests;
  const pick = rng(3);
  const retrieves = await load({ concurrency: 64, maxMs: q ? 5000 : 10_000 }, async () => {
    const id = `urn:ngsi-ld:Device:${Math.floor(pick() * created)}`;
    await expectStatus(request('GET', `${BASE}/entities/${encodeURIComponent(id)}`), [200], 'retrieve');
  });
  rows.push({ what: `retrieve (GET /entities/{id}), 64 concurrent, random ids among ${fmt(created)}`, figure: `**${fmt(retrieves.rate)} retrieves/s**, p50 ${ms(retrieves.p50)} ms, p99 ${ms(retrieves.p99)} ms`, target: '≥ 10,000/s', cpu: retrieves.cpu });
  console.log(`[${label}] retrieves: ${fmt(retrieves.rate)}/s p50 ${ms(retrieves.p50)} p99 ${ms(retrieves.p99)} (${retrieves.cpu})`);

  // 3. Batch upsert: the 100,000 entities the queries run over, 1,000 per request.
  const total = q ? 20_000 : 100_000;
  const perBatch = 1000;
  const batchR = rng(4);
  const bodies = (from: number) => JSON.stringify(Array.from({ length: perBatch }, (_, k) => sensor(`urn:ngsi-ld:AirQualityObserved:${from + k}`, from + k, batchR)));
  const batchInsert = await load({ concurrency: 4, total: total / perBatch }, async (i) => {
    await expectStatus(request('POST', `${BASE}/entityOperations/upsert`, bodies(i * perBatch)), [201, 204], 'batch upsert');
    return perBatch;
  });
  rows.push({ what: `batch upsert, new entities (POST entityOperations/upsert, 1,000 per request, 4 concurrent): the ${fmt(total)}-entity load`, figure: `**${fmt(batchInsert.rate)} entities/s**, p50 ${ms(batchInsert.p50)} ms, p99 ${ms(batchInsert.p99)} ms per request`, target: '≥ 50,000/s', cpu: batchInsert.cpu });
  console.log(`[${label}] batch upsert (insert): ${fmt(batchInsert.rate)} entities/s (${batchInsert.cpu})`);
  const updates = q ? 5 : 20;
  const batchUpdate = await load({ concurrency: 4, total: updates }, async (i) => {
    await expectStatus(request('POST', `${BASE}/entityOperations/upsert`, bodies(((i * 7919) % (total / perBatch)) * perBatch)), [201, 204], 'batch upsert (update)');
    return perBatch;
  });
  rows.push({ what: `batch upsert, existing entities (replace), ${fmt(updates * perBatch)} entities`, figure: `${fmt(batchUpdate.rate)} entities/s, p50 ${ms(batchUpdate.p50)} ms per request`, cpu: batchUpdate.cpu });
  console.log(`[${label}] batch upsert (update): ${fmt(batchUpdate.rate)} entities/s (${batchUpdate.cpu})`);

  // 4. type + q queries over the 100,000 AirQualityObserved entities (limit 20, ordered by id).
  const qr = rng(5);
  const dist = () => `d${String(Math.floor(qr() * 50)).padStart(2, '0')}`;
  const queries: Array<[string, () => string]> = [
    ['`q=district=="dNN"` (2 % match: 2,000)', () => `type=AirQualityObserved&q=${encodeURIComponent(`district=="${dist()}"`)}`],
    ['`q=pm25>150;district=="dNN"` (0.5 % match: 500)', () => `type=AirQualityObserved&q=${encodeURIComponent(`pm25>150;district=="${dist()}"`)}`],
    ['`q=temperature<-4.5` (0.1 % match: ~125)', () => `type=AirQualityObserved&q=${encodeURIComponent('temperature<-4.5')}`],
    ['`q=name=="sensor N"` (one match)', () => `type=AirQualityObserved&q=${encodeURIComponent(`name=="sensor ${Math.floor(qr() * total)}"`)}`],
    ['`q=pm25>150;district=="dNN"&count=true`', () => `type=AirQualityObserved&count=true&q=${encodeURIComponent(`pm25>150;district=="${dist()}"`)}`],
  ];
  // One client measures a query's latency; four keep the two cores saturated (server,
  // PostgreSQL and this client), where the p99 is mostly waiting for a core.
  const runQueries = async (note: string, n: number, maxMs: number, concurrencies = [1, 4]) => {
    for (const concurrency of concurrencies) {
      for (const [what, make] of queries) {
        await load({ concurrency, total: 10 }, async () => void (await expectStatus(request('GET', `${BASE}/entities?${make()}`), [200], what)));
        let results = 0;
        const res = await load({ concurrency, total: n, maxMs }, async () => {
          const a = await expectStatus(request('GET', `${BASE}/entities?${make()}`), [200], what);
          results += (JSON.parse(a.body) as unknown[]).length;
        });
        const clients = concurrency === 1 ? '1 client' : `${concurrency} concurrent`;
        rows.push({ what: `query type=AirQualityObserved&${what}, limit 20, ${clients}, ${res.requests} queries${note}`, figure: `p50 **${ms(res.p50)} ms**, p99 **${ms(res.p99)} ms** (${fmt(res.rate)} queries/s, ${(results / res.requests).toFixed(1)} results each)`, target: 'p99 < 20 ms', cpu: res.cpu });
        console.log(`[${label}] query ${what}${note}, ${clients}: p50 ${ms(res.p50)} p99 ${ms(res.p99)} ${fmt(res.rate)}/s (${res.cpu})`);
      }
    }
  };
  if (analyze) {
    // Right after the load the planner has no statistics on broker_entities yet; autovacuum
    // analyzes it within about a minute. Both states are measured.
    await runQueries(', right after the load (no planner statistics yet)', q ? 30 : 100, 8000, [4]);
    await analyze();
    await runQueries(', after ANALYZE', q ? 50 : 300, 15_000);
  } else {
    await runQueries('', q ? 50 : 300, 15_000);
  }

  // 5. Geo near queries at random points.
  for (const concurrency of [1, 4]) for (const distance of [1000, 5000]) {
    const gr = rng(6 + distance);
    let results = 0;
    const make = () => {
      const lon = LON[0]! + gr() * (LON[1]! - LON[0]!);
      const lat = LAT[0]! + gr() * (LAT[1]! - LAT[0]!);
      return `${BASE}/entities?type=AirQualityObserved&georel=${encodeURIComponent(`near;maxDistance==${distance}`)}&geometry=Point&coordinates=${encodeURIComponent(`[${lon.toFixed(5)},${lat.toFixed(5)}]`)}&limit=20`;
    };
    await load({ concurrency, total: 10 }, async () => void (await expectStatus(request('GET', make()), [200], 'geo warm-up')));
    const res = await load({ concurrency, total: q ? 50 : 300, maxMs: 15_000 }, async () => {
      const a = await expectStatus(request('GET', make()), [200], 'geo query');
      results += (JSON.parse(a.body) as unknown[]).length;
    });
    rows.push({ what: `geo query type=AirQualityObserved&georel=near;maxDistance==${distance} at random points, limit 20, ${concurrency === 1 ? '1 client' : `${concurrency} concurrent`}`, figure: `p50 **${ms(res.p50)} ms**, p99 **${ms(res.p99)} ms** (${fmt(res.rate)} queries/s, ${(results / res.requests).toFixed(1)} results each)`, target: 'p99 < 20 ms', cpu: res.cpu });
    console.log(`[${label}] geo near ${distance} m, ${concurrency} client(s): p50 ${ms(res.p50)} p99 ${ms(res.p99)} (${results / res.requests} results) (${res.cpu})`);
  }

  // 5b. orderBy (clause 4.23) and EntityMaps (clause 5.14) over one district (2 % of the entities).
  const perDistrict = fmt(total / 50);
  const orderR = rng(8);
  const district = () => `d${String(Math.floor(orderR() * 50)).padStart(2, '0')}`;
  const point = () => `[${(LON[0]! + orderR() * (LON[1]! - LON[0]!)).toFixed(5)},${(LAT[0]! + orderR() * (LAT[1]! - LAT[0]!)).toFixed(5)}]`;
  const ordered: Array<[string, () => string]> = [
    ['q=district=="dNN"&orderBy=pm25;desc', () => `q=${encodeURIComponent(`district=="${district()}"`)}&orderBy=${encodeURIComponent('pm25;desc')}`],
    ['q=district=="dNN"&orderBy=location;dist-asc&orderFrom=[lon,lat]', () => `q=${encodeURIComponent(`district=="${district()}"`)}&orderBy=${encodeURIComponent('location;dist-asc')}&orderFrom=${encodeURIComponent(point())}`],
  ];
  for (const [what, make] of ordered) {
    const res = await load({ concurrency: 1, total: q ? 30 : 100, maxMs: 15_000 }, async () => void (await expectStatus(request('GET', `${BASE}/entities?type=AirQualityObserved&limit=20&${make()}`), [200], what)));
    rows.push({ what: `query type=AirQualityObserved&${what}, limit 20, 1 client (${perDistrict} candidates sorted)`, figure: `p50 **${ms(res.p50)} ms**, p99 **${ms(res.p99)} ms**`, cpu: res.cpu });
    console.log(`[${label}] ${what}: p50 ${ms(res.p50)} p99 ${ms(res.p99)} (${res.cpu})`);
  }
  // A map is paged with the query that made it (5.5.14), so each keeps its district.
  const maps: Array<{ location: string; q: string }> = [];
  const made = await load({ concurrency: 1, total: q ? 10 : 30, maxMs: 15_000 }, async () => {
    const mapQ = encodeURIComponent(`district=="${district()}"`);
    const a = await expectStatus(request('GET', `${BASE}/entities?type=AirQualityObserved&q=${mapQ}&limit=20&entityMap=true`), [201], 'entityMap=true');
    maps.push({ location: `${a.headers['ngsild-entitymap']}`, q: mapQ });
  });
  rows.push({ what: `first page with entityMap=true (makes the map of ${perDistrict} entities), limit 20, 1 client`, figure: `p50 **${ms(made.p50)} ms**, p99 **${ms(made.p99)} ms**`, cpu: made.cpu });
  console.log(`[${label}] entityMap=true first page: p50 ${ms(made.p50)} p99 ${ms(made.p99)} (${made.cpu})`);
  const paged = await load({ concurrency: 1, total: q ? 30 : 100, maxMs: 15_000 }, async (i) => {
    const map = maps[i % maps.length]!;
    await expectStatus(request('GET', `${BASE}/entities?type=AirQualityObserved&q=${map.q}&limit=20&offset=${20 * (1 + (i % 90))}&count=true`, undefined, { 'ngsild-entitymap': map.location }), [200], 'page through a map');
  });
  rows.push({ what: 'later pages through an EntityMap (offset 20–1,800, count=true), limit 20, 1 client', figure: `p50 **${ms(paged.p50)} ms**, p99 **${ms(paged.p99)} ms**`, target: 'p99 < 20 ms', cpu: paged.cpu });
  console.log(`[${label}] pages through a map: p50 ${ms(paged.p50)} p99 ${ms(paged.p99)} (${paged.cpu})`);

  // 6. Notification latency: a subscription on Tick entities, updates at a steady rate.
  await notificationPhase(opts, rows, label);
  return { createRate: creates.rate };
}

async function notificationPhase(opts: Options, rows: Row[], label: string): Promise<void> {
  const latencies: number[] = [];
  let notifications = 0;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = performance.timeOrigin + performance.now();
      notifications++;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: Array<{ sentAt?: { value?: number } }> };
        for (const entity of body.data) if (typeof entity.sentAt?.value === 'number') latencies.push(now - entity.sentAt.value);
      } catch {
        /* counted as a notification without data */
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(RECEIVER_PORT, '127.0.0.1', r));
  const entities = 100;
  await expectStatus(
    request('POST', `${BASE}/entityOperations/upsert`, Array.from({ length: entities }, (_, i) => ({ id: `urn:ngsi-ld:Tick:${i}`, type: 'Tick', sentAt: { type: 'Property', value: 0 } }))),
    [201, 204],
    'tick entities',
  );
  await expectStatus(
    request('POST', `${BASE}/subscriptions`, {
      id: 'urn:ngsi-ld:Subscription:bench',
      type: 'Subscription',
      entities: [{ type: 'Tick' }],
      watchedAttributes: ['sentAt'],
      notification: { endpoint: { uri: `http://127.0.0.1:${RECEIVER_PORT}/notify`, accept: 'application/json' }, format: 'normalized' },
    }),
    [201],
    'subscription',
  );
  for (const rate of opts.quick ? [50] : [50, 200]) {
    latencies.length = 0;
    notifications = 0;
    const seconds = opts.quick ? 5 : 10;
    const count = rate * seconds;
    const mark = cpuMark();
    const t0 = performance.now();
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const sentAt = performance.timeOrigin + performance.now();
      pending.push(expectStatus(request('PATCH', `${BASE}/entities/${encodeURIComponent(`urn:ngsi-ld:Tick:${i % entities}`)}/attrs`, { sentAt: { type: 'Property', value: sentAt } }), [204, 207], 'tick update'));
    }
    await Promise.all(pending);
    const drainUntil = performance.now() + 15_000;
    while (latencies.length < count && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    const cpu = cpuSince(mark);
    const sorted = [...latencies].sort((a, b) => a - b);
    const got = `${fmt(sorted.length)} of ${fmt(count)} changes in ${fmt(notifications)} notifications`;
    rows.push({
      what: `notification latency (PATCH attrs → HTTP notification received), ${rate} updates/s for ${seconds} s, 1 subscription`,
      figure: `p50 **${ms(percentile(sorted, 50))} ms**, p99 **${ms(percentile(sorted, 99))} ms**, max ${ms(sorted[sorted.length - 1] ?? NaN)} ms (${got})`,
      target: 'p99 < 100 ms',
      cpu,
    });
    console.log(`[${label}] notifications at ${rate}/s: p50 ${ms(percentile(sorted, 50))} p99 ${ms(percentile(sorted, 99))} (${got}) (${cpu})`);
  }
  await request('DELETE', `${BASE}/subscriptions/${encodeURIComponent('urn:ngsi-ld:Subscription:bench')}`);
  await new Promise<void>((r) => receiver.close(() => r()));
}

// ---------------------------------------------------------------------------------------------

function printTable(title: string, rows: Row[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| what | figure | target |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(`| ${row.what} | ${row.figure} | ${row.target ?? ''} |`);
  console.log('\nCPU per phase:');
  for (const row of rows) if (row.cpu) console.log(`- ${row.what.split(',')[0]}: ${row.cpu}`);
}

async function runPostgres(opts: Options): Promise<void> {
  const dbName = `tsunagu_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('show server_version')).rows[0]?.server_version;
  await admin.query(`create database ${dbName}`);
  const url = `${PG_URL}/${dbName}`;
  const rows: Row[] = [];
  let child: ChildProcess | undefined;
  try {
    const rawSeconds = opts.quick ? 3 : 8;
    const raw = await rawPostgres(url, rawSeconds);
    for (const r of raw) console.log(`[postgres] raw: ${r.label}: ${fmt(r.rate)} rows/s (${r.detail})`);
    const server = await startServer({ DATABASE_URL: url });
    child = server.child;
    console.log(`[postgres] server ready in ${fmt(server.readyMs)} ms (migrations + demo seed on an empty database)`);
    const { createRate } = await brokerPhases(opts, rows, 'postgres', async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('analyze broker_entities; analyze broker_entity_geo; analyze broker_entity_values');
      await c.end();
    });
    for (const r of raw) {
      rows.push({ what: `raw PostgreSQL: ${r.label}`, figure: `${fmt(r.rate)} rows/s; broker creates = **${((createRate / r.rate) * 100).toFixed(0)} %** of it` });
    }
    printTable(`PostgreSQL ${version} (DATABASE_URL, pool of 10)`, rows);
  } finally {
    if (child) await stopServer(child);
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

async function runPglite(opts: Options): Promise<void> {
  const rows: Row[] = [];
  const raw = await rawPglite(opts.quick ? 3 : 8);
  for (const r of raw) console.log(`[pglite] raw: ${r.label}: ${fmt(r.rate)} rows/s (${r.detail})`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-bench-broker-'));
  let child: ChildProcess | undefined;
  try {
    const server = await startServer({ TSUNAGU_DATA_DIR: dataDir });
    child = server.child;
    console.log(`[pglite] server ready in ${fmt(server.readyMs)} ms`);
    const { createRate } = await brokerPhases(opts, rows, 'pglite');
    for (const r of raw) rows.push({ what: `raw PGlite: ${r.label}`, figure: `${fmt(r.rate)} rows/s; broker creates = **${((createRate / r.rate) * 100).toFixed(0)} %** of it` });
    printTable('PGlite (embedded, TSUNAGU_DATA_DIR)', rows);
  } finally {
    if (child) await stopServer(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runBrokerBench(args: string[]): Promise<void> {
  const opts: Options = {
    quick: args.includes('--quick'),
    backends: args.includes('--pglite') && !args.includes('--postgres') ? ['pglite'] : args.includes('--postgres') && !args.includes('--pglite') ? ['postgres'] : ['postgres', 'pglite'],
  };
  const load1 = os.loadavg()[0]!.toFixed(2);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${load1} at start`);
  const t0 = performance.now();
  for (const backend of opts.backends) {
    if (backend === 'postgres') await runPostgres(opts);
    else await runPglite(opts);
  }
  agent.destroy();
  console.log(`\nbroker bench took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
