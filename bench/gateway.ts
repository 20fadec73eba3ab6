// npm run bench -- gateway [--postgres | --pglite] — the API gateway's requests per second and the
// latency it adds over calling the provider directly. A provider (a small node:http server in this
// process answering a fixed record after checking its bearer token) is registered, with a
// service, residents bound to a card and consents in force; then the real server is started and
// both paths are driven at the same concurrency: bench → provider, and bench → gateway → provider
// (token, service, consent and link checks, forwarding, filtering, the access-log write), with
// the CPU time per call of the server, the PostgreSQL backends and this process.
// Figures go to docs/performance.md with the command; never into assertions.
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { Agent, request } from 'undici';
import type { AddressInfo } from 'node:net';
import { createIdentityContext } from '../src/identity/identity-context.ts';
import * as identity from '../src/identity/exports.ts';
import { identityDb } from '../src/identity/db/schema.ts';
import { createOptinContext } from '../src/optin/optin-context.ts';
import { backend, backendsFrom, during, machineLine, percentile, startServer, summary, withApp, type Backend } from './bench-kit.ts';

const PORT = Number(process.env.BENCH_PORT ?? 3980);
const base = `http://127.0.0.1:${PORT}`;
const RESIDENTS = 50;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TOKEN = 'bench-provider-token-0123456789';
const CLIENT = { clientId: 'bench-gateway', clientSecret: 'bench-gateway-secret-0123456789abcdef' };
const RECORD = JSON.stringify({
  checkups: Array.from({ length: 6 }, (_, i) => ({ date: `2026-0${i + 1}-10`, ageMonths: i * 2, result: '異常なし', nextDue: '2027-01-10' })),
  vaccinations: Array.from({ length: 10 }, (_, i) => ({ vaccine: `vaccine-${i}`, dose: 1 + (i % 3), date: '2026-05-01' })),
  growth: Array.from({ length: 6 }, (_, i) => ({ date: `2026-0${i + 1}-10`, heightCm: 50 + i * 3, weightKg: 3 + i })),
  consultations: [{ date: '2026-04-01', note: 'not consented, filtered out' }],
});

function startProvider(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/v1/residents/match') res.end(JSON.stringify({ residentId: `R-${Buffer.from((JSON.parse(raw) as { name: string }).name).toString('hex')}` }));
      else res.end(RECORD);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) }),
    ),
  );
}

/** The provider, an approved service, and residents with a card binding and a consent in force. */
async function prepare(b: Backend, providerUrl: string): Promise<string[]> {
  return withApp(b, base, async (tsunagu) => {
    const app = tsunagu.ctx;
    const ctx = createOptinContext(app);
    const id = createIdentityContext(app);
    await ctx.registry.createProvider(ctx.db, {
      id: 'bench-provider',
      lgCode: '072028',
      name: { ja: 'ベンチ提供元', en: 'Bench provider' },
      description: { ja: '', en: '' },
      endpoint: providerUrl,
      credentials: { method: 'bearer', token: TOKEN },
      timeoutMs: 5000,
      items: ['checkups', 'vaccinations', 'growth', 'consultations'].map((code) => ({ code, name: { ja: code, en: code }, description: { ja: '', en: '' }, sensitivity: 'normal' as const })),
    }, 'bench');
    await identity.ensureServiceClient(app, { lgCode: '072028', nameJa: 'ベンチ', nameEn: 'Bench', redirectUris: ['http://127.0.0.1/cb'], postLogoutRedirectUris: [], grantTypes: ['authorization_code', 'client_credentials'], public: false, scope: 'openid gateway' }, CLIENT);
    await ctx.registry.createService(ctx.db, { id: 'bench-service', lgCode: '072028', clientId: CLIENT.clientId, name: { ja: 'ベンチ', en: 'Bench' }, description: { ja: '', en: '' }, purposes: [{ code: 'bench', text: { ja: 'ベンチ', en: 'bench' } }], items: { 'bench-provider': ['checkups', 'vaccinations', 'growth'] } }, 'bench', 'approved');
    const service = (await ctx.registry.findService(ctx.db, 'bench-service'))!;
    const provider = (await ctx.registry.findProvider(ctx.db, 'bench-provider'))!;
    const subjects: string[] = [];
    for (let i = 0; i < RESIDENTS; i++) {
      const accountId = await id.accounts.create(id.db, { kind: 'resident', lgCode: '070009', email: `gateway-${i}@example.jp`, passwordHash: null, emailVerified: true });
      const basicFour = { name: `ベンチ　${i}`, dateOfBirth: '1990-01-01', address: '福島県', sex: 'female', substituted: { name: false, address: false }, recorded: { dateOfBirth: '', sex: '', nameSubstitutes: '', addressSubstitutes: '' } };
      await identityDb(app.db).insertInto('identity_jpki_bindings').values({ account_id: accountId, certificate_fingerprint: `fp-${i}`, issuer: 'bench', serial_number: String(i), not_after: new Date(Date.now() + 86_400_000), basic_four_sealed: app.sealer.sealJson(basicFour, `identity_jpki_bindings.basic_four:${accountId}`), person_index: `pi-${i}` }).execute();
      const request = await ctx.consents.createRequest(service, { accountId: accountId, providerId: provider.id, items: ['checkups', 'vaccinations'], purposeCode: 'bench', retentionDays: 0, validDays: 30, returnUri: 'http://127.0.0.1/cb', state: null });
      await ctx.consents.decide(request, service, provider, 'approve', { ip: null, requestId: null });
      subjects.push(accountId);
    }
    return subjects;
  });
}

