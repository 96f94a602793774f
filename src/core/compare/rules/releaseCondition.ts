// LL12: the same release, from the same entry, in the same context, under a
// different condition (only entries whose count reached zero are handed to the
// workqueue now; fsync only on the final put instead of on every unhash). A
// path's conditions are the branch tests its calls sit under; what every path
// of one (entry, release, context) has in common is the condition that release
// always runs under there. Identical conditions are not a change; a context
// move is LL1's.
import type { ReleasePath } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'release-condition',
  code: 'LL12',
  severity: 'warning',
  // On real trees its release chains still wander into other objects' code.
  experimental: true,
  title: 'Same release, different condition',
  explanation:
    'The release runs from the same entry point in the same context, but under other conditions (a refcount ' +
    'result, a flag bit, list emptiness, an error pointer). That decides which objects are torn down there: a ' +
    'condition dropped may release objects others still use; a condition added may leave some never released.',
};

interface Group {
  entry: string;
  paths: ReleasePath[];
  common: string[];
}

function groups(paths: ReleasePath[], normalize: (n: string) => string): Map<string, Group> {
  const out = new Map<string, Group>();
  for (const p of paths) {
    const entry = normalize(p.entry);
    const k = `${entry}|${p.entryContext}|${p.runsIn}|${p.mode}|${p.release}`;
    const g = out.get(k) ?? { entry, paths: [], common: [] };
    g.paths.push(p);
    out.set(k, g);
  }
  for (const g of out.values()) {
    const [first, ...rest] = g.paths.map((p) => new Set(p.conditions ?? []));
    g.common = [...first].filter((c) => rest.every((s) => s.has(c))).sort();
  }
  return out;
}

export const releaseConditionRule: Rule = {
  meta,
  check(ctx) {
    const byKey = new Map<string, BehaviourChange>();
    for (const [b, a] of pairedObjects(ctx)) {
      const before = groups(b.releasePaths, ctx.normalize);
      for (const [k, ga] of groups(a.releasePaths, (n) => n)) {
        const gb = before.get(k);
        if (!gb) continue;
        const from = gb.common.join(' && ') || 'unconditional';
        const to = ga.common.join(' && ') || 'unconditional';
        if (from === to) continue;
        const p = ga.paths[0];
        const sinkStep = p.chain.at(-1);
        const fn = sinkStep?.function ?? p.entry;
        // One item per (context, conditions): release kinds and entries folded.
        // Paths shared by several objects' lifecycles are one change, reported for the first object.
        const key = `${p.runsIn}|${p.mode}|${from}|${to}`;
        const seen = byKey.get(key);
        if (seen) {
          if (!seen.entries?.includes(ga.entry))
            seen.entries = [...(seen.entries ?? []), ga.entry].sort();
          if (!seen.release?.includes(p.release))
            seen.release = [...(seen.release ?? []), p.release].sort();
          continue;
        }
        const bp = gb.paths[0];
        byKey.set(
          key,
          change(meta, {
            title: `struct ${a.type}: release work through ${fn}() (${p.mode}, ${p.runsIn}) now runs when ${to} (was: ${from})`,
            function: fn,
            object: a.type,
            from,
            to,
            release: [p.release],
            entries: [ga.entry],
            explanation: meta.explanation,
            before: evidence(`${bp.entry}() -> ${p.release} under ${from}`, bp.chain),
            after: evidence(`${p.entry}() -> ${p.release} under ${to}`, p.chain),
          }),
        );
      }
    }
    return [...byKey.values()];
  },
};
