// A resident's walk through a navigation. The answers travel in the address (a=question:option,
// repeated), so anonymous residents need no server state and the Back link, a bookmark or a
// reload all show the same thing. The walk is replayed from the first question on every
// request: answers that no longer lie on the path (the resident changed an earlier answer) are
// kept, unused, so going back and choosing the first answer again restores them.
import type { Applies, NavigationDefinition, NavigationOption, NavigationQuestion } from './navigation-definition.ts';
import { refKey } from './navigation-definition.ts';

export type Answers = Map<string, string>;

export interface Walk {
  /** The questions answered on the path, in order, with the option chosen. */
  path: Array<{ question: NavigationQuestion; option: NavigationOption }>;
  /** The next question to answer, or null when the path has ended. */
  current: NavigationQuestion | null;
  /** The procedures that apply so far (deduplicated; every reason kept), in the order met. */
  applies: Array<{ key: string; lgCode: string; code: string; why: Applies['why'][] }>;
}

const ANSWER = /^([a-z][a-z0-9-]{0,40}):([a-z][a-z0-9-]{0,40})$/;

/** Answers from the query string's `a` values; anything malformed is ignored (at most 50). */
export function readAnswers(raw: string | string[] | undefined): Answers {
  const answers: Answers = new Map();
  for (const value of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).slice(0, 50)) {
    const match = ANSWER.exec(value);
    if (match) answers.set(match[1]!, match[2]!);
  }
  return answers;
}

export function answersQuery(answers: Answers): string {
  return [...answers].map(([q, o]) => `a=${encodeURIComponent(`${q}:${o}`)}`).join('&');
}

export function walk(definition: NavigationDefinition, answers: Answers, tenant: string): Walk {
  const result: Walk = { path: [], current: null, applies: [] };
  const add = (a: Applies) => {
    const key = refKey(a.procedure, tenant);
    const known = result.applies.find((x) => x.key === key);
    if (known) {
      if (!known.why.some((w) => w.ja === a.why.ja)) known.why.push(a.why);
    } else {
      result.applies.push({ key, lgCode: a.procedure.lgCode ?? tenant, code: a.procedure.code, why: [a.why] });
    }
  };
  definition.always.forEach(add);
  const byId = new Map(definition.questions.map((q) => [q.id, q]));
  let question = byId.get(definition.start);
  // Saved definitions have no cycles; the bound guards an old or hand-made one all the same.
  for (let steps = 0; question && steps <= definition.questions.length; steps++) {
    const option = question.options.find((o) => o.id === answers.get(question!.id));
    if (!option) {
      result.current = question;
      return result;
    }
    result.path.push({ question, option });
    (option.adds ?? []).forEach(add);
    question = option.next ? byId.get(option.next) : undefined;
  }
  return result;
}
