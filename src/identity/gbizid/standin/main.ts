// Runs the GビズID stand-in as its own process (tests; trying a relying party by hand):
//   node bin/gbizid-standin.mjs --port 3850 --client-id ID --client-secret SECRET --redirect-uri URL [--redirect-uri URL…]
//       [--host 127.0.0.1] [--issuer URL]
// TEST ONLY: it is not GビズID, its users are fictional, and anyone can log in as any of them.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { STANDIN_NAME } from './standin-pages.tsx';
import { createStandin } from './standin-issuer.ts';

const USAGE = 'usage: gbizid-standin --port N --client-id ID --client-secret SECRET --redirect-uri URL [--redirect-uri URL…] [--host HOST] [--issuer URL]';

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
    },
  });
  const port = Number(values.port);
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  const redirectUris = values['redirect-uri'] ?? [];
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !clientId || !clientSecret || redirectUris.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const issuer = values.issuer ?? `http://${values.host}:${port}`;
  const standin = await createStandin({ issuer, clients: [{ clientId, clientSecret, redirectUris }], onError: (error) => console.error('stand-in error:', error) });
  const server = http.createServer((req, res) => standin.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host, resolve);
  });
  console.log(`${STANDIN_NAME} at ${issuer} for client ${clientId}`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return 0;
}
