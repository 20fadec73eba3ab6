import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Panel } from '../panel.tsx';

describe('Panel', () => {
  it('Panel should make its title the h1 by default and show the receipt number in its body', () => {
    const root = renderDom(
      <Panel title="申請を受け付けました">
        受付番号<strong>TSN-2026-000123</strong>
      </Panel>,
    );
    assert.equal(one(root, 'h1.panel__title').text, '申請を受け付けました');
    assert.equal(one(root, '.panel__body strong').text, 'TSN-2026-000123');
    assert.equal(renderDom(<Panel title="x" headingLevel={2} />).querySelectorAll('h2').length, 1);
  });
});
