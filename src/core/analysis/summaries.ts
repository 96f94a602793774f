// Bottom-up derivation of get/put wrappers from function bodies, iterated to a
// fixpoint: a wrapper of a wrapper is recognised once its callee is.
import type { FunctionFacts } from '../facts/factTypes';
import { analyzeBalance, type BalanceResult, type ExitState, type RefEffect } from './balance';
import type { AnalysisMemo, FunctionBalance } from './memo';
import { pushTo } from './multimap';
import type { DerivedWrapper, Program } from './program';
import { freedParams, removedParams } from '../ownership/removal';
import { dropsOnlyFlagReference } from '../ownership/flagOwned';

const MAX_ROUNDS = 8;

/** What `fn`'s body says about references, from its balance and its calls' effects. */
export function deriveWrapper(
  fn: FunctionFacts,
  balance: BalanceResult,
  effects: readonly (RefEffect | undefined)[],
  /** Whether call `i` claims a bit (test_and_clear_bit and kin, by catalog role). */
  claimsBit: (callIndex: number) => boolean = () => false,
): DerivedWrapper {
  const out: DerivedWrapper = { returnsRef: false };
  const exits = balance.exits;
  if (exits.length === 0) return out;
  for (const e of exits) {
    const v = e.returnsVariable;
    if (v && (e.counts[v] ?? 0) >= 1) {
      out.returnsRef = true;
      // Handed to a container here, or received from a callee that did so and returned as is.
      if ((e.counts[v] ?? 0) <= consumedByKeepers(fn, effects, e, v)) out.returnsShared = true;
      // Created with more than the caller's reference: the others belong to someone else.
      if ((e.counts[v] ?? 0) > 1) out.returnsCount = Math.max(out.returnsCount ?? 0, e.counts[v]);
      const t = fn.varTypes[v];
      if (t) out.objectType = t;
    }
  }
  // Only objects can be kept: a flag or count stored into a field (`x->f |= mask`) is no reference.
  const stores = fn.params
    .map((p, i) =>
      p && isPointerParam(fn, p) && exits.some((e) => e.escaped.includes(p)) ? i : -1,
    )
    .filter((i) => i >= 0);
  if (stores.length) out.storesParams = stores;
  const removes = removedParams(fn, effects);
  if (removes.length) out.removesParams = removes;
  const frees = freedParams(fn, effects);
  if (frees.length) out.freesParams = frees;
  fn.params.forEach((p, i) => {
    if (!p || out.wrapper) return;
    if (balance.doublePuts.some((d) => d.variable === p)) return;
    // The name went to another value while the caller's object was in play: its fate is not counted.
    if (exits.some((e) => e.renamed?.includes(p))) return;
    // A reference handed to a container on an exit is the container's, not the caller's.
    const held = (e: ExitState) => (e.escaped.includes(p) ? 0 : (e.counts[p] ?? 0));
    // Exits where the parameter was NULL say nothing about what the wrapper does.
    const live = exits.filter((e) => !e.nulls.includes(p));
    if (!live.length) return;
    const counts = live.map(held);
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    const effectOf = (ci: number) => effects[ci]?.kind;
    const testOf = (e: ExitState) =>
      e.returnsTestOf !== undefined ? effectOf(e.returnsTestOf) : undefined;
    if (min === -1 && max <= 0) {
      out.wrapper = live.some((e) => testOf(e) === 'final-put') ? 'final-put-test' : 'put';
      if (max === 0) {
        out.partialPut = true;
        // Kernel convention: consumed (dropped, or kept elsewhere) when it returns 0; an
        // error code leaves the reference with the caller.
        const consumed = (e: ExitState) => held(e) === -1 || e.escaped.includes(p);
        if (
          out.wrapper === 'put' &&
          live.every((e) => e.status === (consumed(e) ? 'zero' : 'errno'))
        )
          out.successWhenZero = true;
      }
      // Off a container, then a put: the reference dropped is the container's; a put
      // only after claiming one of the object's bits drops the reference that bit held.
      if (
        out.wrapper === 'put' &&
        (removedParams(fn, effects, true).includes(i) ||
          dropsOnlyFlagReference(fn, p, effects, claimsBit))
      )
        out.removalPut = true;
    } else if (max === 1 && min >= 0) {
      const taken = live.filter((e) => held(e) === 1);
      const notTaken = live.filter((e) => held(e) !== 1);
      // Kernel convention: 0 on success, an error code otherwise.
      const errnoConvention =
        taken.every((e) => e.returnClass === 'zero') &&
        notTaken.every((n) => n.returnClass === 'errno');
      // The result must tell the caller whether the reference was taken.
      const signalled = taken.every(
        (e) =>
          e.returnsVariable === p ||
          testOf(e) === 'cond-get' ||
          testOf(e) === 'inherit' ||
          ((e.returnClass === 'value' || e.returnClass === 'variable') &&
            notTaken.every((n) => n.returnClass === 'null' || n.returnClass === 'zero')),
      );
      const conditional =
        exits.some((e) => testOf(e) === 'cond-get' || testOf(e) === 'inherit') ||
        notTaken.length > 0;
      // Taking over a container's reference (unhash, LRU removal) is no get of its own.
      const takesNew = fn.calls.some((_, ci) => {
        const k = effectOf(ci);
        return k === 'get' || k === 'cond-get' || k === 'init';
      });
      if (!conditional) out.wrapper = takesNew ? 'get' : 'take-over';
      else if (errnoConvention && notTaken.length) {
        out.wrapper = 'get-conditional';
        out.successWhenZero = true;
      } else if (signalled) {
        out.wrapper = 'get-conditional';
        if (!takesNew) out.takesOver = true;
        if (taken.some((e) => e.returnsVariable === p)) out.returnsRef = true;
      } else return;
    } else return;
    out.wrapperParam = i;
    out.objectType ??= fn.varTypes[p];
    // The counter the wrapper's first get or put acts on (a release that then drops
    // another counter's reference, as deactivate_locked_super() does, is still an
    // s_active put).
    const first = effects.find(
      (e) =>
        e !== undefined &&
        (e.kind === 'get' || e.kind === 'put' || e.kind === 'final-put') &&
        e.variable === p &&
        e.counter !== undefined,
    );
    if (first && 'counter' in first && first.counter) out.counter = first.counter;
  });
  return out;
}

