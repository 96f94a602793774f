// LL10: the reference count's type or primitives changed (atomic_t ->
// refcount_t, atomic_add_unless -> refcount_dec_not_one): one change per
// object, instead of every get/put site showing up as churn.
import type { ObjectLifecycle, ProgramModel } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, pairedObjects, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'refcount-type',
  code: 'LL10',
  severity: 'note',
  title: 'Reference count type or primitives changed',
  explanation:
    'The counter behind the reference count changed type or primitives. refcount_t saturates instead of ' +
    'wrapping and warns on increment-from-zero and underflow; the conditional forms (refcount_dec_not_one, ' +
    'refcount_inc_not_zero) must keep the semantics of the atomic_t idioms they replace.',
};

/** Catalog primitives (not derived wrappers) used on the object's count, with their roles. */
function primitives(model: ProgramModel, o: ObjectLifecycle): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of model.functions)
    for (const c of f.calls)
      if (c.objectType === o.type && c.role.startsWith('ref-') && !c.source.startsWith('derived'))
        out.set(c.callee, c.role);
  return out;
}

export const refcountTypeRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [b, a] of pairedObjects(ctx)) {
      const mb = primitives(ctx.before, b);
      const ma = primitives(ctx.after, a);
      const pb = [...mb.keys()].sort();
      const pa = [...ma.keys()].sort();
      const d = setDiff(pb, pa);
      const typeChanged = b.refKind !== a.refKind;
      // A swap: one primitive replaced by another doing the same job (same role).
      const swapped = d.removed.some((r) => d.added.some((x) => ma.get(x) === mb.get(r)));
      if (!typeChanged && !swapped) continue;
      out.push(
        change(meta, {
          title: `struct ${a.type}: reference count ${typeChanged ? `type ${b.refKind} -> ${a.refKind}` : 'primitives changed'} (${d.removed.join(', ') || 'none'} -> ${d.added.join(', ') || 'none'})`,
          function: a.type,
          object: a.type,
          from: `${b.refKind}: ${pb.join(', ')}`,
          to: `${a.refKind}: ${pa.join(', ')}`,
          explanation: meta.explanation,
        }),
      );
    }
    return out;
  },
};
