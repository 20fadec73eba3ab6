// A life-event navigation (ライフイベントナビ) as staff define it and residents walk it: questions,
// each with options; choosing an option may add procedures (each with why it applies) and leads
// to a further question or ends the walk. Procedures in `always` apply to everyone who starts.
//
// A definition is checked before it is saved (validateNavigation): every reference resolves,
// there are no cycles and no question nobody can reach, every path ends with at least one
// procedure, and every procedure exists and is visible to the tenant (its own, or its
// prefecture's). Each problem names the node (a JSON pointer and the question/option ids) in
// Japanese and English, so a form designer can find it.
import type { FieldProblem, Localized } from '../../platform/errors.ts';

export interface ProcedureRef {
  /** The owner; defaults to the navigation's tenant. A prefecture procedure names the prefecture. */
  lgCode?: string;
  code: string;
}

export interface Applies {
  procedure: ProcedureRef;
  /** Why this procedure applies to someone who answered this way (「なぜこの手続が必要か」). */
  why: Localized;
}

export interface NavigationOption {
  id: string;
  label: Localized;
  hint?: Localized;
  adds?: Applies[];
  /** The next question's id; absent or null ends the walk. */
  next?: string | null;
}

export interface NavigationQuestion {
  id: string;
  text: Localized;
  hint?: Localized;
  options: NavigationOption[];
}

export interface NavigationDefinition {
  intro?: Localized;
  always: Applies[];
  start: string;
  questions: NavigationQuestion[];
}

const id = { type: 'string', pattern: '^[a-z][a-z0-9-]{0,40}$' } as const;
const text = (max: number) =>
  ({ type: 'object', additionalProperties: false, required: ['ja', 'en'], properties: { ja: { type: 'string', minLength: 1, maxLength: max }, en: { type: 'string', minLength: 1, maxLength: max } } }) as const;
const applies = {
  type: 'object',
  additionalProperties: false,
  required: ['procedure', 'why'],
  properties: {
    procedure: { type: 'object', additionalProperties: false, required: ['code'], properties: { lgCode: { type: 'string', pattern: '^[0-9]{6}$' }, code: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,60}$' } } },
    why: text(500),
  },
} as const;

/** The JSON shape (sizes are limits: 50 questions of up to 10 options keep a walk short). */
export const navigationDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['always', 'start', 'questions'],
  properties: {
    intro: text(1000),
    always: { type: 'array', maxItems: 30, items: applies },
    start: id,
    questions: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'text', 'options'],
        properties: {
          id,
          text: text(300),
          hint: text(1000),
          options: {
            type: 'array',
            minItems: 2,
            maxItems: 10,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'label'],
              properties: { id, label: text(200), hint: text(500), adds: { type: 'array', maxItems: 20, items: applies }, next: { anyOf: [id, { type: 'null' }] } },
            },
          },
        },
      },
    },
  },
} as const;

export const refKey = (ref: ProcedureRef, tenant: string) => `${ref.lgCode ?? tenant}/${ref.code}`;

/** Every procedure a definition names, with where it is named (for validation and results). */
export function procedureRefs(definition: NavigationDefinition, tenant: string): Array<{ key: string; lgCode: string; code: string; pointer: string; node: string }> {
  const out: Array<{ key: string; lgCode: string; code: string; pointer: string; node: string }> = [];
  definition.always.forEach((a, i) => out.push({ key: refKey(a.procedure, tenant), lgCode: a.procedure.lgCode ?? tenant, code: a.procedure.code, pointer: `/always/${i}/procedure`, node: 'always' }));
  definition.questions.forEach((q, qi) =>
    q.options.forEach((o, oi) =>
      (o.adds ?? []).forEach((a, ai) => out.push({ key: refKey(a.procedure, tenant), lgCode: a.procedure.lgCode ?? tenant, code: a.procedure.code, pointer: `/questions/${qi}/options/${oi}/adds/${ai}/procedure`, node: `${q.id} › ${o.id}` })),
    ),
  );
  return out;
}

export interface ValidationContext {
  /** The navigation's tenant (a municipality) and its prefecture. */
  lgCode: string;
  prefectureCode: string;
  /** "lgCode/code" of every procedure that exists among those the definition names. */
  existing: Set<string>;
}

