// Which answer is the applicant's name (on staff lists, in name search and on the issued decision):
// the field the form links to the dictionary's 氏名, whatever the form calls it. An imported paper
// form calling it `name` once left the decision without an addressee and refused the approval.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResolvedDefinition } from '../forms/form-definition.ts';
import { applicantKanaOf, applicantNameOf } from '../workflow/work-store.ts';

const imported = {
  pages: [
    { id: 'applicant', fields: [{ key: 'name', type: 'text', dictionary: 'full-name' }, { key: 'kana', type: 'kana', dictionary: 'full-name-kana' }] },
    { id: 'child', fields: [{ key: 'childName', type: 'text' }] },
  ],
} as unknown as ResolvedDefinition;

describe('the applicant’s name', () => {
  it('is the answer to the field linked to 氏名, whatever its key', () => {
    const own = { values: {}, answers: { name: '郡山　花子', kana: 'コオリヤマ ハナコ', childName: '郡山一朗' } };
    assert.equal(applicantNameOf(own, imported), '郡山　花子');
    assert.equal(applicantKanaOf(own, imported), 'コオリヤマ ハナコ');
  });

  it('falls back to the dictionary’s own key when the form has no such field or is not known', () => {
    const own = { values: {}, answers: { fullName: '會津　花子', fullNameKana: 'アイヅ ハナコ' } };
    assert.equal(applicantNameOf(own), '會津　花子');
    assert.equal(applicantKanaOf(own, imported), 'アイヅ ハナコ', 'the linked field unanswered');
    assert.equal(applicantNameOf({ values: { fullName: '下書き　花子' } }), '下書き　花子');
    assert.equal(applicantNameOf({ values: {}, answers: { name: 42 } } as never, imported), '');
  });
});
