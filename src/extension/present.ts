// vscode-free presentation of a ProgramModel for the editor: CodeLens titles,
// hover text, diagnostics, Lifecycle tree nodes. The vscode glue maps these
// plain records onto the API; unit tests check them directly.
import type {
  CallRole,
  ClassifiedCall,
  ContextKind,
  Finding,
  FindingKind,
  FunctionSummary,
  Location,
  ObjectLifecycle,
  ProgramModel,
  ReleaseKind,
  ReleasePath,
} from '../core/model';
import { programNamer } from './programs';

export const SHORT_CONTEXT: Record<ContextKind, string> = {
  process: 'process context',
  workqueue: 'workqueue',
  'delayed-work': 'delayed work',
  shrinker: 'shrinker',
  'lru-isolate': 'LRU isolate callback (atomic)',
  fsnotify: 'fsnotify callback',
  notifier: 'notifier chain',
  'rcu-callback': 'RCU callback (atomic)',
  'rpc-thread': 'RPC service thread',
  'svc-thread': 'RPC service thread function',
  netlink: 'netlink handler',
  kthread: 'kernel thread',
  timer: 'timer callback (atomic)',
  hrtimer: 'hrtimer callback (atomic)',
  tasklet: 'tasklet (atomic)',
  hardirq: 'interrupt handler (atomic)',
  'irq-thread': 'threaded interrupt handler',
};

export const ROLE_LABEL: Partial<Record<CallRole, string>> = {
  'bit-test': 'flag test',
  'ref-get': 'reference get',
  'ref-get-conditional': 'conditional reference get',
  'ref-put': 'reference put',
  'ref-final-put': 'final put (drops the last reference)',
  'ref-init': 'refcount initialisation',
  'hash-insert': 'hash insert',
  'hash-remove': 'hash remove (unhash)',
  'hash-lookup': 'hash lookup',
  'lru-add': 'LRU add',
  'lru-del': 'LRU delete',
  'lru-walk': 'LRU walk',
  'list-add': 'list add',
  'bit-set': 'flag set',
  'bit-clear': 'flag clear',
  'bit-test-and-clear': 'flag test-and-clear',
  'bit-test-and-set': 'flag test-and-set',
  defer: 'deferral to another context',
  register: 'callback registration',
  release: 'release work',
  lock: 'lock',
  unlock: 'unlock',
  annotation: 'annotation',
  free: 'free',
};

const GETS: ReadonlySet<CallRole> = new Set(['ref-get', 'ref-get-conditional']);
const PUTS: ReadonlySet<CallRole> = new Set(['ref-put', 'ref-final-put']);
const PAIRS: Partial<Record<CallRole, ReadonlySet<CallRole>>> = {
  'ref-get': PUTS,
  'ref-get-conditional': PUTS,
  'ref-put': GETS,
  'ref-final-put': GETS,
  'hash-insert': new Set(['hash-remove']),
  'hash-remove': new Set(['hash-insert']),
  'lru-add': new Set(['lru-del']),
  'lru-del': new Set(['lru-add']),
  lock: new Set(['unlock']),
  unlock: new Set(['lock']),
  'bit-set': new Set(['bit-clear', 'bit-test-and-clear']),
  'bit-clear': new Set(['bit-set', 'bit-test-and-set']),
  'bit-test-and-set': new Set(['bit-clear', 'bit-test-and-clear']),
  'bit-test-and-clear': new Set(['bit-set', 'bit-test-and-set']),
};

