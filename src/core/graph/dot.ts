// Graphviz DOT for the graph structures. Every string that came from code,
// patches or mail goes through dotString(): quoted, backslashes and quotes
// escaped, control characters removed, '&' turned into an entity (Graphviz
// decodes entities in labels), lengths bounded. Ids are never raw data either:
// svgId() maps them onto [A-Za-z0-9_-] injectively.
import type { EvidenceHighlight, Graph, GraphEdge, GraphNode } from './graphTypes';

const MAX_LABEL = 120;

/**
 * A DOT quoted string whose text shows exactly as given. Labels are cut at
 * MAX_LABEL characters; ids (`max` = Infinity) never are.
 */
export function dotString(text: string, max = MAX_LABEL): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  let t = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  t = t.replace(/&/g, '&amp;').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${t}"`;
}

/**
 * A cluster label as lines of at most `width` characters: split after " — "
 * (the lane's name, then its qualifier such as "atomic"), then at spaces, so the
 * label never runs past the lane's box.
 */
export function wrapLabel(label: string, width = 28): string[] {
  const out: string[] = [];
  for (const part of label.split(' — ')) {
    let line = '';
    for (const word of part.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
  }
  return out.length ? out : [label];
}

/** A DOT id (node name, cluster name, SVG id): escaped like a label, never cut. */
export function dotId(id: string): string {
  return dotString(id, Infinity);
}

/** A multi-line label: each line escaped, joined by DOT's centred line break. */
export function dotLabel(lines: readonly string[]): string {
  return (
    lines
      .map((l) => dotString(l).slice(1, -1))
      .join('\\n')
      .replace(/^/, '"') + '"'
  );
}

/** An id safe as an XML/SVG id and a CSS identifier: injective on strings. */
export function svgId(prefix: string, id: string): string {
  let out = prefix;
  for (const ch of id) {
    out += /[A-Za-z0-9-]/.test(ch) ? ch : `_${(ch.codePointAt(0) ?? 0).toString(16)}_`;
  }
  return out;
}

/** Colours for standalone output (exported DOT/SVG); the webview overrides them with theme colours. */
export const PALETTE = {
  fg: '#1f2328',
  muted: '#6e7781',
  lane: '#f6f8fa',
  laneBorder: '#d0d7de',
  atomic: '#cf222e',
  fn: '#ffffff',
  finalPut: '#fff8c5',
  release: '#ddf4ff',
  context: '#eaeef2',
  inline: '#1f2328',
  deferred: '#0969da',
  added: '#1a7f37',
  removed: '#cf222e',
  changed: '#9a6700',
  evidence: '#8250df',
} as const;

export interface DotOptions {
  /** Prefix for SVG ids (to keep two graphs on one page apart). */
  idPrefix?: string;
  highlight?: EvidenceHighlight;
  rankdir?: 'LR' | 'TB';
}

function classes(
  base: string,
  x: GraphNode | GraphEdge,
  hl: EvidenceHighlight | undefined,
  isNode: boolean,
): string {
  const c = [base, `kind-${x.kind}`];
  if (x.diff) c.push(`diff-${x.diff}`);
  if ('mode' in x) c.push(`mode-${x.mode}`);
  if (x.onReleasePath) c.push('on-release-path');
  if ('releaseInline' in x && x.releaseInline.length) c.push('release-inline');
  if ('atomic' in x && x.atomic) c.push('atomic');
  if (hl) {
    const on = isNode ? hl.nodes.includes(x.id) : hl.edges.includes(x.id);
    c.push(on ? 'evidence' : 'dimmed');
  }
  return c.join(' ');
}

function diffColour(x: GraphNode | GraphEdge): string | undefined {
  if (x.diff === 'added') return PALETTE.added;
  if (x.diff === 'removed') return PALETTE.removed;
  if (x.diff === 'changed') return PALETTE.changed;
  return undefined;
}

function nodeAttrs(n: GraphNode, opts: DotOptions): string {
  const a: string[] = [
    `id=${dotId(svgId(opts.idPrefix ?? '', n.id))}`,
    `class=${dotId(classes('', n, opts.highlight, true).trim())}`,
    `label=${dotLabel([n.label, ...n.detail])}`,
  ];
  switch (n.kind) {
    case 'context':
      a.push('shape=box', 'style="rounded,filled,bold"', `fillcolor="${PALETTE.context}"`);
      break;
    case 'final-put':
      a.push(
        'shape=box',
        'style="filled,bold"',
        `fillcolor="${PALETTE.finalPut}"`,
        'peripheries=2',
      );
      break;
    case 'release':
      a.push('shape=box', 'style="rounded,filled,bold"', `fillcolor="${PALETTE.release}"`);
      break;
    case 'state':
      a.push('shape=box', 'style="rounded,filled"', `fillcolor="${PALETTE.fn}"`);
      break;
    case 'collapsed':
      a.push('shape=box', 'style="dashed,rounded"', `fontcolor="${PALETTE.muted}"`);
      break;
    default:
      a.push('shape=box', 'style="filled"', `fillcolor="${PALETTE.fn}"`);
  }
  const dc = diffColour(n);
  if (dc) a.push(`color="${dc}"`, 'penwidth=2');
  else if (n.atomic && n.kind !== 'function') a.push(`color="${PALETTE.atomic}"`);
  return a.join(', ');
}

function edgeAttrs(e: GraphEdge, opts: DotOptions): string {
  const a: string[] = [
    `id=${dotId(svgId(opts.idPrefix ?? '', e.id))}`,
    `class=${dotId(classes('', e, opts.highlight, false).trim())}`,
  ];
  if (e.label) a.push(`label=${dotString(e.label)}`);
  if (e.kind === 'defer')
    a.push('style=dashed', `color="${PALETTE.deferred}"`, `fontcolor="${PALETTE.deferred}"`);
  else if (e.kind === 'callback') a.push('style=dotted');
  else if (e.kind === 'entry') a.push(`color="${PALETTE.muted}"`);
  if (e.releaseInline.length) a.push('penwidth=2');
  const dc = diffColour(e);
  if (dc) a.push(`color="${dc}"`, `fontcolor="${dc}"`, 'penwidth=2.5');
  if (e.diff === 'changed' && e.before) a.push(`xlabel=${dotString(`was ${e.before.mode}`)}`);
  return a.join(', ');
}

export function toDot(graph: Graph, opts: DotOptions = {}): string {
  const rankdir = opts.rankdir ?? (graph.kind === 'context' ? 'LR' : 'TB');
  const out: string[] = [
    `digraph ${dotString(graph.title)} {`,
    `  graph [rankdir=${rankdir}, bgcolor="transparent", fontname="Helvetica,Arial,sans-serif", fontsize=11, nodesep=0.22, ranksep=0.4, newrank=true, compound=true];`,
    `  node [fontname="Helvetica,Arial,sans-serif", fontsize=10, color="${PALETTE.laneBorder}", fontcolor="${PALETTE.fg}", margin="0.12,0.05", height=0.3, width=1];`,
    `  edge [fontname="Helvetica,Arial,sans-serif", fontsize=9, color="${PALETTE.inline}", arrowsize=0.7];`,
  ];
  const inCluster = new Set<string>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const c of graph.clusters) {
    out.push(`  subgraph ${dotId(`cluster_${c.id}`)} {`);
    out.push(
      `    graph [id=${dotId(svgId(opts.idPrefix ?? '', c.id))}, class=${dotString(`lane${c.atomic ? ' atomic' : ''}`)}, label=${dotLabel(wrapLabel(c.label))}, labeljust=l, style="rounded,filled", fillcolor="${PALETTE.lane}", color="${c.atomic ? PALETTE.atomic : PALETTE.laneBorder}", fontcolor="${c.atomic ? PALETTE.atomic : PALETTE.muted}"];`,
    );
    for (const id of c.nodes) {
      const n = byId.get(id);
      if (!n) continue;
      inCluster.add(id);
      out.push(`    ${dotId(n.id)} [${nodeAttrs(n, opts)}];`);
    }
    out.push('  }');
  }
  for (const n of graph.nodes)
    if (!inCluster.has(n.id)) out.push(`  ${dotId(n.id)} [${nodeAttrs(n, opts)}];`);
  for (const e of graph.edges)
    out.push(`  ${dotId(e.from)} -> ${dotId(e.to)} [${edgeAttrs(e, opts)}];`);
  out.push('}');
  return out.join('\n') + '\n';
}
