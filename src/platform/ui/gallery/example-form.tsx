// A small form built the way every Tsunagu form is (docs/ui-components.md): GET shows it, POST
// validates; on a problem the page comes back with 422, the error summary first, each field's
// message, and everything the person typed; on success, redirect (303) to the next page.
// It sends nothing anywhere: it exists to show and test the pattern (/dev/components only).
import type { Locale } from '../../i18n/i18n.ts';
import { datePartsOf, formView, messageOf, type FieldErrors, type FormValues } from '../form-errors.ts';
import { Button } from '../components/button/button.tsx';
import { DateInput } from '../components/date-input/date-input.tsx';
import { readDateInput } from '../components/date-input/date-value.ts';
import { Radios } from '../components/radios/radios.tsx';
import { TextInput } from '../components/text-input/text-input.tsx';
import { useUiText } from '../components/ui-text.ts';

export const EXAMPLE_FORM_PATH = '/dev/components/example-form';

const CONTACTS = ['email', 'phone', 'none'] as const;

/** The checks, in the order the fields appear, so the summary lists them in that order. */
export function validateExampleForm(values: FormValues, today: Date = new Date()): FieldErrors {
  const errors: FieldErrors = {};
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string).trim() : '');
  if (!text('fullName')) errors.fullName = messageOf('ui.gallery.form.fullName.missing');

  const reading = readDateInput(datePartsOf(values, 'birthDate'));
  if (reading.kind === 'missing') errors.birthDate = { message: messageOf('ui.gallery.form.birthDate.missing'), parts: ['year', 'month', 'day'] };
  else if (reading.kind === 'incomplete') errors.birthDate = { message: messageOf('ui.gallery.form.birthDate.incomplete'), parts: reading.parts };
  else if (reading.kind === 'invalid') errors.birthDate = { message: messageOf('ui.gallery.form.birthDate.invalid'), parts: reading.parts };
  else {
    const { year, month, day } = reading.date;
    const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    if (iso > today.toISOString().slice(0, 10)) errors.birthDate = { message: messageOf('ui.gallery.form.birthDate.future'), parts: ['year', 'month', 'day'] };
  }

  const contact = text('contact');
  if (!(CONTACTS as readonly string[]).includes(contact)) errors.contact = messageOf('ui.gallery.form.contact.missing');
  else if (contact === 'email' && !/^[^\s@]+@[^\s@]+$/.test(text('contactEmail'))) errors.contactEmail = messageOf('ui.gallery.form.email.invalid');
  return errors;
}

export function ExampleForm(props: { values: FormValues; errors: FieldErrors; locale: Locale; csrfToken: string }) {
  const { t } = useUiText();
  const form = formView({ values: props.values, errors: props.errors }, props.locale);
  return (
    <form method="post" action={EXAMPLE_FORM_PATH} novalidate>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <h1>{t('ui.gallery.form.title')}</h1>
      <TextInput label={t('ui.gallery.form.fullName')} autocomplete="name" spellcheck={false} width="20" {...form.field('fullName')} />
      <DateInput legend={t('ui.gallery.form.birthDate')} hint={t('ui.gallery.form.birthDate.hint')} autocomplete="bday" {...form.date('birthDate')} />
      <Radios
        legend={t('ui.gallery.form.contact')}
        items={[
          {
            value: 'email',
            text: t('ui.gallery.form.contact.email'),
            conditional: <TextInput label={t('ui.gallery.form.email')} type="email" autocomplete="email" spellcheck={false} {...form.field('contactEmail')} />,
          },
          { value: 'phone', text: t('ui.gallery.form.contact.phone') },
          { value: 'none', text: t('ui.gallery.form.contact.none') },
        ]}
        {...form.field('contact')}
      />
      <Button preventDoubleClick>{t('ui.gallery.form.submit')}</Button>
    </form>
  );
}
