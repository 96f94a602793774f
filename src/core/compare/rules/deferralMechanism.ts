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
function mechanisms(
  f: FunctionSummary,
  model: ProgramModel,
  deferring: Set<string>,
  released: ReadonlySet<string>,
  onReleasePath: ReadonlySet<string>,
): string[] {
  // A list is a dispose list only for objects with release work; an RCU free is not release work.
  const rcuLines = new Set(
    model.edges
      .filter((e) => e.caller === f.name && e.kind === 'defer' && e.context === 'rcu-callback')
      .map((e) => e.at.line),
  );
  const direct = f.calls
    .filter(
      (c) =>
        (c.role === 'defer' && !rcuLines.has(c.at.line)) ||
        (c.role === 'list-add' &&
          c.objectType !== undefined &&
          released.has(c.objectType) &&
          onReleasePath.has(f.name)) ||
        c.release === 'flush-delayed-fput',
    )
    .map((c) => c.callee);
  const helpers = model.edges
    .filter((e) => e.caller === f.name && e.kind === 'call' && deferring.has(e.callee))
    .map((e) => e.callee);
  return [...new Set([...direct, ...helpers])].sort();
}

/** Functions reached inline (call edges) from `fn`, itself included. */
function inlineReach(model: ProgramModel): (fn: string) => Set<string> {
  const callees = new Map<string, string[]>();
  for (const e of model.edges)
    if (e.kind === 'call') callees.set(e.caller, [...(callees.get(e.caller) ?? []), e.callee]);
  return (fn) => {
    const seen = new Set([fn]);
    const queue = [fn];
    while (queue.length)
      for (const c of callees.get(queue.pop() as string) ?? [])
        if (!seen.has(c)) {
          seen.add(c);
          queue.push(c);
        }
    return seen;
  };
}

export const deferralMechanismRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    // #if/#else alternatives define one function twice: its mechanisms are the union.
    const byName = (fs: FunctionSummary[], norm: (n: string) => string) => {
      const m = new Map<string, FunctionSummary[]>();
      for (const f of fs) m.set(norm(f.name), [...(m.get(norm(f.name)) ?? []), f]);
      return m;
    };
    const before = byName(ctx.before.functions, ctx.normalize);
    const after = byName(ctx.after.functions, (n) => n);
    // Judged on both revisions, so an object gaining release paths does not turn old list_adds into news.
    const released = new Set(
      [...ctx.before.objects, ...ctx.after.objects]
        .filter((o) => o.releasePaths.length)
        .map((o) => o.type),
    );
    // A list add hands work on only where release work follows: functions on some release path.
    const onPath = new Set(
      [...ctx.before.objects, ...ctx.after.objects].flatMap((o) =>
        o.releasePaths.flatMap((p) => p.chain.map((st) => ctx.normalize(st.function))),
      ),
    );
    const defB = deferringFunctions(ctx.before);
    const defA = deferringFunctions(ctx.after);
    const reachB = inlineReach(ctx.before);
    const reachA = inlineReach(ctx.after);
    const callersA = new Map<string, string[]>();
    for (const e of ctx.after.edges)
      if (e.kind === 'call') callersA.set(e.callee, [...(callersA.get(e.callee) ?? []), e.caller]);
    for (const [name, defsA] of after) {
      const defsB = before.get(name);
      if (!defsB) continue;
      const a = defsA[0];
      const b = defsB[0];
      const mb = [
        ...new Set(
          defsB
            .flatMap((f) => mechanisms(f, ctx.before, defB, released, onPath))
            .map(ctx.normalize),
        ),
      ].sort();
      const ma = [
        ...new Set(defsA.flatMap((f) => mechanisms(f, ctx.after, defA, released, onPath))),
      ].sort();
      const raw = setDiff(mb, ma);
      // Moved code is not a change: a helper this function already reached through
      // a callee, or one every caller now calls itself.
      const reachedBefore = new Set(defsB.flatMap((f) => [...reachB(f.name)].map(ctx.normalize)));
      const callers = callersA.get(a.name) ?? [];
      const reachedNow = new Set(defsA.flatMap((f) => [...reachA(f.name)]));
      const d = {
        added: raw.added.filter((m) => !reachedBefore.has(m)),
        removed: raw.removed.filter(
          (m) => !reachedNow.has(m) && !(callers.length && callers.every((c) => reachA(c).has(m))),
        ),
      };
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
