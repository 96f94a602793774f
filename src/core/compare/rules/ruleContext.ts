// What every behaviour-change rule gets: both models, names normalised across
// renames, and small shared helpers for evidence.
import type { ChainStep, ObjectLifecycle, ProgramModel, ReleasePath } from '../../model';
import type { BehaviourChange, Evidence, RuleMeta } from '../compareTypes';

export interface RuleContext {
  before: ProgramModel;
  after: ProgramModel;
  /** Maps a before-revision function name to its after-revision name (renames). */
  normalize(name: string): string;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): BehaviourChange[];
}

/** Object types present in both revisions, as [before, after] pairs. */
export function pairedObjects(ctx: RuleContext): [ObjectLifecycle, ObjectLifecycle][] {
  const before = new Map(ctx.before.objects.map((o) => [o.type, o]));
  return ctx.after.objects.flatMap((a): [ObjectLifecycle, ObjectLifecycle][] => {
    const b = before.get(a.type);
    return b ? [[b, a]] : [];
  });
}

/** Release paths of a model, deduplicated across objects. */
export function allReleasePaths(model: ProgramModel): ReleasePath[] {
  const seen = new Set<string>();
  const out: ReleasePath[] = [];
  for (const o of model.objects)
    for (const p of o.releasePaths) {
      const k = `${p.entry}|${p.entryContext}|${p.runsIn}|${p.mode}|${p.release}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(p);
    }
  return out;
}

/** A Location (no end), from any span-like position. */
export function location(at: { file: string; line: number; column: number }): ChainStep['at'] {
  return { file: at.file, line: at.line, column: at.column };
}

export function evidence(summary: string, chain: ChainStep[] = []): Evidence {
  const e: Evidence = { summary, chain };
  const first = chain[0];
  if (first) e.at = first.at;
  return e;
}

export function change(
  meta: RuleMeta,
  c: Omit<BehaviourChange, 'rule' | 'code' | 'severity'> & { severity?: RuleMeta['severity'] },
): BehaviourChange {
  return { rule: meta.id, code: meta.code, severity: c.severity ?? meta.severity, ...c };
}

export function setDiff<T>(a: Iterable<T>, b: Iterable<T>): { added: T[]; removed: T[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { added: [...sb].filter((x) => !sa.has(x)), removed: [...sa].filter((x) => !sb.has(x)) };
}
