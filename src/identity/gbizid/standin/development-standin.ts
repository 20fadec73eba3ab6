// The stand-in inside a development server (`npm start` without TSUNAGU_GBIZID_ISSUER), so a
// business can log in with no GビズID contract and no internet. It listens on a port of its own
// (TSUNAGU_GBIZID_STANDIN_PORT, by default the next one), as GビズID is a site of its own: under
// the main server, Tsunagu's own bearer-token check would answer the stand-in's UserInfo requests.
// Started on the first business login, so servers that never see one pay nothing for it. Never
// in production (config.ts refuses TSUNAGU_GBIZID_STANDIN there).
import http from 'node:http';
import { createStandin, type StandinClient } from './standin-issuer.ts';

export interface DevelopmentStandin {
  issuer: string;
  /** Listens if it does not yet; rejects when the port cannot be had. */
  ensureListening(): Promise<void>;
  close(): Promise<void>;
}

export function developmentStandin(options: { publicUrl: string; host: string; port: number; client: StandinClient; onError: (error: unknown) => void }): DevelopmentStandin {
  // The browser reaches the stand-in at the host it reaches Tsunagu at, on the stand-in's port.
  const issuer = `http://${new URL(options.publicUrl).hostname}:${options.port}`;
  let server: http.Server | undefined;
  let listening: Promise<void> | undefined;
  return {
    issuer,
    ensureListening() {
      listening ??= (async () => {
        const standin = await createStandin({ issuer, clients: [options.client], onError: options.onError });
        const created = http.createServer((req, res) => standin.handle(req, res));
        await new Promise<void>((resolve, reject) => {
          created.once('error', reject);
          created.listen(options.port, options.host, () => resolve());
        });
        server = created;
      })().catch((error: unknown) => {
        listening = undefined; // the next login tries again
        throw error;
      });
      return listening;
    },
    async close() {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
