// Renders one page of a published form definition as residents see it: one question per page
// where the page holds one question (its label is the h1), GOV.UK-style components with hints
// and errors tied by aria-describedby, 和暦 shown beside dates, repeating groups with add and
// remove buttons that work without JavaScript. Shared by the staff preview and, next, the
// resident's application pages; the names it gives inputs are the ones answer-engine.ts reads.
import type { ComponentChildren } from 'preact';
import type { Locale, Translate } from '../../platform/i18n/i18n.ts';
import { Checkboxes } from '../../platform/ui/components/checkboxes/checkboxes.tsx';
import { DateInput } from '../../platform/ui/components/date-input/date-input.tsx';
import { Fieldset } from '../../platform/ui/components/fieldset/fieldset.tsx';
import { FileUpload } from '../../platform/ui/components/file-upload/file-upload.tsx';
import { Radios } from '../../platform/ui/components/radios/radios.tsx';
import { Select } from '../../platform/ui/components/select/select.tsx';
import { TextInput } from '../../platform/ui/components/text-input/text-input.tsx';
import { Textarea } from '../../platform/ui/components/textarea/textarea.tsx';
import { formView, type FieldErrors, type FormValues, type FormView } from '../../platform/ui/form-errors.ts';
import { conditionHolds, formatBytes, groupCount, type Answers } from '../forms/answer-engine.ts';
import type { ResolvedDefinition, ResolvedField, ResolvedPage } from '../forms/form-definition.ts';

export interface FormPageState {
  definition: ResolvedDefinition;
  page: ResolvedPage;
  /** What was typed (this page and earlier ones). */
  values: FormValues;
  /** Normalised answers so far: decide which conditional fields are shown. */
  answers: Answers;
  errors: FieldErrors;
  locale: Locale;
  t: Translate;
}

/** The fields of a page whose conditions hold (a condition on a field of the same page is kept and explained). */
export function visibleFields(page: ResolvedPage, answers: Answers): ResolvedField[] {
  const here = new Set(page.fields.map((f) => f.key));
  return page.fields.filter((f) => !f.showIf || here.has(f.showIf.field) || conditionHolds(f.showIf, answers));
}

/** The page's heading: the only question's label, else the page title, else the form title. */
export function pageHeading(state: Pick<FormPageState, 'definition' | 'page' | 'answers' | 'locale'>): { text: string; questionIsHeading: boolean } {
  const fields = visibleFields(state.page, state.answers);
  if (fields.length === 1 && fields[0]!.type !== 'declaration' && !state.page.title) return { text: fields[0]!.label[state.locale], questionIsHeading: true };
  return { text: (state.page.title ?? state.definition.title)[state.locale], questionIsHeading: false };
}

/** The page's questions (put them inside your <form>, with your buttons). */
export function FormPageFields(props: { state: FormPageState }) {
  const { state } = props;
  const view = formView({ values: state.values, errors: state.errors }, state.locale);
  const heading = pageHeading(state);
  const fields = visibleFields(state.page, state.answers);
  return (
    <>
      {!heading.questionIsHeading && <h1>{heading.text}</h1>}
      {fields.map((field) => (
        <Field field={field} name={field.key} view={view} state={state} isPageHeading={heading.questionIsHeading} />
      ))}
    </>
  );
}

/**
 * A page's questions without a heading, for several pages on one screen (the correction of a
 * returned application); file fields are left out unless named in `files` (those to replace).
 */
export function FormPageQuestions(props: { state: FormPageState; files?: readonly string[] }) {
  const { state } = props;
  const view = formView({ values: state.values, errors: state.errors }, state.locale);
  return <>{visibleFields(state.page, state.answers).filter((f) => f.type !== 'file' || props.files?.includes(f.key)).map((field) => <Field field={field} name={field.key} view={view} state={state} isPageHeading={false} />)}</>;
}

function hintOf(field: ResolvedField, state: FormPageState): ComponentChildren | undefined {
  const parts: string[] = [];
  if (field.hint) parts.push(field.hint[state.locale]);
  // A condition on a question of the same page cannot hide it without JavaScript: say when to answer.
  if (field.showIf && state.page.fields.some((f) => f.key === field.showIf!.field)) {
    const on = state.page.fields.find((f) => f.key === field.showIf!.field)!;
    const wanted = [field.showIf.equals ?? []].flat().map((v) => on.options?.find((o) => o.value === v)?.label[state.locale] ?? v);
    parts.push(wanted.length ? state.t('procedures.form.onlyIf', { question: on.label[state.locale], answer: wanted.join('、') }) : state.t('procedures.form.onlyIfAnswered', { question: on.label[state.locale] }));
  }
  if (field.type === 'file') {
    if (field.accept?.length) parts.push(state.t('procedures.form.fileTypes', { types: field.accept.map((a) => a.toUpperCase()).join('・') }));
    if (field.maxBytes) parts.push(state.t('procedures.form.fileSize', { size: formatBytes(field.maxBytes) }));
  }
  if (!field.required && !['declaration', 'group'].includes(field.type)) parts.push(state.t('procedures.form.optional'));
  return parts.length ? parts.join(' ') : undefined;
}

