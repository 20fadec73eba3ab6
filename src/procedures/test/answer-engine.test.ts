// The answer engine: what a resident types is normalised (full-width digits, half-width kana,
// 和暦 years, postcodes and phone numbers in any common writing), checked against the field's
// rules with a message naming the field, and hidden fields are skipped and dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateAnswers } from '../forms/answer-engine.ts';
import { normaliseKana, normalisePhone, normalisePostalCode, readDateText, readYear } from '../forms/answer-normalise.ts';
import type { ResolvedDefinition, ResolvedField } from '../forms/form-definition.ts';

const L = (ja: string, en: string) => ({ ja, en });
const yesNo = [{ value: 'yes', label: L('はい', 'Yes') }, { value: 'no', label: L('いいえ', 'No') }];
const fields: ResolvedField[] = [
  { key: 'name', type: 'text', label: L('氏名', 'Full name'), required: true, maxLength: 10 },
  { key: 'kana', type: 'kana', label: L('氏名（フリガナ）', 'Name in katakana'), required: true },
  { key: 'born', type: 'date', label: L('生年月日', 'Date of birth'), required: true, max: 'today' },
  { key: 'home', type: 'address', label: L('住所', 'Address'), required: true },
  { key: 'tel', type: 'phone', label: L('電話番号', 'Phone'), required: true },
  { key: 'mail', type: 'email', label: L('メール', 'Email') },
  { key: 'kids', type: 'number', label: L('子の人数', 'Children'), integer: true, min: 0, max: 20 },
  { key: 'hasCar', type: 'radio', label: L('自動車', 'Car'), required: true, options: yesNo },
  { key: 'plate', type: 'text', label: L('ナンバー', 'Plate'), required: true, showIf: { field: 'hasCar', equals: 'yes' } },
  { key: 'code', type: 'text', label: L('番号', 'Code'), pattern: '[A-Z]{2}[0-9]{3}' },
  { key: 'agree', type: 'declaration', label: L('記載内容に誤りはありません', 'The above is true') },
];
const definition: ResolvedDefinition = {
  title: L('テスト', 'Test'),
  pages: [
    { id: 'main', fields },
    {
      id: 'family',
      showIf: { field: 'kids' },
      fields: [{ key: 'members', type: 'group', label: L('子', 'Children'), minItems: 1, maxItems: 3, fields: [{ key: 'name', type: 'text', label: L('子の氏名', 'Child’s name'), required: true }] }],
    },
  ],
};
const good = { name: ' 髙橋　𠮷子 ', kana: 'ﾀｶﾊｼ ﾖｼｺ', 'born-year': '平成２', 'born-month': '４', 'born-day': '１', 'home-postcode': '９６５ー０８７２', 'home-address': '会津若松市東栄町3-46', tel: '０２４２（３９）１１１１', hasCar: 'no', agree: 'yes' };
const check = (values: Record<string, string | string[]>, pages?: string[]) => validateAnswers(definition, values, { today: '2026-12-03', pages });

