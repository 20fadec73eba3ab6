// npm run bench — prints figures for the platform's hot paths on this machine:
//   1. cold start to /readyz on a fresh embedded data directory (migrations + demo seed), and a
//      warm start on the existing one;
//   2. resident memory (RSS) of the server after 5 s idle;
//   3. GET /api/v1/tenants/{lgCode} and GET / throughput and latency from a local client.
// Figures go to docs/performance.md with this command; never into assertions.
// npm run bench -- broker [--postgres | --pglite] [--quick] runs the NGSI-LD broker benchmark
// instead (bench/broker.ts); npm run bench -- identity [--postgres | --pglite] the login and
// token endpoint benchmark (bench/identity.ts); npm run bench -- gateway [--postgres | --pglite]
// the opt-in gateway's throughput and added latency (bench/gateway.ts); npm run bench -- portal
// [--postgres | --pglite] [--quick] the common portal's page renders and bulk-application submits
// at 50 concurrent residents (bench/portal.ts); npm run bench -- ceilings what the machine allows
// the thinnest programs doing the same kind of work (bench/ceilings.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PORT = Number(process.env.BENCH_PORT ?? 3900);
const base = `http://127.0.0.1:${PORT}`;

function startServer(dataDir: string): { child: ChildProcess; started: number } {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tsunagu.mjs', 'serve'], {
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', TSUNAGU_DATA_DIR: dataDir, LOG_LEVEL: 'warn', TSUNAGU_RATE_LIMIT: '1000000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, started };
}

async function waitReady(started: number): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return performance.now() - started;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function load(url: string, total: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const s = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
  return { rps: (total / seconds).toFixed(0), p50: pct(50), p99: pct(99) };
}

async function platformBench(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsunagu-bench-'));
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);

  let server = startServer(dataDir);
  const cold = await waitReady(server.started);
  console.log(`cold start to /readyz (fresh data dir: migrate + seed): ${cold.toFixed(0)} ms`);
  await stop(server.child);

  server = startServer(dataDir);
  const warm = await waitReady(server.started);
  console.log(`warm start to /readyz (existing data dir):            ${warm.toFixed(0)} ms`);
  await new Promise((r) => setTimeout(r, 5000));
  console.log(`RSS after 5 s idle (embedded PGlite):                  ${rssMiB(server.child.pid!).toFixed(0)} MiB`);

  for (const [label, url] of [
    ['GET /api/v1/tenants/072036', `${base}/api/v1/tenants/072036`],
    ['GET /api/v1/tenants        ', `${base}/api/v1/tenants`],
    ['GET / (home page, HTML)    ', `${base}/`],
  ] as const) {
    await load(url, 200, 8); // warm-up
    const r = await load(url, 3000, 16);
    console.log(`${label}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms (3000 requests, 16 concurrent)`);
  }
  console.log(`RSS after load:                                       ${rssMiB(server.child.pid!).toFixed(0)} MiB`);
  await stop(server.child);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const args = process.argv.slice(2);
if (args[0] === 'broker') {
  const { runBrokerBench } = await import('./broker.ts');
  await runBrokerBench(args.slice(1));
} else if (args[0] === 'gateway') {
  const { runGatewayBench } = await import('./gateway.ts');
  await runGatewayBench(args.slice(1));
} else if (args[0] === 'portal') {
  const { runPortalBench } = await import('./portal.ts');
  await runPortalBench(args.slice(1));
} else if (args[0] === 'ceilings') {
  const { runCeilingsBench } = await import('./ceilings.ts');
  await runCeilingsBench();
} else if (args[0] === 'identity') {
  const { runIdentityBench } = await import('./identity.ts');
  await runIdentityBench(args.slice(1));
} else {
  await platformBench();
}
