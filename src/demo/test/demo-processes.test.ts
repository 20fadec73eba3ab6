// The launcher `tsunagu serve` uses for the demo: four processes on fixed offsets from the
// City OS's port, each stopped by close(), and each stopping by itself if the launcher dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { freePort } from '../../../test/helpers/server-process.ts';
import { startDemoProcesses } from '../demo-processes.ts';
import { createTestCa } from '../../identity/jpki/index.ts';

/** A base port whose +2 … +5 are free (the launcher's offsets), in [from, to). */
async function freeBase(from: number, to: number): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const base = await freePort(from, to - 5);
    const free = await Promise.all([2, 3, 4, 5].map((offset) => freePort(base + offset, base + offset + 1).then(() => true, () => false)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free block of ports');
}

const tokens = { 'maternal-child-health': 'launcher-test-token-mch', 'residence-records': 'launcher-test-token-rr' };
const receiver = async () => ({ tokens: { '072028': 'launcher-test-token-core' }, trustAnchor: (await createTestCa({ commonName: 'launcher test CA' })).certificate.toString('pem'), storeDir: `${process.env.TMPDIR ?? '/tmp'}/tsunagu-receiver-${process.pid}` });

describe('startDemoProcesses', () => {
  it('should start both providers, the service and the core-system receiver on basePort+2..+5 and stop them on close()', async () => {
    const basePort = await freeBase(4400, 4500);
    const logged: string[] = [];
    const demo = await startDemoProcesses({
      host: '127.0.0.1',
      basePort,
      publicHost: 'localhost',
      issuer: `http://localhost:${basePort}`,
      providerTokens: tokens,
      serviceClient: { id: 'kosodate-app', secret: 'launcher-test-secret' },
      coreReceiver: await receiver(),
      logger: { info: (m) => logged.push(m), error: (m) => logged.push(m) },
    });
    try {
      assert.deepEqual(demo.providers, [
        { id: 'maternal-child-health', url: `http://127.0.0.1:${basePort + 2}` },
        { id: 'residence-records', url: `http://127.0.0.1:${basePort + 3}` },
      ]);
      assert.equal(demo.service.url, `http://localhost:${basePort + 4}`);
      assert.equal(demo.coreReceiver.url, `http://localhost:${basePort + 5}`);
      assert.equal((await fetch(`http://127.0.0.1:${basePort + 5}/deliveries`, { method: 'POST', headers: { authorization: 'Bearer wrong-token', 'content-type': 'application/json' }, body: '{}' })).status, 401, 'the receiver wants its token');
      for (const p of demo.providers) {
        const other = p.id === 'residence-records' ? tokens['maternal-child-health'] : tokens['residence-records'];
        const record = (token: string) => fetch(`${p.url}/v1/record`, { headers: { authorization: `Bearer ${token}`, 'tsunagu-resident-id': 'nobody' } });
        assert.equal((await record(tokens[p.id])).status, 404, 'its own token opens it');
        assert.equal((await record(other)).status, 401, "the other provider's token does not");
      }
      const landing = await fetch(`http://127.0.0.1:${basePort + 4}/`);
      assert.equal(landing.status, 200);
      assert.ok(logged.some((l) => l.startsWith('[maternal-child-health] ') && l.includes('GET /v1/record')), 'the children\'s lines reach the logger');
      assert.ok(!logged.some((l) => l.includes('launcher-test-token') || l.includes('launcher-test-secret')), 'credentials never logged');
    } finally {
      await demo.close();
    }
    for (const offset of [2, 3, 4, 5]) await assert.rejects(fetch(`http://127.0.0.1:${basePort + offset}/healthz`), `port +${offset} is closed`);
  });

  it('the processes should stop by themselves when the launcher is killed with SIGKILL', async () => {
    const basePort = await freeBase(4400, 4500);
    // A launcher in a process of its own, so this test can kill it the hard way.
    const script = `
      const { startDemoProcesses } = await import(${JSON.stringify(new URL('../demo-processes.ts', import.meta.url).href)});
      await startDemoProcesses({ host: '127.0.0.1', basePort: ${basePort}, publicHost: '127.0.0.1', issuer: 'http://127.0.0.1:${basePort}',
        providerTokens: ${JSON.stringify(tokens)}, serviceClient: { id: 'x', secret: 'y' }, coreReceiver: ${JSON.stringify(await receiver())} });
      console.log('started');`;
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const launcher = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      launcher.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
      launcher.once('exit', (code) => reject(new Error(`launcher exited ${code}`)));
    });
    assert.equal((await fetch(`http://127.0.0.1:${basePort + 2}/healthz`)).status, 200);
    launcher.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    for (const offset of [2, 3, 4, 5]) {
      for (;;) {
        const alive = await fetch(`http://127.0.0.1:${basePort + offset}/healthz`, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
        if (!alive) break;
        assert.ok(Date.now() < deadline, `port +${offset} still answers after its launcher died`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});
