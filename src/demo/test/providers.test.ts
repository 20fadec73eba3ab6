// The demo data providers as the City OS's gateway meets them: real processes on their own ports,
// each with its own bearer token, answering match and record requests from their own JSON data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../test/helpers/server-process.ts';
import { spawnDemoProcess, type DemoProcess } from '../spawn-demo-process.ts';

const PORTS: [number, number] = [4100, 4200];
const TOKEN = 'provider-test-token-0001';

// The demo My Number cards' basic four (src/identity/jpki/demo-cards.ts), byte for byte.
const HANAKO = { name: '山﨑　花子', dateOfBirth: '1992-11-30', address: '福島県会津若松市見本町四丁目５番６号', sex: 'female' };
const YOSHIO = { name: '髙橋　𠮷男', dateOfBirth: '1985-04-12', address: '福島県福島市見本町一丁目２番３号', sex: 'male' };

async function startProvider(provider: string, extra: string[] = []): Promise<DemoProcess> {
  const port = await freePort(...PORTS);
  return spawnDemoProcess({ entry: 'provider', args: ['--provider', provider, '--port', String(port), ...extra], env: { TSUNAGU_PROVIDER_TOKEN: TOKEN } });
}

async function call(base: string, method: string, path: string, options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined || options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, body: (await response.json()) as Record<string, any> };
}

