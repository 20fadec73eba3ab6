// Step 1 of the flow: was the card's certificate issued, through zero or more configured
// intermediates, by a configured trust anchor (J-LIS's signature CA in production)? Issuers are
// matched by name and then proven by signature, so a CA that merely copies J-LIS's name gets nowhere.
import { jpkiFailure, type JpkiFailure } from './failures.ts';
import { bytesEqual, x509 } from './pki.ts';

export interface ChainTrust {
  /** Self-signed CA certificates trusted as they are (J-LIS: each generation's signature CA). */
  anchors: readonly x509.X509Certificate[];
  /** CA certificates that may sit between a card and an anchor. */
  intermediates?: readonly x509.X509Certificate[];
}

export type TrustedChain = { ok: true; issuer: x509.X509Certificate; chain: x509.X509Certificate[] } | JpkiFailure;

const maxDepth = 4;

// Extensions a CA certificate may mark critical that this check understands and applies.
const understoodCaCritical = new Set(['2.5.29.15', '2.5.29.19', '2.5.29.32', '2.5.29.14', '2.5.29.35']);

function caProblem(ca: x509.X509Certificate, below: number, now: Date): string | null {
  const constraints = ca.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) return `${ca.subject} is not a CA certificate`;
  // pathLength counts the intermediates allowed below this CA.
  if (constraints.pathLength !== undefined && below > constraints.pathLength) return `${ca.subject} path length exceeded`;
  const usage = ca.getExtension(x509.KeyUsagesExtension);
  if (usage && !(usage.usages & x509.KeyUsageFlags.keyCertSign)) return `${ca.subject} may not sign certificates`;
  const unknown = ca.extensions.filter((e) => e.critical && !understoodCaCritical.has(e.type));
  if (unknown.length > 0) return `${ca.subject} has unsupported critical extensions ${unknown.map((e) => e.type).join(', ')}`;
  if (now < ca.notBefore || now > ca.notAfter) return `CA certificate ${ca.subject} is not valid at ${now.toISOString()}`;
  return null;
}

async function signedBy(cert: x509.X509Certificate, ca: x509.X509Certificate): Promise<boolean> {
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true }).catch(() => false);
}

export async function buildTrustedChain(card: x509.X509Certificate, trust: ChainTrust, now: Date): Promise<TrustedChain> {
  const candidates = [
    ...trust.anchors.map((cert) => ({ cert, anchor: true })),
    ...(trust.intermediates ?? []).map((cert) => ({ cert, anchor: false })),
  ];
  const chain = [card];
  let current = card;
  for (let depth = 0; depth < maxDepth; depth++) {
    const issuerName = current.issuerName.toArrayBuffer();
    let found: (typeof candidates)[number] | undefined;
    for (const candidate of candidates) {
      if (!bytesEqual(candidate.cert.subjectName.toArrayBuffer(), issuerName)) continue;
      if (await signedBy(current, candidate.cert)) {
        found = candidate;
        break;
      }
    }
    if (!found) {
      return jpkiFailure('untrusted_chain', `no trusted CA signed the certificate issued as "${current.issuer}"`);
    }
    if (chain.some((c) => bytesEqual(c.rawData, found.cert.rawData)) && !found.anchor) {
      return jpkiFailure('untrusted_chain', 'certificate chain loops');
    }
    const problem = caProblem(found.cert, depth, now);
    if (problem) return jpkiFailure('untrusted_chain', problem);
    chain.push(found.cert);
    if (found.anchor) return { ok: true, issuer: chain[1]!, chain };
    current = found.cert;
  }
  return jpkiFailure('untrusted_chain', `certificate chain longer than ${maxDepth}`);
}
