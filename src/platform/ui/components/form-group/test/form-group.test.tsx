import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { ErrorMessage, Hint, Label, describedBy, fieldDescription } from '../form-group.tsx';
import { choiceIds } from '../choice-items.tsx';

describe('form-group parts', () => {
  it('describedBy should drop empty ids and give undefined when none are left', () => {
    assert.equal(describedBy('a', undefined, false, '', 'b'), 'a b');
    assert.equal(describedBy(undefined, false), undefined);
  });

  it('fieldDescription should list extra ids, then hint, then error when all are present', () => {
    assert.equal(fieldDescription('x', { describedBy: 'extra', hint: 'h', errorMessage: 'e' }), 'extra x-hint x-error');
    assert.equal(fieldDescription('x', { hint: 'h' }), 'x-hint');
    assert.equal(fieldDescription('x', { errorMessage: '' }), undefined, 'an empty message is no error');
  });

  it('choiceIds should give the first choice the question id and skip dividers when counting', () => {
    assert.deepEqual(choiceIds('q', [{ value: 'a', text: 'A' }, { divider: true }, { value: 'b', text: 'B' }]), ['q', 'q-2']);
  });

  it('Label, Hint and ErrorMessage should render the markup fields share when used on their own', () => {
    const root = renderDom(
      <div>
        <Label htmlFor="x" size="m">
          質問
        </Label>
        <Hint id="x-hint">ヒント</Hint>
        <ErrorMessage id="x-error">誤り</ErrorMessage>
      </div>,
    );
    assert.equal(one(root, 'label').getAttribute('class'), 'label label--m');
    assert.equal(one(root, '#x-hint').text, 'ヒント');
    assert.equal(one(root, '#x-error').text, 'エラー：誤り');
  });
});
