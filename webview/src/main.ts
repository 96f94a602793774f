// The graph webview: lifecycle graphs, the context graph and the revision
// comparison. Everything shown comes from analysed code, patches or mail and is
// put into the page as text (textContent, attribute values) or as sanitized
// Graphviz SVG; never through innerHTML.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { CONTEXT_KINDS, type ContextKind, type Location } from '../../src/core/model';
import {
  applyOptions,
  buildCompareGraphs,
  buildContextGraph,
  buildLifecycleGraphs,
  focusOnEvidence,
  svgId,
  toDot,
  type ChangeHighlight,
  type CompareGraphs,
  type EvidenceHighlight,
  type Graph,
  type GraphEdge,
  type GraphNode,
} from '../../src/core/graph';
import {
  isGraphPayload,
  parseHostMessage,
  type ExportFormat,
  type GraphPayload,
  type WebviewToHost,
} from './protocol';
import { renderDot, warmUpViz } from './render';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type View = 'context' | 'lifecycle' | 'compare';
type Layout = 'side' | 'overlay';

interface UiState {
  v: 1;
  payload?: GraphPayload;
  view: View;
  objectType?: string;
  layout: Layout;
  compareGraph: 'context' | 'lifecycle';
  contexts: ContextKind[];
  collapse: boolean;
  selectedChange: number;
  /** Compare mode: the graphs cut down to the selected change's evidence ("Show all" clears it). */
  focus: boolean;
  /** 'fit' scales each graph to its pane's width (never above 100%). */
  zoom: 'fit' | number;
  focused?: string;
}

const CONTEXTS: readonly ContextKind[] = CONTEXT_KINDS;

const vscode = acquireVsCodeApi();
/** A small graph with every node kind, edge kind, lane and diff status, for warming up Graphviz. */
function warmUpGraph(): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const kinds: GraphNode['kind'][] = [
    'context',
    'function',
    'final-put',
    'function',
    'function',
    'release',
    'collapsed',
  ];
  const diffs = ['same', 'added', 'removed', 'changed'] as const;
  const lanes = ['process', 'workqueue', 'fsnotify', 'rcu-callback'] as const;
  lanes.forEach((ctx, l) => {
    kinds.forEach((kind, i) => {
      const id = `fn:${ctx}:warm_function_${i}`;
      nodes.push({
        id,
        kind,
        label: `warm_function_name_${i}`,
        detail: i % 2 ? ['final put: refcount_dec_and_test()'] : [],
        context: ctx,
        entryContexts: [ctx],
        atomic: ctx === 'rcu-callback',
        onReleasePath: i < 6,
        diff: diffs[(i + l) % 4] ?? 'same',
      });
      if (i)
        edges.push({
          id: `${nodes[nodes.length - 2]?.id}->${id}`,
          from: nodes[nodes.length - 2]?.id ?? id,
          to: id,
          kind: i === 1 ? 'entry' : i === 4 ? 'callback' : i === 5 ? 'release' : 'call',
          mode: 'inline',
          label: i === 4 ? 'callback' : '',
          entryContexts: [ctx],
          onReleasePath: true,
          releaseInline: i > 2 ? ['fsync'] : [],
          diff: diffs[(i + l + 1) % 4] ?? 'same',
        });
    });
    if (l)
      edges.push({
        id: `defer${l}`,
        from: `fn:${lanes[l - 1]}:warm_function_3`,
        to: `fn:${ctx}:warm_function_1`,
        kind: 'defer',
        mode: 'deferred',
        label: 'queue_work (workqueue)',
        context: ctx,
        entryContexts: [ctx],
        onReleasePath: true,
        releaseInline: [],
        diff: 'changed',
        before: { kind: 'call', mode: 'inline' },
      });
  });
  const lanesOf = (ctx: ContextKind) => nodes.filter((n) => n.context === ctx).map((n) => n.id);
  return {
    id: 'warm',
    kind: 'context',
    title: 'warm-up',
    nodes,
    edges,
    clusters: lanes.map((c) => ({
      id: `lane:${c}`,
      label: `lane ${c}`,
      context: c,
      atomic: c === 'rcu-callback',
      nodes: lanesOf(c),
    })),
  };
}

const warmGraph = warmUpGraph();
// Two rounds before vizReady; more in the background until the first real graph.
const warmDots = [
  toDot(warmGraph, { idPrefix: 'w-', rankdir: 'LR' }),
  toDot(warmGraph, { idPrefix: 'w-', rankdir: 'TB' }),
];
// The host sends data only after `ready`: announce it once Graphviz is compiled and
// warm, so the first graph renders as soon as its data arrives.
const vizWarm = warmUpViz(warmDots, 2).then(
  () => (document.body.dataset.vizReady = 'true'),
  () => (document.body.dataset.vizReady = 'failed'),
);
vizWarm.then(() => warmUpViz(warmDots, 6, true)).catch(() => undefined);

