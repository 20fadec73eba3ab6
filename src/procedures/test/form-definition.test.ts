// The checks a form definition passes before it is published: each problem a designer can make
// is refused with a message naming the page and field, and a sound definition passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDefinition } from '../forms/definition-validator.ts';
import { resolveDefinition, type Dictionary, type FormDefinition, type FormField } from '../forms/form-definition.ts';
import { patternRisk } from '../forms/safe-pattern.ts';

const L = (ja: string, en: string) => ({ ja, en });
const dictionary: Dictionary = new Map([
  ['full-name', { key: 'full-name', field: { type: 'text', label: L('氏名', 'Full name'), required: true, maxLength: 60 } }],
  ['household', { key: 'household', field: { type: 'group', label: L('世帯員', 'Household'), fields: [{ key: 'fullName', dictionary: 'full-name' }] } }],
]);
const form = (...pages: Array<{ id: string; fields: FormField[]; showIf?: { field: string; equals?: string } }>): FormDefinition => ({ title: L('テスト', 'Test'), pages });
const text = (key: string, extra: Partial<FormField> = {}): FormField => ({ key, type: 'text', label: L(key, key), ...extra });
const problems = (d: FormDefinition) => validateDefinition(d, dictionary);
const only = (d: FormDefinition) => {
  const found = problems(d);
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0]!;
};

describe('validateDefinition', () => {
  it('should accept a sound form with dictionary fields, a group and conditions', () => {
    const d = form(
      { id: 'you', fields: [{ key: 'name', dictionary: 'full-name' }, { key: 'hasKids', type: 'radio', label: L('子', 'Kids'), options: [{ value: 'yes', label: L('はい', 'Yes') }, { value: 'no', label: L('いいえ', 'No') }] }] },
      { id: 'kids', showIf: { field: 'hasKids', equals: 'yes' }, fields: [{ key: 'members', dictionary: 'household', minItems: 1, maxItems: 5 }, text('note', { showIf: { field: 'name' } })] },
    );
    assert.deepEqual(problems(d), []);
    const resolved = resolveDefinition(d, dictionary);
    assert.equal(resolved.pages[1]!.fields[0]!.fields![0]!.label.ja, '氏名', 'the group’s dictionary fields are resolved too');
    assert.equal(resolved.pages[1]!.fields[0]!.maxItems, 5, 'the form’s settings win over the dictionary’s');
  });

  it('should refuse duplicate keys, naming the page and field in both languages', () => {
    const p = only(form({ id: 'one', fields: [text('name')] }, { id: 'two', fields: [text('name')] }));
    assert.equal(p.name, '/pages/1/fields/0/key');
    assert.match(p.detail.ja, /ページ「two」の項目「name」: キーが重複しています/);
    assert.match(p.detail.en, /Page "two", field "name": the key is used twice/);
  });

  it('should refuse an unknown field type and an unknown dictionary entry', () => {
    assert.match(only(form({ id: 'a', fields: [{ key: 'x', type: 'colour', label: L('色', 'Colour') }] })).detail.ja, /種類「colour」はありません/);
    const p = only(form({ id: 'a', fields: [{ key: 'x', dictionary: 'shoe-size', type: 'text', label: L('靴', 'Shoe') }] }));
    assert.equal(p.name, '/pages/0/fields/0/dictionary');
    assert.match(p.detail.en, /no entry "shoe-size"/);
  });

  it('should refuse conditions on unknown fields, on later fields, and in cycles', () => {
    assert.match(only(form({ id: 'a', fields: [text('x', { showIf: { field: 'nope' } })] })).detail.ja, /ない項目「nope」/);
    const later = only(form({ id: 'a', showIf: { field: 'y' }, fields: [text('y')] }));
    assert.equal(later.name, '/pages/0/showIf/field');
    assert.match(later.detail.en, /Page "a" must be shown on a condition on an earlier field/);
    const cycle = problems(form({ id: 'a', fields: [text('x', { showIf: { field: 'y' } }), text('y', { showIf: { field: 'x' } })] }));
    assert.equal(cycle.length, 1, JSON.stringify(cycle));
    assert.match(cycle[0]!.detail.ja, /表示条件が循環しています: x → y → x/);
    assert.match(only(form({ id: 'a', fields: [text('x', { showIf: { field: 'x' } })] })).detail.ja, /循環しています: x → x/);
  });

  it('should refuse invalid and catastrophic patterns', () => {
    assert.match(only(form({ id: 'a', fields: [text('x', { pattern: '([a-z' })] })).detail.en, /not a valid regular expression/);
    for (const pattern of ['(a+)+$', '(a|aa)*', '([0-9]*)*', '(x+x+)+y', '(a)\\1']) {
      assert.equal(patternRisk(pattern), 'unsafe', pattern);
    }
    for (const pattern of ['[0-9]{3}-[0-9]{4}', '[A-Z]{2}[0-9]+', '(ab)?c+', '(?:東|西)町']) assert.equal(patternRisk(pattern), 'ok', pattern);
    assert.match(only(form({ id: 'a', fields: [text('x', { pattern: '(a+)+$' })] })).detail.ja, /時間がかかるおそれ/);
  });

  it('should refuse ranges with min above max, empty pages, deep groups and choices without options', () => {
    assert.match(only(form({ id: 'a', fields: [{ key: 'n', type: 'number', label: L('数', 'N'), min: 10, max: 1 }] })).detail.ja, /最小値が最大値より大きく/);
    assert.match(only(form({ id: 'a', fields: [{ key: 'd', type: 'date', label: L('日', 'D'), min: '2025-01-01', max: '2024-01-01' }] })).detail.en, /minimum is greater than the maximum/);
    assert.match(only(form({ id: 'a', fields: [text('t', { minLength: 5, maxLength: 2 })] })).detail.ja, /最小文字数が最大文字数より大きく/);
    assert.match(only(form({ id: 'empty', fields: [] })).detail.ja, /ページ「empty」に項目が一つもありません/);
    const deep = only(form({ id: 'a', fields: [{ key: 'g', type: 'group', label: L('群', 'G'), fields: [{ key: 'h', type: 'group', label: L('群2', 'H'), fields: [text('x')] }] }] }));
    assert.match(deep.detail.ja, /繰り返しの中に繰り返しは入れられません/);
    assert.equal(deep.name, '/pages/0/fields/0/fields/0/type');
    assert.match(only(form({ id: 'a', fields: [{ key: 'c', type: 'radio', label: L('選', 'C') }] })).detail.en, /has no options/);
    assert.match(only(form()).detail.ja, /ページが一つもありません/);
  });
});
