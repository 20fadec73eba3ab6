// The form builder's edits to a draft, as pure functions the staff pages call: find a field by
// its reference (「key」, or 「group.key」 inside a repeating group), read a field from the
// editor's form inputs (every problem named by input, in Japanese and English), move or remove a
// field or a page, and find where a definition problem (a JSON pointer) sits on the editor page.
// The result is always a whole new definition; the caller saves it under the draft version it
// loaded, so two designers never overwrite each other.
import type { Localized } from '../../platform/errors.ts';
import type { FieldErrors, FormValues } from '../../platform/ui/form-errors.ts';
import { FIELD_KEY, FIELD_TYPES, isFieldType, LIMITS, PAGE_ID, resolveField, type Dictionary, type FieldOption, type FormDefinition, type FormField, type FormPage } from './form-definition.ts';

export const CHOICE_TYPES = new Set(['select', 'radio', 'checkbox']);
export const TEXT_TYPES = new Set(['text', 'kana']);
export const RANGE_TYPES = new Set(['number', 'date']);

export interface FieldLocation {
  page: FormPage;
  pageIndex: number;
  /** The field's list (the page's, or its group's) and its place in it. */
  list: FormField[];
  index: number;
  field: FormField;
  group?: FormField;
}

const clone = (definition: FormDefinition): FormDefinition => structuredClone(definition);

/** The reference the pages use: 「key」 on a page, 「group.key」 inside a group (keys have no dots). */
export const fieldRef = (field: FormField, group?: FormField) => (group ? `${group.key}.${field.key}` : field.key);
/** The element id of a field on the editor page (what the error summary links to). */
export const fieldAnchor = (ref: string) => `field-${ref.replace('.', '-')}`;
export const pageAnchor = (id: string) => `page-${id}`;

export function locateField(definition: FormDefinition, ref: string): FieldLocation | undefined {
  const [first, inner] = ref.split('.');
  for (const [pageIndex, page] of definition.pages.entries()) {
    const index = page.fields.findIndex((f) => f.key === first);
    if (index < 0) continue;
    const field = page.fields[index]!;
    if (inner === undefined) return { page, pageIndex, list: page.fields, index, field };
    const innerIndex = (field.fields ?? []).findIndex((f) => f.key === inner);
    if (innerIndex < 0) return undefined;
    return { page, pageIndex, list: field.fields!, index: innerIndex, field: field.fields![innerIndex]!, group: field };
  }
  return undefined;
}

/** The editor anchor for a definition problem's pointer (/pages/0/fields/2/options/1/value → the field). */
export function anchorOfPointer(definition: FormDefinition, pointer: string): string {
  const m = /^\/pages\/(\d+)(?:\/fields\/(\d+)(?:\/fields\/(\d+))?)?/.exec(pointer);
  const page = m ? definition.pages[Number(m[1])] : undefined;
  if (!page) return 'pages';
  const field = m![2] !== undefined ? page.fields[Number(m![2])] : undefined;
  if (!field) return pageAnchor(page.id);
  const inner = m![3] !== undefined ? field.fields?.[Number(m![3])] : undefined;
  return fieldAnchor(inner ? fieldRef(inner, field) : field.key);
}

/** Moves a field (or page) one place up or down, or removes it. */
export function moveField(definition: FormDefinition, ref: string, action: 'up' | 'down' | 'remove'): FormDefinition | undefined {
  const next = clone(definition);
  const at = locateField(next, ref);
  if (!at) return undefined;
  if (action === 'remove') at.list.splice(at.index, 1);
  else {
    const to = at.index + (action === 'up' ? -1 : 1);
    if (to < 0 || to >= at.list.length) return next;
    [at.list[at.index], at.list[to]] = [at.list[to]!, at.list[at.index]!];
  }
  return next;
}

export function movePage(definition: FormDefinition, id: string, action: 'up' | 'down' | 'remove'): FormDefinition | undefined {
  const next = clone(definition);
  const index = next.pages.findIndex((p) => p.id === id);
  if (index < 0) return undefined;
  if (action === 'remove') next.pages.splice(index, 1);
  else {
    const to = index + (action === 'up' ? -1 : 1);
    if (to >= 0 && to < next.pages.length) [next.pages[index], next.pages[to]] = [next.pages[to]!, next.pages[index]!];
  }
  return next;
}

const text = (values: FormValues, name: string) => {
  const v = values[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
};
const msg = (ja: string, en: string): Localized => ({ ja, en });

/** A ja/en pair from two inputs: both, or neither. */
function pair(values: FormValues, base: string, errors: FieldErrors, what: Localized, max: number): Localized | undefined {
  const ja = text(values, `${base}Ja`);
  const en = text(values, `${base}En`);
  if (!ja && !en) return undefined;
  if (!ja) errors[`${base}Ja`] = msg(`${what.ja}（日本語）を入力してください（英語だけでは保存できません）`, `Enter the ${what.en} in Japanese too`);
  else if (!en) errors[`${base}En`] = msg(`${what.ja}（英語）を入力してください（日本語だけでは保存できません）`, `Enter the ${what.en} in English too`);
  else if (ja.length > max || en.length > max) errors[`${base}Ja`] = msg(`${what.ja}は${max}文字までです`, `The ${what.en} is at most ${max} characters`);
  return { ja, en };
}

function whole(values: FormValues, name: string, errors: FieldErrors, min: number, max: number, what: Localized): number | undefined {
  const value = text(values, name).normalize('NFKC');
  if (!value) return undefined;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    errors[name] = msg(`${what.ja}は${min}から${max.toLocaleString('ja-JP')}までの整数で入力してください`, `Enter the ${what.en} as a whole number from ${min} to ${max.toLocaleString('en-GB')}`);
    return undefined;
  }
  return Number(value);
}

