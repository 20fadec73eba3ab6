// A stand-in for GビズID, for development and tests only: an OpenID Provider (oidc-provider, the
// same certified library as Tsunagu's own provider) that speaks like GビズID as far as Tsunagu
// relies on it — authorization code flow with PKCE, client_secret_basic at the token endpoint,
// no personal data in the ID token, GビズID's claim names at the UserInfo endpoint — with fictional
// test users picked from a list instead of a password and an SMS code.
//
// It runs as its own process (bin/gbizid-standin.mjs; tests), or inside a development server
// under /dev/gbizid-standin (standin-mount.ts). Its state lives in memory.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { GBIZID_CLAIMS_BY_SCOPE } from '../gbizid-claims.ts';
import { errorPage, loginPage } from './standin-pages.tsx';
import { STANDIN_USERS, type StandinUser } from './standin-users.ts';

export interface StandinClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface StandinOptions {
  /** The issuer URL; its path (if any) is where the stand-in is mounted. */
  issuer: string;
  clients: StandinClient[];
  users?: StandinUser[];
  /** Take the scheme and host from X-Forwarded-* (behind the development server's proxy settings). */
  trustProxy?: boolean;
  onError?: (error: unknown) => void;
}

export interface Standin {
  issuer: string;
  /** A Node request handler for every path under the issuer (already stripped of the mount path). */
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const FORM_LIMIT = 4096;

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > FORM_LIMIT) reject(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' });
  res.end(html);
}

export async function createStandin(options: StandinOptions): Promise<Standin> {
  const users = options.users ?? STANDIN_USERS;
  const byId = new Map(users.map((u) => [u.sub, u]));
  const mountPath = new URL(options.issuer).pathname.replace(/\/$/, '');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `standin-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [signingKey as never] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      names: { session: 'gbizid_standin_session', interaction: 'gbizid_standin_interaction', resume: 'gbizid_standin_resume' },
    },
    claims: GBIZID_CLAIMS_BY_SCOPE,
    scopes: Object.keys(GBIZID_CLAIMS_BY_SCOPE),
    responseTypes: ['code'],
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx, sub) {
      const user = byId.get(sub);
      return user && { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
    },
    interactions: { url: async (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}` },
    // No consent screen: the stand-in grants whatever its registered client asks for.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
      const grant = (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope(String(oidc.params!.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(`${out.error}${out.error_description ? `: ${out.error_description}` : ''}`);
    },
  };
  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy ?? false;
  if (options.onError) provider.on('server_error', (_ctx, error) => options.onError!(error));
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('this login belongs to another interaction');
    if (req.method === 'GET') return send(res, 200, loginPage(`${mountPath}/interaction/${uid}`, String(details.params.client_id), users));
    if (req.method !== 'POST') return send(res, 405, errorPage('method not allowed'));
    const form = await readForm(req);
    const result =
      form.get('action') === 'cancel'
        ? { error: 'access_denied', error_description: 'The user cancelled the login' }
        : byId.has(form.get('user') ?? '')
          ? { login: { accountId: form.get('user')! } }
          : undefined;
    if (!result) return send(res, 400, errorPage('choose a test user'));
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  return {
    issuer: options.issuer,
    handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://standin.invalid').pathname;
      const match = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec(path);
      if (!match) return void callback(req, res);
      interaction(req, res, match[1]!).catch((error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) send(res, 400, errorPage(error instanceof Error ? error.message : 'the login could not go on'));
      });
    },
  };
}
