// Path conditions of a release path: the branch tests each step's call sits
// under (refcount results, flag bits, list emptiness, IS_ERR checks), so
// that "the same release in the same context, under a different condition" is
// a change of its own. Read from the CFG: a test guards a call when every path
// from the function entry to the call takes the same edge of that test.
// A tested field is named with the struct that holds it (`nfsd_file.nf_ref`,
// from the type environment), so a rule can keep the guards of one object and
// drop those about others (the net's flags, a client's list).
import type { CatalogIndex } from '../catalog/catalog';
import type { ArgFact, CfgNode, FunctionFacts } from '../facts/factTypes';
import type { ChainStep } from '../model';

/** The struct holding an argument's last field (`nfsd_file` for `&nf->nf_ref`), when known. */
export type HolderOf = (fn: FunctionFacts, arg: ArgFact, line: number) => string | undefined;

/**
 * Whether a tested call is a guard in the sense of a release's condition: a refcount
 * or bit primitive (by its catalog role) or a listed guard test (list emptiness,
 * error pointers). Other tests (lookups, allocations, errors) are control flow,
 * not which objects get released.
 */
export function isGuardCall(catalog: CatalogIndex, callee: string): boolean {
  const role = catalog.calls.get(callee)?.role;
  return catalog.guardTests.has(callee) || /^(ref-|bit-test)/.test(role ?? '');
}

/**
 * `callee(struct.field, CONST)` for a tested guard call: fields qualified by their
 * struct when known, constants; never local names or lines (`_` stands for those).
 */
function describeCall(
  catalog: CatalogIndex,
  fn: FunctionFacts,
  index: number,
  holderOf?: HolderOf,
): string | undefined {
  const call = fn.calls[index];
  if (!call || !isGuardCall(catalog, call.callee)) return undefined;
  const args = call.args.map((a) => {
    if (a.field) {
      const holder = holderOf?.(fn, a, call.at.line);
      return holder ? `${holder}.${a.field}` : a.field;
    }
    return a.ident && /^[A-Z_0-9]+$/.test(a.ident) ? a.ident : '_';
  });
  return `${call.callee}(${args.join(', ')})`;
}

/**
 * What working out guards keeps, for one analysis: per function its guard table
 * and the calls its variables were last assigned from, and per chain step its
 * guards. Made per analysis and dropped with it: a module-level WeakMap keyed by
 * the functions would do as well for results, but the scavenger keeps a weak
 * map's values alive (and the tables hold the analysis' closures, hence all
 * of it), so every analysis would be copied and promoted to the old generation.
 */
export class GuardCache {
  readonly tables = new Map<FunctionFacts, GuardTable>();
  readonly lastAssigned = new Map<FunctionFacts, Map<string, number>>();
  /** Per step, with the lookup and holder lookup its guards were worked out with. */
  steps:
    | {
        lookup: FunctionLookup;
        holderOf: HolderOf | undefined;
        byStep: Map<string, readonly string[]>;
      }
    | undefined = undefined;
}

/** Per variable, the call whose result the function's last assignment from a call stores in it. */
function lastCallAssigned(cache: GuardCache, fn: FunctionFacts): Map<string, number> {
  let m = cache.lastAssigned.get(fn);
  if (!m) {
    m = new Map();
    for (const n of fn.cfg)
      for (const a of n.assigns) if (a.fromCall !== undefined) m.set(a.variable, a.fromCall);
    cache.lastAssigned.set(fn, m);
  }
  return m;
}

/** The guard one test states on the edge taken, normalised; undefined when it says nothing stable. */
function describeTest(
  cache: GuardCache,
  catalog: CatalogIndex,
  fn: FunctionFacts,
  node: CfgNode,
  onTrueEdge: boolean,
  holderOf?: HolderOf,
): string[] {
  const out: string[] = [];
  for (const t of node.tests) {
    const value = onTrueEdge ? t.onTrue : t.onFalse;
    if (value === undefined) continue;
    let subject: string | undefined;
    if (t.call !== undefined) subject = describeCall(catalog, fn, t.call, holderOf);
    else if (t.variable) {
      // A variable holding a guard call's result stands for that call.
      const from = lastCallAssigned(cache, fn).get(t.variable);
      subject = from !== undefined ? describeCall(catalog, fn, from, holderOf) : undefined;
      if (subject && t.equals) subject = `${subject} == ${t.equals}`;
    }
    if (subject) out.push(value ? subject : `!${subject}`);
  }
  return out;
}

