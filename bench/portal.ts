// npm run bench -- portal [--postgres | --pglite] [--quick] — the common portal under 50 concurrent
// residents (issue 5's targets: page render p99 < 50 ms, bulk-application submit p99 < 300 ms):
//   1. page renders: the home page, a catalog search in kana, a procedure page, the 転入
//      navigation's result and the signed-in My page, each person one page after another;
//   2. submits: every person has drafts filled in to the review page beforehand (出生連絡票 of
//      会津若松市 with the prefecture's 自動車税 address change, the shared answers once) and
//      submits them; only the POST of the review page is timed.
// Each is run twice: people pausing about a second between pages (reading), and with no pause at
// all, which saturates the server and measures its throughput.
// Residents are created in the database first and log in over HTTP; the real server
// (`tsunagu serve`, demo data) is driven from this process. Figures go to docs/performance.md.
import { hashPassword } from '../src/identity/accounts/password.ts';
import { createIdentityContext } from '../src/identity/identity-context.ts';
import { fillBulk } from '../src/delivery/test/delivery-helpers.ts';
import { hiddenField } from '../test/helpers/cookie-browser.ts';
import { backend, backendsFrom, during, machineLine, percentile, startServer, summary, withApp } from './bench-kit.ts';

const PORT = Number(process.env.BENCH_PORT ?? 3970);
const base = `http://127.0.0.1:${PORT}`;
const USERS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'bench-password-2026';
const RESULT = `/life-events/moving-in/072028/result?v=1&${['previous-address:in-prefecture', 'has-car:yes', 'has-card:yes', 'health-insurance:kokuho', 'children:yes', 'childcare:yes', 'seal:yes', 'water:yes'].map((a) => `a=${encodeURIComponent(a)}`).join('&')}`;
const PAGES: Array<[string, string, boolean]> = [
  ['GET / (home, signed in)', '/', true],
  ['GET /procedures?q=てんにゅう', `/procedures?q=${encodeURIComponent('てんにゅう')}&municipality=072028`, false],
  ['GET /procedures/072028/tennyu-todoke', '/procedures/072028/tennyu-todoke', false],
  ['GET 転入 navigation result', RESULT, false],
  ['GET /account/applications (My page)', '/account/applications', true],
];

