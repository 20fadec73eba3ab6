import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { freePort } from '../../../../test/helpers/server-process.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { AddressPolicy, ipBytes, specialUse } from '../address-policy.ts';
import { OutboundGuard, OutboundRefused } from '../outbound-guard.ts';

const refusing = (allow: string[] = []) => new AddressPolicy({ privateNetworks: 'refuse', allow });

describe('outbound address policy', () => {
  it('ipBytes should read IPv4, IPv6 with ::, dotted tails and zone ids', () => {
    assert.deepEqual(ipBytes('192.168.1.2'), [192, 168, 1, 2]);
    assert.deepEqual(ipBytes('::1'), [...Array(15).fill(0), 1]);
    assert.deepEqual(ipBytes('::ffff:127.0.0.1'), [...Array(10).fill(0), 0xff, 0xff, 127, 0, 0, 1]);
    assert.deepEqual(ipBytes('[fe80::1%eth0]'), [0xfe, 0x80, ...Array(13).fill(0), 1]);
    assert.deepEqual(ipBytes('2001:db8:0:0:0:0:0:1'), [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]);
    assert.equal(ipBytes('example.jp'), undefined);
    assert.equal(ipBytes('999.1.1.1'), undefined);
  });

  it('specialUse should name loopback, private, link-local, unspecified and multicast IPv4 addresses', () => {
    const cases: Array<[string, string | undefined]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['172.32.0.1', undefined],
      ['192.168.0.10', 'private'],
      ['169.254.169.254', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.251', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['100.64.0.1', 'private (shared address space)'],
      ['8.8.8.8', undefined],
      ['133.242.0.1', undefined],
    ];
    for (const [ip, why] of cases) assert.equal(specialUse(ip), why, ip);
  });

  it('specialUse should name IPv6 loopback, unique-local, link-local, multicast and judge embedded IPv4 by the IPv4 address', () => {
    const cases: Array<[string, string | undefined]> = [
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd12:3456::1', 'private (unique-local)'],
      ['fc00::1', 'private (unique-local)'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['::ffff:10.0.0.1', 'private'],
      ['64:ff9b::a9fe:a9fe', 'link-local'],
      ['2002:c0a8:0101::1', 'private'],
      ['::ffff:8.8.8.8', undefined],
      ['2001:4860:4860::8888', undefined],
      ['2404:6800::1', undefined],
    ];
    for (const [ip, why] of cases) assert.equal(specialUse(ip), why, ip);
  });

  it('AddressPolicy should refuse special addresses unless a CIDR, address or host name is allow-listed', () => {
    const policy = refusing(['10.20.0.0/16', '127.0.0.1', 'fd00:1::/32', 'broker.city.example.jp', '*.pref.example.jp']);
    assert.equal(policy.refusal('10.20.3.4'), undefined);
    assert.equal(policy.refusal('10.21.3.4'), 'private');
    assert.equal(policy.refusal('127.0.0.1'), undefined);
    assert.equal(policy.refusal('::ffff:127.0.0.1'), undefined, 'a mapped form of an allowed IPv4 address is allowed too');
    assert.equal(policy.refusal('127.0.0.2'), 'loopback');
    assert.equal(policy.refusal('fd00:1:2::3'), undefined);
    assert.equal(policy.refusal('fd00:2::3'), 'private (unique-local)');
    assert.equal(policy.refusal('203.0.113.5'), undefined);
    assert.equal(policy.allowsHost('broker.city.example.jp'), true);
    assert.equal(policy.allowsHost('BROKER.city.example.jp.'), true);
    assert.equal(policy.allowsHost('a.b.pref.example.jp'), true);
    assert.equal(policy.allowsHost('pref.example.jp'), false);
    assert.equal(policy.allowsHost('evil-broker.city.example.jp'), false);
  });

  it('AddressPolicy should allow everything when private networks are allowed (development, tests, demo)', () => {
    const open = new AddressPolicy({ privateNetworks: 'allow', allow: [] });
    assert.equal(open.refusal('127.0.0.1'), undefined);
    assert.equal(open.refusal('169.254.169.254'), undefined);
  });

  it('loadConfig should refuse private networks in production only, and name a bad allow-list entry', () => {
    assert.deepEqual(loadConfig({}).outbound, { privateNetworks: 'allow', allow: [] });
    const key = Buffer.alloc(32, 1).toString('base64');
    const production = { NODE_ENV: 'production', TSUNAGU_COOKIE_SECRET: 'x'.repeat(32), TSUNAGU_DATA_KEY: key, TSUNAGU_SMTP_URL: 'smtp://mail.example.lg.jp:25' };
    assert.equal(loadConfig(production).outbound.privateNetworks, 'refuse');
    assert.deepEqual(loadConfig({ ...production, TSUNAGU_OUTBOUND_ALLOW: '10.0.0.0/8, broker.city.example.jp' }).outbound.allow, ['10.0.0.0/8', 'broker.city.example.jp']);
    assert.equal(loadConfig({ TSUNAGU_OUTBOUND_PRIVATE: 'refuse' }).outbound.privateNetworks, 'refuse');
    assert.throws(() => loadConfig({ TSUNAGU_OUTBOUND_PRIVATE: 'maybe' }), (e: Error) => e instanceof ConfigError && /TSUNAGU_OUTBOUND_PRIVATE/.test(e.message));
    assert.throws(() => loadConfig({ TSUNAGU_OUTBOUND_ALLOW: '10.0.0.0/33' }), /TSUNAGU_OUTBOUND_ALLOW: "10.0.0.0\/33"/);
    assert.throws(() => loadConfig({ TSUNAGU_OUTBOUND_ALLOW: 'http://x' }), /TSUNAGU_OUTBOUND_ALLOW/);
  });
});

describe('outbound guard', () => {
  const fakeDns = (answers: Record<string, string[]>) => async (host: string) => {
    const found = answers[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

  it('check should refuse a URL whose host is or resolves to a refused address, naming the address', async () => {
    const guard = new OutboundGuard({ privateNetworks: 'refuse', allow: [] }, fakeDns({ 'public.example.jp': ['203.0.113.7'], 'mixed.example.jp': ['203.0.113.7', '10.0.0.5'] }));
    await guard.check('https://public.example.jp/notify');
    await assert.rejects(guard.check('http://127.0.0.1:8080/x'), (e: Error) => e instanceof OutboundRefused && /127\.0\.0\.1 is a loopback address/.test(e.message));
    await assert.rejects(guard.check('http://[::ffff:169.254.169.254]/latest/meta-data'), /link-local/);
    await assert.rejects(guard.check('http://mixed.example.jp/'), /resolves to 10\.0\.0\.5, a private address/);
    await assert.rejects(guard.check('mqtt://nowhere.example.jp/topic'), /cannot be resolved \(ENOTFOUND\)/);
    await assert.rejects(guard.check('not a url'), /not an absolute URL/);
  });

  it('fetch should refuse a name that resolves to loopback at connection time (DNS rebinding), and reach an allow-listed one', async () => {
    await withRebinding(async ({ port, guard, allowed, lookups }) => {
      await assert.rejects(guard.fetch(`http://rebind.example.jp:${port}/`), (e: Error) => e instanceof OutboundRefused && /resolves to 127\.0\.0\.1/.test(e.message));
      assert.ok(lookups() >= 2, 'the connection looked the name up again');
      const res = await allowed.fetch(`http://127.0.0.1:${port}/`);
      assert.equal(await res.text(), 'ok');
    });
  });
  it('dispatch should refuse a name that resolves to loopback at connection time, and hand an allowed answer to the handler', async () => {
    const call = (g: OutboundGuard, url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        let status = 0;
        const chunks: Buffer[] = [];
        g.dispatch(url, { method: 'GET', headers: {} }, {
          onConnect: () => {},
          onHeaders: (code) => ((status = code), true),
          onData: (chunk) => (chunks.push(chunk), true),
          onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
          onError: reject,
        }).catch(reject);
      });
    await withRebinding(async ({ port, guard, allowed }) => {
      await assert.rejects(call(guard, `http://rebind.example.jp:${port}/`), (e: Error & { cause?: unknown }) => {
        const refused = e instanceof OutboundRefused ? e : e.cause;
        return refused instanceof OutboundRefused && /resolves to 127\.0\.0\.1/.test(refused.message);
      });
      await assert.rejects(call(guard, `http://127.0.0.1:${port}/`), (e: Error) => e instanceof OutboundRefused && /loopback/.test(e.message));
      assert.deepEqual(await call(allowed, `http://127.0.0.1:${port}/x?y=1`), { status: 200, body: 'ok' });
    });
  });
});

/**
 * A local server answering "ok", and two guards whose resolver answers a public address first and
 * 127.0.0.1 ever after (DNS rebinding): one refusing private addresses, one allowing 127/8.
 */
async function withRebinding(fn: (t: { port: number; guard: OutboundGuard; allowed: OutboundGuard; lookups: () => number }) => Promise<void>): Promise<void> {
  const server = http.createServer((_req, res) => res.end('ok'));
  const port = await freePort(4600, 4610);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  let calls = 0;
  const rebinding = async () => [{ address: calls++ === 0 ? '203.0.113.7' : '127.0.0.1', family: 4 }];
  const guard = new OutboundGuard({ privateNetworks: 'refuse', allow: [] }, rebinding);
  const allowed = new OutboundGuard({ privateNetworks: 'refuse', allow: ['127.0.0.0/8'] }, rebinding);
  try {
    await fn({ port, guard, allowed, lookups: () => calls });
  } finally {
    await guard.close();
    await allowed.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