function restoreState(raw: unknown): UiState {
  const s: UiState = {
    v: 1,
    view: 'context',
    layout: 'side',
    compareGraph: 'context',
    contexts: [],
    collapse: true,
    selectedChange: 0,
    focus: false,
    zoom: 'fit',
  };
  if (typeof raw !== 'object' || raw === null) return s;
  const r = raw as Record<string, unknown>;
  if (isGraphPayload(r.payload)) s.payload = r.payload;
  if (r.view === 'context' || r.view === 'lifecycle' || r.view === 'compare') s.view = r.view;
  if (typeof r.objectType === 'string') s.objectType = r.objectType;
  if (r.layout === 'side' || r.layout === 'overlay') s.layout = r.layout;
  if (r.compareGraph === 'context' || r.compareGraph === 'lifecycle')
    s.compareGraph = r.compareGraph;
  if (Array.isArray(r.contexts))
    s.contexts = r.contexts.filter((c): c is ContextKind => CONTEXTS.includes(c as ContextKind));
  if (typeof r.collapse === 'boolean') s.collapse = r.collapse;
  if (Number.isInteger(r.selectedChange)) s.selectedChange = r.selectedChange as number;
  if (typeof r.focused === 'string') s.focused = r.focused;
  if (typeof r.focus === 'boolean') s.focus = r.focus;
  if (r.zoom === 'fit' || (typeof r.zoom === 'number' && r.zoom >= 0.1 && r.zoom <= 4))
    s.zoom = r.zoom;
  return s;
}

const state = restoreState(vscode.getState());
const save = () => vscode.setState(state);
const post = (m: WebviewToHost) => vscode.postMessage(m);

// ---------------------------------------------------------------- derived data

interface Derived {
  payload: GraphPayload;
  context?: Graph;
  lifecycle: Graph[];
  compare?: CompareGraphs;
}
let derived: Derived | undefined;

function derive(payload: GraphPayload): Derived {
  if (derived?.payload === payload) return derived;
  if (payload.kind === 'model') {
    derived = {
      payload,
      context: buildContextGraph(payload.model, payload.title),
      lifecycle: buildLifecycleGraphs(payload.model),
    };
  } else {
    const compare = buildCompareGraphs(payload.comparison);
    derived = {
      payload,
      context: compare.after,
      lifecycle: compare.lifecycle.map((l) => l.after),
      compare,
    };
  }
  return derived;
}

interface Pane {
  key: string;
  label: string;
  graph: Graph;
  highlight?: EvidenceHighlight;
  /** Item ids that were folded into a collapsed node -> the node's id. */
  folded: Map<string, string>;
  /** Cut down to the selected change's evidence. */
  focused?: boolean;
}

function objectTypes(d: Derived): string[] {
  return d.compare
    ? d.compare.lifecycle.map((l) => l.type)
    : d.lifecycle.map((g) => g.id.slice('lifecycle:'.length));
}

function currentChange(d: Derived): ChangeHighlight | undefined {
  return d.compare?.changes[state.selectedChange];
}

/** The compare graphs are cut down to the selected change's evidence. */
function focusing(d: Derived): boolean {
  return state.view === 'compare' && state.focus && !!currentChange(d);
}

function prepare(graph: Graph): { graph: Graph; folded: Map<string, string> } {
  const g = applyOptions(graph, { contexts: state.contexts, collapseOffPath: state.collapse });
  const folded = new Map<string, string>();
  for (const n of g.nodes) for (const m of n.members ?? []) folded.set(m, n.id);
  return { graph: g, folded };
}

