// Starts the real `tsunagu serve` as a separate process for tests that need one (browser
// journeys, broker reliability, a second broker as a context source). Each caller keeps to its
// own port range so test files running in parallel never meet on a port.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Ports fetch() refuses to connect to ("bad ports" in the Fetch standard): never hand one out.
const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143,
  161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045,
  4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** A port P in [from, to) with P … P+size-1 all free (a server and the ports it derives from its own). */
export async function freePortBlock(from: number, to: number, size: number): Promise<number> {
  for (let p = from; p + size <= to; p += size) {
    const free = await Promise.all(Array.from({ length: size }, (_, k) => freePort(p + k, p + k + 1).then(() => true, () => false)));
    if (free.every(Boolean)) return p;
  }
  throw new Error(`no ${size} free ports in a row in [${from}, ${to})`);
}

/** A port in [from, to) nobody listens on (checked by binding it for a moment). */
export async function freePort(from: number, to: number): Promise<number> {
  const size = to - from;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = from + ((start + i) % size);
    if (FETCH_BAD_PORTS.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free port in ${from}–${to - 1}`);
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The last few KiB the server wrote (for failure messages). */
  output(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s; or the signal given, e.g. SIGKILL). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `node bin/tsunagu.mjs serve` on a free port of [ports[0], ports[1]) with `env` laid over
 * this process's environment (without DATABASE_URL and TSUNAGU_DATA_DIR: give the database in
 * `env`), and waits for /readyz.
 */
export async function startServerProcess(options: { ports: [number, number]; env: Record<string, string>; readyTimeoutMs?: number }): Promise<ServerProcess> {
  const port = await freePort(options.ports[0], options.ports[1]);
  // The demo's provider and service processes would take ports of their own: tests start those themselves.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TSUNAGU_DEMO_PROCESSES: 'false' };
  delete env.DATABASE_URL;
  delete env.TSUNAGU_DATA_DIR;
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'tsunagu.mjs'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited (${child.exitCode}) before it was ready:\n${output}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`The server was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, child, output: () => output, stop };
}
