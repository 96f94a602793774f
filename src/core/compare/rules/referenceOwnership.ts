// LL2: who holds references changed: a hash-table sentinel added or removed,
// the LRU starting or stopping to hold a reference, a different initial count.
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'reference-ownership',
  code: 'LL2',
  severity: 'warning',
  title: 'Reference ownership changed',
  explanation:
    'The set of owners that keep an object alive changed. When the hash table or the LRU starts or stops ' +
    'holding a reference, every path that inserts, removes or ages the object must take or drop that reference ' +
    'consistently, and lookups that relied on the old owner keeping the object alive may now race with its ' +
    'final put.',
};

const HOLDER_TEXT: Record<string, string> = {
  hash: 'the hash table (sentinel reference)',
  lru: 'the LRU',
  list: 'a list it sits on',
  caller: 'callers',
  'dispose-list': 'a dispose list',
};

export const referenceOwnershipRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    for (const [b, a] of pairedObjects(ctx)) {
      const d = setDiff(
        b.holders.map((h) => h.holder),
        a.holders.map((h) => h.holder),
      );
      for (const h of d.added) {
        const ev = a.holders.find((x) => x.holder === h);
        out.push(
          change(meta, {
            title: `struct ${a.type}: ${HOLDER_TEXT[h]} now holds a reference`,
            function: ev?.function ?? a.type,
            from: 'no reference',
            to: 'holds a reference',
            explanation: meta.explanation,
            after: evidence(
              ev?.reason ?? '',
              ev ? [{ function: ev.function, call: '', at: ev.at, via: 'call' }] : [],
            ),
          }),
        );
      }
      for (const h of d.removed) {
        const ev = b.holders.find((x) => x.holder === h);
        out.push(
          change(meta, {
            title: `struct ${a.type}: ${HOLDER_TEXT[h]} no longer holds a reference`,
            function: ev ? ctx.normalize(ev.function) : a.type,
            from: 'holds a reference',
            to: 'no reference',
            explanation: meta.explanation,
            before: evidence(
              ev?.reason ?? '',
              ev ? [{ function: ev.function, call: '', at: ev.at, via: 'call' }] : [],
            ),
          }),
        );
      }
      const counts = setDiff(b.initialCounts, a.initialCounts);
      if (counts.added.length || counts.removed.length)
        out.push(
          change(meta, {
            title: `struct ${a.type}: initial reference count changed from ${b.initialCounts.join('/') || '?'} to ${a.initialCounts.join('/') || '?'}`,
            function: a.transitions.find((t) => t.to === 'allocated')?.function ?? a.type,
            from: b.initialCounts.join('/'),
            to: a.initialCounts.join('/'),
            explanation: meta.explanation,
          }),
        );
    }
    return out;
  },
};
