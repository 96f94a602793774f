// Pairs functions across two revisions: by name first, then renames by the
// similarity of their bodies' call sequences (a rename keeps the body).
import type { FunctionSummary } from '../model';
import type { FunctionMatch } from './compareTypes';

const RENAME_THRESHOLD = 0.8;

/** Similarity of two call sequences: 2*LCS / (|a|+|b|). */
export function sequenceSimilarity(a: string[], b: string[]): number {
  if (!a.length && !b.length) return 1;
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(prev[j], prev[j - 1]);
      diag = up;
    }
  }
  return (2 * prev[b.length]) / (a.length + b.length);
}

export interface FunctionMatching {
  matches: FunctionMatch[];
  /** before name -> after name, for renamed functions. */
  renamed: Map<string, string>;
}

export function matchFunctions(
  before: FunctionSummary[],
  after: FunctionSummary[],
): FunctionMatching {
  const afterByName = new Map(after.map((f) => [f.name, f]));
  const beforeByName = new Map(before.map((f) => [f.name, f]));
  const matches: FunctionMatch[] = [];
  const renamed = new Map<string, string>();
  const goneBefore = before.filter((f) => !afterByName.has(f.name));
  const newAfter = after.filter((f) => !beforeByName.has(f.name));
  for (const f of before)
    if (afterByName.has(f.name)) matches.push({ before: f.name, after: f.name, kind: 'same' });
  // Renames: best-scoring pairs first, each function used once.
  const renamedAfter = new Set<string>();
  const renamedBefore = new Set<string>();
  const candidates: { b: FunctionSummary; a: FunctionSummary; score: number }[] = [];
  for (const b of goneBefore)
    for (const a of newAfter) {
      if (b.callees.length < 2 && a.callees.length < 2) continue;
      const score = sequenceSimilarity(b.callees, a.callees);
      if (score >= RENAME_THRESHOLD) candidates.push({ b, a, score });
    }
  candidates.sort((x, y) => y.score - x.score || x.b.name.localeCompare(y.b.name));
  for (const c of candidates) {
    if (renamedBefore.has(c.b.name) || renamedAfter.has(c.a.name)) continue;
    renamedBefore.add(c.b.name);
    renamedAfter.add(c.a.name);
    renamed.set(c.b.name, c.a.name);
    matches.push({
      before: c.b.name,
      after: c.a.name,
      kind: 'renamed',
      similarity: Math.round(c.score * 100) / 100,
    });
  }
  for (const b of goneBefore)
    if (!renamedBefore.has(b.name)) matches.push({ before: b.name, kind: 'removed' });
  for (const a of newAfter)
    if (!renamedAfter.has(a.name)) matches.push({ after: a.name, kind: 'added' });
  return { matches, renamed };
}