function panes(d: Derived): Pane[] {
  const type =
    state.objectType && objectTypes(d).includes(state.objectType)
      ? state.objectType
      : objectTypes(d)[0];
  const change = currentChange(d);
  if (state.view === 'compare' && d.compare) {
    const cmp = d.compare;
    const lc = cmp.lifecycle.find((l) => l.type === type);
    const useLc = state.compareGraph === 'lifecycle' && lc;
    const sameType = !change?.objectType || change.objectType === type;
    const sides = useLc
      ? {
          before: lc.before,
          after: lc.after,
          union: lc.union,
          hb: sameType ? change?.lifecycleBefore : undefined,
          ha: sameType ? change?.lifecycleAfter : undefined,
        }
      : {
          before: cmp.before,
          after: cmp.after,
          union: cmp.union,
          hb: change?.before,
          ha: change?.after,
        };
    // Focused: only the change's evidence, uncollapsed and unfiltered (it is small).
    const focused = state.focus && !!change;
    const view = (g: Graph, hl: EvidenceHighlight | undefined) =>
      focused
        ? { graph: focusOnEvidence(g, hl ?? { nodes: [], edges: [] }), folded: new Map(), focused }
        : prepare(g);
    const revs = d.payload.kind === 'comparison' ? d.payload.comparison : undefined;
    const labelA = revs?.before.label ?? 'before';
    const labelB = revs?.after.label ?? 'after';
    if (state.layout === 'overlay') {
      const hu =
        sides.hb && sides.ha
          ? {
              nodes: [...sides.hb.nodes, ...sides.ha.nodes],
              edges: [...sides.hb.edges, ...sides.ha.edges],
            }
          : undefined;
      const p = view(sides.union, hu);
      return [
        {
          key: 'u',
          label: `${labelA} → ${labelB} (overlay)`,
          ...p,
          ...(hu ? { highlight: hu } : {}),
        },
      ];
    }
    const pb = view(sides.before, sides.hb);
    const pa = view(sides.after, sides.ha);
    return [
      { key: 'a', label: labelA, ...pb, ...(sides.hb ? { highlight: sides.hb } : {}) },
      { key: 'b', label: labelB, ...pa, ...(sides.ha ? { highlight: sides.ha } : {}) },
    ];
  }
  if (state.view === 'lifecycle') {
    const g = d.lifecycle.find((x) => x.id === `lifecycle:${type}`) ?? d.lifecycle[0];
    if (!g) return [];
    return [{ key: 'l', label: g.title, ...prepare(g) }];
  }
  if (!d.context) return [];
  return [{ key: 'c', label: d.context.title, ...prepare(d.context) }];
}

// ---------------------------------------------------------------- DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string> } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function custom(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function select(
  label: string,
  id: string,
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
): HTMLElement {
  const s = custom('vscode-single-select', { id, 'aria-label': label });
  for (const [v, t] of options) {
    const o = custom('vscode-option', { value: v }, t);
    if (v === value) o.setAttribute('selected', '');
    s.append(o);
  }
  s.addEventListener('change', () => onChange((s as unknown as { value: string }).value));
  return el('label', { class: 'field' }, [el('span', { class: 'field-label', text: label }), s]);
}

// ---------------------------------------------------------------- layout

const root = el('div', { class: 'app', attrs: { id: 'app' } });
const toolbar = el('header', {
  class: 'toolbar',
  attrs: { role: 'toolbar', 'aria-label': 'Graph options' },
});
const banner = el('section', { class: 'banner', attrs: { 'aria-live': 'polite' } });
const body = el('div', { class: 'body' });
const graphsEl = el('main', { class: 'graphs' });
const side = el('aside', { class: 'changes', attrs: { 'aria-label': 'Behaviour changes' } });
const details = el('footer', { class: 'details', attrs: { 'aria-live': 'polite' } });
body.append(graphsEl, side);
root.append(toolbar, banner, body, details);
document.body.append(root);

const status = el('div', { class: 'empty', text: 'Waiting for analysis data…' });
graphsEl.append(status);

let toolbarKey = '';

