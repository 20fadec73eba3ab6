// loadJpkiTrust: from plain settings to a trust, and the configurations it refuses.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JpkiConfigError, loadJpkiTrust } from '../trust.ts';
import { createTestCa, issueCard, revokeCard, type TestCa, type TestCard } from '../test-ca.ts';
import { verifyCardSignature } from '../verify-signature.ts';
import { crlFor, currentWindow, now, signedInput, takahashi } from './jpki-fixture.ts';
import { serveBytes, startCrlServer, type CrlServer } from './crl-server.ts';

describe('loadJpkiTrust', () => {
  let dir: string;
  let ca: TestCa;
  let card: TestCard;
  let anchorPath: string;
  let crlPath: string;
  let server: CrlServer;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tsunagu-trust-'));
    ca = await createTestCa({ now });
    card = await issueCard(ca, { resident: takahashi, ...currentWindow });
    anchorPath = path.join(dir, 'anchor.pem');
    crlPath = path.join(dir, 'signca.crl');
    await fs.writeFile(anchorPath, ca.certificate.toString('pem'));
    await fs.writeFile(crlPath, new Uint8Array((await crlFor(ca)).rawData));
    server = await startCrlServer();
  });
  after(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('loadJpkiTrust should refuse to start when production has no trust anchor or CRL configured', async () => {
    await assert.rejects(loadJpkiTrust({ dataDir: dir, production: true }), JpkiConfigError);
  });

  it('loadJpkiTrust should refuse a trust anchor without a CRL, and a CRL without a trust anchor', async () => {
    await assert.rejects(loadJpkiTrust({ dataDir: dir, production: false, trustAnchorPath: anchorPath }), /TSUNAGU_JPKI_CRL/);
    await assert.rejects(loadJpkiTrust({ dataDir: dir, production: false, crl: crlPath }), /TSUNAGU_JPKI_TRUST_ANCHOR/);
  });

  it('loadJpkiTrust should refuse an anchor file that is unreadable, not PEM, or not a CA', async () => {
    const base = { dataDir: dir, production: true, crl: crlPath };
    await assert.rejects(loadJpkiTrust({ ...base, trustAnchorPath: path.join(dir, 'none.pem') }), /cannot be read/);
    await fs.writeFile(path.join(dir, 'junk.pem'), 'junk');
    await assert.rejects(loadJpkiTrust({ ...base, trustAnchorPath: path.join(dir, 'junk.pem') }), /holds no certificate|not PEM/);
    await fs.writeFile(path.join(dir, 'card.pem'), card.certificate.toString('pem'));
    await assert.rejects(loadJpkiTrust({ ...base, trustAnchorPath: path.join(dir, 'card.pem') }), /not a CA certificate/);
    await assert.rejects(loadJpkiTrust({ ...base, trustAnchorPath: anchorPath, crl: 'ftp://x.test/crl' }), /http\(s\)/);
  });

  it('loadJpkiTrust should verify cards against a configured anchor and CRL file, and see a replaced file', async () => {
    const loaded = await loadJpkiTrust({ dataDir: dir, production: true, trustAnchorPath: anchorPath, crl: crlPath });
    assert.equal(loaded.mode, 'configured');
    assert.equal((await verifyCardSignature(await signedInput(card), loaded.trust, now)).ok, true);
    revokeCard(ca, card.certificate.serialNumber, now);
    await fs.writeFile(crlPath, (await crlFor(ca)).toString('pem'));
    const result = await verifyCardSignature(await signedInput(card), loaded.trust, now);
    assert.equal(result.ok ? 'ok' : result.code, 'revoked');
  });

  it('loadJpkiTrust should take several anchors in one PEM file and a comma-separated CRL list', async () => {
    const second = await createTestCa({ commonName: 'Tsunagu TEST JPKI CA 2 — not J-LIS', now });
    const secondCard = await issueCard(second, { resident: takahashi, ...currentWindow });
    const anchors = path.join(dir, 'anchors.pem');
    await fs.writeFile(anchors, `${ca.certificate.toString('pem')}\n${second.certificate.toString('pem')}\n`);
    server.handler = serveBytes(new Uint8Array((await crlFor(second)).rawData));
    const loaded = await loadJpkiTrust({ dataDir: dir, production: true, trustAnchorPath: anchors, crl: `${crlPath}, ${server.url}` });
    assert.equal(loaded.trust.anchors.length, 2);
    assert.deepEqual(loaded.trust.crls.map((c) => c.location), [crlPath, server.url]);
    assert.equal((await verifyCardSignature(await signedInput(secondCard), loaded.trust, now)).ok, true);
  });
});