/** A range bound: a number for number fields, an ISO date or 「today」 for dates. */
function bound(values: FormValues, name: string, type: string, errors: FieldErrors, what: Localized): number | string | undefined {
  const value = text(values, name).normalize('NFKC');
  if (!value) return undefined;
  if (type === 'number') {
    if (/^-?\d{1,15}(\.\d{1,6})?$/.test(value)) return Number(value);
    errors[name] = msg(`${what.ja}は数で入力してください（例: 0、100）`, `Enter the ${what.en} as a number (e.g. 0, 100)`);
  } else {
    if (value === 'today' || value === '今日') return 'today';
    if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
    errors[name] = msg(`${what.ja}は YYYY-MM-DD の日付か today で入力してください（例: 2024-04-01）`, `Enter the ${what.en} as a date YYYY-MM-DD or "today"`);
  }
  return undefined;
}

/** 「value=日本語/English」, one option a line; errors name the line. */
export function parseOptions(source: string): { options: FieldOption[]; problem?: Localized } {
  const options: FieldOption[] = [];
  const lines = source.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length > LIMITS.options) return { options, problem: msg(`選択肢は${LIMITS.options}個までです`, `At most ${LIMITS.options} options`) };
  for (const [i, line] of lines.entries()) {
    const m = /^([^=]{1,100})=([^/]{1,300})\/(.{1,300})$/.exec(line);
    if (!m) return { options, problem: msg(`選択肢の${i + 1}行目「${line.slice(0, 40)}」を「値=日本語/English」の形にしてください`, `Option line ${i + 1} "${line.slice(0, 40)}" must be "value=日本語/English"`) };
    options.push({ value: m[1]!.trim(), label: { ja: m[2]!.trim(), en: m[3]!.trim() } });
  }
  return { options };
}

export const optionsText = (options: FieldOption[] | undefined) => (options ?? []).map((o) => `${o.value}=${o.label.ja}/${o.label.en}`).join('\n');

/**
 * The field as the edit page posted it. Which rule inputs apply depends on the field's type
 * (after the dictionary): those the page did not show keep their stored values. Checks here are
 * what a single input can get wrong; what depends on the whole form (duplicate keys across
 * pages, conditions on later fields) is the definition validator's, shown on the editor.
 */
