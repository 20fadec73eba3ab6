// A minimal service (OIDC relying party) for journeys: /start sends the browser to the City OS to
// log in (code flow with PKCE, via openid-client); /callback exchanges the code and shows who
// logged in, at which level. It stands for any service a municipality registers.
import http from 'node:http';
import * as oidc from 'openid-client';

export interface RelyingParty {
  url: string;
  redirectUri: string;
  connect(clientId: string, clientSecret: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRelyingParty(issuer: string, port: number, options: { scope: string; acrValues?: string }): Promise<RelyingParty> {
  const url = `http://127.0.0.1:${port}`;
  const redirectUri = `${url}/callback`;
  let config: oidc.Configuration | undefined;
  const pending = new Map<string, string>(); // state → PKCE verifier
  const server = http.createServer(async (req, res) => {
    try {
      const here = new URL(req.url ?? '/', url);
      if (!config) throw new Error('not connected');
      if (here.pathname === '/start') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        pending.set(state, verifier);
        const target = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: options.scope, state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...(options.acrValues ? { acr_values: options.acrValues } : {}) });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (here.pathname === '/callback') {
        const state = here.searchParams.get('state') ?? '';
        if (here.searchParams.get('error')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html lang="en"><title>refused</title><main><h1 id="result">error=${here.searchParams.get('error')}</h1></main></html>`);
          return;
        }
        const tokens = await oidc.authorizationCodeGrant(config, here, { pkceCodeVerifier: pending.get(state), expectedState: state });
        const claims = tokens.claims()!;
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!DOCTYPE html><html lang="ja"><title>signed in</title><main><h1 id="result">sub=${claims.sub} acr=${claims.acr} name=${String(info.name ?? '')}</h1></main></html>`,
        );
        return;
      }
      // Browsers ask every site for a favicon; a service without one answers "no content".
      res.writeHead(here.pathname === '/favicon.ico' ? 204 : 404).end();
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url,
    redirectUri,
    connect: async (clientId, clientSecret) => {
      config = await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, { execute: [oidc.allowInsecureRequests] });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
