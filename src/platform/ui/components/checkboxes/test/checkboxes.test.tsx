import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom } from '../../../test/component-html.tsx';
import { Checkboxes } from '../checkboxes.tsx';
import { checkboxesExamples } from '../examples.ts';

describe('Checkboxes', () => {
  it('Checkboxes should check every value given and share one name when re-rendered', () => {
    const root = renderDom(<Checkboxes {...checkboxesExamples['with an exclusive choice']} />);
    const inputs = root.querySelectorAll('input[type="checkbox"]');
    assert.deepEqual(inputs.map((i) => i.getAttribute('id')), ['documents', 'documents-2', 'documents-3', 'documents-4']);
    assert.deepEqual(inputs.filter((i) => i.hasAttribute('checked')).map((i) => i.getAttribute('value')), ['mynumber', 'license']);
    assert.ok(inputs.every((i) => i.getAttribute('name') === 'documents'));
    assert.equal(one(root, '#documents-4').getAttribute('data-exclusive'), 'true');
    assert.equal(one(root, 'legend').text, 'お持ちの本人確認書類');
  });

  it('Checkboxes should describe the group by its error and the item by its hint when both exist', () => {
    const root = renderDom(<Checkboxes {...checkboxesExamples['small, with an error']} />);
    assert.deepEqual(description(root, one(root, 'fieldset')), ['エラー：利用規約に同意してください']);
    const passport = one(renderDom(<Checkboxes {...checkboxesExamples['with an exclusive choice']} />), '#documents-3');
    assert.equal(passport.getAttribute('aria-describedby'), 'documents-3-item-hint');
  });

  it('Checkboxes should say "or" between choices when the page is in English', () => {
    const root = renderDom(<Checkboxes {...checkboxesExamples['with an exclusive choice']} />, 'en');
    assert.equal(one(root, '.checkboxes__divider').text, 'or');
  });
});
