import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { Button } from '../button.tsx';
import { buttonExamples } from '../examples.ts';

describe('Button', () => {
  it('Button should be a submit button with the primary look when given only text', () => {
    const button = one(renderDom(<Button>次へ進む</Button>), 'button');
    assert.equal(button.getAttribute('type'), 'submit');
    assert.equal(button.getAttribute('class'), 'button');
    assert.equal(button.text, '次へ進む');
    assert.equal(button.hasAttribute('data-module'), false);
  });

  it('Button should carry the variant class and the double-click guard when asked', () => {
    assert.ok(one(renderDom(<Button {...buttonExamples.secondary} />), 'button').classList.contains('button--secondary'));
    assert.ok(one(renderDom(<Button {...buttonExamples.warning} />), 'button').classList.contains('button--warning'));
    const guarded = one(renderDom(<Button {...buttonExamples['primary, prevents double submit']} />), 'button');
    assert.equal(guarded.getAttribute('data-module'), 'button');
    assert.equal(guarded.getAttribute('data-prevent-double-click'), 'true');
  });

  it('Button should be a link styled as a button when given href', () => {
    const link = one(renderDom(<Button {...buttonExamples['link as a start button']} />), 'a');
    assert.equal(link.getAttribute('href'), '#start');
    assert.ok(link.classList.contains('button'));
  });

  it('Button should be disabled for assistive technology too when disabled', () => {
    const button = one(renderDom(<Button {...buttonExamples.disabled} />), 'button');
    assert.ok(button.hasAttribute('disabled'));
    assert.equal(button.getAttribute('aria-disabled'), 'true');
  });
});
