// Which CA to trust and where its revocation list is, from plain settings (the identity module
// maps environment variables onto them; docs/identity-jpki.md lists the suggested names):
//   trustAnchorPath  PEM file with J-LIS's signature CA certificate(s)   TSUNAGU_JPKI_TRUST_ANCHOR
//   intermediatesPath  PEM file with intermediate CA certificates, if any  TSUNAGU_JPKI_INTERMEDIATES
//   crl              file paths or http(s) URLs of the CRLs                TSUNAGU_JPKI_CRL (comma-separated)
// With none of them set outside production, the development TEST CA is used (development-ca.ts).
import fs from 'node:fs/promises';
import { crlSourceFor, type CrlSourceOptions } from './crl-source.ts';
import { openDevelopmentJpki, type DevelopmentJpki } from './development-ca.ts';
import { x509 } from './pki.ts';
import type { JpkiTrust } from './verify-signature.ts';

export interface JpkiTrustSettings {
  trustAnchorPath?: string | undefined;
  intermediatesPath?: string | undefined;
  crl?: string | readonly string[] | undefined;
  /** The data directory; the development TEST CA lives in <dataDir>/jpki-test-ca/. */
  dataDir: string;
  production: boolean;
  crlOptions?: CrlSourceOptions;
}

export type LoadedJpkiTrust =
  | { mode: 'configured'; trust: JpkiTrust }
  | { mode: 'development-test-ca'; trust: JpkiTrust; development: DevelopmentJpki };

export class JpkiConfigError extends Error {
  override name = 'JpkiConfigError';
}

async function readCertificates(file: string, what: string, mustBeCa: boolean): Promise<x509.X509Certificate[]> {
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new JpkiConfigError(`${what} ${file} cannot be read: ${(error as Error).message}`);
  }
  let certificates: x509.X509Certificate[];
  try {
    certificates = x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
  } catch {
    throw new JpkiConfigError(`${what} ${file} is not PEM certificates`);
  }
  if (certificates.length === 0) throw new JpkiConfigError(`${what} ${file} holds no certificate`);
  for (const certificate of certificates) {
    if (mustBeCa && !certificate.getExtension(x509.BasicConstraintsExtension)?.ca) {
      throw new JpkiConfigError(`${what} ${file}: ${certificate.subject} is not a CA certificate`);
    }
  }
  return certificates;
}

function crlLocations(crl: JpkiTrustSettings['crl']): string[] {
  const list = typeof crl === 'string' ? crl.split(',') : [...(crl ?? [])];
  return list.map((s) => s.trim()).filter((s) => s !== '');
}

export async function loadJpkiTrust(settings: JpkiTrustSettings): Promise<LoadedJpkiTrust> {
  const crls = crlLocations(settings.crl);
  const anchorPath = settings.trustAnchorPath?.trim();
  if (!anchorPath && crls.length === 0 && !settings.intermediatesPath) {
    if (settings.production) {
      throw new JpkiConfigError('TSUNAGU_JPKI_TRUST_ANCHOR and TSUNAGU_JPKI_CRL are required when NODE_ENV=production');
    }
    const development = await openDevelopmentJpki(settings.dataDir);
    return { mode: 'development-test-ca', trust: development.trust, development };
  }
  if (!anchorPath) throw new JpkiConfigError('TSUNAGU_JPKI_TRUST_ANCHOR is required when TSUNAGU_JPKI_CRL is set');
  // Revocation is part of the check, not an option: a trust anchor without a CRL is refused.
  if (crls.length === 0) throw new JpkiConfigError('TSUNAGU_JPKI_CRL is required when TSUNAGU_JPKI_TRUST_ANCHOR is set');
  const anchors = await readCertificates(anchorPath, 'trust anchor', true);
  const intermediates = settings.intermediatesPath
    ? await readCertificates(settings.intermediatesPath, 'intermediate CA file', true)
    : [];
  let sources;
  try {
    sources = crls.map((location) => crlSourceFor(location, settings.crlOptions));
  } catch (error) {
    throw new JpkiConfigError(`TSUNAGU_JPKI_CRL: ${(error as Error).message}`);
  }
  return { mode: 'configured', trust: { anchors, intermediates, crls: sources } };
}
