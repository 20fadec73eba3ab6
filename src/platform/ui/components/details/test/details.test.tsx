import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Details } from '../details.tsx';

describe('Details', () => {
  it('Details should use the native details element, closed unless open is set', () => {
    const closed = one(renderDom(<Details summary="必要な書類">本人確認書類</Details>), 'details');
    assert.equal(closed.hasAttribute('open'), false);
    assert.equal(one(closed, 'summary').text, '必要な書類');
    assert.ok(one(renderDom(<Details summary="s" open>x</Details>), 'details').hasAttribute('open'));
  });
});
