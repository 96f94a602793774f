// Direct calls, deferrals (work items, call_rcu) and callback registrations
// (ops structs, notifier blocks, shrinkers, list_lru walks) as one graph.
import { argAt } from '../catalog/catalog';
import type { CallFact, FunctionFacts, RegistrationFact } from '../facts/factTypes';
import type { CallEdge, ContextKind, EntryPoint, Location } from '../model';
import { exprType } from '../types/exprType';
import { contextsAlong } from './contexts';
import { pushTo } from './multimap';
import type { Program } from './program';

export interface GraphEdge {
  from: FunctionFacts;
  to: FunctionFacts;
  /**
   * call: runs inline; defer: runs later in `context`; callback: runs inline but in
   * a nested context (list_lru isolate callbacks run with the LRU lock held).
   */
  kind: 'call' | 'defer' | 'callback' | 'register';
  context?: ContextKind;
  /** Index of the call site in `from` (absent for file-scope registrations). */
  callIndex?: number;
  /** A call through a function pointer, resolved by the field name alone (a guess). */
  indirect?: boolean;
  at: Location;
  label: string;
  /** Indirect calls: through the ops struct type of the expression, or by field name only (a guess). */
  resolvedBy?: 'type' | 'field-name';
}

export interface CallGraph {
  edges: GraphEdge[];
  out: Map<FunctionFacts, GraphEdge[]>;
  entries: {
    fn: FunctionFacts;
    entry: EntryPoint;
    /** registration: found in the analysed files; external: non-static; tree: from the tree's callers. */
    from?: 'registration' | 'external' | 'tree';
    /** The registering call or ops field (registrations). */
    via?: string;
  }[];
}

function loc(at: { file: string; line: number; column: number }): Location {
  return { file: at.file, line: at.line, column: at.column };
}

