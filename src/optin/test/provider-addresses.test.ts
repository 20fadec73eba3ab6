// Provider endpoints go through the platform's outbound address policy (docs/operations.md): with
// private networks refused, as in production, an endpoint on a private, loopback or link-local
// address is refused at registration unless allow-listed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWorld, type OptinWorld } from './optin-helpers.ts';

describe('provider endpoints and the outbound address policy', () => {
  let world: OptinWorld;
  // 127.0.0.1 is allow-listed: the world's own provider runs there.
  before(async () => (world = await startWorld([4550, 4560], { outbound: { privateNetworks: 'refuse', allow: ['127.0.0.1'] } })));
  after(async () => world?.close());

  const register = (id: string, endpoint: string) =>
    world.api('POST', '/api/v1/gateway/providers', {
      id,
      lgCode: '072028',
      name: { ja: '検査用', en: 'Test' },
      endpoint,
      credentials: { method: 'none' },
      items: [{ code: 'x', name: { ja: 'x', en: 'x' }, sensitivity: 'normal' }],
    });

  it('refuses private, loopback and link-local endpoints, naming the address, and keeps nothing', async () => {
    for (const [id, endpoint, why] of [
      ['metadata', 'http://169.254.169.254/latest', /link-local/],
      ['lan', 'http://10.1.2.3/', /private/],
      ['loopback-v6', 'http://[::1]:8080/', /loopback/],
      ['mapped', 'http://[::ffff:192.168.0.10]/', /private/],
    ] as const) {
      const refused = await register(`addr-${id}`, endpoint);
      assert.equal(refused.status, 400, `${endpoint}: ${JSON.stringify(refused.body)}`);
      assert.match(JSON.stringify(refused.body), why);
      assert.match(JSON.stringify(refused.body), /TSUNAGU_OUTBOUND_ALLOW/);
      assert.equal((await world.api('GET', `/api/v1/gateway/providers/addr-${id}`)).status, 404);
    }
  });

  it('accepts an allow-listed address', async () => {
    const accepted = await register('addr-allowed', `${world.provider.url}/`);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  });
});