/** Index of a model for quick per-file and per-function lookups. */
export class ModelView {
  readonly byFile = new Map<string, FunctionSummary[]>();
  readonly byName = new Map<string, FunctionSummary[]>();
  constructor(readonly model: ProgramModel) {
    for (const f of model.functions) {
      push(this.byFile, f.file, f);
      push(this.byName, f.name, f);
    }
  }
  functionsIn(file: string): FunctionSummary[] {
    return this.byFile.get(file) ?? [];
  }
  /** Innermost function of `file` containing the 1-based `line`. */
  functionAt(file: string, line: number): FunctionSummary | undefined {
    return this.functionsIn(file).find((f) => f.span.line <= line && line <= f.span.endLine);
  }
  /** Classified call at a 1-based line/column (column inside the callee's span). */
  callAt(
    file: string,
    line: number,
    column: number,
  ): { fn: FunctionSummary; call: ClassifiedCall } | undefined {
    const fn = this.functionAt(file, line);
    if (!fn) return undefined;
    const call = fn.calls.find(
      (c) => c.at.line === line && column >= c.at.column && column <= c.at.column + c.callee.length,
    );
    return call ? { fn, call } : undefined;
  }
  /** Release paths whose chain passes through `fn` (by name). */
  pathsThrough(fn: string): ReleasePath[] {
    const out: ReleasePath[] = [];
    for (const o of this.model.objects)
      for (const p of o.releasePaths) if (p.chain.some((s) => s.function === fn)) out.push(p);
    return out;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

const RELEASE_ORDER: ReleaseKind[] = ['fsync', 'flush', 'fput', 'flush-delayed-fput', 'close'];
const sortReleases = (r: Iterable<ReleaseKind>) =>
  [...new Set(r)].sort((a, b) => RELEASE_ORDER.indexOf(a) - RELEASE_ORDER.indexOf(b));

/** "fsnotify callback (inline), workqueue (deferred)" for a set of release paths. */
export function whereReleaseRuns(
  paths: ReleasePath[],
): { releases: ReleaseKind[]; where: string }[] {
  // context+mode -> releases; then group contexts with identical release sets.
  const byCtx = new Map<string, Set<ReleaseKind>>();
  for (const p of paths) {
    const k = `${p.runsIn}|${p.mode}`;
    const s = byCtx.get(k) ?? new Set<ReleaseKind>();
    s.add(p.release);
    byCtx.set(k, s);
  }
  const groups = new Map<string, { releases: ReleaseKind[]; where: string[] }>();
  const ctxOrder = (k: string) => {
    const [c, m] = k.split('|');
    return (
      (m === 'inline' ? 0 : 100) +
      [
        'fsnotify',
        'notifier',
        'process',
        'workqueue',
        'delayed-work',
        'shrinker',
        'lru-isolate',
        'rcu-callback',
        'rpc-thread',
        'svc-thread',
        'netlink',
        'kthread',
        'timer',
        'hrtimer',
        'tasklet',
        'hardirq',
        'irq-thread',
      ].indexOf(c)
    );
  };
  for (const k of [...byCtx.keys()].sort((a, b) => ctxOrder(a) - ctxOrder(b))) {
    const releases = sortReleases(byCtx.get(k) as Set<ReleaseKind>);
    const key = releases.join(',');
    const [ctx, mode] = k.split('|') as [ContextKind, string];
    const g = groups.get(key) ?? { releases, where: [] };
    g.where.push(`${SHORT_CONTEXT[ctx]} (${mode})`);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ releases: g.releases, where: g.where.join(', ') }));
}

export interface LensSpec {
  /** 1-based line of the function start. */
  line: number;
  title: string;
  tooltip?: string;
}

