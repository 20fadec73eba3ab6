// npm run bench -- identity [--postgres | --pglite] — logins per second and latency with the
// chosen argon2id parameters at 50 concurrent logins, and token endpoint requests per second
// (client credentials). Accounts and a machine client are prepared in the database first, then
// the real server (`tsunagu serve`) is started and driven over HTTP from this process.
// Figures go to docs/performance.md with the command; never into assertions.
import { hashPassword, ARGON2_PARAMS } from '../src/identity/accounts/password.ts';
import { createIdentityContext } from '../src/identity/identity-context.ts';
import { ClientRegistry } from '../src/identity/oidc/client-registry.ts';
import { backend, backendsFrom, during, machineLine, startServer, summary, withApp, type Backend } from './bench-kit.ts';

const PORT = Number(process.env.BENCH_PORT ?? 3960);
const base = `http://127.0.0.1:${PORT}`;
const ACCOUNTS = 200;

/** Residents bench-0000@example.jp … with known passwords, and a client-credentials client. */
async function prepare(b: Backend): Promise<{ clientId: string; clientSecret: string }> {
  return withApp(b, base, async (tsunagu) => {
    const ctx = createIdentityContext(tsunagu.ctx);
    const hash = await hashPassword('bench-password-2026');
    for (let i = 0; i < ACCOUNTS; i++) {
      await ctx.accounts.create(ctx.db, { kind: 'resident', lgCode: '070009', email: `bench-${String(i).padStart(4, '0')}@example.jp`, passwordHash: hash, emailVerified: true });
    }
    const client = await new ClientRegistry(ctx.db, tsunagu.ctx.sealer).register(ctx.db, { lgCode: '072010', nameJa: 'ベンチ', nameEn: 'Bench', redirectUris: [], postLogoutRedirectUris: [], grantTypes: ['client_credentials'], public: false, scope: 'openid' }, 'bench');
    return { clientId: client.clientId, clientSecret: client.clientSecret! };
  });
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

async function tokenRequest(basic: string): Promise<number> {
  const t0 = performance.now();
  const answer = await fetch(`${base}/oidc/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  const json = (await answer.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`token endpoint answered ${answer.status}`);
  return performance.now() - t0;
}

export async function runIdentityBench(args: string[]): Promise<void> {
  const kinds = backendsFrom(args);
  console.log(machineLine());
  const hashes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await hashPassword(`password-${i}`);
    hashes.push(performance.now() - t0);
  }
  console.log(`argon2id m=${ARGON2_PARAMS.memoryCost} KiB t=${ARGON2_PARAMS.timeCost} p=${ARGON2_PARAMS.parallelism}: one hash ${summary(hashes, hashes.reduce((a, b) => a + b, 0) / 1000)}`);
  for (const kind of kinds) {
    const b = await backend(kind, 'identity');
    const { clientId, clientSecret } = await prepare(b);
    const server = await startServer(b, base, PORT);
    try {
      await during(3, 10, (w, i) => logIn(`bench-${String((w * 997 + i) % ACCOUNTS).padStart(4, '0')}@example.jp`)); // warm-up
      const logins = await during(20, 50, (w, i) => logIn(`bench-${String((w * 997 + i) % ACCOUNTS).padStart(4, '0')}@example.jp`));
      console.log(`[${kind}] POST /login (password, argon2id verify, session), 50 concurrent: ${summary(logins.latencies, logins.seconds)}`);
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
      await during(3, 8, () => tokenRequest(basic));
      const tokens = await during(15, 16, () => tokenRequest(basic));
      console.log(`[${kind}] POST /oidc/token (client credentials), 16 concurrent: ${summary(tokens.latencies, tokens.seconds)}`);
    } finally {
      await server.stop();
      await b.drop();
    }
  }
}
