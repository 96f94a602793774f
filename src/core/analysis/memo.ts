// Results kept across analyses of the same program, for hosts that re-analyse
// after every edit (the extension's worker). Only what is a pure function of
// its inputs is kept, keyed so that a hit gives exactly what a fresh run would:
//  - a function's reference balance depends on its facts and on the effect of
//    each of its calls (which changes when a callee's derived wrapper does),
//  - its may-held locks depend on its facts and the catalog.
// Facts objects of unchanged files are reused by the host, so their entries
// hit; entries of dropped facts go with them (WeakMap).
import type { CatalogIndex } from '../catalog/catalog';
import type { FunctionFacts } from '../facts/factTypes';
import type { BalanceResult, RefEffect } from './balance';
import type { LockState } from './locks';

/** Effect vectors remembered per function: the fixpoint may visit a few. */
const KEYS_PER_FUNCTION = 4;

export class AnalysisMemo {
  private readonly balances = new WeakMap<FunctionFacts, Map<string, BalanceResult>>();
  private readonly locks = new WeakMap<FunctionFacts, LockState>();
  hits = 0;
  misses = 0;

  constructor(readonly catalog: CatalogIndex) {}

  balance(
    fn: FunctionFacts,
    effects: readonly (RefEffect | undefined)[],
    compute: () => BalanceResult,
  ): BalanceResult {
    const key = JSON.stringify(effects);
    let byKey = this.balances.get(fn);
    const hit = byKey?.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const result = compute();
    if (!byKey) this.balances.set(fn, (byKey = new Map()));
    if (byKey.size >= KEYS_PER_FUNCTION) byKey.delete(byKey.keys().next().value as string);
    byKey.set(key, result);
    return result;
  }

  lockState(fn: FunctionFacts, compute: () => LockState): LockState {
    let s = this.locks.get(fn);
    if (!s) this.locks.set(fn, (s = compute()));
    return s;
  }
}
