// LL7: entry points added or removed: new callbacks (fsnotify, notifier,
// shrinker, work, RCU) or new external API.
import { CONTEXT_LABELS, type EntryPoint } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'entry-points',
  code: 'LL7',
  severity: 'note',
  title: 'Entry points added or removed',
  explanation:
    'A function became, or stopped being, an entry point: a registered callback (fsnotify, lease notifier, ' +
    'shrinker, work item, RCU callback, list_lru isolate) or a non-static function other code can call. Each ' +
    'entry point is a context in which the object lifecycle code can now run.',
};

export const entryPointsRule: Rule = {
  meta,
  check(ctx) {
    const out: BehaviourChange[] = [];
    const key = (e: EntryPoint, norm: (n: string) => string) => `${norm(e.function)}|${e.context}`;
    const before = new Map(ctx.before.entryPoints.map((e) => [key(e, ctx.normalize), e]));
    const after = new Map(ctx.after.entryPoints.map((e) => [key(e, (n) => n), e]));
    for (const [k, e] of after)
      if (!before.has(k))
        out.push(
          change(meta, {
            title: `new entry point: ${e.function}() runs in ${CONTEXT_LABELS[e.context]}`,
            function: e.function,
            entry: e.function,
            entryContext: e.context,
            from: 'not an entry point',
            to: e.context,
            explanation: meta.explanation,
            after: evidence(e.reason, [{ function: e.function, call: '', at: e.at, via: 'call' }]),
          }),
        );
    for (const [k, e] of before)
      if (!after.has(k))
        out.push(
          change(meta, {
            title: `${ctx.normalize(e.function)}() is no longer an entry point in ${CONTEXT_LABELS[e.context]}`,
            function: ctx.normalize(e.function),
            entry: e.function,
            entryContext: e.context,
            from: e.context,
            to: 'not an entry point',
            explanation: meta.explanation,
            before: evidence(e.reason, [{ function: e.function, call: '', at: e.at, via: 'call' }]),
          }),
        );
    return out;
  },
};
