import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom, renderHtml } from '../../../test/component-html.tsx';
import { ErrorSummary } from '../error-summary.tsx';
import { errorSummaryExamples } from '../examples.ts';

describe('ErrorSummary', () => {
  it('ErrorSummary should have an h2 and a list of links to the fields inside an inner role="alert"', () => {
    const root = renderDom(<ErrorSummary {...errorSummaryExamples['linked to fields']} />);
    const summary = one(root, '.error-summary');
    assert.equal(summary.getAttribute('data-module'), 'error-summary');
    assert.equal(summary.hasAttribute('role'), false, 'the alert is the inner element, not the one that takes focus');
    const alert = one(summary, '[role="alert"]');
    assert.equal(one(alert, 'h2').text, '入力内容に問題があります');
    const links = alert.querySelectorAll('ul li a');
    assert.deepEqual(links.map((a) => a.getAttribute('href')), ['#full-name-error', '#birth-date-error-month', '#contact-error']);
    assert.equal(links[0]!.text, '氏名を入力してください');
  });

  it('ErrorSummary should say "There is a problem" when the page is in English', () => {
    const root = renderDom(<ErrorSummary items={[{ text: 'Enter your name', href: '#name' }]} />, 'en');
    assert.equal(one(root, 'h2').text, 'There is a problem');
  });

  it('ErrorSummary should render nothing when there are no errors', () => {
    assert.equal(renderHtml(<ErrorSummary items={[]} />), '');
  });

  it('ErrorSummary should escape message text when it holds markup', () => {
    const html = renderHtml(<ErrorSummary items={[{ text: '<script>alert(1)</script>', href: '#x' }]} />);
    assert.ok(!html.includes('<script>'));
    assert.match(html, /&lt;script>alert\(1\)&lt;\/script>/);
  });

  it('ErrorSummary should mark auto focus off when disableAutoFocus', () => {
    const root = renderDom(<ErrorSummary items={[{ text: 'x', href: '#x' }]} disableAutoFocus />);
    assert.equal(one(root, '.error-summary').getAttribute('data-disable-auto-focus'), 'true');
  });
});
