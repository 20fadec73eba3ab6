// Development without configuration: the TEST CA lives in <data dir>/jpki-test-ca/, created on
// first use together with the demo cards and a CRL. The CRL is republished when it nears its
// nextUpdate (as J-LIS publishes a new list every day), so a long-running dev server keeps working.
import fs from 'node:fs/promises';
import path from 'node:path';
import { FileCrlSource, type CrlLoad, type CrlSource } from './crl-source.ts';
import { createDemoCards, type DemoCard } from './demo-cards.ts';
import { createTestCa, crlFile, loadTestCa, publishCrl, saveTestCa, writeCrl, type TestCa } from './test-ca.ts';
import type { JpkiTrust } from './verify-signature.ts';

export const developmentCaDirName = 'jpki-test-ca';
const demoCardsFile = 'demo-cards.json';
const crlLifetimeMs = 24 * 60 * 60_000;
const republishMarginMs = 60 * 60_000;

export interface DevelopmentJpki {
  dir: string;
  ca: TestCa;
  demoCards: DemoCard[];
  trust: JpkiTrust;
}

/** Publishes a fresh CRL from the CA on disk (including revocations made since) and writes it. */
export async function republishDevelopmentCrl(dir: string, now: Date): Promise<void> {
  const ca = await loadTestCa(dir);
  if (!ca) throw new Error(`no test CA in ${dir}`);
  await writeCrl(dir, await publishCrl(ca, { thisUpdate: now, nextUpdate: new Date(now.getTime() + crlLifetimeMs) }));
}

class DevelopmentCrlSource implements CrlSource {
  readonly location: string;
  readonly #dir: string;
  readonly #file: FileCrlSource;

  constructor(dir: string) {
    this.#dir = dir;
    this.location = crlFile(dir);
    this.#file = new FileCrlSource(this.location);
  }

  async get(now: Date): Promise<CrlLoad> {
    const loaded = await this.#file.get(now);
    const nextUpdate = loaded.ok ? (loaded.crl.nextUpdate?.getTime() ?? 0) : 0;
    if (nextUpdate - now.getTime() > republishMarginMs) return loaded;
    await republishDevelopmentCrl(this.#dir, now);
    return this.#file.get(now);
  }
}

async function readDemoCards(dir: string): Promise<DemoCard[] | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, demoCardsFile), 'utf8')) as DemoCard[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function create(dir: string, now: Date): Promise<{ ca: TestCa; demoCards: DemoCard[] }> {
  const ca = await createTestCa({ now });
  const demoCards = await createDemoCards(ca, now);
  await saveTestCa(ca, dir);
  // Test keys only, but keys all the same: readable by the owner alone.
  await fs.writeFile(path.join(dir, demoCardsFile), `${JSON.stringify(demoCards, null, 2)}\n`, { mode: 0o600 });
  await republishDevelopmentCrl(dir, now);
  return { ca, demoCards };
}

const opening = new Map<string, Promise<DevelopmentJpki>>();

/** The development TEST CA in `dataDir`, created on first use. */
export function openDevelopmentJpki(dataDir: string, now: Date = new Date()): Promise<DevelopmentJpki> {
  const dir = path.join(path.resolve(dataDir), developmentCaDirName);
  let pending = opening.get(dir);
  if (!pending) {
    pending = (async () => {
      const existing = await loadTestCa(dir);
      const demoCards = existing ? await readDemoCards(dir) : null;
      const { ca, demoCards: cards } = existing && demoCards ? { ca: existing, demoCards } : await create(dir, now);
      return { dir, ca, demoCards: cards, trust: { anchors: [ca.certificate], intermediates: [], crls: [new DevelopmentCrlSource(dir)] } };
    })();
    // A failed attempt is not remembered, so the next call tries again.
    pending.catch(() => opening.delete(dir));
    opening.set(dir, pending);
  }
  return pending;
}
