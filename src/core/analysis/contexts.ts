// Execution contexts: which contexts reach each function, and for every entry
// point which release work it runs, inline or through a deferral, with the call
// chain as evidence.
import type { FunctionFacts } from '../facts/factTypes';
import type { ChainStep, ContextKind, ReleaseKind, ReleasePath } from '../model';
import type { CallGraph, GraphEdge } from './callGraph';
import type { Program } from './program';

/** Per function: call indices that run only after a final put succeeded. */
export function finalPutBranches(program: Program): Map<FunctionFacts, Set<number>> {
  const out = new Map<FunctionFacts, Set<number>>();
  for (const fn of program.functions) {
    const marked = new Set<number>();
    const reach = (start: number): Set<number> => {
      const seen = new Set<number>();
      const stack = [start];
      while (stack.length) {
        const n = stack.pop() as number;
        if (seen.has(n)) continue;
        seen.add(n);
        for (const s of fn.cfg[n].succ) stack.push(s);
      }
      return seen;
    };
    for (const node of fn.cfg) {
      if (node.kind !== 'cond' || node.succ.length !== 2) continue;
      for (const t of node.tests) {
        if (t.call === undefined) continue;
        if (program.effect(fn, t.call)?.kind !== 'final-put') continue;
        const [yes, no] =
          t.onTrue === false ? [node.succ[1], node.succ[0]] : [node.succ[0], node.succ[1]];
        const onlyYes = reach(yes);
        for (const n of reach(no)) onlyYes.delete(n);
        for (const n of onlyYes) for (const ci of fn.cfg[n].calls) marked.add(ci);
      }
    }
    fn.calls.forEach((c, i) => {
      const e = program.catalog.calls.get(c.callee);
      if (e?.role === 'ref-final-put' && e.releaseArg !== undefined) marked.add(i);
    });
    if (marked.size) out.set(fn, marked);
  }
  return out;
}

/** Contexts reaching each function: entries, then inline call edges. */
export function propagateContexts(graph: CallGraph): Map<FunctionFacts, Set<ContextKind>> {
  return contextsAlong(graph.entries, (fn) =>
    (graph.out.get(fn) ?? []).filter((e) => e.kind === 'call').map((e) => e.to),
  );
}

/** Contexts reaching each function from `entries` along `callees` (inline calls). */
export function contextsAlong(
  entries: CallGraph['entries'],
  callees: (fn: FunctionFacts) => Iterable<FunctionFacts>,
): Map<FunctionFacts, Set<ContextKind>> {
  const ctx = new Map<FunctionFacts, Set<ContextKind>>();
  const work: [FunctionFacts, ContextKind][] = entries.map((e) => [e.fn, e.entry.context]);
  while (work.length) {
    const [fn, c] = work.pop() as [FunctionFacts, ContextKind];
    const set = ctx.get(fn) ?? new Set<ContextKind>();
    if (set.has(c)) continue;
    set.add(c);
    ctx.set(fn, set);
    for (const to of callees(fn)) work.push([to, c]);
  }
  return ctx;
}

interface Visit {
  fn: FunctionFacts;
  runsIn: ContextKind;
  mode: 'inline' | 'deferred';
  chain: ChainStep[];
  viaFinalPut: boolean;
}

/** Release work reached from each entry point. */
export function releasePaths(
  program: Program,
  graph: CallGraph,
  underFinalPut: Map<FunctionFacts, Set<number>>,
): ReleasePath[] {
  const out: ReleasePath[] = [];
  const step = (
    fn: FunctionFacts,
    call: string,
    at: ChainStep['at'],
    via: ChainStep['via'],
  ): ChainStep => ({
    function: program.idOf(fn),
    call,
    at,
    via,
  });
  for (const { fn: entryFn, entry } of graph.entries) {
    const seen = new Set<string>();
    const found = new Set<string>();
    const queue: Visit[] = [
      { fn: entryFn, runsIn: entry.context, mode: 'inline', chain: [], viaFinalPut: false },
    ];
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi];
      const key = `${program.idOf(v.fn)}|${v.runsIn}|${v.mode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finals = underFinalPut.get(v.fn);
      v.fn.calls.forEach((call, i) => {
        const e = program.catalog.calls.get(call.callee);
        if (e?.role !== 'release' || !e.release) return;
        const release: ReleaseKind = e.release;
        const id = `${v.runsIn}|${v.mode}|${release}`;
        if (found.has(id)) return;
        found.add(id);
        out.push({
          entry: entry.function,
          entryContext: entry.context,
          runsIn: v.runsIn,
          mode: v.mode,
          release,
          sink: call.callee,
          viaFinalPut: v.viaFinalPut || !!finals?.has(i),
          chain: [
            ...v.chain,
            step(
              v.fn,
              call.callee,
              { file: call.at.file, line: call.at.line, column: call.at.column },
              'sink',
            ),
          ],
        });
      });
      for (const edge of graph.out.get(v.fn) ?? []) {
        if (edge.kind === 'register') continue;
        queue.push(nextVisit(v, edge, finals, step));
      }
    }
  }
  return out;
}

function nextVisit(
  v: Visit,
  edge: GraphEdge,
  finals: Set<number> | undefined,
  step: (fn: FunctionFacts, call: string, at: ChainStep['at'], via: ChainStep['via']) => ChainStep,
): Visit {
  const via: ChainStep['via'] =
    edge.kind === 'call' ? 'call' : edge.kind === 'defer' ? 'defer' : 'callback';
  const chain = [
    ...v.chain,
    step(
      v.fn,
      edge.label === edge.to.name ? edge.to.name : `${edge.label} -> ${edge.to.name}`,
      edge.at,
      via,
    ),
  ];
  const viaFinalPut =
    v.viaFinalPut || (edge.callIndex !== undefined && !!finals?.has(edge.callIndex));
  if (edge.kind === 'defer')
    return { fn: edge.to, runsIn: edge.context ?? v.runsIn, mode: 'deferred', chain, viaFinalPut };
  if (edge.kind === 'callback')
    return { fn: edge.to, runsIn: edge.context ?? v.runsIn, mode: v.mode, chain, viaFinalPut };
  return { fn: edge.to, runsIn: v.runsIn, mode: v.mode, chain, viaFinalPut };
}
