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

const isTimeout = (error: unknown) => ['TimeoutError', 'AbortError'].includes((error as Error).name);
const isRefused = (error: unknown) => error instanceof OutboundRefused || (error as { cause?: unknown } | null)?.cause instanceof OutboundRefused;

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
  return exchange(outbound, url, { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) }, provider.timeoutMs);
}

/**
 * One call through the outbound guard's dispatch (an endpoint whose name now resolves to a refused
 * address fails), the answer gathered straight from undici's callbacks: no stream, no abort
 * signal. One deadline for the answer, headers and body both; its timer is cleared when the call
 * ends. At the deadline, or past the size cap, the call is aborted (at once, or as soon as undici
 * hands it a connection).
 */
function exchange(outbound: OutboundGuard, url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body: string | undefined }, timeoutMs: number): Promise<ProviderAnswer> {
  return new Promise<ProviderAnswer>((resolve) => {
    let settled = false;
    let abort: ((error?: Error) => void) | undefined;
    let stopped: Error | undefined;
    let status = 0;
    let type = '';
    let size = 0;
    const chunks: Buffer[] = [];
    const finish = (answer: ProviderAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const stop = (error: Error) => {
      stopped ??= error;
      abort?.(error);
    };
    const tooLarge = () => {
      finish({ kind: 'failed', reason: 'too_large', status });
      stop(new Error('The provider’s answer is too large'));
      return false;
    };
    const timer = setTimeout(() => {
      finish({ kind: 'failed', reason: 'timeout' });
      stop(new DOMException('The provider did not answer in time', 'TimeoutError'));
    }, timeoutMs);
    const handler: Dispatcher.DispatchHandlers = {
      onConnect: (abortCall) => {
        if (stopped) abortCall(stopped);
        else abort = abortCall;
      },
      onHeaders: (statusCode, raw) => {
        if (statusCode < 200) return true; // 1xx: informational, the answer follows
        status = statusCode;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i]!;
          if (name.length === 12 && name.toString('latin1').toLowerCase() === 'content-type') type += raw[i + 1]!.toString('latin1');
          else if (name.length === 14 && name.toString('latin1').toLowerCase() === 'content-length' && Number(raw[i + 1]!.toString('latin1')) > MAX_ANSWER_BYTES) return tooLarge();
        }
        return true;
      },
      onData: (chunk) => {
        size += chunk.byteLength;
        if (size > MAX_ANSWER_BYTES) return tooLarge();
        chunks.push(chunk);
        return true;
      },
      onComplete: () => {
        if (status >= 500) return finish({ kind: 'failed', reason: 'provider_error', status });
        if (!/json/.test(type)) return finish({ kind: 'failed', reason: 'not_json', status });
        try {
          finish({ kind: 'json', status, body: JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')) });
        } catch {
          finish({ kind: 'failed', reason: 'not_json', status });
        }
      },
      onError: (error) => {
        if (isRefused(error)) return finish({ kind: 'failed', reason: 'address_refused' });
        finish({ kind: 'failed', reason: isTimeout(error) || stopped ? 'timeout' : 'unreachable' });
      },
    };
    outbound.dispatch(url, init, handler).catch((error: unknown) => finish({ kind: 'failed', reason: isRefused(error) ? 'address_refused' : 'unreachable' }));
  });
}
