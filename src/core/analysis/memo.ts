// Results kept across analyses of the same program, for hosts that re-analyse
// after every edit (the extension's worker). Only what is a pure function of
// its inputs is kept, keyed so that a hit gives exactly what a fresh run would:
//  - a function's reference balance, and the wrapper derived from it, depend on
//    its facts and on the effect of each of its calls (which changes when a
//    callee's derived wrapper does),
//  - its may-held locks, the catalog entry of each call and what each call may
//    hand on depend on its facts and the catalog.
// Facts objects of unchanged files are reused by the host, and so are those of
// the unchanged functions of a re-extracted file (reuseUnchanged), so their
// entries hit; entries of dropped facts go with them (WeakMap).
import type { CatalogIndex } from '../catalog/catalog';
import type { CallEntry } from '../catalog/catalogTypes';
import type { FileFacts, FunctionFacts } from '../facts/factTypes';
import type { BalanceResult, RefEffect } from './balance';
import type { LockState } from './locks';
import type { DerivedWrapper } from './program';

export interface FunctionBalance {
  balance: BalanceResult;
  derived: DerivedWrapper;
}

/** Effect vectors remembered per function: the fixpoint may visit a few. */
const KEYS_PER_FUNCTION = 4;

type EffectField = RefEffect extends infer T ? (T extends unknown ? keyof T : never) : never;
/** Every field of every RefEffect variant: the compiler rejects a missing or unknown one. */
const EFFECT_FIELDS: Record<EffectField, true> = {
  kind: true,
  variable: true,
  amount: true,
  count: true,
  invert: true,
  alsoStores: true,
  counter: true,
  shared: true,
};
const FIELDS = Object.keys(EFFECT_FIELDS) as EffectField[];

/** Effect vectors are compared field by field: cheaper than building string keys. */
function sameEffect(a: RefEffect | undefined, b: RefEffect | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const x = a as Partial<Record<EffectField, unknown>>;
  const y = b as Partial<Record<EffectField, unknown>>;
  for (const f of FIELDS) if (x[f] !== y[f]) return false;
  return true;
}

function sameEffects(
  a: readonly (RefEffect | undefined)[],
  b: readonly (RefEffect | undefined)[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameEffect(a[i], b[i])) return false;
  return true;
}

interface Remembered {
  effects: readonly (RefEffect | undefined)[];
  result: FunctionBalance;
}

function remember<T>(map: WeakMap<FunctionFacts, T>, fn: FunctionFacts, compute: () => T): T {
  let v = map.get(fn);
  if (v === undefined) map.set(fn, (v = compute()));
  return v;
}

export class AnalysisMemo {
  private readonly balances = new WeakMap<FunctionFacts, Remembered[]>();
  private readonly locks = new WeakMap<FunctionFacts, { key: string; state: LockState }>();
  private readonly entries = new WeakMap<FunctionFacts, readonly (CallEntry | undefined)[]>();
  private readonly handed = new WeakMap<FunctionFacts, readonly (string | undefined)[]>();
  private readonly serialised = new WeakMap<FunctionFacts, string>();
  hits = 0;
  misses = 0;

  constructor(readonly catalog: CatalogIndex) {}

  /**
   * `next` (a re-extraction of `prev`'s file) with every function whose facts are
   * unchanged, positions included, replaced by `prev`'s object: typing inside one
   * function leaves the others' remembered results valid.
   */
  reuseUnchanged(prev: FileFacts | undefined, next: FileFacts): FileFacts {
    if (!prev) return next;
    const at = (fn: FunctionFacts) => `${fn.name}@${fn.span.line}:${fn.span.column}`;
    const before = new Map(prev.functions.map((fn) => [at(fn), fn]));
    const json = (fn: FunctionFacts) => remember(this.serialised, fn, () => JSON.stringify(fn));
    let reused = 0;
    const functions = next.functions.map((fn) => {
      const old = before.get(at(fn));
      if (!old || json(old) !== json(fn)) return fn;
      reused++;
      return old;
    });
    return reused ? { ...next, functions } : next;
  }

  balance(
    fn: FunctionFacts,
    effects: readonly (RefEffect | undefined)[],
    compute: () => FunctionBalance,
  ): FunctionBalance {
    let seen = this.balances.get(fn);
    const hit = seen?.find((r) => sameEffects(r.effects, effects));
    if (hit) {
      this.hits++;
      return hit.result;
    }
    this.misses++;
    const result = compute();
    if (!seen) this.balances.set(fn, (seen = []));
    if (seen.length >= KEYS_PER_FUNCTION) seen.shift();
    seen.push({ effects, result });
    return result;
  }

  catalogEntries(
    fn: FunctionFacts,
    compute: () => readonly (CallEntry | undefined)[],
  ): readonly (CallEntry | undefined)[] {
    return remember(this.entries, fn, compute);
  }

  handoffs(
    fn: FunctionFacts,
    compute: () => readonly (string | undefined)[],
  ): readonly (string | undefined)[] {
    return remember(this.handed, fn, compute);
  }

  /** `key` names what the state depends on beyond the function (its callees' lock drops). */
  lockState(fn: FunctionFacts, key: string, compute: () => LockState): LockState {
    const hit = this.locks.get(fn);
    if (hit && hit.key === key) return hit.state;
    const state = compute();
    this.locks.set(fn, { key, state });
    return state;
  }
}
