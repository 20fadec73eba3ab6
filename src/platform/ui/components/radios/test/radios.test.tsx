import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom } from '../../../test/component-html.tsx';
import { Radios } from '../radios.tsx';
import { radiosExamples } from '../examples.ts';

describe('Radios', () => {
  it('Radios should put the question in the legend, inside the h1, when isPageHeading', () => {
    const root = renderDom(<Radios {...radiosExamples['page heading with hints']} />);
    assert.equal(one(root, 'fieldset > legend > h1').text, 'どの手続をしますか');
    assert.equal(root.querySelectorAll('h1').length, 1);
  });

  it('Radios should give the first choice the question id so a summary link lands on it', () => {
    const root = renderDom(<Radios {...radiosExamples['page heading with hints']} />);
    const inputs = root.querySelectorAll('input[type="radio"]');
    assert.deepEqual(inputs.map((i) => i.getAttribute('id')), ['moveType', 'moveType-2', 'moveType-3']);
    for (const input of inputs) {
      assert.equal(input.getAttribute('name'), 'moveType');
      assert.equal(one(root, `label[for="${input.getAttribute('id')}"]`).tagName, 'LABEL');
    }
  });

  it('Radios should describe each choice by its own hint when items have hints', () => {
    const root = renderDom(<Radios {...radiosExamples['page heading with hints']} />);
    const second = one(root, '#moveType-2');
    assert.equal(second.getAttribute('aria-describedby'), 'moveType-2-item-hint');
    assert.deepEqual(description(root, second), ['市内で引っ越した']);
  });

  it('Radios should describe the fieldset by hint and error when validation failed', () => {
    const root = renderDom(<Radios {...radiosExamples['conditional reveal, with an error']} />);
    const fieldset = one(root, 'fieldset');
    assert.deepEqual(description(root, fieldset), ['ひとつ選んでください', 'エラー：連絡方法を選んでください']);
    assert.ok(one(root, '.form-group').classList.contains('form-group--error'));
  });

  it('Radios should check the chosen value when re-rendered', () => {
    const root = renderDom(<Radios {...radiosExamples['inline yes/no']} />);
    const checked = root.querySelectorAll('input').filter((i) => i.hasAttribute('checked'));
    assert.deepEqual(checked.map((i) => i.getAttribute('value')), ['no']);
    assert.ok(one(root, '.radios').classList.contains('radios--inline'));
  });

  it('Radios should render conditional content in the page, linked by data-controls, when items have it', () => {
    const root = renderDom(<Radios {...radiosExamples['conditional reveal, with an error']} />);
    const email = one(root, '#contact-error');
    assert.equal(email.getAttribute('data-controls'), 'contact-error-conditional');
    const content = one(root, '#contact-error-conditional');
    assert.equal(content.classList.contains('conditional--hidden'), false, 'visible without JavaScript');
    assert.equal(one(content, 'label').getAttribute('for'), 'contactEmail');
    assert.equal(one(root, '.radios__divider').text, 'または');
    assert.equal(one(root, '#contact-error-3').getAttribute('value'), 'none', 'the divider takes no id');
  });
});
