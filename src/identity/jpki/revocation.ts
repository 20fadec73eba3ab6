// Step 3 of the flow: is the card's certificate on its CA's revocation list? The list is only
// believed once it is signed by the card's issuer, current (thisUpdate ≤ now < nextUpdate) and of
// a kind we fully understand; otherwise the answer is "cannot tell", which refuses the login.
import type { CrlSource } from './crl-source.ts';
import { jpkiFailure, type JpkiFailure } from './failures.ts';
import { bytesEqual, toHex, x509 } from './pki.ts';

// Extensions a complete, direct CRL may carry. A critical issuingDistributionPoint (a partitioned
// list) or deltaCRLIndicator would change what "not listed" means, so such lists are refused.
const understoodCrlExtensions = new Set([
  '2.5.29.20', // cRLNumber
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.18', // issuerAltName
]);

/** A CRL's issuer may run a little ahead of our clock; more than this is a broken list. */
const clockSkewMs = 5 * 60_000;

// Verifying a national list's signature hashes megabytes: remember the answer per list and issuer.
const verifiedSignatures = new WeakMap<x509.X509Crl, Map<string, boolean>>();

async function signedBy(crl: x509.X509Crl, issuer: x509.X509Certificate): Promise<boolean> {
  const key = toHex(issuer.rawData);
  let known = verifiedSignatures.get(crl);
  if (!known) verifiedSignatures.set(crl, (known = new Map()));
  let answer = known.get(key);
  if (answer === undefined) {
    answer = await crl.verify({ publicKey: issuer }).catch(() => false);
    known.set(key, answer);
  }
  return answer;
}

export type RevocationCheck = { ok: true; crlThisUpdate: Date; crlNextUpdate: Date } | JpkiFailure;

/**
 * Finds, among the configured sources, the list issued by the card's CA and checks the card
 * against it. Several sources exist when several CA generations issue cards at once.
 */
export async function checkRevocation(
  card: x509.X509Certificate,
  issuer: x509.X509Certificate,
  sources: readonly CrlSource[],
  now: Date,
): Promise<RevocationCheck> {
  const problems: string[] = [];
  let crl: x509.X509Crl | undefined;
  for (const source of sources) {
    const loaded = await source.get(now);
    if (!loaded.ok) {
      problems.push(loaded.detail);
      continue;
    }
    if (bytesEqual(loaded.crl.issuerName.toArrayBuffer(), issuer.subjectName.toArrayBuffer())) {
      crl = loaded.crl;
      break;
    }
    problems.push(`${source.location}: issued by ${loaded.crl.issuer}, not by ${issuer.subject}`);
  }
  if (!crl) return jpkiFailure('crl_unavailable', problems.join('; ') || 'no CRL source is configured');

  if (!(await signedBy(crl, issuer))) return jpkiFailure('crl_invalid', `CRL is not signed by ${issuer.subject}`);
  const critical = crl.extensions.filter((e) => e.critical && !understoodCrlExtensions.has(e.type));
  if (critical.length > 0) {
    return jpkiFailure('crl_invalid', `CRL has unsupported critical extensions: ${critical.map((e) => e.type).join(', ')}`);
  }
  if (crl.thisUpdate.getTime() > now.getTime() + clockSkewMs) {
    return jpkiFailure('crl_invalid', `CRL thisUpdate ${crl.thisUpdate.toISOString()} is in the future`);
  }
  const nextUpdate = crl.nextUpdate;
  if (!nextUpdate) return jpkiFailure('crl_invalid', 'CRL has no nextUpdate');
  if (nextUpdate.getTime() <= now.getTime()) {
    return jpkiFailure('crl_stale', `CRL nextUpdate ${nextUpdate.toISOString()} has passed`);
  }

  // A certificateHold entry counts too: JPKI never releases a hold (see docs/identity-jpki.md).
  const entry = crl.findRevoked(card.serialNumber);
  if (entry) return jpkiFailure('revoked', `revoked on ${entry.revocationDate.toISOString()}`);
  return { ok: true, crlThisUpdate: crl.thisUpdate, crlNextUpdate: nextUpdate };
}
