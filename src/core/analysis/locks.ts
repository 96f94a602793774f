// May-held locks at each call site: a forward dataflow over the CFG. A region
// is atomic while a spinlock, rwlock or RCU read lock may be held. Scope locks
// (cleanup.h guards) hold for the calls inside their scope; a call to a helper
// that drops a lock it did not take (`__releases`, or an unlock in its body)
// ends the caller's region.
import type { FunctionFacts } from '../facts/factTypes';
import type { CatalogIndex } from '../catalog/catalog';

export interface LockState {
  /** Per call index: lock names that may be held before the call. */
  held: string[][];
  /**
   * Per call index: some atomic lock may be held through the call. A lock the
   * callee drops (releasedBy) does not count: whether the callee sleeps before
   * dropping it is a question about the callee's body.
   */
  atomic: boolean[];
  /** Locks (by member name, see lockKey) the function drops without taking them. */
  releases: string[];
}

function lockName(text: string): string {
  return text.replace(/^&\s*/, '').replace(/\s+/g, '');
}

/**
 * A lock as a helper and its caller both name it: the member (`lt_lock` in
 * `&t->lt_lock` and `&tbl->lt_lock`), or the whole name for a global.
 */
export function lockKey(name: string): string {
  const parts = lockName(name).split(/->|\./);
  return parts[parts.length - 1];
}

/** Of the locks held before a call, those still held once the callee dropped `dropped` (lockKeys). */
export function heldThrough(
  held: readonly string[],
  dropped: readonly string[] | undefined,
): string[] {
  return dropped?.length ? held.filter((l) => !dropped.includes(lockKey(l))) : [...held];
}

/** The held list of a call with no lock held (never changed: frozen). */
const NONE = Object.freeze([]) as unknown as string[];

const before = (a: { line: number; column: number }, b: { line: number; column: number }) =>
  a.line < b.line || (a.line === b.line && a.column <= b.column);

/**
 * @param releasedBy per call index: locks (lockKey) the callee drops; the
 *   caller's region for those locks ends at the call.
 */
export function analyzeLocks(
  fn: FunctionFacts,
  catalog: CatalogIndex,
  releasedBy: readonly (readonly string[] | undefined)[] = [],
): LockState {
  const cfg = fn.cfg;
  const atomicLocks = new Set<string>();
  const inState: (Set<string> | undefined)[] = cfg.map(() => undefined);
  // Most calls have no lock held: they share one frozen empty list until a lock is added.
  const held: string[][] = new Array<string[]>(fn.calls.length).fill(NONE);
  const own = (i: number) => (held[i] === NONE ? (held[i] = []) : held[i]);
  const releases = new Set<string>();
  for (const a of fn.annotations) {
    const m = /^__releases\((.*)\)$/.exec(a);
    if (m) releases.add(lockKey(m[1]));
  }
  // Scope locks: held for every call inside the scope, whatever the path.
  for (const scope of fn.lockScopes ?? []) {
    const guard = catalog.lockGuards.get(scope.guard);
    if (!guard) continue;
    const name = guard.lockName ?? lockName(scope.lock || scope.guard);
    if (guard.atomic) atomicLocks.add(name);
    const end = { line: scope.at.endLine, column: scope.at.endColumn };
    fn.calls.forEach((c, i) => {
      if (before(scope.at, c.at) && before(c.at, end) && !held[i].includes(name)) own(i).push(name);
    });
  }
  const entry = cfg.find((n) => n.kind === 'entry');
  // Without a lock call nothing is ever held: most functions need no dataflow.
  const locking = fn.calls.some((c) => {
    const e = catalog.calls.get(c.callee);
    return e && (e.role === 'lock' || e.role === 'unlock' || e.acquiresLockArg !== undefined);
  });
  const done = (): LockState => ({
    held,
    atomic: held.map((h, ci) => heldThrough(h, releasedBy[ci]).some((l) => atomicLocks.has(l))),
    releases: [...releases].sort(),
  });
  if (!entry || !locking) return done();
  inState[entry.id] = new Set();
  const work = [entry.id];
  let steps = 0;
  while (work.length && steps++ < 50000) {
    const id = work.pop() as number;
    const node = cfg[id];
    const state = new Set(inState[id]);
    for (const ci of node.calls) {
      const call = fn.calls[ci];
      // Held arrays never repeat a lock: add only what is new, in the state's order.
      for (const l of state) if (!held[ci].includes(l)) own(ci).push(l);
      const dropped = releasedBy[ci];
      if (dropped?.length)
        for (const l of [...state]) if (dropped.includes(lockKey(l))) state.delete(l);
      const e = catalog.calls.get(call.callee);
      if (!e || (e.role !== 'lock' && e.role !== 'unlock')) continue;
      const name = e.lockName ?? lockName(call.args[e.arg ?? 0]?.text ?? call.callee);
      if (e.role === 'lock') {
        state.add(name);
        if (e.atomic) atomicLocks.add(name);
      } else {
        // Dropping a lock this function never took: its caller holds it.
        if (!state.has(name) && !e.lockName) releases.add(lockKey(name));
        state.delete(name);
      }
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
        const size = cur.size;
        for (const l of edgeState) cur.add(l);
        if (cur.size !== size) work.push(s);
      }
    });
  }
  return done();
}
