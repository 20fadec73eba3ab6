// Configuration comes only from the environment (twelve-factor), read and validated once at
// start. Every variable is documented in docs/operations.md; a bad value stops the start with a
// message naming the variable rather than surfacing later as a confusing failure.
import path from 'node:path';
import { parseDataKeys, SealError, type DataKey } from './crypto/sealer.ts';
import { invalidAllowEntry, type OutboundSettings } from './outbound/address-policy.ts';

export interface Config {
  /** TCP port of the HTTP server. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections this process keeps open at most (ignored on PGlite). */
  dbPoolSize: number;
  /** Where PGlite keeps its files (ignored with databaseUrl). */
  dataDir: string;
  /** Seed the demo prefecture (Fukushima) on first start. */
  demoData: boolean;
  /**
   * Start the demo's own processes beside the server (two data providers and a service on
   * PORT+2…+4, the test payment service on PORT+6, src/demo/). Default: with demo data, outside production.
   */
  demoProcesses: boolean;
  /** Public base URL, used in links that leave the site (e-mails, receipts). */
  publicUrl: string;
  /** Largest request body accepted, in bytes; beyond it the answer is 413. */
  bodyLimit: number;
  /** Requests per minute per client address on the public API before 429. */
  rateLimitPerMinute: number;
  /** Pino log level. */
  logLevel: string;
  /** Secret for signing cookies; generated per process in development if absent. */
  cookieSecret: string | undefined;
  /** Cookies carry the Secure flag (turn off only for plain-HTTP development). */
  secureCookies: boolean;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Run the in-process job worker in this process. */
  runWorker: boolean;
  /** Production mode: stricter checks (e.g. a cookie secret must be set). */
  production: boolean;
  /** NGSI-LD broker: require credentials (false only for conformance suites; unsafe). */
  brokerAuth: boolean;
  /** NGSI-LD broker: largest request body (batch operations carry up to 1,000 entities). */
  brokerBodyLimit: number;
  /** NGSI-LD broker: requests per minute per client address (devices post often). */
  brokerRateLimitPerMinute: number;
  /** Login, code and PIN forms: submissions per minute per client address. */
  loginRateLimitPerMinute: number;
  /**
   * Keys that encrypt personal data at rest (current first). Unset in development: a key is made
   * in the data directory on first start. Required in production.
   */
  dataKeys: DataKey[] | undefined;
  /** SMTP server for outgoing mail (smtp:// or smtps://); unset: mail goes to the dev outbox. */
  smtpUrl: string | undefined;
  /** ClamAV's clamd (tcp://host:port) that scans attachments before they are stored; none: not scanned. */
  clamdUrl: string | undefined;
  /** The From address of outgoing mail. */
  mailFrom: string;
  /** A signed-in person is signed out after this many minutes without a request. */
  sessionIdleMinutes: number;
  /** …and after this many hours whatever they do. */
  sessionMaxHours: number;
  /** My Number card (JPKI): PEM of the signature CA (J-LIS); unset in development: a TEST CA. */
  jpkiTrustAnchor: string | undefined;
  /** …PEM of intermediate CAs, if any. */
  jpkiIntermediates: string | undefined;
  /** …the CRLs (file paths or http(s) URLs, comma-separated). */
  jpkiCrl: string | undefined;
  /** Business login through GビズID (identity module; docs/identity-gbizid.md). */
  gbizid: GbizidSettings;
  /** Which addresses URLs named by clients may reach (platform/outbound; docs/operations.md). */
  outbound: OutboundSettings;
  /** How long a claimed background job is its worker's before another may run it (a dead worker's jobs wait this long). */
  jobLeaseSeconds: number;
  /**
   * The payment provider for procedure fees (procedures module; docs/procedures.md). Unset:
   * outside production the demo's test payment service on PORT+6, in production no payment.
   */
  payment: PaymentSettings | undefined;
  /**
   * Fee payments still pending after `pendingMinutes` (a webhook that never came, a checkout left
   * open) are settled or expired by asking the provider, every `everyMinutes` (procedures module).
   */
  paymentReconciliation: { pendingMinutes: number; everyMinutes: number };
}

export interface PaymentSettings {
  /** The provider's API base URL, e.g. https://pay.example.jp. */
  url: string;
  /** The bearer key the City OS calls the provider with. */
  apiKey: string;
  /** The key of the HMAC signatures on the provider's webhooks. */
  webhookSecret: string;
}

