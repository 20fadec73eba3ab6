// Test helpers: local HTTP servers that serve @contexts (listen(0)), counting requests.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NgsiError } from '../../errors.ts';

export type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface ContextServer {
  url(path: string): string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function contextServer(routes: Record<string, Handler>): Promise<ContextServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes[path];
    if (!handler) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serves a JSON document as application/ld+json. */
export function json(document: unknown, contentType = 'application/ld+json'): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType }).end(JSON.stringify(document));
  };
}

/** Asserts that `promise` rejects with an NgsiError of `type` (and a detail matching `detail`). */
export async function rejectsWith(promise: Promise<unknown>, type: string, detail?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof NgsiError, `expected NgsiError, got ${String(error)}`);
    assert.equal(error.type, type, error.detail);
    if (detail) assert.match(error.detail, detail);
    return true;
  });
}
