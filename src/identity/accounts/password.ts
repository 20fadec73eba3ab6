// Passwords: argon2id (RFC 9106) through @node-rs/argon2, a maintained native binding that runs
// off the event loop. Parameters follow OWASP's argon2id guidance (19 MiB, 2 passes, 1 lane);
// on this project's 2-core reference machine one hash takes about 8 ms (docs/performance.md,
// `npm run bench -- identity`). Stored hashes carry their parameters, so raising them later
// re-hashes each password at its owner's next login.
import { hash, verify } from '@node-rs/argon2';

export const ARGON2_PARAMS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

// Checked against when no account matches, so a login for an unknown address takes as long as
// one for a known address (no user enumeration by timing).
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword('tsunagu-dummy-password-for-timing');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

/** True when a stored hash was made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  if (!m) return true;
  return Number(m[1]) < ARGON2_PARAMS.memoryCost || Number(m[2]) < ARGON2_PARAMS.timeCost;
}

export type PasswordProblem = 'missing' | 'too_short' | 'too_long' | 'contains_email' | 'too_simple';

/**
 * Length matters most (NIST SP 800-63B §5.1.1.2): at least 10 characters, any characters at all
 * (spaces, kana, kanji). Refused besides: the e-mail address's local part, and a single repeated
 * character or a run like 1234567890.
 */
export function checkPassword(password: string, email: string): PasswordProblem | null {
  if (password === '') return 'missing';
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  const local = email.split('@')[0] ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local.toLowerCase())) return 'contains_email';
  if (new Set(password).size <= 2 || isRun(password)) return 'too_simple';
  return null;
}

function isRun(password: string): boolean {
  const codes = [...password].map((c) => c.codePointAt(0)!);
  const step = codes[1]! - codes[0]!;
  return Math.abs(step) === 1 && codes.every((c, i) => i === 0 || c - codes[i - 1]! === step);
}
