// May-held locks at each call site: a forward dataflow over the CFG. A region
// is atomic while a spinlock, rwlock or RCU read lock may be held.
import type { FunctionFacts } from '../facts/factTypes';
import type { CatalogIndex } from '../catalog/catalog';

export interface LockState {
  /** Per call index: lock names that may be held before the call. */
  held: string[][];
  /** Per call index: some atomic lock may be held. */
  atomic: boolean[];
}

function lockName(text: string): string {
  return text.replace(/^&\s*/, '').replace(/\s+/g, '');
}

export function analyzeLocks(fn: FunctionFacts, catalog: CatalogIndex): LockState {
  const cfg = fn.cfg;
  const atomicLocks = new Set<string>();
  const inState: (Set<string> | undefined)[] = cfg.map(() => undefined);
  const held: string[][] = fn.calls.map(() => []);
  const entry = cfg.find((n) => n.kind === 'entry');
  // Without a lock call nothing is ever held: most functions need no dataflow.
  const locking = fn.calls.some((c) => {
    const e = catalog.calls.get(c.callee);
    return e && (e.role === 'lock' || e.role === 'unlock' || e.acquiresLockArg !== undefined);
  });
  if (!entry || !locking) return { held, atomic: fn.calls.map(() => false) };
  inState[entry.id] = new Set();
  const work = [entry.id];
  let steps = 0;
  while (work.length && steps++ < 50000) {
    const id = work.pop() as number;
    const node = cfg[id];
    const state = new Set(inState[id]);
    for (const ci of node.calls) {
      const call = fn.calls[ci];
      held[ci] = [...new Set([...held[ci], ...state])];
      const e = catalog.calls.get(call.callee);
      if (!e || (e.role !== 'lock' && e.role !== 'unlock')) continue;
      const name = e.lockName ?? lockName(call.args[e.arg ?? 0]?.text ?? call.callee);
      if (e.role === 'lock') {
        state.add(name);
        if (e.atomic) atomicLocks.add(name);
      } else state.delete(name);
    }
    node.succ.forEach((s, edge) => {
      const edgeState = new Set(state);
      // refcount_dec_and_lock() and friends return true with the lock held.
      if (node.kind === 'cond' && node.succ.length === 2)
        for (const t of node.tests) {
          const call = t.call !== undefined ? fn.calls[t.call] : undefined;
          const e = call ? catalog.calls.get(call.callee) : undefined;
          if (!call || e?.acquiresLockArg === undefined) continue;
          if ((edge === 0 ? t.onTrue : t.onFalse) !== true) continue;
          const name = lockName(call.args[e.acquiresLockArg]?.text ?? call.callee);
          edgeState.add(name);
          atomicLocks.add(name);
        }
      const cur = inState[s];
      if (!cur) {
        inState[s] = edgeState;
        work.push(s);
      } else {
        const before = cur.size;
        for (const l of edgeState) cur.add(l);
        if (cur.size !== before) work.push(s);
      }
    });
  }
  return { held, atomic: held.map((h) => h.some((l) => atomicLocks.has(l))) };
}
