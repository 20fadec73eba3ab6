// npm run bench -- identity [--postgres | --pglite] — logins per second and latency with the
// chosen argon2id parameters at 50 concurrent logins, and token endpoint requests per second
// (client credentials). Accounts and a machine client are prepared in the database first, then
// the real server (`tsunagu serve`) is started and driven over HTTP from this process.
// Figures go to docs/performance.md with the command; never into assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildTsunagu } from '../src/app.ts';
import { loadConfig } from '../src/platform/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { hashPassword, ARGON2_PARAMS } from '../src/identity/accounts/password.ts';
import { createIdentityContext } from '../src/identity/identity-context.ts';
import { ClientRegistry } from '../src/identity/oidc/client-registry.ts';

const PORT = Number(process.env.BENCH_PORT ?? 3960);
const base = `http://127.0.0.1:${PORT}`;
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const ACCOUNTS = 200;
const KEY = `bench:${randomBytes(32).toString('base64')}`;

type Backend = { kind: 'postgres'; url: string; drop(): Promise<void> } | { kind: 'pglite'; dataDir: string; drop(): Promise<void> };

async function backend(kind: 'postgres' | 'pglite'): Promise<Backend> {
  if (kind === 'pglite') {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-bench-identity-'));
    return { kind, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `tsunagu_bench_identity_${process.pid}`;
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

function envOf(b: Backend): Record<string, string> {
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

/** Residents bench-0000@example.jp … with known passwords, and a client-credentials client. */
async function prepare(b: Backend): Promise<{ clientId: string; clientSecret: string }> {
  const config = loadConfig({ ...process.env, ...envOf(b), TSUNAGU_WORKER: 'false' });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : config.dataDir });
  const tsunagu = await buildTsunagu({ config, database, logger: false });
  await tsunagu.seed();
  const ctx = createIdentityContext(tsunagu.ctx);
  const hash = await hashPassword('bench-password-2026');
  for (let i = 0; i < ACCOUNTS; i++) {
    await ctx.accounts.create(ctx.db, { kind: 'resident', lgCode: '070009', email: `bench-${String(i).padStart(4, '0')}@example.jp`, passwordHash: hash, emailVerified: true });
  }
  const client = await new ClientRegistry(ctx.db, tsunagu.ctx.sealer).register(ctx.db, { lgCode: '072010', nameJa: 'ベンチ', nameEn: 'Bench', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], public: false, scope: 'openid' }, 'bench');
  await tsunagu.close();
  await database.close();
  return { clientId: client.clientId, clientSecret: client.clientSecret! };
}

async function start(b: Backend): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/tsunagu.mjs', 'serve'], {
    env: { ...process.env, ...envOf(b), PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return child;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function summary(latencies: number[], seconds: number) {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  return `${(latencies.length / seconds).toFixed(0)}/s, p50 ${pct(50)} ms, p99 ${pct(99)} ms (${latencies.length} in ${seconds.toFixed(1)} s)`;
}

/** One login as a browser does it: the form (CSRF cookie and token), then the POST. Times the POST. */
async function logIn(email: string): Promise<number> {
  const form = await fetch(`${base}/login`);
  const html = await form.text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const t0 = performance.now();
  const answer = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, email, password: 'bench-password-2026', return: '/account' }).toString(),
  });
  const took = performance.now() - t0;
  if (answer.status !== 303 || !answer.headers.getSetCookie().some((c) => c.startsWith('tsn_session='))) throw new Error(`login answered ${answer.status}`);
  return took;
}

async function during(seconds: number, concurrency: number, work: (worker: number, i: number) => Promise<number>): Promise<{ latencies: number[]; seconds: number }> {
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

async function tokenRequest(basic: string): Promise<number> {
  const t0 = performance.now();
  const answer = await fetch(`${base}/oidc/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  const json = (await answer.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token endpoint answered ${answer.status}`);
  return performance.now() - t0;
}

export async function runIdentityBench(args: string[]): Promise<void> {
  const kinds = args.includes('--pglite') ? ['pglite'] : args.includes('--postgres') ? ['postgres'] : ['postgres', 'pglite'];
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const hashes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await hashPassword(`password-${i}`);
    hashes.push(performance.now() - t0);
  }
  console.log(`argon2id m=${ARGON2_PARAMS.memoryCost} KiB t=${ARGON2_PARAMS.timeCost} p=${ARGON2_PARAMS.parallelism}: one hash ${summary(hashes, hashes.reduce((a, b) => a + b, 0) / 1000)}`);
  for (const kind of kinds as Array<'postgres' | 'pglite'>) {
    const b = await backend(kind);
    const { clientId, clientSecret } = await prepare(b);
    const server = await start(b);
    try {
      await during(3, 10, (w, i) => logIn(`bench-${String((w * 997 + i) % ACCOUNTS).padStart(4, '0')}@example.jp`)); // warm-up
      const logins = await during(20, 50, (w, i) => logIn(`bench-${String((w * 997 + i) % ACCOUNTS).padStart(4, '0')}@example.jp`));
      console.log(`[${kind}] POST /login (password, argon2id verify, session), 50 concurrent: ${summary(logins.latencies, logins.seconds)}`);
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
      await during(3, 8, () => tokenRequest(basic));
      const tokens = await during(15, 16, () => tokenRequest(basic));
      console.log(`[${kind}] POST /oidc/token (client credentials), 16 concurrent: ${summary(tokens.latencies, tokens.seconds)}`);
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
      await b.drop();
    }
  }
}
