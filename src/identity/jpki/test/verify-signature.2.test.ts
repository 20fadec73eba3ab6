// verifyCardSignature: each way a card is refused, with its code.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { jpkiAttributeOids } from '../basic-four.ts';
import type { JpkiFailureCode } from '../failures.ts';
import { toBase64, x509 } from '../pki.ts';
import { createTestCa, generateRsaKeys, issueCard, revokeCard, testCaCommonName } from '../test-ca.ts';
import { verifyCardSignature, type CardSignatureInput, type JpkiTrust } from '../verify-signature.ts';
import {
  at,
  crlFor,
  currentWindow,
  day,
  makeFixture,
  newChallenge,
  now,
  sign,
  signedInput,
  subjectAltName,
  takahashi,
  utf8,
  type Fixture,
} from './jpki-fixture.ts';
import { StaticCrlSource } from '../crl-source.ts';

async function refusal(input: CardSignatureInput, trust: JpkiTrust, when = now): Promise<JpkiFailureCode | 'ok'> {
  const result = await verifyCardSignature(input, trust, when);
  if (!result.ok) {
    assert.ok(result.message.ja.length > 0 && result.message.en.length > 0);
    assert.ok(!result.detail.includes(takahashi.name), 'details never carry personal data');
  }
  return result.ok ? 'ok' : result.code;
}

