// Small helpers for page tests: carry cookies from one response to the next request as a
// browser would, and read values out of the returned HTML.
import type { LightMyRequestResponse } from 'fastify';

export type CookieJar = Record<string, string>;

/** Stores every cookie a response sets (a cleared cookie is removed). */
export function keepCookies(jar: CookieJar, res: LightMyRequestResponse): CookieJar {
  for (const cookie of res.cookies as Array<{ name: string; value: string; maxAge?: number }>) {
    if (cookie.value === '' || cookie.maxAge === 0) delete jar[cookie.name];
    else jar[cookie.name] = cookie.value;
  }
  return jar;
}

/** The value of the page's hidden CSRF input (the first form's). */
export function csrfTokenOf(html: string): string {
  const token = /<input type="hidden" name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('The page has no _csrf input');
  return token;
}

export function htmlLang(html: string): string | undefined {
  return /<html[^>]*\blang="([^"]+)"/.exec(html)?.[1];
}

export function htmlClass(html: string): string[] {
  return (/<html[^>]*\bclass="([^"]*)"/.exec(html)?.[1] ?? '').split(/\s+/);
}

export function titleOf(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const HTML = { accept: 'text/html,application/xhtml+xml' };
