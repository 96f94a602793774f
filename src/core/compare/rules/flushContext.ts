// LL8: flush_delayed_fput() reached from a different context: an entry point
// that now runs it inline (also through helpers), or that hands it to a
// workqueue. flush_delayed_fput() runs every pending final fput of the
// system, so where it runs decides who waits for all of them.
import { ATOMIC_CONTEXTS, type ChainStep, type ContextKind, type ProgramModel } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, location, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'flush-context',
  code: 'LL8',
  severity: 'warning',
  title: 'flush_delayed_fput() runs in a different context',
  explanation:
    'flush_delayed_fput() completes every deferred final fput() in the system, synchronously, in the context ' +
    'that calls it. Calling it inline from a lease break, an fsnotify callback or the shrinker makes that ' +
    'context wait for unrelated closes (and their fsyncs); moving it to a workqueue means the caller no longer ' +
    'knows the files are closed when it returns.',
};

const NO_WAIT: ReadonlySet<ContextKind> = new Set(['shrinker', 'fsnotify', 'notifier']);

interface Reach {
  /** 'inline' or the context a deferral hands it to. */
  where: string;
  chain: ChainStep[];
}

/** Per entry point: where flush_delayed_fput() runs when reached from it, with one chain each. */
export function flushReach(model: ProgramModel): Map<string, Map<string, Reach>> {
  const flushers = new Map<string, ChainStep>();
  for (const f of model.functions) {
    const c = f.calls.find((x) => x.release === 'flush-delayed-fput');
    if (c)
      flushers.set(f.name, { function: f.name, call: c.callee, at: location(c.at), via: 'sink' });
  }
  const out = new Map<string, Map<string, Reach>>();
  if (!flushers.size) return out;
  const edges = new Map<string, ProgramModel['edges']>();
  for (const e of model.edges)
    if (e.kind !== 'register') edges.set(e.caller, [...(edges.get(e.caller) ?? []), e]);
  for (const entry of model.entryPoints) {
    const found = new Map<string, Reach>();
    const seen = new Set<string>();
    const queue: { fn: string; where: string; chain: ChainStep[] }[] = [
      { fn: entry.function, where: 'inline', chain: [] },
    ];
    while (queue.length) {
      const { fn, where, chain } = queue.shift() as (typeof queue)[number];
      if (seen.has(`${fn}|${where}`)) continue;
      seen.add(`${fn}|${where}`);
      const sink = flushers.get(fn);
      if (sink && !found.has(where)) found.set(where, { where, chain: [...chain, sink] });
      for (const e of edges.get(fn) ?? []) {
        const next = e.kind === 'defer' ? (e.context ?? 'workqueue') : where;
        queue.push({
          fn: e.callee,
          where: next,
          chain: [
            ...chain,
            { function: fn, call: e.callee, at: e.at, via: e.kind === 'defer' ? 'defer' : 'call' },
          ],
        });
      }
    }
    if (found.size) out.set(`${entry.function}|${entry.context}`, found);
  }
  return out;
}

const describe = (m: Map<string, Reach> | undefined) =>
  m?.size
    ? [...m.keys()]
        .sort()
        .map((w) => (w === 'inline' ? 'inline' : `deferred (${w})`))
        .join(', ')
    : 'not reached';

export const flushContextRule: Rule = {
  meta,
  check(ctx) {
    const before = new Map<string, Map<string, Reach>>(
      [...flushReach(ctx.before)].map(([k, v]) => {
        const [fn, c] = k.split('|');
        return [`${ctx.normalize(fn)}|${c}`, v] as const;
      }),
    );
    const after = flushReach(ctx.after);
    const afterEntries = new Set(ctx.after.entryPoints.map((e) => `${e.function}|${e.context}`));
    const beforeEntries = new Set(
      ctx.before.entryPoints.map((e) => `${ctx.normalize(e.function)}|${e.context}`),
    );
    const groups = new Map<string, BehaviourChange>();
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      // Entry points that appear or disappear are LL7's.
      if (!afterEntries.has(key) || !beforeEntries.has(key)) continue;
      const [entry, entryContext] = key.split('|') as [string, ContextKind];
      const b = before.get(key);
      const a = after.get(key);
      const from = describe(b);
      const to = describe(a);
      if (from === to) continue;
      const nowInline = !!a?.has('inline') && !b?.has('inline');
      const severity: RuleMeta['severity'] =
        nowInline && (ATOMIC_CONTEXTS.has(entryContext) || NO_WAIT.has(entryContext))
          ? 'error'
          : 'warning';
      const sinkOf = (m?: Map<string, Reach>) => [...(m?.values() ?? [])][0];
      const fn = (sinkOf(a) ?? sinkOf(b))?.chain.at(-1)?.function ?? entry;
      const gk = `${fn}|${entryContext === 'process' ? 'process' : key}|${from}|${to}`;
      const g = groups.get(gk);
      if (g) {
        g.entries?.push(entry);
        continue;
      }
      groups.set(
        gk,
        change(meta, {
          severity,
          title: `flush_delayed_fput() via ${fn}() from ${entryContext} entry ${entry}(): ${from} -> ${to}`,
          function: fn,
          entry,
          entryContext,
          from,
          to,
          release: ['flush-delayed-fput'],
          entries: [entry],
          explanation: meta.explanation,
          ...(sinkOf(b)
            ? { before: evidence(`${entry}(): flush_delayed_fput() ${from}`, sinkOf(b)?.chain) }
            : {}),
          ...(sinkOf(a)
            ? { after: evidence(`${entry}(): flush_delayed_fput() ${to}`, sinkOf(a)?.chain) }
            : {}),
        }),
      );
    }
    return [...groups.values()];
  },
};
