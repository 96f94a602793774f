// Compare mode: both revisions' graphs marked against each other, their union
// (for the overlay), and for each behaviour change the ids on its evidence path
// on each side. Functions renamed between revisions are matched first, so a
// rename is not an add plus a remove.
import type { BehaviourChange, ComparisonResult } from '../compare/compareTypes';
import type { ChainStep, ContextKind, ObjectLifecycle, ProgramModel } from '../model';
import {
  buildContextGraph,
  contextNodeId,
  edgeId,
  emptyHighlight,
  lanes,
  ModelIndex,
  walkChain,
} from './contextGraph';
import type {
  ChangeHighlight,
  CompareGraphs,
  DiffStatus,
  EvidenceHighlight,
  Graph,
  GraphEdge,
  GraphNode,
} from './graphTypes';
import { buildLifecycleGraph, LIFECYCLE_STATES, stateId } from './lifecycleGraph';

/** The before model with renamed functions given their after names. */
export function renameModel(
  model: ProgramModel,
  renamed: ReadonlyMap<string, string>,
): ProgramModel {
  if (!renamed.size) return model;
  const r = (n: string) => renamed.get(n) ?? n;
  const chain = (c: ChainStep[]) => c.map((s) => ({ ...s, function: r(s.function) }));
  return {
    ...model,
    functions: model.functions.map((f) => ({ ...f, name: r(f.name) })),
    entryPoints: model.entryPoints.map((e) => ({ ...e, function: r(e.function) })),
    edges: model.edges.map((e) => ({ ...e, caller: r(e.caller), callee: r(e.callee) })),
    objects: model.objects.map((o) => ({
      ...o,
      holders: o.holders.map((h) => ({ ...h, function: r(h.function) })),
      transitions: o.transitions.map((t) => ({ ...t, function: r(t.function) })),
      finalPutSites: o.finalPutSites.map((s) => ({ ...s, function: r(s.function) })),
      getters: o.getters.map(r),
      putters: o.putters.map(r),
      releasePaths: o.releasePaths.map((p) => ({
        ...p,
        entry: r(p.entry),
        chain: chain(p.chain),
      })),
    })),
  };
}

function nodeChanged(a: GraphNode, b: GraphNode): boolean {
  return a.kind !== b.kind || a.detail.join('\n') !== b.detail.join('\n');
}

/** Marks both graphs against each other and builds their union. */
export function diffGraphs(
  before: Graph,
  after: Graph,
): { before: Graph; after: Graph; union: Graph } {
  const bNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const aNodes = new Map(after.nodes.map((n) => [n.id, n]));
  const bEdges = new Map(before.edges.map((e) => [e.id, e]));
  const aEdges = new Map(after.edges.map((e) => [e.id, e]));
  const nodeStatus = (id: string): DiffStatus => {
    const b = bNodes.get(id);
    const a = aNodes.get(id);
    if (!b) return 'added';
    if (!a) return 'removed';
    return nodeChanged(b, a) ? 'changed' : 'same';
  };
  const edgeStatus = (id: string): DiffStatus => {
    const b = bEdges.get(id);
    const a = aEdges.get(id);
    if (!b) return 'added';
    if (!a) return 'removed';
    return a.kind !== b.kind || a.mode !== b.mode ? 'changed' : 'same';
  };
  const markEdge = (e: GraphEdge): GraphEdge => {
    const diff = edgeStatus(e.id);
    const out: GraphEdge = { ...e, diff };
    const b = bEdges.get(e.id);
    if (diff === 'changed' && b) out.before = { kind: b.kind, mode: b.mode };
    return out;
  };
  const markedBefore: Graph = {
    ...before,
    nodes: before.nodes.map((n) => ({ ...n, diff: nodeStatus(n.id) })),
    edges: before.edges.map(markEdge),
  };
  const markedAfter: Graph = {
    ...after,
    nodes: after.nodes.map((n) => ({ ...n, diff: nodeStatus(n.id) })),
    edges: after.edges.map(markEdge),
  };
  const unionNodes: GraphNode[] = [
    ...markedAfter.nodes.map((n) => {
      const b = bNodes.get(n.id);
      return b?.at ? { ...n, atBefore: b.at } : n;
    }),
    ...markedBefore.nodes
      .filter((n) => n.diff === 'removed')
      .map((n) => {
        const { at, ...rest } = n;
        return at ? { ...rest, atBefore: at } : rest;
      }),
  ].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const unionEdges: GraphEdge[] = [
    ...markedAfter.edges.map((e) => {
      const b = bEdges.get(e.id);
      return b?.at ? { ...e, atBefore: b.at } : e;
    }),
    ...markedBefore.edges
      .filter((e) => e.diff === 'removed')
      .map((e) => {
        const { at, ...rest } = e;
        return at ? { ...rest, atBefore: at } : rest;
      }),
  ].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const union: Graph = {
    ...after,
    id: `${after.id}:union`,
    title: `${before.title} → ${after.title}`,
    nodes: unionNodes,
    edges: unionEdges,
    clusters: after.kind === 'context' ? lanes(unionNodes) : [],
  };
  return { before: markedBefore, after: markedAfter, union };
}

