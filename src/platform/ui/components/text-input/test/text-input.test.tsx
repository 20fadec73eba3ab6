import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom, renderHtml } from '../../../test/component-html.tsx';
import { TextInput } from '../text-input.tsx';
import { textInputExamples } from '../examples.ts';

describe('TextInput', () => {
  it('TextInput should default the id to the name and tie the label to it when no id is given', () => {
    const root = renderDom(<TextInput name="fullName" label="氏名" />);
    const input = one(root, 'input');
    assert.equal(input.getAttribute('id'), 'fullName');
    assert.equal(input.getAttribute('name'), 'fullName');
    assert.equal(input.getAttribute('type'), 'text');
    assert.equal(one(root, 'label').getAttribute('for'), 'fullName');
    assert.equal(input.hasAttribute('aria-describedby'), false, 'no empty aria-describedby');
  });

  it('TextInput should put the label inside the h1 when isPageHeading', () => {
    const root = renderDom(<TextInput name="fullName" label="お名前を入力してください" isPageHeading />);
    const label = one(root, 'h1 > label');
    assert.equal(label.text, 'お名前を入力してください');
    assert.equal(label.getAttribute('for'), 'fullName');
    assert.equal(root.querySelectorAll('h1').length, 1);
  });

  it('TextInput should describe the field by its hint and then its error with a hidden prefix when both are given', () => {
    const root = renderDom(<TextInput name="email" id="contact-email" label="メール" hint="例：name@example.jp" errorMessage="メールアドレスを入力してください" />);
    const input = one(root, 'input');
    assert.equal(input.getAttribute('aria-describedby'), 'contact-email-hint contact-email-error');
    assert.deepEqual(description(root, input), ['例：name@example.jp', 'エラー：メールアドレスを入力してください']);
    assert.equal(one(root, '#contact-email-error .visually-hidden').text, 'エラー：');
    assert.ok(one(root, '.form-group').classList.contains('form-group--error'));
    assert.ok(input.classList.contains('input--error'));
  });

  it('TextInput should say "Error:" in the hidden prefix when the page is in English', () => {
    const root = renderDom(<TextInput name="email" label="Email" errorMessage="Enter an email address" />, 'en');
    assert.equal(one(root, '#email-error').text, 'Error: Enter an email address');
  });

  it('TextInput should keep extra describedby ids first when the page adds its own', () => {
    const root = renderDom(<TextInput name="code" label="コード" hint="6桁" describedBy="code-help" />);
    assert.equal(one(root, 'input').getAttribute('aria-describedby'), 'code-help code-hint');
  });

  it('TextInput should escape what was typed when the value holds markup', () => {
    const html = renderHtml(<TextInput {...textInputExamples['email address']} />);
    assert.ok(!html.includes('<script>'), html);
    assert.match(html, /value="&lt;script>alert\(1\)&lt;\/script>@example.jp"/);
    assert.equal(one(renderDom(<TextInput {...textInputExamples['email address']} />), 'input').getAttribute('value'), '<script>alert(1)</script>@example.jp');
  });

  it('TextInput should pass autocomplete, inputmode, spellcheck and the width class when set', () => {
    const root = renderDom(<TextInput {...textInputExamples['postcode (numeric, fixed width, prefix)']} />);
    const input = one(root, 'input');
    assert.equal(input.getAttribute('autocomplete'), 'postal-code');
    assert.equal(input.getAttribute('inputmode'), 'numeric');
    assert.ok(input.classList.contains('input--width-7'));
    assert.equal(one(root, '.input-affix').getAttribute('aria-hidden'), 'true');
    const name = one(renderDom(<TextInput name="n" label="氏名" spellcheck={false} type="email" />), 'input');
    assert.equal(name.getAttribute('spellcheck'), 'false');
    assert.equal(name.getAttribute('type'), 'email');
  });
});
