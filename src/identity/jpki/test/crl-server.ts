// A local HTTP server standing in for a CRL distribution point. It listens on port 0 (any free
// port) on the loopback address; each test sets how it answers and reads how often it was asked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type CrlHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface CrlServer {
  url: string;
  requests: number;
  handler: CrlHandler;
  close(): Promise<void>;
}

export function serveBytes(body: Uint8Array | string, contentType = 'application/pkix-crl'): CrlHandler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
}

export async function startCrlServer(): Promise<CrlServer> {
  const state: CrlServer = {
    url: '',
    requests: 0,
    handler: (_request, response) => response.writeHead(404).end(),
    close: async () => {},
  };
  const server = http.createServer((request, response) => {
    state.requests += 1;
    state.handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signca.crl`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
