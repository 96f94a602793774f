// LL13: LRU redesigns, read from each revision's LRU design (analysis/lruDesign.ts):
// the LRU takes its own reference at insertion instead of being handed the last
// one (or back); an isolate callback starts or stops taking entries others still
// hold (or tests other flags first): an in-use entry taken off and disposed is a
// use-after-free; a walk's collected entries released inline by the walker
// instead of queued (or back). Whether the LRU holds a reference at all is LL2's;
// a callback that disposes with no count test at all is LL11's.
import {
  ATOMIC_CONTEXTS,
  type ChainStep,
  type ContextKind,
  type LruDesign,
  type LruIsolation,
  type LruIsolator,
  type ObjectLifecycle,
  type ProgramModel,
} from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, type Rule, type RuleContext } from './ruleContext';
import { uncountedTeardowns } from './unsafeFree';

const meta: RuleMeta = {
  id: 'lru-redesign',
  code: 'LL13',
  severity: 'warning',
  title: 'LRU redesigned',
  explanation:
    "The LRU's part in the object's lifetime changed: how the LRU comes to hold its reference, which entries " +
    'the isolate callback may take off the list (only those whose last reference is the LRU, or also entries ' +
    'others still use), or whether the entries a walk collects are released by the walker itself or queued to ' +
    'another context. An entry taken off and disposed while others hold it is a use-after-free; a release moved ' +
    'inline into the shrinker runs fsync and fput inside memory reclaim.',
};

const REFERENCE_TEXT = {
  'get-at-insert': 'the LRU takes its own reference when an entry is inserted',
  'last-reference-handed-over': 'the last put hands its reference to the LRU',
} as const;

/** Contexts where sleeping or heavy release work inline is an error (issue 12). */
const SENSITIVE = new Set<ContextKind>([...ATOMIC_CONTEXTS, 'shrinker', 'fsnotify', 'notifier']);

const ENTRIES_TEXT: Record<LruIsolation['entries'], string> = {
  'last-reference': 'entries whose last reference is the LRU',
  'in-use': 'entries others still hold',
  'count-read': 'entries after a count or state test',
  any: 'entries regardless of their count',
};

const mayBeInUse = (i: LruIsolation) => i.entries === 'in-use' || i.entries === 'any';

/** Which entries the isolate steps take and what becomes of them, then the flag tests they run after. */
function policy(list: LruIsolation[]): string {
  const parts = [
    ...new Set(
      list.map(
        (i) =>
          `${ENTRIES_TEXT[i.entries]} ${i.fate === 'disposed' ? 'disposed' : 'only taken off'}`,
      ),
    ),
  ].sort();
  const flags = [...new Set(list.flatMap((i) => i.flags))].sort();
  return (parts.join('; ') || 'takes nothing off') + (flags.length ? ` [${flags.join(', ')}]` : '');
}

function isolateChain(
  model: ProgramModel,
  fn: string,
  i: LruIsolation,
  walkers: string[],
): ChainStep[] {
  const chain: ChainStep[] = [];
  const walks = model.edges.filter((e) => e.kind === 'callback' && walkers.includes(e.caller));
  // A walk passing this function itself, else one whose callback calls it.
  const walk = walks.find((e) => e.callee === fn) ?? walks[0];
  if (walk) chain.push({ function: walk.caller, call: walk.callee, at: walk.at, via: 'callback' });
  if (walk && walk.callee !== fn) {
    const call = model.edges.find(
      (e) => e.kind === 'call' && e.caller === walk.callee && e.callee === fn,
    );
    if (call) chain.push({ function: walk.callee, call: fn, at: call.at, via: 'call' });
  }
  chain.push({ function: fn, call: i.call, at: i.at, via: i.disposedBy ? 'call' : 'sink' });
  if (i.disposedBy)
    chain.push({ function: fn, call: i.disposedBy.call, at: i.disposedBy.at, via: 'sink' });
  return chain;
}

function referenceSummary(r: NonNullable<LruDesign['reference']>): string {
  const add = r.chain.at(-1);
  const site = r.chain[0];
  return r.get
    ? `${add?.function}() takes a reference with ${r.get.call}() next to ${add?.call}()`
    : `${site?.function}() inserts with ${site?.call}() only when it holds the last reference`;
}

