// Release work an entry point reaches inline, walking the call graph itself
// (not the analysis' one-path-per-kind release paths): a claim that an entry
// "no longer runs X inline" must hold for every path, not just the sampled one.
import type { ChainStep, ProgramModel, ReleaseKind } from '../model';

/** For one entry: release kind -> the shortest inline chain to it, restricted to paths through `through` when given. */
export function inlineReleases(
  model: ProgramModel,
  entry: string,
  through?: ReadonlySet<string>,
): Map<ReleaseKind, ChainStep[]> {
  const byName = new Map(model.functions.map((f) => [f.name, f]));
  const out = new Map<ReleaseKind, ChainStep[]>();
  const edges = new Map<string, ProgramModel['edges']>();
  for (const e of model.edges)
    if (e.kind === 'call' || e.kind === 'callback')
      edges.set(e.caller, [...(edges.get(e.caller) ?? []), e]);
  const seen = new Set<string>();
  const queue: { fn: string; passed: boolean; chain: ChainStep[] }[] = [
    { fn: entry, passed: !through || through.has(entry), chain: [] },
  ];
  for (let i = 0; i < queue.length; i++) {
    const { fn, passed, chain } = queue[i];
    const f = byName.get(fn);
    if (passed && f)
      for (const c of f.calls)
        if (c.role === 'release' && c.release && !out.has(c.release))
          out.set(c.release, [
            ...chain,
            {
              function: fn,
              call: c.callee,
              at: { file: c.at.file, line: c.at.line, column: c.at.column },
              via: 'sink',
            },
          ]);
    for (const e of edges.get(fn) ?? []) {
      const p = passed || !!through?.has(e.callee);
      const k = `${e.callee}|${p}`;
      if (seen.has(k)) continue;
      seen.add(k);
      queue.push({
        fn: e.callee,
        passed: p,
        chain: [...chain, { function: fn, call: e.callee, at: e.at, via: 'call' }],
      });
    }
  }
  return out;
}
