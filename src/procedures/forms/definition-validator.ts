// Checks a form definition before it is published, so a resident never meets a broken form.
// Each problem names the page and field (a JSON pointer plus the ids) in Japanese and English:
// duplicate keys, unknown types or dictionary entries, conditions on unknown or later fields or
// in a cycle, unsafe or invalid patterns, min above max, empty pages, groups inside groups,
// choices without options. Drafts may be saved with problems; only publishing needs none.
import type { FieldProblem } from '../../platform/errors.ts';
import { FIELD_KEY, isFieldType, LIMITS, PAGE_ID, resolveField, type Condition, type Dictionary, type FormDefinition, type FormField } from './form-definition.ts';
import { patternRisk } from './safe-pattern.ts';

const CHOICE_TYPES = new Set(['select', 'radio', 'checkbox']);
const TEXT_TYPES = new Set(['text', 'kana']);

export function validateDefinition(definition: FormDefinition, dictionary: Dictionary): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (name: string, ja: string, en: string) => problems.push({ name, in: 'body', detail: { ja, en } });
  if (definition.pages.length === 0) problem('/pages', 'ページが一つもありません', 'The form has no pages');

  // Keys are unique across the form (a bulk application maps answers by key); the order is the
  // order a resident meets them, which conditions must respect.
  const order = new Map<string, number>();
  const conditions: Array<{ from: string; condition: Condition; pointer: string; position: number; scope: Map<string, number> | undefined }> = [];
  const pageIds = new Set<string>();
  let position = 0;

  const checkField = (field: FormField, pointer: string, depth: number, scope: Map<string, number>, where: { ja: string; en: string }) => {
    const at = (ja: string, en: string, sub = '') => problem(`${pointer}${sub}`, `${where.ja}の項目「${field.key}」: ${ja}`, `${where.en}, field "${field.key}": ${en}`);
    if (!new RegExp(FIELD_KEY).test(field.key)) at('キーは英小文字で始まる英数字（41文字まで）にしてください', 'the key must start with a lower-case letter and use letters and digits only (up to 41)', '/key');
    if (scope.has(field.key)) at('キーが重複しています', 'the key is used twice', '/key');
    const me = position++;
    scope.set(field.key, me);
    if (field.dictionary !== undefined && !dictionary.has(field.dictionary)) at(`共通項目辞書に「${field.dictionary}」がありません`, `the common field dictionary has no entry "${field.dictionary}"`, '/dictionary');
    const resolved = resolveField(field, dictionary);
    if (!resolved.type) at('種類がありません（type か dictionary を指定してください）', 'it has no type (give a type or a dictionary entry)', '/type');
    else if (!isFieldType(resolved.type)) at(`種類「${resolved.type}」はありません`, `there is no field type "${resolved.type}"`, '/type');
    if (!field.label && !(field.dictionary && dictionary.has(field.dictionary))) at('ラベルがありません', 'it has no label', '/label');
    if (CHOICE_TYPES.has(resolved.type) && (resolved.options?.length ?? 0) === 0) at('選択肢がありません', 'it has no options', '/options');
    if (resolved.options) {
      const values = new Set<string>();
      resolved.options.forEach((o, i) => {
        if (values.has(o.value)) at(`選択肢の値「${o.value}」が重複しています`, `option value "${o.value}" is used twice`, `/options/${i}/value`);
        values.add(o.value);
      });
    }
    if (resolved.minLength !== undefined && resolved.maxLength !== undefined && resolved.minLength > resolved.maxLength) at('最小文字数が最大文字数より大きくなっています', 'the minimum length is greater than the maximum length', '/minLength');
    checkRange(resolved.type, resolved.min, resolved.max, at);
    if (resolved.pattern !== undefined) {
      if (!TEXT_TYPES.has(resolved.type)) at('パターンは文字の項目（text, kana）にだけ使えます', 'a pattern applies only to text and kana fields', '/pattern');
      const risk = patternRisk(resolved.pattern);
      if (risk === 'invalid') at('パターンが正規表現として正しくありません', 'the pattern is not a valid regular expression', '/pattern');
      else if (risk === 'too-long') at(`パターンは${LIMITS.patternLength}文字までにしてください`, `the pattern must be at most ${LIMITS.patternLength} characters`, '/pattern');
      else if (risk === 'unsafe') at('パターンに繰り返しの入れ子や後方参照があり、処理に時間がかかるおそれがあるため使えません', 'the pattern nests repetitions or uses back-references, which can take very long to check; simplify it', '/pattern');
    }
    if (resolved.type === 'group') {
      if (depth > 0) at('繰り返しの中に繰り返しは入れられません', 'a repeating group cannot contain another repeating group', '/type');
      if ((resolved.fields?.length ?? 0) === 0) at('繰り返しの中に項目がありません', 'the repeating group has no fields', '/fields');
      if (resolved.minItems !== undefined && resolved.maxItems !== undefined && resolved.minItems > resolved.maxItems) at('最小件数が最大件数より大きくなっています', 'the minimum number of items is greater than the maximum', '/minItems');
      // Inside a group, a condition refers to the same item's earlier fields.
      const inner = new Map<string, number>();
      (field.fields ?? []).forEach((f, i) => checkField(f, `${pointer}/fields/${i}`, depth + 1, inner, { ja: `${where.ja}「${field.key}」の中`, en: `${where.en}, group "${field.key}"` }));
      // Fields inherited from the dictionary entry are checked there, not here.
    } else if (field.fields !== undefined) at('繰り返し（group）以外の項目に fields は使えません', 'only a repeating group may have fields', '/fields');
    if (field.showIf) conditions.push({ from: field.key, condition: field.showIf, pointer: `${pointer}/showIf/field`, position: me, scope: depth > 0 ? scope : undefined });
  };

  definition.pages.forEach((page, pi) => {
    const where = { ja: `ページ「${page.id}」`, en: `Page "${page.id}"` };
    if (!new RegExp(PAGE_ID).test(page.id)) problem(`/pages/${pi}/id`, `${where.ja}: IDは英小文字で始まる英数字とハイフンにしてください`, `Page "${page.id}": the id must start with a lower-case letter and use a-z, 0-9 and hyphens`);
    if (pageIds.has(page.id)) problem(`/pages/${pi}/id`, `${where.ja}: IDが重複しています`, `Page "${page.id}": the id is used twice`);
    pageIds.add(page.id);
    if (page.fields.length === 0) problem(`/pages/${pi}/fields`, `${where.ja}に項目が一つもありません`, `Page "${page.id}" has no fields`);
    // A page's condition is checked as if it stood before the page's first field.
    if (page.showIf) conditions.push({ from: `page:${page.id}`, condition: page.showIf, pointer: `/pages/${pi}/showIf/field`, position: position - 0.5, scope: undefined });
    page.fields.forEach((f, fi) => checkField(f, `/pages/${pi}/fields/${fi}`, 0, order, where));
  });

  checkConditions(conditions, order, problem);
  return problems;
}

