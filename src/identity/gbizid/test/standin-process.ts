// Starts the GビズID stand-in (bin/gbizid-standin.mjs) as its own process for tests, on a free
// port of the caller's range, and waits until its discovery document answers.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../../test/helpers/server-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface StandinProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startStandinProcess(options: { ports: [number, number]; clientId: string; clientSecret: string; redirectUri: string }): Promise<StandinProcess> {
  const port = await freePort(options.ports[0], options.ports[1]);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const args = ['--port', String(port), '--client-id', options.clientId, '--client-secret', options.clientSecret, '--redirect-uri', options.redirectUri];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'gbizid-standin.mjs'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The stand-in exited (${child.exitCode}) before it was ready:\n${output}`);
    try {
      if ((await fetch(`${url}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The stand-in was not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, output: () => output, stop };
}
