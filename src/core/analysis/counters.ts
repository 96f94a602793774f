// Which counters are reference counts. A counter is one when it guards a release:
// its last drop (dec-and-test, *_dec_and_lock, kref_put) leads to freeing, putting or
// handing the object itself on (a release callback, a teardown helper). A counter whose
// last drop only wakes waiters on the counter (an in-flight count) is a usage counter.
import type { ArgFact, FunctionFacts } from '../facts/factTypes';
import type { CallRole } from '../model';
import type { Program } from './program';

/** Roles whose call on the zero edge is a release of some object. */
const RELEASING: ReadonlySet<CallRole> = new Set([
  'free',
  'release',
  'defer',
  'ref-put',
  'ref-final-put',
]);

export interface CounterKinds {
  /** `type.field` keys of counters that guard a release. */
  reference: Set<string>;
  /** Counters whose last drop is seen (tested) and never guards a release. */
  usage: Set<string>;
}

/** `type.field` (`.field` when the object's type is unknown). */
export function counterKey(type: string | undefined, field: string): string {
  return `${type ?? ''}.${field}`;
}

export function classifyCounters(program: Program): CounterKinds {
  const reference = new Set<string>();
  // Counters with a tested last drop that releases nothing.
  const seen = new Set<string>();
  // Final-put-test wrappers (`return refcount_dec_and_test(&x->ref)`): decided at their callers.
  const returned = new Map<FunctionFacts, string[]>();
  for (const fn of program.functions) {
    const entries = program.entries(fn);
    fn.calls.forEach((call, i) => {
      const e = entries[i];
      if (!e?.refKind || e.role !== 'ref-final-put') return;
      const arg = call.args[e.arg ?? 0];
      if (!arg?.field) return;
      const key = counterKey(program.argType(fn, arg, call.at.line)?.type, arg.field);
      if (reference.has(key)) return;
      const z = e.releaseArg !== undefined ? 'release' : zeroEdgeReleases(program, fn, i, [arg]);
      if (z === 'release') reference.add(key);
      else if (z === 'nothing') seen.add(key);
      else if (call.returned) returned.set(fn, [...(returned.get(fn) ?? []), key]);
    });
  }
  if (returned.size)
    for (const fn of program.functions)
      program.callees(fn).forEach((callee, i) => {
        const keys = callee ? returned.get(callee) : undefined;
        const z = keys ? zeroEdgeReleases(program, fn, i, fn.calls[i].args) : 'untested';
        if (keys && z === 'release') for (const k of keys) reference.add(k);
        else if (keys && z === 'nothing') for (const k of keys) seen.add(k);
      });
  const usage = new Set([...seen].filter((k) => !reference.has(k)));
  return { reference, usage };
}

/**
 * Whether, on the edge where call `index` of `fn` returned true (the count hit zero),
 * code that runs only there releases the object one of `args` designates; `untested`
 * when the result is not tested here (returned to a caller, or dropped).
 */
function zeroEdgeReleases(
  program: Program,
  fn: FunctionFacts,
  index: number,
  args: readonly ArgFact[],
): 'release' | 'nothing' | 'untested' {
  const call = fn.calls[index];
  let tested = false;
  for (const n of fn.cfg)
    for (const t of n.tests) {
      const isTest = t.call === index || (!!call.assignedTo && t.variable === call.assignedTo);
      if (!isTest || t.equals !== undefined) continue;
      const zero = t.onTrue === true ? n.succ[0] : t.onFalse === true ? n.succ[1] : undefined;
      const other = t.onTrue === true ? n.succ[1] : t.onFalse === true ? n.succ[0] : undefined;
      if (zero === undefined) continue;
      tested = true;
      const only = callsFrom(fn, zero);
      if (other !== undefined) for (const c of callsFrom(fn, other)) only.delete(c);
      for (const c of only) if (c !== index && releases(program, fn, c, args)) return 'release';
    }
  return tested ? 'nothing' : 'untested';
}

function callsFrom(fn: FunctionFacts, start: number): Set<number> {
  const calls = new Set<number>();
  const seen = new Set<number>([start]);
  const work = [start];
  while (work.length) {
    const n = fn.cfg[work.pop() as number];
    if (!n) continue;
    for (const c of n.calls) calls.add(c);
    for (const s of n.succ)
      if (!seen.has(s)) {
        seen.add(s);
        work.push(s);
      }
  }
  return calls;
}

/**
 * A catalogued free / release / put / deferral, or any other call (a release callback,
 * a teardown helper) handed the object itself, not merely the counter.
 */
function releases(program: Program, fn: FunctionFacts, index: number, args: readonly ArgFact[]) {
  const call = fn.calls[index];
  if (program.catalog.isLogging(call.callee)) return false;
  const e = program.entries(fn)[index];
  if (e) return RELEASING.has(e.role);
  const objects = new Set(args.map((a) => a.object).filter((o) => o !== undefined));
  const counters = new Set(args.map((a) => a.field).filter((f) => f !== undefined));
  return call.args.some(
    (a) => a.object !== undefined && objects.has(a.object) && !(a.field && counters.has(a.field)),
  );
}
