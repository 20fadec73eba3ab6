// Is this certificate the kind a My Number card's signature key has? J-LIS signature certificates
// (署名用電子証明書) are end-entity certificates with keyUsage digitalSignature + nonRepudiation
// (critical) and an RSA 2048 key. The user-authentication certificate (利用者証明用電子証明書)
// has digitalSignature alone, so requiring nonRepudiation tells the two apart.
import { jpkiFailure, type JpkiFailure } from './failures.ts';
import { cardSignatureAlgorithm, x509 } from './pki.ts';

const minModulusBits = 2048;

// Critical extensions a card certificate may carry that this library understands.
const understoodCardCritical = new Set(['2.5.29.15', '2.5.29.19', '2.5.29.17', '2.5.29.32']);

export type CardProfile = { ok: true; key: CryptoKey; modulusBytes: number } | JpkiFailure;

export async function checkCardProfile(card: x509.X509Certificate): Promise<CardProfile> {
  const constraints = card.getExtension(x509.BasicConstraintsExtension);
  if (constraints?.ca) return jpkiFailure('not_a_card_certificate', 'basicConstraints says this is a CA certificate');
  const usage = card.getExtension(x509.KeyUsagesExtension);
  if (!usage) return jpkiFailure('wrong_key_usage', 'keyUsage is absent');
  if (usage.usages & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)) {
    return jpkiFailure('not_a_card_certificate', 'keyUsage allows signing certificates or CRLs');
  }
  const needed = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  if ((usage.usages & needed) !== needed) {
    return jpkiFailure('wrong_key_usage', 'keyUsage lacks digitalSignature and nonRepudiation');
  }
  const unknown = card.extensions.filter((e) => e.critical && !understoodCardCritical.has(e.type));
  if (unknown.length > 0) {
    return jpkiFailure('not_a_card_certificate', `unsupported critical extensions ${unknown.map((e) => e.type).join(', ')}`);
  }
  // @peculiar/x509 names an rsaEncryption key by the algorithm it imports as.
  if (card.publicKey.algorithm.name !== 'RSASSA-PKCS1-v1_5') {
    return jpkiFailure('unsupported_key', `key algorithm ${card.publicKey.algorithm.name} is not RSA`);
  }
  let key: CryptoKey;
  try {
    key = await card.publicKey.export(cardSignatureAlgorithm, ['verify']);
  } catch {
    return jpkiFailure('unsupported_key', 'the RSA public key cannot be imported');
  }
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < minModulusBits) return jpkiFailure('unsupported_key', `RSA key of ${bits} bits is shorter than ${minModulusBits}`);
  return { ok: true, key, modulusBytes: Math.ceil(bits / 8) };
}