/** Nodes reachable from `from`, never crossing the edge `cut` (node id -> successor id). */
export function reachable(
  byId: ReadonlyMap<number, CfgNode>,
  from: number,
  cut?: [number, number],
): Set<number> {
  const seen = new Set<number>([from]);
  const work = [from];
  while (work.length) {
    const n = byId.get(work.pop() as number);
    if (!n) continue;
    for (const s of n.succ) {
      if (cut && n.id === cut[0] && s === cut[1]) continue;
      if (seen.has(s)) continue;
      seen.add(s);
      work.push(s);
    }
  }
  return seen;
}

/**
 * Per function, what every call's guards need and do not depend on the call:
 * the branch tests that state a guard on either edge (most tests are control
 * flow and state none, so they need no reachability walk), each with the nodes
 * reachable from entry when its false edge is cut and when its true edge is.
 */
interface GuardTable {
  holderOf: HolderOf | undefined;
  byId: Map<number, CfgNode>;
  entry: CfgNode | undefined;
  /** Made on the first call's guards (a function only searched for list adds needs none). */
  tests?: {
    node: CfgNode;
    onTrue: string[];
    onFalse: string[];
    /** Reachable without the false edge / without the true edge (walked once, on first use). */
    viaTrue?: Set<number>;
    viaFalse?: Set<number>;
  }[];
  /** Guards per call index, once asked. */
  byCall: Map<number, string[]>;
  /** Per call: whether it is a catalogued list add, and each argument as a plain name. */
  callNames?: { listAdd: boolean; names: (string | undefined)[] }[];
  /** fillGuards() results by list name and depth (the same dispose list is asked per path). */
  fills: Map<string, string[]>;
  /** The lookup `fills` were computed with (they follow callees through it). */
  fillsLookup?: FunctionLookup;
}

/** The guard table of `fn`: a pure function of it and the catalog (and the holder lookup). */
function guardTable(
  cache: GuardCache,
  fn: FunctionFacts,
  holderOf: HolderOf | undefined,
): GuardTable {
  let table = cache.tables.get(fn);
  if (table && table.holderOf === holderOf) return table;
  table = {
    holderOf,
    byId: new Map(fn.cfg.map((n) => [n.id, n])),
    entry: fn.cfg.find((n) => n.kind === 'entry'),
    byCall: new Map(),
    fills: new Map(),
  };
  cache.tables.set(fn, table);
  return table;
}

/** The branch tests of `fn` that state a guard on either edge. */
function guardTests(
  cache: GuardCache,
  catalog: CatalogIndex,
  fn: FunctionFacts,
  table: GuardTable,
): NonNullable<GuardTable['tests']> {
  if (table.tests) return table.tests;
  const tests: NonNullable<GuardTable['tests']> = [];
  for (const c of fn.cfg) {
    if (c.kind !== 'cond' || c.succ.length !== 2 || !c.tests.length) continue;
    if (c.succ[0] === c.succ[1]) continue;
    const onTrue = describeTest(cache, catalog, fn, c, true, table.holderOf);
    const onFalse = describeTest(cache, catalog, fn, c, false, table.holderOf);
    if (onTrue.length || onFalse.length) tests.push({ node: c, onTrue, onFalse });
  }
  return (table.tests = tests);
}

/** Guards of the CFG node holding `callIndex` in `fn`. */
export function guardsOfCall(
  cache: GuardCache,
  catalog: CatalogIndex,
  fn: FunctionFacts,
  callIndex: number,
  holderOf?: HolderOf,
): string[] {
  return [...ownGuardsOfCall(cache, catalog, fn, callIndex, holderOf)];
}

/** guardsOfCall() without the copy: the table's own array, never to be changed. */
function ownGuardsOfCall(
  cache: GuardCache,
  catalog: CatalogIndex,
  fn: FunctionFacts,
  callIndex: number,
  holderOf: HolderOf | undefined,
): readonly string[] {
  const call = fn.calls[callIndex];
  if (!call) return [];
  const table = guardTable(cache, fn, holderOf);
  const entry = table.entry;
  if (!entry) return [];
  const known = table.byCall.get(callIndex);
  if (known) return known;
  const out: string[] = [];
  for (const test of guardTests(cache, catalog, fn, table)) {
    const { node: c, onTrue, onFalse } = test;
    if (c.id === call.node) continue;
    const [t, f] = c.succ;
    test.viaTrue ??= reachable(table.byId, entry.id, [c.id, f]);
    test.viaFalse ??= reachable(table.byId, entry.id, [c.id, t]);
    const viaTrue = test.viaTrue.has(call.node);
    const viaFalse = test.viaFalse.has(call.node);
    if (viaTrue === viaFalse) continue;
    out.push(...(viaTrue ? onTrue : onFalse));
  }
  table.byCall.set(callIndex, out);
  return out;
}

