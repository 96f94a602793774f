// How an object's LRU is run, read from the code: how the LRU gets the
// reference it holds, which entries the isolate callbacks take off it (by the
// count tests on the isolate's path: only entries whose last reference is the
// LRU's, or entries others still use) and what becomes of them, and whether a
// walk's collected entries are released inline by the walker or handed on.
// The primitives (list_lru_add, list_lru_isolate, list_lru_walk and its
// callback argument, refcount tests) come from the catalog by role.
import type { CfgNode, FunctionFacts } from '../facts/factTypes';
import type {
  ChainStep,
  ContextKind,
  FunctionSummary,
  Location,
  LruCollector,
  LruDesign,
  LruEntries,
  LruIsolation,
  LruIsolator,
  ObjectLifecycle,
} from '../model';
import type { CallGraph } from './callGraph';
import { guardsOfCall } from './pathConditions';
import type { Program } from './program';

function loc(at: { file: string; line: number; column: number }): Location {
  return { file: at.file, line: at.line, column: at.column };
}

/** CFG nodes reachable from `from`, never crossing the edge `cut`. */
function reachable(cfg: CfgNode[], from: number, cut?: [number, number]): Set<number> {
  const byId = new Map(cfg.map((n) => [n.id, n]));
  const seen = new Set<number>([from]);
  const work = [from];
  while (work.length) {
    const n = byId.get(work.pop() as number);
    for (const s of n?.succ ?? []) {
      if (cut && n?.id === cut[0] && s === cut[1]) continue;
      if (!seen.has(s)) {
        seen.add(s);
        work.push(s);
      }
    }
  }
  return seen;
}

/** The calls tested on every path to call `index` of `fn`, with the value each has there. */
function testedOnTheWay(
  fn: FunctionFacts,
  index: number,
): { call: number; value: boolean | undefined }[] {
  const call = fn.calls[index];
  const entry = fn.cfg.find((n) => n.kind === 'entry');
  if (!call || !entry) return [];
  const out: { call: number; value: boolean | undefined }[] = [];
  for (const c of fn.cfg) {
    if (c.kind !== 'cond' || c.succ.length !== 2 || c.id === call.node) continue;
    if (!c.tests.length && !c.calls.length) continue;
    const [t, f] = c.succ;
    if (t === f) continue;
    const viaTrue = reachable(fn.cfg, entry.id, [c.id, f]).has(call.node);
    const viaFalse = reachable(fn.cfg, entry.id, [c.id, t]).has(call.node);
    if (viaTrue === viaFalse) continue;
    for (const test of c.tests) {
      // A comparison (`refcount_read(&x->ref) > 1`) has no known value, but its call is tested.
      const value = test.equals === undefined ? (viaTrue ? test.onTrue : test.onFalse) : undefined;
      const tested =
        test.call ??
        fn.cfg
          .flatMap((n) => n.assigns)
          .filter((a) => a.variable === test.variable && a.fromCall !== undefined)
          .at(-1)?.fromCall;
      if (tested !== undefined) out.push({ call: tested, value });
    }
    // Calls in a comparison (`refcount_read(&x->ref) > 1`) are tested too, with no known value.
    for (const k of c.calls)
      if (!out.some((o) => o.call === k)) out.push({ call: k, value: undefined });
  }
  return out;
}

const RANK: Record<LruEntries, number> = {
  'last-reference': 3,
  'in-use': 2,
  'count-read': 1,
  any: 0,
};

/**
 * Which entries reach call `index` of `fn`, by the count tests of `type` on the way:
 * a final put that succeeded (or a dec-not-one that failed) leaves the last reference;
 * the opposite results leave entries others still hold. A test through a helper the
 * analysis cannot classify (`icount_read(inode)`) on the same object counts as a count
 * read: the entries are tested, by what we cannot tell.
 */
function entriesAt(
  program: Program,
  fn: FunctionFacts,
  index: number,
  type: string,
  variable?: string,
): LruEntries {
  let best: LruEntries = 'any';
  const entries = program.entries(fn);
  for (const { call, value } of testedOnTheWay(fn, index)) {
    const c = program.classify(fn, call);
    let e: LruEntries | undefined;
    if (!c) {
      const helper = !entries[call] && !!variable;
      if (helper && fn.calls[call]?.args.some((a) => a.object === variable)) e = 'count-read';
    } else if (c.objectType !== type) continue;
    else if (value !== undefined && c.role === 'ref-final-put')
      e = value ? 'last-reference' : 'in-use';
    else if (value !== undefined && c.role === 'ref-put' && c.entry?.conditional)
      e = value ? 'in-use' : 'last-reference';
    else if (c.role === 'ref-read' || c.role === 'ref-get-conditional') e = 'count-read';
    if (e && RANK[e] > RANK[best]) best = e;
  }
  return best;
}

/** Whether call `index` of `fn` frees or hands the object of `type` to a list (directly, or a callee freeing its parameter). */
function disposes(program: Program, fn: FunctionFacts, index: number, type: string): boolean {
  const c = program.classify(fn, index);
  if (c && (c.role === 'list-add' || c.role === 'free') && c.objectType === type) return true;
  const callee = program.callees(fn)[index];
  if (!callee) return false;
  return callee.calls.some((_, j) => {
    const k = program.classify(callee, j);
    const p = k?.variable;
    return k?.role === 'free' && !!p && callee.params.includes(p) && k.objectType === type;
  });
}

