// What the demo core system keeps: each verified delivery once, by delivery id, in memory and,
// when given a directory, as a file (<delivery id>.json, created exclusively), so it survives a
// restart and a second arrival of the same delivery is recognised either way.
import fs from 'node:fs';
import path from 'node:path';

export interface Received {
  deliveryId: string;
  lgCode: string;
  receivedAt: string;
  /** How many times it arrived (redeliveries after a lost answer or a retry). */
  arrivals: number;
  signer: { subject: string; fingerprint: string };
  envelope: Record<string, any>;
}

export class ReceiverStore {
  readonly #byId = new Map<string, Received>();

  constructor(private readonly dir: string | undefined) {
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const item = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Received;
      this.#byId.set(item.deliveryId, item);
    }
  }

  /** Stores a new delivery (true) or counts another arrival of a known one (false). */
  add(item: Omit<Received, 'arrivals' | 'receivedAt'>): { stored: boolean; received: Received } {
    const known = this.#byId.get(item.deliveryId);
    if (known) {
      known.arrivals += 1;
      return { stored: false, received: known };
    }
    const received: Received = { ...item, receivedAt: new Date().toISOString(), arrivals: 1 };
    // Set before any await: two arrivals of one delivery at once still store it once.
    this.#byId.set(item.deliveryId, received);
    if (this.dir) fs.writeFileSync(path.join(this.dir, `${item.deliveryId.replace(/[^0-9a-f-]/g, '')}.json`), JSON.stringify(received), { flag: 'wx' });
    return { stored: true, received };
  }

  get(id: string): Received | undefined {
    return this.#byId.get(id);
  }

  /** Newest first. */
  all(): Received[] {
    return [...this.#byId.values()].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  }
}