/** Effects that change a count: a function applying them to a parameter does something to its references. */
const COUNTING_KINDS: ReadonlySet<RefEffect['kind']> = new Set([
  'get',
  'put',
  'final-put',
  'put-all',
  'cond-put',
  'cond-get',
  'inherit',
  'init',
]);

/**
 * Parameters whose fate a caller cannot read from the summary: the body counts
 * their references in a way no wrapper kind describes (a put on some paths and
 * two on others, a decrement the catalog does not know), or gives them, as the
 * object itself, to a call whose effect on them is not known (`opaqueArg`).
 */
export function passedParams(
  fn: FunctionFacts,
  effects: readonly (RefEffect | undefined)[],
  balance: BalanceResult,
  derived: DerivedWrapper,
  opaqueArg: (callIndex: number, arg: number) => boolean,
): number[] {
  const out: number[] = [];
  const described = new Set([
    ...(derived.wrapperParam !== undefined ? [derived.wrapperParam] : []),
    ...(derived.storesParams ?? []),
    ...(derived.freesParams ?? []),
    ...(derived.removesParams ?? []),
  ]);
  fn.params.forEach((p, i) => {
    if (!p || described.has(i)) return;
    // Renamed after it was counted (an integer cookie too): its fate is the caller's guess.
    if (balance.exits.some((e) => e.renamed?.includes(p))) {
      out.push(i);
      return;
    }
    if (!isPointerParam(fn, p)) return;
    // Counted, and not back where it started on every exit (a get and its put are nothing to the caller).
    const counted =
      effects.some(
        (e) =>
          e !== undefined &&
          COUNTING_KINDS.has(e.kind) &&
          (e as { variable?: string }).variable === p,
      ) && balance.exits.some((e) => (e.counts[p] ?? 0) !== 0);
    const passed =
      counted ||
      fn.calls.some((call, ci) =>
        call.args.some((a, ai) => {
          if (a.object !== p || !opaqueArg(ci, ai)) return false;
          const e = effects[ci] as { variable?: string } | undefined;
          return e?.variable !== p;
        }),
      );
    if (passed) out.push(i);
  });
  return out;
}

/**
 * How many of the references counted on `v` at `exit` went to something that
 * keeps the object: walking the exit's path in order, each container insertion
 * (transfer) or store (`p->f = v`) consumes a reference taken before it. A
 * reference taken after the last hand-over is the caller's (insert, then get);
 * one taken just before a hand-over went with it (get, then insert). An object
 * from a callee that returns it shared comes with its references consumed.
 */
