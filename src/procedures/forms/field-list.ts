// Field lists: the quick way to digitise a paper form (003B P3.2: 既存様式を取り込み、項目と必須
// チェックを設定). A designer types the paper form's boxes into a spreadsheet, one row per field,
// and imports it as CSV (or the same rows as JSON); the result is a draft to refine and publish.
// Export writes the same columns, so a form can go out to a spreadsheet and back.
//
// Columns (the header row names them; order is free, unknown columns are refused):
//   page, page_title_ja, page_title_en, key, type, dictionary, label_ja, label_en, hint_ja,
//   hint_en, required, min, max, min_length, max_length, pattern, options, accept, max_bytes,
//   group, show_if
// `options` is 「value=日本語/English|…」; `accept` 「pdf|jpg」; `show_if` 「field=value」 or
// 「field」 (several values: 「field=a|b」); `group` names the repeating group a row belongs to. A row without a page gets a
// page of its own: one question per page.
import { parse } from 'csv-parse/sync';
import type { FieldProblem, Localized } from '../../platform/errors.ts';
import type { FormDefinition, FormField, FormPage } from './form-definition.ts';

export const FIELD_LIST_COLUMNS = ['page', 'page_title_ja', 'page_title_en', 'key', 'type', 'dictionary', 'label_ja', 'label_en', 'hint_ja', 'hint_en', 'required', 'min', 'max', 'min_length', 'max_length', 'pattern', 'options', 'accept', 'max_bytes', 'group', 'show_if'] as const;
type Row = Partial<Record<(typeof FIELD_LIST_COLUMNS)[number], string>>;
export const MAX_ROWS = 500;

export class FieldListError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super('invalid field list');
  }
}

export function parseFieldListCsv(text: string): Row[] {
  let records: Row[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 0;
    throw new FieldListError([{ name: `line ${line}`, in: 'body', detail: { ja: `CSVとして読めません（${line}行目）`, en: `Not valid CSV (line ${line})` } }]);
  }
  checkColumns(Object.keys(records[0] ?? {}));
  return records;
}

/** The JSON form of a field list, `{ "title"?, "fields": [rows] }`: its rows and title. */
export function parseFieldListJson(body: unknown): { rows: Row[]; title?: Localized } {
  const value = body as { title?: Localized; fields?: unknown } | null;
  if (!value || typeof value !== 'object' || !Array.isArray(value.fields)) throw new FieldListError([{ name: '/fields', in: 'body', detail: { ja: 'fields（項目の配列）がありません', en: 'fields (an array of rows) is missing' } }]);
  if (!value.fields.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) throw new FieldListError([{ name: '/fields', in: 'body', detail: { ja: 'fields の各要素は項目（オブジェクト）にしてください', en: 'Each element of fields must be an object' } }]);
  const rows = value.fields as Row[];
  checkColumns(rows.flatMap((row) => Object.keys(row)));
  const title = value.title?.ja && value.title.en ? { ja: String(value.title.ja).slice(0, 200), en: String(value.title.en).slice(0, 200) } : undefined;
  return { rows, ...(title ? { title } : {}) };
}

