// Field lists: a paper form typed into a spreadsheet becomes a draft definition, with quoted
// cells, groups and conditions read as a designer means them, and problems naming the line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateAnswers } from '../forms/answer-engine.ts';
import { definitionFromRows, FieldListError, fieldListCsv, parseFieldListCsv } from '../forms/field-list.ts';
import { resolveDefinition } from '../forms/form-definition.ts';

const L = (ja: string, en: string) => ({ ja, en });
const csv = [
  '\uFEFFkey,type,label_ja,label_en,required,options,group,show_if,max_length,page',
  'members,group,"世帯員, 同居の家族",Household,,,,,,family',
  'name,text,氏名,Name,yes,,members,,20,',
  'pet,radio,ペット,Pet,必須,dog=犬/Dog|cat=猫/Cat|none=なし/None,,,,',
  'petName,text,名前,Pet’s name,,,,pet=dog|cat,,',
  'long,text,"長い ""説明""",Long,任意,,,,2000,',
].join('\r\n');

describe('field lists', () => {
  it('parseFieldListCsv and definitionFromRows should read quoting, groups, pages and several condition values', () => {
    const definition = definitionFromRows(parseFieldListCsv(csv), L('テスト', 'Test'));
    assert.deepEqual(definition.pages.map((p) => p.id), ['family', 'pet', 'pet-name', 'long']);
    const group = definition.pages[0]!.fields[0]!;
    assert.equal(group.label!.ja, '世帯員, 同居の家族');
    assert.deepEqual(group.fields!.map((f) => [f.key, f.required, f.maxLength]), [['name', true, 20]]);
    assert.deepEqual(definition.pages[2]!.fields[0]!.showIf, { field: 'pet', equals: ['dog', 'cat'] });
    assert.equal(definition.pages[3]!.fields[0]!.label!.ja, '長い "説明"');
    assert.equal(definition.pages[3]!.fields[0]!.required, false);
    // What was imported behaves: the pet's name is asked only for a dog or a cat.
    const resolved = resolveDefinition(definition, new Map());
    const answers = { 'members-count': '1', 'members-0-name': '花子', pet: 'none', petName: 'ポチ' };
    assert.deepEqual(validateAnswers(resolved, answers, { today: '2026-12-03' }).values.petName, undefined);
    assert.equal(validateAnswers(resolved, { ...answers, pet: 'cat' }, { today: '2026-12-03' }).values.petName, 'ポチ');
  });

  it('fieldListCsv should write what definitionFromRows reads back unchanged', () => {
    const definition = definitionFromRows(parseFieldListCsv(csv), L('テスト', 'Test'));
    assert.deepEqual(definitionFromRows(parseFieldListCsv(fieldListCsv(definition)), L('テスト', 'Test')), definition);
  });

  it('should name the line and column of each problem', () => {
    const problems = (text: string) => {
      try {
        definitionFromRows(parseFieldListCsv(text), L('t', 't'));
      } catch (e) {
        if (e instanceof FieldListError) return e.problems.map((p) => p.detail.ja);
        throw e;
      }
      return [];
    };
    assert.deepEqual(problems('key,required,label_ja\nname,maybe,氏名\n'), ['2行目の「label_ja」: 日本語と英語の両方が必要です', '2行目の「required」: 「必須」か「任意」（true/false）にしてください']);
    assert.match(problems('key,group\nchild,kids\n')[0]!, /2行目の「group」: 繰り返し「kids」が、この行より前にありません/);
    assert.match(problems('key,max_length\nname,ten\n')[0]!, /0以上の整数/);
    assert.match(problems('key,type\n"unclosed,text\n')[0]!, /CSVとして読めません/);
    assert.match(problems('key\n')[0]!, /1行から500行まで/);
  });
});
