// 法人番号 (corporate number), as the National Tax Agency assigns it: 13 digits, the first a check
// digit (検査用数字) over the other 12 (the base number; for a registered company its 会社法人等番号).
//
// The rule is 法人番号の指定等に関する省令 (平成26年財務省令第70号) 第2条:
//   check digit = 9 − ((Σ n=1..12 of Pn × Qn) mod 9)
//   Pn: the n-th digit of the base number counted from its last (rightmost) digit
//   Qn: 1 when n is odd, 2 when n is even
// so the check digit is always 1–9 and a corporate number never starts with 0.
//
// What it catches: any single wrong digit and any swap of two neighbours, except a 0 ↔ 9 change
// (both are 0 mod 9). A valid check digit shows a number was copied without a typo, not that the
// corporation exists: that is what the issuer (GビズID, or the NTA's register) vouches for.

export type CorporateNumberProblem = 'not_13_digits' | 'check_digit';

const THIRTEEN_DIGITS = /^[0-9]{13}$/;

/** The check digit (1–9) for a 12-digit base number. */
export function corporateNumberCheckDigit(baseNumber: string): number {
  if (!/^[0-9]{12}$/.test(baseNumber)) throw new RangeError('A base number has exactly 12 digits');
  let sum = 0;
  for (let n = 1; n <= 12; n++) {
    const digit = Number(baseNumber[12 - n]);
    sum += digit * (n % 2 === 1 ? 1 : 2);
  }
  return 9 - (sum % 9);
}

/** What is wrong with a corporate number, or null when it is well formed with the right check digit. */
export function corporateNumberProblem(value: string): CorporateNumberProblem | null {
  if (!THIRTEEN_DIGITS.test(value)) return 'not_13_digits';
  return Number(value[0]) === corporateNumberCheckDigit(value.slice(1)) ? null : 'check_digit';
}

export function isValidCorporateNumber(value: unknown): value is string {
  return typeof value === 'string' && corporateNumberProblem(value) === null;
}
