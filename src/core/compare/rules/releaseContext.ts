// LL1: release work (fput, fsync/flush) runs in a different execution context
// for some entry point: deferred to inline, inline to deferred, newly reached or
// no longer reached. The flagship rule: the seed review's
// nfsd_file_close_inode() change is exactly this.
import {
  ATOMIC_CONTEXTS,
  CONTEXT_LABELS,
  type ChainStep,
  type ContextKind,
  type ReleaseKind,
  type ReleasePath,
} from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { inlineReleases } from '../inlineRelease';
import { change, evidence, type Rule, type RuleContext } from './ruleContext';

const meta: RuleMeta = {
  id: 'release-context',
  code: 'LL1',
  severity: 'warning',
  title: 'Release work moved to a different execution context',
  explanation:
    'The final close of an object (fput, and in some versions an fsync or writeback first) now runs in a ' +
    'different context for this entry point. Work that was handed to a workqueue now runs inline in the ' +
    "caller, or the reverse. Inline release from an fsnotify or lease callback runs inside another task's " +
    'VFS operation, possibly with a directory lock held, so a long fsync there delays that task and risks ' +
    'lock inversion; from the shrinker it runs inside memory reclaim. Please say in the cover letter whether ' +
    'the move is deliberate.',
};

/** Contexts that run inside someone else's work: reclaim, another task's VFS call, a lease break. */
const NO_WAIT: ReadonlySet<ContextKind> = new Set(['shrinker', 'fsnotify', 'notifier']);

/** flush_delayed_fput moving between functions is LL6's concern, not a context change. */
const TRACKED: ReadonlySet<ReleaseKind> = new Set(['fput', 'fsync', 'flush', 'close']);

/** fput and close are the same release work seen from two sinks (fput() or a close helper). */
const releaseClass = (r: ReleaseKind): ReleaseKind => (r === 'close' ? 'fput' : r);

interface Placement {
  kinds: ReleaseKind[];
  inline: boolean;
  deferredTo: ContextKind[];
  inlinePath?: ReleasePath;
  deferredPath?: ReleasePath;
  paths: ReleasePath[];
}

function placements(paths: ReleasePath[]): Map<ReleaseKind, Placement> {
  const out = new Map<ReleaseKind, Placement>();
  for (const p of paths) {
    if (!TRACKED.has(p.release)) continue;
    const cls = releaseClass(p.release);
    const cur = out.get(cls) ?? { kinds: [], inline: false, deferredTo: [], paths: [] };
    cur.paths.push(p);
    if (!cur.kinds.includes(p.release)) cur.kinds.push(p.release);
    if (p.mode === 'inline') {
      cur.inline = true;
      cur.inlinePath ??= p;
    } else {
      if (!cur.deferredTo.includes(p.runsIn)) cur.deferredTo.push(p.runsIn);
      cur.deferredPath ??= p;
    }
    out.set(cls, cur);
  }
  return out;
}

function describe(p: Placement | undefined, ctx: ContextKind): string {
  if (!p) return 'not reached';
  if (p.inline) return `inline (${ctx})`;
  return `deferred (${p.deferredTo.sort().join(', ')})`;
}

/** The chain among `paths` sharing the longest prefix with `chain`. */
function closest(
  chain: ChainStep[],
  paths: ReleasePath[],
  normalize: (n: string) => string,
): ChainStep[] | undefined {
  let best: ChainStep[] | undefined;
  let bestLen = -1;
  for (const p of paths) {
    let n = 0;
    while (
      n < chain.length &&
      n < p.chain.length &&
      normalize(chain[n].function) === normalize(p.chain[n].function)
    )
      n++;
    if (n > bestLen) {
      best = p.chain;
      bestLen = n;
    }
  }
  return best;
}

/** The function where two chains part: the last one both pass through, in order. */
export function divergence(
  before: ChainStep[],
  after: ChainStep[],
  normalize: (n: string) => string,
): string | undefined {
  if (!before.length || !after.length) {
    const only = before.length ? before : after;
    return only.length ? normalize(only[only.length - 1].function) : undefined;
  }
  let last: string | undefined;
  for (let i = 0; i < Math.min(before.length, after.length); i++) {
    if (normalize(before[i].function) !== after[i].function) break;
    last = after[i].function;
    if (before[i].call !== after[i].call) break;
  }
  return last;
}

