import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { InsetText } from '../inset-text.tsx';

describe('InsetText', () => {
  it('InsetText should wrap its content in the inset block when rendered', () => {
    const inset = one(renderDom(<InsetText>窓口でもできます</InsetText>), '.inset-text');
    assert.equal(inset.text, '窓口でもできます');
  });
});