function buildToolbar(d: Derived): void {
  // Rebuilding the controls is the slowest part of an update: only when they differ.
  const key = JSON.stringify([
    d.compare ? 'c' : 'm',
    state.view,
    state.compareGraph,
    state.layout,
    state.objectType,
    state.contexts,
    state.collapse,
    focusing(d),
    objectTypes(d),
    CONTEXTS.filter((c) =>
      (d.compare ? d.compare.union : d.context)?.nodes.some((n) => n.id === `ctx:${c}`),
    ),
  ]);
  if (key === toolbarKey) return;
  toolbarKey = key;
  toolbar.replaceChildren();
  const views: [string, string][] = d.compare
    ? [
        ['compare', 'Compare revisions'],
        ['context', 'Contexts (after)'],
        ['lifecycle', 'Lifecycle (after)'],
      ]
    : [
        ['context', 'Context graph'],
        ['lifecycle', 'Lifecycle graph'],
      ];
  if (!views.some(([v]) => v === state.view)) state.view = views[0]?.[0] as View;
  toolbar.append(
    select('View', 'view-select', views, state.view, (v) => {
      state.view = v as View;
      update();
    }),
  );
  const types = objectTypes(d);
  const lifecycleShown =
    state.view === 'lifecycle' || (state.view === 'compare' && state.compareGraph === 'lifecycle');
  if (state.view === 'compare')
    toolbar.append(
      select(
        'Graph',
        'graph-select',
        [
          ['context', 'Execution contexts'],
          ['lifecycle', 'Object lifecycle'],
        ],
        state.compareGraph,
        (v) => {
          state.compareGraph = v === 'lifecycle' ? 'lifecycle' : 'context';
          update();
        },
      ),
      select(
        'Layout',
        'layout-select',
        [
          ['side', 'Side by side'],
          ['overlay', 'Overlay'],
        ],
        state.layout,
        (v) => {
          state.layout = v === 'overlay' ? 'overlay' : 'side';
          update();
        },
      ),
    );
  if (lifecycleShown && types.length)
    toolbar.append(
      select(
        'Object',
        'object-select',
        types.map((t) => [t, `struct ${t}`]),
        state.objectType ?? types[0] ?? '',
        (v) => {
          state.objectType = v;
          update();
        },
      ),
    );
  if (!lifecycleShown && !focusing(d)) {
    const present = CONTEXTS.filter((c) =>
      (d.compare ? d.compare.union : d.context)?.nodes.some((n) => n.id === `ctx:${c}`),
    );
    const ms = custom('vscode-multi-select', {
      id: 'context-filter',
      'aria-label': 'Entry contexts shown',
    });
    for (const c of present) {
      const o = custom('vscode-option', { value: c }, c);
      if (state.contexts.includes(c)) o.setAttribute('selected', '');
      ms.append(o);
    }
    ms.addEventListener('change', () => {
      const v = (ms as unknown as { value: string[] }).value;
      state.contexts = CONTEXTS.filter((c) => v.includes(c));
      update();
    });
    toolbar.append(
      el('label', { class: 'field' }, [
        el('span', { class: 'field-label', text: 'Entry contexts' }),
        ms,
      ]),
    );
    const cb = custom('vscode-checkbox', {
      id: 'collapse',
      label: 'Collapse functions off release paths',
    });
    if (state.collapse) cb.setAttribute('checked', '');
    cb.addEventListener('change', () => {
      state.collapse = (cb as unknown as { checked: boolean }).checked;
      update();
    });
    toolbar.append(cb);
  }
  const spacer = el('span', { class: 'spacer' });
  const zoom = el('span', { class: 'zoom', attrs: { role: 'group', 'aria-label': 'Zoom' } });
  const zoomBtn = (id: string, text: string, label: string, f: () => void) => {
    const b = custom(
      'vscode-button',
      { id, secondary: '', 'aria-label': label, title: label },
      text,
    );
    b.addEventListener('click', f);
    zoom.append(b);
  };
  const scaleNow = () => (state.zoom === 'fit' ? (rendered[0]?.scale ?? 1) : state.zoom);
  zoomBtn('zoom-out', '−', 'Zoom out', () => setZoom(Math.max(0.1, scaleNow() / 1.25)));
  zoomBtn('zoom-fit', 'Fit', 'Fit to width', () => setZoom('fit'));
  zoomBtn('zoom-in', '+', 'Zoom in', () => setZoom(Math.min(4, scaleNow() * 1.25)));
  toolbar.append(spacer, zoom);
  const svgBtn = custom('vscode-button', { id: 'export-svg', secondary: '' }, 'Export SVG');
  const dotBtn = custom('vscode-button', { id: 'export-dot', secondary: '' }, 'Export DOT');
  svgBtn.addEventListener('click', () => exportGraph('svg'));
  dotBtn.addEventListener('click', () => exportGraph('dot'));
  toolbar.append(svgBtn, dotBtn);
}

function chip(text: string, cls: string): HTMLElement {
  return el('span', { class: `chip ${cls}`, text });
}

function buildBanner(d: Derived): void {
  banner.replaceChildren();
  const ch = currentChange(d);
  banner.hidden = !(state.view === 'compare' && ch);
  if (!ch || banner.hidden) return;
  banner.className = `banner severity-${ch.severity}`;
  const line = el('div', { class: 'banner-title' }, [
    chip(ch.code, `code severity-${ch.severity}`),
    el('span', { text: ch.title }),
  ]);
  banner.append(line);
  if (ch.from || ch.to)
    banner.append(
      el('div', { class: 'banner-move' }, [
        chip(ch.from ?? '—', 'from'),
        el('span', { class: 'arrow', text: '→', attrs: { 'aria-label': 'became' } }),
        chip(ch.to ?? '—', 'to'),
      ]),
    );
  const on = focusing(d);
  const toggle = el('button', {
    class: 'focus-toggle',
    text: on ? 'Show all' : 'Focus on this change',
    attrs: {
      type: 'button',
      id: on ? 'show-all' : 'focus-selected',
      title: on
        ? 'Show the whole graphs again'
        : 'Show only the functions and edges on this change’s evidence',
    },
  });
  toggle.addEventListener('click', () => setFocus(!on, state.selectedChange));
  banner.append(toggle);
}

/** Focuses the graphs on change `i` (one click in the change list), or shows all again. */
function setFocus(on: boolean, i: number): void {
  const from = document.activeElement?.id ?? '';
  state.focus = on;
  state.selectedChange = i;
  delete state.focused;
  update('focus');
  // Keep the keyboard where it was: the rebuilt button, or the banner's toggle.
  const again =
    from === 'show-all' || from === 'focus-selected'
      ? banner.querySelector('button.focus-toggle')
      : from
        ? document.getElementById(from)
        : undefined;
  (again as HTMLElement | null | undefined)?.focus();
}

