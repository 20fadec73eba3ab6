// Where the certificate revocation list (CRL, 失効リスト) comes from: a file (an operator's job
// copies J-LIS's list there) or an http(s) URL. A source only loads and parses; revocation.ts
// checks that the list is signed by the card's CA and not stale, so a source never has to be trusted.
import fs from 'node:fs/promises';
import { x509 } from './pki.ts';

export type CrlLoad = { ok: true; crl: x509.X509Crl } | { ok: false; detail: string };

export interface CrlSource {
  /** The path or URL, for messages and logs. */
  readonly location: string;
  /** The current list, from cache when allowed. `now` is the caller's clock (tests move it). */
  get(now: Date): Promise<CrlLoad>;
}

export interface CrlSourceOptions {
  /** Largest list accepted, in bytes (a national CRL is large, but not unbounded). Default 64 MiB. */
  maxBytes?: number;
  /** Give up on a URL after this long, body included. Default 10 s. */
  timeoutMs?: number;
  /** Ask a URL again after this long even before nextUpdate, to see new revocations. Default 1 h. */
  refreshMs?: number;
  /** After a failed attempt, wait this long before the next one. Default 30 s. */
  retryAfterMs?: number;
}

const defaults = { maxBytes: 64 * 1024 * 1024, timeoutMs: 10_000, refreshMs: 60 * 60_000, retryAfterMs: 30_000 };

class CrlLoadError extends Error {}

/** A CRL in DER or PEM; throws CrlLoadError when it is neither. */
export function parseCrl(bytes: Uint8Array): x509.X509Crl {
  try {
    const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
    const der = head.includes('-----BEGIN')
      ? x509.PemConverter.decodeFirst(Buffer.from(bytes).toString('latin1'))
      : new Uint8Array(bytes);
    const crl = new x509.X509Crl(der);
    void crl.thisUpdate; // the fields are read lazily; touch one so a broken list fails here
    return crl;
  } catch {
    throw new CrlLoadError('not a CRL (DER or PEM)');
  }
}

function describe(error: unknown): string {
  if (error instanceof CrlLoadError) return error.message;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error instanceof Error ? `${error.message}${cause}` : String(error);
}

async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new CrlLoadError(`larger than ${maxBytes} bytes`);
  }
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new CrlLoadError(`larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A CRL fetched over http(s), cached until nextUpdate (or refreshMs, whichever comes first). */
export class HttpCrlSource implements CrlSource {
  readonly location: string;
  readonly #options: Required<CrlSourceOptions>;
  #cached: { crl: x509.X509Crl; fetchedAt: number } | undefined;
  #lastFailure: { at: number; detail: string } | undefined;
  #inFlight: Promise<CrlLoad> | undefined;

  constructor(url: string, options: CrlSourceOptions = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`CRL URL must be http(s): ${url}`);
    this.location = url;
    this.#options = { ...defaults, ...options };
  }

  async get(now: Date): Promise<CrlLoad> {
    const t = now.getTime();
    const cached = this.#cached;
    if (cached) {
      const nextUpdate = cached.crl.nextUpdate?.getTime() ?? -Infinity;
      if (t < nextUpdate && t - cached.fetchedAt < this.#options.refreshMs) return { ok: true, crl: cached.crl };
    }
    if (this.#lastFailure && t - this.#lastFailure.at < this.#options.retryAfterMs) {
      return cached ? { ok: true, crl: cached.crl } : { ok: false, detail: this.#lastFailure.detail };
    }
    // Concurrent logins share one download.
    this.#inFlight ??= this.#fetch(t).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(t: number): Promise<CrlLoad> {
    try {
      const response = await fetch(this.location, {
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        redirect: 'error', // the configured URL is the source; a redirect is a misconfiguration
        headers: { accept: 'application/pkix-crl, application/x-pkcs7-crl;q=0.9, */*;q=0.1' },
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new CrlLoadError(`HTTP ${response.status}`);
      }
      const crl = parseCrl(await readLimited(response, this.#options.maxBytes));
      this.#cached = { crl, fetchedAt: t };
      this.#lastFailure = undefined;
      return { ok: true, crl };
    } catch (error) {
      const detail = `${this.location}: ${describe(error)}`;
      this.#lastFailure = { at: t, detail };
      // An older list stays usable until its nextUpdate; revocation.ts judges staleness.
      return this.#cached ? { ok: true, crl: this.#cached.crl } : { ok: false, detail };
    }
  }
}

/** A CRL read from a file; read again whenever the file changes, parsed once per version. */
export class FileCrlSource implements CrlSource {
  readonly location: string;
  readonly #maxBytes: number;
  #cached: { crl: x509.X509Crl; version: string } | undefined;

  constructor(path: string, options: Pick<CrlSourceOptions, 'maxBytes'> = {}) {
    this.location = path;
    this.#maxBytes = options.maxBytes ?? defaults.maxBytes;
  }

  async get(_now: Date): Promise<CrlLoad> {
    try {
      const stat = await fs.stat(this.location);
      const version = `${stat.mtimeMs}:${stat.size}`;
      if (this.#cached?.version === version) return { ok: true, crl: this.#cached.crl };
      if (stat.size > this.#maxBytes) throw new CrlLoadError(`larger than ${this.#maxBytes} bytes`);
      const crl = parseCrl(await fs.readFile(this.location));
      this.#cached = { crl, version };
      return { ok: true, crl };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { ok: false, detail: `${this.location}: ${code === 'ENOENT' ? 'no such file' : describe(error)}` };
    }
  }
}

/** A list held in memory (tests, and the development test CA, which publishes its own). */
export class StaticCrlSource implements CrlSource {
  readonly location: string;
  crl: x509.X509Crl;

  constructor(crl: x509.X509Crl, location = 'memory') {
    this.crl = crl;
    this.location = location;
  }

  async get(_now: Date): Promise<CrlLoad> {
    return { ok: true, crl: this.crl };
  }
}

/** A file path or an http(s) URL, as an operator writes it in TSUNAGU_JPKI_CRL. */
export function crlSourceFor(location: string, options: CrlSourceOptions = {}): CrlSource {
  // Anything with a scheme is a URL (and only http/https are accepted), never a relative path.
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
  return isUrl ? new HttpCrlSource(location, options) : new FileCrlSource(location, options);
}
