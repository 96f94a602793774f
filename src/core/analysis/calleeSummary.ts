// Per-function summaries: the contract between a function and its callers in
// other files. A `FunctionRecord` is what one file says about a function on its
// own (computed from the body, or read back from the kernel-tree index: the same
// record either way). `closeSummaries()` composes records over callees found by
// name into `CalleeSummary`s (release work reached, may-sleep), which the program
// analysis consumes for every callee without a body in the analysed files.
import type { ContextKind, ReleaseKind } from '../model';
import type { CallGraph } from './callGraph';
import type { DerivedWrapper, Program } from './program';

/** Bumped whenever a record field changes meaning: stored records of another version are rebuilt. */
export const SUMMARY_FORMAT_VERSION = 6;

declare const __LL_ANALYSIS_HASH__: string | undefined;
/**
 * The analysis version (a hash of src/core, defined by the build and by vitest):
 * records summarised by another version are stale even when their format is not.
 */
export const ANALYSIS_VERSION: string =
  typeof __LL_ANALYSIS_HASH__ === 'string' ? __LL_ANALYSIS_HASH__ : 'unbuilt';

export interface SummarySink {
  kind: ReleaseKind;
  /** The catalogued release call (`filp_close`). */
  sink: string;
  file: string;
  line: number;
}

export interface SummaryEdge {
  /** Callee name (resolved by name: same file first, then non-static, then header inlines). */
  to: string;
  kind: 'call' | 'defer' | 'callback';
  context?: ContextKind;
}

/** What a function does to one parameter. */
export interface ParamEffect {
  get?: true;
  put?: true;
  store?: true;
  free?: true;
}

/** What one file says about one of its functions. Plain JSON. */
export interface FunctionRecord {
  name: string;
  file: string;
  line: number;
  isStatic: boolean;
  wrapper?: DerivedWrapper['wrapper'];
  wrapperParam?: number;
  returnsRef?: true;
  objectType?: string;
  takesOver?: true;
  successWhenZero?: true;
  storesParams?: number[];
  /** Parameters it takes off a container. */
  removesParams?: number[];
  /** Parameters it frees on every path. */
  freesParams?: number[];
  /** Parameters whose fate the summary cannot tell (DerivedWrapper.passesParams). */
  passesParams?: number[];
  /** A put wrapper that drops the reference on some paths only. */
  partialPut?: true;
  /** Returns an object it also handed to a container (DerivedWrapper.returnsShared). */
  returnsShared?: true;
  /** The counter field its gets/puts act on. */
  counter?: string;
  /** A put wrapper dropping a container's or flag bit's reference, not the caller's. */
  removalPut?: true;
  /** Release calls in the body itself. */
  sinks?: SummarySink[];
  /** A sleeping catalogued call in the body itself. */
  sleeps?: true;
  /** Functions it calls, defers to or calls back (by name), catalogued primitives excepted. */
  edges?: SummaryEdge[];
  /** Handlers it registers, with the context they will run in. */
  registers?: { handler: string; context?: ContextKind }[];
  /** Contexts its own file registers it for (ops structs, INIT_WORK...), with the registration line. */
  entered?: { context: ContextKind; via: string; line: number }[];
  params?: ParamEffect[];
}

/**
 * A context that reaches a function somewhere in the whole tree, with the first
 * step of the chain as evidence: the caller (or registering function, or the
 * registration macro) and where it is.
 */
export interface ContextReach {
  context: ContextKind;
  /** The calling or registering function; '' for the generic external caller of a non-static function. */
  via: string;
  kind: 'call' | 'register' | 'external';
  file: string;
  line: number;
}

export interface ReleaseReach {
  kind: ReleaseKind;
  sink: string;
  /** inline: before the function returns; deferred: queued to run later. */
  mode: 'inline' | 'deferred';
  /** Context deferred or called-back work runs in (absent: the caller's). */
  context?: ContextKind;
  /** Where the sink call is. */
  file: string;
  line: number;
}

/** A record plus what its callees reach, composed over the tree. */
export interface CalleeSummary extends FunctionRecord {
  release: ReleaseReach[];
  maySleep: boolean;
  /** Contexts of the work it defers or registers. */
  startsContexts: ContextKind[];
  /**
   * Contexts reaching it in the whole tree (index only; absent on disk when it is
   * just the generic external caller of a non-static function).
   */
  reachedIn?: ContextReach[];
}

/** Where the program analysis finds summaries of callees it has no body for. */
export interface SummarySource {
  summary(name: string, fromFile: string): CalleeSummary | undefined;
  /**
   * The contexts reaching the function `name` defined in `file` from the whole
   * tree (its callers and registrations anywhere); undefined when the source does
   * not know that definition.
   */
  reachedIn?(name: string, file: string): ContextReach[] | undefined;
}

