import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { WarningText } from '../warning-text.tsx';

describe('WarningText', () => {
  it('WarningText should hide the icon and say 「警告：」 to screen readers instead', () => {
    const root = renderDom(<WarningText>期限を過ぎると受け付けられません</WarningText>);
    assert.equal(one(root, '.warning-text__icon').getAttribute('aria-hidden'), 'true');
    assert.equal(one(root, 'strong').text, '警告：期限を過ぎると受け付けられません');
    assert.equal(one(renderDom(<WarningText>Late</WarningText>, 'en'), 'strong .visually-hidden').text, 'Warning: ');
  });
});
