// E-mail addresses as the common ID's login name. One normal form for lookups (the blind index
// is taken over it), so "Hanako@Example.JP " and "hanako@example.jp" are one account.
export const EMAIL_MAX_LENGTH = 254;

// Deliberately simple: a local part, one @, a domain with a dot. The verification mail is the
// real test of an address; this only catches typing mistakes early with a clear message.
const SHAPE = /^[^\s@"<>(),;:\\[\]]+@[^\s@"<>(),;:\\[\]]+\.[^\s@"<>(),;:\\[\].]{2,}$/;

export function normaliseEmail(raw: string): string {
  // Full-width characters typed with a Japanese IME (＠, ．, Ａ) become their ASCII forms.
  return raw.normalize('NFKC').trim().toLowerCase();
}

export type EmailProblem = 'missing' | 'too_long' | 'shape';

export function checkEmail(normalised: string): EmailProblem | null {
  if (normalised === '') return 'missing';
  if (normalised.length > EMAIL_MAX_LENGTH) return 'too_long';
  if (!SHAPE.test(normalised)) return 'shape';
  return null;
}