/** The records of every function of an analysed program (its files only). */
export function recordsOf(program: Program, graph: CallGraph): FunctionRecord[] {
  const out: FunctionRecord[] = [];
  for (const fn of program.functions) {
    const r: FunctionRecord = {
      name: fn.name,
      file: fn.file,
      line: fn.span.line,
      isStatic: fn.isStatic,
    };
    const d = program.derived.get(fn);
    if (d?.wrapper) r.wrapper = d.wrapper;
    if (d?.wrapperParam !== undefined) r.wrapperParam = d.wrapperParam;
    if (d?.returnsRef) r.returnsRef = true;
    if (d?.objectType) r.objectType = d.objectType;
    if (d?.takesOver) r.takesOver = true;
    if (d?.successWhenZero) r.successWhenZero = true;
    if (d?.storesParams?.length) r.storesParams = [...d.storesParams];
    if (d?.removesParams?.length) r.removesParams = [...d.removesParams];
    if (d?.freesParams?.length) r.freesParams = [...d.freesParams];
    if (d?.passesParams?.length) r.passesParams = [...d.passesParams];
    if (d?.partialPut) r.partialPut = true;
    if (d?.returnsShared) r.returnsShared = true;
    if (d?.counter) r.counter = d.counter;
    if (d?.removalPut) r.removalPut = true;
    const entries = program.entries(fn);
    const sinks: SummarySink[] = [];
    const params: ParamEffect[] = fn.params.map(() => ({}));
    const edges: SummaryEdge[] = [];
    const seen = new Set<string>();
    const addEdge = (e: SummaryEdge) => {
      const k = `${e.to}|${e.kind}|${e.context ?? ''}`;
      if (seen.has(k)) return;
      seen.add(k);
      edges.push(e);
    };
    const callees = program.callees(fn);
    fn.calls.forEach((call, i) => {
      const e = entries[i];
      if (e?.role === 'release' && e.release && !sinks.some((s) => s.kind === e.release))
        sinks.push({ kind: e.release, sink: call.callee, file: call.at.file, line: call.at.line });
      if (e?.sleeps) r.sleeps = true;
      const argParam = (a: number | undefined) =>
        a === undefined ? -1 : fn.params.indexOf(call.args[a]?.object ?? '\u0000');
      const p = argParam(e?.arg);
      if (p >= 0 && e) {
        if (e.role === 'ref-get' || e.role === 'ref-get-conditional') params[p].get = true;
        if (e.role === 'ref-put' || e.role === 'ref-final-put') params[p].put = true;
        if (e.role === 'free') params[p].free = true;
      }
      // Calls with no body here and no catalog entry: composed by name at load.
      if (
        !e &&
        !callees[i] &&
        !call.callee.startsWith('->') &&
        !program.catalog.isLogging(call.callee)
      )
        addEdge({ to: call.callee, kind: 'call' });
    });
    for (const edge of graph.out.get(fn) ?? []) {
      if (edge.kind === 'register') {
        r.registers ??= [];
        if (!r.registers.some((x) => x.handler === edge.to.name))
          r.registers.push({
            handler: edge.to.name,
            ...(edge.context ? { context: edge.context } : {}),
          });
        continue;
      }
      addEdge({
        to: edge.to.name,
        kind: edge.kind,
        ...(edge.kind !== 'call' && edge.context ? { context: edge.context } : {}),
      });
    }
    if (d?.wrapperParam !== undefined && params[d.wrapperParam]) {
      const w = d.wrapper;
      if (w === 'put' || w === 'final-put-test') params[d.wrapperParam].put = true;
      else if (w) params[d.wrapperParam].get = true;
    }
    for (const i of d?.storesParams ?? []) if (params[i]) params[i].store = true;
    for (const e of graph.entries)
      if (e.fn === fn && e.from === 'registration') {
        r.entered ??= [];
        if (!r.entered.some((x) => x.context === e.entry.context))
          r.entered.push({ context: e.entry.context, via: e.via ?? '', line: e.entry.at.line });
      }
    if (sinks.length) r.sinks = sinks;
    if (edges.length) r.edges = edges;
    if (params.some((p) => Object.keys(p).length)) r.params = params;
    out.push(r);
  }
  return out;
}

/** Finds the record a call from `fromFile` to `name` reaches. */
export type RecordLookup = (name: string, fromFile: string) => FunctionRecord | undefined;

export const reachKey = (r: ReleaseReach) => `${r.kind}|${r.mode}|${r.context ?? ''}`;