describe('validateAnswers', () => {
  it('should normalise what was typed: kana, full-width digits, 和暦 years, postcodes and phones; names kept exactly', () => {
    const result = check(good);
    assert.deepEqual(result.errors, {});
    assert.equal(result.values.name, '髙橋　𠮷子', 'rare kanji and the full-width space kept as typed');
    assert.equal(result.values.kana, 'タカハシ　ヨシコ');
    assert.equal(result.values.born, '1990-04-01');
    assert.deepEqual(result.values.home, { postalCode: '965-0872', address: '会津若松市東栄町3-46' });
    assert.equal(result.values.tel, '0242391111');
    assert.equal(result.values.agree, true);
    assert.deepEqual(result.visiblePages, ['main'], 'the family page is hidden without children');
  });

  it('should take a patterned answer typed in full-width letters and digits, stored in ASCII', () => {
    assert.equal(check({ ...good, code: 'ＡＢ１２３' }).values.code, 'AB123');
    assert.equal(check({ ...good, code: 'AB123' }).values.code, 'AB123');
    assert.match(check({ ...good, code: 'ＡＢ１２' }).errors.code!.message.ja, /形式が正しくありません/);
  });

  it('should report every problem with the field’s name in Japanese and English, in page order', () => {
    const result = check({ kana: '山田', 'born-year': '1990', 'born-month': '2', 'born-day': '30', 'home-postcode': '12345', tel: '12345', mail: 'nope', kids: '1.5', hasCar: 'maybe', code: 'ab123' });
    assert.deepEqual(Object.keys(result.errors), ['name', 'kana', 'born', 'home', 'tel', 'mail', 'kids', 'hasCar', 'code', 'agree']);
    assert.equal(result.errors.name!.message.ja, '「氏名」を入力してください');
    assert.equal(result.errors.name!.message.en, 'Enter Full name');
    assert.match(result.errors.kana!.message.ja, /カタカナで入力/);
    assert.deepEqual(result.errors.born!.parts, ['day'], '2月30日: the day is what to fix');
    assert.equal(result.errors.home!.anchor, 'home-postcode');
    assert.match(result.errors.tel!.message.en, /10 or 11 digits/);
    assert.match(result.errors.kids!.message.ja, /整数/);
    assert.match(result.errors.hasCar!.message.ja, /一覧から選んで/);
    assert.match(result.errors.code!.message.ja, /形式が正しくありません/);
    assert.match(result.errors.agree!.message.ja, /チェックを入れてください/);
  });

  it('should check dates: missing boxes named, future birth dates refused, whole dates in 和暦 read', () => {
    assert.match(check({ ...good, 'born-year': '', 'born-day': '' }).errors.born!.message.ja, /「生年月日」の年と日を入力/);
    assert.deepEqual(check({ ...good, 'born-year': '', 'born-day': '' }).errors.born!.parts, ['year', 'day']);
    assert.match(check({ ...good, 'born-year': '2030' }).errors.born!.message.ja, /今日以前/);
    assert.deepEqual(readDateText('令和6年4月1日'), { year: 2024, month: 4, day: 1 });
    assert.deepEqual(readDateText('R6.4.1'), { year: 2024, month: 4, day: 1 });
    assert.deepEqual(readDateText('２０２４/４/１'), { year: 2024, month: 4, day: 1 });
    assert.equal(readDateText('令和6年2月30日'), undefined);
    assert.equal(readYear('令和元'), 2019);
    assert.equal(readYear('S64'), 1989);
    assert.equal(readYear('平成'), undefined);
    const { born, ...withoutParts } = { ...good, born: '平成2年4月1日' };
    assert.equal(check({ ...withoutParts, born, 'born-year': '', 'born-month': '', 'born-day': '' }).values.born, '1990-04-01');
  });

  it('should skip hidden fields and pages, and check them once shown', () => {
    const hidden = check({ ...good, plate: 'leftover' });
    assert.equal(hidden.values.plate, undefined, 'an answer to a hidden question is dropped');
    assert.match(check({ ...good, hasCar: 'yes' }).errors.plate!.message.ja, /「ナンバー」を入力/);
    const family = check({ ...good, kids: '２', 'members-count': '2', 'members-0-name': '太郎' });
    assert.deepEqual(family.visiblePages, ['main', 'family']);
    assert.deepEqual(Object.keys(family.errors), ['members-1-name']);
    assert.deepEqual(check({ ...good, kids: '2', 'members-count': '1', 'members-0-name': '太郎' }).values.members, [{ name: '太郎' }]);
  });

  it('should report only the pages asked for, while conditions still see earlier answers', () => {
    const result = check({ kids: '1', 'members-count': '1' }, ['family']);
    assert.deepEqual(Object.keys(result.errors), ['members-0-name']);
  });

  it('should refuse an over-long answer instead of cutting it, before any pattern runs', () => {
    const result = check({ ...good, code: 'A'.repeat(1001) });
    assert.match(result.errors.code!.message.ja, /「番号」は1000文字以内/);
    assert.equal(result.values.code, undefined);
  });

  it('should read postcodes and phone numbers in their usual writings', () => {
    assert.equal(normalisePostalCode('〒963-8601'), '963-8601');
    assert.equal(normalisePostalCode('963860'), undefined);
    assert.equal(normalisePhone('+81-24-924-2111'), '0249242111');
    assert.equal(normalisePhone('090-1234-5678'), '09012345678');
    assert.equal(normalisePhone('1234'), undefined);
    assert.equal(normaliseKana('やまだ　たろう'), 'ヤマダ　タロウ');
  });
});