function isolations(program: Program, fn: FunctionFacts, type: string): LruIsolation[] {
  const out: LruIsolation[] = [];
  fn.calls.forEach((call, i) => {
    const c = program.classify(fn, i);
    if (c?.role !== 'lru-del' || c.objectType !== type) return;
    const after = reachable(fn.cfg, call.node);
    const disposal = fn.calls.findIndex(
      (d, j) =>
        j !== i && after.has(d.node) && d.at.line >= call.at.line && disposes(program, fn, j, type),
    );
    const guards = [...new Set(guardsOfCall(program.guards, program.catalog, fn, i))].sort();
    const iso: LruIsolation = {
      entries: entriesAt(program, fn, i, type, c.variable),
      fate: disposal >= 0 ? 'disposed' : 'taken-off',
      guards,
      flags: guards.filter((g) =>
        /^bit-test/.test(program.catalog.calls.get(g.replace(/^!/, '').split('(')[0])?.role ?? ''),
      ),
      call: call.callee,
      at: loc(call.at),
    };
    const d = fn.calls[disposal];
    if (d) iso.disposedBy = { call: d.callee, at: loc(d.at) };
    out.push(iso);
  });
  return out;
}

/** How the LRU of `type` gets its reference, with the chain showing it. */
function lruReference(program: Program, type: string): LruDesign['reference'] {
  let handed: LruDesign['reference'];
  for (const fn of program.functions)
    for (const [i, call] of fn.calls.entries()) {
      const c = program.classify(fn, i);
      if (c?.role !== 'lru-add' || c.objectType !== type) continue;
      const id = program.idOf(fn);
      const add: ChainStep = { function: id, call: call.callee, at: loc(call.at), via: 'sink' };
      const get = fn.calls.findIndex((_, j) => {
        const g = program.classify(fn, j);
        return g?.role === 'ref-get' && g.variable === c.variable && g.objectType === type;
      });
      if (get >= 0) {
        const g = fn.calls[get];
        return { how: 'get-at-insert', chain: [add], get: { call: g.callee, at: loc(g.at) } };
      }
      if (handed) continue;
      if (entriesAt(program, fn, i, type) === 'last-reference') {
        handed = { how: 'last-reference-handed-over', chain: [add] };
        continue;
      }
      // An insertion helper: the count test sits at its caller's call site.
      if (!c.variable || !fn.params.includes(c.variable)) continue;
      for (const caller of program.functions)
        program.callees(caller).forEach((callee, ci) => {
          if (handed || callee !== fn) return;
          if (entriesAt(program, caller, ci, type) !== 'last-reference') return;
          const site = caller.calls[ci];
          handed = {
            how: 'last-reference-handed-over',
            chain: [
              { function: program.idOf(caller), call: site.callee, at: loc(site.at), via: 'call' },
              add,
            ],
          };
        });
    }
  return handed;
}

/**
 * The LRU design of each object that goes on or comes off an LRU. `contexts` are the
 * contexts each function runs in; `summaries` give the release work walkers reach.
 */
export function attachLruDesigns(
  program: Program,
  graph: CallGraph,
  objects: ObjectLifecycle[],
  contexts: Map<FunctionFacts, Set<ContextKind>>,
  summaries: Map<FunctionFacts, FunctionSummary>,
): void {
  const walks = graph.edges.filter((e) => e.kind === 'callback' && e.context === 'lru-isolate');
  // Functions putting objects on or taking them off an LRU, by object type (one pass).
  const byType = new Map<string, Set<FunctionFacts>>();
  for (const fn of program.functions)
    fn.calls.forEach((_, i) => {
      const c = program.classify(fn, i);
      if ((c?.role === 'lru-add' || c?.role === 'lru-del') && c.objectType)
        byType.set(c.objectType, (byType.get(c.objectType) ?? new Set()).add(fn));
    });
  for (const o of objects) {
    const onLru = [...(byType.get(o.type) ?? [])];
    if (!onLru.length) continue;
    const isolators: LruIsolator[] = [];
    const collecting = new Set<FunctionFacts>();
    for (const fn of onLru) {
      if (!contexts.get(fn)?.has('lru-isolate')) continue;
      const list = isolations(program, fn, o.type);
      if (!list.length) continue;
      // Callbacks that are this function or call it directly.
      const callbacks = walks
        .map((e) => e.to)
        .filter(
          (cb) =>
            cb === fn || (graph.out.get(cb) ?? []).some((e) => e.kind === 'call' && e.to === fn),
        );
      const walkers = walks
        .filter((e) => callbacks.includes(e.to))
        .map((e) => program.idOf(e.from));
      isolators.push({
        function: program.idOf(fn),
        walkers: [...new Set(walkers)].sort(),
        isolations: list,
      });
      if (list.some((x) => x.fate === 'disposed')) for (const cb of callbacks) collecting.add(cb);
    }
    const collectors: LruCollector[] = [];
    for (const e of walks) {
      if (!collecting.has(e.to)) continue;
      const s = summaries.get(e.from);
      if (!s) continue;
      const disposal = s.releaseInline.length
        ? 'synchronous'
        : s.releaseDeferred.length
          ? 'queued'
          : undefined;
      if (!disposal) continue;
      const walk = e.callIndex !== undefined ? e.from.calls[e.callIndex]?.callee : undefined;
      collectors.push({
        walker: program.idOf(e.from),
        callback: program.idOf(e.to),
        walk: walk ?? e.label,
        at: e.at,
        disposal,
        release: disposal === 'synchronous' ? s.releaseInline : s.releaseDeferred,
      });
    }
    const design: LruDesign = { isolators, collectors };
    const reference = lruReference(program, o.type);
    if (reference) design.reference = reference;
    o.lru = design;
  }
}
