// The navigation builder's page holds a whole navigation as one HTML form (no JavaScript, no
// server-side draft): questions, their options, each option's procedures with why, and the next
// question. These functions turn a definition into the form's rows, the posted rows back into a
// definition (blank rows dropped, so an empty slot at the end of each list is how one adds), and
// a definition problem's JSON pointer into the input it is about, for the error summary.
import type { Localized } from '../../platform/errors.ts';
import type { FieldErrors, FormValues } from '../../platform/ui/form-errors.ts';
import type { Applies, NavigationDefinition, NavigationOption, NavigationQuestion } from './navigation-definition.ts';

export interface AppliesRow { proc: string; whyJa: string; whyEn: string }
export interface OptionRow { id: string; labelJa: string; labelEn: string; hintJa: string; hintEn: string; next: string; adds: AppliesRow[] }
export interface QuestionRow { id: string; textJa: string; textEn: string; hintJa: string; hintEn: string; remove: boolean; options: OptionRow[] }
export interface NavigationRows { introJa: string; introEn: string; start: string; always: AppliesRow[]; questions: QuestionRow[] }

const ID = /^[a-z][a-z0-9-]{0,40}$/;
const msg = (ja: string, en: string): Localized => ({ ja, en });
const blankApplies = (): AppliesRow => ({ proc: '', whyJa: '', whyEn: '' });
const blankOption = (): OptionRow => ({ id: '', labelJa: '', labelEn: '', hintJa: '', hintEn: '', next: '', adds: [blankApplies()] });
const blankQuestion = (): QuestionRow => ({ id: '', textJa: '', textEn: '', hintJa: '', hintEn: '', remove: false, options: [blankOption(), blankOption()] });
const isBlankApplies = (a: AppliesRow) => !a.proc && !a.whyJa && !a.whyEn;
const isBlankOption = (o: OptionRow) => !o.id && !o.labelJa && !o.labelEn && !o.hintJa && !o.hintEn && o.adds.every(isBlankApplies);
const isBlankQuestion = (q: QuestionRow) => !q.id && !q.textJa && !q.textEn && !q.hintJa && !q.hintEn && q.options.every(isBlankOption);

/** Input names: `q-1-o-0-p-2-proc`… */
export const names = {
  always: (k: number, part: keyof AppliesRow) => `always-${k}-${part}`,
  question: (i: number, part: string) => `q-${i}-${part}`,
  option: (i: number, j: number, part: string) => `q-${i}-o-${j}-${part}`,
  applies: (i: number, j: number, k: number, part: keyof AppliesRow) => `q-${i}-o-${j}-p-${k}-${part}`,
};

const refOf = (a: Applies, tenant: string) => `${a.procedure.lgCode ?? tenant}/${a.procedure.code}`;
const appliesRow = (a: Applies, tenant: string): AppliesRow => ({ proc: refOf(a, tenant), whyJa: a.why.ja, whyEn: a.why.en });

export function rowsOfDefinition(definition: NavigationDefinition, tenant: string): NavigationRows {
  return {
    introJa: definition.intro?.ja ?? '',
    introEn: definition.intro?.en ?? '',
    start: definition.start,
    always: definition.always.map((a) => appliesRow(a, tenant)),
    questions: definition.questions.map((q) => ({
      id: q.id,
      textJa: q.text.ja,
      textEn: q.text.en,
      hintJa: q.hint?.ja ?? '',
      hintEn: q.hint?.en ?? '',
      remove: false,
      options: q.options.map((o) => ({ id: o.id, labelJa: o.label.ja, labelEn: o.label.en, hintJa: o.hint?.ja ?? '', hintEn: o.hint?.en ?? '', next: o.next ?? '', adds: (o.adds ?? []).map((a) => appliesRow(a, tenant)) })),
    })),
  };
}

