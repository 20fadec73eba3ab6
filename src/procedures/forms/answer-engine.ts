// Checks a resident's answers against a published form definition: every value is normalised
// (answer-normalise.ts), checked against its field's rules, and either kept or reported with a
// message in Japanese and English naming the field. Fields and pages whose condition is not met
// are skipped and their answers dropped, so a hidden question never blocks a resident and never
// leaks into what is stored. Pure: no database, no request; the preview and the resident pages
// call it with the submitted form values.
//
// Names in the submitted values follow the renderer (form-renderer.tsx): a field is `<key>`;
// a date `<key>-year|month|day` (or `<key>` holding a whole date such as 「令和6年4月1日」); an
// address `<key>-postcode` and `<key>-address`; the n-th item of a group `<group>-<n>-<key>`
// with `<group>-count` saying how many items were shown.
import type { FieldError, FormValues } from '../../platform/ui/form-errors.ts';
import { DATE_PARTS, type DatePart } from '../../platform/ui/components/date-input/date-input.tsx';
import { isCalendarDate } from '../../platform/ui/components/date-input/wareki.js';
import { answerMessage } from './answer-messages.ts';
import { foldFullWidthAscii, isKatakana, isoDate, normaliseEmail, normaliseKana, normaliseNumber, normalisePhone, normalisePostalCode, readDateText, readYear } from './answer-normalise.ts';
import { LIMITS, type Condition, type ResolvedDefinition, type ResolvedField } from './form-definition.ts';
import { patternRisk } from './safe-pattern.ts';

export type AnswerValue = string | number | boolean | string[] | { postalCode: string; address: string } | { filename: string; bytes?: number } | Array<Record<string, AnswerValue>>;
export type Answers = Record<string, AnswerValue>;

export interface AnswerOptions {
  /** Today in Japan (YYYY-MM-DD), for 'today' in date ranges. */
  today: string;
  /** Report errors only for these pages (a one-question-per-page step); all when absent. */
  pages?: string[];
  /** Uploaded files by field name, when the caller has them (size and name). */
  files?: Record<string, { filename: string; bytes: number }>;
}

export interface AnswerResult {
  /** Normalised answers of the visible fields, by key (groups: an array of items). */
  values: Answers;
  /** By field name, in page order; anchors point at the box to fix. */
  errors: Record<string, FieldError>;
  /** Pages whose condition is met, in order. */
  visiblePages: string[];
}

