// One place that prepares @peculiar/x509 for use: it needs a Reflect metadata polyfill (for its
// dependency-injection container) and a WebCrypto provider. Every file of the JPKI library imports
// x509 from here, so the setup has always run before the first certificate is parsed.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export const subtle = webcrypto.subtle as SubtleCrypto;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** The algorithm of a My Number card's signature key (署名用電子証明書): RSA, PKCS#1 v1.5, SHA-256. */
export const cardSignatureAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

export function bytesEqual(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  const x = a instanceof Uint8Array ? a : new Uint8Array(a);
  const y = b instanceof Uint8Array ? b : new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function toBase64(data: ArrayBuffer | Uint8Array): string {
  return Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('base64');
}

export function toHex(data: ArrayBuffer | Uint8Array): string {
  return Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('hex');
}
