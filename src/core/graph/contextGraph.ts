// Context graph: entry contexts -> the functions they reach -> final-put sites
// -> release work. A function appears once per execution context it runs in
// (one lane per context), so a deferral is an edge that crosses lanes and the
// release work of an inline path sits in the lane of the entry that caused it:
// "fsync in the fsnotify lane" is the seed case at a glance.
import {
  ATOMIC_CONTEXTS,
  CONTEXT_KINDS,
  CONTEXT_LABELS,
  type CallEdge,
  type ChainStep,
  type ContextKind,
  type ProgramModel,
  type ReleaseKind,
} from '../model';
import type { Cluster, EvidenceHighlight, Graph, GraphEdge, GraphNode } from './graphTypes';

export const contextNodeId = (ctx: ContextKind): string => `ctx:${ctx}`;
export const functionNodeId = (ctx: ContextKind, fn: string): string => `fn:${ctx}:${fn}`;
export const releaseNodeId = (ctx: ContextKind, kind: ReleaseKind): string =>
  `release:${ctx}:${kind}`;
export const edgeId = (from: string, to: string): string => `${from}->${to}`;

/** Looks up what the graph builder needs from a model, by function name. */
export class ModelIndex {
  readonly entryContext = new Map<string, ContextKind>();
  readonly edges = new Map<string, CallEdge[]>();
  readonly finalPut = new Map<string, string>();
  readonly releaseOf = new Map<string, ReleaseKind>();
  readonly fnAt = new Map<string, { file: string; line: number; column: number }>();

  constructor(readonly model: ProgramModel) {
    for (const ep of model.entryPoints)
      if (!this.entryContext.has(ep.function)) this.entryContext.set(ep.function, ep.context);
    for (const e of model.edges) {
      const list = this.edges.get(e.caller) ?? [];
      list.push(e);
      this.edges.set(e.caller, list);
    }
    for (const o of model.objects)
      for (const s of o.finalPutSites)
        if (!this.finalPut.has(s.function)) this.finalPut.set(s.function, s.call);
    for (const f of model.functions) {
      this.fnAt.set(f.name, { file: f.file, line: f.span.line, column: f.span.column });
      for (const c of f.calls)
        if (c.role === 'release' && c.release)
          this.releaseOf.set(`${f.name}\0${c.callee}`, c.release);
    }
  }

  /** The context the callee of `caller -> callee` runs in, given the caller's. */
  nextContext(
    ctx: ContextKind,
    caller: string,
    callee: string,
    via: ChainStep['via'],
  ): ContextKind {
    if (via === 'call' || via === 'sink') return ctx;
    const e = this.edges.get(caller)?.find((x) => x.callee === callee && x.kind !== 'call');
    return e?.context ?? this.entryContext.get(callee) ?? ctx;
  }

  /** The release kind of a sink call, from the caller's classified calls. */
  releaseKind(fn: string, sink: string): ReleaseKind | undefined {
    return this.releaseOf.get(`${fn}\0${sink}`);
  }
}

/** The deferral mechanism named in a chain step's call ("queue_work -> f"). */
function mechanism(call: string): string {
  const i = call.indexOf(' -> ');
  return i >= 0 ? call.slice(0, i) : call;
}

export interface ChainWalk {
  nodes: string[];
  edges: string[];
  /** Context the chain ends in. */
  endContext: ContextKind;
}

/**
 * Walks an evidence chain through the lanes: the ids of the nodes and edges it
 * visits, starting in `start` (the entry context). The sink step ends at the
 * release node when `release` (or the caller's classified sink call) says which.
 */
