import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Select } from '../select.tsx';
import { selectExamples } from '../examples.ts';

describe('Select', () => {
  it('Select should mark the chosen option and tie the label when rendered with a value', () => {
    const root = renderDom(<Select {...selectExamples.default} />);
    assert.equal(one(root, 'label').getAttribute('for'), 'municipality');
    assert.equal(one(root, 'select').getAttribute('id'), 'municipality');
    const selected = root.querySelectorAll('option').filter((o) => o.hasAttribute('selected'));
    assert.deepEqual(selected.map((o) => o.text), ['郡山市']);
  });

  it('Select should be described by its error when validation failed', () => {
    const root = renderDom(<Select {...selectExamples['with an error']} />);
    assert.equal(one(root, 'select').getAttribute('aria-describedby'), 'workplace-error');
    assert.ok(one(root, 'select').classList.contains('select--error'));
  });
});