interface Move {
  object: string;
  entries: string[];
  entryContext: ContextKind;
  fn: string;
  releases: ReleaseKind[];
  from: string;
  to: string;
  kind: 'now-inline' | 'now-deferred' | 'gone' | 'deferred-elsewhere';
  beforeChain: ChainStep[];
  afterChain: ChainStep[];
}

export const releaseContextRule: Rule = {
  meta,
  check(ctx: RuleContext): BehaviourChange[] {
    // Per object: a chain for one object type never explains another's change.
    const group = (model: RuleContext['before'], norm: (n: string) => string) => {
      const m = new Map<string, ReleasePath[]>();
      for (const o of model.objects)
        for (const p of o.releasePaths) {
          const k = `${o.type}|${norm(p.entry)}|${p.entryContext}`;
          m.set(k, [...(m.get(k) ?? []), p]);
        }
      return m;
    };
    const before = group(ctx.before, ctx.normalize);
    const after = group(ctx.after, (n) => n);
    const beforeEntries = new Set(
      ctx.before.entryPoints.map((e) => `${ctx.normalize(e.function)}|${e.context}`),
    );
    const afterEntries = new Set(ctx.after.entryPoints.map((e) => `${e.function}|${e.context}`));
    const moves = new Map<string, Move>();
    const renamedBack = new Map(
      ctx.before.functions.map((f) => [ctx.normalize(f.name), f.name] as const),
    );
    const beforeName = (n: string) => renamedBack.get(n) ?? n;
    const inlineMemo = new Map<RuleContext['before'], Set<string>>();
    const inlineAt = (model: RuleContext['before'], norm: (n: string) => string) => {
      let set = inlineMemo.get(model);
      if (!set) {
        set = new Set<string>();
        for (const o of model.objects)
          for (const p of o.releasePaths)
            if (p.mode === 'inline')
              set.add(`${norm(p.entry)}|${p.entryContext}|${releaseClass(p.release)}`);
        inlineMemo.set(model, set);
      }
      return set;
    };
    const objectUsers = new Map(
      ctx.after.objects.map((o) => [o.type, new Set([...o.putters, ...o.getters])]),
    );
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const [object, entry, entryContext] = key.split('|') as [string, string, ContextKind];
      const entryKey = `${entry}|${entryContext}`;
      const pb = placements(before.get(key) ?? []);
      const pa = placements(after.get(key) ?? []);
      // A brand-new entry point is LL7's; here only if it releases outside process context.
      if (!beforeEntries.has(entryKey) && entryContext === 'process') continue;
      // An entry point that no longer exists is LL7's: its release work went with it.
      if (!afterEntries.has(entryKey)) continue;
      for (const r of new Set<ReleaseKind>([...pb.keys(), ...pa.keys()])) {
        const b = pb.get(r);
        const a = pa.get(r);
        let kind: Move['kind'] | undefined;
        if (a?.inline && !b?.inline) kind = 'now-inline';
        else if (b?.inline && !a?.inline) kind = a ? 'now-deferred' : 'gone';
        else if (
          entryContext !== 'process' &&
          a &&
          b &&
          !a.inline &&
          !b.inline &&
          [...a.deferredTo].sort().join() !== [...b.deferredTo].sort().join()
        )
          kind = 'deferred-elsewhere';
        if (!kind) continue;
        // Inline at the entry, whichever object a path was attributed to: a path
        // moving between objects' lists is not a context change.
        if (kind === 'now-inline' && inlineAt(ctx.before, ctx.normalize).has(`${entryKey}|${r}`))
          continue;
        // "Before: not reached" must hold on every path of the before revision too.
        if (
          kind === 'now-inline' &&
          beforeEntries.has(entryKey) &&
          [...inlineReleases(ctx.before, beforeName(entry)).keys()].some(
            (x) => releaseClass(x) === r,
          )
        )
          continue;
        if (kind !== 'now-inline' && inlineAt(ctx.after, (n) => n).has(`${entryKey}|${r}`))
          continue;
        // "No longer inline" must hold on every path, not just the one sampled.
        if (kind === 'now-deferred' || kind === 'gone') {
          // Any object: the analysis attributes a sampled path to objects loosely.
          const still = inlineReleases(ctx.after, entry);
          if ([...still.keys()].some((x) => releaseClass(x) === r)) continue;
        }
        // The evidence is the path that changed: the new (or vanished) one, and
        // the path on the other side that shares most of its way.
        const changed =
          kind === 'deferred-elsewhere'
            ? a?.paths.find((p) => p.mode === 'deferred' && !b?.deferredTo.includes(p.runsIn))
            : undefined;
        let afterChain = (changed ?? (a?.inline ? a.inlinePath : a?.deferredPath))?.chain ?? [];
        let beforeChain = (b?.inline ? b.inlinePath : b?.deferredPath)?.chain ?? [];
        if (changed && b) beforeChain = closest(afterChain, b.paths, ctx.normalize) ?? beforeChain;
        else if (kind !== 'now-inline' && a)
          afterChain = closest(beforeChain, a.paths, ctx.normalize) ?? afterChain;
        const fn = divergence(beforeChain, afterChain, ctx.normalize) ?? entry;
        const from = describe(b, entryContext);
        const to = describe(a, entryContext);
        // Process-context entries reaching the same change are one change with several entries.
        const k = `${object}|${fn}|${entryContext === 'process' ? 'process' : entryKey}|${from}|${to}|${kind}`;
        const kinds = (a ?? b)?.kinds ?? [r];
        const m = moves.get(k);
        if (m) {
          for (const x of kinds) if (!m.releases.includes(x)) m.releases.push(x);
          if (!m.entries.includes(entry)) m.entries.push(entry);
        } else
          moves.set(k, {
            object,
            entries: [entry],
            entryContext,
            fn,
            releases: [...kinds],
            from,
            to,
            kind,
            beforeChain,
            afterChain,
          });
      }
    }
    // One move seen through several objects is one change, about the object
    // whose own functions sit nearest the release work in the chain.
    const nearest = (m: Move) => {
      const users = objectUsers.get(m.object) ?? new Set<string>();
      const chain = m.afterChain.length ? m.afterChain : m.beforeChain;
      let at = -1;
      chain.forEach((x, i) => {
        if (users.has(x.function)) at = i;
      });
      return at;
    };
    const merged = new Map<string, Move>();
    for (const m of moves.values()) {
      const k = `${m.fn}|${m.entryContext === 'process' ? 'process' : `${m.entries[0]}|${m.entryContext}`}|${m.from}|${m.to}|${m.kind}`;
      const cur = merged.get(k);
      if (!cur) merged.set(k, m);
      else {
        const keep = nearest(m) > nearest(cur) ? m : cur;
        const other = keep === m ? cur : m;
        for (const e of other.entries) if (!keep.entries.includes(e)) keep.entries.push(e);
        for (const r of other.releases) if (!keep.releases.includes(r)) keep.releases.push(r);
        merged.set(k, keep);
      }
    }
    return [...merged.values()].map((m) => {
      const releases = m.releases.sort();
      const what = releases.join(', ');
      const heavy = releases.some((r) => r === 'fsync' || r === 'flush');
      const where = CONTEXT_LABELS[m.entryContext];
      const entryText =
        m.entries.length > 3
          ? `${m.entries.slice(0, 3).join('(), ')}() and ${m.entries.length - 3} more`
          : `${m.entries.join('(), ')}()`;
      const title =
        m.kind === 'now-inline'
          ? `${m.fn}() now runs ${what} inline in ${where} (entry ${entryText}); before: ${m.from}`
          : m.kind === 'now-deferred'
            ? `${m.fn}() no longer runs ${what} inline in ${where} (entry ${entryText}); now ${m.to}`
            : m.kind === 'deferred-elsewhere'
              ? `${m.fn}() now hands ${what} for ${where} (entry ${entryText}) to another context: ${m.from} -> ${m.to}`
              : `${what} no longer reached from ${entryText} via ${m.fn}() (was inline in ${where})`;
      // error: heavy work newly inline where it must not wait; warning: it runs somewhere else now.
      const severity: RuleMeta['severity'] =
        m.kind === 'now-inline'
          ? ATOMIC_CONTEXTS.has(m.entryContext) || (heavy && NO_WAIT.has(m.entryContext))
            ? 'error'
            : 'warning'
          : m.kind === 'deferred-elsewhere'
            ? 'warning'
            : 'note';
      return change(meta, {
        severity,
        title,
        function: m.fn,
        entry: m.entries[0],
        entryContext: m.entryContext,
        from: m.from,
        to: m.to,
        release: releases,
        entries: [...m.entries].sort(),
        object: m.object,
        explanation: meta.explanation,
        before: evidence(`${m.entries[0]}(): ${what} ${m.from}`, m.beforeChain),
        after: evidence(`${m.entries[0]}(): ${what} ${m.to}`, m.afterChain),
      });
    });
  },
};
