// verifyCardSignature on input no card would send: always a failure with a code, never a throw.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { toBase64 } from '../pki.ts';
import { verifyCardSignature, jpkiInputLimits, type CardSignatureInput } from '../verify-signature.ts';
import { makeFixture, newChallenge, now, signedInput, type Fixture } from './jpki-fixture.ts';

describe('verifyCardSignature on malformed input', () => {
  let f: Fixture;
  let good: CardSignatureInput;
  before(async () => {
    f = await makeFixture();
    good = await signedInput(f.valid);
  });

  async function code(input: unknown): Promise<string> {
    const result = await verifyCardSignature(input as CardSignatureInput, f.trust, now);
    return result.ok ? 'ok' : result.code;
  }

  it('verifyCardSignature should refuse with malformed_certificate when the certificate is not a DER certificate', async () => {
    const der = Buffer.from(good.certificate, 'base64');
    const crlDer = toBase64(f.crlSource.crl.rawData);
    const cases: Record<string, unknown> = {
      'not base64': 'this is not base64!',
      empty: '',
      'a number': 12345,
      missing: undefined,
      'random bytes': crypto.getRandomValues(Buffer.alloc(600)).toString('base64'),
      'a CRL, not a certificate': crlDer,
      'trailing bytes': Buffer.concat([der, Buffer.from([0, 0, 0])]).toString('base64'),
      truncated: der.subarray(0, der.length - 20).toString('base64'),
      'impossible base64 length': 'QUJDR',
      'PEM instead of base64 DER': `-----BEGIN CERTIFICATE-----\n${good.certificate}\n-----END CERTIFICATE-----`,
      'base64 with spaces': `${good.certificate.slice(0, 40)} ${good.certificate.slice(40)}`,
    };
    for (const [label, certificate] of Object.entries(cases)) {
      assert.equal(await code({ ...good, certificate }), 'malformed_certificate', label);
    }
  });

  it('verifyCardSignature should refuse with malformed_certificate when the certificate is oversized', async () => {
    const huge = 'A'.repeat(jpkiInputLimits.certificateBase64Chars + 4);
    assert.equal(await code({ ...good, certificate: huge }), 'malformed_certificate');
  });

  it('verifyCardSignature should refuse with malformed_signature when the signature is garbage or the wrong size', async () => {
    assert.equal(await code({ ...good, signature: '%%%' }), 'malformed_signature');
    assert.equal(await code({ ...good, signature: '' }), 'malformed_signature');
    assert.equal(await code({ ...good, signature: null }), 'malformed_signature');
    assert.equal(await code({ ...good, signature: 'A'.repeat(jpkiInputLimits.signatureBase64Chars + 4) }), 'malformed_signature');
    // Well-formed base64, but 10 bytes cannot be an RSA 2048 signature.
    assert.equal(await code({ ...good, signature: Buffer.alloc(10, 1).toString('base64') }), 'malformed_signature');
  });

  it('verifyCardSignature should refuse with malformed_challenge when the challenge is not bytes of an allowed size', async () => {
    assert.equal(await code({ ...good, challenge: new Uint8Array(4) }), 'malformed_challenge');
    assert.equal(await code({ ...good, challenge: new Uint8Array(jpkiInputLimits.challengeMaxBytes + 1) }), 'malformed_challenge');
    assert.equal(await code({ ...good, challenge: Buffer.from(newChallenge()).toString('base64') }), 'malformed_challenge');
  });

  it('verifyCardSignature should refuse without throwing when the whole input is missing', async () => {
    assert.equal(await code(undefined), 'malformed_certificate');
    assert.equal(await code(null), 'malformed_certificate');
    assert.equal(await code({}), 'malformed_certificate');
  });

  it('verifyCardSignature should still accept the untouched input after all that', async () => {
    assert.equal(await code(good), 'ok');
  });
});
