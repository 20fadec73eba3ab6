// The TEST CA: persistence, the demo cards the card simulator offers, and the development CA
// created in the data directory on first use.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StaticCrlSource } from '../crl-source.ts';
import { createDemoCards, type DemoCard } from '../demo-cards.ts';
import { openDevelopmentJpki } from '../development-ca.ts';
import { loadJpkiTrust } from '../trust.ts';
import { createTestCa, crlFile, issueCard, loadTestCa, revokeCard, saveTestCa, testCaCommonName } from '../test-ca.ts';
import { verifyCardSignature, type JpkiTrust } from '../verify-signature.ts';
import { at, crlFor, currentWindow, day, newChallenge, now, signedInput, takahashi } from './jpki-fixture.ts';

/** Signs a fresh challenge with a demo card exactly as the browser card simulator does. */
async function useDemoCard(card: DemoCard, trust: JpkiTrust, when: Date): Promise<string> {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    Buffer.from(card.privateKey, 'base64'),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const challenge = newChallenge();
  const signature = Buffer.from(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, challenge)).toString('base64');
  const result = await verifyCardSignature({ certificate: card.certificate, signature, challenge }, trust, when);
  return result.ok ? 'ok' : result.code;
}

describe('test CA', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-jpki-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('createTestCa should make a self-signed CA that says it is a TEST CA and not J-LIS', async () => {
    const ca = await createTestCa({ now });
    assert.equal(ca.certificate.subject, `C=JP, O=Tsunagu TEST, CN=${testCaCommonName}`);
    assert.match(testCaCommonName, /TEST.*not J-LIS/);
    assert.equal(await ca.certificate.isSelfSigned(), true);
    assert.equal((ca.certificate.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048);
    const big = await createTestCa({ now, modulusLength: 3072 });
    assert.equal((big.certificate.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 3072);
  });

  it('saveTestCa and loadTestCa should round-trip the CA, its key and its revocations', async () => {
    const ca = await createTestCa({ now });
    const card = await issueCard(ca, { resident: takahashi, ...currentWindow });
    revokeCard(ca, card.certificate.serialNumber, at(-day));
    const caDir = path.join(dir, 'saved');
    await saveTestCa(ca, caDir);
    assert.equal(await loadTestCa(path.join(dir, 'absent')), null);
    const loaded = await loadTestCa(caDir);
    assert.ok(loaded);
    assert.equal(loaded.certificate.toString('base64'), ca.certificate.toString('base64'));
    assert.deepEqual(loaded.revoked, ca.revoked);
    assert.equal((await fs.stat(path.join(caDir, 'ca-private-key.pem'))).mode & 0o777, 0o600);
    // The loaded key still signs for the CA: a card it issues verifies, and its CRL still revokes.
    const fresh = await issueCard(loaded, { resident: takahashi, ...currentWindow });
    const trust = { anchors: [ca.certificate], crls: [new StaticCrlSource(await crlFor(loaded))] };
    assert.equal((await verifyCardSignature(await signedInput(fresh), trust, now)).ok, true);
    const revoked = await verifyCardSignature(await signedInput(card), trust, now);
    assert.equal(revoked.ok ? 'ok' : revoked.code, 'revoked');
  });

  it('createDemoCards should give one card per outcome, each refused or accepted as labelled', async () => {
    const ca = await createTestCa({ now });
    const cards = await createDemoCards(ca, now);
    const trust = { anchors: [ca.certificate], crls: [new StaticCrlSource(await crlFor(ca))] };
    assert.deepEqual(
      cards.map((c) => [c.id, c.expected]),
      [
        ['takahashi', 'ok'],
        ['yamazaki', 'ok'],
        ['expired', 'expired'],
        ['revoked', 'revoked'],
        ['untrusted-issuer', 'untrusted_chain'],
        ['wrong-key', 'bad_signature'],
      ],
    );
    for (const card of cards) assert.equal(await useDemoCard(card, trust, now), card.expected, card.id);
  });

  it('openDevelopmentJpki should create the test CA in the data directory on first use and reuse it', async () => {
    const dataDir = path.join(dir, 'data');
    const loaded = await loadJpkiTrust({ dataDir, production: false });
    assert.equal(loaded.mode, 'development-test-ca');
    if (loaded.mode !== 'development-test-ca') return;
    const caDir = path.join(dataDir, 'jpki-test-ca');
    assert.equal(loaded.development.dir, caDir);
    for (const file of ['ca-certificate.pem', 'ca-private-key.pem', 'ca-revoked.json', 'demo-cards.json', 'crl.pem']) {
      await fs.access(path.join(caDir, file));
    }
    assert.equal((await fs.stat(path.join(caDir, 'demo-cards.json'))).mode & 0o777, 0o600);
    const clock = new Date();
    for (const card of loaded.development.demoCards) {
      assert.equal(await useDemoCard(card, loaded.trust, clock), card.expected, card.id);
    }
    const again = await openDevelopmentJpki(dataDir);
    assert.equal(again.ca.certificate.toString('base64'), loaded.development.ca.certificate.toString('base64'));
    const fromDisk = await loadTestCa(caDir);
    assert.equal(fromDisk?.certificate.toString('base64'), loaded.development.ca.certificate.toString('base64'));
  });

  it('the development CRL should be republished when it nears nextUpdate, so a long-running server keeps working', async () => {
    const dataDir = path.join(dir, 'long-running');
    const development = await openDevelopmentJpki(dataDir);
    const firstCrl = await fs.readFile(crlFile(development.dir), 'utf8');
    const valid = development.demoCards.find((c) => c.id === 'takahashi')!;
    const revoked = development.demoCards.find((c) => c.id === 'revoked')!;
    const later = new Date(Date.now() + 3 * day);
    assert.equal(await useDemoCard(valid, development.trust, later), 'ok');
    assert.notEqual(await fs.readFile(crlFile(development.dir), 'utf8'), firstCrl);
    assert.equal(await useDemoCard(revoked, development.trust, later), 'revoked');
  });
});
