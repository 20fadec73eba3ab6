// Form validation results, turned into what the page needs: the error summary's links, each
// field's message in the page's language, and the values the person typed, so a form that fails
// validation comes back (422) exactly as it was sent, with the problems marked.
//
//   const errors: FieldErrors = {};
//   if (!values.fullName) errors.fullName = messageOf('procedures.fullName.missing');
//   const form = formView({ values, errors }, request.locale);
//   <ErrorSummary items={form.errorSummary} />
//   <TextInput label={…} {...form.field('fullName')} />
//
// Put errors in the order the fields appear on the page: the summary lists them in that order.
import type { Localized } from '../errors.ts';
import { catalog, translator, type Locale } from '../i18n/i18n.ts';
import type { ErrorSummaryItem } from './components/error-summary/error-summary.tsx';
import type { DatePart } from './components/date-input/date-input.tsx';

export interface FieldError {
  message: Localized;
  /** The element id the summary links to; default the field's id (its name). */
  anchor?: string;
  /** Date inputs: the boxes that are wrong (marked red; the summary links to the first). */
  parts?: DatePart[];
}

/** Per field name; a bare Localized is a FieldError with only a message. */
export type FieldErrors = Record<string, FieldError | Localized | undefined>;

/** A submitted form: repeated names (checkboxes) are arrays, as @fastify/formbody parses them. */
export type FormValues = Record<string, string | string[] | undefined>;

export interface FormView {
  hasErrors: boolean;
  /** Items for <ErrorSummary>, in the order the errors were added. */
  errorSummary: ErrorSummaryItem[];
  /** The message for a field in the page's language. */
  error(name: string): string | undefined;
  /** The first value given for a name ('' when none). */
  value(name: string): string;
  /** Every value given for a name (checkboxes). */
  values(name: string): string[];
  /** Props for TextInput, Textarea, Select, Radios and PasswordInput (which ignores `value`). */
  field(name: string): { name: string; value: string; errorMessage: string | undefined };
  /** Props for Checkboxes. */
  choices(name: string): { name: string; values: string[]; errorMessage: string | undefined };
  /** Props for DateInput: the boxes `<name>-year`, `<name>-month`, `<name>-day`. */
  date(name: string): { name: string; value: Record<DatePart, string>; errorMessage: string | undefined; errorParts: DatePart[] | undefined };
}

function normalise(error: FieldError | Localized): FieldError {
  return 'message' in error ? error : { message: error };
}

/** The link target in the summary: an explicit anchor, a date's first wrong box, or the field. */
export function errorAnchor(name: string, error: FieldError): string {
  if (error.anchor) return error.anchor;
  if (error.parts && error.parts.length > 0) return `${name}-${error.parts[0]}`;
  return name;
}

/** Keeps only the text fields of a parsed form body, dropping the CSRF token. */
export function formValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (typeof body !== 'object' || body === null) return values;
  for (const [name, value] of Object.entries(body)) {
    if (name === '_csrf') continue;
    if (typeof value === 'string') values[name] = value;
    else if (Array.isArray(value)) values[name] = value.filter((v): v is string => typeof v === 'string');
  }
  return values;
}

/** The three boxes of a date input as typed (`<name>-year`, …), for readDateInput(). */
export function datePartsOf(values: FormValues, name: string): Record<DatePart, string> {
  const first = (key: string) => {
    const value = values[key];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  return { year: first(`${name}-year`), month: first(`${name}-month`), day: first(`${name}-day`) };
}

export function formView(state: { values?: FormValues; errors?: FieldErrors }, locale: Locale): FormView {
  const values = state.values ?? {};
  const errors = new Map<string, FieldError>();
  for (const [name, error] of Object.entries(state.errors ?? {})) if (error) errors.set(name, normalise(error));
  const all = (name: string): string[] => {
    const value = values[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const value = (name: string) => all(name)[0] ?? '';
  const error = (name: string) => errors.get(name)?.message[locale];
  return {
    hasErrors: errors.size > 0,
    errorSummary: [...errors].map(([name, e]) => ({ text: e.message[locale], href: `#${errorAnchor(name, e)}` })),
    error,
    value,
    values: all,
    field: (name) => ({ name, value: value(name), errorMessage: error(name) }),
    choices: (name) => ({ name, values: all(name), errorMessage: error(name) }),
    date: (name) => ({
      name,
      value: datePartsOf(values, name),
      errorMessage: error(name),
      errorParts: errors.get(name)?.parts,
    }),
  };
}

/**
 * A validation message from the catalogues in both languages, so messages live in the locale
 * files like every other text: messageOf('identity.email.invalid', { example: 'name@example.jp' }).
 */
export function messageOf(key: string, params?: Record<string, string | number>): Localized {
  if (!(key in catalog('ja'))) throw new Error(`Missing message "${key}"`);
  return { ja: translator('ja')(key, params), en: translator('en')(key, params) };
}