/** Refuses names that are not columns (a typo would otherwise drop a rule silently). */
export function checkColumns(names: Iterable<string>): void {
  const unknown = [...new Set(names)].filter((c) => !(FIELD_LIST_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) throw new FieldListError(unknown.map((c) => ({ name: c, in: 'body', detail: { ja: `列「${c}」は使えません（使える列: ${FIELD_LIST_COLUMNS.join(', ')}）`, en: `Unknown column "${c}" (known: ${FIELD_LIST_COLUMNS.join(', ')})` } })));
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).slice(0, 41);

/** Rows (from CSV, or JSON objects with the same names) to a definition; problems name the row. */
export function definitionFromRows(rows: Row[], title: Localized): FormDefinition {
  if (rows.length === 0 || rows.length > MAX_ROWS) throw new FieldListError([{ name: 'rows', in: 'body', detail: { ja: `項目は1行から${MAX_ROWS}行までです`, en: `Give between 1 and ${MAX_ROWS} rows` } }]);
  const problems: FieldProblem[] = [];
  const pages: FormPage[] = [];
  const groups = new Map<string, FormField>();
  rows.forEach((row, i) => {
    const line = i + 2; // the header is line 1
    const bad = (column: string, ja: string, en: string) => problems.push({ name: `/rows/${i}/${column}`, in: 'body', detail: { ja: `${line}行目の「${column}」: ${ja}`, en: `Line ${line}, "${column}": ${en}` } });
    const get = (c: keyof Row) => (typeof row[c] === 'string' ? row[c]!.trim() : row[c] === undefined || row[c] === null ? '' : String(row[c]));
    const key = get('key');
    if (!key) return bad('key', 'キーがありません', 'the key is missing');
    const field: FormField = { key };
    if (get('type')) field.type = get('type');
    if (get('dictionary')) field.dictionary = get('dictionary');
    const pair = (ja: string, en: string, column: string): Localized | undefined => {
      if (!ja && !en) return undefined;
      if (!ja || !en) bad(column, '日本語と英語の両方が必要です', 'both Japanese and English are needed');
      return { ja: ja || en, en: en || ja };
    };
    const label = pair(get('label_ja'), get('label_en'), 'label_ja');
    if (label) field.label = label;
    const hint = pair(get('hint_ja'), get('hint_en'), 'hint_ja');
    if (hint) field.hint = hint;
    const required = get('required').toLowerCase();
    if (required) {
      if (['true', 'yes', '1', '必須', '○', 'y'].includes(required)) field.required = true;
      else if (['false', 'no', '0', '任意', 'n', ''].includes(required)) field.required = false;
      else bad('required', '「必須」か「任意」（true/false）にしてください', 'use true or false');
    }
    const number = (column: 'min_length' | 'max_length' | 'max_bytes') => {
      const value = get(column);
      if (!value) return undefined;
      if (!/^\d{1,9}$/.test(value)) bad(column, '0以上の整数にしてください', 'use a whole number of 0 or more');
      return Number(value);
    };
    const minLength = number('min_length');
    const maxLength = number('max_length');
    const maxBytes = number('max_bytes');
    if (minLength !== undefined) field.minLength = minLength;
    if (maxLength !== undefined) field.maxLength = maxLength;
    if (maxBytes !== undefined) field.maxBytes = maxBytes;
    for (const bound of ['min', 'max'] as const) {
      const value = get(bound);
      if (value) field[bound] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
    if (get('pattern')) field.pattern = get('pattern');
    if (get('accept')) field.accept = get('accept').toLowerCase().split('|').map((a) => a.trim().replace(/^\./, '')).filter(Boolean);
    if (get('options')) {
      field.options = get('options').split('|').map((part) => {
        const m = /^([^=]+)=([^/]+)\/(.+)$/.exec(part.trim());
        if (!m) {
          bad('options', `「${part}」は「値=日本語/English」の形にしてください`, `"${part}" must be "value=日本語/English"`);
          return { value: part.trim() || '?', label: { ja: part, en: part } };
        }
        return { value: m[1]!.trim(), label: { ja: m[2]!.trim(), en: m[3]!.trim() } };
      });
    }
    if (get('show_if')) {
      const [on, equals] = get('show_if').split('=').map((s) => s.trim());
      const values = equals ? equals.split('|').map((v) => v.trim()) : [];
      field.showIf = values.length > 1 ? { field: on!, equals: values } : values.length === 1 ? { field: on!, equals: values[0]! } : { field: on! };
    }
    const group = get('group');
    if (group) {
      const parent = groups.get(group);
      if (!parent) return bad('group', `繰り返し「${group}」が、この行より前にありません`, `the repeating group "${group}" is not defined above this line`);
      (parent.fields ??= []).push(field);
      return;
    }
    // Any earlier row may be named as a group (a dictionary 世帯 has no type on the row); one that
    // is not a group is then reported by the definition checks, naming the field.
    groups.set(key, field);
    const pageId = get('page') || kebab(key);
    let page = pages.find((p) => p.id === pageId);
    if (!page) {
      page = { id: pageId, fields: [] };
      const pageTitle = pair(get('page_title_ja'), get('page_title_en'), 'page_title_ja');
      if (pageTitle) page.title = pageTitle;
      pages.push(page);
    }
    page.fields.push(field);
  });
  if (problems.length) throw new FieldListError(problems);
  return { title, pages };
}

/** A definition's fields as rows with the import's columns. */
export function rowsOfDefinition(definition: FormDefinition): Row[] {
  const rows: Row[] = [];
  const rowOf = (field: FormField, page: FormPage, group?: string): Row => ({
    page: page.id,
    page_title_ja: page.title?.ja ?? '',
    page_title_en: page.title?.en ?? '',
    key: field.key,
    type: field.type ?? '',
    dictionary: field.dictionary ?? '',
    label_ja: field.label?.ja ?? '',
    label_en: field.label?.en ?? '',
    hint_ja: field.hint?.ja ?? '',
    hint_en: field.hint?.en ?? '',
    required: field.required === undefined ? '' : String(field.required),
    min: field.min === undefined ? '' : String(field.min),
    max: field.max === undefined ? '' : String(field.max),
    min_length: field.minLength === undefined ? '' : String(field.minLength),
    max_length: field.maxLength === undefined ? '' : String(field.maxLength),
    pattern: field.pattern ?? '',
    options: (field.options ?? []).map((o) => `${o.value}=${o.label.ja}/${o.label.en}`).join('|'),
    accept: (field.accept ?? []).join('|'),
    max_bytes: field.maxBytes === undefined ? '' : String(field.maxBytes),
    group: group ?? '',
    show_if: field.showIf ? (field.showIf.equals === undefined ? field.showIf.field : `${field.showIf.field}=${[field.showIf.equals].flat().join('|')}`) : '',
  });
  for (const page of definition.pages) {
    for (const field of page.fields) {
      rows.push(rowOf(field, page));
      for (const inner of field.fields ?? []) rows.push(rowOf(inner, page, field.key));
    }
  }
  return rows;
}

const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export function fieldListCsv(definition: FormDefinition): string {
  const lines = [FIELD_LIST_COLUMNS.join(',')];
  for (const row of rowsOfDefinition(definition)) lines.push(FIELD_LIST_COLUMNS.map((c) => cell(row[c] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
