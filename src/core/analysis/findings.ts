// Analyzer findings: reference imbalance on a path, unchecked conditional gets,
// and sleeping release work reachable while atomic.
import type { FunctionFacts } from '../facts/factTypes';
import { ATOMIC_CONTEXTS, CONTEXT_LABELS, type Finding, type ReleasePath } from '../model';
import { inconsistentExits, type BalanceResult, type PathStep } from './balance';
import type { CallGraph } from './callGraph';
import type { LockState } from './locks';
import type { Program } from './program';

function pathRelated(fn: FunctionFacts, path: PathStep[]) {
  const lines = [...new Set(path.map((p) => p.line))].filter((l) => l > 0);
  return lines.map((line) => ({ message: 'path', at: { file: fn.file, line, column: 1 } }));
}

export function balanceFindings(
  program: Program,
  balances: Map<FunctionFacts, BalanceResult>,
): Finding[] {
  const out: Finding[] = [];
  for (const [fn, b] of balances) {
    const id = program.idOf(fn);
    for (const d of b.doublePuts) {
      const call = fn.calls[d.call];
      out.push({
        kind: 'double-put',
        severity: 'error',
        function: id,
        message: `${id}(): reference to '${d.variable}' dropped twice on one path (second drop: ${call.callee}() at line ${call.at.line})`,
        at: { file: fn.file, line: call.at.line, column: call.at.column },
        related: pathRelated(fn, d.path),
      });
    }
    for (const leak of inconsistentExits(b)) {
      out.push({
        kind: 'ref-leak',
        severity: 'warning',
        function: id,
        message: `${id}(): reference to '${leak.variable}' is still held when returning at line ${leak.leaking.line}, but not on the path returning at line ${leak.balanced.line}`,
        at: { file: fn.file, line: leak.leaking.line, column: 1 },
        related: pathRelated(fn, leak.leaking.path),
      });
    }
    for (const ci of b.unchecked) {
      const call = fn.calls[ci];
      out.push({
        kind: 'unchecked-conditional-get',
        severity: 'warning',
        function: id,
        message: `${id}(): result of ${call.callee}() is not checked; the reference may not have been taken`,
        at: { file: fn.file, line: call.at.line, column: call.at.column },
        related: [],
      });
    }
  }
  return out;
}

export function atomicSleepFindings(
  program: Program,
  graph: CallGraph,
  locks: Map<FunctionFacts, LockState>,
  paths: ReleasePath[],
): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  // Entry contexts that are atomic themselves (RCU callbacks, LRU isolate callbacks).
  for (const p of paths) {
    if (p.mode !== 'inline' || !ATOMIC_CONTEXTS.has(p.runsIn)) continue;
    const last = p.chain[p.chain.length - 1];
    const key = `${last.function}|${last.at.line}|${p.runsIn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      kind: 'sleep-in-atomic',
      severity: 'error',
      function: last.function,
      message: `${p.sink}() may sleep but runs in ${CONTEXT_LABELS[p.runsIn]} (reached from ${p.entry})`,
      at: last.at,
      related: p.chain.map((s) => ({ message: `${s.function}() calls ${s.call}`, at: s.at })),
    });
  }
  // Call sites inside an atomic lock region whose callee may run sleeping release work.
  const sleepingChain = sleepingReleaseChains(program, graph);
  for (const [fn, state] of locks) {
    fn.calls.forEach((call, i) => {
      if (!state.atomic[i]) return;
      const e = program.catalog.calls.get(call.callee);
      let chain: { function: string; file: string; line: number; call: string }[] | undefined;
      if (e?.role === 'release' && e.sleeps) chain = [];
      else {
        const callee = program.resolve(call.callee, fn.file);
        chain = callee ? sleepingChain.get(callee) : undefined;
      }
      if (!chain) return;
      const key = `${program.idOf(fn)}|${call.at.line}`;
      if (seen.has(key)) return;
      seen.add(key);
      const sink = chain.length ? chain[chain.length - 1].call : call.callee;
      out.push({
        kind: 'sleep-in-atomic',
        severity: 'error',
        function: program.idOf(fn),
        message: `${program.idOf(fn)}(): ${call.callee}() ${chain.length ? `can reach ${sink}(), which may sleep,` : 'may sleep'} while ${state.held[i].join(', ')} may be held`,
        at: { file: fn.file, line: call.at.line, column: call.at.column },
        related: chain.map((s) => ({
          message: `${s.function}() calls ${s.call}`,
          at: { file: s.file, line: s.line, column: 1 },
        })),
      });
    });
  }
  return out;
}

/** For each function: a shortest inline chain to a sleeping release call, if any. */
function sleepingReleaseChains(program: Program, graph: CallGraph) {
  const result = new Map<
    FunctionFacts,
    { function: string; file: string; line: number; call: string }[]
  >();
  const callers = new Map<FunctionFacts, { from: FunctionFacts; line: number }[]>();
  for (const e of graph.edges)
    if (e.kind === 'call')
      callers.set(e.to, [...(callers.get(e.to) ?? []), { from: e.from, line: e.at.line }]);
  const queue: FunctionFacts[] = [];
  for (const fn of program.functions) {
    const sink = fn.calls.find((c) => {
      const e = program.catalog.calls.get(c.callee);
      return e?.role === 'release' && e.sleeps;
    });
    if (sink) {
      result.set(fn, [
        { function: program.idOf(fn), file: fn.file, line: sink.at.line, call: sink.callee },
      ]);
      queue.push(fn);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const fn = queue[i];
    for (const c of callers.get(fn) ?? []) {
      if (result.has(c.from)) continue;
      result.set(c.from, [
        { function: program.idOf(c.from), file: c.from.file, line: c.line, call: fn.name },
        ...(result.get(fn) ?? []),
      ]);
      queue.push(c.from);
    }
  }
  return result;
}
