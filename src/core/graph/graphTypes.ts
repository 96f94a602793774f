// Plain graph structures built from a ProgramModel or a ComparisonResult. They
// are what the webview renders and what the DOT emitter serialises; ids are
// derived from names (never from array positions) so they are stable across
// runs and identical for the same thing in two revisions.
import type { ContextKind, Holder, Location, ReleaseKind } from '../model';

export type GraphKind = 'lifecycle' | 'context';

export type NodeKind =
  | 'state' // lifecycle state of an object type
  | 'context' // an execution context (lane head)
  | 'function' // a function running in a given context
  | 'final-put' // a function containing a final-put site of a tracked object
  | 'release' // release work (fput, fsync, flush, ...) in a given context
  | 'collapsed'; // several functions folded into one node

export type EdgeKind =
  | 'transition' // lifecycle: a function moves the object into a state
  | 'entry' // context -> its entry function
  | 'call' // inline call
  | 'callback' // inline, but the callee runs in a nested context (e.g. LRU isolate)
  | 'defer' // deferred: the callee runs later, in another context
  | 'release'; // the call that performs the release work (inline)

export type DiffStatus = 'same' | 'added' | 'removed' | 'changed';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** First line of the rendered label (a function name, a state, a context). */
  label: string;
  /** Further label lines (holders, final-put call, sink names, counts). */
  detail: string[];
  /** Execution context the node runs in (context graph). */
  context?: ContextKind;
  /** Entry contexts whose paths reach this node (for filtering). */
  entryContexts: ContextKind[];
  atomic: boolean;
  /** On some release path (or a lifecycle state). */
  onReleasePath: boolean;
  /** Source location (in the revision the graph was built from). */
  at?: Location;
  /** Lifecycle states: who holds references in this state. */
  holders?: Holder[];
  release?: ReleaseKind;
  /** Collapsed nodes: the ids folded into this one. */
  members?: string[];
  diff?: DiffStatus;
  /** Compare mode: location in the before revision. */
  atBefore?: Location;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  mode: 'inline' | 'deferred';
  label: string;
  context?: ContextKind;
  entryContexts: ContextKind[];
  onReleasePath: boolean;
  /** Release kinds reached inline through this edge (context graph). */
  releaseInline: ReleaseKind[];
  at?: Location;
  diff?: DiffStatus;
  /** Compare mode, diff 'changed': what the edge was in the before revision. */
  before?: { kind: EdgeKind; mode: 'inline' | 'deferred' };
  atBefore?: Location;
}

export interface Cluster {
  id: string;
  label: string;
  context: ContextKind;
  atomic: boolean;
  nodes: string[];
}

export interface Graph {
  id: string;
  kind: GraphKind;
  title: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Context graph: one lane per execution context. */
  clusters: Cluster[];
}

/** The set of graph elements on one side's evidence for a behaviour change. */
export interface EvidenceHighlight {
  nodes: string[];
  edges: string[];
}

export interface ChangeHighlight {
  /** Index into ComparisonResult.changes. */
  index: number;
  code: string;
  severity: 'error' | 'warning' | 'note';
  title: string;
  function: string;
  from?: string;
  to?: string;
  /** Ids in the context graphs (before, after, and the overlay). */
  before: EvidenceHighlight;
  after: EvidenceHighlight;
  union: EvidenceHighlight;
  objectType?: string;
  /** Ids in the lifecycle graphs of the change's object type, when any. */
  lifecycleBefore: EvidenceHighlight;
  lifecycleAfter: EvidenceHighlight;
}

export interface CompareGraphs {
  /** Context graphs, each marked with diff status relative to the other side. */
  before: Graph;
  after: Graph;
  union: Graph;
  lifecycle: { type: string; before: Graph; after: Graph; union: Graph }[];
  changes: ChangeHighlight[];
}

export interface GraphOptions {
  /** Keep only nodes/edges reached from these entry contexts (empty/undefined: all). */
  contexts?: readonly ContextKind[];
  /** Fold functions that are on no release path into one node per lane. */
  collapseOffPath?: boolean;
  /** Fold whole lanes into a single node each. */
  collapseLanes?: readonly ContextKind[];
}