/** The rows as posted: every index that appears, in order (the page may have had any number). */
export function rowsOfValues(values: FormValues): NavigationRows {
  const v = (name: string) => {
    const value = values[name];
    return ((Array.isArray(value) ? value[0] : value) ?? '').trim();
  };
  const indices = (pattern: RegExp) => [...new Set(Object.keys(values).flatMap((n) => { const m = pattern.exec(n); return m ? [Number(m[1])] : []; }))].filter((n) => n < 100).sort((a, b) => a - b);
  const applies = (prefix: (k: number, part: keyof AppliesRow) => string, pattern: RegExp): AppliesRow[] =>
    indices(pattern).map((k) => ({ proc: v(prefix(k, 'proc')), whyJa: v(prefix(k, 'whyJa')), whyEn: v(prefix(k, 'whyEn')) }));
  return {
    introJa: v('introJa'),
    introEn: v('introEn'),
    start: v('start'),
    always: applies(names.always, /^always-(\d+)-/),
    questions: indices(/^q-(\d+)-/).map((i) => ({
      id: v(names.question(i, 'id')),
      textJa: v(names.question(i, 'textJa')),
      textEn: v(names.question(i, 'textEn')),
      hintJa: v(names.question(i, 'hintJa')),
      hintEn: v(names.question(i, 'hintEn')),
      remove: v(names.question(i, 'remove')) === 'yes',
      options: indices(new RegExp(`^q-${i}-o-(\\d+)-`)).map((j) => ({
        id: v(names.option(i, j, 'id')),
        labelJa: v(names.option(i, j, 'labelJa')),
        labelEn: v(names.option(i, j, 'labelEn')),
        hintJa: v(names.option(i, j, 'hintJa')),
        hintEn: v(names.option(i, j, 'hintEn')),
        next: v(names.option(i, j, 'next')),
        adds: applies((k, part) => names.applies(i, j, k, part), new RegExp(`^q-${i}-o-${j}-p-(\\d+)-`)),
      })),
    })),
  };
}

/** One empty slot at the end of each list (two options for a new question): how the page adds. */
export function withBlankSlots(rows: NavigationRows): NavigationRows {
  const pad = <T>(list: T[], isBlank: (t: T) => boolean, blank: () => T, max: number) => (list.length < max && (list.length === 0 || !isBlank(list.at(-1)!)) ? [...list, blank()] : list);
  return {
    ...rows,
    always: pad(rows.always, isBlankApplies, blankApplies, 30),
    questions: pad(
      rows.questions.map((q) => ({ ...q, options: pad(q.options.map((o) => ({ ...o, adds: pad(o.adds, isBlankApplies, blankApplies, 20) })), isBlankOption, blankOption, 10) })),
      isBlankQuestion,
      blankQuestion,
      50,
    ),
  };
}

/**
 * The definition the rows describe, what a single input got wrong (by input name), and where
 * each part of the definition came from (JSON pointer → input name) for the validator's problems.
 */
