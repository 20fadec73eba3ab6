// Everything the child-rearing app asks of the City OS: sign-in (OIDC code flow with PKCE, via
// openid-client), a client-credentials token for the gateway (cached until it expires), the
// gateway call itself and a consent request. The app is a third party: it knows only the
// City OS's public endpoints and its own client id and secret.
import * as oidc from 'openid-client';

export const PROVIDER = 'maternal-child-health';
export const ITEMS = ['checkups', 'vaccinations', 'growth'] as const;
export const PURPOSE = 'checkup-reminders';
const GATEWAY_TIMEOUT_MS = 15_000;

export interface CityOsOptions {
  issuer: string;
  /** Where the gateway and the consent-request API are when not at the issuer (a separate API gateway host; tests). */
  apiUrl?: string;
  clientId: string;
  clientSecret: string;
  publicUrl: string;
}

export type GatewayResult =
  | { kind: 'ok'; record: Record<string, unknown>; consentId: string | null }
  | { kind: 'consent-required' }
  /** The City OS refused for another reason (e.g. SERVICE_SUSPENDED), or the provider failed (502/504). */
  | { kind: 'failed'; status: number | null; code: string | null };

export type ConsentRequestResult = { kind: 'ok'; id: string; url: string } | { kind: 'failed'; status: number | null; code: string | null };

interface Problem {
  code?: unknown;
  type?: unknown;
}

export class CityOsClient {
  private config: oidc.Configuration | undefined;
  private ccToken: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: CityOsOptions) {}

  get redirectUri(): string {
    return `${this.options.publicUrl}/callback`;
  }

  /** The app's top page: where the City OS sends the browser after logging out. */
  get postLogoutRedirectUri(): string {
    return `${this.options.publicUrl}/`;
  }

  /** Discovery runs on first use, not at start, so the app may start before the City OS does. */
  async configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const insecure = new URL(this.options.issuer).protocol === 'http:';
      const config = await oidc.discovery(new URL(this.options.issuer), this.options.clientId, undefined, oidc.ClientSecretBasic(this.options.clientSecret), {
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      });
      // Check the ID token's signature against the issuer's JWKS too, not only its claims.
      oidc.enableNonRepudiationChecks(config);
      this.config = config;
    }
    return this.config;
  }

  async authorizationUrl(): Promise<{ url: string; verifier: string; state: string }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, verifier, state };
  }

  /** Exchanges the code; throws when the state, the code or the ID token does not check out. */
  async finishLogin(callbackUrl: URL, verifier: string, state: string): Promise<{ sub: string; name: string; idToken: string }> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new Error('no ID token in the token response');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const name = [info.name, claims.name, [info.family_name, info.given_name].filter(Boolean).join('　')].find((n) => typeof n === 'string' && n.length > 0);
    return { sub: claims.sub, name: typeof name === 'string' ? name : '', idToken: tokens.id_token };
  }

  async logoutUrl(idToken: string | undefined): Promise<string> {
    const config = await this.configuration();
    return oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: this.postLogoutRedirectUri, ...(idToken ? { id_token_hint: idToken } : {}) }).href;
  }

  private async machineToken(): Promise<string> {
    if (this.ccToken && this.ccToken.expiresAt > Date.now()) return this.ccToken.value;
    const tokens = await oidc.clientCredentialsGrant(await this.configuration(), { scope: 'gateway' });
    // Renew a little early so a token never expires between this check and the gateway's.
    const lifetime = Math.max(0, (tokens.expires_in ?? 300) - 30) * 1000;
    this.ccToken = { value: tokens.access_token, expiresAt: Date.now() + lifetime };
    return tokens.access_token;
  }

  /** An authenticated call as the app itself; a token the City OS no longer knows is renewed once. */
  private async machineFetch(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.machineToken();
      const response = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });
      if (response.status !== 401 || attempt > 0) return response;
      this.ccToken = undefined;
    }
  }

  private endpoint(path: string): string {
    return `${(this.options.apiUrl ?? this.options.issuer).replace(/\/+$/, '')}${path}`;
  }

  async fetchRecord(sub: string): Promise<GatewayResult> {
    try {
      const response = await this.machineFetch(this.endpoint(`/gateway/${PROVIDER}/v1/record?items=${ITEMS.join(',')}`), {
        headers: { accept: 'application/json', 'tsunagu-subject': sub, 'tsunagu-purpose': PURPOSE },
      });
      if (response.ok) {
        const record = (await response.json()) as unknown;
        if (!record || typeof record !== 'object' || Array.isArray(record)) return { kind: 'failed', status: 502, code: 'BAD_RECORD' };
        return { kind: 'ok', record: record as Record<string, unknown>, consentId: response.headers.get('tsunagu-consent') };
      }
      const problem = await readProblem(response);
      const code = problemCode(problem);
      if (response.status === 403 && code === 'CONSENT_REQUIRED') return { kind: 'consent-required' };
      return { kind: 'failed', status: response.status, code };
    } catch {
      // Network failure, timeout, or the City OS not answering discovery: the page says so.
      return { kind: 'failed', status: null, code: null };
    }
  }

  async requestConsent(sub: string, state: string): Promise<ConsentRequestResult> {
    try {
      const response = await this.machineFetch(this.endpoint('/api/v1/consent-requests'), {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({
          subject: sub,
          provider: PROVIDER,
          items: ITEMS,
          purpose: PURPOSE,
          retentionDays: 30,
          validDays: 365,
          returnUri: `${this.options.publicUrl}/consent/callback`,
          state,
        }),
      });
      if (response.status !== 201) {
        const problem = await readProblem(response);
        return { kind: 'failed', status: response.status, code: problemCode(problem) };
      }
      const body = (await response.json()) as { id?: unknown; url?: unknown };
      if (typeof body.id !== 'string' || typeof body.url !== 'string') return { kind: 'failed', status: 502, code: 'BAD_CONSENT_REQUEST' };
      // Only ever send the resident to the City OS itself, whatever the answer says.
      const url = new URL(body.url, this.options.issuer);
      if (url.origin !== new URL(this.options.issuer).origin) return { kind: 'failed', status: 502, code: 'BAD_CONSENT_URL' };
      return { kind: 'ok', id: body.id, url: url.href };
    } catch {
      return { kind: 'failed', status: null, code: null };
    }
  }
}

/**
 * The problem's reason without the City OS's area prefix: TSN_GATEWAY_CONSENT_REQUIRED (or a type
 * ending in /problems/gateway-consent-required or /problems/consent-required) → CONSENT_REQUIRED.
 */
export function problemCode(problem: Problem): string | null {
  const known = ['CONSENT_REQUIRED', 'SERVICE_SUSPENDED', 'NOT_LINKED', 'NO_RECORD', 'PROVIDER_SUSPENDED', 'PROVIDER_TIMEOUT', 'PROVIDER_ERROR'];
  const code = typeof problem.code === 'string' ? problem.code : '';
  const type = typeof problem.type === 'string' ? problem.type.toUpperCase().replaceAll('-', '_') : '';
  return known.find((k) => code === k || code.endsWith(`_${k}`) || type.endsWith(`/${k}`) || type.endsWith(`_${k}`)) ?? (code || null);
}

async function readProblem(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as unknown;
    return body && typeof body === 'object' ? (body as Problem) : {};
  } catch {
    return {};
  }
}
