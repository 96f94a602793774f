// Execution contexts: which contexts reach each function, and for every entry
// point which release work it runs, inline or through a deferral, with the call
// chain as evidence.
import type { FunctionFacts } from '../facts/factTypes';
import type { ChainStep, ContextKind, ReleaseKind, ReleasePath } from '../model';
import type { CallGraph, GraphEdge } from './callGraph';
import { pushTo } from './multimap';
import type { Program } from './program';

/** Per function: call indices that run only after a final put succeeded. */
export function finalPutBranches(program: Program): Map<FunctionFacts, Set<number>> {
  const out = new Map<FunctionFacts, Set<number>>();
  for (const fn of program.functions) {
    const entries = program.entries(fn);
    const finalPuts = fn.calls.some((_, i) => {
      const e = entries[i];
      return (
        (e?.role === 'ref-final-put' && e.releaseArg !== undefined) ||
        program.effect(fn, i)?.kind === 'final-put'
      );
    });
    if (!finalPuts) continue;
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
    entries.forEach((e, i) => {
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

/** `seeds` and every function that reaches one along edges `follows` accepts. */
export function reachingBackwards(
  graph: CallGraph,
  seeds: FunctionFacts[],
  follows: (e: GraphEdge) => boolean,
): Set<FunctionFacts> {
  const into = new Map<FunctionFacts, FunctionFacts[]>();
  for (const e of graph.edges) if (follows(e)) pushTo(into, e.to, e.from);
  const out = new Set(seeds);
  const queue = [...out];
  for (let i = 0; i < queue.length; i++)
    for (const from of into.get(queue[i]) ?? [])
      if (!out.has(from)) {
        out.add(from);
        queue.push(from);
      }
  return out;
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
  // Only functions from which some release sink is reachable are worth walking.
  const reaching = reachingBackwards(
    graph,
    program.functions.filter(
      (fn) =>
        program.entries(fn).some((e) => e?.role === 'release') ||
        program.externalSummaries(fn).some((s) => s?.release.length),
    ),
    (e) => e.kind !== 'register',
  );
  for (const { fn: entryFn, entry } of graph.entries) {
    if (!reaching.has(entryFn)) continue;
    // Breadth first, so each (function, context, mode) keeps its shortest chain;
    // marked when queued, which keeps the first of equals as a pop-time check would.
    const seen = new Map<FunctionFacts, Set<string>>();
    const firstVisit = (fn: FunctionFacts, runsIn: ContextKind, mode: Visit['mode']) => {
      const key = `${runsIn}|${mode}`;
      const set = seen.get(fn);
      if (set?.has(key)) return false;
      if (set) set.add(key);
      else seen.set(fn, new Set([key]));
      return true;
    };
    const found = new Set<string>();
    const queue: Visit[] = [
      { fn: entryFn, runsIn: entry.context, mode: 'inline', chain: [], viaFinalPut: false },
    ];
    firstVisit(entryFn, entry.context, 'inline');
    for (let qi = 0; qi < queue.length; qi++) {
      const v = queue[qi];
      const finals = underFinalPut.get(v.fn);
      const entries = program.entries(v.fn);
      v.fn.calls.forEach((call, i) => {
        const e = entries[i];
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
      // Callees defined outside the analysed files, through their summaries.
      program.externalSummaries(v.fn).forEach((s, i) => {
        if (!s?.release.length) return;
        const call = v.fn.calls[i];
        for (const r of s.release) {
          const mode = v.mode === 'deferred' || r.mode === 'deferred' ? 'deferred' : 'inline';
          const runsIn = r.context ?? v.runsIn;
          const id = `${runsIn}|${mode}|${r.kind}`;
          if (found.has(id)) continue;
          found.add(id);
          const at = { file: call.at.file, line: call.at.line, column: call.at.column };
          out.push({
            entry: entry.function,
            entryContext: entry.context,
            runsIn,
            mode,
            release: r.kind,
            sink: r.sink,
            viaFinalPut: v.viaFinalPut || !!finals?.has(i),
            chain: [
              ...v.chain,
              step(v.fn, call.callee, at, 'call'),
              {
                function: call.callee,
                call: r.sink,
                at: { file: r.file, line: r.line, column: 1 },
                via: 'sink',
              },
            ],
          });
        }
      });
      for (const edge of graph.out.get(v.fn) ?? []) {
        if (edge.kind === 'register' || !reaching.has(edge.to)) continue;
        const runsIn = edge.kind === 'call' ? v.runsIn : (edge.context ?? v.runsIn);
        const mode = edge.kind === 'defer' ? 'deferred' : v.mode;
        if (firstVisit(edge.to, runsIn, mode)) queue.push(nextVisit(v, edge, finals, step));
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
