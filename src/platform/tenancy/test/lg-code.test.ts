import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLgCode, isPrefectureCode, lgCheckDigit, prefectureCodeOf } from '../lg-code.ts';

describe('local government codes (lg-code)', () => {
  it('checkLgCode should accept real codes when the check digit is right', () => {
    // 福島県, 福島市, 郡山市, 宮城県, 仙台市, 石巻市, 塩竈市
    for (const code of ['070009', '072010', '072036', '040002', '041009', '042021', '042030']) {
      assert.equal(checkLgCode(code), null, code);
    }
  });

  it('checkLgCode should report the check digit when one digit is wrong', () => {
    assert.equal(checkLgCode('072011'), 'check-digit');
    assert.equal(checkLgCode('072037'), 'check-digit');
  });

  it('checkLgCode should report the format when the code is not six digits or names no prefecture', () => {
    for (const code of ['', '07201', '0720100', '07201a', '０７２０１０', ' 72010']) assert.equal(checkLgCode(code), 'format', code);
    // Well-formed with a right check digit, but prefectures are numbered 01 to 47.
    assert.equal(checkLgCode(`00000${lgCheckDigit('00000')}`), 'format');
    assert.equal(checkLgCode(`48000${lgCheckDigit('48000')}`), 'format');
  });

  it('lgCheckDigit should give 1 when the weighted sum is a multiple of 11 (11 - 0 = 11, last digit 1)', () => {
    // 泉崎村 074641: 0·6 + 7·5 + 4·4 + 6·3 + 4·2 = 77 = 7·11
    assert.equal(lgCheckDigit('07464'), 1);
    assert.equal(checkLgCode('074641'), null);
    assert.equal(checkLgCode('074640'), 'check-digit');
  });

  it('lgCheckDigit should give 0 when the weighted sum leaves 1 (11 - 1 = 10, last digit 0)', () => {
    // 福島市 072010: 0·6 + 7·5 + 2·4 + 0·3 + 1·2 = 45 = 4·11 + 1
    assert.equal(lgCheckDigit('07201'), 0);
    assert.equal(checkLgCode('072010'), null);
  });

  it('lgCheckDigit should give 1 when the weighted sum leaves 10', () => {
    // 本宮市 072141: 35 + 8 + 3 + 8 = 54 = 4·11 + 10
    assert.equal(lgCheckDigit('07214'), 1);
  });

  it('prefectureCodeOf should give the prefecture of any municipality, with its check digit', () => {
    assert.equal(prefectureCodeOf('072036'), '070009');
    assert.equal(prefectureCodeOf('042021'), '040002');
    assert.ok(isPrefectureCode('040002'));
    assert.ok(!isPrefectureCode('041009'));
  });
});