function buildChanges(d: Derived): void {
  side.replaceChildren();
  side.hidden = !(state.view === 'compare' && d.compare);
  if (side.hidden || !d.compare) return;
  const changes = d.compare.changes;
  side.append(el('h2', { text: `Behaviour changes (${changes.length})` }));
  if (!changes.length)
    side.append(el('p', { class: 'muted', text: 'No behaviour changes between these revisions.' }));
  const list = el('ol', { class: 'change-list' });
  changes.forEach((ch, i) => {
    const btn = el('button', {
      class: `change severity-${ch.severity}`,
      attrs: {
        type: 'button',
        'aria-pressed': String(i === state.selectedChange),
        'data-index': String(i),
        id: `change-${i}`,
      },
    });
    btn.append(
      el('span', { class: 'change-head' }, [
        chip(ch.code, `code severity-${ch.severity}`),
        el('span', { class: 'fn', text: ch.function }),
      ]),
      el('span', { class: 'change-title', text: ch.title }),
    );
    if (ch.from || ch.to)
      btn.append(el('span', { class: 'change-move', text: `${ch.from ?? '—'} → ${ch.to ?? '—'}` }));
    btn.addEventListener('click', () => selectChange(i));
    const focusedHere = state.focus && i === state.selectedChange;
    const fb = el('button', {
      class: 'focus-change',
      text: focusedHere ? 'Show all' : 'Focus',
      attrs: {
        type: 'button',
        id: `focus-${i}`,
        'data-index': String(i),
        'aria-pressed': String(focusedHere),
        'aria-label': `${focusedHere ? 'Show all instead of' : 'Focus the graph on'} ${ch.code} ${ch.function}`,
        title: focusedHere
          ? 'Show the whole graphs again'
          : 'Show only this change’s evidence in the graphs',
      },
    });
    fb.addEventListener('click', () => setFocus(!focusedHere, i));
    btn.addEventListener('keydown', (ev) => {
      // f: focus on this change; Escape: show all again.
      if (ev.key === 'f' || (ev.key === 'Escape' && state.focus)) {
        ev.preventDefault();
        setFocus(ev.key === 'f', i);
        return;
      }
      const next = ev.key === 'ArrowDown' ? i + 1 : ev.key === 'ArrowUp' ? i - 1 : -1;
      if (next >= 0 && next < changes.length) {
        ev.preventDefault();
        selectChange(next);
        (side.querySelector(`button.change[data-index="${next}"]`) as HTMLElement | null)?.focus();
      }
    });
    list.append(el('li', {}, [btn, fb]));
  });
  side.append(list);
}

function selectChange(i: number): void {
  state.selectedChange = i;
  // Focused: the graphs follow the selection, and the Focus buttons with it.
  if (state.focus) {
    update('select');
    return;
  }
  save();
  for (const b of side.querySelectorAll('button.change'))
    b.setAttribute('aria-pressed', String(b.getAttribute('data-index') === String(i)));
  if (derived) buildBanner(derived);
  // Highlighting changes only classes: no new layout unless the graph differs.
  void render();
}

// ---------------------------------------------------------------- rendering

interface Rendered {
  pane: Pane;
  dot: string;
  svgText: string;
  svg: SVGSVGElement;
  items: Map<Element, GraphNode | GraphEdge>;
  byId: Map<string, Element>;
  /** Natural size in CSS pixels, and the scale applied. */
  width: number;
  height: number;
  scale: number;
}
let rendered: Rendered[] = [];
let renderToken = 0;
const svgCache = new Map<string, { svg: SVGSVGElement; text: string }>();
let activePane = 0;

declare global {
  interface Window {
    __llRenders?: { ms: number; nodes: number; edges: number; reason: string; layoutMs: number }[];
  }
}

function legend(kind: Graph['kind'], compare: boolean): HTMLElement {
  const items: [string, string][] =
    kind === 'context'
      ? [
          ['lg-inline', 'inline call'],
          ['lg-release', 'carries release work inline'],
          ['lg-deferred', 'deferred (other context)'],
          ['lg-callback', 'callback'],
          ['lg-final', 'final put'],
          ['lg-sink', 'release work'],
          ['lg-atomic', 'atomic context'],
        ]
      : [
          ['lg-state', 'state (refs held)'],
          ['lg-inline', 'transition (function)'],
        ];
  if (compare)
    items.push(['lg-added', 'added'], ['lg-removed', 'removed'], ['lg-changed', 'changed']);
  return el(
    'ul',
    { class: 'legend', attrs: { 'aria-label': 'Legend' } },
    items.map(([cls, text]) =>
      el('li', {}, [
        el('span', { class: `swatch ${cls}`, attrs: { 'aria-hidden': 'true' } }),
        text,
      ]),
    ),
  );
}

