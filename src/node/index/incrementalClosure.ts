// The closure updated for a few changed files instead of recomputed over the
// whole tree (indexBuild.ts falls back to the full closure when this says why
// it cannot). It reads only the closed buckets and callers-index buckets of the
// names it visits, and the files records of the functions it re-closes.
//  - Up (release reach, may-sleep): the changed files' functions and every caller
//    whose call now resolves elsewhere are the roots; their transitive callers
//    (callers index) form the cone. Its strongly connected components are taken
//    callees first; a component none of whose members is a root or calls a
//    function whose summary changed keeps its stored summaries (early cutoff),
//    any other is reset to its own bodies and settled from its callees'
//    summaries (new ones, or stored ones outside the cone). Resetting a whole
//    component is what lets a removed edge shrink a cycle's sets.
//  - Down (tree contexts): a function whose chain's first step (its witness)
//    went through something changed is reset and recomputed from its seeds and
//    its other callers' stored contexts (with their depth); then improvements
//    flow down the call edges until nothing gets shorter (a shortest-chain
//    relaxation; chains cannot support themselves, depth grows along them).
// Both compute the unique answer the full closure computes (least witnesses,
// canonical order), so the two give the same buckets.
import {
  isDefaultReach,
  keepLeastReach,
  localSummary,
  pickRecord,
  seedReach,
  settleSummaries,
  sortReach,
  stepReach,
  type CalleeSummary,
  type FunctionRecord,
  type ReleaseReach,
  type TreeReach,
} from '../../core/analysis/calleeSummary';
import { partOf } from './filesIndex';
import { sortEntries, type CallerEntry } from './callersIndex';
import { entriesByName, type ClosedState } from './closedState';

export interface FileChange {
  file: string;
  /** Records before (none for an added file). */
  before: FunctionRecord[];
  /** Records now (none for a removed file). */
  after: FunctionRecord[];
}

export interface IncrementalResult {
  /** Closed summaries rewritten (or removed). */
  summaries: number;
  /** Functions in the upward cone, re-closed up, reset down. */
  cone: number;
  reclosed: number;
  reset: number;
  buckets: number;
  callerBuckets: number;
  /** Milliseconds up (release), down (contexts), writing. */
  ms: { up: number; down: number; write: number };
}

/** Beyond this many functions in a cone the full closure is cheaper. */
export const INCREMENTAL_MAX_CONE = 150_000;

interface Node {
  key: string;
  name: string;
  file: string;
  isStatic: boolean;
  line: number;
  /** The stored closed summary (tree contexts with depth); none for a new function. */
  stored?: CalleeSummary;
  /** The record now, for a function of a changed file. */
  after?: FunctionRecord;
}

