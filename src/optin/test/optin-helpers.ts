// Shared by the opt-in tests: a real server, a real provider over HTTP, a registered and approved
// service with its client-credentials token, and residents (with or without the card check).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createListeningTestApp, platformAdminToken, type TestApp } from '../../../test/helpers/test-database.ts';
import type { Config } from '../../platform/config.ts';
import { CookieBrowser } from '../../../test/helpers/cookie-browser.ts';
import { registerResident } from '../../identity/test/identity-helpers.ts';
import { identityDb } from '../../identity/db/schema.ts';

export const PROVIDER_TOKEN = 'provider-secret-token-that-services-never-see';

/** A data provider over real HTTP: match by the card's attributes, then one record per resident. */
export interface FakeProvider {
  url: string;
  requests: Array<{ method: string; path: string; resident?: string; authorization?: string; items?: string }>;
  /** `list`: answers the record as a JSON array, which is not a record the gateway can filter. */
  mode: 'ok' | 'slow' | 'error' | 'list';
  close(): Promise<void>;
}

export async function startProvider(): Promise<FakeProvider> {
  const provider: FakeProvider = { url: '', requests: [], mode: 'ok', close: async () => undefined };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const resident = req.headers['tsunagu-resident-id'] as string | undefined;
      provider.requests.push({ method: req.method!, path: req.url!, resident, authorization: req.headers.authorization, items: req.headers['tsunagu-items'] as string | undefined });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${PROVIDER_TOKEN}`) return send(401, { error: 'unauthorized' });
      if (provider.mode === 'error') return send(500, { error: `stack trace with ${PROVIDER_TOKEN}` });
      const answer = () => {
        if (req.method === 'POST' && req.url === '/v1/residents/match') {
          const body = JSON.parse(raw) as { name: string; dateOfBirth: string };
          return body.name === '山﨑　花子' && body.dateOfBirth === '1992-11-30' ? send(200, { residentId: '0720280001234' }) : send(404, { error: 'no match' });
        }
        if (req.method === 'GET' && req.url?.startsWith('/v1/record')) {
          if (resident !== '0720280001234') return send(404, { error: 'unknown resident' });
          return send(200, provider.mode === 'list' ? [{ checkups: [] }] : {
            checkups: [{ date: '2026-10-01', ageMonths: 4, result: '異常なし' }],
            vaccinations: [{ vaccine: 'ヒブ', dose: 1, date: '2026-08-01' }],
            growth: [{ date: '2026-10-01', heightCm: 63.2, weightKg: 6.8 }],
            consultations: [{ date: '2026-09-12', note: '授乳の相談' }],
            internalNote: 'never leaves the gateway',
          });
        }
        return send(404, { error: 'not found' });
      };
      if (provider.mode === 'slow') setTimeout(answer, 1500);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return provider;
}

export interface OptinWorld {
  app: TestApp;
  base: string;
  adminToken: string;
  provider: FakeProvider;
  api(method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** `ports`: a range of its own per test file, as test files run in parallel. */
export async function startWorld(ports: [number, number], config: Partial<Config> = {}): Promise<OptinWorld> {
  const { app, base } = await createListeningTestApp(ports, config);
  const adminToken = await platformAdminToken(app);
  const provider = await startProvider();
  const api: OptinWorld['api'] = async (method, path, body, token = adminToken, headers = {}) => {
    const response = await fetch(`${base}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const registered = await api('POST', '/api/v1/gateway/providers', {
    id: 'child-health',
    lgCode: '072028',
    name: { ja: '母子健康記録システム', en: 'Maternal and child health records' },
    endpoint: provider.url,
    credentials: { method: 'bearer', token: PROVIDER_TOKEN },
    timeoutMs: 500,
    items: [
      { code: 'checkups', name: { ja: '乳幼児健診の記録', en: 'Check-ups' }, sensitivity: 'sensitive' },
      { code: 'vaccinations', name: { ja: '予防接種の記録', en: 'Vaccinations' }, sensitivity: 'sensitive' },
      { code: 'growth', name: { ja: '身長・体重の記録', en: 'Growth' }, sensitivity: 'normal' },
      { code: 'consultations', name: { ja: '保健師の相談記録', en: 'Consultations' }, sensitivity: 'special_care' },
    ],
  });
  if (registered.status !== 201) throw new Error(JSON.stringify(registered.body));
  return { app, base, adminToken, provider, api, close: async () => { await provider.close(); await app.close(); } };
}

export interface TestService {
  id: string;
  clientId: string;
  clientSecret: string;
  redirect: string;
  token(): Promise<string>;
}

/** An OIDC client registered as an approved gateway service of 会津若松市. */
export async function registerService(world: OptinWorld, id: string, items: string[] = ['checkups', 'vaccinations', 'growth']): Promise<TestService> {
  const redirect = `https://${id}.example.jp/consent/callback`;
  const client = await world.api('POST', '/api/v1/oidc-clients', { lgCode: '072028', name: { ja: id, en: id }, redirectUris: [redirect], grantTypes: ['authorization_code', 'client_credentials'], scope: 'openid profile gateway' });
  if (client.status !== 201) throw new Error(JSON.stringify(client.body));
  const service = await world.api('POST', '/api/v1/gateway/services', {
    id,
    lgCode: '072028',
    clientId: client.body.clientId,
    name: { ja: `${id} アプリ`, en: `${id} app` },
    purposes: [{ code: 'checkup-reminders', text: { ja: '健診と予防接種の予定をお知らせするため', en: 'To remind you of check-ups and vaccinations' } }],
    items: { 'child-health': items },
  });
  if (service.status !== 201) throw new Error(JSON.stringify(service.body));
  const approved = await world.api('POST', `/api/v1/gateway/services/${id}/status`, { status: 'approved' });
  if (approved.status !== 200) throw new Error(JSON.stringify(approved.body));
  const clientId = client.body.clientId as string;
  const clientSecret = client.body.clientSecret as string;
  return {
    id,
    clientId,
    clientSecret,
    redirect,
    token: () => clientCredentialsToken(world.base, clientId, clientSecret),
  };
}

/** A client-credentials access token with the gateway scope, from the City OS token endpoint. */
export async function clientCredentialsToken(base: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=gateway',
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(JSON.stringify(body));
  return body.access_token;
}

export interface Resident {
  accountId: string;
  browser: CookieBrowser;
}

/** A resident signed in to the City OS in their own browser; `card` binds the card's attributes (level A). */
export async function resident(world: OptinWorld, email: string, card?: { name: string; dateOfBirth: string; address: string; sex: 'male' | 'female' }): Promise<Resident> {
  const { accountId, sessionToken } = await registerResident(world.app, email);
  if (card) {
    const basicFour = { ...card, substituted: { name: false, address: false }, recorded: { dateOfBirth: '', sex: '', nameSubstitutes: '', addressSubstitutes: '' } };
    await identityDb(world.app.ctx.db)
      .insertInto('identity_jpki_bindings')
      .values({ account_id: accountId, certificate_fingerprint: `fp-${accountId}`, issuer: 'TEST CA', serial_number: '1', not_after: new Date(Date.now() + 86_400_000), basic_four_sealed: world.app.ctx.sealer.sealJson(basicFour, `identity_jpki_bindings.basic_four:${accountId}`), person_index: `pi-${accountId}` })
      .execute();
  }
  const browser = new CookieBrowser();
  browser.setCookie(world.base, 'tsn_session', sessionToken);
  return { accountId, browser };
}

export const HANAKO = { name: '山﨑　花子', dateOfBirth: '1992-11-30', address: '福島県会津若松市見本町四丁目５番６号', sex: 'female' as const };
