// npm run bench -- ceilings
//
// What this machine allows at all, measured with the thinnest programs that do the same kind of
// work as the platform's hot paths, so the broker's and the gateway's figures (bench/broker.ts,
// bench/gateway.ts) can be read against a ceiling rather than against a number from elsewhere:
//
//   1. HTTP alone: a node:http server answering a fixed 1.2 kB JSON, 64 keep-alive clients;
//   2. HTTP + one PostgreSQL read: the same, each answer read by primary key (a prepared
//      statement, pool of 10) from a table shaped like broker_entities — a bare "retrieve";
//   3. a bare gateway: client → node:http proxy → undici → node:http provider (2.6 kB record,
//      two members kept), 16 clients; then the same proxy with one PostgreSQL read per call and
//      the access-log rows of the calls in flight inserted together — and the provider directly;
//   4. SQL only, inside PostgreSQL (no client, no network): 1,000 entity rows per INSERT … SELECT
//      into a table with only a primary key, and into one with broker_entities' two GIN indexes.
//
// Each server runs as a process of its own (this file with --role), as the real ones do; all of
// them share the machine's cores with the load generator, as in the other benchmarks. PostgreSQL:
// a fresh database on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), dropped
// afterwards. Ports: BENCH_PORT (default 3950) and the next two. Figures only, no assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import pg from 'pg';
import { request as undiciRequest, Agent } from 'undici';
import { machineLine } from './bench-kit.ts';

const PORT = Number(process.env.BENCH_PORT ?? 3950);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
// The servers get the load generator's database through the environment.
const DB = process.env.CEILINGS_DB ?? `tsunagu_bench_ceilings_${process.pid}`;
const ROWS = 2000;

const fixedBody = JSON.stringify({ id: 'urn:ngsi-ld:Device:1', type: 'Device', attrs: 'x'.repeat(1100) });
const record = JSON.stringify(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`item${i}`, 'x'.repeat(80)])));

/** broker_entities' shape (bench/broker.ts's sensor, about 1.4 kB of attrs). */
const ENTITY_TABLE = (name: string, gin: boolean) => `
  create table ${name} (tenant text not null, id text not null, types text[] not null, scopes text[], attrs jsonb not null,
    created_at timestamptz not null, modified_at timestamptz not null, primary key (tenant, id));
  ${gin ? `create index ${name}_types on ${name} using gin (types); create index ${name}_attrs on ${name} using gin (attrs jsonb_path_ops);` : ''}`;
const ENTITY_ROWS = (name: string, from: string, to: string) => `
  insert into ${name} select '072010', 'urn:ngsi-ld:Device:' || g, array['https://uri.etsi.org/ngsi-ld/default-context/Device'], null,
    jsonb_build_object(
      'https://uri.etsi.org/ngsi-ld/default-context/name', jsonb_build_array(jsonb_build_object('type', 'Property', 'value', 'sensor ' || g, 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z')),
      'https://uri.etsi.org/ngsi-ld/default-context/district', jsonb_build_array(jsonb_build_object('type', 'Property', 'value', 'd' || (g % 50), 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z')),
      'https://uri.etsi.org/ngsi-ld/default-context/pm25', jsonb_build_array(jsonb_build_object('type', 'Property', 'value', g % 200, 'unitCode', 'GQ', 'observedAt', '2026-12-01T00:00:00Z', 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z')),
      'https://uri.etsi.org/ngsi-ld/default-context/temperature', jsonb_build_array(jsonb_build_object('type', 'Property', 'value', 12.5, 'unitCode', 'CEL', 'observedAt', '2026-12-01T00:00:00Z', 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z')),
      'https://uri.etsi.org/ngsi-ld/default-context/status', jsonb_build_array(jsonb_build_object('type', 'Property', 'value', 'ok', 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z')),
      'https://uri.etsi.org/ngsi-ld/core/location', jsonb_build_array(jsonb_build_object('type', 'GeoProperty', 'value', jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(140.4 + g / 1e5, 37.7)), 'createdAt', '2026-12-01T00:00:00Z', 'modifiedAt', '2026-12-01T00:00:00Z'))),
    now(), now()
  from generate_series(${from}, ${to}) g`;

// ---------------------------------------------------------------------------------------------
// The servers, each started as `node --import tsx bench/ceilings.ts --role <name> <port>`.