describe('demo provider maternal-child-health (母子健康記録システム)', () => {
  let provider: DemoProcess;
  before(async () => {
    provider = await startProvider('maternal-child-health');
  });
  after(async () => provider?.stop());

  it('a request should be refused with 401 without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token-of-some-length', `${TOKEN}x`]) {
      const answer = await call(provider.url, 'GET', '/v1/record', { token, headers: { 'tsunagu-resident-id': '0720280001234' } });
      assert.equal(answer.status, 401);
      assert.match(answer.type, /^application\/problem\+json/);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="maternal-child-health"');
      assert.equal(answer.body.code, 'UNAUTHORIZED');
      assert.ok(answer.body.detail && answer.body.detailJa, 'English and Japanese detail');
      assert.equal(answer.body.pregnancy, undefined);
    }
    const health = await call(provider.url, 'GET', '/healthz', { token: null });
    assert.equal(health.status, 200, 'the health check needs no token and tells nothing about anyone');
  });

  it('match should find 山﨑 花子 by the four attributes, whatever the space in the name and the width of the digits', async () => {
    const exact = await call(provider.url, 'POST', '/v1/residents/match', { body: HANAKO });
    assert.equal(exact.status, 200);
    assert.deepEqual(exact.body, { residentId: '0720280001234' });
    const spelledOtherwise = await call(provider.url, 'POST', '/v1/residents/match', { body: { ...HANAKO, name: '山﨑 花子', address: '福島県会津若松市 見本町四丁目5番6号' } });
    assert.deepEqual(spelledOtherwise.body, { residentId: '0720280001234' });
  });

  it('match should answer 404 unless all four agree, and never fold 﨑 into 崎', async () => {
    const misses = [
      { ...HANAKO, name: '山崎　花子' },
      { ...HANAKO, dateOfBirth: '1992-11-29' },
      { ...HANAKO, sex: 'male' },
      { ...HANAKO, address: '福島県会津若松市見本町四丁目５番７号' },
      YOSHIO, // 髙橋 has no record here
    ];
    for (const body of misses) {
      const answer = await call(provider.url, 'POST', '/v1/residents/match', { body });
      assert.equal(answer.status, 404, JSON.stringify(body));
      assert.equal(answer.body.code, 'NO_MATCH');
    }
    // A namesake with another birth date and address is another person.
    const namesake = await call(provider.url, 'POST', '/v1/residents/match', { body: { ...HANAKO, dateOfBirth: '1960-03-03', address: '福島県会津若松市見本町八丁目１番１号' } });
    assert.deepEqual(namesake.body, { residentId: '0720280005678' });
  });

  it('match should answer 400 with a problem for a malformed body', async () => {
    const bodies: Array<{ body?: unknown; rawBody?: string }> = [
      { body: { name: '山﨑　花子' } },
      { body: { ...HANAKO, dateOfBirth: '30/11/1992' } },
      { body: { ...HANAKO, sex: 'f' } },
      { body: { ...HANAKO, extra: 'x' } },
      { body: [HANAKO] },
      { rawBody: '{"name": ' },
    ];
    for (const b of bodies) {
      const answer = await call(provider.url, 'POST', '/v1/residents/match', b);
      assert.equal(answer.status, 400, JSON.stringify(b));
      assert.match(answer.type, /^application\/problem\+json/);
      assert.ok(answer.body.detail && answer.body.detailJa);
    }
  });

  it('record should hold every item at the top level, and nothing else there', async () => {
    const answer = await call(provider.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': '0720280001234' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.body).sort(), ['checkups', 'consultations', 'growth', 'pregnancy', 'vaccinations']);
    assert.equal(answer.body.checkups[0].child.name, '山﨑　結衣');
    assert.ok(answer.body.vaccinations.some((v: { vaccine: string; nextDue: string | null }) => v.vaccine === '水痘' && v.nextDue === '2027-03-28'));
    const namesake = await call(provider.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': '0720280005678' } });
    assert.deepEqual(Object.keys(namesake.body), ['consultations'], 'only the items that have data');
  });

  it('record should answer 404 for an unknown id and 400 without the header', async () => {
    const unknown = await call(provider.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': '0720289999999' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'UNKNOWN_RESIDENT');
    const missing = await call(provider.url, 'GET', '/v1/record');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'RESIDENT_ID_REQUIRED');
  });

  it('the provider should log each request with its resident id and status, and never the name', async () => {
    await call(provider.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': '0720280001234' } });
    await call(provider.url, 'POST', '/v1/residents/match', { body: HANAKO });
    const lines = provider.lines();
    assert.ok(lines.some((l) => /GET \/v1\/record resident=0720280001234 status=200/.test(l)));
    assert.ok(lines.some((l) => /POST \/v1\/residents\/match resident=0720280001234 status=200/.test(l)));
    assert.ok(lines.some((l) => /GET \/v1\/record resident=- status=401/.test(l)));
    assert.ok(!lines.some((l) => l.includes('花子') || l.includes('1992-11-30')), 'no personal data in the log');
  });
});

describe('demo provider residence-records (住民記録システム)', () => {
  let provider: DemoProcess;
  before(async () => {
    provider = await startProvider('residence-records');
  });
  after(async () => provider?.stop());

  it('match and record should give each demo card holder their own household', async () => {
    const yoshio = await call(provider.url, 'POST', '/v1/residents/match', { body: YOSHIO });
    assert.deepEqual(yoshio.body, { residentId: '0720100000101' });
    const hanako = await call(provider.url, 'POST', '/v1/residents/match', { body: HANAKO });
    assert.deepEqual(hanako.body, { residentId: '0720100000202' });
    const record = await call(provider.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': yoshio.body.residentId } });
    assert.deepEqual(Object.keys(record.body).sort(), ['address', 'dateOfBirth', 'household', 'movedInOn', 'name', 'nameKana']);
    assert.equal(record.body.name, '髙橋　𠮷男');
    assert.deepEqual(record.body.household.members.map((m: { relationship: string }) => m.relationship), ['世帯主', '妻', '子']);
  });

  it('a token for another provider should not open this one', async () => {
    const answer = await call(provider.url, 'POST', '/v1/residents/match', { body: YOSHIO, token: 'provider-test-token-0002' });
    assert.equal(answer.status, 401);
  });
});

describe('demo provider test modes', () => {
  it('--delay-ms should hold every data answer back (so a gateway timeout can be seen)', async () => {
    const slow = await startProvider('residence-records', ['--delay-ms', '3000']);
    try {
      const health = await fetch(`${slow.url}/healthz`);
      assert.equal(health.status, 200, 'the health check is not delayed');
      await assert.rejects(
        fetch(`${slow.url}/v1/record`, { headers: { authorization: `Bearer ${TOKEN}`, 'tsunagu-resident-id': '0720100000101' }, signal: AbortSignal.timeout(300) }),
        (e: Error) => e.name === 'TimeoutError',
      );
    } finally {
      await slow.stop();
    }
  });

  it('--fail should answer 500 with a problem to an authorised caller, and 401 still to others', async () => {
    const failing = await startProvider('maternal-child-health', ['--fail']);
    try {
      const answer = await call(failing.url, 'GET', '/v1/record', { headers: { 'tsunagu-resident-id': '0720280001234' } });
      assert.equal(answer.status, 500);
      assert.equal(answer.body.code, 'PROVIDER_FAILURE');
      assert.equal((await call(failing.url, 'GET', '/v1/record', { token: null })).status, 401);
    } finally {
      await failing.stop();
    }
  });

  it('a provider should refuse to start without a token, and stop when its launcher closes its stdin', async () => {
    const port = await freePort(...PORTS);
    await assert.rejects(spawnDemoProcess({ entry: 'provider', args: ['--provider', 'residence-records', '--port', String(port)], env: { TSUNAGU_PROVIDER_TOKEN: '' } }), /exited \(2\)/);
    const provider = await startProvider('residence-records');
    const exited = new Promise((resolve) => provider.child.once('exit', resolve));
    provider.child.stdin!.end();
    await exited;
    await assert.rejects(fetch(`${provider.url}/healthz`));
  });
});