/** The problems of a definition that already has the JSON shape; empty when it may be saved. */
export function validateNavigation(definition: NavigationDefinition, context: ValidationContext): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (name: string, ja: string, en: string) => problems.push({ name, in: 'body', detail: { ja, en } });
  const byId = new Map<string, NavigationQuestion>();
  const ids = new Set(definition.questions.map((q) => q.id));
  definition.questions.forEach((q, qi) => {
    if (byId.has(q.id)) problem(`/questions/${qi}/id`, `設問「${q.id}」が二つあります`, `Question "${q.id}" is defined twice`);
    else byId.set(q.id, q);
    const seen = new Set<string>();
    q.options.forEach((o, oi) => {
      if (seen.has(o.id)) problem(`/questions/${qi}/options/${oi}/id`, `設問「${q.id}」の選択肢「${o.id}」が二つあります`, `Question "${q.id}" has option "${o.id}" twice`);
      seen.add(o.id);
      if (o.next && !ids.has(o.next)) {
        problem(`/questions/${qi}/options/${oi}/next`, `設問「${q.id}」の選択肢「${o.id}」の次の設問「${o.next}」がありません`, `Question "${q.id}", option "${o.id}" leads to question "${o.next}", which does not exist`);
      }
    });
  });
  if (!byId.has(definition.start)) problem('/start', `最初の設問「${definition.start}」がありません`, `The first question "${definition.start}" does not exist`);

  for (const ref of procedureRefs(definition, context.lgCode)) {
    if (ref.lgCode !== context.lgCode && ref.lgCode !== context.prefectureCode) {
      problem(ref.pointer, `${nodeJa(ref.node)}の手続「${ref.key}」はこの団体では使えません（自団体または県の手続だけを指定できます）`, `${nodeEn(ref.node)}: procedure "${ref.key}" is not visible to this tenant (only its own or its prefecture's procedures)`);
    } else if (!context.existing.has(ref.key)) {
      problem(ref.pointer, `${nodeJa(ref.node)}の手続「${ref.key}」は登録されていません`, `${nodeEn(ref.node)}: procedure "${ref.key}" does not exist`);
    }
  }
  if (problems.length > 0) return problems;

  // The graph is well-formed: look for cycles, unreachable questions and paths with no procedure.
  const pointerOf = (qid: string) => `/questions/${definition.questions.findIndex((q) => q.id === qid)}`;
  const state = new Map<string, 'visiting' | 'done'>();
  const cycle = (qid: string, trail: string[]): string[] | undefined => {
    if (state.get(qid) === 'done') return undefined;
    if (state.get(qid) === 'visiting') return [...trail.slice(trail.indexOf(qid)), qid];
    state.set(qid, 'visiting');
    for (const o of byId.get(qid)!.options) {
      const found = o.next ? cycle(o.next, [...trail, qid]) : undefined;
      if (found) return found;
    }
    state.set(qid, 'done');
    return undefined;
  };
  const loop = cycle(definition.start, []);
  if (loop) {
    problem(pointerOf(loop[0]!), `設問が循環しています: ${loop.join(' → ')}`, `The questions form a cycle: ${loop.join(' → ')}`);
    return problems;
  }
  for (const q of definition.questions) {
    if (!state.has(q.id)) problem(pointerOf(q.id), `設問「${q.id}」にはどの回答からもたどり着けません`, `No answer leads to question "${q.id}"`);
  }
  if (definition.always.length === 0) {
    // From each question: an option that ends a path with no procedure added on the way, if any.
    const empty = new Map<string, string[] | null>();
    const emptyPath = (qid: string): string[] | null => {
      if (empty.has(qid)) return empty.get(qid)!;
      let found: string[] | null = null;
      for (const o of byId.get(qid)!.options) {
        if ((o.adds ?? []).length > 0) continue;
        const rest = o.next ? emptyPath(o.next) : [];
        if (rest) {
          found = [`${qid} › ${o.id}`, ...rest];
          break;
        }
      }
      empty.set(qid, found);
      return found;
    };
    const path = emptyPath(definition.start);
    if (path) {
      problem(pointerOf(path.at(-1)!.split(' › ')[0]!), `手続が一つもないまま終わる回答の道筋があります: ${path.join(' → ')}`, `A path of answers ends with no procedure: ${path.join(' → ')}`);
    }
  }
  return problems;
}

const nodeJa = (node: string) => (node === 'always' ? '全員に必要な手続（always）' : `設問と選択肢「${node}」`);
const nodeEn = (node: string) => (node === 'always' ? 'The procedures for everyone (always)' : `Question and option "${node}"`);