/** A resident's cookies (session, CSRF secret) and requests that keep them. */
class Person {
  cookies = new Map<string, string>();
  async request(path: string, form?: Record<string, string | string[]>): Promise<{ status: number; text: string; location: string | null }> {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((x) => [k, x]))).toString() : undefined;
    const response = await fetch(`${base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  }
  // What fillBulk (the delivery tests' helper) needs of a person.
  get = (path: string) => this.request(path);
  post = (path: string, csrf: string, form: Record<string, string | string[]>) => this.request(path, { _csrf: csrf, ...form });
}

async function logIn(email: string): Promise<Person> {
  const person = new Person();
  const form = await person.request('/login');
  const done = await person.request('/login', { _csrf: hiddenField(form.text, '_csrf'), email, password: PASSWORD, return: '/account' });
  if (done.status !== 303 || !person.cookies.has('tsn_session')) throw new Error(`login of ${email} answered ${done.status}`);
  return person;
}

export async function runPortalBench(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const seconds = quick ? 3 : 15;
  const draftsEach = quick ? 2 : 4;
  console.log(machineLine());
  for (const kind of backendsFrom(args)) {
    const b = await backend(kind, 'portal');
    await withApp(b, base, async (tsunagu) => {
      const ctx = createIdentityContext(tsunagu.ctx);
      const hash = await hashPassword(PASSWORD);
      for (let i = 0; i < USERS; i++) await ctx.accounts.create(ctx.db, { kind: 'resident', lgCode: '070009', email: `portal-${i}@example.jp`, passwordHash: hash, emailVerified: true });
    });
    const server = await startServer(b, base, PORT);
    try {
      const people: Person[] = [];
      for (let i = 0; i < USERS; i++) people.push(await logIn(`portal-${i}@example.jp`));

      // 1. Page renders: each person reads the pages in turn.
      const byPage = new Map<string, number[]>(PAGES.map(([label]) => [label, []]));
      const get = async (w: number, i: number) => {
        const [label, path, signedIn] = PAGES[(w + i) % PAGES.length]!;
        const t0 = performance.now();
        const answer = signedIn ? await people[w]!.request(path) : await fetch(`${base}${path}`, { headers: { accept: 'text/html' } }).then(async (r) => ({ status: r.status, text: await r.text() }));
        const took = performance.now() - t0;
        if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
        byPage.get(label)!.push(took);
        return took;
      };
      await during(2, 10, get); // warm-up
      // Two ways of being 50 people: reading each page for about a second (0.5–1.5 s) before the
      // next, as people do, and the worst case of no pause at all (the server saturated).
      for (const [mode, pause] of [['reading ~1 s per page', true], ['no pause (saturated)', false]] as const) {
        for (const list of byPage.values()) list.length = 0;
        const pages = await during(seconds, USERS, async (w, i) => {
          // People arrive spread over the first pause, not all in the same millisecond.
          if (pause && i === 0) await sleep(Math.random() * 1500);
          const took = await get(w, i);
          if (pause) await sleep(500 + Math.random() * 1000);
          return took;
        });
        console.log(`[${kind}] page renders, ${USERS} concurrent, ${mode}: ${summary(pages.latencies, pages.seconds)}`);
        for (const [label, list] of byPage) {
          list.sort((x, y) => x - y);
          console.log(`    ${label}: p50 ${percentile(list, 50).toFixed(1)} ms, p99 ${percentile(list, 99).toFixed(1)} ms (${list.length})`);
        }
      }

      // 2. Submits: drafts filled beforehand (not timed), then everyone submits at once.
      const t0 = performance.now();
      const drafts = await Promise.all(people.map(async (p) => {
        const ids: string[] = [];
        for (let d = 0; d < draftsEach; d++) ids.push(await fillBulk(p, ['072028/shussei-renraku', '070009/jidoushazei-jusho']));
        return ids;
      }));
      console.log(`[${kind}] prepared ${USERS * draftsEach} drafts filled to the review page in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const reviews = await Promise.all(people.map((p, w) => Promise.all(drafts[w]!.map(async (id) => hiddenField((await p.request(`/applications/${id}/review`)).text, '_csrf')))));
      // Half of the drafts are submitted by people who look at the review page for about a
      // second first, the other half all at once.
      const half = Math.ceil(draftsEach / 2);
      for (const [mode, from, to, pause] of [['after reading the review ~1 s', 0, half, true], ['all at once (saturated)', half, draftsEach, false]] as const) {
        if (from >= to) continue;
        const latencies: number[] = [];
        const s0 = performance.now();
        await Promise.all(people.map(async (p, w) => {
          if (pause) await sleep(Math.random() * 1500);
          for (let d = from; d < to; d++) {
            const id = drafts[w]![d]!;
            const review = await p.request(`/applications/${id}/review`);
            const key = hiddenField(review.text, 'submissionKey');
            if (pause) await sleep(500 + Math.random() * 1000);
            const t = performance.now();
            const sent = await p.request(`/applications/${id}/submit`, { _csrf: reviews[w]![d]!, submissionKey: key });
            latencies.push(performance.now() - t);
            if (sent.status !== 303 || sent.location !== `/applications/${id}/done`) throw new Error(`submit answered ${sent.status} ${sent.location}`);
          }
        }));
        console.log(`[${kind}] bulk-application submit (2 procedures each), ${USERS} concurrent, ${mode}: ${summary(latencies, (performance.now() - s0) / 1000)}`);
      }
    } finally {
      await server.stop();
      await b.drop();
    }
  }
}