function referenceChange(o: ObjectLifecycle, b: LruDesign, a: LruDesign): BehaviourChange[] {
  const rb = b.reference;
  const ra = a.reference;
  if (!rb || !ra || rb.how === ra.how) return [];
  const fn = ra.chain.at(-1)?.function ?? o.type;
  return [
    change(meta, {
      title: `struct ${o.type}: ${REFERENCE_TEXT[ra.how]} (was: ${REFERENCE_TEXT[rb.how]})`,
      function: fn,
      object: o.type,
      from: REFERENCE_TEXT[rb.how],
      to: REFERENCE_TEXT[ra.how],
      explanation: meta.explanation,
      before: evidence(referenceSummary(rb), rb.chain),
      after: evidence(referenceSummary(ra), ra.chain),
    }),
  ];
}

/** What changed when the in-use question did not: the count test, the fate or the flag tests. */
function describeOther(b: LruIsolation[], a: LruIsolation[]): string {
  const set = (l: LruIsolation[], f: (i: LruIsolation) => string) =>
    [...new Set(l.map(f))].sort().join();
  if (set(b, (i) => i.entries) !== set(a, (i) => i.entries))
    return 'takes entries off the LRU under another count test';
  if (set(b, (i) => i.fate) !== set(a, (i) => i.fate))
    return a.some((i) => i.fate === 'disposed')
      ? 'now disposes of entries it takes off the LRU'
      : 'no longer disposes of the entries it takes off the LRU';
  return 'takes entries off the LRU after other flag tests';
}

/** Isolators by function, `#if`/`#else` alternatives of one function as one. */
function byFunction(list: LruIsolator[], name: (n: string) => string): Map<string, LruIsolator> {
  const out = new Map<string, LruIsolator>();
  for (const x of list) {
    const k = name(x.function);
    const seen = out.get(k);
    out.set(
      k,
      seen
        ? {
            function: k,
            walkers: [...new Set([...seen.walkers, ...x.walkers])].sort(),
            isolations: [...seen.isolations, ...x.isolations],
          }
        : { ...x, function: k },
    );
  }
  return out;
}

function isolatorChanges(
  ctx: RuleContext,
  o: ObjectLifecycle,
  b: LruDesign,
  a: LruDesign,
): BehaviourChange[] {
  const out: BehaviourChange[] = [];
  const before = byFunction(b.isolators, ctx.normalize);
  // A callback that disposes with no count test at all is LL11's (both directions).
  const ll11 = new Set([
    ...[...uncountedTeardowns(ctx.before.functions, o).keys()].map(ctx.normalize),
    ...uncountedTeardowns(ctx.after.functions, o).keys(),
  ]);
  for (const ia of byFunction(a.isolators, (n) => n).values()) {
    const ib = before.get(ia.function);
    if (!ib || ll11.has(ia.function)) continue;
    const from = policy(ib.isolations);
    const to = policy(ia.isolations);
    if (from === to) continue;
    const key = (i: LruIsolation) => `${i.entries}|${i.fate}`;
    const had = new Set(ib.isolations.map(key));
    const newlyDisposedInUse = ia.isolations.find(
      (i) => mayBeInUse(i) && i.fate === 'disposed' && !had.has(key(i)),
    );
    const inUseBefore = ib.isolations.some(mayBeInUse);
    const inUseAfter = ia.isolations.some(mayBeInUse);
    const what = newlyDisposedInUse
      ? 'now takes entries others still hold off the LRU and disposes of them (use-after-free risk)'
      : inUseAfter && !inUseBefore
        ? 'now takes entries others still hold off the LRU'
        : inUseBefore && !inUseAfter
          ? 'no longer takes entries others still hold off the LRU'
          : describeOther(ib.isolations, ia.isolations);
    const pick = (list: LruIsolation[]) =>
      list.find((i) => mayBeInUse(i) && i.fate === 'disposed') ?? list.find(mayBeInUse) ?? list[0];
    const eb = pick(ib.isolations);
    const ea = newlyDisposedInUse ?? pick(ia.isolations);
    out.push(
      change(meta, {
        severity: newlyDisposedInUse ? 'error' : 'warning',
        title: `struct ${o.type}: ${ia.function}() ${what}`,
        function: ia.function,
        object: o.type,
        from,
        to,
        entries: ia.walkers,
        explanation: meta.explanation,
        before: evidence(
          `${ib.function}(): ${from}`,
          eb ? isolateChain(ctx.before, ib.function, eb, ib.walkers) : [],
        ),
        after: evidence(
          `${ia.function}(): ${to}`,
          ea ? isolateChain(ctx.after, ia.function, ea, ia.walkers) : [],
        ),
      }),
    );
  }
  return out;
}