export interface GbizidSettings {
  /** The GビズID issuer URL, exactly as its discovery document gives it; unset: no real GビズID. */
  issuer: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Seconds to wait for each request to the issuer before telling the person it is unavailable. */
  timeoutSeconds: number;
  /** Run the TEST-ONLY stand-in issuer in this process and log businesses in through it. */
  standin: boolean;
  /** The stand-in's own port (the browser goes there as it would go to GビズID). */
  standinPort: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function brokerAuth(env: NodeJS.ProcessEnv): boolean {
  const raw = env.TSUNAGU_BROKER_AUTH?.toLowerCase();
  if (raw === undefined || raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`TSUNAGU_BROKER_AUTH must be on or off, got "${env.TSUNAGU_BROKER_AUTH}"`);
}

// A real issuer needs all three values; the stand-in is for development only and never offered
// in production, where business login without a configured issuer is simply unavailable.
function gbizidSettings(env: NodeJS.ProcessEnv, production: boolean, port: number): GbizidSettings {
  const issuer = env.TSUNAGU_GBIZID_ISSUER || undefined;
  const clientId = env.TSUNAGU_GBIZID_CLIENT_ID || undefined;
  const clientSecret = env.TSUNAGU_GBIZID_CLIENT_SECRET || undefined;
  if (issuer) {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new ConfigError(`TSUNAGU_GBIZID_ISSUER must be an absolute URL, got "${issuer}"`);
    }
    if (production && url.protocol !== 'https:') throw new ConfigError('TSUNAGU_GBIZID_ISSUER must be an https:// URL when NODE_ENV=production');
    if (!clientId || !clientSecret) throw new ConfigError('TSUNAGU_GBIZID_CLIENT_ID and TSUNAGU_GBIZID_CLIENT_SECRET are required with TSUNAGU_GBIZID_ISSUER');
  }
  const standin = boolean(env, 'TSUNAGU_GBIZID_STANDIN', !production && !issuer);
  if (standin && production) throw new ConfigError('TSUNAGU_GBIZID_STANDIN cannot be on when NODE_ENV=production (it is a test stand-in, not GビズID)');
  if (standin && issuer) throw new ConfigError('TSUNAGU_GBIZID_STANDIN and TSUNAGU_GBIZID_ISSUER exclude each other: choose the stand-in or a real issuer');
  const standinPort = integer(env, 'TSUNAGU_GBIZID_STANDIN_PORT', port < 65535 ? port + 1 : port - 1, 1, 65535);
  return { issuer, clientId, clientSecret, timeoutSeconds: integer(env, 'TSUNAGU_GBIZID_TIMEOUT', 10, 1, 120), standin, standinPort };
}

function paymentSettings(env: NodeJS.ProcessEnv): PaymentSettings | undefined {
  const url = env.TSUNAGU_PAYMENT_URL || undefined;
  if (!url) return undefined;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`TSUNAGU_PAYMENT_URL must be an absolute URL, got "${url}"`);
  }
  const apiKey = env.TSUNAGU_PAYMENT_API_KEY ?? '';
  const webhookSecret = env.TSUNAGU_PAYMENT_WEBHOOK_SECRET ?? '';
  if (apiKey.length < 16 || webhookSecret.length < 32) throw new ConfigError('TSUNAGU_PAYMENT_URL needs TSUNAGU_PAYMENT_API_KEY (16 characters or more) and TSUNAGU_PAYMENT_WEBHOOK_SECRET (32 or more)');
  return { url: url.replace(/\/$/, ''), apiKey, webhookSecret };
}

