import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { SummaryList } from '../summary-list.tsx';
import { summaryListExamples } from '../examples.ts';

describe('SummaryList', () => {
  it('SummaryList should pair each question and answer as dt and dd when rendered', () => {
    const root = renderDom(<SummaryList {...summaryListExamples['check your answers']} />);
    const rows = root.querySelectorAll('dl > div');
    assert.equal(rows.length, 4);
    assert.equal(one(rows[0]!, 'dt').text, '氏名');
    assert.equal(one(rows[0]!, 'dd.summary-list__value').text, '福島 花子');
  });

  it('SummaryList should name the answer in each change link for screen readers when there are actions', () => {
    const root = renderDom(<SummaryList {...summaryListExamples['check your answers']} />);
    const link = one(root, 'a[href="#change-name"]');
    assert.equal(link.text, '変更（氏名）');
    assert.equal(one(link, '.visually-hidden').text, '（氏名）');
    const en = one(renderDom(<SummaryList rows={[{ key: 'Name', value: 'Hanako', actions: [{ href: '#n' }] }]} />, 'en'), 'a');
    assert.equal(en.text, 'Change (Name)');
  });
});