/** CPU seconds (user + system) a process has used so far (Linux /proc); 0 where unavailable. */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/**
 * Where the CPU goes during `work`: the server process, the PostgreSQL backends of the bench
 * database (PostgreSQL only; PGlite runs inside the server) and this process (the load generator
 * and the provider). CPU time per call holds up better than requests/s on a machine shared with
 * other work: it says what each call costs, wherever it waited.
 */
async function cpuDuring<T extends { latencies: number[] }>(b: Backend, serverPid: number, work: () => Promise<T>): Promise<T & { cpu: string }> {
  // The backends' CPU is followed during the run, not only read at its ends: the server's pool
  // opens and closes connections as it goes (a backend that ended would otherwise count as
  // negative CPU, one that started would be missed). What one uses in its last 250 ms is missed.
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let monitor: pg.Client | undefined;
  let started = false;
  const follow = async () => {
    if (!monitor) return;
    const pids = (await monitor.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')).rows.map((r) => r.pid);
    for (const pid of pids) if (!first.has(pid)) first.set(pid, started ? 0 : cpuSeconds(pid));
  };
  const sample = () => {
    for (const pid of first.keys()) {
      const seconds = cpuSeconds(pid);
      if (seconds > 0) last.set(pid, seconds);
    }
  };
  if (b.kind === 'postgres') {
    monitor = new pg.Client({ connectionString: b.url });
    await monitor.connect();
    await follow();
    sample();
  }
  started = true;
  let ticks = 0;
  const timer = setInterval(() => void (++ticks % 4 === 0 ? follow().then(sample, () => {}) : sample()), 250);
  const [server0, self0] = [cpuSeconds(serverPid), process.cpuUsage()];
  const result = await work();
  const self = process.cpuUsage(self0);
  const server = cpuSeconds(serverPid) - server0;
  clearInterval(timer);
  await follow();
  sample();
  await monitor?.end();
  const pgSeconds = [...first].reduce((total, [pid, start]) => total + Math.max(0, (last.get(pid) ?? start) - start), 0);
  const calls = result.latencies.length;
  const ms = (seconds: number) => ((seconds * 1000) / calls).toFixed(2);
  const parts = [`server ${ms(server)} ms`, ...(b.kind === 'postgres' ? [`PostgreSQL ${ms(pgSeconds)} ms`] : []), `bench client + provider ${ms((self.user + self.system) / 1e6)} ms`];
  return { ...result, cpu: parts.join(', ') };
}

async function ccToken(): Promise<string> {
  const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');
  const answer = await fetch(`${base}/oidc/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=gateway' });
  const json = (await answer.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token endpoint answered ${answer.status}`);
  return json.access_token;
}

// The load generator shares the two cores with the server: undici's request() costs it about
// half of what fetch() does per call, leaving more of the machine to what is measured.
const client = new Agent({ keepAliveTimeout: 60_000, connections: CONCURRENCY * 2 });

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const answer = await request(url, { headers, dispatcher: client });
  const body = (await answer.body.json()) as Record<string, unknown>;
  if (answer.statusCode !== 200 || !body.checkups) throw new Error(`answered ${answer.statusCode}: ${JSON.stringify(body).slice(0, 200)}`);
  return performance.now() - t0;
}

export async function runGatewayBench(args: string[]): Promise<void> {
  console.log(machineLine());
  const provider = await startProvider();
  try {
    for (const kind of backendsFrom(args)) {
      const b = await backend(kind, 'gateway');
      const subjects = await prepare(b, provider.url);
      const server = await startServer(b, base, PORT);
      try {
        const token = await ccToken();
        const direct = () => timed(`${provider.url}/v1/record`, { authorization: `Bearer ${TOKEN}`, 'tsunagu-resident-id': 'R-1' });
        const viaGateway = (w: number, i: number) => timed(`${base}/gateway/bench-provider/v1/record?items=checkups,vaccinations`, { authorization: `Bearer ${token}`, 'tsunagu-subject': subjects[(w * 7 + i) % subjects.length]!, 'tsunagu-purpose': 'bench' });
        await during(2, CONCURRENCY, direct);
        await during(3, CONCURRENCY, viaGateway); // warm-up: links made, plans cached
        // The added latency is read where the cores are not saturated (1 and 4 clients) and at
        // saturation (16), where it is mostly queueing behind the load generator and the server.
        for (const clients of [...new Set([1, 4, CONCURRENCY])]) {
          const full = clients === CONCURRENCY;
          const d = await cpuDuring(b, server.child.pid!, () => during(full ? 10 : 5, clients, direct));
          const g = await cpuDuring(b, server.child.pid!, () => during(full ? 15 : 8, clients, viaGateway));
          const dLine = summary(d.latencies, d.seconds);
          const gLine = summary(g.latencies, g.seconds);
          console.log(`[${kind}] provider directly, ${clients} concurrent: ${dLine}`);
          console.log(`[${kind}] through the gateway, ${clients} concurrent: ${gLine}`);
          if (full) console.log(`[${kind}] CPU per call, provider directly: ${d.cpu}; through the gateway: ${g.cpu}`);
          console.log(`[${kind}] added latency, ${clients} concurrent: p50 +${(percentile(g.latencies, 50) - percentile(d.latencies, 50)).toFixed(1)} ms, p99 +${(percentile(g.latencies, 99) - percentile(d.latencies, 99)).toFixed(1)} ms`);
        }
      } finally {
        await server.stop();
        await b.drop();
      }
    }
  } finally {
    await provider.close();
    await client.close();
  }
}