export function fieldFromInputs(values: FormValues, existing: FormField | undefined, dictionary: Dictionary, siblings: string[]): { field: FormField; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const key = text(values, 'key');
  if (!key) errors.key = msg('キー（英字の項目名）を入力してください', 'Enter the key (the field’s name in letters)');
  else if (!new RegExp(FIELD_KEY).test(key)) errors.key = msg('キーは英小文字で始まる英数字（41文字まで）にしてください（例: childName）', 'The key must start with a lower-case letter and use letters and digits only, up to 41 (e.g. childName)');
  else if (siblings.includes(key)) errors.key = msg(`キー「${key}」はこの様式ですでに使われています`, `The key "${key}" is already used in this form`);
  const entryKey = text(values, 'dictionary');
  const entry = entryKey ? dictionary.get(entryKey) : undefined;
  if (entryKey && !entry) errors.dictionary = msg('共通項目辞書から選んでください', 'Choose an entry of the common field dictionary');
  const type = text(values, 'type');
  if (type && !isFieldType(type)) errors.type = msg(`種類は ${FIELD_TYPES.join(', ')} から選んでください`, `Choose a type: ${FIELD_TYPES.join(', ')}`);
  else if (!type && !entry) errors.type = msg('種類を選ぶか、共通項目辞書の項目を選んでください', 'Choose a type, or an entry of the common field dictionary');

  // The rules this field keeps unless the page showed their inputs.
  const field: FormField = { ...(existing ?? {}), key };
  delete field.dictionary;
  delete field.type;
  if (entry) field.dictionary = entry.key;
  if (type) field.type = type;
  const label = pair(values, 'label', errors, msg('ラベル', 'label'), 300);
  if (label) field.label = label;
  else delete field.label;
  if (!label && !entry && !errors.labelJa && !errors.labelEn) errors.labelJa = msg('ラベル（日本語）を入力してください', 'Enter the label in Japanese');
  const hint = pair(values, 'hint', errors, msg('説明', 'help text'), 2000);
  if (hint) field.hint = hint;
  else delete field.hint;
  const required = text(values, 'required');
  if (required === 'yes') field.required = true;
  else if (required === 'no') field.required = false;
  else delete field.required;

  const shown = new Set(String(values._shown ?? '').split(',').filter(Boolean));
  const resolvedType = resolveField(field, dictionary).type ?? '';
  const setOrDelete = <K extends keyof FormField>(name: K, value: FormField[K] | undefined) => {
    if (value === undefined) delete field[name];
    else field[name] = value;
  };
  if (shown.has('text')) {
    setOrDelete('minLength', whole(values, 'minLength', errors, 0, LIMITS.textLength, msg('最小文字数', 'minimum length')));
    setOrDelete('maxLength', whole(values, 'maxLength', errors, 1, LIMITS.textLength, msg('最大文字数', 'maximum length')));
    const pattern = text(values, 'pattern');
    if (pattern.length > LIMITS.patternLength) errors.pattern = msg(`パターンは${LIMITS.patternLength}文字までにしてください`, `The pattern must be at most ${LIMITS.patternLength} characters`);
    setOrDelete('pattern', pattern || undefined);
    setOrDelete('patternMessage', pair(values, 'patternMessage', errors, msg('パターンに合わないときの説明', 'message when the pattern does not match'), 300));
    setOrDelete('multiline', values.multiline === 'yes' ? true : undefined);
  }
  if (shown.has('range')) {
    setOrDelete('min', bound(values, 'min', resolvedType, errors, msg('最小値', 'minimum')));
    setOrDelete('max', bound(values, 'max', resolvedType, errors, msg('最大値', 'maximum')));
    setOrDelete('integer', resolvedType === 'number' && values.integer === 'yes' ? true : undefined);
  }
  if (shown.has('options')) {
    const source = text(values, 'options');
    if (!source && !entry) errors.options = msg('選択肢を1行に1つ「値=日本語/English」で入力してください', 'Enter the options, one a line, as "value=日本語/English"');
    const parsed = parseOptions(source);
    if (parsed.problem) errors.options = parsed.problem;
    setOrDelete('options', parsed.options.length ? parsed.options : undefined);
  }
  if (shown.has('file')) {
    const accept = text(values, 'accept').toLowerCase().split(/[|,\s]+/).map((a) => a.replace(/^\./, '')).filter(Boolean);
    if (accept.some((a) => !/^[a-z0-9]{1,10}$/.test(a)) || accept.length > 20) errors.accept = msg('ファイルの種類は拡張子を「pdf|jpg|png」のように入力してください', 'Enter the file kinds as extensions, e.g. "pdf|jpg|png"');
    setOrDelete('accept', accept.length ? accept : undefined);
    setOrDelete('maxBytes', whole(values, 'maxBytes', errors, 1, LIMITS.fileBytes, msg('最大サイズ（バイト）', 'largest size (bytes)')));
  }
  if (shown.has('group')) {
    setOrDelete('minItems', whole(values, 'minItems', errors, 0, LIMITS.groupItems, msg('最小件数', 'minimum number of items')));
    setOrDelete('maxItems', whole(values, 'maxItems', errors, 1, LIMITS.groupItems, msg('最大件数', 'maximum number of items')));
    setOrDelete('itemLabel', pair(values, 'itemLabel', errors, msg('1件の呼び方', 'name of one item'), 100));
  }
  const on = text(values, 'showIfField');
  const equals = text(values, 'showIfEquals').split('|').map((v) => v.trim()).filter(Boolean);
  if (!on && equals.length) errors.showIfField = msg('表示条件の項目（キー）を入力してください', 'Enter the key of the field the condition is on');
  setOrDelete('showIf', on ? { field: on, ...(equals.length === 1 ? { equals: equals[0]! } : equals.length > 1 ? { equals } : {}) } : undefined);
  return { field, errors };
}

/** The rule sections the edit page shows for a field of this (resolved) type. */
export function sectionsFor(type: string): string[] {
  if (TEXT_TYPES.has(type)) return ['text'];
  if (RANGE_TYPES.has(type)) return ['range'];
  if (CHOICE_TYPES.has(type)) return ['options'];
  if (type === 'file') return ['file'];
  if (type === 'group') return ['group'];
  return [];
}

/** Every key of the form, for uniqueness (within a group: the group's own keys). */
export function keysBeside(definition: FormDefinition, group: FormField | undefined, except?: string): string[] {
  const keys = group ? (group.fields ?? []).map((f) => f.key) : definition.pages.flatMap((p) => p.fields.map((f) => f.key));
  return keys.filter((k) => k !== except);
}

export function checkPageId(definition: FormDefinition, id: string): Localized | undefined {
  if (!new RegExp(PAGE_ID).test(id)) return msg('ページIDは英小文字で始まる英小文字・数字・ハイフンにしてください（例: applicant）', 'The page id must start with a lower-case letter and use a-z, 0-9 and hyphens (e.g. applicant)');
  if (definition.pages.some((p) => p.id === id)) return msg(`ページID「${id}」はすでにあります`, `There is already a page "${id}"`);
  return undefined;
}