/** CodeLens titles for one function: references, then where final-close work runs. */
export function functionLenses(view: ModelView, fn: FunctionSummary): LensSpec[] {
  const lenses: LensSpec[] = [];
  const counts = new Map<string, number>();
  for (const c of fn.calls) {
    if (!GETS.has(c.role) && !PUTS.has(c.role)) continue;
    const kind =
      c.role === 'ref-get-conditional'
        ? 'get?'
        : GETS.has(c.role)
          ? 'get'
          : c.role === 'ref-final-put'
            ? 'final put'
            : 'put';
    const k = `${kind} ${c.objectType ?? '?'}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
  if (fn.mayFinalPut) parts.push('may do final put');
  if (fn.wrapper)
    parts.push(
      `wrapper: ${fn.wrapper}${fn.wrapperParam !== undefined ? ` (arg ${fn.wrapperParam + 1})` : ''}`,
    );
  if (fn.returnsRef) parts.push('returns a reference');
  if (parts.length) {
    const full = `refs: ${parts.join(' · ')}`;
    lenses.push({ line: fn.span.line, title: shorten(full, TITLE_MAX), tooltip: full });
  }

  const paths = view.pathsThrough(fn.name).filter((p) => p.viaFinalPut);
  if (paths.length) {
    for (const g of whereReleaseRuns(paths))
      lenses.push({
        line: fn.span.line,
        title: shorten(`final close runs ${g.releases.join(', ')} in: ${g.where}`, TITLE_MAX),
        tooltip:
          `Final close runs ${g.releases.join(', ')} in: ${g.where}\n` +
          `Entry points: ${[...new Set(paths.map((p) => p.entry))].join(', ')}`,
      });
  } else if (fn.releaseInline.length || fn.releaseDeferred.length) {
    const bits: string[] = [];
    if (fn.releaseInline.length) bits.push(`inline ${sortReleases(fn.releaseInline).join(', ')}`);
    if (fn.releaseDeferred.length)
      bits.push(`deferred ${sortReleases(fn.releaseDeferred).join(', ')}`);
    const ctx = fn.contexts.length
      ? ` · runs in: ${fn.contexts.map((c) => SHORT_CONTEXT[c]).join(', ')}`
      : '';
    const full = `release work: ${bits.join('; ')}${ctx}`;
    lenses.push({ line: fn.span.line, title: shorten(full, TITLE_MAX), tooltip: full });
  }
  return lenses;
}

/**
 * Text cut to `max` characters at a word boundary, with an ellipsis: labels,
 * CodeLens titles and decorations stay on one readable line; the full text goes
 * in the tooltip or hover next to them.
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:·—-]+$/, '') + '…';
}

/** Longest CodeLens title, side-bar label and inline decoration (characters). */
export const TITLE_MAX = 60;

const loc = (l: Location) => `${basename(l.file)}:${l.line}`;
export function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Markdown hover for a classified call. */
export function callHover(view: ModelView, fn: FunctionSummary, call: ClassifiedCall): string {
  const lines: string[] = [];
  const obj = call.objectType ? ` on \`struct ${call.objectType}\`` : '';
  lines.push(
    `**Lifecycle Lens** · \`${call.callee}()\`: ${ROLE_LABEL[call.role] ?? call.role}${obj}`,
  );
  const src = call.source === 'catalog' ? 'kernel primitive (catalog)' : call.source;
  lines.push('', `- classified as: \`${call.role}\` · source: ${src}`);
  if (call.release) lines.push(`- release work: \`${call.release}\``);
  if (call.locksHeld.length || call.atomic)
    lines.push(
      `- locks held here: ${call.locksHeld.length ? call.locksHeld.map((l) => `\`${l}\``).join(', ') : 'none'}${call.atomic ? ' · **atomic region** (no sleeping)' : ''}`,
    );
  const want = PAIRS[call.role];
  if (want) {
    const partners = fn.calls
      .filter(
        (c) =>
          c !== call &&
          want.has(c.role) &&
          (!call.objectType || !c.objectType || c.objectType === call.objectType),
      )
      .map((c) => `\`${c.callee}()\` (line ${c.at.line})`);
    // A put also pairs with calls to functions that return a new reference (lookups).
    if (PUTS.has(call.role))
      for (const e of view.model.edges)
        if (e.caller === fn.name && e.kind === 'call' && view.byName.get(e.callee)?.[0]?.returnsRef)
          partners.push(`\`${e.callee}()\` (line ${e.at.line}, returns a reference)`);
    lines.push(
      partners.length
        ? `- pairs with: ${[...new Set(partners)].join(', ')}`
        : `- pairs with: nothing in \`${fn.name}()\` (the partner is in a caller or another function)`,
    );
  }
  const ctx = fn.contexts.length
    ? fn.contexts.map((c) => SHORT_CONTEXT[c]).join(', ')
    : 'none found';
  lines.push(`- contexts reaching \`${fn.name}()\`: ${ctx}`);
  const entries = view.model.entryPoints.filter((e) => e.function === fn.name);
  for (const e of entries) lines.push(`  - entry point: ${SHORT_CONTEXT[e.context]} (${e.reason})`);
  if (PUTS.has(call.role) || call.role === 'release') {
    const paths = view.pathsThrough(fn.name).filter((p) => p.viaFinalPut);
    for (const g of whereReleaseRuns(paths))
      lines.push(`- final close runs ${g.releases.join(', ')} in: ${g.where}`);
  }
  return lines.join('\n');
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type SeveritySetting = Severity | 'default' | 'off';

export interface DiagnosticSpec {
  file: string;
  line: number;
  column: number;
  message: string;
  severity: Severity;
  code: string;
  related: { message: string; at: Location }[];
}

const FINDING_SEVERITY: Record<Finding['severity'], Severity> = {
  error: 'error',
  warning: 'warning',
  info: 'information',
};

