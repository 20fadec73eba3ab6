// A tiny browser without a screen for HTTP-level journeys (OIDC redirects, login forms): keeps
// cookies per host like a browser does and follows redirects one hop at a time, so a test can
// see every stop on the way.
export class CookieBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.#cookies.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    const jar = this.#cookies.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.#cookies.set(host, jar);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData; json?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: init.json === undefined ? 'text/html' : 'application/json', ...init.headers };
    const jar = this.#cookies.get(new URL(url).host);
    if (jar?.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | FormData | undefined;
    if (init.multipart) body = init.multipart;
    else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const host = new URL(url).host;
      const hostJar = this.#cookies.get(host) ?? new Map<string, string>();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) hostJar.delete(name);
      else hostJar.set(name, value);
      this.#cookies.set(host, hostJar);
    }
    return response;
  }

  /**
   * Follows redirects from `url` until a page answers (not 3xx) or `stop` says to stop at a
   * location (e.g. the client's redirect URI, which no server here answers). Returns every URL
   * visited and the last response (undefined when stopped).
   */
  async follow(url: string, options: { method?: string; form?: Record<string, string>; stop?: (url: string) => boolean } = {}) {
    const visited = [url];
    let response = await this.request(url, options);
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      const next = new URL(response.headers.get('location')!, visited.at(-1)).toString();
      visited.push(next);
      if (options.stop?.(next)) return { visited, response: undefined, location: next };
      response = await this.request(next);
    }
    return { visited, response, location: visited.at(-1)! };
  }
}

/** A page's CSRF token for scripts (the csrf-token meta element), as its scripts send it. */
export function metaCsrf(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  if (!match) throw new Error('No csrf-token meta element on the page');
  return match[1]!;
}

/** The value of a hidden form field on an HTML page (e.g. the CSRF token). */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`No hidden field ${name} on the page`);
  return match[1]!;
}
