// Encryption at rest for personal data (names, addresses, birth dates, e-mail addresses, TOTP
// secrets, signing keys). AES-256-GCM from Node's crypto with a key from configuration; never a
// hand-rolled primitive.
//
// Sealed values look like `s1.<keyId>.<iv>.<ciphertext+tag>` (base64url). Each value is bound to
// a context string (table, column and row id) as additional authenticated data, so a ciphertext
// copied into another row or column fails to open instead of showing someone else's data.
//
// Blind indexes (HMAC-SHA256 under a key derived from the current data key) let the database
// find a row by an encrypted value, e.g. an account by its e-mail address, without holding the
// address in clear.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export interface DataKey {
  /** Short identifier stored with each sealed value, so old keys can still open old values. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class SealError extends Error {}

const FORMAT = 's1';
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

export class Sealer {
  readonly #current: DataKey;
  readonly #byId: Map<string, Buffer>;
  readonly #indexKey: Buffer;

  /** `keys[0]` seals new values and keys the blind indexes; the rest only open old values. */
  constructor(keys: DataKey[]) {
    if (keys.length === 0) throw new SealError('At least one data key is needed');
    for (const k of keys) {
      if (!KEY_ID.test(k.id)) throw new SealError(`Data key id "${k.id}" must be 1–16 letters, digits, _ or -`);
      if (k.key.length !== 32) throw new SealError(`Data key "${k.id}" must be 32 bytes`);
    }
    this.#current = keys[0]!;
    this.#byId = new Map(keys.map((k) => [k.id, k.key]));
    this.#indexKey = Buffer.from(hkdfSync('sha256', this.#current.key, Buffer.alloc(0), 'tsunagu blind index v1', 32));
  }

  get currentKeyId(): string {
    return this.#current.id;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT}.${this.#current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) throw new SealError('Not a sealed value');
    const key = this.#byId.get(parts[1]!);
    if (!key) throw new SealError(`Sealed with data key "${parts[1]}", which is not configured`);
    const iv = Buffer.from(parts[2]!, 'base64url');
    const body = Buffer.from(parts[3]!, 'base64url');
    if (iv.length !== 12 || body.length < 16) throw new SealError('Not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      throw new SealError('The sealed value was altered or belongs to another record');
    }
  }

  sealJson(value: unknown, context: string): string {
    return this.seal(JSON.stringify(value), context);
  }

  openJson<T>(sealed: string, context: string): T {
    return JSON.parse(this.open(sealed, context)) as T;
  }

  /** A stable keyed hash for equality lookups; `purpose` separates unrelated indexes. */
  blindIndex(value: string, purpose: string): string {
    return createHmac('sha256', this.#indexKey).update(purpose).update('\0').update(value, 'utf8').digest('base64url');
  }
}

/**
 * Parses TSUNAGU_DATA_KEY: one or more `id:base64key` separated by commas, the current key
 * first (e.g. `k2:…,k1:…` while values sealed under k1 remain). A bare base64 key gets id "k1".
 */
export function parseDataKeys(raw: string): DataKey[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':');
      const id = colon === -1 ? 'k1' : part.slice(0, colon);
      const key = Buffer.from(colon === -1 ? part : part.slice(colon + 1), 'base64');
      if (!KEY_ID.test(id)) throw new SealError(`key id "${id}" must be 1–16 letters, digits, _ or -`);
      if (key.length !== 32) throw new SealError(`key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`);
      return { id, key };
    });
}

export function generateDataKey(id = 'k1'): DataKey {
  return { id, key: randomBytes(32) };
}