const keyOf = (name: string, file: string) => `${name}\0${file}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Definitions in the order the full closure's table holds them (files part, then path). */
const defOrder = (a: { file: string }, b: { file: string }) =>
  partOf(a.file) - partOf(b.file) || cmp(a.file, b.file);

/** The first record of each name of one file (the closure keeps one definition per name and file). */
export function firstPerName(records: FunctionRecord[]): FunctionRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.name) && !!seen.add(r.name));
}

const releaseKey = (list: readonly ReleaseReach[]) =>
  list.map((r) => `${r.kind}|${r.sink}|${r.mode}|${r.context ?? ''}|${r.file}|${r.line}`).join(';');
const reachKeyOf = (list: readonly TreeReach[]) =>
  list.map((r) => `${r.context}|${r.via}|${r.kind}|${r.file}|${r.line}|${r.depth}`).join(';');

class Cancel {
  constructor(readonly why: string) {}
}

/**
 * Updates the closed state for `changes` (files whose records differ) and writes
 * what changed, with the manifest of `generation`; undefined-free: returns why
 * not when the state cannot be updated (nothing written then).
 */
export function closeIncrementally(
  state: ClosedState,
  generation: string,
  changes: FileChange[],
  recordsOfFile: (file: string) => FunctionRecord[] | undefined,
  maxCone = INCREMENTAL_MAX_CONE,
): IncrementalResult | { why: string } {
  try {
    return run(state, generation, changes, recordsOfFile, maxCone);
  } catch (e) {
    if (e instanceof Cancel) return { why: e.why };
    throw e;
  }
}

function run(
  state: ClosedState,
  generation: string,
  changes: FileChange[],
  recordsOfFile: (file: string) => FunctionRecord[] | undefined,
  maxCone: number,
): IncrementalResult {
  const changed = new Map(
    changes.map((c) => [c.file, { before: firstPerName(c.before), after: firstPerName(c.after) }]),
  );
  const check = () => {
    if (state.unsound) throw new Cancel(state.unsound);
  };
  const t0 = performance.now();

  // Definitions and callers now: the stored ones with the changed files' replaced.
  const nodes = new Map<string, Node>();
  const afterByName = new Map<string, Node[]>();
  const afterNodes: Node[] = [];
  const names = new Set<string>();
  for (const [file, c] of changed) {
    for (const r of c.before) names.add(r.name);
    for (const r of c.after) {
      names.add(r.name);
      const stored = state.defsOf(r.name).find((d) => d.summary.file === file)?.summary;
      const n: Node = {
        key: keyOf(r.name, file),
        name: r.name,
        file,
        isStatic: r.isStatic,
        line: r.line,
        after: r,
        ...(stored ? { stored } : {}),
      };
      nodes.set(n.key, n);
      afterNodes.push(n);
      const list = afterByName.get(r.name) ?? [];
      list.push(n);
      afterByName.set(r.name, list);
    }
  }
  const afterEntries = entriesByName([...changed.values()].flatMap((c) => c.after));
  const storedNode = (s: CalleeSummary): Node => {
    const k = keyOf(s.name, s.file);
    let n = nodes.get(k);
    if (!n) {
      n = { key: k, name: s.name, file: s.file, isStatic: s.isStatic, line: s.line, stored: s };
      nodes.set(k, n);
    }
    return n;
  };
  const newDefsCache = new Map<string, Node[]>();
  const newDefs = (name: string): Node[] => {
    let list = newDefsCache.get(name);
    if (!list) {
      list = [
        ...state
          .defsOf(name)
          .filter((d) => !changed.has(d.summary.file))
          .map((d) => storedNode(d.summary)),
        ...(afterByName.get(name) ?? []),
      ].sort(defOrder);
      newDefsCache.set(name, list);
    }
    return list;
  };
  const oldDefsCache = new Map<string, CalleeSummary[]>();
  const oldDefs = (name: string) => {
    let list = oldDefsCache.get(name);
    if (!list) {
      list = state
        .defsOf(name)
        .map((d) => d.summary)
        .sort(defOrder);
      oldDefsCache.set(name, list);
    }
    return list;
  };
  const resolveNew = (name: string, from: string) => pickRecord(newDefs(name), from);
  const resolveOld = (name: string, from: string) => {
    const s = pickRecord(oldDefs(name), from);
    return s && keyOf(s.name, s.file);
  };
  const nodeAt = (name: string, file: string) => newDefs(name).find((n) => n.file === file);
  const newCallers = (name: string): CallerEntry[] => [
    ...state.callersOf(name).filter((e) => !changed.has(e[1])),
    ...(afterEntries.get(name) ?? []),
  ];
  /** Callers of `n` now, by the kinds of entry given. */
  const callersOf = (n: Node, kinds: string): { node: Node; entry: CallerEntry }[] => {
    const out: { node: Node; entry: CallerEntry }[] = [];
    for (const e of newCallers(n.name)) {
      if (!kinds.includes(e[2]) || resolveNew(n.name, e[1])?.key !== n.key) continue;
      const c = nodeAt(e[0], e[1]);
      if (c) out.push({ node: c, entry: e });
    }
    return out;
  };
  const records = new Map<string, FunctionRecord>();
  const recordOf = (n: Node): FunctionRecord => {
    if (n.after) return n.after;
    let r = records.get(n.key);
    if (!r) {
      r = firstPerName(recordsOfFile(n.file) ?? []).find((x) => x.name === n.name);
      if (!r) throw new Cancel(`the files index has no record of ${n.name} in ${n.file}`);
      records.set(n.key, r);
    }
    return r;
  };

  // ---- Up: release reach and may-sleep.
  const roots = new Set<Node>(afterNodes);
  /** Unchanged callers whose call resolves elsewhere now (another definition added, removed, made static). */
  const moved: { entry: CallerEntry; name: string; oldKey?: string; now?: Node }[] = [];
  for (const name of names)
    for (const e of [...state.callersOf(name), ...(afterEntries.get(name) ?? [])]) {
      if (changed.has(e[1])) continue;
      const oldKey = resolveOld(name, e[1]);
      const now = resolveNew(name, e[1]);
      if (oldKey === now?.key) continue;
      moved.push({ entry: e, name, ...(oldKey ? { oldKey } : {}), ...(now ? { now } : {}) });
      const c = nodeAt(e[0], e[1]);
      if (c && e[2] !== 'r') roots.add(c);
    }
  check();
  const up = new Map<Node, Node[]>();
  const cone = new Set<Node>(roots);
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++) {
    const callers = callersOf(queue[i], 'cdb').map((x) => x.node);
    up.set(queue[i], callers);
    for (const c of callers)
      if (!cone.has(c)) {
        cone.add(c);
        queue.push(c);
      }
    if (cone.size > maxCone)
      throw new Cancel(`more than ${maxCone} callers to re-close: a full closure is cheaper`);
  }
  check();
  const down = new Map<Node, Node[]>();
  for (const [callee, callers] of up)
    for (const c of callers) {
      const list = down.get(c) ?? [];
      list.push(callee);
      down.set(c, list);
    }
  const dirty = new Set<Node>(roots);
  const closedNow = new Map<Node, CalleeSummary>();
  const changedUp = new Set<Node>();
  let reclosed = 0;
  for (const scc of componentsCalleesFirst(queue, down)) {
    if (!scc.some((n) => dirty.has(n))) continue;
    reclosed += scc.length;
    const member = new Map<string, FunctionRecord>();
    for (const n of scc) member.set(n.key, recordOf(n));
    const out = new Map<FunctionRecord, CalleeSummary>();
    const targets = new Map<FunctionRecord, (FunctionRecord | undefined)[]>();
    const callers = new Map<FunctionRecord, Set<FunctionRecord>>();
    for (const r of member.values()) out.set(r, localSummary(r));
    for (const r of member.values())
      targets.set(
        r,
        (r.edges ?? []).map((e) => {
          const t = resolveNew(e.to, r.file);
          if (!t) return undefined;
          const m = member.get(t.key);
          if (m) {
            const set = callers.get(m) ?? new Set<FunctionRecord>();
            set.add(r);
            callers.set(m, set);
            return m;
          }
          const s = closedNow.get(t) ?? t.stored;
          if (!s) throw new Cancel(`no closed summary of ${t.name} in ${t.file}`);
          out.set(s, s);
          return s;
        }),
      );
    settleSummaries([...member.values()], targets, callers, out);
    for (const n of scc) {
      const s = out.get(member.get(n.key) as FunctionRecord) as CalleeSummary;
      closedNow.set(n, s);
      if (
        n.stored &&
        n.stored.maySleep === s.maySleep &&
        releaseKey(n.stored.release) === releaseKey(s.release)
      )
        continue;
      changedUp.add(n);
      for (const c of up.get(n) ?? []) dirty.add(c);
    }
  }
  check();

  const tUp = performance.now();
  // ---- Down: tree contexts.
  const reachOld = (n: Node): TreeReach[] => {
    const s = n.stored;
    if (!s) return [];
    if (s.reachedIn) return s.reachedIn as TreeReach[];
    return s.isStatic
      ? []
      : [{ context: 'process', via: '', kind: 'external', file: s.file, line: s.line, depth: 0 }];
  };
  const reachNow = new Map<Node, TreeReach[]>();
  const reachOf = (n: Node) => reachNow.get(n) ?? reachOld(n);
  const reset = new Set<Node>(afterNodes);
  const relax: Node[] = [];
  /** Callees of changed functions (by their old calls) whose first step was that function. */
  const examine: [Node, Node][] = [];
  const witnessed = (t: Node | undefined, via: string, file: string) => {
    if (
      t &&
      !reset.has(t) &&
      reachOld(t).some((x) => x.kind === 'call' && x.via === via && x.file === file)
    )
      reset.add(t);
  };
  for (const [file, c] of changed)
    for (const r of [...c.before, ...c.after]) {
      for (const g of r.registers ?? []) {
        if (!g.context) continue;
        const o = resolveOld(g.handler, file);
        const oldNode =
          o === undefined ? undefined : (nodes.get(o) ?? nodeAt(g.handler, o.split('\0')[1]));
        if (oldNode) reset.add(oldNode);
        const now = resolveNew(g.handler, file);
        if (now) reset.add(now);
      }
      if (c.before.includes(r))
        for (const e of r.edges ?? []) {
          if (e.kind !== 'call') continue;
          const o = resolveOld(e.to, file);
          const t = o === undefined ? undefined : nodeAt(e.to, o.split('\0')[1]);
          const p = nodes.get(keyOf(r.name, file));
          // Its step may survive with the caller's new line: examined once the caller's contexts are known.
          if (t && p?.after) examine.push([t, p]);
          else witnessed(t, r.name, file);
        }
    }
  for (const m of moved) {
    const oldNode = m.oldKey === undefined ? undefined : nodeAt(m.name, m.oldKey.split('\0')[1]);
    if (m.entry[2] === 'r') {
      if (oldNode) reset.add(oldNode);
      if (m.now) reset.add(m.now);
    } else if (m.entry[2] === 'c') {
      witnessed(oldNode, m.entry[0], m.entry[1]);
      const c = nodeAt(m.entry[0], m.entry[1]);
      if (c) relax.push(c);
    }
  }
  // Reset functions are recomputed from their seeds and their callers (stored
  // contexts of the others, relaxation among themselves). A function whose
  // chain's first step is a reset one is reset in turn only when that step is
  // gone or got longer for that context, or the step's function is in a changed
  // file (its line moved): elsewhere the stored step still exists as stored, or
  // a shorter one will reach it below (early cutoff).
  const resetList = [...reset];
  /** Contexts whose first step stays the same function, at its new line or depth. */
  const repair = new Map<Node, Map<string, TreeReach>>();
  for (;;) {
    reachNow.clear();
    for (const n of resetList) {
      const regs = callersOf(n, 'r').map(({ node: g, entry: e }) => ({
        via: g.name,
        file: g.file,
        line: g.line,
        context: e[3] as NonNullable<CallerEntry[3]>,
      }));
      const list = seedReach(recordOf(n), regs);
      for (const { node: c } of callersOf(n, 'c')) {
        if (reset.has(c)) continue;
        const caller = { name: c.name, file: c.file, line: c.line } as FunctionRecord;
        for (const x of reachOld(c)) keepLeastReach(list, stepReach(caller, x));
      }
      reachNow.set(n, list);
    }
    const inner = [...resetList];
    const pending = new Set(inner);
    for (let i = 0; i < inner.length; i++) {
      const p = inner[i];
      pending.delete(p);
      const r = recordOf(p);
      const val = reachNow.get(p) ?? [];
      for (const e of r.edges ?? []) {
        if (e.kind !== 'call') continue;
        const t = resolveNew(e.to, r.file);
        if (!t || !reset.has(t)) continue;
        const tv = improved(reachNow.get(t) ?? [], r, val);
        if (!tv) continue;
        reachNow.set(t, tv);
        if (!pending.has(t)) {
          pending.add(t);
          inner.push(t);
        }
      }
    }
    const more: Node[] = [];
    repair.clear();
    const callsNow = (p: Node, t: Node) =>
      (recordOf(p).edges ?? []).some(
        (e) => e.kind === 'call' && resolveNew(e.to, p.file)?.key === t.key,
      );
    const look = (p: Node, t: Node) => {
      if (reset.has(t)) return;
      for (const x of reachOld(t)) {
        if (x.kind !== 'call' || x.via !== p.name || x.file !== p.file) continue;
        const y = reachNow.get(p)?.find((z) => z.context === x.context);
        const o = reachOld(p).find((z) => z.context === x.context);
        if (y && o && y.depth <= o.depth && callsNow(p, t)) {
          // The step is still there, as short or shorter: it stays the least one.
          const step = stepReach(recordOf(p), y);
          if (reachKeyOf([step]) === reachKeyOf([x])) continue;
          const m = repair.get(t) ?? new Map<string, TreeReach>();
          m.set(x.context, step);
          repair.set(t, m);
        } else {
          reset.add(t);
          more.push(t);
          return;
        }
      }
    };
    for (const p of resetList) {
      const r = recordOf(p);
      for (const e of r.edges ?? []) {
        if (e.kind !== 'call') continue;
        const t = resolveNew(e.to, r.file);
        if (t) look(p, t);
      }
    }
    for (const [t, p] of examine) look(p, t);
    if (!more.length) break;
    resetList.push(...more);
    if (reset.size > maxCone)
      throw new Cancel(
        `more than ${maxCone} functions' contexts to redo: a full closure is cheaper`,
      );
  }
  check();
  for (const [t, m] of repair) {
    if (reset.has(t)) continue;
    reachNow.set(
      t,
      reachOld(t).map((x) => m.get(x.context) ?? x),
    );
    relax.push(t);
  }
  const work = [...resetList, ...relax];
  const queued = new Set(work);
  for (let i = 0; i < work.length; i++) {
    const p = work[i];
    queued.delete(p);
    const r = recordOf(p);
    const val = reachOf(p);
    if (!val.length) continue;
    for (const e of r.edges ?? []) {
      if (e.kind !== 'call') continue;
      const t = resolveNew(e.to, r.file);
      if (!t) continue;
      const tv = improved(reachOf(t), r, val);
      if (!tv) continue;
      reachNow.set(t, tv);
      if (!queued.has(t)) {
        queued.add(t);
        work.push(t);
      }
    }
  }
  check();

  const tDown = performance.now();
  // ---- What to write.
  const out = new Map<string, { name: string; file: string; summary?: CalleeSummary }>();
  for (const c of changed.values())
    for (const r of c.before)
      if (!nodes.get(keyOf(r.name, r.file))?.after)
        out.set(keyOf(r.name, r.file), { name: r.name, file: r.file });
  const touched = new Set<Node>([...afterNodes, ...changedUp]);
  for (const [n, list] of reachNow) {
    sortReach(list);
    if (reachKeyOf(list) !== reachKeyOf(reachOld(n))) touched.add(n);
  }
  for (const n of touched) {
    const base = closedNow.get(n) ?? n.stored;
    if (!base) throw new Cancel(`no closed summary of ${n.name} in ${n.file}`);
    const s: CalleeSummary = { ...base };
    delete s.reachedIn;
    const reach = reachOf(n);
    if (!isDefaultReach(n.after ?? s, reach)) s.reachedIn = reach;
    out.set(n.key, { name: n.name, file: n.file, summary: s });
  }
  // The changed files' entries before and now: a name whose entries from them are
  // the same (a moved line changes none) keeps its callers bucket unread and unwritten.
  const beforeEntries = entriesByName([...changed.values()].flatMap((c) => c.before));
  const callers = new Map<string, CallerEntry[]>();
  for (const name of new Set([...beforeEntries.keys(), ...afterEntries.keys()])) {
    const a = JSON.stringify(sortEntries([...(beforeEntries.get(name) ?? [])]));
    const b = JSON.stringify(sortEntries([...(afterEntries.get(name) ?? [])]));
    if (a !== b) callers.set(name, newCallers(name));
  }
  // Every bucket written is read first (and checked) before anything is written.
  for (const v of out.values()) state.defsOf(v.name);
  state.checkCallerBuckets(callers.keys());
  check();
  const written = state.write(generation, out, callers);
  return {
    summaries: out.size,
    cone: cone.size,
    reclosed,
    reset: reset.size,
    ...written,
    ms: { up: tUp - t0, down: tDown - tUp, write: performance.now() - tDown },
  };
}

/** Adds a candidate to a list holding one per context (the least): whether it changed. */
/** `current` with the steps from `r`'s contexts merged in; undefined when none is better. */
function improved(
  current: readonly TreeReach[],
  r: FunctionRecord,
  val: readonly TreeReach[],
): TreeReach[] | undefined {
  const tv = [...current];
  let better = false;
  for (const x of val) if (keepLeastReach(tv, stepReach(r, x))) better = true;
  return better ? tv : undefined;
}

/** Strongly connected components (Tarjan, iterative), callees before their callers. */
function componentsCalleesFirst<T>(nodes: T[], succ: Map<T, T[]>): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const out: T[][] = [];
  let next = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const frames: [T, number][] = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (frames.length) {
      const f = frames[frames.length - 1];
      const [v] = f;
      const ws = succ.get(v) ?? [];
      if (f[1] < ws.length) {
        const w = ws[f[1]++];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          frames.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const u = frames[frames.length - 1][0];
        low.set(u, Math.min(low.get(u)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: T[] = [];
        let w: T;
        do {
          w = stack.pop() as T;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        out.push(scc);
      }
    }
  }
  return out;
}
