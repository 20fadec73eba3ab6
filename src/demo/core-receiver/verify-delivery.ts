// How a core system checks a delivery from Tsunagu, with nothing but Node's own crypto (any
// JOSE/X.509 library does the same):
// 1. The bearer token says which municipality is sending (each has its own).
// 2. The `Tsunagu-Signature` header is a JWS with a detached payload, "header..signature". The
//    header must say alg RS256 and carry x5c: the signer's certificate, then its CA's.
// 3. The signer's certificate must be issued by the CA the receiver trusts (its signature checks
//    out with the trusted CA's key, not merely its name), be valid now, and name the
//    municipality of the token (OU "lg <地方公共団体コード>").
// 4. The signature must verify with the certificate's key over
//    BASE64URL(header) + "." + BASE64URL(the request body, byte for byte).
// 5. The body's municipality and delivery id must match the token and the Tsunagu-Delivery-Id
//    header, and the PDF copy's SHA-256 must match its bytes.
// Only then is the delivery stored (once per delivery id).
import { createHash, verify, X509Certificate } from 'node:crypto';

export interface VerifiedDelivery {
  deliveryId: string;
  lgCode: string;
  signer: { subject: string; fingerprint: string };
  envelope: Record<string, any>;
  pdf: Buffer;
}

export class DeliveryRejected extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

export function verifyDelivery(input: { body: Buffer; signature: string | undefined; deliveryIdHeader: string | undefined; lgCode: string; trustAnchor: X509Certificate; now?: Date }): VerifiedDelivery {
  const reject = (message: string) => new DeliveryRejected(400, message);
  const parts = (input.signature ?? '').split('.');
  if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) throw reject('Tsunagu-Signature must be a detached JWS ("header..signature")');
  let header: { alg?: string; x5c?: string[] };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw reject('the JWS header is not base64url JSON');
  }
  if (header.alg !== 'RS256') throw reject(`the JWS algorithm must be RS256, not ${header.alg}`);
  if (!Array.isArray(header.x5c) || typeof header.x5c[0] !== 'string') throw reject('the JWS header has no x5c certificate chain');
  let signer: X509Certificate;
  try {
    signer = new X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  } catch {
    throw reject('the signer certificate (x5c[0]) cannot be read');
  }
  if (!signer.checkIssued(input.trustAnchor) || !signer.verify(input.trustAnchor.publicKey)) throw reject('the signer certificate is not issued by the trusted CA');
  const now = input.now ?? new Date();
  if (now < new Date(signer.validFrom) || now > new Date(signer.validTo)) throw reject('the signer certificate is not valid now');
  if (!signer.subject.split('\n').includes(`OU=lg ${input.lgCode}`)) throw reject(`the signer certificate is not ${input.lgCode}'s`);
  const signed = Buffer.from(`${parts[0]}.${input.body.toString('base64url')}`, 'ascii');
  if (!verify('sha256', signed, signer.publicKey, Buffer.from(parts[2], 'base64url'))) throw reject('the signature does not match the body');

  let envelope: Record<string, any>;
  try {
    envelope = JSON.parse(input.body.toString('utf8'));
  } catch {
    throw reject('the body is not JSON');
  }
  if (envelope.schema !== 'tsunagu.delivery/v1') throw reject(`unknown schema ${envelope.schema}`);
  if (envelope.municipality?.lgCode !== input.lgCode) throw reject('the body is for another municipality than the token');
  if (typeof envelope.deliveryId !== 'string' || envelope.deliveryId !== input.deliveryIdHeader) throw reject('the delivery id of the body and of Tsunagu-Delivery-Id differ');
  const pdf = Buffer.from(String(envelope.copy?.data ?? ''), 'base64');
  if (createHash('sha256').update(pdf).digest('hex') !== envelope.copy?.sha256) throw reject('the PDF copy does not match its SHA-256');
  return { deliveryId: envelope.deliveryId, lgCode: input.lgCode, signer: { subject: signer.subject.replaceAll('\n', ', '), fingerprint: signer.fingerprint256 }, envelope, pdf };
}
