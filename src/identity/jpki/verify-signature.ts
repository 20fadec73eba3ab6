// Level A (My Number card) identity check: the server issued `challenge`; the card signed it with
// its signature key; the client sent the signature certificate and the signature. The checks run in
// this order and the first failure is the answer:
//   0. the input is well formed (base64, sizes, one DER certificate)
//   1. the certificate chains to a configured trust anchor            (chain.ts)
//      and is a card's signature certificate, not a CA or another kind (card-profile.ts)
//   2. now lies within its validity period
//   3. it is not on its CA's current, CA-signed revocation list        (revocation.ts)
//   4. the signature over the challenge verifies with its public key
//   5. it carries a well-formed basic four                            (basic-four.ts)
// Nothing here throws on bad input: every refusal is a JpkiFailure with a stable code.
import * as asn1js from 'asn1js';
import { readBasicFour, type BasicFour } from './basic-four.ts';
import { checkCardProfile } from './card-profile.ts';
import { buildTrustedChain, type ChainTrust } from './chain.ts';
import type { CrlSource } from './crl-source.ts';
import { jpkiFailure, type JpkiFailure } from './failures.ts';
import { cardSignatureAlgorithm, subtle, toBase64, toHex, x509 } from './pki.ts';
import { checkRevocation } from './revocation.ts';

export interface JpkiTrust extends ChainTrust {
  /** Revocation lists, one per issuing CA; the one issued by the card's CA is used. */
  crls: readonly CrlSource[];
}

export interface CardSignatureInput {
  /** The signature certificate, DER, base64 (standard or URL-safe alphabet). */
  certificate: string;
  /** RSASSA-PKCS1-v1_5 / SHA-256 signature over `challenge`, base64. */
  signature: string;
  /** The exact bytes the server issued. Single use and expiry are the caller's job. */
  challenge: Uint8Array;
}

export interface VerifiedCard {
  basicFour: BasicFour;
  /** Hexadecimal, as in the CRL. */
  serialNumber: string;
  issuer: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the certificate's DER, lowercase hex: a stable key for "this certificate". */
  fingerprint: string;
  /** The certificate as received (DER, base64), for the caller's records. */
  certificate: string;
  /** The revocation list the decision rested on. */
  crl: { thisUpdate: Date; nextUpdate: Date };
}

export type CardVerification = { ok: true; card: VerifiedCard } | JpkiFailure;

export const jpkiInputLimits = {
  /** A real signature certificate is about 2 KB; 16 KiB of base64 leaves room and no more. */
  certificateBase64Chars: 16_384,
  /** RSA 4096 gives 512 bytes, 684 base64 characters. */
  signatureBase64Chars: 1_024,
  challengeMinBytes: 16,
  challengeMaxBytes: 1_024,
} as const;

function decodeBase64(text: unknown, maxChars: number): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > maxChars) return null;
  const standard = /^[A-Za-z0-9+/]+={0,2}$/.test(text) && (!text.includes('=') || text.length % 4 === 0);
  const urlSafe = /^[A-Za-z0-9_-]+$/.test(text);
  if ((!standard && !urlSafe) || text.replace(/=+$/, '').length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(text, urlSafe ? 'base64url' : 'base64'));
}

/** Exactly one DER certificate: no trailing bytes, every field we read parses. */
function parseCertificate(der: Uint8Array<ArrayBuffer>): x509.X509Certificate | null {
  const outer = asn1js.fromBER(der);
  if (outer.offset !== der.byteLength || outer.result.error) return null;
  try {
    const cert = new x509.X509Certificate(der);
    // @peculiar/x509 reads fields lazily; touch each one used later so a broken one fails here.
    void [cert.serialNumber, cert.subjectName, cert.issuerName, cert.notBefore, cert.notAfter, cert.publicKey];
    void cert.extensions;
    return cert;
  } catch {
    return null;
  }
}

async function verifyChecked(input: CardSignatureInput, trust: JpkiTrust, now: Date): Promise<CardVerification> {
  const der = decodeBase64(input.certificate, jpkiInputLimits.certificateBase64Chars);
  if (!der) return jpkiFailure('malformed_certificate', 'certificate is not base64 of an allowed size');
  const signature = decodeBase64(input.signature, jpkiInputLimits.signatureBase64Chars);
  if (!signature) return jpkiFailure('malformed_signature', 'signature is not base64 of an allowed size');
  const challenge = input.challenge;
  if (
    !(challenge instanceof Uint8Array) ||
    challenge.byteLength < jpkiInputLimits.challengeMinBytes ||
    challenge.byteLength > jpkiInputLimits.challengeMaxBytes
  ) {
    return jpkiFailure('malformed_challenge', 'challenge is not a byte array of an allowed size');
  }
  const card = parseCertificate(der);
  if (!card) return jpkiFailure('malformed_certificate', 'not a single DER X.509 certificate');

  const chain = await buildTrustedChain(card, trust, now);
  if (!chain.ok) return chain;
  const profile = await checkCardProfile(card);
  if (!profile.ok) return profile;

  if (now < card.notBefore) return jpkiFailure('not_yet_valid', `valid from ${card.notBefore.toISOString()}`);
  if (now > card.notAfter) return jpkiFailure('expired', `expired at ${card.notAfter.toISOString()}`);

  const revocation = await checkRevocation(card, chain.issuer, trust.crls, now);
  if (!revocation.ok) return revocation;

  if (signature.byteLength !== profile.modulusBytes) {
    return jpkiFailure('malformed_signature', `signature is ${signature.byteLength} bytes, the key needs ${profile.modulusBytes}`);
  }
  const valid = await subtle.verify(cardSignatureAlgorithm, profile.key, signature, new Uint8Array(challenge));
  if (!valid) return jpkiFailure('bad_signature', 'signature does not verify with the certificate key over the challenge');

  const basicFour = readBasicFour(card);
  if (!basicFour.ok) return jpkiFailure('missing_attributes', basicFour.detail);

  return {
    ok: true,
    card: {
      basicFour: basicFour.value,
      serialNumber: card.serialNumber,
      issuer: card.issuer,
      subject: card.subject,
      notBefore: card.notBefore,
      notAfter: card.notAfter,
      fingerprint: toHex(await subtle.digest('SHA-256', der)),
      certificate: toBase64(der),
      crl: { thisUpdate: revocation.crlThisUpdate, nextUpdate: revocation.crlNextUpdate },
    },
  };
}

/** Verifies a card's signature over a challenge; see the order of checks at the top of this file. */
export async function verifyCardSignature(
  input: CardSignatureInput,
  trust: JpkiTrust,
  now: Date = new Date(),
): Promise<CardVerification> {
  try {
    return await verifyChecked(input ?? ({} as CardSignatureInput), trust, now);
  } catch (error) {
    // Only a certificate the PKI library chokes on half-way can land here; refuse it, don't throw.
    const detail = error instanceof Error ? error.message : String(error);
    return jpkiFailure('malformed_certificate', `certificate could not be processed: ${detail}`);
  }
}
