// Focus on one behaviour change: the graph cut down to the change's evidence.
// Kept: the evidence nodes (the functions of its chains, their release work and
// entry context), every edge between two of them (not only the chain's own
// steps, so a call between two evidence functions is not hidden), and the lanes
// those nodes sit in. Pure: the input graph is never modified.
import { lanes } from './contextGraph';
import type { EvidenceHighlight, Graph } from './graphTypes';

export function focusOnEvidence(graph: Graph, evidence: EvidenceHighlight): Graph {
  const want = new Set(evidence.nodes);
  const nodes = graph.nodes.filter((n) => want.has(n.id));
  const keep = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to));
  return {
    ...graph,
    nodes,
    edges,
    clusters: graph.kind === 'context' ? lanes(nodes) : [],
  };
}
