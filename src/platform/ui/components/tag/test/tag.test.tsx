import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Tag } from '../tag.tsx';

describe('Tag', () => {
  it('Tag should carry its words and a tone class, neutral by default', () => {
    assert.equal(one(renderDom(<Tag>下書き</Tag>), 'strong').getAttribute('class'), 'tag tag--neutral');
    const tag = one(renderDom(<Tag tone="warning">差し戻し</Tag>), 'strong');
    assert.equal(tag.getAttribute('class'), 'tag tag--warning');
    assert.equal(tag.text, '差し戻し');
  });
});
