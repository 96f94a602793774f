// LL9: might_sleep() and lock annotations (lockdep_assert_held, __must_hold,
// __releases, ...) added to or dropped from a function. They state the
// function's contract; a changed contract is worth a reviewer's look.
import type { FunctionSummary } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'annotations',
  code: 'LL9',
  severity: 'note',
  title: 'Annotations added or dropped',
  explanation:
    'might_sleep() and lock annotations state what callers may rely on: that the function may sleep, or which ' +
    'locks must be held. Adding might_sleep() documents (and checks) that no caller is atomic; dropping it or a ' +
    'lockdep assertion removes that check.',
};

/** `lockdep_assert_held(&nn->lock)` -> `lockdep_assert_held(lock)`: the contract, not the spelling. */
const normalise = (a: string) =>
  a
    .replace(/\(([^)]*)\)/, (_m, arg: string) => `(${arg.replace(/^.*?(\w+)\s*$/, '$1')})`)
    .replace(/\s+/g, '');

/** Contract annotations: sleeping and lock expectations (not flushes, sparse or must_check words). */
const CONTRACT =
  /^(might_sleep|might_lock|lockdep_assert|__must_hold|__acquires|__releases|__cond_lock|__might_sleep|cant_sleep|lockdep_is_held)/;

export const annotationsRule: Rule = {
  meta,
  check(ctx) {
    const byName = (fs: FunctionSummary[], norm: (n: string) => string) => {
      const m = new Map<string, Set<string>>();
      for (const f of fs) {
        const set = m.get(norm(f.name)) ?? new Set<string>();
        for (const a of f.annotations) if (CONTRACT.test(a)) set.add(normalise(a));
        m.set(norm(f.name), set);
      }
      return m;
    };
    const before = byName(ctx.before.functions, ctx.normalize);
    const after = byName(ctx.after.functions, (n) => n);
    const out: BehaviourChange[] = [];
    for (const [name, aset] of [...after].sort((x, y) => x[0].localeCompare(y[0]))) {
      const bset = before.get(name);
      if (!bset) continue;
      const d = setDiff([...bset].sort(), [...aset].sort());
      if (!d.added.length && !d.removed.length) continue;
      const parts = [
        d.added.length ? `adds ${d.added.join(', ')}` : '',
        d.removed.length ? `drops ${d.removed.join(', ')}` : '',
      ].filter(Boolean);
      out.push(
        change(meta, {
          title: `${name}() ${parts.join(' and ')}`,
          function: name,
          from: [...bset].sort().join(', ') || 'none',
          to: [...aset].sort().join(', ') || 'none',
          explanation: meta.explanation,
        }),
      );
    }
    return out;
  },
};
