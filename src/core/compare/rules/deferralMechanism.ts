// LL6: the deferral mechanism changed (workqueue, delayed work, dispose list,
// RCU), or a flush such as flush_delayed_fput moved to other functions.
import type { FunctionSummary, ProgramModel } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, location, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'deferral-mechanism',
  code: 'LL6',
  severity: 'warning',
  title: 'Deferral mechanism changed, or a flush moved',
  explanation:
    'How this function hands work to another context changed: a different work queue or delayed work, a ' +
    'dispose list drained elsewhere, or RCU. Or a flush such as flush_delayed_fput() now runs in different ' +
    'functions, which changes when the deferred part of fput() has finished and who waits for it.',
};

/** Functions that defer work themselves (queue_work, call_rcu, ...), by name. */
function deferringFunctions(model: ProgramModel): Set<string> {
  // RCU callbacks only free memory: handing a free to RCU is not moving release work.
  return new Set(
    model.edges
      .filter((e) => e.kind === 'defer' && e.context !== 'rcu-callback')
      .map((e) => e.caller),
  );
}

/** How a function hands work on: direct deferral calls, dispose lists, and deferring helpers it calls. */
function mechanisms(f: FunctionSummary, model: ProgramModel, deferring: Set<string>): string[] {
  const direct = f.calls
    .filter(
      (c) => c.role === 'defer' || c.role === 'list-add' || c.release === 'flush-delayed-fput',
    )
    .map((c) => c.callee);
  const helpers = model.edges
    .filter((e) => e.caller === f.name && e.kind === 'call' && deferring.has(e.callee))
    .map((e) => e.callee);
  return [...new Set([...direct, ...helpers])].sort();
}

export const deferralMechanismRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    const before = new Map(ctx.before.functions.map((f) => [ctx.normalize(f.name), f]));
    const defB = deferringFunctions(ctx.before);
    const defA = deferringFunctions(ctx.after);
    for (const a of ctx.after.functions) {
      const b = before.get(a.name);
      if (!b) continue;
      const mb = mechanisms(b, ctx.before, defB).map(ctx.normalize);
      const ma = mechanisms(a, ctx.after, defA);
      const d = setDiff(mb, ma);
      if (!d.added.length && !d.removed.length) continue;
      const first = (f: FunctionSummary, names: string[]) =>
        f.calls.find((c) => names.includes(c.callee)) ?? undefined;
      const cb = first(b, d.removed);
      const ca = first(a, d.added);
      const parts = [
        d.removed.length ? `no longer calls ${d.removed.map((n) => `${n}()`).join(', ')}` : '',
        d.added.length ? `now calls ${d.added.map((n) => `${n}()`).join(', ')}` : '',
      ].filter(Boolean);
      out.push(
        change(meta, {
          title: `${a.name}() ${parts.join(' and ')}`,
          function: a.name,
          from: mb.join(', ') || 'none',
          to: ma.join(', ') || 'none',
          explanation: meta.explanation,
          ...(cb
            ? {
                before: evidence(`${b.name}() calls ${cb.callee}()`, [
                  { function: b.name, call: cb.callee, at: location(cb.at), via: 'sink' },
                ]),
              }
            : {}),
          ...(ca
            ? {
                after: evidence(`${a.name}() calls ${ca.callee}()`, [
                  { function: a.name, call: ca.callee, at: location(ca.at), via: 'sink' },
                ]),
              }
            : {}),
        }),
      );
    }
    return out;
  },
};
