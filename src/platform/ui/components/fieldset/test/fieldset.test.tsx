import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Fieldset } from '../fieldset.tsx';

describe('Fieldset', () => {
  it('Fieldset should hold the legend as its first child and the h1 inside it when isPageHeading', () => {
    const root = renderDom(
      <Fieldset legend="新しい住所" isPageHeading describedBy="address-hint">
        <p id="address-hint">番地まで</p>
      </Fieldset>,
    );
    const fieldset = one(root, 'fieldset');
    assert.match(fieldset.toString(), /^<fieldset[^>]*><legend/, 'the legend comes first');
    assert.equal(one(root, 'legend > h1').text, '新しい住所');
    assert.equal(fieldset.getAttribute('aria-describedby'), 'address-hint');
    assert.ok(one(root, 'legend').classList.contains('fieldset__legend--l'));
  });

  it('Fieldset should have no heading and no aria-describedby when not asked for', () => {
    const root = renderDom(<Fieldset legend="住所">x</Fieldset>);
    assert.equal(root.querySelectorAll('h1').length, 0);
    assert.equal(one(root, 'fieldset').hasAttribute('aria-describedby'), false);
  });
});