/** The entry context a chain starts in, in the given model. */
function startContext(
  index: ModelIndex,
  chain: readonly ChainStep[],
  hint?: ContextKind,
): ContextKind {
  const first = chain[0]?.function ?? '';
  return hint ?? index.entryContext.get(first) ?? 'process';
}

function evidenceIds(
  graph: Graph,
  index: ModelIndex,
  chain: readonly ChainStep[] | undefined,
  hint: ContextKind | undefined,
): EvidenceHighlight {
  if (!chain?.length) return emptyHighlight();
  const start = startContext(index, chain, hint);
  const walk = walkChain(index, chain, start);
  const nodes = new Set(graph.nodes.map((n) => n.id));
  const edges = new Set(graph.edges.map((e) => e.id));
  const head = contextNodeId(start);
  const firstNode = walk.nodes[0];
  const out: EvidenceHighlight = {
    nodes: walk.nodes.filter((id) => nodes.has(id)),
    edges: walk.edges.filter((id) => edges.has(id)),
  };
  if (firstNode && nodes.has(head) && edges.has(edgeId(head, firstNode))) {
    out.nodes.unshift(head);
    out.edges.unshift(edgeId(head, firstNode));
  }
  return out;
}

/**
 * The evidence chain plus the model's other release paths of the same change
 * (same entry and context, one of the change's release kinds, same mode,
 * through the changed function): "fput, fsync" shows both paths.
 */
function relatedChains(
  model: ProgramModel,
  ch: BehaviourChange,
  chain: readonly ChainStep[] | undefined,
): ChainStep[][] {
  if (!chain?.length || !ch.entry || !ch.entryContext || !ch.release?.length) return [];
  const deferred = chain.some((s) => s.via === 'defer');
  return model.objects
    .flatMap((o) => o.releasePaths)
    .filter(
      (p) =>
        p.entry === ch.entry &&
        p.entryContext === ch.entryContext &&
        ch.release?.includes(p.release) &&
        (p.mode === 'deferred') === deferred &&
        p.chain.some((s) => s.function === ch.function),
    )
    .map((p) => p.chain);
}

function lifecycleIds(
  graph: Graph | undefined,
  obj: ObjectLifecycle | undefined,
  fns: Set<string>,
): EvidenceHighlight {
  if (!graph || !obj) return emptyHighlight();
  const edges = graph.edges.filter((e) => fns.has(e.label.replace(/\(\)$/, '')));
  const nodes = new Set<string>();
  for (const e of edges) {
    nodes.add(e.from);
    nodes.add(e.to);
  }
  for (const s of LIFECYCLE_STATES)
    if (
      obj.transitions.some((t) => t.to === s && fns.has(t.function)) &&
      graph.nodes.some((n) => n.id === stateId(s))
    )
      nodes.add(stateId(s));
  return { nodes: [...nodes].sort(), edges: edges.map((e) => e.id) };
}

