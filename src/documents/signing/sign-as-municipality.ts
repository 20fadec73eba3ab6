// Signatures over bytes that are not a PDF (a delivery to a core system, 基幹システム連携), with the
// same office-holder key and certificate a municipality signs its documents with. The signer
// gives its certificate chain as base64 DER, signer first (JWS "x5c"), so a receiver can check
// it against the CA it trusts, and signs with RSASSA-PKCS1-v1_5 SHA-256 (JWS "RS256").
import { Buffer } from 'node:buffer';
import { cardSignatureAlgorithm, subtle } from '../../identity/jpki/pki.ts';
import type { AppContext } from '../../platform/module.ts';
import { headTitleOf } from '../issue-document.ts';
import { ensureLgpkiTestCa, signingIdentityOf } from './lgpki-test-ca.ts';

export interface MunicipalSigner {
  /** base64 DER certificates: the signer's, then the CA's. */
  chain: string[];
  /** SHA-256 of the signer certificate, hex. */
  fingerprint: string;
  sign(data: Uint8Array): Promise<Buffer>;
}

/** The municipality's current signing key (made on first use, as for documents). */
export async function municipalSigner(app: AppContext, lgCode: string): Promise<MunicipalSigner> {
  const tenant = await app.tenants.get(lgCode);
  if (!tenant) throw new Error(`unknown tenant ${lgCode}`);
  const identity = await signingIdentityOf(app, { lgCode, municipality: tenant.name.ja, headTitle: headTitleOf(tenant.name.ja) });
  const ca = await ensureLgpkiTestCa(app);
  return {
    chain: [identity.certificate, ca.certificate].map((c) => Buffer.from(c.rawData).toString('base64')),
    fingerprint: identity.fingerprint,
    sign: async (data) => Buffer.from(await subtle.sign(cardSignatureAlgorithm, identity.privateKey, Uint8Array.from(data))),
  };
}

/** The CA a receiver should trust for these signatures, as PEM (created on first use). */
export async function municipalSigningCaPem(app: AppContext): Promise<string> {
  return (await ensureLgpkiTestCa(app)).certificate.toString('pem');
}
