// How many entry points reach a function through inline calls: the ranking
// weight of a change (a change on a path many entry points share matters more).
import type { ProgramModel } from '../model';

export function entryReach(model: ProgramModel): (fn: string) => number {
  const callers = new Map<string, string[]>();
  for (const e of model.edges)
    if (e.kind === 'call' || e.kind === 'callback')
      callers.set(e.callee, [...(callers.get(e.callee) ?? []), e.caller]);
  const entries = new Set(model.entryPoints.map((e) => e.function));
  const memo = new Map<string, number>();
  return (fn) => {
    const hit = memo.get(fn);
    if (hit !== undefined) return hit;
    const seen = new Set([fn]);
    const queue = [fn];
    let n = 0;
    while (queue.length) {
      const f = queue.pop() as string;
      if (entries.has(f)) n++;
      for (const c of callers.get(f) ?? [])
        if (!seen.has(c)) {
          seen.add(c);
          queue.push(c);
        }
    }
    memo.set(fn, n);
    return n;
  };
}
