import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datePartsOf, errorAnchor, formValues, formView, messageOf, type FieldErrors } from '../form-errors.ts';

const NAME = { ja: '氏名を入力してください', en: 'Enter your name' };

describe('form-errors', () => {
  it('formView should list the errors for the summary in the order they were added, in the page language', () => {
    const errors: FieldErrors = {
      fullName: NAME,
      birthDate: { message: { ja: '月が正しくありません', en: 'Month is wrong' }, parts: ['month', 'day'] },
      contact: { message: { ja: '選んでください', en: 'Select one' }, anchor: 'contact-email' },
    };
    assert.deepEqual(formView({ errors }, 'ja').errorSummary, [
      { text: '氏名を入力してください', href: '#fullName' },
      { text: '月が正しくありません', href: '#birthDate-month' },
      { text: '選んでください', href: '#contact-email' },
    ]);
    assert.equal(formView({ errors }, 'en').errorSummary[0]!.text, 'Enter your name');
  });

  it('formView should give each field its message and what was typed when the form failed', () => {
    const form = formView({ values: { fullName: '<b>福島</b>', email: 'x' }, errors: { fullName: NAME } }, 'ja');
    assert.equal(form.hasErrors, true);
    assert.deepEqual(form.field('fullName'), { name: 'fullName', value: '<b>福島</b>', errorMessage: '氏名を入力してください' });
    assert.deepEqual(form.field('email'), { name: 'email', value: 'x', errorMessage: undefined });
    assert.deepEqual(form.field('missing'), { name: 'missing', value: '', errorMessage: undefined });
  });

  it('formView should keep every checked value and the date boxes when re-rendering', () => {
    const form = formView(
      {
        values: { documents: ['mynumber', 'license'], 'birthDate-year': '1990', 'birthDate-month': '13', 'birthDate-day': '1' },
        errors: { birthDate: { message: NAME, parts: ['month'] } },
      },
      'en',
    );
    assert.deepEqual(form.choices('documents'), { name: 'documents', values: ['mynumber', 'license'], errorMessage: undefined });
    assert.deepEqual(form.date('birthDate'), {
      name: 'birthDate',
      value: { year: '1990', month: '13', day: '1' },
      errorMessage: 'Enter your name',
      errorParts: ['month'],
    });
    assert.equal(form.value('documents'), 'mynumber');
  });

  it('datePartsOf should read the three boxes of a date and give empty strings for missing ones', () => {
    assert.deepEqual(datePartsOf({ 'd-year': '1990', 'd-day': ['3', '4'] }, 'd'), { year: '1990', month: '', day: '3' });
  });

  it('formView should report no errors when there are none or only undefined entries', () => {
    const form = formView({ values: {}, errors: { fullName: undefined } }, 'ja');
    assert.equal(form.hasErrors, false);
    assert.deepEqual(form.errorSummary, []);
  });

  it('errorAnchor should prefer the explicit anchor, then the first wrong date box, then the name', () => {
    assert.equal(errorAnchor('d', { message: NAME, anchor: 'x', parts: ['day'] }), 'x');
    assert.equal(errorAnchor('d', { message: NAME, parts: ['day'] }), 'd-day');
    assert.equal(errorAnchor('d', { message: NAME }), 'd');
  });

  it('formValues should keep strings and string lists and drop the CSRF token when given a parsed body', () => {
    assert.deepEqual(formValues({ _csrf: 't', a: 'x', b: ['1', '2', 3], c: 4, d: { nested: 1 } }), { a: 'x', b: ['1', '2'] });
    assert.deepEqual(formValues(undefined), {});
    assert.deepEqual(formValues('a=b'), {});
  });

  it('messageOf should take a message from both catalogues, and fail for a missing key', () => {
    assert.deepEqual(messageOf('ui.gallery.form.fullName.missing'), { ja: '氏名を入力してください', en: 'Enter your full name' });
    assert.deepEqual(messageOf('ui.characterCount.limit', { count: 5 }), { ja: '5文字以内で入力してください', en: 'You can enter up to 5 characters' });
    assert.throws(() => messageOf('ui.nope'), /Missing message "ui.nope"/);
  });
});
