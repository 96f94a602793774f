// The callers index: for each function name, who calls it, defers to it, calls
// it back or registers it, with the caller's file (so a name resolves from there
// as the closure's lookup does) and the edge's context; not its line (which
// the caller's closed summary has), so an edit that only moves lines rewrites no
// callers bucket. Derived from
// the files records in the closure step (so shards and merges need nothing of
// it); an incremental closure reads the buckets of the names it visits instead of
// every record of the tree. Buckets by name hash as the closed summaries, each
// file a header line then gzip of one `{"name","c":[...]}` line per name.
import path from 'node:path';
import zlib from 'node:zlib';
import { gunzipWhole } from './gunzip';
import { readShared } from './sharedRead';
import type { ContextKind } from '../../core/model';
import type { FunctionRecord } from '../../core/analysis/calleeSummary';
import { bucketName, bucketOf, headerLine, parseHeaderLine, writeAtomically } from './indexStore';
import type { IndexHeader } from './indexStore';

/** c: call, d: defer, b: callback, r: register (with a context). */
export type CallerKind = 'c' | 'd' | 'b' | 'r';

/** [caller name, caller file, kind, context?] */
export type CallerEntry = [string, string, CallerKind, ContextKind?];

const KIND: Record<'call' | 'defer' | 'callback', CallerKind> = {
  call: 'c',
  defer: 'd',
  callback: 'b',
};

/** The entries a record gives the names it calls and registers, by callee name. */
export function callerEntries(r: FunctionRecord): [string, CallerEntry][] {
  const out: [string, CallerEntry][] = [];
  for (const e of r.edges ?? [])
    out.push([
      e.to,
      e.context ? [r.name, r.file, KIND[e.kind], e.context] : [r.name, r.file, KIND[e.kind]],
    ]);
  for (const g of r.registers ?? [])
    if (g.context) out.push([g.handler, [r.name, r.file, 'r', g.context]]);
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical order of a name's entries (and without duplicates). */
export function sortEntries(list: CallerEntry[]): CallerEntry[] {
  const seen = new Set<string>();
  return list
    .map((e) => [JSON.stringify(e), e] as const)
    .filter(([k]) => !seen.has(k) && !!seen.add(k))
    .sort((a, b) => cmp(a[1][1], b[1][1]) || cmp(a[1][0], b[1][0]) || cmp(a[0], b[0]))
    .map(([, e]) => e);
}

export function callersPath(dir: string, bucket: string): string {
  return path.join(dir, 'closed', 'callers', `${bucket}.gz`);
}

/** Writes one bucket of the callers index (names in canonical order; lines kept as read, or entries). */
export function writeCallersBucket(
  dir: string,
  bucket: string,
  header: IndexHeader,
  byName: Map<string, CallerEntry[] | string>,
): number {
  const names = [...byName.keys()].filter((n) => byName.get(n)?.length).sort(cmp);
  const line = (n: string) => {
    const v = byName.get(n) as CallerEntry[] | string;
    return typeof v === 'string' ? v : JSON.stringify({ name: n, c: v });
  };
  const body = zlib.gzipSync(names.map(line).join('\n'), { level: 1 });
  return writeAtomically(callersPath(dir, bucket), [headerLine(header), body]);
}

/** Passes over the records when writing the whole index (a quarter of the entries in memory at once). */
const PASSES = 4;

/** Writes the whole callers index of these records, in `count` buckets. */
export function writeCallers(
  dir: string,
  header: IndexHeader,
  records: readonly FunctionRecord[],
  count: number,
): number {
  let bytes = 0;
  const perPass = count / PASSES;
  for (let first = 0; first < count; first += perPass) {
    const buckets = new Map<number, Map<string, CallerEntry[]>>();
    const inPass = (name: string) => {
      const b = parseInt(bucketOf(name, count), 16);
      return b >= first && b < first + perPass;
    };
    for (const r of records) {
      // Entries made only for this pass's names (the rest would be garbage).
      if (
        !(r.edges ?? []).some((e) => inPass(e.to)) &&
        !(r.registers ?? []).some((g) => g.context && inPass(g.handler))
      )
        continue;
      for (const [name, e] of callerEntries(r)) {
        if (!inPass(name)) continue;
        const b = parseInt(bucketOf(name, count), 16);
        let m = buckets.get(b);
        if (!m) buckets.set(b, (m = new Map()));
        const list = m.get(name);
        if (list) list.push(e);
        else m.set(name, [e]);
      }
    }
    for (let i = first; i < first + perPass; i++) {
      const m = buckets.get(i) ?? new Map<string, CallerEntry[]>();
      for (const [n, list] of m) m.set(n, sortEntries(list));
      bytes += writeCallersBucket(dir, bucketName(i), header, m);
      buckets.delete(i);
    }
  }
  return bytes;
}

const NAME = /^\{"name":("(?:[^"\\]|\\.)*"),"c":/;

/** The entries of one stored line of a callers bucket. */
export function entriesOfLine(line: string): CallerEntry[] {
  return (JSON.parse(line) as { c: CallerEntry[] }).c;
}

/**
 * The lines of one inflated callers bucket. An incremental closure reads about
 * 180 of a whole tree's 4096 buckets (median 33 KB of text each) for a few names
 * apiece, so a name's line is found in the bytes when asked for; every line is
 * split out only for a bucket that is rewritten.
 */
export class CallersLines {
  constructor(
    private readonly file: string,
    private readonly text: Buffer,
  ) {}

  /** The line of `name`, undecoded (entriesOfLine decodes it). */
  line(name: string): string | undefined {
    // A line starts with its name; inside a JSON string `{"name":"` cannot occur (quotes are escaped).
    const key = Buffer.from(`{"name":${JSON.stringify(name)},"c":`);
    for (let at = this.text.indexOf(key); at >= 0; at = this.text.indexOf(key, at + 1)) {
      if (at > 0 && this.text[at - 1] !== 0x0a) continue;
      const end = this.text.indexOf(0x0a, at);
      return this.text.toString('utf8', at, end < 0 ? this.text.length : end);
    }
    return undefined;
  }

  /** Every name's line; throws, saying the file, on a line without a name. */
  all(): Map<string, string> {
    const lines = new Map<string, string>();
    for (const line of this.text.toString('utf8').split('\n')) {
      if (!line) continue;
      const m = NAME.exec(line);
      if (!m) throw new Error(`${this.file}: unreadable (a line without a name)`);
      lines.set(JSON.parse(m[1]) as string, line);
    }
    return lines;
  }
}

/** One bucket of the callers index: its header and lines; a problem when unreadable. */
export function readCallersBucket(
  dir: string,
  bucket: string,
): { header?: IndexHeader; lines?: CallersLines; problem?: string } {
  const file = callersPath(dir, bucket);
  let buf: Buffer;
  try {
    // A view of the shared buffer: only the header's text and the inflated lines are kept.
    buf = readShared(file);
  } catch (e) {
    return { problem: `${file}: ${(e as Error).message}` };
  }
  const nl = buf.indexOf(0x0a);
  const header = nl < 0 ? undefined : parseHeaderLine(buf.toString('utf8', 0, nl));
  if (!header) return { problem: `${file}: not a lifecycle-lens index file (bad header)` };
  try {
    // gzip's own CRC-32 catches damage to the bytes.
    return { header, lines: new CallersLines(file, gunzipWhole(buf.subarray(nl + 1))) };
  } catch (e) {
    return { header, problem: `${file}: unreadable (${(e as Error).message})` };
  }
}
