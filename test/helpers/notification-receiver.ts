// A real HTTP endpoint for NGSI-LD notifications in tests: records every POST it accepts, by
// path, and answers with the status set (200 unless a test makes it fail).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';

export interface Received {
  path: string;
  at: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** Listens on a free port of `ports` (a range of the test file's own), or any port without. */
export async function notificationReceiver(ports?: [number, number]) {
  const received: Received[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (status === 200) received.push({ path: req.url ?? '', at: Date.now(), headers: req.headers, body: JSON.parse(text) });
      res.statusCode = status;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  const { freePort } = await import('./server-process.ts');
  const wanted = ports ? await freePort(ports[0], ports[1]) : 0;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(wanted, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const at = (path: string) => received.filter((r) => r.path === path);
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    /** The notifications that reached `path`. */
    for: at,
    /** Every entity notified at `path`, in order of arrival. */
    data: (path: string) => at(path).flatMap((r) => r.body.data),
    times: (path: string) => at(path).map((r) => r.at),
    setStatus: (s: number) => (status = s),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `probe` until it gives a truthy value (returned) or fails the test after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | false | undefined | Promise<T | false | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