function consumedByKeepers(
  fn: FunctionFacts,
  effects: readonly (RefEffect | undefined)[],
  exit: ExitState,
  v: string,
): number {
  let taken = 0;
  let consumed = 0;
  const handOver = () => {
    if (taken > 0) {
      taken--;
      consumed++;
    }
  };
  for (const step of exit.path) {
    const node = fn.cfg[step.node];
    if (!node) continue;
    for (const ci of node.calls) {
      const e = effects[ci];
      if (!e) continue;
      if ((e.kind === 'get' || e.kind === 'cond-get' || e.kind === 'inherit') && e.variable === v)
        taken += e.kind === 'get' ? (e.amount ?? 1) : 1;
      else if (e.kind === 'init' && e.variable === v) taken = e.count;
      else if (e.kind === 'transfer' && e.variable === v) handOver();
    }
    for (const a of node.assigns)
      if (a.variable === v && a.fromCall !== undefined) {
        const from = effects[a.fromCall];
        const count = from?.kind === 'returns-ref' ? (from.count ?? 1) : 0;
        // A shared object comes with its references already the containers'.
        const shared = from?.kind === 'returns-ref' && from.shared === true;
        taken = shared ? 0 : count;
        consumed = shared ? count : 0;
      }
    if (node.escapes.includes(v)) handOver();
  }
  return consumed;
}

/** A parameter that can designate an object: a struct pointer, or any declared pointer. */
function isPointerParam(fn: FunctionFacts, p: string): boolean {
  if (fn.varTypes[p] !== undefined) return true;
  const t = fn.declTypes?.[p];
  return t === undefined || t.includes('*');
}

function same(a: DerivedWrapper | undefined, b: DerivedWrapper): boolean {
  return (
    !!a &&
    a.wrapper === b.wrapper &&
    a.wrapperParam === b.wrapperParam &&
    a.returnsRef === b.returnsRef &&
    a.successWhenZero === b.successWhenZero &&
    a.objectType === b.objectType &&
    String(a.storesParams) === String(b.storesParams) &&
    String(a.removesParams) === String(b.removesParams) &&
    String(a.freesParams) === String(b.freesParams) &&
    String(a.passesParams) === String(b.passesParams) &&
    a.partialPut === b.partialPut &&
    a.returnsShared === b.returnsShared &&
    a.counter === b.counter &&
    a.removalPut === b.removalPut &&
    a.returnsCount === b.returnsCount
  );
}

/** Runs balance for every function until no wrapper changes; returns the final balances. */
export function computeSummaries(
  program: Program,
  memo: AnalysisMemo,
): Map<FunctionFacts, BalanceResult> {
  const callers = new Map<FunctionFacts, FunctionFacts[]>();
  const callees = new Map<FunctionFacts, FunctionFacts[]>();
  for (const fn of program.functions) {
    const own = new Set<FunctionFacts>();
    for (const callee of program.callees(fn)) {
      if (!callee || own.has(callee)) continue;
      own.add(callee);
      pushTo(callers, callee, fn);
    }
    callees.set(fn, [...own]);
  }
  const balances = new Map<FunctionFacts, BalanceResult>();
  // Callees first (post-order of the call graph): most wrappers settle in one pass.
  const order: FunctionFacts[] = [];
  const visited = new Set<FunctionFacts>();
  for (const root of program.functions) {
    if (visited.has(root)) continue;
    const stack: [FunctionFacts, number][] = [[root, 0]];
    visited.add(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = (callees.get(top[0]) ?? [])[top[1]++];
      if (next === undefined) {
        order.push(top[0]);
        stack.pop();
      } else if (!visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    }
  }
  let dirty = new Set(order);
  for (let round = 0; round < MAX_ROUNDS && dirty.size; round++) {
    const next = new Set<FunctionFacts>();
    // The functions still to run in this round (a Set may shrink while iterated).
    const pending = dirty;
    for (const fn of pending) {
      pending.delete(fn);
      const effects = fn.calls.map((_, i) => program.effect(fn, i));
      const entries = program.entries(fn);
      const claimsBit = (ci: number) => entries[ci]?.role === 'bit-test-and-clear';
      const run = (): FunctionBalance => {
        const balance = analyzeBalance(
          fn,
          (i) => effects[i],
          (i) => memberOf(program, fn, i),
        );
        return { balance, derived: deriveWrapper(fn, balance, effects, claimsBit) };
      };
      const { balance: b, derived: memoised } = memo.balance(fn, effects, run);
      // Not memoised with the balance: it depends on the callees' summaries, not the effects.
      const passes = passedParams(fn, effects, b, memoised, (ci, arg) =>
        program.opaqueArg(fn, ci, arg),
      );
      const d = passes.length ? { ...memoised, passesParams: passes } : memoised;
      balances.set(fn, b);
      if (!same(program.derived.get(fn), d)) {
        program.setDerived(fn, d);
        // Callers still pending in this round will see the change when they run.
        for (const caller of callers.get(fn) ?? []) if (!pending.has(caller)) next.add(caller);
      }
    }
    dirty = next;
  }
  return balances;
}

/** The variable whose object call `i` returns under another type (container_of and kin). */
function memberOf(program: Program, fn: FunctionFacts, i: number): string | undefined {
  const call = fn.calls[i];
  const at = program.catalog.containerMemberArg.get(call.callee);
  return at === undefined ? undefined : call.args[at]?.ident;
}
