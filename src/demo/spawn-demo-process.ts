// Starts one demo process (a provider or the demo service) as a child of this one, the way the
// project runs TypeScript (node --import tsx, no build step), and waits for its ready line.
// The child gets a stdin pipe and --exit-with-stdin, so it stops when this process dies, however
// it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { READY_PATTERN } from './process-lifecycle.ts';

const DEMO_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(DEMO_DIR, '..', '..');

export const DEMO_ENTRIES = {
  provider: path.join(DEMO_DIR, 'providers', 'main.ts'),
  service: path.join(DEMO_DIR, 'service', 'main.ts'),
  'core-receiver': path.join(DEMO_DIR, 'core-receiver', 'main.ts'),
  payment: path.join(DEMO_DIR, 'payment', 'main.ts'),
} as const;

export interface DemoProcess {
  /** The URL from the ready line. */
  url: string;
  child: ChildProcess;
  /** Every line the process wrote so far (stdout and stderr), oldest first, at most the last 500. */
  lines(): string[];
  stop(): Promise<void>;
}

export interface SpawnOptions {
  entry: keyof typeof DEMO_ENTRIES;
  args: string[];
  /** Laid over this process's environment. */
  env?: Record<string, string>;
  /** Each line as it arrives (the launcher passes them to its logger). */
  onLine?: (line: string) => void;
  readyTimeoutMs?: number;
}

export async function spawnDemoProcess(options: SpawnOptions): Promise<DemoProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // A child of a test file must not think it is one too, nor inherit a test's loader flags twice.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO_ENTRIES[options.entry], ...options.args, '--exit-with-stdin'], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const kept: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let resolveReady: (url: string) => void;
  const ready = new Promise<string>((resolve) => (resolveReady = resolve));
  const take = (line: string) => {
    kept.push(line);
    if (kept.length > 500) kept.shift();
    options.onLine?.(line);
    const url = READY_PATTERN.exec(line)?.[1];
    if (url) resolveReady(url);
  };
  // Reading both streams to the end also keeps a chatty child from blocking on a full pipe.
  createInterface({ input: child.stdout! }).on('line', take);
  createInterface({ input: child.stderr! }).on('line', take);
  // The pipe breaks when the child exits first; that is not this process's error.
  child.stdin!.on('error', () => {});

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then((url) => ({ url })),
    exited.then(() => ({ error: `exited (${child.exitCode ?? child.signalCode}) before it was ready` })),
    new Promise<{ error: string }>((resolve) => (timer = setTimeout(() => resolve({ error: `was not ready in ${timeoutMs} ms` }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if ('error' in outcome) {
    await stop();
    throw new Error(`The demo ${options.entry} (${options.args.join(' ')}) ${outcome.error}:\n${kept.join('\n')}`);
  }
  return { url: outcome.url, child, lines: () => [...kept], stop };
}
