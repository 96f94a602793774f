// References held by a flag bit of the object. Kernel code often marks "this
// object holds a reference for X" with a bit (a page's PG_INODE_REF, a layout's
// fail bits, a cache entry's HASHED bit) and drops that reference only after
// test_and_clear_bit() on the bit returned true. Such a put drops the flag's
// reference, never the caller's: the caller cannot tell whether it ran, so it
// cannot be the reference the caller is counting.
import type { CfgNode, FunctionFacts } from '../facts/factTypes';
import type { RefEffect } from '../analysis/balance';
import { DROPS, sameObjectAs } from './removal';
import { reachable } from '../analysis/pathConditions';

/**
 * Whether every drop of `param`'s object in `fn` runs only where a bit-claiming
 * test (`claimsBit`, from the catalog: test_and_clear_bit and kin) on that same
 * object returned true. A function with no drop of the object says nothing.
 */
export function dropsOnlyFlagReference(
  fn: FunctionFacts,
  param: string,
  effects: readonly (RefEffect | undefined)[],
  claimsBit: (callIndex: number) => boolean,
): boolean {
  const same = sameObjectAs(fn, param);
  const ofObject = (v: string) => same.has(v) || same.has(v.split('->')[0]);
  const drops = effects.flatMap((e, ci) =>
    e && DROPS.has(e.kind) && e.kind !== 'returns-ref' && ofObject(e.variable) ? [ci] : [],
  );
  if (!drops.length) return false;
  const entry = fn.cfg.find((n) => n.kind === 'entry');
  if (!entry) return false;
  // The branches that test a claim of one of the object's bits, with the edge on which it succeeded.
  const claims: { node: CfgNode; won: number; lost: number }[] = [];
  for (const node of fn.cfg) {
    if (node.kind !== 'cond' || node.succ.length !== 2 || node.succ[0] === node.succ[1]) continue;
    for (const t of node.tests) {
      if (t.call === undefined || !claimsBit(t.call)) continue;
      const args = fn.calls[t.call]?.args ?? [];
      if (!args.some((a) => (a.root && same.has(a.root)) || (a.object && ofObject(a.object))))
        continue;
      const [onTrue, onFalse] = node.succ;
      if (t.onTrue === true) claims.push({ node, won: onTrue, lost: onFalse });
      else if (t.onFalse === true) claims.push({ node, won: onFalse, lost: onTrue });
    }
  }
  if (!claims.length) return false;
  const byId = new Map(fn.cfg.map((n) => [n.id, n]));
  return drops.every((ci) => {
    const at = fn.calls[ci].node;
    // Guarded: the drop cannot be reached once the claim failed, and can when it succeeded.
    return claims.some(
      (c) =>
        !reachable(byId, entry.id, [c.node.id, c.won]).has(at) &&
        reachable(byId, entry.id, [c.node.id, c.lost]).has(at),
    );
  });
}
