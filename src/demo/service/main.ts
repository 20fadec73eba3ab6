// Runs the child-rearing support app (a demo service outside the City OS) as its own process:
//   node --import tsx src/demo/service/main.ts --port 3004 --issuer http://localhost:3000
//       --client-id kosodate-app --client-secret S --public-url http://localhost:3004
//       [--host 127.0.0.1] [--api-url URL] [--cookie-secret S] [--exit-with-stdin]
// or with PORT, HOST, KOSODATE_ISSUER, KOSODATE_CLIENT_ID, KOSODATE_CLIENT_SECRET,
// KOSODATE_PUBLIC_URL, KOSODATE_API_URL, KOSODATE_COOKIE_SECRET in the environment (flags win).
// --api-url is where /gateway and /api/v1/consent-requests are, when not at the issuer. The client must be
// registered at the City OS with redirect URI {public-url}/callback, post-logout redirect URI
// {public-url}/logged-out, grant types authorization_code and client_credentials, and scopes
// "openid profile gateway".
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readyLine, stopOnSignals } from '../process-lifecycle.ts';
import { buildServiceApp } from './service-app.ts';

const USAGE = 'usage: service/main.ts --port N --issuer URL --client-id ID --client-secret SECRET --public-url URL [--host HOST] [--api-url URL] [--cookie-secret S] [--exit-with-stdin]';

export async function main(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'public-url': { type: 'string' },
        'api-url': { type: 'string' },
        'cookie-secret': { type: 'string' },
        'exit-with-stdin': { type: 'boolean' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port ?? env.PORT);
  const host = values.host ?? env.HOST ?? '127.0.0.1';
  const issuer = values.issuer ?? env.KOSODATE_ISSUER ?? '';
  const clientId = values['client-id'] ?? env.KOSODATE_CLIENT_ID ?? '';
  const clientSecret = values['client-secret'] ?? env.KOSODATE_CLIENT_SECRET ?? '';
  const publicUrl = (values['public-url'] ?? env.KOSODATE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const cookieSecret = values['cookie-secret'] ?? env.KOSODATE_COOKIE_SECRET;
  const apiUrl = values['api-url'] ?? env.KOSODATE_API_URL;
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !isHttpUrl(issuer) || !isHttpUrl(publicUrl) || !clientId || !clientSecret || (apiUrl !== undefined && !isHttpUrl(apiUrl))) {
    console.error(USAGE);
    return 2;
  }
  const app = buildServiceApp({ issuer, clientId, clientSecret, publicUrl, ...(apiUrl ? { apiUrl } : {}), ...(cookieSecret ? { cookieSecret } : {}) });
  await app.listen({ port, host });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  console.log(readyLine(`kosodate-app (子育て応援アプリ, public ${publicUrl}, issuer ${issuer})`, `http://${shownHost}:${port}`));
  stopOnSignals(() => app.close(), { exitWithStdin: values['exit-with-stdin'] ?? false });
  return 0;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exit(code);
}
