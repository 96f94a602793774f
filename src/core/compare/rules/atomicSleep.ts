// LL5: sleeping release work newly reachable in atomic context (spinlock held,
// RCU callback, list_lru isolate callback).
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, setDiff, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'atomic-sleep',
  code: 'LL5',
  severity: 'error',
  title: 'Sleeping release work newly reachable in atomic context',
  explanation:
    'fput, fsync and writeback may sleep. This revision makes them reachable while a spinlock or RCU read lock ' +
    'may be held, from an RCU callback (softirq), or from a list_lru isolate callback (LRU lock held). Sleeping ' +
    'there is a bug: "scheduling while atomic" or a deadlock.',
};

export const atomicSleepRule: Rule = {
  meta,
  check(ctx) {
    const key = (f: { kind: string; function: string; message: string }) =>
      `${f.function}|${f.message.replace(/ at line \d+/g, '')}`;
    const sleeps = (m: typeof ctx.after) => m.findings.filter((f) => f.kind === 'sleep-in-atomic');
    const d = setDiff(
      sleeps(ctx.before).map((f) => key({ ...f, function: ctx.normalize(f.function) })),
      sleeps(ctx.after).map(key),
    );
    const out: BehaviourChange[] = [];
    for (const k of d.added) {
      const f = sleeps(ctx.after).find((x) => key(x) === k);
      if (!f) continue;
      out.push(
        change(meta, {
          title: `${f.function}(): ${f.message.replace(/^\w+\(\): /, '')}`,
          function: f.function,
          from: 'not reachable while atomic',
          to: 'reachable while atomic',
          explanation: meta.explanation,
          after: evidence(
            f.message,
            f.related.map((r) => ({
              function: r.message.split('()')[0],
              call: r.message,
              at: r.at,
              via: 'call' as const,
            })),
          ),
        }),
      );
    }
    return out;
  },
};
