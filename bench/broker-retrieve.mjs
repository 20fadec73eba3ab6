// The broker's single-entity create and retrieve paths on their own, with the CPU each request
// costs in the server and in its PostgreSQL backends (from /proc, so Linux only; the backends are
// those connected to this run's database, so other work on the same PostgreSQL is not counted).
// On a shared machine CPU per request is steadier than requests per second.
//   node bench/broker-retrieve.mjs [seconds] [node options for the server, e.g. --cpu-prof]
// Starts `bin/tsunagu.mjs serve` from the current directory (or DIR) on BENCH_PORT (default 3901)
// with a fresh database on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), creates
// 2,000 entities (16 concurrent; a warm-up first), then retrieves random ones (64 concurrent).
// KEEP=1 keeps the database afterwards.
import http from 'node:http';
import { spawn, execSync } from 'node:child_process';
const PORT = Number(process.env.BENCH_PORT ?? 3901), TENANT = '072010';
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const pgHost = new URL(PG_URL);
const pgArgs = `-h ${pgHost.hostname} -p ${pgHost.port || 5432} -U ${pgHost.username || 'postgres'}`;
const seconds = Number(process.argv[2] ?? 10);
const nodeArgs = process.argv.slice(3);
const db = 'tsunagu_bench_retrieve';
execSync(`dropdb --if-exists ${pgArgs} ${db}; createdb ${pgArgs} ${db}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const request = (method, path, body) => new Promise((resolve, reject) => {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const req = http.request({ host: '127.0.0.1', port: PORT, method, path, agent, headers: { 'ngsild-tenant': TENANT, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } }, (res) => {
    const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
  });
  req.on('error', reject); if (payload) req.write(payload); req.end();
});
const child = spawn(process.execPath, [...nodeArgs, 'bin/tsunagu.mjs', 'serve'], {
  cwd: process.env.DIR ?? process.cwd(),
  env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TSUNAGU_BROKER_AUTH: 'off', TSUNAGU_DEMO_DATA: 'true', TSUNAGU_RATE_LIMIT: '1000000', TSUNAGU_BROKER_RATE_LIMIT: '100000000', DATABASE_URL: `${PG_URL}/${db}`, TSUNAGU_DEMO_PROCESSES: 'false' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (;;) { try { const r = await fetch(`http://127.0.0.1:${PORT}/readyz`); if (r.ok) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
const N = 2000;
const sensor = (n) => ({ id: `urn:ngsi-ld:Device:${n}`, type: 'Device', name: { type: 'Property', value: `sensor ${n}` }, district: { type: 'Property', value: `d${n % 50}` },
  pm25: { type: 'Property', value: n % 200, unitCode: 'GQ', observedAt: '2026-12-01T00:00:00Z' }, temperature: { type: 'Property', value: 12.5, unitCode: 'CEL', observedAt: '2026-12-01T00:00:00Z' },
  status: { type: 'Property', value: 'ok' }, location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.4 + n / 1e5, 37.7] } } });
async function load(concurrency, ms, fn) {
  const end = Date.now() + ms; let n = 0; const lat = [];
  await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < end) { const t = performance.now(); await fn(n++); lat.push(performance.now() - t); } }));
  lat.sort((a, b) => a - b); return { rate: lat.length / (ms / 1000), p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] };
}
// Warm-up: JIT and the whole connection pool, before the database backends are listed.
let w = 0;
await Promise.all(Array.from({ length: 64 }, async () => { while (w < 640) { const i = w++; const a = await request('POST', '/ngsi-ld/v1/entities', { ...sensor(i), id: `urn:ngsi-ld:Warm:${i}`, type: 'Warm' }); if (a.status !== 201) throw new Error(a.body); await request('GET', `/ngsi-ld/v1/entities/urn:ngsi-ld:Warm:${i}`); } }));
const fs = await import('node:fs');
const ticks = (pid) => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); } catch { return 0; } };
const pgPids = execSync(`psql ${pgArgs} -Atc "select pid from pg_stat_activity where datname = '${db}'"`).toString().trim().split('\n').filter(Boolean);
const cpu = () => ({ server: ticks(child.pid), pg: pgPids.reduce((s, p) => s + ticks(p), 0), self: process.cpuUsage() });
let made = 0;
const c0 = cpu(); const t0 = performance.now();
await Promise.all(Array.from({ length: 16 }, async () => { while (made < N) { const i = made++; const a = await request('POST', '/ngsi-ld/v1/entities', sensor(i)); if (a.status !== 201) throw new Error(a.body); } }));
const c1 = cpu(); const createSecs = (performance.now() - t0) / 1000;
const createLine = `creates (16 concurrent, ${N}): ${Math.round(N / createSecs)}/s; CPU per create: server ${((c1.server - c0.server) * 10 / N * 1000).toFixed(0)} µs, postgres ${((c1.pg - c0.pg) * 10 / N * 1000).toFixed(0)} µs`;
const get = async () => { const a = await request('GET', `/ngsi-ld/v1/entities/${encodeURIComponent(`urn:ngsi-ld:Device:${Math.floor(Math.random() * N)}`)}`); if (a.status !== 200) throw new Error(a.status + a.body); };
await load(16, 3000, get); // warm-up
const load1 = (await import('node:os')).loadavg()[0].toFixed(2);
const before = cpu();
const r = await load(64, seconds * 1000, get);
const after = cpu();
const n = r.rate * seconds;
const perReq = (t) => ((t * 10) / n * 1000).toFixed(0); // ticks are 10 ms; µs per request
const selfUs = (after.self.user + after.self.system - before.self.user - before.self.system) / n;
console.log(createLine);
console.log(`retrieves: ${Math.round(r.rate)}/s p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms; CPU per retrieve: server ${perReq(after.server - before.server)} µs, postgres ${perReq(after.pg - before.pg)} µs (${pgPids.length} backends), client ${selfUs.toFixed(0)} µs (load average at start ${load1}, end ${(await import('node:os')).loadavg()[0].toFixed(2)})`);
const exited = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); await exited; agent.destroy();
if (!process.env.KEEP) execSync(`dropdb --if-exists ${pgArgs} ${db}`);