async function render(reason = 'render', t0 = performance.now()): Promise<void> {
  const d = state.payload ? derive(state.payload) : undefined;
  if (!d) return;
  const token = ++renderToken;
  const ps = panes(d);
  const out: Rendered[] = [];
  let layoutMs = 0;
  try {
    for (const pane of ps) {
      // Side-by-side panes are tall and narrow: lay the chains out top to bottom there.
      const rankdir = pane.graph.kind === 'context' && ps.length === 1 ? 'LR' : 'TB';
      const dot = toDot(pane.graph, { idPrefix: `${pane.key}-`, rankdir });
      let r = svgCache.get(dot);
      if (!r) {
        const tl = performance.now();
        r = await renderDot(dot);
        layoutMs += performance.now() - tl;
        svgCache.set(dot, r);
        if (svgCache.size > 24) svgCache.delete(svgCache.keys().next().value as string);
      }
      const svg = r.svg.cloneNode(true) as SVGSVGElement;
      const pt = (v: string | null) =>
        (parseFloat(v ?? '0') || 0) * (v?.endsWith('pt') ? 4 / 3 : 1);
      const width = pt(svg.getAttribute('width'));
      const height = pt(svg.getAttribute('height'));
      svg.removeAttribute('width');
      svg.removeAttribute('height');
      out.push({
        pane,
        dot,
        svgText: r.text,
        svg,
        items: new Map(),
        byId: new Map(),
        width,
        height,
        scale: 1,
      });
    }
  } catch (err) {
    if (token !== renderToken) return;
    graphsEl.replaceChildren(
      el('div', { class: 'empty error', text: `Could not lay out the graph: ${String(err)}` }),
    );
    return;
  }
  if (token !== renderToken) return;
  const compare = state.view === 'compare';
  graphsEl.className = `graphs panes-${out.length}${ps.some((p) => p.focused) ? ' focused' : ''}`;
  graphsEl.replaceChildren(
    ...out.map((r, i) => {
      const svg = r.svg;
      const scroller = el('div', { class: 'scroller', attrs: { 'data-pane': r.pane.key } });
      scroller.append(svg);
      wirePane(r, i);
      const empty = r.pane.graph.nodes.length === 0;
      const section = el(
        'section',
        { class: 'pane', attrs: { 'aria-label': r.pane.label, 'data-pane': r.pane.key } },
        [
          el('header', { class: 'pane-head' }, [
            el('h2', { text: r.pane.label, attrs: { title: r.pane.label } }),
            el('span', {
              class: 'counts',
              text: `${r.pane.graph.nodes.length} nodes · ${r.pane.graph.edges.length} edges`,
            }),
          ]),
          empty
            ? el('div', {
                class: 'empty',
                text: r.pane.focused
                  ? 'No evidence of this change in this revision.'
                  : 'Nothing to show for this filter.',
              })
            : scroller,
        ],
      );
      if (i === 0 || out.length === 1) section.append(legend(r.pane.graph.kind, compare));
      return section;
    }),
  );
  rendered = out;
  applyZoom();
  applyHighlight();
  restoreFocus();
  scrollToEvidence();
  const ms = performance.now() - t0;
  void document.body.offsetHeight;
  const nodes = out.reduce((n, r) => n + r.pane.graph.nodes.length, 0);
  const edges = out.reduce((n, r) => n + r.pane.graph.edges.length, 0);
  (window.__llRenders ??= []).push({ ms, nodes, edges, reason, layoutMs });
  document.body.dataset.renders = String(window.__llRenders.length);
  document.dispatchEvent(new CustomEvent('ll-rendered', { detail: { ms, nodes, edges, reason } }));
}

