// Shared by the delivery tests: a resident who fills and submits a bulk application through the
// real pages, the demo core-system receiver as a real process, and a way to run the delivery
// jobs now instead of after their backoff.
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { hiddenField } from '../../../test/helpers/cookie-browser.ts';
import { freePort } from '../../../test/helpers/server-process.ts';
import { spawnDemoProcess } from '../../demo/spawn-demo-process.ts';
import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';

// Everything the demo forms used here ask; each step keeps only the names its own fields post.
export const ANSWERS: Record<string, string> = {
  fullName: '髙橋　﨑子', fullNameKana: 'たかはし さきこ',
  'birthDate-year': '平成2', 'birthDate-month': '4', 'birthDate-day': '1',
  'address-postcode': '９６５－０８７２', 'address-address': '福島県会津若松市東栄町3-46',
  phone: '0242-39-1111', email: 'sakiko@example.jp',
  'previousAddress-postcode': '100-0001', 'previousAddress-address': '東京都千代田区千代田1-1',
  plate: '会津 300 あ 12-34', declaration: 'yes', visitWish: 'no',
  'babyBirthDate-year': '2026', 'babyBirthDate-month': '11', 'babyBirthDate-day': '20', birthWeight: '３０１２',
};

export interface Resident {
  get(path: string): Promise<{ status: number; text: string; location: string | null }>;
  post(path: string, csrf: string, form: Record<string, string | string[]>): Promise<{ status: number; text: string; location: string | null }>;
}

/** A signed-in person at `base` (a session token from registerResident, or a staff session). */
export function browserFor(base: string, sessionToken: string): Resident {
  let cookie = `tsn_session=${sessionToken}`;
  const page = async (path: string, form?: Record<string, string | string[]>) => {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => [v].flat().map((x) => [k, x]))).toString() : undefined;
    const response = await fetch(new URL(path, base), { method: form ? 'POST' : 'GET', redirect: 'manual', headers: { accept: 'text/html', cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body });
    const set = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    if (set) cookie = `${cookie}; ${set}`;
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  };
  return { get: (path) => page(path), post: (path, csrf, form) => page(path, { _csrf: csrf, ...form }) };
}

/** Starts a bulk application for `procedures` ("072028/shussei-renraku") and answers every step; returns its id, at the review page. */
export async function fillBulk(who: Resident, procedures: string[]): Promise<string> {
  const query = procedures.map((p) => `procedure=${encodeURIComponent(p)}`).join('&');
  const form = await who.get(`/applications/new?${query}`);
  const started = await who.post('/applications/new', hiddenField(form.text, '_csrf'), { procedure: procedures });
  assert.equal(started.status, 303, started.text.slice(0, 500));
  const bulkId = /^\/applications\/([0-9a-f-]{36})$/.exec(started.location!)![1]!;
  let at = `/applications/${bulkId}`;
  for (let i = 0; i < 40 && !at.endsWith('/review'); i++) {
    const shown = await who.get(at);
    if (shown.status === 303) {
      at = shown.location!;
      continue;
    }
    assert.equal(shown.status, 200, at);
    const posted = await who.post(at, hiddenField(shown.text, '_csrf'), at.endsWith('/prefill') ? { prefill: 'no' } : ANSWERS);
    assert.equal(posted.status, 303, `${at}: ${posted.text.slice(0, 300)}`);
    at = posted.location!;
  }
  assert.ok(at.endsWith('/review'), `reached ${at}`);
  return bulkId;
}

/** Posts the review page's form: the submission as a double click would send it, once. */
export async function submitBulk(who: Resident, bulkId: string): Promise<{ status: number; location: string | null }> {
  const review = await who.get(`/applications/${bulkId}/review`);
  assert.equal(review.status, 200);
  return who.post(`/applications/${bulkId}/submit`, hiddenField(review.text, '_csrf'), { submissionKey: hiddenField(review.text, 'submissionKey') });
}

export interface Receiver {
  url: string;
  received(): Promise<Array<{ deliveryId: string; lgCode: string; arrivals: number; receiptNumber: string; applicationId: string; procedure: string; signer: { subject: string } }>>;
  lines(): string[];
  stop(): Promise<void>;
}

/** The demo core-system receiver as a process of its own on a port of [ports[0], ports[1]). */
export async function startReceiver(ports: [number, number], options: { tokens: Record<string, string>; trustAnchor: string; args?: string[] }): Promise<Receiver> {
  const port = await freePort(ports[0], ports[1]);
  const process = await spawnDemoProcess({
    entry: 'core-receiver',
    args: ['--host', '127.0.0.1', '--port', String(port), ...(options.args ?? [])],
    env: { TSUNAGU_RECEIVER_TOKENS: JSON.stringify(options.tokens), TSUNAGU_RECEIVER_TRUST_ANCHOR: options.trustAnchor },
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    received: async () => ((await (await fetch(`${url}/api/received`)).json()) as { items: Awaited<ReturnType<Receiver['received']>> }).items,
    lines: process.lines,
    stop: process.stop,
  };
}

/** Runs the due delivery jobs now, `rounds` times, skipping their backoff (the queue's worker is off in tests). */
export async function runDeliveryJobs(db: Database, queue: JobQueue, rounds = 1): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await sql`update platform_jobs set run_at = now() where topic = 'delivery.send' and status = 'pending'`.execute(db);
    await queue.runDue(50);
  }
}