export function findingDiagnostics(
  findings: Finding[],
  opts: {
    kinds?: readonly FindingKind[];
    severity?: Partial<Record<FindingKind, SeveritySetting>>;
  } = {},
): DiagnosticSpec[] {
  const out: DiagnosticSpec[] = [];
  for (const f of findings) {
    if (opts.kinds && !opts.kinds.includes(f.kind)) continue;
    const s = opts.severity?.[f.kind] ?? 'default';
    if (s === 'off') continue;
    out.push({
      file: f.at.file,
      line: f.at.line,
      column: f.at.column,
      message: f.message,
      severity: s === 'default' ? FINDING_SEVERITY[f.severity] : s,
      code: f.kind,
      related: f.related,
    });
  }
  return out;
}

/** Info diagnostics for files that were skipped or parsed with errors. */
export function fileNotes(model: Pick<ProgramModel, 'files'>): DiagnosticSpec[] {
  const out: DiagnosticSpec[] = [];
  for (const r of model.files) {
    if (r.skipped)
      out.push({
        file: r.file,
        line: 1,
        column: 1,
        message: `Lifecycle Lens skipped this file: ${r.skipped}.`,
        severity: 'information',
        code: 'skipped',
        related: [],
      });
    else if (r.problems?.length)
      out.push({
        file: r.file,
        line: 1,
        column: 1,
        message: `Lifecycle Lens analysed this file partially: ${r.problems.slice(0, 3).join('; ')}${r.problems.length > 3 ? '; …' : ''}${r.functionsWithErrors ? ` (${r.functionsWithErrors} of ${r.functions} functions have syntax errors)` : ''}.`,
        severity: 'information',
        code: 'parse-errors',
        related: [],
      });
    else if (r.functionsWithErrors)
      out.push({
        file: r.file,
        line: 1,
        column: 1,
        message: `Lifecycle Lens: ${r.functionsWithErrors} of ${r.functions} functions have syntax errors and were analysed partially (${r.errorFunctions.slice(0, 5).join(', ')}${r.errorFunctions.length > 5 ? ', …' : ''}).`,
        severity: 'information',
        code: 'parse-errors',
        related: [],
      });
  }
  return out;
}

export interface TreeNodeSpec {
  label: string;
  description?: string;
  tooltip?: string;
  at?: Location;
  icon?: string;
  children?: TreeNodeSpec[];
  /** Initially expanded. */
  expanded?: boolean;
  contextValue?: string;
}

/** Lifecycle view: object types -> final-put sites, holders, contexts reaching the final close. */
export function lifecycleTree(model: ProgramModel): TreeNodeSpec[] {
  // Two kernel trees in one folder: the same struct appears once per tree, so say which.
  const tree = programNamer(model.files.map((f) => f.file));
  return model.objects.map((o) => {
    const file = objectFile(o);
    return objectNode(o, tree && file !== undefined ? tree(file) : undefined);
  });
}

/** A file the object's lifecycle was seen in (its sites, holders, transitions or paths). */
function objectFile(o: ObjectLifecycle): string | undefined {
  return (
    o.finalPutSites[0]?.at.file ??
    o.holders[0]?.at.file ??
    o.transitions[0]?.at.file ??
    o.releasePaths[0]?.chain[0]?.at.file
  );
}