function json(res: http.ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function runRole(role: string, port: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: `${PG_URL}/${DB}`, max: 10 });
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;
  if (role === 'fixed') handler = (_req, res) => json(res, fixedBody);
  else if (role === 'provider') handler = (_req, res) => json(res, record);
  else if (role === 'pkread') {
    handler = async (req, res) => {
      const id = decodeURIComponent(req.url!.slice(1));
      const { rows } = await pool.query({ name: 'read', text: 'select * from ceiling_read where tenant = $1 and id = $2', values: ['072010', id] });
      json(res, JSON.stringify(rows[0]));
    };
  } else {
    // proxy, proxy-db: the provider is on port + 1.
    const dispatcher = new Agent({ connections: 64 });
    const withDb = role === 'proxy-db';
    let pending: Array<() => void> = [];
    let writing = false;
    const drain = async () => {
      writing = true;
      while (pending.length) {
        const batch = pending.splice(0, 200);
        await pool.query('insert into ceiling_log (service, items, status) select * from unnest($1::text[], $2::text[], $3::int[])', [batch.map(() => 'service'), batch.map(() => 'item1,item2'), batch.map(() => 200)]);
        for (const done of batch) done();
      }
      writing = false;
    };
    const logged = () => new Promise<void>((resolve) => {
      pending.push(resolve);
      if (!writing) void drain();
    });
    handler = async (_req, res) => {
      if (withDb) await pool.query({ name: 'state', text: 'select version from ceiling_versions where key = $1', values: ['service:1'] });
      const answer = await undiciRequest(`http://127.0.0.1:${port + 1}/record`, { dispatcher });
      const body = (await answer.body.json()) as Record<string, unknown>;
      if (withDb) await logged();
      json(res, JSON.stringify({ item1: body.item1, item2: body.item2 }));
    };
  }
  http.createServer((req, res) => void handler(req, res)).listen(port, '127.0.0.1', () => process.send?.('ready'));
}

// ---------------------------------------------------------------------------------------------
// The load generator and the phases.

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const get = (port: number, path: string) =>
  new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });

async function load(concurrency: number, ms: number, port: number, path: () => string) {
  const end = performance.now() + ms;
  const latencies: number[] = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const status = await get(port, path());
      if (status !== 200) throw new Error(`status ${status}`);
      latencies.push(performance.now() - started);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / (ms / 1000), p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
}

function start(role: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ceilings.ts', '--role', role, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, CEILINGS_DB: DB } });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

export async function runCeilingsBench(): Promise<void> {
  console.log(machineLine());
  const admin = new pg.Client({ connectionString: `${PG_URL}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${DB}`);
  await admin.query(`create database ${DB}`);
  const db = new pg.Client({ connectionString: `${PG_URL}/${DB}` });
  await db.connect();
  const rows: Array<[string, string]> = [];
  const children: ChildProcess[] = [];
  try {
    await db.query(ENTITY_TABLE('ceiling_read', false) + ENTITY_ROWS('ceiling_read', '0', String(ROWS - 1)) + '; analyze ceiling_read');
    await db.query(`create table ceiling_versions (key text primary key, version bigint not null);
      insert into ceiling_versions values ('service:1', 1);
      create table ceiling_log (id bigserial primary key, at timestamptz not null default now(), service text, items text, status int);
      create index on ceiling_log (service, at desc)`);
    const phase = async (what: string, concurrency: number, port: number, path: () => string) => {
      await load(concurrency, 2000, port, path); // warm-up
      const r = await load(concurrency, 8000, port, path);
      rows.push([what, `**${fmt(r.rate)}/s**, p50 ${ms(r.p50)} ms, p99 ${ms(r.p99)} ms`]);
      console.log(`${what}: ${fmt(r.rate)}/s p50 ${ms(r.p50)} p99 ${ms(r.p99)}`);
    };

    let server = await start('fixed', PORT);
    await phase('HTTP alone: node:http, fixed 1.2 kB JSON, 64 clients', 64, PORT, () => '/');
    await stop(server);
    server = await start('pkread', PORT);
    await phase('HTTP + one prepared primary-key read (PostgreSQL, pool 10), 64 clients', 64, PORT, () => `/${encodeURIComponent(`urn:ngsi-ld:Device:${Math.floor(Math.random() * ROWS)}`)}`);
    await stop(server);

    const provider = await start('provider', PORT + 1);
    children.push(provider);
    await phase('provider directly (2.6 kB record), 16 clients', 16, PORT + 1, () => '/record');
    server = await start('proxy', PORT);
    await phase('bare gateway: proxy → undici → provider, 16 clients', 16, PORT, () => '/record');
    await stop(server);
    server = await start('proxy-db', PORT);
    await phase('bare gateway + one PostgreSQL read and a batched log insert per call, 16 clients', 16, PORT, () => '/record');
    await stop(server);

    // 4. SQL only: 10 statements of 1,000 rows each, after one to warm up.
    for (const gin of [false, true]) {
      const table = gin ? 'ceiling_batch_gin' : 'ceiling_batch';
      await db.query(ENTITY_TABLE(table, gin));
      await db.query(ENTITY_ROWS(table, '-1000', '-1'));
      const started = performance.now();
      for (let i = 0; i < 10; i++) await db.query(ENTITY_ROWS(table, String(i * 1000), String(i * 1000 + 999)));
      const rate = 10_000 / ((performance.now() - started) / 1000);
      const what = `SQL only: INSERT … SELECT of 1,000 entity rows, ${gin ? "broker_entities' two GIN indexes" : 'primary key only'}`;
      rows.push([what, `**${fmt(rate)} rows/s**`]);
      console.log(`${what}: ${fmt(rate)} rows/s`);
    }
  } finally {
    for (const child of children) await stop(child);
    await db.end();
    await admin.query(`drop database if exists ${DB} with (force)`);
    await admin.end();
  }
  console.log('\n| what | figure |\n|---|---|');
  for (const [what, figure] of rows) console.log(`| ${what} | ${figure} |`);
}

const roleAt = process.argv.indexOf('--role');
if (roleAt >= 0) await runRole(process.argv[roleAt + 1]!, Number(process.argv[roleAt + 2]));
