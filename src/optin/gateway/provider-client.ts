// Calls a data provider on the gateway's behalf with the credentials the City OS holds for it.
// Every call has the provider's timeout and an answer size cap, and failures come back as a
// reason code the gateway turns into 502/504 — never the provider's own error text or headers,
// which could carry what the service must not see.
import { OutboundRefused, type OutboundGuard } from '../../platform/outbound/outbound-guard.ts';
import type { Dispatcher } from 'undici';
import type { ProviderCredentials } from '../registry/registry.ts';

export const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

export type ProviderAnswer = { kind: 'json'; status: number; body: unknown } | { kind: 'failed'; reason: 'timeout' | 'unreachable' | 'address_refused' | 'not_json' | 'too_large' | 'provider_error'; status?: number };

function authorization(credentials: ProviderCredentials): string | undefined {
  if (credentials.method === 'bearer') return `Bearer ${credentials.token}`;
  if (credentials.method === 'basic') return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  return undefined;
}

type Body = Dispatcher.ResponseData['body'];

async function readCapped(headers: Dispatcher.ResponseData['headers'], body: Body): Promise<Buffer | undefined> {
  const declared = Number(headers['content-length'] ?? '0');
  if (declared > MAX_ANSWER_BYTES) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const isTimeout = (error: unknown) => ['TimeoutError', 'AbortError'].includes((error as Error).name);

export async function callProvider(
  outbound: OutboundGuard,
  provider: { endpoint: string; timeoutMs: number },
  credentials: ProviderCredentials,
  request: { method: 'GET' | 'POST'; path: string; query?: string; headers?: Record<string, string>; body?: unknown },
): Promise<ProviderAnswer> {
  const url = `${provider.endpoint.replace(/\/+$/, '')}/${request.path.replace(/^\/+/, '')}${request.query ? `?${request.query}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  const auth = authorization(credentials);
  if (auth) headers.authorization = auth;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  // One deadline for the answer, headers and body both; cleared when the call ends (a timer of
  // AbortSignal.timeout() would still fire, and build its error, long after every answered call).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException('The provider did not answer in time', 'TimeoutError')), provider.timeoutMs);
  try {
    return await exchange(outbound, url, { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) }, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function exchange(outbound: OutboundGuard, url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body: string | undefined }, signal: AbortSignal): Promise<ProviderAnswer> {
  let response: Dispatcher.ResponseData;
  try {
    // Through the outbound guard: an endpoint whose name now resolves to a refused address fails.
    response = await outbound.request(url, { ...init, signal });
  } catch (error) {
    if (error instanceof OutboundRefused) return { kind: 'failed', reason: 'address_refused' };
    return { kind: 'failed', reason: isTimeout(error) || signal.aborted ? 'timeout' : 'unreachable' };
  }
  const status = response.statusCode;
  let raw: Buffer | undefined;
  try {
    raw = await readCapped(response.headers, response.body);
  } catch (error) {
    return { kind: 'failed', reason: isTimeout(error) || signal.aborted ? 'timeout' : 'unreachable' };
  }
  if (!raw) return { kind: 'failed', reason: 'too_large', status };
  if (status >= 500) return { kind: 'failed', reason: 'provider_error', status };
  const type = response.headers['content-type'] ?? '';
  if (!/json/.test(String(type))) return { kind: 'failed', reason: 'not_json', status };
  try {
    return { kind: 'json', status, body: JSON.parse(raw.toString('utf8')) };
  } catch {
    return { kind: 'failed', reason: 'not_json', status };
  }
}
