// Runs the demo core-system receiver as its own process:
//   node --import tsx src/demo/core-receiver/main.ts --port 3005 [--host 127.0.0.1] [--store DIR]
//       [--delay-ms N] [--fail-first N] [--lose-ack-first N] [--exit-with-stdin]
// with TSUNAGU_RECEIVER_TOKENS (JSON: {"072028": "token", …}) and TSUNAGU_RECEIVER_TRUST_ANCHOR
// (PEM of the CA that issues the municipalities' signing certificates) in the environment:
// credentials go through the environment, not argv, which any local user can read in ps.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readyLine, stopOnSignals } from '../process-lifecycle.ts';
import { buildReceiverApp } from './receiver-app.tsx';

const USAGE = 'usage: core-receiver/main.ts --port N [--host HOST] [--store DIR] [--delay-ms N] [--fail-first N] [--lose-ack-first N] [--exit-with-stdin] (TSUNAGU_RECEIVER_TOKENS, TSUNAGU_RECEIVER_TRUST_ANCHOR in the environment)';

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        store: { type: 'string' },
        'delay-ms': { type: 'string' },
        'fail-first': { type: 'string' },
        'lose-ack-first': { type: 'string' },
        'exit-with-stdin': { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port ?? env.PORT);
  const host = values.host ?? '127.0.0.1';
  const counts = ['delay-ms', 'fail-first', 'lose-ack-first'].map((k) => Number(values[k as 'delay-ms'] ?? 0));
  let tokens: Record<string, string> = {};
  try {
    tokens = JSON.parse(env.TSUNAGU_RECEIVER_TOKENS ?? '{}');
  } catch {
    // reported below
  }
  const trustAnchor = env.TSUNAGU_RECEIVER_TRUST_ANCHOR ?? '';
  if (!Number.isInteger(port) || port < 1 || port > 65535 || counts.some((n) => !Number.isInteger(n) || n < 0) || Object.keys(tokens).length === 0 || !trustAnchor.includes('BEGIN CERTIFICATE')) {
    console.error(`${USAGE}\n(the tokens must be a JSON object of municipality code to token, the trust anchor a PEM certificate)`);
    return 2;
  }
  const [delayMs, failFirst, loseAckFirst] = counts as [number, number, number];
  const { app } = buildReceiverApp({ tokens, trustAnchor, ...(values.store ? { storeDir: values.store } : {}), delayMs, failFirst, loseAckFirst });
  await app.listen({ port, host });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(readyLine(`demo core system (デモ基幹システム, ${Object.keys(tokens).join(', ')})`, `http://${shownHost}:${port}`));
  stopOnSignals(() => app.close(), { exitWithStdin: values['exit-with-stdin'] ?? false });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exit(code);
}
