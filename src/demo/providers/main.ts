// Runs one demo data provider as its own process:
//   node --import tsx src/demo/providers/main.ts --provider maternal-child-health --port 3002 --token T
//       [--host 127.0.0.1] [--delay-ms N] [--fail] [--exit-with-stdin]
// or with TSUNAGU_PROVIDER, PORT, HOST, TSUNAGU_PROVIDER_TOKEN, TSUNAGU_PROVIDER_DELAY_MS,
// TSUNAGU_PROVIDER_FAIL=true in the environment (flags win).
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readyLine, stopOnSignals } from '../process-lifecycle.ts';
import { buildProviderApp } from './provider-app.ts';
import { isProviderId, PROVIDERS } from './provider-data.ts';

const USAGE = `usage: providers/main.ts --provider (${Object.keys(PROVIDERS).join('|')}) --port N --token TOKEN [--host HOST] [--delay-ms N] [--fail] [--exit-with-stdin]`;

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        provider: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        'delay-ms': { type: 'string' },
        fail: { type: 'boolean' },
        'exit-with-stdin': { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const provider = values.provider ?? env.TSUNAGU_PROVIDER ?? '';
  const port = Number(values.port ?? env.PORT);
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  const token = values.token ?? env.TSUNAGU_PROVIDER_TOKEN ?? '';
  const delayMs = Number(values['delay-ms'] ?? env.TSUNAGU_PROVIDER_DELAY_MS ?? 0);
  const fail = values.fail ?? env.TSUNAGU_PROVIDER_FAIL === 'true';
  if (!isProviderId(provider) || !Number.isInteger(port) || port < 1 || port > 65535 || token.length < 8 || !Number.isInteger(delayMs) || delayMs < 0) {
    console.error(`${USAGE}\n(the token must be at least 8 characters)`);
    return 2;
  }
  const app = buildProviderApp({ provider, token, delayMs, fail });
  await app.listen({ port, host });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(readyLine(`${provider} (${PROVIDERS[provider].name.ja}, ${PROVIDERS[provider].operator.name.ja})`, `http://${shownHost}:${port}`));
  stopOnSignals(() => app.close(), { exitWithStdin: values['exit-with-stdin'] ?? false });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exit(code);
}