function union(a: EvidenceHighlight, b: EvidenceHighlight): EvidenceHighlight {
  return {
    nodes: [...new Set([...a.nodes, ...b.nodes])],
    edges: [...new Set([...a.edges, ...b.edges])],
  };
}

/** The object type a change is about: the first whose lifecycle mentions one of its functions. */
function objectFor(model: ProgramModel, fns: Set<string>): ObjectLifecycle | undefined {
  return (
    model.objects.find(
      (o) =>
        o.finalPutSites.some((s) => fns.has(s.function)) ||
        o.transitions.some((t) => fns.has(t.function)) ||
        o.releasePaths.some((p) => p.chain.some((s) => fns.has(s.function))),
    ) ?? model.objects[0]
  );
}

export function buildCompareGraphs(result: ComparisonResult): CompareGraphs {
  const renamed = new Map<string, string>();
  for (const m of result.matches)
    if (m.kind === 'renamed' && m.before && m.after) renamed.set(m.before, m.after);
  const beforeModel = renameModel(result.before.model, renamed);
  const afterModel = result.after.model;
  const ctx = diffGraphs(
    buildContextGraph(beforeModel, result.before.label),
    buildContextGraph(afterModel, result.after.label),
  );
  const types = [...new Set([...beforeModel.objects, ...afterModel.objects].map((o) => o.type))];
  const empty = (type: string, label: string): Graph => ({
    id: `lifecycle:${type}`,
    kind: 'lifecycle',
    title: `struct ${type} (${label}: not present)`,
    nodes: [],
    edges: [],
    clusters: [],
  });
  const lifecycle = types.map((type) => {
    const b = beforeModel.objects.find((o) => o.type === type);
    const a = afterModel.objects.find((o) => o.type === type);
    const d = diffGraphs(
      b ? buildLifecycleGraph(b) : empty(type, result.before.label),
      a ? buildLifecycleGraph(a) : empty(type, result.after.label),
    );
    return { type, ...d };
  });
  const bIndex = new ModelIndex(beforeModel);
  const aIndex = new ModelIndex(afterModel);
  const rename = (c: ChainStep[] | undefined) =>
    c?.map((s) => ({ ...s, function: renamed.get(s.function) ?? s.function }));
  const changes: ChangeHighlight[] = result.changes.map((ch, index) => {
    const beforeChain = rename(ch.before?.chain);
    const afterChain = ch.after?.chain;
    const side = (
      g: Graph,
      index: ModelIndex,
      model: ProgramModel,
      chain: ChainStep[] | undefined,
    ) =>
      [chain, ...relatedChains(model, ch, chain)]
        .map((c) => evidenceIds(g, index, c, ch.entryContext))
        .reduce(union, emptyHighlight());
    const before = side(ctx.before, bIndex, beforeModel, beforeChain);
    const after = side(ctx.after, aIndex, afterModel, afterChain);
    const fns = new Set([
      ch.function,
      ...(beforeChain ?? []).map((s) => s.function),
      ...(afterChain ?? []).map((s) => s.function),
    ]);
    const objA = objectFor(afterModel, fns);
    const objB = objectFor(beforeModel, fns);
    const type = objA?.type ?? objB?.type;
    const lc = lifecycle.find((l) => l.type === type);
    const out: ChangeHighlight = {
      index,
      code: ch.code,
      severity: ch.severity,
      title: ch.title,
      function: ch.function,
      before,
      after,
      union: union(before, after),
      lifecycleBefore: lifecycleIds(lc?.before, objB, fns),
      lifecycleAfter: lifecycleIds(lc?.after, objA, fns),
    };
    if (type) out.objectType = type;
    if (ch.from) out.from = ch.from;
    if (ch.to) out.to = ch.to;
    return out;
  });
  return { ...ctx, lifecycle, changes };
}
