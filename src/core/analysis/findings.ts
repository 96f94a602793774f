// Analyzer findings: reference imbalance on a path, unchecked conditional gets,
// and sleeping release work reachable while atomic.
import type { FunctionFacts } from '../facts/factTypes';
import { ATOMIC_CONTEXTS, CONTEXT_LABELS, type Finding, type ReleasePath } from '../model';
import { inconsistentExits, type BalanceResult, type DoublePut, type PathStep } from './balance';
import type { CallGraph } from './callGraph';
import type { LockState } from './locks';
import { pushTo } from './multimap';
import type { Program } from './program';
import { DROPS } from '../ownership/removal';

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
      const guesses = doublePutGuesses(program, fn, d);
      out.push({
        ...confidenceOf(guesses),
        kind: 'double-put',
        severity: 'error',
        function: id,
        message: `${id}(): reference to '${d.variable}' dropped twice on one path (second drop: ${call.callee}() at line ${call.at.line})`,
        at: { file: fn.file, line: call.at.line, column: call.at.column },
        related: pathRelated(fn, d.path),
      });
    }
    const d = program.derived.get(fn);
    const wrapped =
      d?.wrapper && d.wrapperParam !== undefined ? fn.params[d.wrapperParam] : undefined;
    for (const leak of inconsistentExits(b)) {
      // A conditional-get wrapper holds the reference on its success exits by contract.
      if (leak.variable === wrapped) continue;
      // Declared with __free(): its cleanup releases it at every exit of its scope.
      if (fn.scopedFree?.includes(leak.variable)) continue;
      const names = namesOnPath(fn, leak.variable, leak.leaking.path);
      const guesses = [
        ...leakGuesses(fn, b, leak.variable, leak.leaking.path),
        ...unseenReceivers(program, fn, leak.variable, names, leak.leaking.path),
        ...sharedOrigins(program, fn, names, leak.leaking.path),
      ];
      out.push({
        ...confidenceOf(guesses),
        kind: 'ref-leak',
        severity: 'warning',
        function: id,
        message: `${id}(): reference to '${leak.variable}' is still held when returning an error at line ${leak.leaking.line} (path through line ${divergingLine(leak.leaking.path, leak.balanced.path)}); other paths drop or hand it on`,
        at: { file: fn.file, line: leak.leaking.line, column: 1 },
        related: pathRelated(fn, leak.leaking.path),
      });
    }
    for (const ci of b.unchecked) {
      const call = fn.calls[ci];
      out.push({
        ...confidenceOf(uncheckedGuesses(program, fn, ci)),
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

/**
 * An unchecked conditional get matters when the function goes on as if it held
 * the reference: it drops it later, stores the object somewhere that keeps it,
 * or returns it. With none of these, a get that failed leaves nothing wrong that
 * the code shows.
 */
function uncheckedGuesses(program: Program, fn: FunctionFacts, ci: number): string[] {
  const variable = (program.effect(fn, ci) as { variable?: string } | undefined)?.variable;
  if (variable === undefined) return [];
  const relied =
    fn.cfg.some((n) => n.escapes.includes(variable) || n.returnsVariable === variable) ||
    fn.calls.some((_, cj) => {
      const e = program.effect(fn, cj);
      return (
        cj !== ci &&
        e !== undefined &&
        (DROPS.has(e.kind) || e.kind === 'transfer') &&
        (e as { variable?: string }).variable === variable
      );
    });
  return relied
    ? []
    : [
        `${fn.name}() never drops, keeps or returns what ${fn.calls[ci].callee}() may have taken a reference on: nothing here relies on the get having succeeded`,
      ];
}

/** Steps of a chain the kernel-tree index gives, at most this many (the chain is evidence, not a trace). */
const MAX_TREE_STEPS = 12;

/**
 * How the whole kernel tree brings the entry function `entryId` into `context`,
 * when that is where the context came from (callGraph's 'tree' entries): each
 * caller up to the registration, outermost first. Without them a finding says
 * only "reached from" a function the analysed files never call.
 */
function treeReachSteps(
  program: Program,
  graph: CallGraph,
  entryId: string,
  context: ReleasePath['runsIn'],
): Finding['related'] {
  const entry = graph.entries.find(
    (e) => e.from === 'tree' && e.entry.context === context && program.idOf(e.fn) === entryId,
  );
  const reachedIn = program.external?.reachedIn?.bind(program.external);
  if (!entry || !reachedIn) return [];
  const out: Finding['related'] = [];
  const seen = new Set<string>();
  let name = entry.fn.name;
  let file = entry.fn.file;
  while (out.length < MAX_TREE_STEPS) {
    const r = reachedIn(name, file)?.find((x) => x.context === context);
    if (!r || r.kind === 'external' || seen.has(`${r.via}@${r.file}`)) break;
    seen.add(`${r.via}@${r.file}`);
    const message =
      r.kind === 'call'
        ? `${r.via}() calls ${name} (kernel tree)`
        : `${r.via} registers ${name}: ${CONTEXT_LABELS[context]} (kernel tree)`;
    out.unshift({ message, at: { file: r.file, line: r.line, column: 1 } });
    if (r.kind !== 'call') break;
    name = r.via;
    file = r.file;
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
    if (!program.catalog.calls.get(p.sink)?.sleeps) continue;
    const last = p.chain[p.chain.length - 1];
    const key = `${last.function}|${last.at.line}|${p.runsIn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      confidence: 'confident',
      guesses: [],
      kind: 'sleep-in-atomic',
      severity: 'error',
      function: last.function,
      message: `${p.sink}() may sleep but runs in ${CONTEXT_LABELS[p.runsIn]} (reached from ${p.entry})`,
      at: last.at,
      related: [
        ...treeReachSteps(program, graph, p.entry, p.runsIn),
        ...p.chain.map((s) => ({ message: `${s.function}() calls ${s.call}`, at: s.at })),
      ],
    });
  }
  // Call sites inside an atomic lock region whose callee may run sleeping release work.
  const sleepingChain = sleepingReleaseChains(program, graph);
  for (const [fn, state] of locks) {
    fn.calls.forEach((call, i) => {
      if (!state.atomic[i]) return;
      const e = program.entries(fn)[i];
      let chain: SleepStep[] | undefined;
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
      // A chain through a function pointer matched by field name only is a guess.
      const guessed = chain.find((s) => s.indirect);
      const guess = guessed ? ` (through ${guessed.indirect}, resolved by field name only)` : '';
      out.push({
        ...confidenceOf(
          guessed
            ? [
                `the chain calls ${guessed.indirect} through a function pointer matched by field name only, not by the ops type`,
              ]
            : [],
        ),
        kind: 'sleep-in-atomic',
        severity: guessed ? 'warning' : 'error',
        function: program.idOf(fn),
        message: `${program.idOf(fn)}(): ${call.callee}() ${chain.length ? `can reach ${sink}(), which may sleep,` : 'may sleep'} while ${state.held[i].join(', ')} may be held${guess}`,
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

interface SleepStep {
  function: string;
  file: string;
  line: number;
  call: string;
  /** The step is an indirect call (its text, `->op_release()`), resolved by field name. */
  indirect?: string;
}

/**
 * For each function: a shortest inline chain to a sleeping release call, if any,
 * preferring chains of direct calls over chains through function pointers.
 */
function sleepingReleaseChains(program: Program, graph: CallGraph) {
  const result = new Map<FunctionFacts, SleepStep[]>();
  const callers = new Map<
    FunctionFacts,
    { from: FunctionFacts; line: number; indirect?: string }[]
  >();
  // Direct edges first, so a breadth-first walk reaches a function directly when it can.
  const calls = graph.edges.filter((e) => e.kind === 'call');
  for (const e of [...calls.filter((c) => !c.indirect), ...calls.filter((c) => c.indirect)])
    pushTo(callers, e.to, {
      from: e.from,
      line: e.at.line,
      ...(e.indirect ? { indirect: e.label } : {}),
    });
  const queue: FunctionFacts[] = [];
  for (const fn of program.functions) {
    const entries = program.entries(fn);
    const sink = fn.calls.find((_, i) => entries[i]?.role === 'release' && entries[i]?.sleeps);
    if (sink) {
      result.set(fn, [
        { function: program.idOf(fn), file: fn.file, line: sink.at.line, call: sink.callee },
      ]);
      queue.push(fn);
    }
  }
  // Two rounds: chains of direct calls only, then chains that need a guessed edge.
  for (const allowIndirect of [false, true]) {
    const round = allowIndirect ? [...result.keys()] : queue;
    for (let i = 0; i < round.length; i++) {
      const fn = round[i];
      for (const c of callers.get(fn) ?? []) {
        if (result.has(c.from) || (c.indirect && !allowIndirect)) continue;
        const step: SleepStep = {
          function: program.idOf(c.from),
          file: c.from.file,
          line: c.line,
          call: fn.name,
        };
        if (c.indirect) step.indirect = c.indirect;
        result.set(c.from, [step, ...(result.get(fn) ?? [])]);
        round.push(c.from);
      }
    }
  }
  return result;
}

/**
 * Unhash decided by test_bit() followed by clear_bit(): the pair is not atomic,
 * so two callers can both see the flag set and both unhash (and drop the hash
 * table's reference twice). test_and_clear_bit() or a lock decides one winner.
 */
export function unhashRaceFindings(
  program: Program,
  locks: Map<FunctionFacts, LockState>,
): Finding[] {
  const out: Finding[] = [];
  for (const fn of program.functions) {
    const classified = fn.calls.map((_, i) => program.classify(fn, i));
    // A race needs both a test_bit() and a clear_bit(): most functions have neither.
    if (!classified.some((c) => c?.role === 'bit-test')) continue;
    if (!classified.some((c) => c?.role === 'bit-clear')) continue;
    const lock = locks.get(fn);
    const flagOps = (role: string) =>
      classified
        .map((c, i) => ({ c, i }))
        .filter(({ c }) => c?.role === role)
        .map(({ c, i }) => `${c?.variable}|${fn.calls[i].args[0]?.text}`);
    const tested = new Set(flagOps('bit-test'));
    const cleared = new Set(flagOps('bit-clear'));
    const atomicPairs = new Set([...flagOps('bit-test-and-clear'), ...flagOps('bit-test-and-set')]);
    const racy = [...tested].filter((k) => cleared.has(k) && !atomicPairs.has(k));
    if (!racy.length) continue;
    classified.forEach((c, i) => {
      if (c?.role !== 'hash-remove' || (lock?.held[i].length ?? 0) > 0) return;
      const flag = racy.find((k) => k.startsWith(`${c.variable}|`));
      if (!flag) return;
      const call = fn.calls[i];
      const id = program.idOf(fn);
      out.push({
        confidence: 'confident',
        guesses: [],
        kind: 'unhash-race',
        severity: 'warning',
        function: id,
        message: `${id}(): ${call.callee}() is guarded by test_bit(${flag.split('|')[1]}) and clear_bit(), which are not atomic together: two callers can both unhash. Use test_and_clear_bit() or hold the hash lock.`,
        at: { file: fn.file, line: call.at.line, column: call.at.column },
        related: [],
      });
    });
  }
  return out;
}

/** First line on `path` that `other` does not pass: where the leaking path goes its own way. */
function divergingLine(path: PathStep[], other: PathStep[]): number {
  const seen = new Set(other.map((p) => p.node));
  return path.find((p) => !seen.has(p.node))?.line ?? path[path.length - 1]?.line ?? 0;
}

/** A finding resting on guesses is a guess, and a guess is never an error. */
export function confidenceOf(guesses: string[]): {
  confidence: 'confident' | 'guess';
  guesses: string[];
} {
  return { confidence: guesses.length ? 'guess' : 'confident', guesses };
}

/** The finding as the report shows it: a guess is demoted to a warning. */
export function settleSeverity(f: Finding): Finding {
  return f.confidence === 'guess' && f.severity === 'error' ? { ...f, severity: 'warning' } : f;
}

const CONTAINER_REMOVALS: ReadonlySet<string> = new Set(['hash-remove', 'lru-del', 'list-drain']);

/** The path passes a node more than once: it went round a loop. */
function loops(path: PathStep[]): boolean {
  const nodes = new Set<number>();
  for (const p of path) {
    if (nodes.has(p.node)) return true;
    nodes.add(p.node);
  }
  return false;
}

function doublePutGuesses(program: Program, fn: FunctionFacts, d: DoublePut): string[] {
  const g: string[] = [];
  if (loops(d.path))
    g.push('the path goes round a loop: each iteration may handle a different object');
  if (d.belowEntry)
    g.push(
      `no reference to '${d.variable}' is taken on the path: the two drops may be the caller's and a container's`,
    );
  if (d.escaped)
    g.push(`'${d.variable}' was handed to a container on the path, which may own a reference`);
  if (d.handed)
    g.push(
      `'${d.variable}' was given to a callee the analysis cannot see, which may take a reference`,
    );
  // A drop through a wrapper that drops on some paths only (`if (del_timer(t)) put(x)`):
  // which of the two drops happens is a question about the wrapper's paths, unless
  // it drops exactly when it returns 0 and this path read that status.
  const statusRead = (ci: number) => {
    const status = fn.calls[ci].assignedTo;
    return d.path.some((p) =>
      fn.cfg[p.node]?.tests.some(
        (t) => t.call === ci || (status !== undefined && t.variable === status),
      ),
    );
  };
  const partial = d.path
    .flatMap((p) => fn.cfg[p.node]?.calls ?? [])
    .find((ci) => {
      const c = program.classify(fn, ci);
      const w = c?.derivedFrom ? program.derived.get(c.derivedFrom) : c?.external;
      return (
        c?.variable === d.variable &&
        w?.partialPut === true &&
        !(w.successWhenZero && statusRead(ci))
      );
    });
  if (partial !== undefined)
    g.push(
      `${fn.calls[partial].callee}() drops '${d.variable}' on some of its paths only: one of the two drops may not happen`,
    );
  const removal = d.path
    .flatMap((p) => fn.cfg[p.node]?.calls ?? [])
    .find((ci) => {
      const c = program.classify(fn, ci);
      return c !== undefined && CONTAINER_REMOVALS.has(c.role) && c.variable === d.variable;
    });
  if (removal !== undefined)
    g.push(
      `${fn.calls[removal].callee}() removes '${d.variable}' from a container on the path: one drop may release the container's reference`,
    );
  return g;
}

/**
 * Calls on `path` that receive `variable`'s object (under any of its `names`) and
 * whose effect the analysis cannot know: an indirect call or a function it cannot
 * see (which may release or keep it), or a callee whose summary cannot tell.
 */
function unseenReceivers(
  program: Program,
  fn: FunctionFacts,
  variable: string,
  names: ReadonlySet<string>,
  path: PathStep[],
): string[] {
  // Per callee and name: whether the callee is unseen (else its summary cannot tell).
  const receivers = new Map<string, { callee: string; name: string; unseen: boolean }>();
  for (const step of path)
    for (const ci of fn.cfg[step.node]?.calls ?? []) {
      const call = fn.calls[ci];
      // The object itself (or its address), not a value read from one of its fields.
      const at = call.args.findIndex((a) => a.object !== undefined && names.has(a.object));
      if (at < 0) continue;
      // container_of() and kin only convert the pointer (catalog data).
      if (program.catalog.containerMacros.has(call.callee)) continue;
      const name = call.args[at].object as string;
      const unseen = program.unseenCall(fn, ci);
      if (unseen || program.opaqueArg(fn, ci, at))
        receivers.set(`${unseen}|${call.callee}|${name}`, { callee: call.callee, name, unseen });
    }
  const sorted = [...receivers.values()].sort((x, y) => Number(y.unseen) - Number(x.unseen));
  return sorted.map(({ callee: n, name, unseen }) => {
    // `'x'`, or `'y' (the object of 'x')` when passed under another of its names.
    const what = name === variable ? `'${name}'` : `'${name}' (the object of '${variable}')`;
    return unseen
      ? `${what} is passed to ${n}(), ${n.startsWith('->') ? 'an indirect call' : 'a function the analysis cannot see'}, which may release or keep it`
      : `${what} is passed to ${n}(), whose summary cannot tell what it does to the reference (it counts it in a way no wrapper kind describes, or hands it on to code that cannot be seen)`;
  });
}

/**
 * The names `variable`'s object has on `path`: it and every name a copy on the
 * path joins to it (`raid_bio = split`), whichever way and whenever. A finding is
 * reported under one name; what the path does under the others counts as much.
 */
function namesOnPath(fn: FunctionFacts, variable: string, path: PathStep[]): Set<string> {
  const names = new Set([variable]);
  const copies: [string, string][] = [];
  for (const step of path)
    for (const a of fn.cfg[step.node]?.assigns ?? [])
      if (a.fromVariable !== undefined) copies.push([a.variable, a.fromVariable]);
  for (let grew = copies.length > 0; grew;) {
    grew = false;
    for (const [to, from] of copies)
      if (names.has(to) !== names.has(from)) {
        names.add(to);
        names.add(from);
        grew = true;
      }
  }
  return names;
}

/**
 * Calls on `path` that gave the object (under any of its `named` names) its value
 * and also handed it to a container (returnsShared): the references counted may
 * all be the containers'.
 */
function sharedOrigins(
  program: Program,
  fn: FunctionFacts,
  named: ReadonlySet<string>,
  path: PathStep[],
): string[] {
  const callees = program.callees(fn);
  const external = program.externalSummaries(fn);
  const names = new Set<string>();
  for (const step of path)
    for (const a of fn.cfg[step.node]?.assigns ?? []) {
      if (!named.has(a.variable) || a.fromCall === undefined) continue;
      const callee = callees[a.fromCall];
      const shared = callee
        ? program.derived.get(callee)?.returnsShared
        : external[a.fromCall]?.returnsShared;
      if (shared) names.add(fn.calls[a.fromCall].callee);
    }
  return [...names].map(
    (n) =>
      `${n}() also hands the object it returns to a container: the references counted may all be the container's, none the caller's`,
  );
}

function leakGuesses(
  fn: FunctionFacts,
  b: BalanceResult,
  variable: string,
  path: PathStep[],
): string[] {
  const g: string[] = [];
  // `if (found != mine)`: on the other edge both names are one object, counted twice.
  const compared = path
    .flatMap((p) => fn.cfg[p.node]?.compares ?? [])
    .find((c) => c.includes(variable));
  if (compared)
    g.push(
      `'${compared[0]}' and '${compared[1]}' are compared on the path: they may be one object, its references counted under both names`,
    );
  if (loops(path))
    g.push('the path goes round a loop: each iteration may handle a different object');
  if (/->|\./.test(variable))
    g.push(`'${variable}' is another object's field: that object may own the reference`);
  if (b.exits.some((e) => e.handed.includes(variable)))
    g.push(`'${variable}' is given to a callee the analysis cannot see on some path`);
  return g;
}
