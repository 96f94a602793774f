// Filtering by entry context and collapsing: what keeps a 200-node graph
// usable. Pure functions: the input graph is never modified.
import { CONTEXT_LABELS, type ContextKind } from '../model';
import { lanes } from './contextGraph';
import type { Graph, GraphEdge, GraphNode, GraphOptions } from './graphTypes';

export function filterByContexts(graph: Graph, contexts: readonly ContextKind[]): Graph {
  if (!contexts.length || graph.kind !== 'context') return graph;
  const want = new Set(contexts);
  const hit = (list: readonly ContextKind[]) => list.some((c) => want.has(c));
  const nodes = graph.nodes.filter((n) => hit(n.entryContexts));
  const keep = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter(
    (e) => keep.has(e.from) && keep.has(e.to) && hit(e.entryContexts),
  );
  return { ...graph, nodes, edges, clusters: lanes(nodes) };
}

/** Replaces groups of nodes by one node each and merges the edges between groups. */
export function foldNodes(graph: Graph, groupOf: (n: GraphNode) => GraphNode | undefined): Graph {
  const target = new Map<string, string>();
  const folded = new Map<string, GraphNode>();
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    const g = groupOf(n);
    if (!g) {
      nodes.push(n);
      continue;
    }
    target.set(n.id, g.id);
    let f = folded.get(g.id);
    if (!f) {
      f = { ...g, members: [], entryContexts: [] };
      folded.set(g.id, f);
      nodes.push(f);
    }
    f.members?.push(n.id);
    for (const c of n.entryContexts) if (!f.entryContexts.includes(c)) f.entryContexts.push(c);
    f.onReleasePath ||= n.onReleasePath;
  }
  for (const f of folded.values()) {
    const count = f.members?.length ?? 0;
    f.detail = [`${count} function${count === 1 ? '' : 's'}`, ...f.detail];
  }
  const edges = new Map<string, GraphEdge>();
  for (const e of graph.edges) {
    const from = target.get(e.from) ?? e.from;
    const to = target.get(e.to) ?? e.to;
    if (from === to) continue;
    const id = from === e.from && to === e.to ? e.id : `${from}->${to}`;
    const old = edges.get(id);
    if (!old) {
      edges.set(id, { ...e, id, from, to, entryContexts: [...e.entryContexts] });
      continue;
    }
    for (const c of e.entryContexts) if (!old.entryContexts.includes(c)) old.entryContexts.push(c);
    old.onReleasePath ||= e.onReleasePath;
    if (old.kind !== e.kind) {
      old.kind = e.kind === 'defer' || old.kind === 'defer' ? 'defer' : 'call';
      old.mode = old.kind === 'defer' ? 'deferred' : 'inline';
    }
  }
  return { ...graph, nodes, edges: [...edges.values()], clusters: lanes(nodes) };
}

/** The node standing for the nodes a fold merged, in one lane. */
function collapsedNode(
  id: string,
  label: string,
  context: ContextKind,
  atomic: GraphNode['atomic'],
): GraphNode {
  return {
    id,
    kind: 'collapsed',
    label,
    detail: [],
    context,
    entryContexts: [],
    atomic,
    onReleasePath: false,
  };
}

/** Folds the functions on no release path into one node per lane. */
export function collapseOffPath(graph: Graph): Graph {
  if (graph.kind !== 'context') return graph;
  return foldNodes(graph, (n) =>
    (n.kind === 'function' || n.kind === 'final-put') && !n.onReleasePath && n.context
      ? collapsedNode(`collapsed:${n.context}`, 'not on a release path', n.context, n.atomic)
      : undefined,
  );
}

/** Folds every node of the given lanes into one node per lane. */
export function collapseLanes(graph: Graph, contexts: readonly ContextKind[]): Graph {
  if (!contexts.length || graph.kind !== 'context') return graph;
  const fold = new Set(contexts);
  return foldNodes(graph, (n) =>
    n.context && fold.has(n.context) && n.kind !== 'context'
      ? collapsedNode(`collapsed-lane:${n.context}`, CONTEXT_LABELS[n.context], n.context, n.atomic)
      : undefined,
  );
}

export function applyOptions(graph: Graph, opts: GraphOptions): Graph {
  let g = graph;
  if (opts.contexts?.length) g = filterByContexts(g, opts.contexts);
  if (opts.collapseOffPath) g = collapseOffPath(g);
  if (opts.collapseLanes?.length) g = collapseLanes(g, opts.collapseLanes);
  return g;
}
