// The signature of a delivery: a JWS with a detached payload (RFC 7515 §7.2 compact form with
// the payload part left empty, Appendix F), algorithm RS256, signed with the municipality's
// office-holder key. Its header carries the certificate chain (x5c: the signer's certificate, then
// the CA's) and the signer certificate's SHA-256 thumbprint (x5t#S256), so a receiver that
// trusts the CA needs nothing else to check who signed. The payload is the exact bytes of the
// request body; the receiver puts BASE64URL(body) between the two dots and verifies.
import { createHash } from 'node:crypto';
import type { MunicipalSigner } from '../../documents/exports.ts';

export const SIGNATURE_HEADER = 'tsunagu-signature';

export interface JwsHeader {
  alg: 'RS256';
  typ: 'tsunagu-delivery+jws';
  x5c: string[];
  'x5t#S256': string;
  /** The municipality (地方公共団体コード) that signs. */
  lg: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function protectedHeader(lgCode: string, chain: string[]): string {
  const header: JwsHeader = { alg: 'RS256', typ: 'tsunagu-delivery+jws', x5c: chain, 'x5t#S256': b64url(createHash('sha256').update(Buffer.from(chain[0]!, 'base64')).digest()), lg: lgCode };
  return b64url(JSON.stringify(header));
}

/** What is signed: the protected header and the body, base64url, joined by a dot. */
export function signingInput(encodedHeader: string, body: Buffer): Buffer {
  return Buffer.from(`${encodedHeader}.${b64url(body)}`, 'ascii');
}

/** Signs `body` with the municipality's key and returns "header..signature". */
export async function detachedJws(lgCode: string, body: Buffer, signer: MunicipalSigner): Promise<string> {
  const header = protectedHeader(lgCode, signer.chain);
  return `${header}..${b64url(await signer.sign(signingInput(header, body)))}`;
}