/** The witness kept for one reach key: the least sink location, whatever the visiting order. */
function witnessBefore(a: ReleaseReach, b: ReleaseReach): boolean {
  if (a.file !== b.file) return a.file < b.file;
  if (a.line !== b.line) return a.line < b.line;
  return a.sink < b.sink;
}

/** Release reaches in canonical order (by kind, mode, context). */
export function sortReleases(list: ReleaseReach[]): ReleaseReach[] {
  return list.sort((a, b) => {
    const x = reachKey(a);
    const y = reachKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** What a function's own body gives its summary, before any callee is composed. */
export function localSummary(r: FunctionRecord): CalleeSummary {
  const release: ReleaseReach[] = [];
  for (const s of r.sinks ?? []) addReach(release, { ...s, mode: 'inline' });
  const starts = new Set<ContextKind>();
  for (const e of r.edges ?? []) if (e.kind !== 'call' && e.context) starts.add(e.context);
  for (const g of r.registers ?? []) if (g.context) starts.add(g.context);
  return { ...r, release, maySleep: !!r.sleeps, startsContexts: [...starts].sort() };
}

/**
 * Adds `y` to a list holding one entry per `key`, the least by `before`: the
 * evidence kept does not depend on the order files are read in. Whether the
 * list changed.
 */
export function keepLeast<T>(
  list: T[],
  y: T,
  key: (x: T) => string,
  before: (a: T, b: T) => boolean,
): boolean {
  const k = key(y);
  const i = list.findIndex((x) => key(x) === k);
  if (i < 0) {
    list.push(y);
    return true;
  }
  if (!before(y, list[i])) return false;
  list[i] = y;
  return true;
}

/** Adds a release reach to a list holding one per key (the least witness): whether the list changed. */
const addReach = (list: ReleaseReach[], y: ReleaseReach): boolean =>
  keepLeast(list, y, reachKey, witnessBefore);

/** A callee's reach as seen through one edge of its caller. */
function throughEdge(e: SummaryEdge, x: ReleaseReach): ReleaseReach {
  const y: ReleaseReach =
    e.kind === 'call'
      ? { ...x }
      : e.kind === 'defer'
        ? { ...x, mode: 'deferred', context: x.mode === 'deferred' ? x.context : e.context }
        : { ...x, context: x.context ?? e.context };
  if (!y.context) delete y.context;
  return y;
}

/**
 * Settles the summaries of `work` to the least fixpoint over their edges:
 * `targets` gives each one's edge targets (in edge order), `out` holds a summary
 * for each of them and for every target (targets outside `work` are read, never
 * changed), `callers` says who to revisit when one changes. Each reach key keeps
 * its least witness, so the result does not depend on the order of visits.
 */
export function settleSummaries(
  work: FunctionRecord[],
  targets: Map<FunctionRecord, (FunctionRecord | undefined)[]>,
  callers: Map<FunctionRecord, Set<FunctionRecord>>,
  out: Map<FunctionRecord, CalleeSummary>,
): void {
  const all = [...work];
  const queued = new Set(work);
  while (work.length) {
    const r = work.pop() as FunctionRecord;
    queued.delete(r);
    const s = out.get(r) as CalleeSummary;
    let changed = false;
    (r.edges ?? []).forEach((e, i) => {
      const t = (targets.get(r) ?? [])[i];
      const ts = t ? out.get(t) : undefined;
      if (!ts) return;
      if (e.kind === 'call' && ts.maySleep && !s.maySleep) {
        s.maySleep = true;
        changed = true;
      }
      for (const x of ts.release) if (addReach(s.release, throughEdge(e, x))) changed = true;
    });
    if (!changed) continue;
    for (const c of callers.get(r) ?? [])
      if (!queued.has(c)) {
        queued.add(c);
        work.push(c);
      }
  }
  for (const r of all) sortReleases((out.get(r) as CalleeSummary).release);
}

/**
 * Summaries of `roots` and everything they reach, composed to a fixpoint over
 * call (release inline), defer (release deferred, in the deferral's context)
 * and callback edges. Cycles settle because the sets only grow.
 */
export function closeSummaries(
  roots: Iterable<{ name: string; fromFile: string }>,
  lookup: RecordLookup,
): Map<FunctionRecord, CalleeSummary> {
  const out = new Map<FunctionRecord, CalleeSummary>();
  const targets = new Map<FunctionRecord, (FunctionRecord | undefined)[]>();
  const callers = new Map<FunctionRecord, Set<FunctionRecord>>();
  const queue: FunctionRecord[] = [];
  const visit = (r: FunctionRecord | undefined) => {
    if (!r || out.has(r)) return;
    out.set(r, localSummary(r));
    queue.push(r);
  };
  for (const root of roots) visit(lookup(root.name, root.fromFile));
  for (let i = 0; i < queue.length; i++) {
    const r = queue[i];
    const ts = (r.edges ?? []).map((e) => lookup(e.to, r.file));
    targets.set(r, ts);
    for (const t of ts) {
      if (!t) continue;
      visit(t);
      const set = callers.get(t) ?? new Set<FunctionRecord>();
      set.add(r);
      callers.set(t, set);
    }
  }
  // Callees first (post-order of the call graph): outside cycles one pass settles it.
  const order: FunctionRecord[] = [];
  const seen = new Set<FunctionRecord>();
  for (const root of queue) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: [FunctionRecord, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = (targets.get(top[0]) ?? [])[top[1]++];
      if (top[1] > (targets.get(top[0]) ?? []).length) {
        order.push(top[0]);
        stack.pop();
      } else if (next && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    }
  }
  // pop() takes from the end: the first of the post-order first.
  settleSummaries(order.reverse(), targets, callers, out);
  return out;
}

/** A tree context with the length of its shortest chain (0: registered or external). */
export interface TreeReach extends ContextReach {
  depth: number;
}

/** Order of candidate first steps for one context: shortest chain, then the least step. */
export function reachBefore(a: TreeReach, b: TreeReach): boolean {
  if (a.depth !== b.depth) return a.depth < b.depth;
  if (a.via !== b.via) return a.via < b.via;
  if (a.file !== b.file) return a.file < b.file;
  if (a.line !== b.line) return a.line < b.line;
  return a.kind < b.kind;
}

/** Tree contexts in canonical order (by context). */
export function sortReach<T extends ContextReach>(list: T[]): T[] {
  return list.sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
}

/**
 * The contexts a record gets from its own standing: registrations (its own file's,
 * `registrars` from elsewhere) and, when nobody registers it, the generic
 * external caller of a non-static function. Depth 0.
 */
export function seedReach(
  r: FunctionRecord,
  registrars: readonly { via: string; file: string; line: number; context: ContextKind }[],
): TreeReach[] {
  const out: TreeReach[] = [];
  const add = (x: TreeReach) => keepLeastReach(out, x);
  for (const e of r.entered ?? [])
    add({ context: e.context, via: e.via, kind: 'register', file: r.file, line: e.line, depth: 0 });
  for (const g of registrars)
    add({ context: g.context, via: g.via, kind: 'register', file: g.file, line: g.line, depth: 0 });
  if (!r.isStatic && !(r.entered ?? []).length && !registrars.length)
    add({ context: 'process', via: '', kind: 'external', file: r.file, line: r.line, depth: 0 });
  return out;
}

/** Adds a context reach to a list holding one per context (the least): whether the list changed. */
export const keepLeastReach = (list: TreeReach[], y: TreeReach): boolean =>
  keepLeast(list, y, (x) => x.context, reachBefore);

/** The candidate a caller's context gives its callee. */
export function stepReach(caller: FunctionRecord, x: TreeReach): TreeReach {
  return {
    context: x.context,
    via: caller.name,
    kind: 'call',
    file: caller.file,
    line: caller.line,
    depth: x.depth + 1,
  };
}

/**
 * Contexts reaching every record over the whole tree, by the rule the program
 * analysis applies to its own functions (callGraph.ts): registrations give their
 * handlers a context, a non-static function nobody registers has external
 * (process) callers, and contexts flow along inline calls. Each context keeps
 * its shortest chain's first step, the least one (reachBefore) among equally
 * short chains: a function of the records alone, whatever their order.
 */
export function treeContexts(
  records: Iterable<FunctionRecord>,
  lookup: RecordLookup,
): Map<FunctionRecord, TreeReach[]> {
  const all = [...records];
  const registrars = new Map<
    FunctionRecord,
    { via: string; file: string; line: number; context: ContextKind }[]
  >();
  for (const r of all)
    for (const g of r.registers ?? []) {
      if (!g.context) continue;
      const t = lookup(g.handler, r.file);
      if (!t) continue;
      const list = registrars.get(t) ?? [];
      list.push({ via: r.name, file: r.file, line: r.line, context: g.context });
      registrars.set(t, list);
    }
  const out = new Map<FunctionRecord, TreeReach[]>();
  let frontier: [FunctionRecord, TreeReach][] = [];
  for (const r of all) {
    const seeds = seedReach(r, registrars.get(r) ?? []);
    if (!seeds.length) continue;
    out.set(r, seeds);
    for (const x of seeds) frontier.push([r, x]);
  }
  // Level by level: a context settles at its shortest depth, the least step among that level's.
  while (frontier.length) {
    const level = new Map<FunctionRecord, TreeReach[]>();
    for (const [r, x] of frontier)
      for (const e of r.edges ?? []) {
        if (e.kind !== 'call') continue;
        const t = lookup(e.to, r.file);
        if (!t || out.get(t)?.some((y) => y.context === x.context)) continue;
        const y = stepReach(r, x);
        const list = level.get(t) ?? [];
        keepLeastReach(list, y);
        level.set(t, list);
      }
    frontier = [];
    for (const [t, list] of level) {
      const have = out.get(t) ?? [];
      for (const y of list) {
        have.push(y);
        frontier.push([t, y]);
      }
      out.set(t, have);
    }
  }
  for (const list of out.values()) sortReach(list);
  return out;
}

/** Whether a function's tree contexts are just what its record implies alone (not stored). */
export function isDefaultReach(r: FunctionRecord, reach: readonly ContextReach[]): boolean {
  return r.isStatic ? !reach.length : reach.length === 1 && reach[0].kind === 'external';
}

/** The stored tree contexts of a record, the default filled back in. */
export function reachOf(r: FunctionRecord & { reachedIn?: ContextReach[] }): ContextReach[] {
  if (r.reachedIn) return r.reachedIn;
  return r.isStatic
    ? []
    : [{ context: 'process', via: '', kind: 'external', file: r.file, line: r.line }];
}

/** The derived-wrapper view of a summary, as the call classification reads it. */
export function wrapperOfSummary(s: FunctionRecord): DerivedWrapper {
  const d: DerivedWrapper = { returnsRef: !!s.returnsRef };
  if (s.wrapper) d.wrapper = s.wrapper;
  if (s.wrapperParam !== undefined) d.wrapperParam = s.wrapperParam;
  if (s.objectType) d.objectType = s.objectType;
  if (s.takesOver) d.takesOver = true;
  if (s.successWhenZero) d.successWhenZero = true;
  if (s.storesParams?.length) d.storesParams = s.storesParams;
  if (s.removesParams?.length) d.removesParams = s.removesParams;
  if (s.freesParams?.length) d.freesParams = s.freesParams;
  if (s.passesParams?.length) d.passesParams = s.passesParams;
  if (s.partialPut) d.partialPut = true;
  if (s.returnsShared) d.returnsShared = true;
  if (s.counter) d.counter = s.counter;
  if (s.removalPut) d.removalPut = true;
  return d;
}

/** Summaries from a fixed list (shipped helper facts, tests): by name, first one wins. */
export class SummaryList implements SummarySource {
  private readonly byName = new Map<string, CalleeSummary>();
  constructor(summaries: Iterable<CalleeSummary>) {
    for (const s of summaries) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
  }
  summary(name: string): CalleeSummary | undefined {
    return this.byName.get(name);
  }
  get size(): number {
    return this.byName.size;
  }
}

/** Tries each source in turn. */
export function chainSources(...sources: (SummarySource | undefined)[]): SummarySource {
  const list = sources.filter((s): s is SummarySource => !!s);
  return {
    summary: (name, fromFile) => {
      for (const s of list) {
        const found = s.summary(name, fromFile);
        if (found) return found;
      }
      return undefined;
    },
    reachedIn: (name, file) => {
      for (const s of list) {
        const found = s.reachedIn?.(name, file);
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * Records by name, resolved as the linker and the preprocessor would: a static
 * function in the caller's own file first, then an external definition, then a
 * `static inline` helper from a header (included where it is called).
 */
export class RecordTable {
  private readonly byName = new Map<string, FunctionRecord[]>();

  add(records: Iterable<FunctionRecord>): void {
    for (const r of records) {
      const list = this.byName.get(r.name);
      if (list) list.push(r);
      else this.byName.set(r.name, [r]);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): IterableIterator<FunctionRecord[]> {
    return this.byName.values();
  }

  readonly lookup: RecordLookup = (name, fromFile) => pickRecord(this.byName.get(name), fromFile);
}

/** The definition a call from `fromFile` reaches among `defs` (same rule as RecordTable). */
export function pickRecord<T extends { file: string; isStatic: boolean }>(
  defs: readonly T[] | undefined,
  fromFile: string,
): T | undefined {
  if (!defs?.length) return undefined;
  return (
    defs.find((d) => d.file === fromFile) ??
    defs.find((d) => !d.isStatic && d.file.endsWith('.c')) ??
    defs.find((d) => d.isStatic && d.file.endsWith('.h')) ??
    defs.find((d) => !d.isStatic)
  );
}
