import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Table } from '../table.tsx';
import { tableExamples } from '../examples.ts';

describe('Table', () => {
  it('Table should have a caption and scoped header cells when rendered', () => {
    const root = renderDom(<Table {...tableExamples['applications per month']} />);
    assert.equal(one(root, 'caption').text, '月別の申請件数');
    assert.deepEqual(root.querySelectorAll('thead th').map((th) => th.getAttribute('scope')), ['col', 'col', 'col', 'col']);
    assert.deepEqual(root.querySelectorAll('tbody th').map((th) => [th.getAttribute('scope'), th.text]), [
      ['row', '2026年4月'],
      ['row', '2026年5月'],
      ['row', '2026年6月'],
    ]);
  });

  it('Table should scroll in a focusable region named by its caption when it is wide', () => {
    const root = renderDom(<Table {...tableExamples['applications per month']} />);
    const region = one(root, '.table-wrapper');
    assert.equal(region.getAttribute('role'), 'region');
    assert.equal(region.getAttribute('tabindex'), '0');
    assert.equal(one(root, `#${region.getAttribute('aria-labelledby')}`).tagName, 'CAPTION');
  });

  it('Table should right-align numbers and write them with separators when cells are numbers', () => {
    const root = renderDom(<Table {...tableExamples['applications per month']} />);
    const first = root.querySelectorAll('tbody tr')[0]!.querySelectorAll('td');
    assert.equal(first[0]!.text, '1,204');
    assert.ok(first[0]!.classList.contains('table__cell--numeric'));
  });
});
