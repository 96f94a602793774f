// LL11: objects torn down without a count test: a function that takes an
// object out of its container and frees it (or queues it for disposal)
// regardless of its reference count frees what others may still hold, a
// use-after-free. The fix, freeing only entries whose count reached zero,
// is reported too.
import type { FunctionSummary, ObjectLifecycle } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, location, pairedObjects, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'unsafe-free',
  code: 'LL11',
  severity: 'error',
  title: 'Objects freed regardless of their reference count',
  explanation:
    'This function removes objects from their container and frees them, or hands them to a dispose list, ' +
    'without testing their reference count. A holder that still has a reference (an nfsd thread in the ' +
    'middle of a request, an LRU walker) then uses freed memory. Only entries whose count dropped to zero ' +
    "may be freed; the others must just lose the container's reference.",
};

const TEARDOWN = new Set(['free', 'list-add']);
const COUNT_TEST = new Set(['ref-final-put', 'ref-put', 'ref-read', 'ref-get-conditional']);
const REMOVAL = new Set(['hash-remove', 'lru-del']);

/** Functions that remove and tear down `o` without a count test, with the teardown call. */
export function uncountedTeardowns(fs: FunctionSummary[], o: ObjectLifecycle) {
  const out = new Map<string, FunctionSummary['calls'][number]>();
  const putters = new Set(o.putters);
  for (const f of fs) {
    const mine = f.calls.filter((c) => c.objectType === o.type);
    const removes =
      mine.some((c) => REMOVAL.has(c.role)) ||
      o.transitions.some((t) => t.function === f.name && t.to === 'unhashed');
    const teardown = mine.find((c) => TEARDOWN.has(c.role));
    if (!removes || !teardown) continue;
    const counted =
      mine.some((c) => COUNT_TEST.has(c.role)) || f.calls.some((c) => putters.has(c.callee));
    if (!counted) out.set(f.name, teardown);
  }
  return out;
}

export const unsafeFreeRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [b, a] of pairedObjects(ctx)) {
      const ub = new Map(
        [...uncountedTeardowns(ctx.before.functions, b)].map(([k, v]) => [ctx.normalize(k), v]),
      );
      const ua = uncountedTeardowns(ctx.after.functions, a);
      for (const [fn, c] of ua) {
        if (ub.has(fn)) continue;
        out.push(
          change(meta, {
            title: `struct ${a.type}: ${fn}() frees entries regardless of their reference count (${c.callee}() without a count test)`,
            function: fn,
            object: a.type,
            from: 'frees only after the final put',
            to: 'frees regardless of count',
            explanation: meta.explanation,
            after: evidence(`${fn}() calls ${c.callee}() without testing the count`, [
              { function: fn, call: c.callee, at: location(c.at), via: 'sink' },
            ]),
          }),
        );
      }
      const afterNames = new Set(ctx.after.functions.map((f) => f.name));
      for (const [fn, c] of ub) {
        if (ua.has(fn) || !afterNames.has(fn)) continue;
        out.push(
          change(meta, {
            severity: 'note',
            title: `struct ${a.type}: ${fn}() now frees only entries whose count reached zero`,
            function: fn,
            object: a.type,
            from: 'frees regardless of count',
            to: 'frees only after the final put',
            explanation: meta.explanation,
            before: evidence(`${fn}() called ${c.callee}() without testing the count`, [
              { function: fn, call: c.callee, at: location(c.at), via: 'sink' },
            ]),
          }),
        );
      }
    }
    return out;
  },
};
