// The trust the card check uses, loaded once per process from configuration (J-LIS's CA and its
// CRLs in production; the development TEST CA in the data directory otherwise). Loading is lazy:
// the TEST CA's keys are made the first time someone uses the card, not at every start.
import type { Config } from '../../platform/config.ts';
import { loadJpkiTrust, type LoadedJpkiTrust } from '../jpki/trust.ts';

const loaded = new Map<string, Promise<LoadedJpkiTrust>>();

export function jpkiTrustFor(config: Config): Promise<LoadedJpkiTrust> {
  const key = [config.jpkiTrustAnchor, config.jpkiIntermediates, config.jpkiCrl, config.dataDir, config.production].join('|');
  let trust = loaded.get(key);
  if (!trust) {
    trust = loadJpkiTrust({
      trustAnchorPath: config.jpkiTrustAnchor,
      intermediatesPath: config.jpkiIntermediates,
      crl: config.jpkiCrl,
      dataDir: config.dataDir,
      production: config.production,
    });
    // A failed load (a missing file) is not remembered: the next attempt reads again.
    trust.catch(() => loaded.delete(key));
    loaded.set(key, trust);
  }
  return trust;
}
