import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { description, one, renderDom } from '../../../test/component-html.tsx';
import { DateInput } from '../date-input.tsx';
import { readDateInput } from '../date-value.ts';
import { dateInputExamples } from '../examples.ts';

describe('DateInput', () => {
  it('DateInput should render year, month and day boxes, each with its own label, in that order', () => {
    const root = renderDom(<DateInput {...dateInputExamples['date of birth, page heading']} />);
    const inputs = root.querySelectorAll('input');
    assert.deepEqual(inputs.map((i) => i.getAttribute('id')), ['birthDate-year', 'birthDate-month', 'birthDate-day']);
    assert.deepEqual(inputs.map((i) => i.getAttribute('name')), ['birthDate-year', 'birthDate-month', 'birthDate-day']);
    assert.deepEqual(inputs.map((i) => one(root, `label[for="${i.getAttribute('id')}"]`).text), ['年', '月', '日']);
    assert.ok(inputs.every((i) => i.getAttribute('inputmode') === 'numeric' && i.getAttribute('type') === 'text'));
    assert.deepEqual(inputs.map((i) => i.getAttribute('autocomplete')), ['bday-year', 'bday-month', 'bday-day']);
    assert.equal(one(root, 'legend > h1').text, '生年月日を入力してください');
  });

  it('DateInput should show the era of the value in a live hint when rendered with a date', () => {
    const root = renderDom(<DateInput {...dateInputExamples['date of birth, page heading']} />);
    const hint = one(root, '#birthDate-wareki');
    assert.equal(hint.text, '和暦：平成2年');
    assert.equal(hint.getAttribute('aria-live'), 'polite');
    assert.equal(one(root, '#birthDate-year').getAttribute('aria-describedby'), 'birthDate-wareki');
    const words = JSON.parse(one(root, '.date-input').getAttribute('data-wareki-words')!);
    assert.equal(words.eras.reiwa, '令和');
  });

  it('DateInput should mark only the wrong box red and keep what was typed when validation failed', () => {
    const root = renderDom(<DateInput {...dateInputExamples['one box wrong']} />);
    assert.deepEqual(description(root, one(root, 'fieldset')), ['エラー：生年月日の月は1から12の数字で入力してください']);
    const red = root.querySelectorAll('input').filter((i) => i.classList.contains('input--error'));
    assert.deepEqual(red.map((i) => i.getAttribute('id')), ['birth-date-error-month']);
    assert.equal(one(root, '#birth-date-error-year').getAttribute('value'), '１９８９');
    assert.equal(one(root, '#birth-date-error-wareki').text, '和暦：昭和64年または平成元年');
  });

  it('DateInput should speak English box labels and era names when the page is in English', () => {
    const root = renderDom(<DateInput name="d" legend="Date" value={{ year: '2019', month: '5', day: '1' }} />, 'en');
    assert.deepEqual(root.querySelectorAll('label').map((l) => l.text), ['Year', 'Month', 'Day']);
    assert.equal(one(root, '#d-wareki').text, 'Japanese calendar: Reiwa 1');
  });

  it('DateInput should leave out the era hint when wareki is false', () => {
    const root = renderDom(<DateInput {...dateInputExamples['without the era hint']} />);
    assert.equal(root.querySelectorAll('.date-input__wareki').length, 0);
    assert.equal(one(root, '#moveDate-year').hasAttribute('aria-describedby'), false);
  });
});

describe('readDateInput', () => {
  it('readDateInput should give the date when all three boxes hold a real date', () => {
    assert.deepEqual(readDateInput({ year: '1990', month: '04', day: '1' }), { kind: 'date', date: { year: 1990, month: 4, day: 1 } });
    assert.deepEqual(readDateInput({ year: '２０２４', month: '２', day: '２９' }), { kind: 'date', date: { year: 2024, month: 2, day: 29 } });
  });

  it('readDateInput should name the empty boxes when some are empty', () => {
    assert.deepEqual(readDateInput({}), { kind: 'missing' });
    assert.deepEqual(readDateInput({ year: ' ', month: '', day: '' }), { kind: 'missing' });
    assert.deepEqual(readDateInput({ year: '1990', month: '', day: '' }), { kind: 'incomplete', parts: ['month', 'day'] });
  });

  it('readDateInput should name the wrong boxes when values are out of range or not numbers', () => {
    assert.deepEqual(readDateInput({ year: '1989', month: '13', day: '8' }), { kind: 'invalid', parts: ['month'] });
    assert.deepEqual(readDateInput({ year: '90', month: 'x', day: '1' }), { kind: 'invalid', parts: ['year', 'month'] });
    assert.deepEqual(readDateInput({ year: '2023', month: '2', day: '30' }), { kind: 'invalid', parts: ['day'] });
    assert.deepEqual(readDateInput({ year: '2023', month: '-1', day: '3' }), { kind: 'invalid', parts: ['month'] });
  });
});
