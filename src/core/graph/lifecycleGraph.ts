// Lifecycle state graph of one object type: the states the analyzer saw the
// object move into, with one edge per transition labelled by the function that
// performs it. The model records only the target state of a transition, so the
// source is the nearest preceding state (in lifecycle order) that this type
// uses; that is the order in which the kernel designs move an object.
import {
  LIFECYCLE_STATES,
  type Holder,
  type LifecycleState,
  type ObjectLifecycle,
  type ProgramModel,
} from '../model';
import type { Graph, GraphEdge, GraphNode } from './graphTypes';

export { LIFECYCLE_STATES };

export const STATE_LABELS: Record<LifecycleState, string> = {
  allocated: 'allocated',
  hashed: 'hashed',
  'on-lru': 'on LRU',
  unhashed: 'unhashed',
  'final-put': 'final put',
  'rcu-freed': 'freed after RCU',
};

/** The states in which a holder keeps its reference. */
const HOLDER_STATES: Record<Holder, readonly LifecycleState[]> = {
  caller: ['allocated', 'hashed', 'on-lru', 'unhashed'],
  hash: ['hashed'],
  lru: ['on-lru'],
  // A plain list's membership is no lifecycle state of its own: no lane.
  list: [],
  'dispose-list': ['unhashed'],
};

export function stateId(state: LifecycleState): string {
  return `state:${state}`;
}

export function transitionId(to: LifecycleState, fn: string): string {
  return `transition:${to}:${fn}`;
}

export function buildLifecycleGraph(obj: ObjectLifecycle): Graph {
  const used = new Set<LifecycleState>(obj.transitions.map((t) => t.to));
  const states = LIFECYCLE_STATES.filter((s) => used.has(s));
  const holders = new Set(obj.holders.map((h) => h.holder));
  const nodes: GraphNode[] = states.map((s) => {
    const here = [...holders].filter((h) => HOLDER_STATES[h].includes(s)).sort();
    const first = obj.transitions.find((t) => t.to === s);
    const node: GraphNode = {
      id: stateId(s),
      kind: 'state',
      label: STATE_LABELS[s],
      detail: here.length ? [`refs held by: ${here.join(', ')}`] : [],
      entryContexts: [],
      atomic: false,
      onReleasePath: true,
      holders: here,
    };
    if (first) node.at = first.at;
    return node;
  });
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const t of obj.transitions) {
    const idx = states.indexOf(t.to);
    const from = idx > 0 ? states[idx - 1] : undefined;
    if (!from) continue; // the first state is entered by allocation: no edge
    const id = transitionId(t.to, t.function);
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({
      id,
      from: stateId(from),
      to: stateId(t.to),
      kind: 'transition',
      mode: 'inline',
      label: `${t.function}()`,
      entryContexts: [],
      onReleasePath: true,
      releaseInline: [],
      at: t.at,
    });
  }
  // Allocation: label the first state with the allocating functions.
  const alloc = obj.transitions.filter((t) => t.to === states[0]).map((t) => `${t.function}()`);
  if (nodes[0] && alloc.length) nodes[0].detail.unshift(`by ${[...new Set(alloc)].join(', ')}`);
  edges.sort((a, b) => a.id.localeCompare(b.id));
  return {
    id: `lifecycle:${obj.type}`,
    kind: 'lifecycle',
    title: `struct ${obj.type} (${obj.refField}: ${obj.refKind})`,
    nodes,
    edges,
    clusters: [],
  };
}

export function buildLifecycleGraphs(model: ProgramModel): Graph[] {
  return model.objects.map(buildLifecycleGraph);
}
