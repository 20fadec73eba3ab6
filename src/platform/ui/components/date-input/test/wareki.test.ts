import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWareki, isCalendarDate, toHalfWidthDigits, toWareki, warekiHint, warekiOfYear } from '../wareki.js';

const JA = {
  eras: { meiji: '明治', taisho: '大正', showa: '昭和', heisei: '平成', reiwa: '令和' },
  year: '{era}{year}年',
  firstYear: '{era}元年',
  label: '和暦：{wareki}',
  either: '{first}または{second}',
};
const ja = (date: string) => {
  const w = toWareki(date);
  return w && formatWareki(w, JA);
};

describe('toWareki', () => {
  it('toWareki should give 平成2年 when the date is in 1990', () => {
    assert.deepEqual(toWareki({ year: 1990, month: 4, day: 1 }), { era: 'heisei', year: 2 });
    assert.equal(ja('1990-04-01'), '平成2年');
  });

  it('toWareki should change era exactly on each official first day', () => {
    const boundaries: Array<[string, string]> = [
      ['2019-04-30', '平成31年'],
      ['2019-05-01', '令和元年'],
      ['1989-01-07', '昭和64年'],
      ['1989-01-08', '平成元年'],
      ['1926-12-24', '大正15年'],
      ['1926-12-25', '昭和元年'],
      ['1912-07-29', '明治45年'],
      ['1912-07-30', '大正元年'],
      ['1868-01-25', '明治元年'],
    ];
    for (const [date, expected] of boundaries) assert.equal(ja(date), expected, date);
  });

  it('toWareki should count on through the years of an era when later', () => {
    assert.equal(ja('2020-01-01'), '令和2年');
    assert.equal(ja('2026-12-31'), '令和8年');
    assert.equal(ja('1988-12-31'), '昭和63年');
    assert.equal(ja('1945-08-15'), '昭和20年');
    assert.equal(ja('1900-01-01'), '明治33年');
  });

  it('toWareki should give nothing when the date is before Meiji or does not exist', () => {
    assert.equal(toWareki('1868-01-24'), undefined);
    assert.equal(toWareki('1800-06-01'), undefined);
    assert.equal(toWareki('2023-02-29'), undefined);
    assert.equal(toWareki('2019-13-01'), undefined);
    assert.equal(toWareki('2019-5-1'), undefined, 'ISO strings only');
    assert.deepEqual(toWareki('2024-02-29'), { era: 'reiwa', year: 6 });
  });

  it('formatWareki should write the first year as year 1 in English when given English words', () => {
    const en = { ...JA, eras: { ...JA.eras, reiwa: 'Reiwa' }, year: '{era} {year}', firstYear: '{era} 1' };
    assert.equal(formatWareki({ era: 'reiwa', year: 1 }, en), 'Reiwa 1');
    assert.equal(formatWareki({ era: 'reiwa', year: 7 }, en), 'Reiwa 7');
  });
});

describe('warekiOfYear and warekiHint', () => {
  it('warekiOfYear should give both eras when an era changed during the year', () => {
    assert.deepEqual(warekiOfYear(1990), [{ era: 'heisei', year: 2 }]);
    assert.deepEqual(warekiOfYear(1989), [{ era: 'showa', year: 64 }, { era: 'heisei', year: 1 }]);
    assert.deepEqual(warekiOfYear(2019), [{ era: 'heisei', year: 31 }, { era: 'reiwa', year: 1 }]);
    assert.deepEqual(warekiOfYear(1868), [{ era: 'meiji', year: 1 }]);
    assert.deepEqual(warekiOfYear(1867), []);
  });

  it('warekiHint should give the exact era when the whole date is typed', () => {
    assert.equal(warekiHint({ year: '1989', month: '1', day: '7' }, JA), '和暦：昭和64年');
    assert.equal(warekiHint({ year: '1989', month: '01', day: '08' }, JA), '和暦：平成元年');
  });

  it('warekiHint should give the eras of the year when only the year is typed or the date is wrong', () => {
    assert.equal(warekiHint({ year: '1990' }, JA), '和暦：平成2年');
    assert.equal(warekiHint({ year: '1989', month: '13', day: '8' }, JA), '和暦：昭和64年または平成元年');
  });

  it('warekiHint should read full-width digits when typed with a Japanese input method', () => {
    assert.equal(toHalfWidthDigits('１９９０'), '1990');
    assert.equal(warekiHint({ year: '１９９０', month: '４', day: '１' }, JA), '和暦：平成2年');
  });

  it('warekiHint should be empty when the year is not yet four digits or before Meiji', () => {
    assert.equal(warekiHint({ year: '199' }, JA), '');
    assert.equal(warekiHint({ year: '' }, JA), '');
    assert.equal(warekiHint({ year: 'abcd' }, JA), '');
    assert.equal(warekiHint({ year: '1850' }, JA), '');
  });

  it('isCalendarDate should know leap years when February 29 is asked', () => {
    assert.equal(isCalendarDate({ year: 2000, month: 2, day: 29 }), true);
    assert.equal(isCalendarDate({ year: 1900, month: 2, day: 29 }), false);
    assert.equal(isCalendarDate({ year: 2024, month: 4, day: 31 }), false);
  });
});
