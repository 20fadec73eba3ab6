// Test helper for distributed queries: a second Tsunagu as a real separate process (the
// municipal broker that registers with the prefecture's), on its own PGlite data directory.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess } from '../../../../test/helpers/server-process.ts';

export { freePort } from '../../../../test/helpers/server-process.ts';

/** Ports this file's processes use (other test files keep to other ranges). */
export const SOURCE_PORTS: [number, number] = [3400, 3500];

export interface SourceBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `ports`: the range to start in (each test file keeps to its own); `env` overrides the defaults. */
export async function startSourceBroker(ports: [number, number] = SOURCE_PORTS, env: Record<string, string> = {}): Promise<SourceBroker> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-source-'));
  try {
    const server = await startServerProcess({
      ports,
      // A fresh process migrates and seeds its own database: slow when test files run in parallel.
      readyTimeoutMs: 240_000,
      env: { TSUNAGU_DATA_DIR: dataDir, TSUNAGU_BROKER_AUTH: 'off', TSUNAGU_DEMO_DATA: 'true', TSUNAGU_WORKER: 'false', NODE_ENV: 'development', ...env },
    });
    return {
      url: server.url,
      port: server.port,
      close: async () => {
        await server.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
