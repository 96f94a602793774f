// Removal from a container, as ownership evidence. A function that takes its
// parameter off a container (hash table, LRU, list, tree) and drops a reference
// is a removal-put: the reference it drops is the one the container held, so the
// caller's own reference is untouched (nfsd-style "unhash, then put if we were
// the one to unhash it").
import type { FunctionFacts } from '../facts/factTypes';
import type { RefEffect } from '../analysis/balance';

/**
 * Variables designating the same object as `param`: the parameter, copies of it,
 * and results of calls that take it (container_of-style conversions such as
 * `dp = delegstateid(s)`).
 */
export function sameObjectAs(fn: FunctionFacts, param: string): Set<string> {
  const vars = new Set([param]);
  for (let changed = true; changed;) {
    changed = false;
    for (const n of fn.cfg)
      for (const a of n.assigns) {
        if (vars.has(a.variable)) continue;
        const from =
          (a.fromVariable !== undefined && vars.has(a.fromVariable)) ||
          (a.fromCall !== undefined &&
            fn.calls[a.fromCall].args.some(
              (x) =>
                (x.object !== undefined && vars.has(x.object)) ||
                (x.root !== undefined && vars.has(x.root)),
            ));
        if (from) {
          vars.add(a.variable);
          changed = true;
        }
      }
  }
  return vars;
}

/** Effects that drop a reference. */
export const DROPS: ReadonlySet<RefEffect['kind']> = new Set([
  'put',
  'final-put',
  'cond-put',
  'put-all',
]);

/**
 * Parameters (by index) that `fn` takes off a container on some path. With
 * `beforeDrop`, only where the first removal comes before the first drop of the
 * object (calls are in source order): a teardown that unlinks the object after
 * the last put (a release function) is not a removal-put.
 */
export function removedParams(
  fn: FunctionFacts,
  effects: readonly (RefEffect | undefined)[],
  beforeDrop = false,
): number[] {
  // Taking the object off a container that held a reference (inherit) is a removal too.
  const removal = (e: RefEffect) => e.kind === 'remove' || e.kind === 'inherit';
  if (!effects.some((e) => e !== undefined && removal(e))) return [];
  const out: number[] = [];
  fn.params.forEach((p, i) => {
    if (!p) return;
    const same = sameObjectAs(fn, p);
    const first = (pred: (e: RefEffect) => boolean) =>
      effects.findIndex(
        (e) =>
          e !== undefined &&
          pred(e) &&
          e.kind !== 'returns-ref' &&
          (same.has(e.variable) || same.has(e.variable.split('->')[0])),
      );
    const rm = first(removal);
    if (rm < 0) return;
    // A function that first puts the object on a container (an LRU it then takes it
    // back from) is moving its own reference around, not a container's.
    const add = first((e) => e.kind === 'transfer');
    if (add >= 0 && add < rm) return;
    if (beforeDrop) {
      const drop = first((e) => DROPS.has(e.kind));
      if (drop >= 0 && drop < rm) return;
    }
    out.push(i);
  });
  return out;
}

/**
 * Parameters (by index) that `fn` frees on every path: a call ending every
 * reference to the object (kfree, kmem_cache_free, a free function derived
 * from one) through which every path from entry to exit runs. A caller handing
 * an object to such a function has released it (a never-published object's
 * free function, an ops method such as ->free_lseg()).
 */
export function freedParams(
  fn: FunctionFacts,
  effects: readonly (RefEffect | undefined)[],
): number[] {
  const entry = fn.cfg.find((n) => n.kind === 'entry');
  if (!entry || !effects.some((e) => e?.kind === 'put-all')) return [];
  const byId = new Map(fn.cfg.map((n) => [n.id, n]));
  // Whether some exit is reachable from entry without passing `avoid`.
  const escapes = (avoid: number) => {
    const seen = new Set<number>([entry.id]);
    const work = [entry.id];
    while (work.length) {
      const n = byId.get(work.pop() as number);
      if (!n) continue;
      if (n.kind === 'exit' || n.kind === 'return') return true;
      for (const s of n.succ)
        if (s !== avoid && !seen.has(s)) {
          seen.add(s);
          work.push(s);
        }
    }
    return false;
  };
  const out: number[] = [];
  fn.params.forEach((p, i) => {
    if (!p) return;
    const same = sameObjectAs(fn, p);
    const frees = effects.some(
      (e, ci) =>
        e?.kind === 'put-all' &&
        same.has(e.variable) &&
        fn.calls[ci].node !== entry.id &&
        !escapes(fn.calls[ci].node),
    );
    if (frees) out.push(i);
  });
  return out;
}
