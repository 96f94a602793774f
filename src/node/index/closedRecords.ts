// Closed summaries as the index's buckets store them: what callers read, compactly.
//  - release reaches are ids into one table per index (closed/release.jsonl): a
//    whole tree reaches a few hundred distinct (kind, sink, mode, context, file,
//    line), repeated by every caller up the chains (44% of the bytes as objects);
//  - reachedIn entries are arrays [context, via, kind, file, line, depth], file 0
//    when it is the function's own file (depth: the shortest chain's length, which
//    an incremental closure needs to update a callee from its callers alone);
//  - defaults left out (isStatic false, no release, maySleep false, no contexts);
//  - edges, sinks and entered served the closure only: dropped.
// A stored line starts with {"name":...} so a bucket is searched for one name
// without decoding the rest.
import type {
  CalleeSummary,
  ContextReach,
  FunctionRecord,
  ReleaseReach,
  TreeReach,
} from '../../core/analysis/calleeSummary';
import type { ContextKind } from '../../core/model';

type StoredReach = [ContextKind, string, ContextReach['kind'], string | 0, number, number?];

export interface StoredClosed extends Omit<
  FunctionRecord,
  'isStatic' | 'sinks' | 'edges' | 'entered' | 'sleeps'
> {
  isStatic?: true;
  /** Ids in the release table. */
  rl?: number[];
  maySleep?: true;
  startsContexts?: ContextKind[];
  ri?: StoredReach[];
}

/** The release reaches of one index, each stored once. */
export class ReleaseTable {
  private readonly ids = new Map<string, number>();
  readonly list: ReleaseReach[] = [];

  /** A table that goes on from `existing` (ids kept: an incremental closure appends). */
  constructor(existing: readonly ReleaseReach[] = []) {
    for (const r of existing) this.id(r);
  }

  id(r: ReleaseReach): number {
    // Fixed key order: the same reach from two summaries is one entry.
    const key = `${r.kind}\0${r.sink}\0${r.mode}\0${r.context ?? ''}\0${r.file}\0${r.line}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(key, id);
      this.list.push(r);
    }
    return id;
  }
}

export function encodeClosed(s: CalleeSummary, table: ReleaseTable): StoredClosed {
  const {
    name,
    file,
    line,
    isStatic,
    release,
    maySleep,
    startsContexts,
    reachedIn,
    edges: _e,
    sinks: _s,
    entered: _n,
    sleeps: _z,
    ...rest
  } = s;
  void _e;
  void _s;
  void _n;
  void _z;
  const out: StoredClosed = { name, file, line, ...(isStatic ? { isStatic: true } : {}), ...rest };
  if (release.length) out.rl = release.map((r) => table.id(r));
  if (maySleep) out.maySleep = true;
  if (startsContexts.length) out.startsContexts = startsContexts;
  if (reachedIn)
    out.ri = reachedIn.map((r) => {
      const x: StoredReach = [r.context, r.via, r.kind, r.file === file ? 0 : r.file, r.line];
      const depth = (r as Partial<TreeReach>).depth;
      if (depth !== undefined) x.push(depth);
      return x;
    });
  return out;
}

/**
 * The summary of a stored line; undefined when it names a release the table lacks.
 * `withDepth` keeps each tree context's depth (the closure's own bookkeeping).
 */
export function decodeClosed(
  c: StoredClosed,
  table: readonly ReleaseReach[],
  withDepth = false,
): CalleeSummary | undefined {
  const { rl, ri, isStatic, maySleep, startsContexts, ...rest } = c;
  const release: ReleaseReach[] = [];
  for (const id of rl ?? []) {
    const r = table[id];
    if (!r) return undefined;
    release.push(r);
  }
  const out: CalleeSummary = {
    ...rest,
    isStatic: !!isStatic,
    release,
    maySleep: !!maySleep,
    startsContexts: startsContexts ?? [],
  };
  if (ri)
    out.reachedIn = ri.map(([context, via, kind, file, line, depth]) => ({
      context,
      via,
      kind,
      file: file === 0 ? c.file : file,
      line,
      ...(withDepth ? { depth: depth ?? 0 } : {}),
    }));
  return out;
}