export function buildCallGraph(program: Program): CallGraph {
  const edges: GraphEdge[] = [];
  const indirect: GraphEdge[] = [];
  const entries: CallGraph['entries'] = [];
  const registrations: RegistrationFact[] = program.files.flatMap((f) => f.registrations);
  const catalog = program.catalog;
  const exported = new Set(program.files.flatMap((f) => f.exported));

  /** Handlers bound to a work item key, with the context the binding gives them. */
  const workHandlers = new Map<string, { reg: RegistrationFact; context: ContextKind }[]>();
  const addEntry = (
    fn: FunctionFacts,
    context: ContextKind,
    reason: string,
    at: Location,
    from: 'registration' | 'external' | 'tree',
    via?: string,
  ) => {
    if (entries.some((e) => e.fn === fn && e.entry.context === context)) return;
    entries.push({
      fn,
      entry: { function: program.idOf(fn), context, reason, at },
      from,
      ...(via !== undefined ? { via } : {}),
    });
  };

  for (const reg of registrations) {
    const file = reg.at.file;
    const handler = program.resolve(reg.handler, file);
    if (!handler) continue;
    let context: ContextKind | undefined;
    const field = reg.via.startsWith('.') ? reg.via.slice(1) : undefined;
    if (reg.context) context = reg.context;
    else if (field) context = catalog.opsField(field, reg.struct)?.context;
    else context = catalog.calls.get(reg.via)?.context ?? catalog.declMacros.get(reg.via)?.context;
    if (!context) continue;
    const where = reg.struct ? ` in struct ${reg.struct}` : '';
    addEntry(
      handler,
      context,
      `${reg.via}${where} at ${file}:${reg.at.line}`,
      loc(reg.at),
      'registration',
      reg.via,
    );
    if (reg.item) {
      const list = workHandlers.get(reg.item) ?? [];
      list.push({ reg, context });
      workHandlers.set(reg.item, list);
    }
    const from = reg.inFunction ? program.resolve(reg.inFunction, file) : undefined;
    const entry = catalog.calls.get(reg.via);
    if (from && entry?.role === 'lru-walk') {
      const callIndex = from.calls.findIndex(
        (c) => c.at.line === reg.at.line && c.callee === reg.via,
      );
      edges.push({
        from,
        to: handler,
        kind: 'callback',
        context,
        ...(callIndex >= 0 ? { callIndex } : {}),
        at: loc(reg.at),
        label: reg.via,
      });
    } else if (from && entry?.role === 'defer') {
      const callIndex = from.calls.findIndex(
        (c) => c.at.line === reg.at.line && c.callee === reg.via,
      );
      edges.push({
        from,
        to: handler,
        kind: 'defer',
        context,
        ...(callIndex >= 0 ? { callIndex } : {}),
        at: loc(reg.at),
        label: reg.via,
      });
    } else if (from) {
      edges.push({ from, to: handler, kind: 'register', context, at: loc(reg.at), label: reg.via });
    }
  }

  // Indirect calls through a struct field reach the functions stored in that field of
  // that struct type; bindings whose struct type is unknown are guesses.
  const byField = new Map<string, { fn: FunctionFacts; struct?: string }[]>();
  for (const f of program.files)
    for (const b of f.fieldBindings) {
      const fn = program.resolve(b.handler, f.file);
      if (!fn) continue;
      let struct = b.struct ? program.env.structName(b.struct) : undefined;
      if (!struct && b.receiver) {
        const where = b.inFunction ? program.resolve(b.inFunction, f.file) : undefined;
        struct = program.env.structName(exprType(program.env, where, b.receiver, b.at.line));
      }
      const list = byField.get(b.field) ?? [];
      if (!list.some((x) => x.fn === fn && x.struct === struct)) list.push({ fn, struct });
      byField.set(b.field, list);
    }
  const indirectTargets = (fn: FunctionFacts, call: CallFact) => {
    const all = byField.get(call.callee.slice(2)) ?? [];
    const type = call.receiver
      ? program.env.structName(exprType(program.env, fn, call.receiver, call.at.line))
      : undefined;
    const out = new Map<FunctionFacts, 'type' | 'field-name'>();
    for (const b of all) {
      if (type && b.struct === type) out.set(b.fn, 'type');
      else if ((!type || !b.struct) && !out.has(b.fn)) out.set(b.fn, 'field-name');
    }
    return out;
  };
  const lists = new SharedLists();
  // A function registered somewhere has a known caller: its registration says more.
  const registered = new Set(entries.map((e) => e.fn));
  for (const fn of program.functions) {
    // What the whole tree says reaches a non-static function replaces the generic
    // guess: the same answer whichever of the tree's files are analysed.
    const tree = fn.isStatic ? undefined : program.external?.reachedIn?.(fn.name, fn.file);
    if (tree)
      for (const r of tree)
        addEntry(
          fn,
          r.context,
          r.kind === 'external'
            ? exported.has(fn.name)
              ? 'exported (EXPORT_SYMBOL)'
              : 'non-static: external callers'
            : `${r.kind === 'call' ? 'called from' : 'registered by'} ${r.via} at ${r.file}:${r.line} (kernel tree)`,
          loc(fn.span),
          'tree',
        );
    else if (!fn.isStatic && !registered.has(fn))
      addEntry(
        fn,
        'process',
        exported.has(fn.name) ? 'exported (EXPORT_SYMBOL)' : 'non-static: external callers',
        loc(fn.span),
        'external',
      );
    const entries = program.entries(fn);
    fn.calls.forEach((call, callIndex) => {
      const entry = entries[callIndex];
      if (entry?.role === 'list-add' || entry?.role === 'list-drain')
        lists.note(fn, call, callIndex, entry.role);
      if (entry?.role === 'defer' && entry.workItem && entry.callbackArg !== undefined) {
        const arg = argAt(call.args, entry.callbackArg);
        const key = arg?.field ?? arg?.root;
        const bound = key ? (workHandlers.get(key) ?? []) : [];
        const sameFile = bound.filter((b) => b.reg.at.file === fn.file);
        for (const b of sameFile.length ? sameFile : bound) {
          const to = program.resolve(b.reg.handler, b.reg.at.file);
          if (to)
            edges.push({
              from: fn,
              to,
              kind: 'defer',
              context: b.context,
              callIndex,
              at: loc(call.at),
              label: call.callee,
            });
        }
        return;
      }
      if (entry?.role === 'ref-final-put' && entry.releaseArg !== undefined) {
        const cb = call.args[entry.releaseArg]?.ident;
        const to = cb ? program.resolve(cb, fn.file) : undefined;
        if (to)
          edges.push({
            from: fn,
            to,
            kind: 'call',
            callIndex,
            at: loc(call.at),
            label: call.callee,
          });
        return;
      }
      if (entry) return;
      if (call.callee.startsWith('->')) {
        for (const [to, resolvedBy] of indirectTargets(fn, call))
          indirect.push({
            from: fn,
            to,
            kind: 'call',
            indirect: true,
            callIndex,
            at: loc(call.at),
            label: `${call.callee}()`,
            resolvedBy,
          });
        return;
      }
      const to = program.callees(fn)[callIndex];
      if (to)
        edges.push({ from: fn, to, kind: 'call', callIndex, at: loc(call.at), label: call.callee });
    });
  }
  // Indirect edges follow the direct ones (the order edges are reported in).
  edges.push(...indirect);
  edges.push(...lists.deferEdges(edges, entries));
  const out = new Map<FunctionFacts, GraphEdge[]>();
  for (const e of edges) pushTo(out, e.from, e);
  return { edges, out, entries };
}