describe('verifyCardSignature refusing a card', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
  });

  it('verifyCardSignature should refuse with expired when the certificate has expired', async () => {
    const card = await f.issue({ notBefore: at(-5 * 365 * day), notAfter: at(-1000) });
    assert.equal(await refusal(await signedInput(card), f.trust), 'expired');
  });

  it('verifyCardSignature should refuse with not_yet_valid when the validity period has not begun', async () => {
    const card = await f.issue({ notBefore: at(day), notAfter: at(400 * day) });
    assert.equal(await refusal(await signedInput(card), f.trust), 'not_yet_valid');
    // The same card is fine once its time comes (with a CRL current then).
    await f.republish(at(day), at(3 * day));
    assert.equal(await refusal(await signedInput(card), f.trust, at(2 * day)), 'ok');
    await f.republish();
  });

  it('verifyCardSignature should refuse with revoked when the CRL lists the certificate', async () => {
    const card = await f.issue();
    assert.equal(await refusal(await signedInput(card), f.trust), 'ok');
    revokeCard(f.ca, card.certificate.serialNumber, at(-60_000), x509.X509CrlReason.certificateHold);
    await f.republish();
    assert.equal(await refusal(await signedInput(card), f.trust), 'revoked');
  });

  it('verifyCardSignature should refuse with untrusted_chain when an impostor CA copies the test CA name', async () => {
    const impostor = await createTestCa({ commonName: testCaCommonName, now });
    assert.equal(impostor.certificate.subject, f.ca.certificate.subject);
    const card = await issueCard(impostor, { resident: takahashi, ...currentWindow });
    assert.equal(await refusal(await signedInput(card), f.trust), 'untrusted_chain');
  });

  it('verifyCardSignature should refuse with untrusted_chain when another CA issued the card', async () => {
    const other = await createTestCa({ commonName: 'Some Other CA', now });
    const card = await issueCard(other, { resident: takahashi, ...currentWindow });
    assert.equal(await refusal(await signedInput(card), f.trust), 'untrusted_chain');
    assert.equal(await refusal(await signedInput(f.valid), { ...f.trust, anchors: [] }), 'untrusted_chain');
  });

  it('verifyCardSignature should refuse with untrusted_chain when the CA certificate itself has expired', async () => {
    const old = await createTestCa({ now, notBefore: at(-10 * 365 * day), notAfter: at(-day) });
    const card = await issueCard(old, { resident: takahashi, ...currentWindow });
    const trust = { anchors: [old.certificate], crls: [new StaticCrlSource(await crlFor(old))] };
    assert.equal(await refusal(await signedInput(card), trust), 'untrusted_chain');
  });

  it('verifyCardSignature should refuse with bad_signature when the key does not match the certificate', async () => {
    const challenge = newChallenge();
    const other = await generateRsaKeys();
    const input = { certificate: toBase64(f.valid.certificate.rawData), signature: await sign(other.privateKey, challenge), challenge };
    assert.equal(await refusal(input, f.trust), 'bad_signature');
  });

  it('verifyCardSignature should refuse with bad_signature when the challenge differs from the one signed', async () => {
    const input = await signedInput(f.valid);
    const tampered = new Uint8Array(input.challenge);
    tampered[0] = tampered[0]! ^ 0x01;
    assert.equal(await refusal({ ...input, challenge: tampered }, f.trust), 'bad_signature');
    assert.equal(await refusal({ ...input, challenge: newChallenge() }, f.trust), 'bad_signature');
  });

  it('verifyCardSignature should refuse with bad_signature when the signature was altered', async () => {
    const input = await signedInput(f.valid);
    const bytes = Buffer.from(input.signature, 'base64');
    bytes[100] = bytes[100]! ^ 0x40;
    assert.equal(await refusal({ ...input, signature: bytes.toString('base64') }, f.trust), 'bad_signature');
  });

  it('verifyCardSignature should refuse with untrusted_chain when a byte of the certificate was changed', async () => {
    const input = await signedInput(f.valid);
    const der = Buffer.from(input.certificate, 'base64');
    // Change the name inside the signed part: 男 (E7 94 B7) becomes 甲 (E7 94 B2).
    const at = der.indexOf(Buffer.from('男', 'utf8'));
    assert.ok(at > 0);
    der[at + 2] = 0xb2;
    assert.equal(await refusal({ ...input, certificate: der.toString('base64') }, f.trust), 'untrusted_chain');
  });

  it('verifyCardSignature should refuse with not_a_card_certificate when the CA certificate is sent as a card', async () => {
    const challenge = newChallenge();
    const input = { certificate: toBase64(f.ca.certificate.rawData), signature: await sign(f.ca.privateKey, challenge), challenge };
    assert.equal(await refusal(input, f.trust), 'not_a_card_certificate');
    // basicConstraints alone decides, even when keyUsage looks like a card's.
    const caFlagged = await f.issue({ extraExtensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
    assert.equal(await refusal(await signedInput(caFlagged), f.trust), 'not_a_card_certificate');
  });

  it('verifyCardSignature should refuse with wrong_key_usage when the certificate is not for signatures', async () => {
    // The user-authentication certificate (利用者証明用) has digitalSignature without nonRepudiation.
    const authentication = await f.issue({ keyUsage: x509.KeyUsageFlags.digitalSignature });
    assert.equal(await refusal(await signedInput(authentication), f.trust), 'wrong_key_usage');
    const noUsage = await f.issue({ keyUsage: null });
    assert.equal(await refusal(await signedInput(noUsage), f.trust), 'wrong_key_usage');
  });

  it('verifyCardSignature should refuse with unsupported_key when the key is not RSA of at least 2048 bits', async () => {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) };
    const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const card = await f.issue({ keys });
    assert.equal(await refusal(await signedInput(card), f.trust), 'unsupported_key');
    const ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const ecCard = await f.issue({ keys: ec });
    const ecInput = { certificate: toBase64(ecCard.certificate.rawData), signature: Buffer.alloc(64, 1).toString('base64'), challenge: newChallenge() };
    assert.equal(await refusal(ecInput, f.trust), 'unsupported_key');
  });

  it('verifyCardSignature should refuse with missing_attributes when the basic four are absent or broken', async () => {
    const o = jpkiAttributeOids;
    const cases: Array<[string, x509.Extension | null]> = [
      ['no subjectAltName', null],
      ['no address', subjectAltName([[o.name, utf8('髙橋　𠮷男')], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')]])],
      ['bad sex code', subjectAltName([[o.name, utf8('a')], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('9')], [o.address, utf8('b')]])],
      ['bad date', subjectAltName([[o.name, utf8('a')], [o.dateOfBirth, utf8('319851332')], [o.sex, utf8('1')], [o.address, utf8('b')]])],
      ['name twice', subjectAltName([[o.name, utf8('a')], [o.name, utf8('c')], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')], [o.address, utf8('b')]])],
      ['not UTF8String', subjectAltName([[o.name, new Uint8Array([0x04, 0x01, 0x41]).buffer], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')], [o.address, utf8('b')]])],
      ['invalid UTF-8', subjectAltName([[o.name, new Uint8Array([0x0c, 0x02, 0xc3, 0x28]).buffer], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')], [o.address, utf8('b')]])],
      ['control character', subjectAltName([[o.name, utf8('a\u0000b')], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')], [o.address, utf8('b')]])],
    ];
    for (const [label, extension] of cases) {
      const card = await f.issue({ subjectAltName: extension });
      assert.equal(await refusal(await signedInput(card), f.trust), 'missing_attributes', label);
    }
  });

  it('verifyCardSignature should return a null date of birth when J-LIS records it as unknown', async () => {
    const o = jpkiAttributeOids;
    const extension = subjectAltName([[o.name, utf8('不明　太郎')], [o.dateOfBirth, utf8('019500000')], [o.sex, utf8('3')], [o.address, utf8('福島県')]]);
    const result = await verifyCardSignature(await signedInput(await f.issue({ subjectAltName: extension })), f.trust, now);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.card.basicFour.dateOfBirth, null);
    assert.equal(result.card.basicFour.recorded.dateOfBirth, '019500000');
    assert.equal(result.card.basicFour.sex, 'unknown');
    assert.deepEqual(result.card.basicFour.substituted, { name: false, address: false });
  });

  it('verifyCardSignature should report substituted characters when J-LIS flags them', async () => {
    const o = jpkiAttributeOids;
    const extension = subjectAltName([
      [o.name, utf8('髙橋　〓男')], [o.dateOfBirth, utf8('319850412')], [o.sex, utf8('1')], [o.address, utf8('福島県')],
      [o.nameSubstitutes, utf8('00010')], [o.addressSubstitutes, utf8('000')],
    ]);
    const result = await verifyCardSignature(await signedInput(await f.issue({ subjectAltName: extension })), f.trust, now);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.card.basicFour.substituted, { name: true, address: false });
  });
});