function describe(item: GraphNode | GraphEdge): string {
  if ('from' in item) {
    const mode = item.kind === 'defer' ? 'deferred' : item.kind;
    return `${mode} edge ${item.from.replace(/^fn:/, '')} to ${item.to.replace(/^fn:/, '')}${item.diff && item.diff !== 'same' ? `, ${item.diff}` : ''}`;
  }
  return [
    item.label,
    ...item.detail,
    item.context ? `in ${item.context}` : '',
    item.diff && item.diff !== 'same' ? item.diff : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function locationOf(item: GraphNode | GraphEdge, paneKey: string): Location | undefined {
  if (paneKey === 'u' && item.diff === 'removed') return item.atBefore;
  return item.at ?? item.atBefore;
}

function wirePane(r: Rendered, paneIndex: number): void {
  const lookup = new Map<string, GraphNode | GraphEdge>();
  for (const n of r.pane.graph.nodes) lookup.set(svgId(`${r.pane.key}-`, n.id), n);
  for (const e of r.pane.graph.edges) lookup.set(svgId(`${r.pane.key}-`, e.id), e);
  r.svg.setAttribute('role', 'group');
  r.svg.setAttribute('aria-label', r.pane.label);
  r.svg.classList.add('graph-svg');
  let first = true;
  for (const g of r.svg.querySelectorAll('g.node, g.edge')) {
    const item = lookup.get(g.id);
    if (!item) continue;
    r.items.set(g, item);
    r.byId.set(item.id, g);
    const isNode = g.classList.contains('node');
    g.setAttribute('tabindex', isNode && first ? '0' : '-1');
    if (isNode) first = false;
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', describe(item));
    g.setAttribute('focusable', 'true');
  }
  r.svg.addEventListener('click', (ev) => {
    const g = (ev.target as Element).closest('g.node, g.edge');
    const item = g && r.items.get(g);
    if (!g || !item) return;
    activePane = paneIndex;
    focusItem(r, g);
    reveal(item, r.pane.key);
  });
  r.svg.addEventListener('keydown', (ev) => onGraphKey(ev, r, paneIndex));
  r.svg.addEventListener('focusin', (ev) => {
    const g = (ev.target as Element).closest('g.node, g.edge');
    const item = g && r.items.get(g);
    if (item) {
      activePane = paneIndex;
      showDetails(item, r.pane.key);
    }
  });
}

function reveal(item: GraphNode | GraphEdge, paneKey: string): void {
  const at = locationOf(item, paneKey);
  if (at) post({ type: 'reveal', file: at.file, line: at.line, column: at.column });
}

function focusItem(r: Rendered, g: Element): void {
  for (const other of r.items.keys()) other.setAttribute('tabindex', '-1');
  g.setAttribute('tabindex', '0');
  (g as SVGGElement).focus();
  const item = r.items.get(g);
  if (item) {
    state.focused = item.id;
    save();
  }
}

function restoreFocus(): void {
  if (!state.focused) return;
  for (const r of rendered) {
    const g = r.byId.get(state.focused);
    if (g) {
      for (const other of r.items.keys()) other.setAttribute('tabindex', '-1');
      g.setAttribute('tabindex', '0');
      const item = r.items.get(g);
      if (item) showDetails(item, r.pane.key);
      return;
    }
  }
}

function centre(g: Element): { x: number; y: number } {
  const b = (g as SVGGraphicsElement).getBBox();
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

function onGraphKey(ev: KeyboardEvent, r: Rendered, paneIndex: number): void {
  const g = (ev.target as Element).closest('g.node, g.edge');
  const item = g && r.items.get(g);
  if (!g || !item) return;
  if (ev.key === 'Enter' || ev.key === ' ') {
    ev.preventDefault();
    reveal(item, r.pane.key);
    return;
  }
  const dirs: Record<string, [number, number]> = {
    ArrowRight: [1, 0],
    ArrowLeft: [-1, 0],
    ArrowDown: [0, 1],
    ArrowUp: [0, -1],
  };
  const dir = dirs[ev.key];
  if (dir) {
    ev.preventDefault();
    const nodes = [...r.items.keys()].filter((x) => x.classList.contains('node'));
    const from = g.classList.contains('node')
      ? g
      : (r.byId.get((item as GraphEdge).from) ?? nodes[0]);
    if (!from) return;
    const c = centre(from);
    let best: Element | undefined;
    let bestScore = Infinity;
    for (const n of nodes) {
      if (n === from) continue;
      const p = centre(n);
      const dx = p.x - c.x;
      const dy = p.y - c.y;
      const along = dx * dir[0] + dy * dir[1];
      if (along <= 1) continue;
      const across = Math.abs(dx * dir[1]) + Math.abs(dy * dir[0]);
      const score = along + 2.5 * across;
      if (score < bestScore) {
        bestScore = score;
        best = n;
      }
    }
    if (best) focusItem(r, best);
    return;
  }
  if (ev.key === ']' || ev.key === '[') {
    // Cycle through the edges touching the focused node.
    ev.preventDefault();
    const nodeId = 'from' in item ? item.from : item.id;
    const edges = [...r.items.entries()].filter(
      ([, it]) => 'from' in it && (it.from === nodeId || it.to === nodeId),
    );
    if (!edges.length) return;
    const idx = edges.findIndex(([e]) => e === g);
    const next =
      edges[(idx + (ev.key === ']' ? 1 : edges.length - 1) + (idx < 0 ? 0 : 0)) % edges.length];
    if (next) focusItem(r, next[0]);
    return;
  }
  if (ev.key === 'Escape' && 'from' in item) {
    ev.preventDefault();
    const n = r.byId.get(item.from);
    if (n) focusItem(r, n);
  }
  void paneIndex;
}

function showDetails(item: GraphNode | GraphEdge, paneKey: string): void {
  details.replaceChildren();
  const at = locationOf(item, paneKey);
  const name = 'from' in item ? `${item.from} → ${item.to}` : item.label;
  details.append(el('strong', { text: name }));
  const facts: string[] = [];
  if ('from' in item)
    facts.push(
      item.kind === 'defer' ? `deferred${item.context ? ` to ${item.context}` : ''}` : item.kind,
    );
  else {
    facts.push(item.kind);
    if (item.context) facts.push(`runs in ${item.context}`);
    facts.push(...item.detail);
    if (item.members?.length) facts.push(`folded: ${item.members.length}`);
  }
  if (item.diff && item.diff !== 'same') facts.push(item.diff);
  details.append(el('span', { class: 'muted', text: facts.join(' · ') }));
  if (at) {
    const btn = custom(
      'vscode-button',
      { secondary: '', id: 'reveal-button' },
      `${at.file}:${at.line}`,
    );
    btn.addEventListener('click', () =>
      post({ type: 'reveal', file: at.file, line: at.line, column: at.column }),
    );
    details.append(btn);
  }
}

function applyHighlight(): void {
  for (const r of rendered) {
    const hl = r.pane.highlight;
    const on = new Set<string>();
    if (hl) {
      for (const id of [...hl.nodes, ...hl.edges]) on.add(r.pane.folded.get(id) ?? id);
    }
    r.svg.classList.toggle('has-highlight', on.size > 0);
    for (const [g, item] of r.items) g.classList.toggle('evidence', on.has(item.id));
  }
}

/** Smallest scale 'fit' uses; below it the pane scrolls. */
const MIN_READABLE_SCALE = 0.85;
/** A focused graph also fits the height, down to 10 px labels (10 pt x 0.75). */
const MIN_FOCUSED_SCALE = 0.75;
const narrow = window.matchMedia('(max-width: 760px)');

function applyZoom(): void {
  for (const r of rendered) {
    const scroller = r.svg.parentElement;
    const avail = scroller ? scroller.clientWidth - 24 : r.width;
    // Fit never shrinks below MIN_READABLE_SCALE: a wider graph scrolls instead of
    // turning into a thumbnail (at 0.85 the 10 pt node labels are still >= 10 px high).
    const byWidth = avail / Math.max(1, r.width);
    // Focused, the few evidence nodes fit the pane whole: in a narrow column the panes
    // stack and the page scrolls, so the pane's height is the window's (less its header).
    const availH = narrow.matches
      ? window.innerHeight - 64
      : (scroller?.clientHeight ?? r.height) - 16;
    const byHeight = availH / Math.max(1, r.height);
    r.scale =
      state.zoom !== 'fit'
        ? state.zoom
        : r.pane.focused
          ? Math.min(1, Math.max(MIN_FOCUSED_SCALE, Math.min(byWidth, byHeight)))
          : Math.min(1, Math.max(MIN_READABLE_SCALE, byWidth));
    r.svg.style.width = `${Math.round(r.width * r.scale)}px`;
    r.svg.style.height = `${Math.round(r.height * r.scale)}px`;
  }
}

function setZoom(z: 'fit' | number): void {
  state.zoom = z;
  save();
  applyZoom();
}

function scrollToEvidence(): void {
  for (const r of rendered) {
    const first = r.svg.querySelector('g.node.evidence');
    if (first) first.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
}

function exportGraph(format: ExportFormat): void {
  const r = rendered[activePane] ?? rendered[0];
  if (!r) return;
  const base = `lifecycle-lens-${r.pane.graph.kind}-${r.pane.label}`
    .replace(/[^\w.-]+/g, '_')
    .slice(0, 90);
  post({
    type: 'export',
    format,
    content: format === 'svg' ? r.svgText : r.dot,
    name: `${base}.${format}`,
  });
}

function update(reason = 'update', t0 = performance.now()): void {
  save();
  if (!state.payload) return;
  const d = derive(state.payload);
  buildToolbar(d);
  buildBanner(d);
  buildChanges(d);
  void render(reason, t0);
}

window.addEventListener('message', (ev: MessageEvent) => {
  const t0 = performance.now();
  const msg = parseHostMessage(ev.data);
  if (!msg) return; // unknown, malformed or oversized: dropped
  const first = !state.payload || msg.type === 'show';
  state.payload = msg.payload;
  if (first && msg.type === 'show') {
    state.view = msg.payload.kind === 'comparison' ? 'compare' : 'context';
    state.selectedChange = 0;
    delete state.focused;
  }
  if (
    msg.payload.kind === 'comparison' &&
    state.selectedChange >= msg.payload.comparison.changes.length
  )
    state.selectedChange = 0;
  update(msg.type, t0);
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (state.zoom === 'fit') applyZoom();
  }, 100);
});

if (state.payload) update('restore');
void vizWarm.then(() => post({ type: 'ready' }));