function checkRange(type: string, min: number | string | undefined, max: number | string | undefined, at: (ja: string, en: string, sub?: string) => void) {
  if (min === undefined && max === undefined) return;
  if (type === 'number') {
    if ((min !== undefined && typeof min !== 'number') || (max !== undefined && typeof max !== 'number')) return at('数値の範囲は数で指定してください', 'a number range must be given as numbers', '/min');
  } else if (type === 'date') {
    const ok = (v: unknown) => v === undefined || v === 'today' || (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)));
    if (!ok(min) || !ok(max)) return at('日付の範囲は YYYY-MM-DD か today で指定してください', 'a date range must be YYYY-MM-DD or "today"', '/min');
  } else return at('範囲（min, max）は数値と日付の項目にだけ使えます', 'a range (min, max) applies only to number and date fields', '/min');
  const value = (v: number | string | undefined) => (v === 'today' ? undefined : v);
  const lo = value(min);
  const hi = value(max);
  if (lo !== undefined && hi !== undefined && lo > hi) at('最小値が最大値より大きくなっています', 'the minimum is greater than the maximum', '/min');
}

function checkConditions(
  conditions: Array<{ from: string; condition: Condition; pointer: string; position: number; scope: Map<string, number> | undefined }>,
  order: Map<string, number>,
  problem: (name: string, ja: string, en: string) => void,
) {
  const label = (from: string) => (from.startsWith('page:') ? { ja: `ページ「${from.slice(5)}」`, en: `Page "${from.slice(5)}"` } : { ja: `項目「${from}」`, en: `Field "${from}"` });
  // Cycles first (a → b → a): each would also be "refers to a later field", but the cycle is
  // what the designer needs to see.
  const edges = new Map(conditions.filter((c) => !c.from.startsWith('page:') && !c.scope).map((c) => [c.from, c.condition.field]));
  const inCycle = new Set<string>();
  for (const start of edges.keys()) {
    if (inCycle.has(start)) continue; // each cycle is reported once
    const path = [start];
    let next = edges.get(start);
    while (next !== undefined && !path.includes(next)) {
      path.push(next);
      next = edges.get(next);
    }
    if (next === start) {
      path.forEach((k) => inCycle.add(k));
      const c = conditions.find((x) => x.from === start)!;
      problem(c.pointer, `表示条件が循環しています: ${[...path, start].join(' → ')}`, `The display conditions form a cycle: ${[...path, start].join(' → ')}`);
    }
  }
  for (const c of conditions) {
    if (inCycle.has(c.from)) continue;
    const who = label(c.from);
    // Inside a group: the same item's fields first, then the form's.
    const target = c.scope?.get(c.condition.field) ?? order.get(c.condition.field);
    if (target === undefined) problem(c.pointer, `${who.ja}の表示条件が、ない項目「${c.condition.field}」を参照しています`, `${who.en} is shown on a condition on "${c.condition.field}", which does not exist`);
    else if (c.condition.field === c.from) problem(c.pointer, `${who.ja}の表示条件が自分自身を参照しています`, `${who.en} is shown on a condition on itself`);
    else if (target >= c.position) {
      problem(c.pointer, `${who.ja}の表示条件は、それより前の項目「${c.condition.field}」を参照してください`, `${who.en} must be shown on a condition on an earlier field, and "${c.condition.field}" comes later`);
    }
  }
}
