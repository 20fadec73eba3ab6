// `tsunagu jpki …` against a temporary data directory.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDevelopmentJpki } from '../development-ca.ts';
import { runJpkiCommand } from '../jpki-cli.ts';
import { verifyCardSignature } from '../verify-signature.ts';
import { newChallenge } from './jpki-fixture.ts';

async function run(args: string[], settings: { dataDir: string; production: boolean }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runJpkiCommand(args, settings, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tsunagu jpki', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-jpki-cli-'));
  });
  after(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('jpki test-ca should create the TEST CA on first use and list the demo cards', async () => {
    const { code, out } = await run(['test-ca'], { dataDir, production: false });
    assert.equal(code, 0);
    assert.match(out, /TEST CA \(not J-LIS\)/);
    for (const id of ['takahashi', 'expired', 'revoked', 'untrusted-issuer', 'wrong-key']) assert.match(out, new RegExp(`\\b${id}\\b`));
    await fs.access(path.join(dataDir, 'jpki-test-ca', 'ca-certificate.pem'));
  });

  it('jpki issue and jpki revoke should give a card that verifies, then is refused as revoked', async () => {
    const issued = await run(
      ['issue', '--name', '渡邊　𠮷', '--address', '福島県福島市見本町', '--birth', '1990-01-02', '--sex', 'female'],
      { dataDir, production: false },
    );
    assert.equal(issued.code, 0, issued.err);
    const card = JSON.parse(issued.out) as { serialNumber: string; certificate: string; privateKey: string };
    const key = await crypto.subtle.importKey('pkcs8', Buffer.from(card.privateKey, 'base64'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    const verify = async () => {
      const challenge = newChallenge();
      const signature = Buffer.from(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, challenge)).toString('base64');
      const { trust } = await openDevelopmentJpki(dataDir);
      return verifyCardSignature({ certificate: card.certificate, signature, challenge }, trust, new Date());
    };
    const first = await verify();
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.card.basicFour.name, '渡邊　𠮷');
    assert.equal(first.card.basicFour.recorded.dateOfBirth, '419900102');
    const revoked = await run(['revoke', card.serialNumber], { dataDir, production: false });
    assert.equal(revoked.code, 0, revoked.err);
    const second = await verify();
    assert.equal(second.ok ? 'ok' : second.code, 'revoked');
  });

  it('jpki should refuse bad arguments and any use in production', async () => {
    assert.equal((await run(['issue', '--name', 'x'], { dataDir, production: false })).code, 2);
    assert.equal((await run(['issue', '--name', 'x', '--address', 'y', '--birth', '1990-02-30', '--sex', 'male'], { dataDir, production: false })).code, 2);
    assert.equal((await run(['revoke', 'not-hex'], { dataDir, production: false })).code, 2);
    assert.equal((await run(['nonsense'], { dataDir, production: false })).code, 2);
    const production = await run(['test-ca'], { dataDir: path.join(dataDir, 'prod'), production: true });
    assert.equal(production.code, 2);
    assert.match(production.err, /development only/);
    await assert.rejects(fs.access(path.join(dataDir, 'prod', 'jpki-test-ca')));
  });
});