/** What an argument designates, when it is a plain name (`dispose` for `&dispose` and `dispose`). */
function named(
  a: { object?: string; root?: string; field?: string } | undefined,
): string | undefined {
  if (!a || a.field) return undefined;
  const n = a.object ?? a.root;
  return n && /^\w+$/.test(n) ? n : undefined;
}

/**
 * The guards under which objects are put on list `list` in `fn` (a local or a
 * parameter), directly (`list_add(&nf->nf_lru, list)` under a refcount test) or
 * through callees handed the list: a release that drains a dispose list runs
 * under the conditions its entries were queued under.
 */
function fillGuards(
  cache: GuardCache,
  catalog: CatalogIndex,
  lookup: FunctionLookup,
  fn: FunctionFacts,
  list: string,
  holderOf: HolderOf | undefined,
  depth: number,
): readonly string[] {
  const table = guardTable(cache, fn, holderOf);
  if (table.fillsLookup !== lookup) {
    table.fills.clear();
    table.fillsLookup = lookup;
  }
  const key = `${list}\u0000${depth}`;
  const known = table.fills.get(key);
  if (known) return known;
  const out: string[] = [];
  table.callNames ??= fn.calls.map((c) => ({
    listAdd: catalog.calls.get(c.callee)?.role === 'list-add',
    names: c.args.map(named),
  }));
  table.callNames.forEach(({ listAdd, names }, i) => {
    if (listAdd) {
      if (names[1] === list) out.push(...ownGuardsOfCall(cache, catalog, fn, i, holderOf));
      return;
    }
    if (depth <= 0) return;
    const at = names.indexOf(list);
    const callee = at >= 0 ? lookup(fn.calls[i].callee) : undefined;
    const param = callee?.params[at];
    if (!callee || !param || callee === fn) return;
    const inner = fillGuards(cache, catalog, lookup, callee, param, holderOf, depth - 1);
    if (inner.length) out.push(...ownGuardsOfCall(cache, catalog, fn, i, holderOf), ...inner);
  });
  table.fills.set(key, out);
  return out;
}

/** A function by name: in `file` when given, else the only definition. */
export type FunctionLookup = (name: string, file?: string) => FunctionFacts | undefined;

/**
 * The conditions of a release path: the guards of each step's call, across the
 * chain, and the guards under which the lists a step hands on were filled;
 * sorted and deduplicated (the order of tests is not a behaviour). Paths share
 * most of their steps: each step's guards are worked out once per analysis.
 */
export function releaseConditions(
  cache: GuardCache,
  catalog: CatalogIndex,
  lookup: FunctionLookup,
  chain: ChainStep[],
  holderOf?: HolderOf,
): string[] {
  let memo = cache.steps;
  if (!memo || memo.lookup !== lookup || memo.holderOf !== holderOf)
    cache.steps = memo = { lookup, holderOf, byStep: new Map() };
  const out = new Set<string>();
  for (const step of chain) {
    const key = `${step.function}\u0000${step.at.file}\u0000${step.at.line}\u0000${step.call}`;
    let guards = memo.byStep.get(key);
    if (!guards)
      memo.byStep.set(key, (guards = guardsOfStep(cache, catalog, lookup, step, holderOf)));
    for (const g of guards) out.add(g);
  }
  return [...out].sort();
}

/** The guards one chain step contributes (its call's own, and its lists' fill guards). */
function guardsOfStep(
  cache: GuardCache,
  catalog: CatalogIndex,
  lookup: FunctionLookup,
  step: ChainStep,
  holderOf: HolderOf | undefined,
): readonly string[] {
  // Display ids qualify a static name by its file (`name@file.c`).
  const fn = lookup(step.function.replace(/@.*$/, ''), step.at.file);
  if (!fn) return [];
  const index = fn.calls.findIndex(
    (c) => c.at.line === step.at.line && (c.callee === step.call || !step.call),
  );
  const at = index >= 0 ? index : fn.calls.findIndex((c) => c.callee === step.call);
  if (at < 0) return [];
  const out = [...ownGuardsOfCall(cache, catalog, fn, at, holderOf)];
  for (const a of fn.calls[at].args) {
    const list = named(a);
    if (list) out.push(...fillGuards(cache, catalog, lookup, fn, list, holderOf, 2));
  }
  return out;
}