/** The object's release path through the walker, else the walk step alone. */
function collectorChain(
  o: ObjectLifecycle,
  c: LruDesign['collectors'][number],
  mode: 'inline' | 'deferred',
): ChainStep[] {
  const path =
    o.releasePaths.find((p) => p.mode === mode && p.chain.some((s) => s.function === c.walker)) ??
    o.releasePaths.find((p) => p.chain.some((s) => s.function === c.walker));
  if (path) {
    const k = path.chain.findIndex((s) => s.function === c.walker);
    return path.chain.slice(k);
  }
  return [{ function: c.walker, call: c.walk, at: c.at, via: 'callback' }];
}

function collectorChanges(
  ctx: RuleContext,
  o: [ObjectLifecycle, ObjectLifecycle],
  b: LruDesign,
  a: LruDesign,
): BehaviourChange[] {
  const out: BehaviourChange[] = [];
  const before = new Map(b.collectors.map((c) => [ctx.normalize(c.walker), c]));
  const contextsOf = (model: ProgramModel, fn: string) =>
    model.functions.find((f) => f.name === fn)?.contexts ?? [];
  const seen = new Set<string>();
  for (const ca of a.collectors) {
    const cb = before.get(ca.walker);
    if (!cb || seen.has(ca.walker)) continue;
    // Every definition of the walker (#if/#else alternatives) on each side.
    const modes = (list: LruDesign['collectors'], n: (x: string) => string) =>
      [...new Set(list.filter((c) => n(c.walker) === ca.walker).map((c) => c.disposal))]
        .sort()
        .join();
    if (modes(b.collectors, ctx.normalize) === modes(a.collectors, (x) => x)) continue;
    seen.add(ca.walker);
    const text = (d: typeof ca) =>
      d.disposal === 'synchronous'
        ? `released by ${d.walker}() itself (${d.release.join(', ')} inline)`
        : `queued (${d.release.join(', ')} deferred)`;
    const sensitive = contextsOf(ctx.after, ca.walker).filter((k) => SENSITIVE.has(k));
    const error = ca.disposal === 'synchronous' && sensitive.length > 0;
    out.push(
      change(meta, {
        severity: error ? 'error' : 'warning',
        title:
          `struct ${o[1].type}: entries the ${ca.walk}() walk in ${ca.walker}() collects are now ` +
          `${text(ca)}${error ? ` in ${sensitive.join(', ')} context` : ''} (was: ${text(cb)})`,
        function: ca.walker,
        object: o[1].type,
        from: cb.disposal,
        to: ca.disposal,
        release: ca.release,
        explanation: meta.explanation,
        before: evidence(
          `${cb.walker}(): ${text(cb)}`,
          collectorChain(o[0], cb, cb.disposal === 'synchronous' ? 'inline' : 'deferred'),
        ),
        after: evidence(
          `${ca.walker}(): ${text(ca)}`,
          collectorChain(o[1], ca, ca.disposal === 'synchronous' ? 'inline' : 'deferred'),
        ),
      }),
    );
  }
  return out;
}

export const lruRedesignRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [ob, oa] of pairedObjects(ctx)) {
      const b = ob.lru;
      const a = oa.lru;
      if (!b || !a) continue;
      out.push(
        ...referenceChange(oa, b, a),
        ...isolatorChanges(ctx, oa, b, a),
        ...collectorChanges(ctx, [ob, oa], b, a),
      );
    }
    return out;
  },
};
