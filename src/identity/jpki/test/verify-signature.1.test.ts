// verifyCardSignature: what a good card yields.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { exportCard, revokeCard } from '../test-ca.ts';
import { verifyCardSignature } from '../verify-signature.ts';
import { makeFixture, newChallenge, now, signedInput, takahashi, yamazaki, type Fixture } from './jpki-fixture.ts';

describe('verifyCardSignature accepting a valid card', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
  });

  it('verifyCardSignature should return the exact basic four when the card is valid', async () => {
    const result = await verifyCardSignature(await signedInput(f.valid), f.trust, now);
    assert.equal(result.ok, true, JSON.stringify(result));
    if (!result.ok) return;
    const { basicFour } = result.card;
    assert.equal(basicFour.name, '髙橋　𠮷男');
    assert.equal(basicFour.address, takahashi.address);
    assert.equal(basicFour.dateOfBirth, '1985-04-12');
    assert.equal(basicFour.sex, 'male');
    assert.deepEqual(basicFour.recorded, {
      dateOfBirth: '319850412', // 3 = 昭和 (Showa)
      sex: '1',
      nameSubstitutes: '00000',
      addressSubstitutes: '0'.repeat([...takahashi.address].length),
    });
    assert.deepEqual(basicFour.substituted, { name: false, address: false });
  });

  it('verifyCardSignature should keep names byte-exact when they hold JIS X 0213 and MJ characters', async () => {
    const result = await verifyCardSignature(await signedInput(f.valid), f.trust, now);
    assert.ok(result.ok);
    const name = Buffer.from(result.card.basicFour.name, 'utf8');
    assert.deepEqual(name, Buffer.from('髙橋　𠮷男', 'utf8'));
    assert.ok(name.includes(Buffer.from([0xf0, 0xa0, 0xae, 0xb7])), '𠮷 is the 4-byte UTF-8 of U+20BB7');
    assert.ok(name.includes(Buffer.from('\u9AD9', 'utf8')), '髙 is U+9AD9, not 高 U+9AD8');
    // The certificate itself carries the same bytes, so nothing was re-encoded on the way.
    assert.ok(Buffer.from(f.valid.certificate.rawData).includes(name));
    // No Unicode normalisation: NFC would replace the compatibility ideograph U+FA19.
    assert.notEqual(result.card.basicFour.address, result.card.basicFour.address.normalize('NFC'));
    assert.equal(result.card.basicFour.address, takahashi.address);
  });

  it('verifyCardSignature should read 﨑 and a Reiwa birth date when the card says so', async () => {
    const card = await f.issue({ resident: yamazaki });
    const result = await verifyCardSignature(await signedInput(card), f.trust, now);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.card.basicFour.name, '山﨑　花子');
    assert.equal([...result.card.basicFour.name][1], '\u{FA11}');
    assert.equal(result.card.basicFour.sex, 'female');
    assert.equal(result.card.basicFour.dateOfBirth, '2019-05-01');
    assert.equal(result.card.basicFour.recorded.dateOfBirth, '520190501'); // 5 = 令和 (Reiwa), from its first day
  });

  it('verifyCardSignature should describe the certificate when it accepts it', async () => {
    const result = await verifyCardSignature(await signedInput(f.valid), f.trust, now);
    assert.ok(result.ok);
    const cert = f.valid.certificate;
    assert.equal(result.card.serialNumber, cert.serialNumber);
    assert.equal(result.card.issuer, 'C=JP, O=Tsunagu TEST, CN=Tsunagu TEST JPKI CA — not J-LIS');
    assert.equal(result.card.subject, cert.subject);
    assert.equal(result.card.notBefore.getTime(), cert.notBefore.getTime());
    assert.equal(result.card.notAfter.getTime(), cert.notAfter.getTime());
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', cert.rawData)).toString('hex');
    assert.equal(result.card.fingerprint, digest);
    assert.match(result.card.fingerprint, /^[0-9a-f]{64}$/);
    assert.ok(result.card.crl.nextUpdate > now);
  });

  it('verifyCardSignature should accept a signature made in the browser from the exported PKCS#8 key', async () => {
    const exported = await exportCard(f.valid);
    // Exactly what the card-simulator page does with the global WebCrypto API.
    const key = await globalThis.crypto.subtle.importKey(
      'pkcs8',
      Buffer.from(exported.privateKey, 'base64'),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const challenge = newChallenge();
    const signature = await globalThis.crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, challenge);
    const result = await verifyCardSignature(
      { certificate: exported.certificate, signature: Buffer.from(signature).toString('base64'), challenge },
      f.trust,
      now,
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.card.certificate, exported.certificate);
  });

  it('verifyCardSignature should accept URL-safe base64 when the client sends it', async () => {
    const input = await signedInput(f.valid);
    const urlSafe = (s: string) => Buffer.from(s, 'base64').toString('base64url');
    const result = await verifyCardSignature(
      { ...input, certificate: urlSafe(input.certificate), signature: urlSafe(input.signature) },
      f.trust,
      now,
    );
    assert.equal(result.ok, true);
  });

  it('verifyCardSignature should accept a card when other cards of the CA are revoked', async () => {
    const other = await f.issue();
    revokeCard(f.ca, other.certificate.serialNumber, now);
    await f.republish();
    const result = await verifyCardSignature(await signedInput(f.valid), f.trust, now);
    assert.equal(result.ok, true);
    const refused = await verifyCardSignature(await signedInput(other), f.trust, now);
    assert.equal(refused.ok ? 'ok' : refused.code, 'revoked');
  });
});