export function walkChain(
  index: ModelIndex,
  chain: readonly ChainStep[],
  start: ContextKind,
  release?: ReleaseKind,
): ChainWalk {
  const nodes: string[] = [];
  const edges: string[] = [];
  let ctx = start;
  chain.forEach((step, i) => {
    const here = functionNodeId(ctx, step.function);
    nodes.push(here);
    const next = chain[i + 1];
    if (next) {
      const nctx = index.nextContext(ctx, step.function, next.function, step.via);
      const there = functionNodeId(nctx, next.function);
      edges.push(edgeId(here, there));
      ctx = nctx;
    } else if (step.via === 'sink') {
      const kind = release ?? index.releaseKind(step.function, step.call);
      if (kind) {
        const rel = releaseNodeId(ctx, kind);
        nodes.push(rel);
        edges.push(edgeId(here, rel));
      }
    }
  });
  return { nodes, edges, endContext: ctx };
}

function addUnique<T>(list: T[], v: T): void {
  if (!list.includes(v)) list.push(v);
}

export function buildContextGraph(model: ProgramModel, title = 'Execution contexts'): Graph {
  const index = new ModelIndex(model);
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();

  const fnNode = (ctx: ContextKind, fn: string): GraphNode => {
    const id = functionNodeId(ctx, fn);
    let n = nodes.get(id);
    if (!n) {
      const fp = index.finalPut.get(fn);
      n = {
        id,
        kind: fp ? 'final-put' : 'function',
        label: fn,
        detail: fp ? [`final put: ${fp}()`] : [],
        context: ctx,
        entryContexts: [],
        atomic: ATOMIC_CONTEXTS.has(ctx),
        onReleasePath: false,
      };
      const at = index.fnAt.get(fn);
      if (at) n.at = at;
      nodes.set(id, n);
    }
    return n;
  };
  const edge = (
    from: GraphNode,
    to: GraphNode,
    kind: GraphEdge['kind'],
    label: string,
    at: GraphEdge['at'],
  ): GraphEdge => {
    const id = edgeId(from.id, to.id);
    let e = edges.get(id);
    if (!e) {
      e = {
        id,
        from: from.id,
        to: to.id,
        kind,
        mode: kind === 'defer' ? 'deferred' : 'inline',
        label,
        entryContexts: [],
        onReleasePath: false,
        releaseInline: [],
      };
      if (to.context) e.context = to.context;
      if (at) e.at = at;
      edges.set(id, e);
    }
    return e;
  };

  // Everything reachable from each entry point, lane by lane.
  for (const ep of model.entryPoints) {
    const ctxId = contextNodeId(ep.context);
    let head = nodes.get(ctxId);
    if (!head) {
      head = {
        id: ctxId,
        kind: 'context',
        label: ep.context,
        detail: [ATOMIC_CONTEXTS.has(ep.context) ? 'entry context · atomic' : 'entry context'],
        context: ep.context,
        entryContexts: [ep.context],
        atomic: ATOMIC_CONTEXTS.has(ep.context),
        onReleasePath: false,
      };
      nodes.set(ctxId, head);
    }
    const first = fnNode(ep.context, ep.function);
    const entryEdge = edge(head, first, 'entry', '', ep.at);
    addUnique(entryEdge.entryContexts, ep.context);
    const seen = new Set<string>();
    const queue: [ContextKind, string][] = [[ep.context, ep.function]];
    while (queue.length) {
      const [ctx, fn] = queue.shift() as [ContextKind, string];
      const id = functionNodeId(ctx, fn);
      if (seen.has(id)) continue;
      seen.add(id);
      const from = fnNode(ctx, fn);
      addUnique(from.entryContexts, ep.context);
      for (const ce of index.edges.get(fn) ?? []) {
        if (ce.kind === 'register') continue;
        const nctx =
          ce.kind === 'call' ? ctx : (ce.context ?? index.entryContext.get(ce.callee) ?? ctx);
        const to = fnNode(nctx, ce.callee);
        addUnique(to.entryContexts, ep.context);
        const label =
          ce.kind === 'defer' ? `defer: ${nctx}` : ce.kind === 'callback' ? 'callback' : '';
        const e = edge(from, to, ce.kind, label, ce.at);
        addUnique(e.entryContexts, ep.context);
        queue.push([nctx, ce.callee]);
      }
    }
  }

  // Release paths: mark them, add the release work nodes.
  for (const obj of model.objects)
    for (const rp of obj.releasePaths) {
      const walk = walkChain(index, rp.chain, rp.entryContext, rp.release);
      const head = nodes.get(contextNodeId(rp.entryContext));
      if (head) head.onReleasePath = true;
      const lastDefer = rp.chain.map((s) => s.via).lastIndexOf('defer');
      walk.nodes.forEach((id, i) => {
        let n = nodes.get(id);
        if (!n) {
          if (id.startsWith('release:')) {
            const ctx = walk.endContext;
            n = {
              id,
              kind: 'release',
              label: rp.release,
              detail: [],
              context: ctx,
              entryContexts: [],
              atomic: ATOMIC_CONTEXTS.has(ctx),
              onReleasePath: true,
              release: rp.release,
            };
            const last = rp.chain[rp.chain.length - 1];
            if (last) n.at = last.at;
            nodes.set(id, n);
          } else {
            const step = rp.chain[i];
            if (!step) return;
            const ctx = id.slice(3, id.length - step.function.length - 1) as ContextKind;
            n = fnNode(ctx, step.function);
          }
        }
        n.onReleasePath = true;
        addUnique(n.entryContexts, rp.entryContext);
        if (n.kind === 'release') addUnique(n.detail, `${rp.sink}()`);
      });
      const entryEdge =
        head && walk.nodes[0] ? edges.get(edgeId(head.id, walk.nodes[0])) : undefined;
      if (entryEdge) entryEdge.onReleasePath = true;
      walk.edges.forEach((id, i) => {
        let e = edges.get(id);
        const step = rp.chain[i];
        const from = nodes.get(walk.nodes[i] ?? '');
        const to = nodes.get(walk.nodes[i + 1] ?? '');
        if (!e && from && to && step) {
          const kind: GraphEdge['kind'] =
            step.via === 'sink' ? 'release' : step.via === 'defer' ? 'defer' : step.via;
          e = edge(
            from,
            to,
            kind,
            step.via === 'defer' ? `defer: ${to.context ?? ''}` : '',
            step.at,
          );
        }
        if (!e || !step) return;
        if (e.kind === 'defer' && step.via === 'defer')
          e.label = `${mechanism(step.call)} (${e.context ?? ''})`;
        e.onReleasePath = true;
        addUnique(e.entryContexts, rp.entryContext);
        if (i > lastDefer) addUnique(e.releaseInline, rp.release);
      });
    }

  for (const n of nodes.values()) {
    n.entryContexts.sort(byContext);
    n.detail.sort((a, b) => (n.kind === 'release' ? a.localeCompare(b) : 0));
  }
  for (const e of edges.values()) {
    e.entryContexts.sort(byContext);
    e.releaseInline.sort();
  }
  const nodeList = [...nodes.values()].sort(byId);
  return {
    id: 'context',
    kind: 'context',
    title,
    nodes: nodeList,
    edges: [...edges.values()].sort(byId),
    clusters: lanes(nodeList),
  };
}

export function byContext(a: ContextKind, b: ContextKind): number {
  return CONTEXT_KINDS.indexOf(a) - CONTEXT_KINDS.indexOf(b);
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function lanes(nodes: readonly GraphNode[]): Cluster[] {
  const out: Cluster[] = [];
  for (const ctx of CONTEXT_KINDS) {
    const members = nodes.filter((n) => n.context === ctx).map((n) => n.id);
    if (!members.length) continue;
    const atomic = ATOMIC_CONTEXTS.has(ctx);
    out.push({
      id: `lane:${ctx}`,
      label: `${CONTEXT_LABELS[ctx]}${atomic ? ' — atomic' : ''}`,
      context: ctx,
      atomic,
      nodes: members,
    });
  }
  return out;
}

export function emptyHighlight(): EvidenceHighlight {
  return { nodes: [], edges: [] };
}
