import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom, renderHtml } from '../../../test/component-html.tsx';
import { Pagination, pageItems } from '../pagination.tsx';

const href = (n: number) => `/applications?page=${n}`;

describe('Pagination', () => {
  it('Pagination should be a named nav with the current page marked aria-current when rendered', () => {
    const root = renderDom(<Pagination current={6} total={12} href={href} />);
    const nav = one(root, 'nav');
    assert.equal(nav.getAttribute('aria-label'), 'ページ送り');
    const current = root.querySelectorAll('[aria-current]');
    assert.equal(current.length, 1);
    assert.equal(current[0]!.getAttribute('aria-current'), 'page');
    assert.equal(current[0]!.text, '6');
    assert.equal(current[0]!.getAttribute('aria-label'), '6ページ目');
    assert.equal(one(root, 'a[rel="prev"]').getAttribute('href'), '/applications?page=5');
    assert.equal(one(root, 'a[rel="next"]').getAttribute('href'), '/applications?page=7');
    assert.equal(root.querySelectorAll('.pagination__item--ellipsis').length, 2);
  });

  it('Pagination should leave out previous on the first page and next on the last page', () => {
    assert.equal(renderDom(<Pagination current={1} total={3} href={href} />).querySelectorAll('a[rel="prev"]').length, 0);
    assert.equal(renderDom(<Pagination current={3} total={3} href={href} />).querySelectorAll('a[rel="next"]').length, 0);
  });

  it('Pagination should use English labels when the page is in English', () => {
    const root = renderDom(<Pagination current={2} total={3} href={href} label="Search results pages" />, 'en');
    assert.equal(one(root, 'nav').getAttribute('aria-label'), 'Search results pages');
    assert.match(one(root, 'a[rel="prev"]').text, /Previous page$/);
    assert.equal(one(root, '[aria-current]').getAttribute('aria-label'), 'Page 2');
  });

  it('Pagination should render nothing when there is only one page', () => {
    assert.equal(renderHtml(<Pagination current={1} total={1} href={href} />), '');
  });

  it('pageItems should show first, last and neighbours with ellipses for gaps of more than one page', () => {
    assert.deepEqual(pageItems(6, 12), [1, 'ellipsis', 5, 6, 7, 'ellipsis', 12]);
    assert.deepEqual(pageItems(1, 12), [1, 2, 'ellipsis', 12]);
    assert.deepEqual(pageItems(3, 5), [1, 2, 3, 4, 5]);
    assert.deepEqual(pageItems(4, 7), [1, 2, 3, 4, 5, 6, 7], 'a gap of one shows the page');
    assert.deepEqual(pageItems(12, 12), [1, 'ellipsis', 11, 12]);
  });
});