function Field(props: { field: ResolvedField; name: string; view: FormView; state: FormPageState; isPageHeading: boolean }) {
  const { field, name, view, state, isPageHeading } = props;
  const label = field.label[state.locale];
  const hint = hintOf(field, state);
  const error = view.error(name);
  const common = { name, hint, isPageHeading };
  switch (field.type) {
    case 'text':
      return field.multiline ? <Textarea {...common} label={label} value={view.value(name)} errorMessage={error} maxLength={field.maxLength} /> : <TextInput {...common} label={label} value={view.value(name)} errorMessage={error} autocomplete={field.dictionary === 'full-name' ? 'name' : undefined} spellcheck={false} />;
    case 'kana':
      return <TextInput {...common} label={label} value={view.value(name)} errorMessage={error} spellcheck={false} />;
    case 'number':
      return <TextInput {...common} label={label} value={view.value(name)} errorMessage={error} inputmode={field.integer ? 'numeric' : 'decimal'} width="10" />;
    case 'phone':
      return <TextInput {...common} label={label} value={view.value(name)} errorMessage={error} type="tel" autocomplete="tel" width="20" />;
    case 'email':
      return <TextInput {...common} label={label} value={view.value(name)} errorMessage={error} type="email" autocomplete="email" spellcheck={false} />;
    case 'date':
      return <DateInput {...common} legend={label} {...view.date(name)} autocomplete={field.dictionary === 'birth-date' ? 'bday' : undefined} />;
    case 'select':
      return <Select {...common} label={label} value={view.value(name)} errorMessage={error} items={[{ value: '', text: state.t('procedures.form.choose') }, ...(field.options ?? []).map((o) => ({ value: o.value, text: o.label[state.locale] }))]} />;
    case 'radio':
      return <Radios {...common} legend={label} value={view.value(name)} errorMessage={error} items={(field.options ?? []).map((o) => ({ value: o.value, text: o.label[state.locale], hint: o.hint?.[state.locale] }))} />;
    case 'checkbox':
      return <Checkboxes {...common} legend={label} {...view.choices(name)} items={(field.options ?? []).map((o) => ({ value: o.value, text: o.label[state.locale], hint: o.hint?.[state.locale] }))} />;
    case 'declaration':
      return <Checkboxes {...common} legend={state.t('procedures.form.declaration')} {...view.choices(name)} items={[{ value: 'yes', text: label }]} />;
    case 'file':
      return <FileUpload {...common} label={label} errorMessage={error} accept={field.accept?.map((a) => `.${a}`).join(',')} />;
    case 'address': {
      // One error for the pair, shown on the box it is about (the summary links there too).
      const anchor = (state.errors[name] as { anchor?: string } | undefined)?.anchor;
      return (
        <Fieldset legend={label} legendSize={isPageHeading ? 'l' : 'm'} isPageHeading={isPageHeading}>
          {hint && <p class="hint">{hint}</p>}
          <TextInput name={`${name}-postcode`} label={state.t('procedures.form.postcode')} hint={state.t('procedures.form.postcodeHint')} value={view.value(`${name}-postcode`)} errorMessage={anchor !== `${name}-address` ? error : undefined} autocomplete="postal-code" inputmode="numeric" width="10" />
          <TextInput name={`${name}-address`} label={state.t('procedures.form.addressLine')} value={view.value(`${name}-address`)} errorMessage={anchor === `${name}-address` ? error : undefined} autocomplete="street-address" />
        </Fieldset>
      );
    }
    case 'group': {
      const count = groupCount(field, state.values);
      const item = (field.itemLabel ?? field.label)[state.locale];
      return (
        <div class="form-group" id={name}>
          {isPageHeading ? <h1>{label}</h1> : <h2>{label}</h2>}
          {hint && <p class="hint">{hint}</p>}
          {error && <p class="error-message">{error}</p>}
          <input type="hidden" name={`${name}-count`} value={String(count)} />
          {Array.from({ length: count }, (_, i) => (
            <Fieldset legend={state.t('procedures.form.item', { item, n: i + 1 })} legendSize="m">
              {(field.fields ?? []).map((inner) => (
                <Field field={inner} name={`${name}-${i}-${inner.key}`} view={props.view} state={state} isPageHeading={false} />
              ))}
            </Fieldset>
          ))}
          <div class="button-group">
            {count < (field.maxItems ?? 50) && (
              <button type="submit" class="button button--secondary" name="_add" value={field.key} formnovalidate>
                {state.t('procedures.form.addItem', { item })}
              </button>
            )}
            {count > Math.max(field.minItems ?? 1, 1) && (
              <button type="submit" class="button button--secondary" name="_remove" value={field.key} formnovalidate>
                {state.t('procedures.form.removeItem', { item, n: count })}
              </button>
            )}
          </div>
        </div>
      );
    }
  }
}