const first = (values: FormValues, name: string) => {
  const v = values[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};
/** Without a maxLength of its own, a one-line answer is at most 1,000 characters and a box 10,000. */
const defaultMaxLength = (field: ResolvedField) => (field.multiline ? LIMITS.textLength : 1000);
const all = (values: FormValues, name: string) => {
  const v = values[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Whether a condition holds for the answers so far (a hidden or empty field never matches). */
export function conditionHolds(condition: Condition | undefined, answers: Answers): boolean {
  if (!condition) return true;
  const value = answers[condition.field];
  if (value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0)) return false;
  if (condition.equals === undefined) return true;
  const wanted = Array.isArray(condition.equals) ? condition.equals : [condition.equals];
  const have = Array.isArray(value) ? value.map(String) : [String(value)];
  return have.some((h) => wanted.includes(h));
}

/** How many items of a group the page showed (within the group's limits). */
export function groupCount(field: ResolvedField, values: FormValues, prefix = ''): number {
  const shown = Number.parseInt(first(values, `${prefix}${field.key}-count`), 10);
  const min = Math.max(field.minItems ?? 1, 1);
  const max = field.maxItems ?? LIMITS.groupItems;
  return Math.min(Math.max(Number.isFinite(shown) ? shown : min, min), max);
}

export function validateAnswers(definition: ResolvedDefinition, submitted: FormValues, options: AnswerOptions): AnswerResult {
  const values: Answers = {};
  const errors: Record<string, FieldError> = {};
  const visiblePages: string[] = [];
  for (const page of definition.pages) {
    if (!conditionHolds(page.showIf, values)) continue;
    visiblePages.push(page.id);
    const report = !options.pages || options.pages.includes(page.id);
    for (const field of page.fields) {
      if (!conditionHolds(field.showIf, values)) continue;
      const result = checkField(field, submitted, '', values, options);
      if (result.value !== undefined) values[field.key] = result.value;
      if (report) Object.assign(errors, result.errors);
    }
  }
  return { values, errors, visiblePages };
}

type Checked = { value?: AnswerValue; errors: Record<string, FieldError> };

function checkField(field: ResolvedField, submitted: FormValues, prefix: string, scope: Answers, options: AnswerOptions): Checked {
  const name = `${prefix}${field.key}`;
  const label = field.label;
  const fail = (error: FieldError): Checked => ({ errors: { [name]: error } });
  const missing = (): Checked => (field.required ? fail({ message: answerMessage(['select', 'radio', 'checkbox'].includes(field.type) ? 'choose' : 'required', label) }) : { errors: {} });

  switch (field.type) {
    case 'text':
    case 'kana': {
      const raw = first(submitted, name);
      const value = field.type === 'kana' ? normaliseKana(raw) : raw.trim();
      if (value === '') return missing();
      if (field.type === 'kana' && !isKatakana(value)) return fail({ message: answerMessage('kana', label) });
      const length = [...value].length;
      const maxLength = field.maxLength ?? defaultMaxLength(field);
      if (field.minLength !== undefined && length < field.minLength) return fail({ message: answerMessage('tooShort', label, { n: field.minLength }) });
      // Length first: a pattern never runs on an answer longer than the field allows.
      if (length > maxLength) return fail({ message: answerMessage('tooLong', label, { n: maxLength }) });
      // Published patterns were checked as safe; a pattern that is not (an old draft) is skipped.
      if (field.pattern && patternRisk(field.pattern) === 'ok') {
        const pattern = new RegExp(`^(?:${field.pattern})$`, 'u');
        if (pattern.test(value)) return { value, errors: {} };
        // 「１２３４５６７」 for [0-9]{7}: the full-width digits an input method types are the same answer.
        const folded = foldFullWidthAscii(value);
        return pattern.test(folded) ? { value: folded, errors: {} } : fail({ message: field.patternMessage ?? answerMessage('pattern', label) });
      }
      return { value, errors: {} };
    }
    case 'number': {
      const raw = first(submitted, name).slice(0, 100);
      if (raw.trim() === '') return missing();
      const value = normaliseNumber(raw);
      if (value === undefined) return fail({ message: answerMessage('number', label) });
      if (field.integer && !Number.isInteger(value)) return fail({ message: answerMessage('integer', label) });
      if (typeof field.min === 'number' && value < field.min) return fail({ message: answerMessage('numberMin', label, { n: field.min }) });
      if (typeof field.max === 'number' && value > field.max) return fail({ message: answerMessage('numberMax', label, { n: field.max }) });
      return { value, errors: {} };
    }
    case 'date':
      return checkDate(field, submitted, name, options);
    case 'address': {
      const rawCode = first(submitted, `${name}-postcode`).slice(0, 100);
      const address = first(submitted, `${name}-address`).trim();
      if (rawCode.trim() === '' && address === '') return field.required ? fail({ message: answerMessage('postalMissing', label), anchor: `${name}-postcode` }) : { errors: {} };
      const postalCode = normalisePostalCode(rawCode);
      if (!postalCode) return fail({ message: answerMessage(rawCode.trim() === '' ? 'postalMissing' : 'postalCode', label), anchor: `${name}-postcode` });
      if (address === '') return fail({ message: answerMessage('addressMissing', label), anchor: `${name}-address` });
      if ([...address].length > (field.maxLength ?? 200)) return fail({ message: answerMessage('tooLong', label, { n: field.maxLength ?? 200 }), anchor: `${name}-address` });
      return { value: { postalCode, address }, errors: {} };
    }
    case 'phone':
    case 'email': {
      const raw = first(submitted, name).slice(0, 1000);
      if (raw.trim() === '') return missing();
      const value = field.type === 'phone' ? normalisePhone(raw) : normaliseEmail(raw);
      return value === undefined ? fail({ message: answerMessage(field.type, label) }) : { value, errors: {} };
    }
    case 'select':
    case 'radio': {
      const value = first(submitted, name);
      if (value === '') return missing();
      return field.options?.some((o) => o.value === value) ? { value, errors: {} } : fail({ message: answerMessage('option', label) });
    }
    case 'checkbox': {
      const chosen = all(submitted, name).filter((v) => v !== '');
      if (chosen.length === 0) return missing();
      const known = new Set(field.options?.map((o) => o.value));
      // Kept in the definition's order, whatever order the browser sent them in.
      return chosen.every((v) => known.has(v)) ? { value: field.options!.map((o) => o.value).filter((v) => chosen.includes(v)), errors: {} } : fail({ message: answerMessage('option', label) });
    }
    case 'declaration':
      // A declaration must always be agreed to; there is nothing else to say.
      return first(submitted, name) === 'yes' ? { value: true, errors: {} } : fail({ message: answerMessage('declare', label) });
    case 'file':
      return checkFile(field, submitted, name, options);
    case 'group':
      return checkGroup(field, submitted, name, options, scope);
  }
  return { errors: {} };
}

function checkDate(field: ResolvedField, submitted: FormValues, name: string, options: AnswerOptions): Checked {
  const label = field.label;
  const fail = (error: FieldError): Checked => ({ errors: { [name]: error } });
  const whole = first(submitted, name).slice(0, 100).trim();
  const parts = Object.fromEntries(DATE_PARTS.map((p) => [p, first(submitted, `${name}-${p}`).slice(0, 20).trim()])) as Record<DatePart, string>;
  let date;
  if (whole !== '' && DATE_PARTS.every((p) => parts[p] === '')) {
    date = readDateText(whole);
    if (!date) return fail({ message: answerMessage('dateInvalid', label) });
  } else {
    const empty = DATE_PARTS.filter((p) => parts[p] === '');
    if (empty.length === 3) return field.required ? fail({ message: answerMessage('required', label), parts: ['day'], anchor: `${name}-year` }) : { errors: {} };
    if (empty.length > 0) {
      const words = { year: ['年', 'year'], month: ['月', 'month'], day: ['日', 'day'] } as const;
      return fail({ message: answerMessage('dateIncomplete', label, { partsJa: empty.map((p) => words[p][0]).join('と'), partsEn: empty.map((p) => words[p][1]).join(' and ') }), parts: empty });
    }
    const year = readYear(parts.year);
    const month = Number(normaliseNumber(parts.month));
    const day = Number(normaliseNumber(parts.day));
    date = year === undefined ? undefined : { year, month, day };
    if (!date || date.year < 1000 || !isCalendarDate(date)) {
      const wrong: DatePart[] = year === undefined || year < 1000 ? ['year'] : !(month >= 1 && month <= 12) ? ['month'] : ['day'];
      return fail({ message: answerMessage('dateInvalid', label), parts: wrong });
    }
  }
  const value = isoDate(date);
  const bound = (b: number | string | undefined) => (b === 'today' ? options.today : typeof b === 'string' ? b : undefined);
  const min = bound(field.min);
  const max = bound(field.max);
  if (min !== undefined && value < min) return fail({ message: field.min === 'today' ? answerMessage('datePast', label) : answerMessage('dateMin', label, { date: min }), anchor: `${name}-year` });
  if (max !== undefined && value > max) return fail({ message: field.max === 'today' ? answerMessage('dateFuture', label) : answerMessage('dateMax', label, { date: max }), anchor: `${name}-year` });
  return { value, errors: {} };
}

function checkFile(field: ResolvedField, submitted: FormValues, name: string, options: AnswerOptions): Checked {
  const label = field.label;
  const fail = (error: FieldError): Checked => ({ errors: { [name]: error } });
  const upload = options.files?.[name];
  // Without the upload itself (a preview posts the form without the file) only the name is known.
  const filename = upload?.filename ?? first(submitted, name).trim();
  if (filename === '') return field.required ? fail({ message: answerMessage('fileMissing', label) }) : { errors: {} };
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1]?.toLowerCase();
  if (field.accept?.length && (!extension || !field.accept.includes(extension))) return fail({ message: answerMessage('fileType', label, { types: field.accept.map((a) => a.toUpperCase()).join('・') }) });
  if (upload && field.maxBytes !== undefined && upload.bytes > field.maxBytes) return fail({ message: answerMessage('fileSize', label, { size: formatBytes(field.maxBytes) }) });
  return { value: upload ? { filename, bytes: upload.bytes } : { filename }, errors: {} };
}

export const formatBytes = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10}MB` : `${Math.ceil(bytes / 1024)}KB`);

function checkGroup(field: ResolvedField, submitted: FormValues, name: string, options: AnswerOptions, scope: Answers): Checked {
  const count = groupCount(field, submitted);
  const items: Array<Record<string, AnswerValue>> = [];
  const errors: Record<string, FieldError> = {};
  for (let i = 0; i < count; i++) {
    const item: Answers = {};
    for (const inner of field.fields ?? []) {
      // An item's condition may name the item's earlier fields or the form's.
      if (!conditionHolds(inner.showIf, { ...scope, ...item })) continue;
      const result = checkField(inner, submitted, `${name}-${i}-`, item, options);
      if (result.value !== undefined) item[inner.key] = result.value;
      Object.assign(errors, result.errors);
    }
    items.push(item);
  }
  const label = field.label;
  if (field.minItems !== undefined && count < field.minItems) errors[name] = { message: answerMessage('tooFewItems', label, { n: field.minItems }) };
  return { value: items, errors };
}
