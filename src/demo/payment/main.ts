// Runs the test payment service (テスト決済サービス) as its own process:
//   node --import tsx src/demo/payment/main.ts --port 3006 [--host 127.0.0.1] [--public-url URL] [--exit-with-stdin]
// with TESTPAY_API_KEY and TESTPAY_WEBHOOK_SECRET in the environment (never in argv, which any
// local user can read in ps). No real money: see test-pay-app.ts.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readyLine, stopOnSignals } from '../process-lifecycle.ts';
import { buildTestPayApp } from './test-pay-app.ts';

const USAGE = 'usage: payment/main.ts --port N [--host HOST] [--public-url URL] [--exit-with-stdin] (TESTPAY_API_KEY, TESTPAY_WEBHOOK_SECRET in the environment)';

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, 'public-url': { type: 'string' }, 'exit-with-stdin': { type: 'boolean' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port ?? env.PORT);
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  const apiKey = env.TESTPAY_API_KEY ?? '';
  const webhookSecret = env.TESTPAY_WEBHOOK_SECRET ?? '';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const publicUrl = (values['public-url'] ?? `http://${shownHost}:${port}`).replace(/\/$/, '');
  if (!Number.isInteger(port) || port < 1 || port > 65535 || apiKey.length < 16 || webhookSecret.length < 32 || !URL.canParse(publicUrl)) {
    console.error(`${USAGE}\n(the API key needs 16 characters or more, the webhook secret 32 or more)`);
    return 2;
  }
  const app = buildTestPayApp({ apiKey, webhookSecret, publicUrl });
  await app.listen({ port, host });
  console.log(readyLine('test payment service (テスト決済サービス, no real money)', `http://${shownHost}:${port}`));
  stopOnSignals(() => app.close(), { exitWithStdin: values['exit-with-stdin'] ?? false });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exit(code);
}
