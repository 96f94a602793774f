// LL12: the same release, from the same entry, in the same context, under a
// different condition (only entries whose count reached zero are handed to the
// workqueue now; fsync only on the final put instead of on every unhash). A
// path's conditions are the branch tests its calls sit under; only the guards
// about the path's own object count (tests on its struct's fields: its
// counter, its flag bits, its list heads), so another object's state met on
// the way (a net's flags, a client's lists) is no condition of this release.
// Conditions are compared on the same chain of calls in both revisions: the
// analysis keeps one (shortest) chain per (entry, context, release), and two
// different chains are two paths, not one path under a new condition. The one
// exception is a release call that moved to another function while the
// object's final-put test appeared or disappeared on the way (fsync moved from
// the unhash to the final put). Identical conditions are not a change; a
// context move is LL1's.
import type { ObjectLifecycle, ReleasePath } from '../../model';
import type { RuleMeta } from '../compareTypes';
import { change, evidence, pairedObjects, type Rule } from './ruleContext';

const meta: RuleMeta = {
  id: 'release-condition',
  code: 'LL12',
  severity: 'warning',
  title: 'Same release, different condition',
  explanation:
    'The release runs from the same entry point in the same context, but under other conditions (a refcount ' +
    'result, a flag bit, list emptiness, an error pointer). That decides which objects are torn down there: a ' +
    'condition dropped may release objects others still use; a condition added may leave some never released.',
};

interface Group {
  entry: string;
  paths: ReleasePath[];
  /** Guards about the object every path of the group runs under, struct name dropped. */
  common: string[];
  /** Chains as normalised call sequences (function>callee, no lines). */
  shapes: Set<string>;
  /** Functions making the release call at the end of the chains. */
  sinks: Set<string>;
}

/** A display id without its file qualifier (`name@file.c` -> `name`). */
function bare(id: string): string {
  return id.replace(/@.*$/, '');
}

/** The guards of a path about object `o`: tests naming one of its struct's fields, the struct name dropped. */
function ownGuards(p: ReleasePath, o: ObjectLifecycle): string[] {
  const mention = new RegExp(`(?<=[(, ])${o.type}\\.`, 'g');
  return (p.conditions ?? []).filter((c) => c.match(mention)).map((c) => c.replace(mention, ''));
}

function shape(p: ReleasePath, normalize: (n: string) => string): string {
  return p.chain
    .map(
      (s) =>
        `${normalize(bare(s.function))}>${s.call
          .split(' -> ')
          .map((c) => normalize(c))
          .join('>')}`,
    )
    .join('|');
}

function groups(o: ObjectLifecycle, normalize: (n: string) => string): Map<string, Group> {
  const out = new Map<string, Group>();
  for (const p of o.releasePaths) {
    const entry = normalize(p.entry);
    const k = `${entry}|${p.entryContext}|${p.runsIn}|${p.mode}|${p.release}`;
    const g = out.get(k) ?? { entry, paths: [], common: [], shapes: new Set(), sinks: new Set() };
    g.paths.push(p);
    g.shapes.add(shape(p, normalize));
    g.sinks.add(normalize(bare(p.chain.at(-1)?.function ?? p.entry)));
    out.set(k, g);
  }
  for (const g of out.values()) {
    const [first, ...rest] = g.paths.map((p) => new Set(ownGuards(p, o)));
    g.common = [...first].filter((c) => rest.every((s) => s.has(c))).sort();
  }
  return out;
}

/** Whether the object's final-put test (a refcount test on its counter) is among the guards. */
function underFinalPut(guards: string[], o: ObjectLifecycle): boolean {
  return guards.some((g) => g.startsWith('ref') && g.includes(`(${o.refField})`));
}

/** One reported item: the paths folded into it (contexts, entries, release kinds). */
interface Item {
  object: string;
  fn: string;
  from: string;
  to: string;
  before: ReleasePath;
  after: ReleasePath;
  entries: Set<string>;
  releases: Set<ReleasePath['release']>;
  where: Set<string>;
}

export const releaseConditionRule: Rule = {
  meta,
  check(ctx) {
    const items = new Map<string, Item>();
    const namesBefore = new Set(ctx.before.functions.map((f) => ctx.normalize(f.name)));
    const namesAfter = new Set(ctx.after.functions.map((f) => f.name));
    for (const [b, a] of pairedObjects(ctx)) {
      const before = groups(b, ctx.normalize);
      for (const [k, ga] of groups(a, (n) => n)) {
        const gb = before.get(k);
        if (!gb) continue;
        const from = gb.common.join(' && ') || 'unconditional';
        const to = ga.common.join(' && ') || 'unconditional';
        if (from === to) continue;
        // Another chain to the same release call is another path, not a new condition.
        // A release call that moved between functions both revisions have, across the
        // object's final-put test (fsync from the unhash to the final put), is one.
        const samePath = [...ga.shapes].some((s) => gb.shapes.has(s));
        const moved =
          ![...ga.sinks].some((s) => gb.sinks.has(s)) &&
          [...ga.sinks].every((s) => namesBefore.has(s)) &&
          [...gb.sinks].every((s) => namesAfter.has(s)) &&
          underFinalPut(gb.common, b) !== underFinalPut(ga.common, a);
        if (!samePath && !moved) continue;
        const p = ga.paths[0];
        const fn = bare(p.chain.at(-1)?.function ?? p.entry);
        // One item per (object, release function, conditions): contexts, entries and kinds folded.
        const key = `${a.type}|${fn}|${from}|${to}`;
        const item = items.get(key) ?? {
          object: a.type,
          fn,
          from,
          to,
          before: gb.paths[0],
          after: p,
          entries: new Set<string>(),
          releases: new Set<ReleasePath['release']>(),
          where: new Set<string>(),
        };
        item.entries.add(ga.entry);
        item.releases.add(p.release);
        item.where.add(`${p.mode}, ${p.runsIn}`);
        items.set(key, item);
      }
    }
    return [...items.values()].map((it) => {
      const release = [...it.releases].sort();
      return change(meta, {
        title: `struct ${it.object}: ${release.join(', ')} through ${it.fn}() (${[...it.where].sort().join('; ')}) now runs when ${it.to} (was: ${it.from})`,
        function: it.fn,
        object: it.object,
        from: it.from,
        to: it.to,
        release,
        entries: [...it.entries].sort(),
        explanation: meta.explanation,
        before: evidence(
          `${bare(it.before.entry)}() -> ${it.before.release} under ${it.from}`,
          it.before.chain,
        ),
        after: evidence(
          `${bare(it.after.entry)}() -> ${it.after.release} under ${it.to}`,
          it.after.chain,
        ),
      });
    });
  },
};
