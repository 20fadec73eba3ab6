import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { one, renderDom } from '../../../test/component-html.tsx';
import { PasswordInput } from '../password-input.tsx';

describe('PasswordInput', () => {
  it('PasswordInput should render a password box with its toggle hidden until the script runs', () => {
    const root = renderDom(<PasswordInput name="password" label="パスワード" />);
    const input = one(root, 'input');
    assert.equal(input.getAttribute('type'), 'password');
    assert.equal(input.getAttribute('autocomplete'), 'current-password');
    assert.equal(input.getAttribute('value'), '');
    const toggle = one(root, 'button');
    assert.equal(toggle.getAttribute('type'), 'button', 'the toggle never submits the form');
    assert.ok(toggle.hasAttribute('hidden'));
    assert.equal(toggle.getAttribute('aria-controls'), 'password');
    assert.equal(toggle.text, 'パスワードを表示');
    assert.equal(toggle.getAttribute('data-hide-text'), 'パスワードを隠す');
    assert.equal(one(root, '.password-input__status').getAttribute('aria-live'), 'polite');
    assert.equal(one(root, '[data-module]').getAttribute('data-module'), 'password-input');
  });

  it('PasswordInput should label the toggle "Show password" when the page is in English', () => {
    const root = renderDom(<PasswordInput name="pw" label="Password" autocomplete="new-password" />, 'en');
    assert.equal(one(root, 'button').text, 'Show password');
    assert.equal(one(root, 'input').getAttribute('autocomplete'), 'new-password');
  });

  it('PasswordInput should describe the box by hint and error when validation failed', () => {
    const root = renderDom(<PasswordInput name="newPassword" label="新しいパスワード" hint="12文字以上" errorMessage="短すぎます" />);
    assert.equal(one(root, 'input').getAttribute('aria-describedby'), 'newPassword-hint newPassword-error');
    assert.equal(one(root, '#newPassword-error').text, 'エラー：短すぎます');
  });
});