export function toCallEdges(graph: CallGraph, program: Program): CallEdge[] {
  return graph.edges.map((e) => {
    const edge: CallEdge = {
      caller: program.idOf(e.from),
      callee: program.idOf(e.to),
      kind: e.kind,
      at: e.at,
    };
    if (e.context) edge.context = e.context;
    if (e.resolvedBy) edge.resolvedBy = e.resolvedBy;
    return edge;
  });
}

/** Name of a shared list head: the member in `&l->freeme` / `&nn->dispose_list`; locals have none. */
function sharedListKey(arg: { text: string; field?: string } | undefined): string | undefined {
  if (!arg?.field) return undefined;
  const next = /(\w+)\s*(?:\.|->)\s*next\s*$/.exec(arg.text);
  return next ? next[1] : arg.field;
}

/**
 * Handing objects to a shared list that another function drains is deferral:
 * the work runs wherever the drainer runs (a worker, or nfsd threads).
 */
class SharedLists {
  private readonly adders: {
    fn: FunctionFacts;
    key: string;
    callIndex: number;
    at: Location;
    callee: string;
  }[] = [];
  private readonly drainers = new Map<string, FunctionFacts[]>();

  note(fn: FunctionFacts, call: CallFact, callIndex: number, role: 'list-add' | 'list-drain') {
    if (role === 'list-add') {
      const dest = sharedListKey(call.args[1]);
      if (dest)
        this.adders.push({ fn, key: dest, callIndex, at: loc(call.at), callee: call.callee });
      const src = /(\w+)\s*(?:\.|->)\s*next\s*$/.exec(call.args[0]?.text ?? '')?.[1];
      if (src) pushTo(this.drainers, src, fn);
    } else {
      const src = sharedListKey(call.args[0]);
      if (src) pushTo(this.drainers, src, fn);
    }
  }

  /** Defer edges from each adder to the drainers of its list, one per drainer context. */
  deferEdges(edges: GraphEdge[], entries: CallGraph['entries']): GraphEdge[] {
    if (!this.adders.length || !this.drainers.size) return [];
    // Contexts over the inline call edges known so far.
    const callees = new Map<FunctionFacts, FunctionFacts[]>();
    for (const e of edges) if (e.kind === 'call') pushTo(callees, e.from, e.to);
    const ctx = contextsAlong(entries, (fn) => callees.get(fn) ?? []);
    const out: GraphEdge[] = [];
    const seen = new Set<string>();
    for (const a of this.adders) {
      const all = (this.drainers.get(a.key) ?? []).filter((d) => d !== a.fn);
      const sameFile = all.filter((d) => d.file === a.fn.file);
      for (const d of sameFile.length ? sameFile : all)
        for (const c of ctx.get(d) ?? []) {
          const k = `${a.fn.name}|${d.name}|${c}`;
          if (seen.has(k)) continue;
          seen.add(k);
          out.push({
            from: a.fn,
            to: d,
            kind: 'defer',
            context: c,
            callIndex: a.callIndex,
            at: a.at,
            label: `${a.callee} onto ->${a.key}, drained by`,
          });
        }
    }
    return out;
  }
}
