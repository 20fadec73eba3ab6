import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom } from '../../../test/component-html.tsx';
import { Textarea, countCharacters } from '../textarea.tsx';

describe('Textarea', () => {
  it('Textarea should keep what was typed, escaped, when re-rendered', () => {
    const root = renderDom(<Textarea name="reason" label="理由" value={'一行目\n</textarea><script>x</script>'} />);
    const textarea = one(root, 'textarea');
    assert.equal(textarea.text, '一行目\n</textarea><script>x</script>');
    assert.equal(root.querySelectorAll('script').length, 0);
    assert.equal(textarea.getAttribute('rows'), '5');
    assert.equal(one(root, 'label').getAttribute('for'), 'reason');
  });

  it('Textarea should state the limit in a hint the box is described by when maxLength is set', () => {
    const root = renderDom(<Textarea name="message" label="内容" hint="具体的に" maxLength={200} />);
    const textarea = one(root, 'textarea');
    assert.deepEqual(description(root, textarea), ['具体的に', '200文字以内で入力してください']);
    assert.equal(textarea.hasAttribute('maxlength'), false, 'a longer text can be pasted and then edited');
    const field = one(root, '.character-count__field');
    assert.equal(field.getAttribute('data-maxlength'), '200');
    assert.equal(field.getAttribute('data-remaining-other'), 'あと{count}文字入力できます');
    assert.equal(one(root, '[data-module]').getAttribute('data-module'), 'character-count');
  });

  it('Textarea should use English plural texts for the count when the page is in English', () => {
    const root = renderDom(<Textarea name="m" label="Message" maxLength={10} />, 'en');
    const field = one(root, '.character-count__field');
    assert.equal(field.getAttribute('data-remaining-one'), 'You have {count} character remaining');
    assert.equal(field.getAttribute('data-over-other'), 'You have {count} characters too many');
    assert.equal(one(root, '#m-info').text, 'You can enter up to 10 characters');
  });

  it('countCharacters should count code points and a line break as one when text has them', () => {
    assert.equal(countCharacters('𠮷野家'), 3);
    assert.equal(countCharacters('a\r\nb'), 3);
    assert.equal(countCharacters(''), 0);
  });
});