function objectNode(o: ObjectLifecycle, tree?: string): TreeNodeSpec {
  const groups: TreeNodeSpec[] = [];
  groups.push({
    label: 'Final-put sites',
    description: String(o.finalPutSites.length),
    icon: 'debug-breakpoint-function',
    expanded: true,
    children: o.finalPutSites.map((s) => ({
      label: `${s.function}()`,
      description: `${s.call}() · ${loc(s.at)}`,
      at: s.at,
      icon: 'symbol-method',
      contextValue: 'location',
    })),
  });
  groups.push({
    label: 'Holders',
    description: String(o.holders.length),
    icon: 'references',
    children: o.holders.map((h) => ({
      label: h.holder,
      description: `${h.function}() · ${loc(h.at)}`,
      tooltip: h.reason,
      at: h.at,
      icon: 'key',
      contextValue: 'location',
    })),
  });
  const byCtx = new Map<string, ReleasePath[]>();
  for (const p of o.releasePaths) push(byCtx, `${p.runsIn}|${p.mode}|${p.entryContext}`, p);
  const ctxNodes: TreeNodeSpec[] = [];
  for (const [k, paths] of [...byCtx].sort(([a], [b]) => a.localeCompare(b))) {
    const [runsIn, mode, entryCtx] = k.split('|') as [ContextKind, string, ContextKind];
    const releases = sortReleases(paths.map((p) => p.release));
    const from = entryCtx !== runsIn ? ` (from ${SHORT_CONTEXT[entryCtx]})` : '';
    ctxNodes.push({
      label: `${SHORT_CONTEXT[runsIn]} · ${mode}${from}`,
      description: releases.join(', '),
      icon: mode === 'inline' ? 'arrow-right' : 'debug-step-over',
      children: paths.map((p) => {
        const sink = p.chain[p.chain.length - 1];
        return {
          label: `${p.entry}() → ${p.sink}()`,
          description: `${p.release}${p.viaFinalPut ? ' · via final put' : ''}`,
          tooltip: p.chain.map((s) => `${s.function}() → ${s.call}() [${loc(s.at)}]`).join('\n'),
          at: sink?.at,
          icon: 'call-outgoing',
          contextValue: 'location',
          children: p.chain.map((s) => ({
            label: `${s.function}() → ${s.call}()`,
            description: `${s.via} · ${loc(s.at)}`,
            at: s.at,
            icon: 'debug-stackframe',
            contextValue: 'location',
          })),
        };
      }),
    });
  }
  groups.push({
    label: 'Contexts reaching the final close',
    description: String(ctxNodes.length),
    icon: 'run-all',
    expanded: true,
    children: ctxNodes,
  });
  const node: TreeNodeSpec = {
    label: tree ? `${o.type} (${tree})` : o.type,
    description: `${o.refKind} ${o.refField} · ${o.finalPutSites.length} final-put site${o.finalPutSites.length === 1 ? '' : 's'}`,
    icon: 'symbol-class',
    expanded: true,
    children: groups,
    contextValue: 'object',
  };
  if (tree) node.tooltip = `struct ${o.type} in ${tree}`;
  return node;
}

/** One status-bar-sized summary of skipped files. */
export function skippedSummary(model: ProgramModel): { count: number; text: string } {
  const skipped = model.files.filter((f) => f.skipped);
  return {
    count: skipped.length,
    text: skipped.map((f) => `${basename(f.file)}: ${f.skipped}`).join('\n'),
  };
}

/**
 * Contexts that run inside somebody else's operation (another task's VFS call,
 * a lease break, memory reclaim): sleeping there is legal but stalls that
 * operation. Atomic contexts are not here: sleeping there is a sleep-in-atomic error.
 */
export const BORROWED_CONTEXTS: ReadonlySet<ContextKind> = new Set([
  'fsnotify',
  'notifier',
  'shrinker',
]);

/** Release work that may sleep for long (I/O, waiting for writeback); fput itself defers. */
export const SLEEPING_RELEASE: ReadonlySet<ReleaseKind> = new Set([
  'fsync',
  'flush',
  'close',
  'flush-delayed-fput',
]);

/**
 * One information diagnostic per (object, entry) whose final close runs sleeping
 * release work inline in a borrowed context, at the entry's first call on the
 * chain; the chain of the first such path is the related information.
 */
export function inlineReleaseDiagnostics(
  objects: readonly Pick<ObjectLifecycle, 'type' | 'releasePaths'>[],
): DiagnosticSpec[] {
  const out: DiagnosticSpec[] = [];
  for (const o of objects) {
    const groups = new Map<string, ReleasePath[]>();
    for (const p of o.releasePaths) {
      if (p.mode !== 'inline' || !p.chain.length) continue;
      if (!BORROWED_CONTEXTS.has(p.entryContext) || !SLEEPING_RELEASE.has(p.release)) continue;
      const k = `${p.entryContext}|${p.entry}`;
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    for (const paths of groups.values()) {
      const first = paths[0];
      const kinds = [...new Set(paths.map((p) => p.release))];
      const at = first.chain[0].at;
      out.push({
        file: at.file,
        line: at.line,
        column: at.column,
        message:
          `${first.entry}() runs in ${SHORT_CONTEXT[first.entryContext]} context and does ` +
          `${kinds.join(', ')} of struct ${o.type} inline${first.viaFinalPut ? ' (via the final put)' : ''}: ` +
          `sleeping release work stalls the operation it borrowed; consider deferring it.`,
        severity: 'information',
        code: 'inline-release-in-callback',
        related: first.chain.map((s) => ({
          message:
            s.via === 'sink'
              ? `${s.function}() does ${s.call}()`
              : `${s.function}() calls ${s.call}()`,
          at: s.at,
        })),
      });
    }
  }
  return out;
}
