// Starts the demo's processes outside the City OS: the two data providers (basePort+2, +3), the
// child-rearing support app (basePort+4), the demo cities' core system that receives their
// applications (basePort+5) and the test payment service for procedure fees (basePort+6). The
// City OS is on basePort and the GビズID stand-in on +1. `tsunagu serve` calls this when demo data is on; close() stops them, and they also stop by
// themselves when this process dies (spawn-demo-process.ts).
import { spawnDemoProcess, type DemoProcess } from './spawn-demo-process.ts';
import type { ProviderId } from './providers/provider-data.ts';

export interface DemoLogger {
  info(message: string): void;
  error(message: string): void;
}

export interface DemoProcessesOptions {
  /** The address the processes listen on, e.g. 127.0.0.1. */
  host: string;
  basePort: number;
  /** The host name a browser reaches them at (the demo service's pages and redirect URIs), e.g. localhost. */
  publicHost: string;
  /** The City OS's issuer URL, e.g. http://localhost:3000. */
  issuer: string;
  /** The bearer token each provider will require; the City OS keeps the same in its registry. */
  providerTokens: Record<ProviderId, string>;
  /** The demo service's OIDC client at the City OS. */
  serviceClient: { id: string; secret: string };
  /** The core-system receiver: the token per municipality, the CA it trusts, where it keeps what arrives. */
  coreReceiver: { tokens: Record<string, string>; trustAnchor: string; storeDir: string };
  /** The test payment service's keys; the City OS uses the same (procedures' paymentSettingsOf). */
  payment?: { apiKey: string; webhookSecret: string };
  logger?: DemoLogger;
}

export interface DemoProcesses {
  providers: Array<{ id: ProviderId; url: string }>;
  service: { url: string };
  coreReceiver: { url: string };
  payment?: { url: string };
  close(): Promise<void>;
}

const PROVIDER_PORTS: Record<ProviderId, number> = { 'maternal-child-health': 2, 'residence-records': 3 };
const SERVICE_PORT = 4;
const RECEIVER_PORT = 5;
export const PAYMENT_PORT = 6;

export async function startDemoProcesses(options: DemoProcessesOptions): Promise<DemoProcesses> {
  const started: DemoProcess[] = [];
  const close = async () => {
    await Promise.all(started.map((p) => p.stop()));
  };
  const log = (name: string) => (line: string) => options.logger?.info(`[${name}] ${line}`);
  try {
    const providers = await Promise.all(
      (Object.keys(PROVIDER_PORTS) as ProviderId[]).map(async (id) => {
        // Credentials go through the environment, not argv, which any local user can read in ps.
        const process = await spawnDemoProcess({
          entry: 'provider',
          args: ['--provider', id, '--host', options.host, '--port', String(options.basePort + PROVIDER_PORTS[id])],
          env: { TSUNAGU_PROVIDER_TOKEN: options.providerTokens[id] },
          onLine: log(id),
        });
        started.push(process);
        return { id, url: process.url };
      }),
    );
    const servicePort = options.basePort + SERVICE_PORT;
    const service = await spawnDemoProcess({
      entry: 'service',
      args: ['--host', options.host, '--port', String(servicePort), '--issuer', options.issuer, '--public-url', `http://${options.publicHost}:${servicePort}`],
      env: { KOSODATE_CLIENT_ID: options.serviceClient.id, KOSODATE_CLIENT_SECRET: options.serviceClient.secret },
      onLine: log('kosodate-app'),
    });
    started.push(service);
    const receiverPort = options.basePort + RECEIVER_PORT;
    const receiver = await spawnDemoProcess({
      entry: 'core-receiver',
      args: ['--host', options.host, '--port', String(receiverPort), '--store', options.coreReceiver.storeDir],
      env: { TSUNAGU_RECEIVER_TOKENS: JSON.stringify(options.coreReceiver.tokens), TSUNAGU_RECEIVER_TRUST_ANCHOR: options.coreReceiver.trustAnchor },
      onLine: log('core-receiver'),
    });
    started.push(receiver);
    let payment: DemoProcesses['payment'];
    if (options.payment) {
      const paymentPort = options.basePort + PAYMENT_PORT;
      const publicUrl = `http://${options.publicHost}:${paymentPort}`;
      const paymentProcess = await spawnDemoProcess({
        entry: 'payment',
        args: ['--host', options.host, '--port', String(paymentPort), '--public-url', publicUrl],
        env: { TESTPAY_API_KEY: options.payment.apiKey, TESTPAY_WEBHOOK_SECRET: options.payment.webhookSecret },
        onLine: log('test-payment'),
      });
      started.push(paymentProcess);
      payment = { url: publicUrl };
    }
    return { providers, service: { url: `http://${options.publicHost}:${servicePort}` }, coreReceiver: { url: `http://${options.publicHost}:${receiverPort}` }, ...(payment ? { payment } : {}), close };
  } catch (error) {
    options.logger?.error(`the demo processes did not start: ${(error as Error).message}`);
    await close();
    throw error;
  }
}