export function definitionOfRows(rows: NavigationRows, tenant: string): { definition: NavigationDefinition; errors: FieldErrors; inputs: Map<string, string> } {
  const errors: FieldErrors = {};
  const inputs = new Map<string, string>([['/start', 'start']]);
  const pairOf = (ja: string, en: string, name: (part: 'Ja' | 'En') => string, what: Localized, required: boolean, max: number): Localized | undefined => {
    if (!ja && !en) {
      if (required) errors[name('Ja')] = msg(`${what.ja}（日本語）を入力してください`, `Enter the ${what.en} in Japanese`);
      return undefined;
    }
    if (!ja) errors[name('Ja')] = msg(`${what.ja}（日本語）も入力してください`, `Enter the ${what.en} in Japanese too`);
    else if (!en) errors[name('En')] = msg(`${what.ja}（英語）も入力してください`, `Enter the ${what.en} in English too`);
    else if (ja.length > max || en.length > max) errors[name('Ja')] = msg(`${what.ja}は${max}文字までです`, `The ${what.en} is at most ${max} characters`);
    return { ja, en };
  };
  const appliesOf = (list: AppliesRow[], name: (k: number, part: keyof AppliesRow) => string, pointer: string): Applies[] => {
    const out: Applies[] = [];
    list.forEach((a, k) => {
      if (isBlankApplies(a)) return;
      const [lgCode, code] = a.proc.split('/');
      if (!lgCode || !code) errors[name(k, 'proc')] = msg('手続を選んでください', 'Choose a procedure');
      const why = pairOf(a.whyJa, a.whyEn, (p) => name(k, p === 'Ja' ? 'whyJa' : 'whyEn'), msg('この手続が必要な理由', 'reason this procedure applies'), true, 500);
      inputs.set(`${pointer}/${out.length}/procedure`, name(k, 'proc'));
      out.push({ procedure: lgCode === tenant ? { code: code ?? '' } : { lgCode: lgCode ?? '', code: code ?? '' }, why: why ?? { ja: '', en: '' } });
    });
    return out;
  };
  const always = appliesOf(rows.always, names.always, '/always');
  const questions: NavigationQuestion[] = [];
  rows.questions.forEach((q, i) => {
    if (q.remove || isBlankQuestion(q)) return;
    const qi = questions.length;
    const at = `/questions/${qi}`;
    inputs.set(at, names.question(i, 'id'));
    inputs.set(`${at}/id`, names.question(i, 'id'));
    if (!ID.test(q.id)) errors[names.question(i, 'id')] = msg('設問IDは英小文字で始まる英小文字・数字・ハイフンにしてください（例: has-car）', 'The question id must start with a lower-case letter and use a-z, 0-9 and hyphens (e.g. has-car)');
    const text = pairOf(q.textJa, q.textEn, (p) => names.question(i, `text${p}`), msg('設問の文', 'question'), true, 300);
    const hint = pairOf(q.hintJa, q.hintEn, (p) => names.question(i, `hint${p}`), msg('設問の説明', 'question’s help text'), false, 1000);
    const options: NavigationOption[] = [];
    q.options.forEach((o, j) => {
      if (isBlankOption(o)) return;
      const oat = `${at}/options/${options.length}`;
      inputs.set(oat, names.option(i, j, 'id'));
      inputs.set(`${oat}/id`, names.option(i, j, 'id'));
      inputs.set(`${oat}/next`, names.option(i, j, 'next'));
      if (!ID.test(o.id)) errors[names.option(i, j, 'id')] = msg('選択肢IDは英小文字で始まる英小文字・数字・ハイフンにしてください（例: yes）', 'The option id must start with a lower-case letter and use a-z, 0-9 and hyphens (e.g. yes)');
      const label = pairOf(o.labelJa, o.labelEn, (p) => names.option(i, j, `label${p}`), msg('選択肢の文', 'option’s label'), true, 200);
      const ohint = pairOf(o.hintJa, o.hintEn, (p) => names.option(i, j, `hint${p}`), msg('選択肢の説明', 'option’s help text'), false, 500);
      const adds = appliesOf(o.adds, (k, part) => names.applies(i, j, k, part), `${oat}/adds`);
      options.push({ id: o.id, label: label ?? { ja: '', en: '' }, ...(ohint ? { hint: ohint } : {}), ...(adds.length ? { adds } : {}), next: o.next || null });
    });
    if (options.length < 2) errors[names.option(i, 0, 'id')] = msg(`設問「${q.id}」には選択肢を2つ以上作ってください`, `Question "${q.id}" needs at least two options`);
    questions.push({ id: q.id, text: text ?? { ja: '', en: '' }, ...(hint ? { hint } : {}), options });
  });
  if (questions.length === 0) errors['q-0-id'] = msg('設問を一つ以上作ってください', 'Create at least one question');
  const intro = pairOf(rows.introJa, rows.introEn, (p) => `intro${p}`, msg('最初の案内文', 'introduction'), false, 1000);
  const definition: NavigationDefinition = { ...(intro ? { intro } : {}), always, start: rows.start || questions[0]?.id || '', questions };
  return { definition, errors, inputs };
}

/** The input a problem's pointer is about: the longest known prefix. */
export function inputOfPointer(inputs: Map<string, string>, pointer: string): string {
  for (let p = pointer; p; p = p.slice(0, p.lastIndexOf('/'))) {
    const found = inputs.get(p);
    if (found) return found;
  }
  return 'start';
}
