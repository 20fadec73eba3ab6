// 全国地方公共団体コード: five digits (two for the prefecture, three for the body) and a check
// digit. The check digit is computed from the five digits with weights 6,5,4,3,2: take the
// weighted sum modulo 11, subtract from 11, and keep the last digit (so 10 → 0 and 11 → 1).
export type LgCodeProblem = 'format' | 'check-digit';

export function lgCheckDigit(firstFive: string): number {
  const weights = [6, 5, 4, 3, 2];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(firstFive[i]), 0);
  return (11 - (sum % 11)) % 10;
}

export function checkLgCode(code: string): LgCodeProblem | null {
  if (!/^[0-9]{6}$/.test(code)) return 'format';
  if (lgCheckDigit(code.slice(0, 5)) !== Number(code[5])) return 'check-digit';
  const prefecture = Number(code.slice(0, 2));
  if (prefecture < 1 || prefecture > 47) return 'format';
  return null;
}

export function isPrefectureCode(code: string): boolean {
  return code.slice(2, 5) === '000';
}

/** The prefecture's own code for any code in it: 072036 (郡山市) → 070009 (福島県). */
export function prefectureCodeOf(code: string): string {
  const five = `${code.slice(0, 2)}000`;
  return `${five}${lgCheckDigit(five)}`;
}
