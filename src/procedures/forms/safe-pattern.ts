// Staff-written patterns run on residents' input, so a pattern that can backtrack for minutes
// (「(a+)+$」) would let one request stall the server. JavaScript has no time limit on a RegExp,
// so such patterns are refused when the form is published: nested repetitions, repetition of an
// alternation, and back-references. Inputs are also length-capped before any pattern runs.
import { LIMITS } from './form-definition.ts';

export type PatternRisk = 'ok' | 'invalid' | 'too-long' | 'unsafe';

export function patternRisk(pattern: string): PatternRisk {
  if (pattern.length > LIMITS.patternLength) return 'too-long';
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'invalid';
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'unsafe';
  // Walk the groups: a quantified group that itself contains a quantifier or an alternation.
  const stack: Array<{ quantified: boolean; alternation: boolean }> = [];
  const closed: Array<{ quantified: boolean; alternation: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') stack.push({ quantified: false, alternation: false });
    else if (ch === ')') {
      const group = stack.pop()!;
      closed.push(group);
      const next = pattern[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}|^\{\d{2,}\}/.test(pattern.slice(i + 1)));
      if (repeated && (group.quantified || group.alternation)) return 'unsafe';
      // The group's own repetition makes the enclosing group "quantified" too.
      const parent = stack.at(-1);
      if (parent && (group.quantified || repeated || next === '?')) parent.quantified = true;
    } else if (ch === '|') {
      const top = stack.at(-1);
      if (top) top.alternation = true;
    } else if (ch === '*' || ch === '+' || ch === '{') {
      const top = stack.at(-1);
      if (top && pattern[i - 1] !== ')') top.quantified = true;
    }
  }
  return 'ok';
}
