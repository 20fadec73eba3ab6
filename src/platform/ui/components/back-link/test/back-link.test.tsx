import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { BackLink } from '../back-link.tsx';

describe('BackLink', () => {
  it('BackLink should link to the previous step with 「戻る」 by default and "Back" in English', () => {
    const ja = one(renderDom(<BackLink href="/procedures/moving/address" />), 'a');
    assert.equal(ja.getAttribute('href'), '/procedures/moving/address');
    assert.equal(ja.text, '戻る');
    assert.equal(one(renderDom(<BackLink href="/x" />, 'en'), 'a').text, 'Back');
    assert.equal(one(renderDom(<BackLink href="/x" text="一覧へ戻る" />), 'a').text, '一覧へ戻る');
  });
});
