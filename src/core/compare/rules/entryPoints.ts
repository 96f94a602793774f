// LL7: entry points added or removed: new callbacks (fsnotify, notifier,
// shrinker, work, RCU) or new external API. Grouped: one item per ops struct
// (callbacks bound in one initializer) or per file (external API), the list
// folded into `entries`, so new API is one line, not fifty.
import type { EntryPoint, ProgramModel } from '../../model';
import type { BehaviourChange, RuleMeta } from '../compareTypes';
import { change, evidence, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'entry-points',
  code: 'LL7',
  severity: 'note',
  title: 'Entry points added or removed',
  explanation:
    'Functions became, or stopped being, entry points: registered callbacks (fsnotify, lease notifier, ' +
    'shrinker, work item, RCU callback, list_lru isolate) or non-static functions other code can call. Each ' +
    'entry point is a context in which the object lifecycle code can now run.',
};

/** The group an entry point belongs to: its ops struct, else its file. */
function groupOf(e: EntryPoint, model: ProgramModel): string {
  const ops = /\bin (?:struct )?(\w+)/.exec(e.reason);
  if (ops) return `struct ${ops[1]}`;
  const file = model.functions.find((f) => f.name === e.function)?.file ?? e.at.file;
  return file;
}

/** Folded: the title names three, the item carries all of them in `entries`. */
const list = (names: string[]) =>
  names.length > 3
    ? `${names
        .slice(0, 3)
        .map((n) => `${n}()`)
        .join(', ')} and ${names.length - 3} more`
    : names.map((n) => `${n}()`).join(', ');

export const entryPointsRule: Rule = {
  meta,
  check(ctx) {
    const key = (e: EntryPoint, norm: (n: string) => string) => `${norm(e.function)}|${e.context}`;
    const before = new Map(ctx.before.entryPoints.map((e) => [key(e, ctx.normalize), e]));
    const after = new Map(ctx.after.entryPoints.map((e) => [key(e, (n) => n), e]));
    const groups = new Map<string, { added: EntryPoint[]; removed: EntryPoint[] }>();
    const slot = (g: string) => {
      const cur = groups.get(g) ?? { added: [], removed: [] };
      groups.set(g, cur);
      return cur;
    };
    for (const [k, e] of after) if (!before.has(k)) slot(groupOf(e, ctx.after)).added.push(e);
    for (const [k, e] of before) if (!after.has(k)) slot(groupOf(e, ctx.before)).removed.push(e);
    const out: BehaviourChange[] = [];
    for (const [g, { added, removed }] of [...groups].sort((x, y) => x[0].localeCompare(y[0]))) {
      const names = (es: EntryPoint[], norm: (n: string) => string) =>
        [...new Set(es.map((e) => norm(e.function)))].sort();
      const a = names(added, (n) => n);
      const r = names(removed, ctx.normalize);
      const contexts = [...new Set([...added, ...removed].map((e) => e.context))].sort();
      const parts = [
        a.length ? `${a.length} new (${list(a)})` : '',
        r.length ? `${r.length} removed (${list(r)})` : '',
      ].filter(Boolean);
      const first = added[0] ?? removed[0];
      const single = added.length + removed.length === 1;
      out.push(
        change(meta, {
          title: `entry points in ${g}: ${parts.join('; ')}`,
          function: single ? (a[0] ?? r[0]) : g,
          ...(single ? { entry: a[0] ?? r[0], entryContext: first.context } : {}),
          from: r.length ? `${contexts.join(', ')}: ${r.join(', ')}` : 'none',
          to: a.length ? `${contexts.join(', ')}: ${a.join(', ')}` : 'none',
          entries: [...a, ...r],
          explanation: meta.explanation,
          ...(added[0]
            ? {
                after: evidence(added[0].reason, [
                  { function: added[0].function, call: '', at: added[0].at, via: 'call' },
                ]),
              }
            : {}),
          ...(removed[0]
            ? {
                before: evidence(removed[0].reason, [
                  { function: removed[0].function, call: '', at: removed[0].at, via: 'call' },
                ]),
              }
            : {}),
        }),
      );
    }
    return out;
  },
};
