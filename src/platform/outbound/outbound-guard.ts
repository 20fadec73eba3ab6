// The one place that decides whether Tsunagu may contact a URL a client named, and that makes
// the connection to an address it checked. `check` answers early (at the time a subscription or
// registration is made, for a clear 4xx); `fetch` checks again when sending, and its connections
// go through a DNS lookup that refuses any resolved address the policy refuses, so a name that
// resolves to a public address for the check and to 127.0.0.1 for the connection (DNS
// rebinding) is still refused. `resolve` gives a checked address for protocols that connect by
// themselves (MQTT).
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { AddressPolicy, ipBytes, type OutboundSettings } from './address-policy.ts';

export class OutboundRefused extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url} may not be contacted: ${reason}`);
    this.name = 'OutboundRefused';
  }
}

type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export class OutboundGuard {
  readonly policy: AddressPolicy;
  readonly #resolve: Resolver;
  readonly #agent: Agent | undefined;
  /** dispatch()'s connections under an open policy (fetch() uses the default dispatcher there). */
  #openAgent: Agent | undefined;

  constructor(settings: OutboundSettings, resolve: Resolver = systemResolver) {
    this.policy = new AddressPolicy(settings);
    this.#resolve = resolve;
    // Only a refusing policy needs its own connections; 'allow' uses the default dispatcher.
    this.#agent = this.policy.open ? undefined : new Agent({ connect: { lookup: this.#lookup } });
  }

  /** Throws OutboundRefused unless `raw` may be contacted now (resolving its host). */
  async check(raw: string | URL): Promise<void> {
    await this.resolve(raw);
  }

  /**
   * The addresses to connect to for `raw`, every one checked; throws OutboundRefused. An
   * allow-listed host name or an open policy is not resolved (empty list: connect by name).
   */
  async resolve(raw: string | URL): Promise<string[]> {
    const text = String(raw);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundRefused(text, 'it is not an absolute URL');
    }
    const host = hostOf(url);
    if (!host) throw new OutboundRefused(text, 'it names no host');
    if (this.policy.allowsHost(host)) return [];
    if (ipBytes(host)) {
      const why = this.policy.refusal(host);
      if (why) throw new OutboundRefused(text, `${host} is a ${why} address`);
      return [host];
    }
    let found: Array<{ address: string }>;
    try {
      found = await this.#resolve(host);
    } catch (error) {
      throw new OutboundRefused(text, `the host ${host} cannot be resolved (${(error as { code?: string }).code ?? 'DNS error'})`);
    }
    if (found.length === 0) throw new OutboundRefused(text, `the host ${host} has no address`);
    for (const { address } of found) {
      const why = this.policy.refusal(address);
      if (why) throw new OutboundRefused(text, `${host} resolves to ${address}, a ${why} address`);
    }
    return found.map((a) => a.address);
  }

  /**
   * fetch() that may only reach allowed addresses: the URL is checked first (IP literals are never
   * looked up again), and every connection's DNS answer is checked too. Redirects are the
   * caller's: use `redirect: 'manual'` and call this again for the next hop, or 'error'.
   */
  async fetch(raw: string | URL, init: RequestInit = {}): Promise<Response> {
    if (this.policy.open) return fetch(raw, init);
    await this.check(raw);
    try {
      return await fetch(raw, { ...init, dispatcher: this.#agent } as RequestInit);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefused) throw cause;
      throw error;
    }
  }

  /**
   * undici's dispatch() under the same checks as fetch(), for hot paths: `handler` receives the
   * answer's status, raw headers and body chunks as they arrive, without the stream, promise and
   * abort-signal plumbing request() and fetch() build around every call. Redirects are never
   * followed. A refused address (the URL's, or the connection's DNS answer) comes as an
   * OutboundRefused: thrown here, or, from the connection, given to `handler.onError` (possibly as
   * the `cause` of the error).
   */
  async dispatch(raw: string, options: { method: Dispatcher.HttpMethod; headers: Record<string, string>; body?: string }, handler: Dispatcher.DispatchHandlers): Promise<void> {
    if (!this.policy.open) await this.check(raw);
    const url = new URL(raw);
    const dispatcher = this.#agent ?? (this.#openAgent ??= new Agent());
    dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: options.method, headers: options.headers, ...(options.body === undefined ? {} : { body: options.body }) }, handler);
  }

  async close(): Promise<void> {
    await this.#agent?.close();
    await this.#openAgent?.close();
  }

  // The connection's own lookup: the same policy on whatever the name resolves to now.
  readonly #lookup: LookupFunction = (hostname, options, callback) => {
    if (this.policy.allowsHost(hostname)) return dns.lookup(hostname, options, callback as never);
    this.#resolve(hostname).then(
      (found) => {
        const refused = found.find((a) => this.policy.refusal(a.address));
        if (refused) {
          callback(new OutboundRefused(`//${hostname}`, `${hostname} resolves to ${refused.address}, a ${this.policy.refusal(refused.address)} address`) as never, '', 0);
        } else if (found.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }) as never, '', 0);
        } else if (options.all) {
          (callback as unknown as (e: null, a: typeof found) => void)(null, found);
        } else {
          callback(null, found[0]!.address, found[0]!.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
