// Tsunagu as a relying party of GビズID (OpenID Connect, authorization code flow) through
// openid-client, a certified RP library. Every login carries PKCE (S256), a state and a nonce,
// kept on the server (pending-logins.ts); the callback checks the state, the issuer, the code
// exchange, the ID token (signature, audience, expiry, nonce) and that UserInfo speaks of the same
// subject before anything about the person is believed.
//
// Failures are sorted into what the person can do about them: GビズID not answering (try later),
// GビズID answering wrongly (tell the operator), or a code already used or expired (start again).
import * as oidc from 'openid-client';
import { GBIZID_SCOPES } from './gbizid-claims.ts';

export interface GbizidClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The callback URL registered with GビズID (…/business/login/callback). */
  redirectUri: string;
  timeoutSeconds: number;
  /** Allow http:// (the stand-in in development and tests only). */
  allowHttp: boolean;
}

export type GbizidFailure = 'unavailable' | 'invalid_response' | 'code_rejected';

export class GbizidError extends Error {
  constructor(
    readonly failure: GbizidFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GbizidError';
  }
}

export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Discovery is repeated after this long, so rotated keys and moved endpoints are picked up. */
const DISCOVERY_MAX_AGE_MS = 60 * 60_000;

export class GbizidClient {
  #configuration: { promise: Promise<oidc.Configuration>; at: number } | undefined;

  constructor(readonly options: GbizidClientOptions) {}

  get issuer(): string {
    return this.options.issuer;
  }

  /** Where to send the browser to log in at GビズID. */
  async authorizationUrl(checks: LoginChecks): Promise<URL> {
    const config = await this.configuration();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUri,
      scope: GBIZID_SCOPES.join(' '),
      response_type: 'code',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Checks the callback, redeems the code and returns the verified subject with its UserInfo claims. */
  async finish(callbackQuery: string, checks: LoginChecks): Promise<{ subject: string; claims: Record<string, unknown> }> {
    const config = await this.configuration();
    const current = new URL(this.options.redirectUri);
    current.search = callbackQuery;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const subject = tokens.claims()!.sub;
      const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, subject);
      return { subject, claims: { ...userInfo, sub: subject } };
    } catch (error) {
      throw this.failed(error);
    }
  }

  private configuration(): Promise<oidc.Configuration> {
    const cached = this.#configuration;
    if (cached && Date.now() - cached.at < DISCOVERY_MAX_AGE_MS) return cached.promise;
    const { issuer, clientId, clientSecret, timeoutSeconds, allowHttp } = this.options;
    const promise = oidc
      .discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
        timeout: timeoutSeconds,
        execute: allowHttp ? [oidc.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        // A failed discovery is not remembered: the next login tries again.
        if (this.#configuration?.promise === promise) this.#configuration = undefined;
        throw this.failed(error);
      });
    this.#configuration = { promise, at: Date.now() };
    return promise;
  }

  private failed(error: unknown): GbizidError {
    if (error instanceof GbizidError) return error;
    const failure = classify(error);
    if (failure === 'unavailable') this.#configuration = undefined;
    return new GbizidError(failure, `GビズID (${this.options.issuer}): ${describe(error)}`, { cause: error });
  }
}

/** Sorts an openid-client failure by what the person can do about it. */
export function classify(error: unknown): GbizidFailure {
  // The token endpoint said the code is no good: used already, expired, or not ours.
  if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') return 'code_rejected';
  if (error instanceof oidc.ResponseBodyError) return error.status >= 500 ? 'unavailable' : 'invalid_response';
  // fetch() could not reach the issuer (refused, reset, DNS): undici's TypeError with a cause.
  if (error instanceof TypeError && (error.message === 'fetch failed' || (error as { cause?: unknown }).cause)) return 'unavailable';
  const code = (error as { code?: unknown })?.code;
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return 'unavailable';
  // An HTTP status that is not the protocol's (a 502 from a proxy, a maintenance page…).
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
    const status = (error as { cause?: { status?: unknown } }).cause?.status;
    return typeof status === 'number' && status >= 400 && status < 500 ? 'invalid_response' : 'unavailable';
  }
  return 'invalid_response';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  const because = cause instanceof Error ? ` (${cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${because}`;
}