// Production refuses loopback, private and link-local addresses in URLs that clients name;
// development, tests and the demo run everything on 127.0.0.1, so there they are allowed.
function outboundSettings(env: NodeJS.ProcessEnv, production: boolean): OutboundSettings {
  const raw = env.TSUNAGU_OUTBOUND_PRIVATE?.toLowerCase() || (production ? 'refuse' : 'allow');
  if (raw !== 'allow' && raw !== 'refuse') throw new ConfigError(`TSUNAGU_OUTBOUND_PRIVATE must be allow or refuse, got "${env.TSUNAGU_OUTBOUND_PRIVATE}"`);
  const allow = (env.TSUNAGU_OUTBOUND_ALLOW ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  const bad = invalidAllowEntry(allow);
  if (bad !== undefined) throw new ConfigError(`TSUNAGU_OUTBOUND_ALLOW: "${bad}" is neither a host name nor an address or CIDR`);
  return { privateNetworks: raw, allow };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const cookieSecret = env.TSUNAGU_COOKIE_SECRET || undefined;
  if (cookieSecret !== undefined && cookieSecret.length < 32) {
    throw new ConfigError('TSUNAGU_COOKIE_SECRET must be at least 32 characters');
  }
  if (production && !cookieSecret) throw new ConfigError('TSUNAGU_COOKIE_SECRET is required when NODE_ENV=production');
  let dataKeys: DataKey[] | undefined;
  if (env.TSUNAGU_DATA_KEY) {
    try {
      dataKeys = parseDataKeys(env.TSUNAGU_DATA_KEY);
    } catch (error) {
      throw new ConfigError(`TSUNAGU_DATA_KEY: ${(error as SealError).message}`);
    }
    if (dataKeys.length === 0) throw new ConfigError('TSUNAGU_DATA_KEY holds no key');
  }
  if (production && !dataKeys) throw new ConfigError('TSUNAGU_DATA_KEY is required when NODE_ENV=production (openssl rand -base64 32)');
  const smtpUrl = env.TSUNAGU_SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('TSUNAGU_SMTP_URL must start with smtp:// or smtps://');
  if (production && !smtpUrl) throw new ConfigError('TSUNAGU_SMTP_URL is required when NODE_ENV=production (mail cannot go to the dev outbox)');
  const clamdUrl = env.TSUNAGU_CLAMD_URL || undefined;
  if (clamdUrl && !/^tcp:\/\/[^/:]+:\d{1,5}\/?$/.test(clamdUrl)) throw new ConfigError(`TSUNAGU_CLAMD_URL must be tcp://host:port (clamd's TCP socket), got "${clamdUrl}"`);
  const publicUrl = env.TSUNAGU_PUBLIC_URL || `http://localhost:${port}`;
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`TSUNAGU_PUBLIC_URL must be an absolute URL, got "${publicUrl}"`);
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dbPoolSize: integer(env, 'TSUNAGU_DB_POOL_SIZE', 10, 1, 1000),
    dataDir: path.resolve(env.TSUNAGU_DATA_DIR || 'data'),
    demoData: boolean(env, 'TSUNAGU_DEMO_DATA', true),
    demoProcesses: boolean(env, 'TSUNAGU_DEMO_PROCESSES', boolean(env, 'TSUNAGU_DEMO_DATA', true) && !production),
    publicUrl: publicUrl.replace(/\/$/, ''),
    bodyLimit: integer(env, 'TSUNAGU_BODY_LIMIT', 1_048_576, 1024, 1_073_741_824),
    rateLimitPerMinute: integer(env, 'TSUNAGU_RATE_LIMIT', 600, 1, 1_000_000),
    logLevel: env.LOG_LEVEL || 'info',
    cookieSecret,
    secureCookies: boolean(env, 'TSUNAGU_SECURE_COOKIES', production),
    trustProxy: boolean(env, 'TSUNAGU_TRUST_PROXY', false),
    runWorker: boolean(env, 'TSUNAGU_WORKER', true),
    production,
    brokerAuth: brokerAuth(env),
    brokerBodyLimit: integer(env, 'TSUNAGU_BROKER_BODY_LIMIT', 16_777_216, 1024, 1_073_741_824),
    brokerRateLimitPerMinute: integer(env, 'TSUNAGU_BROKER_RATE_LIMIT', 600_000, 1, 100_000_000),
    loginRateLimitPerMinute: integer(env, 'TSUNAGU_LOGIN_RATE_LIMIT', 30, 1, 1_000_000),
    dataKeys,
    smtpUrl,
    clamdUrl,
    mailFrom: env.TSUNAGU_MAIL_FROM || 'つなぐ <no-reply@tsunagu.localhost>',
    sessionIdleMinutes: integer(env, 'TSUNAGU_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionMaxHours: integer(env, 'TSUNAGU_SESSION_MAX_HOURS', 12, 1, 24 * 30),
    jpkiTrustAnchor: env.TSUNAGU_JPKI_TRUST_ANCHOR || undefined,
    jpkiIntermediates: env.TSUNAGU_JPKI_INTERMEDIATES || undefined,
    jpkiCrl: env.TSUNAGU_JPKI_CRL || undefined,
    gbizid: gbizidSettings(env, production, port),
    outbound: outboundSettings(env, production),
    jobLeaseSeconds: integer(env, 'TSUNAGU_JOB_LEASE_SECONDS', 60, 1, 3600),
    payment: paymentSettings(env),
    paymentReconciliation: { pendingMinutes: integer(env, 'TSUNAGU_PAYMENT_PENDING_MINUTES', 60, 5, 10_080), everyMinutes: integer(env, 'TSUNAGU_PAYMENT_RECONCILE_MINUTES', 10, 1, 1440) },
  };
}
