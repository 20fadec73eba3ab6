// The revocation step: a CRL is believed only when signed by the card's CA, current and complete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { IssuingDistributionPoint, id_ce_issuingDistributionPoint } from '@peculiar/asn1-x509';
import { HttpCrlSource, StaticCrlSource, type CrlSource } from '../crl-source.ts';
import { x509 } from '../pki.ts';
import { createTestCa, issueCard, publishCrl, revokeCard, testCaCommonName } from '../test-ca.ts';
import { verifyCardSignature, type JpkiTrust } from '../verify-signature.ts';
import { at, crlFor, currentWindow, day, makeFixture, now, signedInput, takahashi, type Fixture } from './jpki-fixture.ts';
import { serveBytes, startCrlServer, type CrlServer } from './crl-server.ts';

describe('verifyCardSignature checking revocation', () => {
  let f: Fixture;
  let server: CrlServer;
  before(async () => {
    f = await makeFixture();
    server = await startCrlServer();
  });
  after(() => server.close());

  async function code(crls: CrlSource[], when = now, trust: Partial<JpkiTrust> = {}): Promise<string> {
    const result = await verifyCardSignature(await signedInput(f.valid), { ...f.trust, crls, ...trust }, when);
    return result.ok ? 'ok' : result.code;
  }

  it('checkRevocation should refuse with crl_stale when the CRL is past its nextUpdate', async () => {
    const stale = await crlFor(f.ca, at(-3 * day), at(-day));
    assert.equal(await code([new StaticCrlSource(stale)]), 'crl_stale');
    // The same list was fine while it was current.
    assert.equal(await code([new StaticCrlSource(stale)], at(-2 * day)), 'ok');
  });

  it('checkRevocation should refuse with crl_invalid when the CRL is signed by an impostor with the CA name', async () => {
    const impostor = await createTestCa({ commonName: testCaCommonName, now });
    assert.equal(await code([new StaticCrlSource(await crlFor(impostor))]), 'crl_invalid');
  });

  it('checkRevocation should refuse with crl_invalid when the CRL has no nextUpdate or starts in the future', async () => {
    const open = await x509.X509CrlGenerator.create({
      issuer: f.ca.certificate.subjectName,
      thisUpdate: at(-day),
      signingKey: f.ca.privateKey,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    });
    assert.equal(await code([new StaticCrlSource(open)]), 'crl_invalid');
    assert.equal(await code([new StaticCrlSource(await crlFor(f.ca, at(day), at(2 * day)))]), 'crl_invalid');
  });

  it('checkRevocation should refuse with crl_invalid when the CRL is partitioned (critical issuingDistributionPoint)', async () => {
    const idp = new x509.Extension(
      id_ce_issuingDistributionPoint,
      true,
      AsnConvert.serialize(new IssuingDistributionPoint({ onlyContainsUserCerts: true })),
    );
    const partitioned = await x509.X509CrlGenerator.create({
      issuer: f.ca.certificate.subjectName,
      thisUpdate: at(-day),
      nextUpdate: at(day),
      extensions: [idp],
      signingKey: f.ca.privateKey,
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    });
    assert.equal(await code([new StaticCrlSource(partitioned)]), 'crl_invalid');
  });

  it('checkRevocation should refuse with crl_unavailable when no CRL of the card issuer is configured', async () => {
    assert.equal(await code([]), 'crl_unavailable');
    const other = await createTestCa({ commonName: 'Another CA', now });
    assert.equal(await code([new StaticCrlSource(await crlFor(other))]), 'crl_unavailable');
  });

  it('checkRevocation should refuse with crl_unavailable when the CRL URL is unreachable', async () => {
    const closed = await startCrlServer();
    const url = closed.url;
    await closed.close(); // nothing listens there any more
    assert.equal(await code([new HttpCrlSource(url, { timeoutMs: 2_000 })]), 'crl_unavailable');
  });

  it('checkRevocation should refuse with crl_unavailable when the CRL server never answers', async () => {
    server.handler = () => {}; // accepts the request, never responds
    assert.equal(await code([new HttpCrlSource(server.url, { timeoutMs: 200 })]), 'crl_unavailable');
  });

  it('checkRevocation should use the CRL from a URL and see a revocation once the list is refreshed', async () => {
    const card = await f.issue();
    server.handler = serveBytes(new Uint8Array((await crlFor(f.ca)).rawData));
    const source = new HttpCrlSource(server.url, { timeoutMs: 2_000, refreshMs: 60 * 60_000 });
    const trust = { ...f.trust, crls: [source] };
    const verify = async (when: Date) => {
      const result = await verifyCardSignature(await signedInput(card), trust, when);
      return result.ok ? 'ok' : result.code;
    };
    assert.equal(await verify(now), 'ok');
    revokeCard(f.ca, card.certificate.serialNumber, now);
    server.handler = serveBytes(new Uint8Array((await crlFor(f.ca)).rawData));
    // Within the refresh interval the cached list is used (and the server is not asked again).
    const asked = server.requests;
    assert.equal(await verify(at(10 * 60_000)), 'ok');
    assert.equal(server.requests, asked);
    assert.equal(await verify(at(2 * 60 * 60_000)), 'revoked');
    assert.equal(server.requests, asked + 1);
  });

  it('checkRevocation should use the CRL of the card issuer when several CA generations are configured', async () => {
    const next = await createTestCa({ commonName: 'Tsunagu TEST JPKI CA 2 — not J-LIS', now });
    const card = await issueCard(next, { resident: takahashi, ...currentWindow });
    const trust: JpkiTrust = {
      anchors: [f.ca.certificate, next.certificate],
      crls: [new StaticCrlSource(await crlFor(f.ca)), new StaticCrlSource(await crlFor(next))],
    };
    const newer = await verifyCardSignature(await signedInput(card), trust, now);
    assert.equal(newer.ok, true);
    const older = await verifyCardSignature(await signedInput(f.valid), trust, now);
    assert.equal(older.ok, true);
    revokeCard(next, card.certificate.serialNumber, now);
    const revoked = await verifyCardSignature(
      await signedInput(card),
      { ...trust, crls: [trust.crls[0]!, new StaticCrlSource(await publishCrl(next, { thisUpdate: at(-day), nextUpdate: at(day) }))] },
      now,
    );
    assert.equal(revoked.ok ? 'ok' : revoked.code, 'revoked');
  });

  it('buildTrustedChain should accept a card from an intermediate CA only when the intermediate is configured', async () => {
    const root = await createTestCa({ commonName: 'Tsunagu TEST root — not J-LIS', pathLength: 1, now });
    const issuing = await createTestCa({ commonName: 'Tsunagu TEST issuing CA — not J-LIS', parent: root, now });
    const card = await issueCard(issuing, { resident: takahashi, ...currentWindow });
    const crls = [new StaticCrlSource(await crlFor(issuing))];
    const withIntermediate = await verifyCardSignature(await signedInput(card), { anchors: [root.certificate], intermediates: [issuing.certificate], crls }, now);
    assert.equal(withIntermediate.ok, true, JSON.stringify(withIntermediate));
    const without = await verifyCardSignature(await signedInput(card), { anchors: [root.certificate], crls }, now);
    assert.equal(without.ok ? 'ok' : without.code, 'untrusted_chain');
    // A root that allows no intermediates (pathLength 0) does not vouch for one.
    const strictRoot = await createTestCa({ commonName: 'Strict TEST root', now });
    const sub = await createTestCa({ commonName: 'Sub of strict', parent: strictRoot, now });
    const subCard = await issueCard(sub, { resident: takahashi, ...currentWindow });
    const strict = await verifyCardSignature(
      await signedInput(subCard),
      { anchors: [strictRoot.certificate], intermediates: [sub.certificate], crls: [new StaticCrlSource(await crlFor(sub))] },
      now,
    );
    assert.equal(strict.ok ? 'ok' : strict.code, 'untrusted_chain');
  });
});
