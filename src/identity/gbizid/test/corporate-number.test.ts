// The 法人番号 check digit (財務省令第70号 第2条) against numbers published with their check digits,
// and the typing mistakes it is meant to catch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corporateNumberCheckDigit, corporateNumberProblem, isValidCorporateNumber } from '../corporate-number.ts';

// Published examples: the worked example in an explanation of the ministerial ordinance
// (7123456789012: sum 74, 74 mod 9 = 2, 9 − 2 = 7), and two companies' numbers quoted with their
// check digits in articles on the rule (4011001098993, 2120901007402).
const VALID = ['7123456789012', '4011001098993', '2120901007402'];

describe('corporate number (法人番号)', () => {
  it('corporateNumberCheckDigit should compute the published check digits when given the base number', () => {
    for (const number of VALID) assert.equal(corporateNumberCheckDigit(number.slice(1)), Number(number[0]), number);
  });

  it('corporateNumberCheckDigit should follow the worked example step by step', () => {
    // Base 123456789012 from the right: 2·1 + 1·2 + 0·1 + 9·2 + 8·1 + 7·2 + 6·1 + 5·2 + 4·1 + 3·2 + 2·1 + 1·2 = 74.
    assert.equal(corporateNumberCheckDigit('123456789012'), 9 - (74 % 9));
  });

  it('corporateNumberProblem should accept the published numbers', () => {
    for (const number of VALID) {
      assert.equal(corporateNumberProblem(number), null, number);
      assert.ok(isValidCorporateNumber(number));
    }
  });

  it('corporateNumberProblem should refuse every single-digit typo when the digit is not 0 ↔ 9', () => {
    for (const number of VALID) {
      for (let position = 0; position < 13; position++) {
        for (let digit = 0; digit <= 9; digit++) {
          const original = Number(number[position]);
          if (digit === original || Math.abs(digit - original) === 9) continue;
          const typo = `${number.slice(0, position)}${digit}${number.slice(position + 1)}`;
          assert.notEqual(corporateNumberProblem(typo), null, `${typo} (position ${position + 1}) should be refused`);
        }
      }
    }
  });

  it('corporateNumberProblem should refuse two neighbouring digits swapped when they differ by other than 9', () => {
    assert.equal(corporateNumberProblem('4010101098993'), 'check_digit'); // 4011001… with "10" → "01"
    assert.equal(corporateNumberProblem('2120901004702'), 'check_digit'); // …007402 with "74" → "47"
    assert.equal(corporateNumberProblem('1723456789012'), 'check_digit'); // check digit swapped with the next digit
  });

  it('corporateNumberProblem should let a 0 ↔ 9 change through, which is why the issuer still vouches for the number', () => {
    // The known blind spot of a mod-9 check: 9 and 0 weigh the same.
    assert.equal(corporateNumberProblem('7123456789912'), null);
    assert.notEqual('7123456789912', '7123456789012');
  });

  it('corporateNumberProblem should refuse a value when it is not 13 half-width digits', () => {
    for (const value of ['', '712345678901', '71234567890123', '7123-4567-8901', '７１２３４５６７８９０１２', ' 7123456789012', '712345678901x']) {
      assert.equal(corporateNumberProblem(value), 'not_13_digits', JSON.stringify(value));
    }
    assert.equal(isValidCorporateNumber(7123456789012), false, 'a number, not a string');
  });

  it('corporateNumberProblem should refuse a leading 0 when the rest is any base number', () => {
    // The check digit is 1–9, so no corporate number starts with 0.
    assert.equal(corporateNumberProblem('0123456789012'), 'check_digit');
  });
});
