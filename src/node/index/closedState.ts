// The closed state of a tree's index: the closed summaries' name buckets, their
// release table, the callers index and the manifest naming the tag of each.
// A full closure writes all of it; an incremental one rewrites the buckets that
// changed (each atomically, with a new tag) and then the manifest, so a crash in
// between leaves files whose tags the manifest does not name: never used, and the
// next index run closes in full (the manifest's generation is not the files').
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  type CalleeSummary,
  type ReleaseReach,
  type FunctionRecord,
} from '../../core/analysis/calleeSummary';
import { decodeClosed, encodeClosed, ReleaseTable, type StoredClosed } from './closedRecords';
import {
  callerEntries,
  entriesOfLine,
  readCallersBucket,
  sortEntries,
  writeCallers,
  writeCallersBucket,
  type CallerEntry,
} from './callersIndex';
import {
  BUCKETS,
  bucketName,
  bucketOf,
  checksum,
  formatLine,
  headerLine,
  parseHeaderLine,
  readLines,
  readManifest,
  RELEASE_TABLE,
  staleReason,
  writeAtomically,
  writeManifest,
  type ClosedManifest,
  type IndexHeader,
} from './indexStore';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const LINE_KEY = /^\w+\t\{"name":("(?:[^"\\]|\\.)*"),"file":("(?:[^"\\]|\\.)*")/;

/** Closed lines in canonical order: by name, then file. */
function byNameFile(a: { name: string; file: string }, b: { name: string; file: string }): number {
  return cmp(a.name, b.name) || cmp(a.file, b.file);
}

export function bucketPath(dir: string, bucket: string): string {
  return path.join(dir, 'closed', `${bucket}.jsonl`);
}

/** A fresh tag for a rewritten closed file. */
export function newTag(): string {
  return crypto.randomBytes(8).toString('hex');
}

/**
 * Writes a whole closed state: buckets, callers index, release table, then the
 * manifest (`header.generation`: the files generation closed from).
 */
export function writeClosed(
  dir: string,
  header: IndexHeader,
  summaries: Iterable<CalleeSummary>,
): number {
  const tag = newTag();
  const fileHeader: IndexHeader = { ...header, generation: tag };
  const table = new ReleaseTable();
  const buckets = new Map<string, CalleeSummary[]>();
  const all: CalleeSummary[] = [];
  for (const s of summaries) {
    all.push(s);
    const b = bucketOf(s.name);
    const list = buckets.get(b) ?? [];
    list.push(s);
    buckets.set(b, list);
  }
  let bytes = 0;
  for (let i = 0; i < BUCKETS; i++) {
    const b = bucketName(i);
    const lines = (buckets.get(b) ?? [])
      .sort(byNameFile)
      .map((s) => formatLine(encodeClosed(s, table)));
    bytes += writeAtomically(bucketPath(dir, b), [headerLine(fileHeader), ...lines]);
    buckets.delete(b);
  }
  bytes += writeCallers(dir, fileHeader, all);
  bytes += writeReleaseTable(dir, fileHeader, table.list);
  const tags = Array.from({ length: BUCKETS }, () => tag);
  bytes += writeManifest(dir, header, { buckets: tags, callers: [...tags], release: tag });
  return bytes;
}

function writeReleaseTable(dir: string, header: IndexHeader, list: ReleaseReach[]): number {
  return writeAtomically(path.join(dir, 'closed', RELEASE_TABLE), [
    headerLine(header),
    ...list.map((r) => formatLine(r)),
  ]);
}

/** Whether the closed state of `generation` is there: manifest, release table sound. */
export function closedCurrent(dir: string, generation: string, catalog: string): boolean {
  const m = readManifest(dir);
  if (!m.manifest || m.problems.length || m.header?.generation !== generation) return false;
  if (staleReason(m.header, catalog)) return false;
  const table = readLines(path.join(dir, 'closed', RELEASE_TABLE));
  return table.header?.generation === m.manifest.release && !table.problems.length;
}

/** One stored closed summary: its decoded form (tree contexts with depth) and its line. */
export interface StoredDef {
  summary: CalleeSummary;
  line: string;
}

/**
 * The closed state as an incremental closure reads and rewrites it: buckets read
 * on first use (each must carry the manifest's tag, else the state is unsound),
 * changes collected, then written bucket by bucket and the manifest last.
 */
export class ClosedState {
  private readonly texts = new Map<string, string | undefined>();
  private readonly named = new Map<string, { file: string; line: string; def?: StoredDef }[]>();
  private readonly callerBuckets = new Map<string, Map<string, string | CallerEntry[]>>();
  readonly releases: ReleaseTable;
  private readonly releaseCount: number;
  /** Why the state cannot be used incrementally (set by the reads). */
  unsound?: string;

  private constructor(
    private readonly dir: string,
    private readonly manifest: ClosedManifest,
    private readonly header: IndexHeader,
    releases: ReleaseReach[],
  ) {
    this.releases = new ReleaseTable(releases);
    this.releaseCount = releases.length;
  }

  /** The closed state of files generation `generation`, or why it cannot be updated. */
  static open(dir: string, generation: string, catalog: string): ClosedState | { why: string } {
    const m = readManifest(dir);
    if (!m.header || !m.manifest) return { why: 'no closed state' };
    if (m.problems.length) return { why: m.problems[0] };
    const stale = staleReason(m.header, catalog);
    if (stale) return { why: stale };
    if (m.header.generation !== generation)
      return { why: 'the closed state is not that of the files index before this run' };
    const table = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE));
    if (table.problems.length || table.header?.generation !== m.manifest.release)
      return { why: 'the release table is not sound' };
    return new ClosedState(dir, m.manifest, m.header, table.values);
  }

  /** A bucket's lines by name (undecoded: only the names asked for are decoded). */
  /** A bucket's text, read once (undefined when it is not of the manifest's state). */
  private text(b: string): string | undefined {
    if (this.texts.has(b)) return this.texts.get(b);
    const file = bucketPath(this.dir, b);
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
      const nl = text.indexOf('\n');
      const head = parseHeaderLine(text.slice(0, nl < 0 ? text.length : nl));
      if (head?.generation !== this.manifest.buckets[parseInt(b, 16)]) {
        this.unsound ??= `${file}: another state than the manifest`;
        text = undefined;
      }
    } catch (e) {
      this.unsound ??= `${file}: ${(e as Error).message}`;
    }
    this.texts.set(b, text);
    return text;
  }

  /** The lines of `name` in its bucket, found by a search for `{"name":...` (nothing else decoded). */
  private lines(name: string): { file: string; line: string; def?: StoredDef }[] {
    let list = this.named.get(name);
    if (list) return list;
    list = [];
    this.named.set(name, list);
    const text = this.text(bucketOf(name));
    if (!text) return list;
    const needle = `\t{"name":${JSON.stringify(name)},`;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      const start = text.lastIndexOf('\n', at) + 1;
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      const line = `${text.slice(start, end)}\n`;
      const k = LINE_KEY.exec(line);
      if (!k) {
        this.unsound ??= `${bucketPath(this.dir, bucketOf(name))}: unreadable line`;
        continue;
      }
      list.push({ file: JSON.parse(k[2]) as string, line });
    }
    return list;
  }

  /** Every line of a bucket with its name and file (for rewriting it). */
  private allLines(b: string): { name: string; file: string; line: string }[] {
    const out: { name: string; file: string; line: string }[] = [];
    const text = this.text(b);
    if (text === undefined) return out;
    for (let start = text.indexOf('\n') + 1; start > 0 && start < text.length;) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = `${text.slice(start, end)}\n`;
      start = end + 1;
      // Lines start with {"name":...,"file":...} (encodeClosed's order).
      const k = LINE_KEY.exec(line);
      if (!k) {
        this.unsound ??= `${bucketPath(this.dir, b)}: unreadable line`;
        continue;
      }
      out.push({ name: JSON.parse(k[1]) as string, file: JSON.parse(k[2]) as string, line });
    }
    return out;
  }

  /** The stored closed summaries named `name` (one per defining file). */
  defsOf(name: string): StoredDef[] {
    const b = bucketOf(name);
    const out: StoredDef[] = [];
    for (const e of this.lines(name)) {
      if (!e.def) {
        const line = e.line.slice(0, -1);
        const tab = line.indexOf('\t');
        const json = line.slice(tab + 1);
        if (checksum(json) !== line.slice(0, tab)) {
          this.unsound ??= `${bucketPath(this.dir, b)}: checksum mismatch in the summary of ${name}`;
          continue;
        }
        const stored = JSON.parse(json) as StoredClosed;
        const s = decodeClosed(stored, this.releases.list, true);
        if (!s) {
          this.unsound ??= `${bucketPath(this.dir, b)}: the summary of ${name} names a release the index lacks`;
          continue;
        }
        e.def = { summary: s, line: e.line };
      }
      out.push(e.def);
    }
    return out;
  }

  private callerBucket(b: string): Map<string, string | CallerEntry[]> {
    let m = this.callerBuckets.get(b);
    if (m) return m;
    const r = readCallersBucket(this.dir, b);
    if (r.problem) this.unsound ??= r.problem;
    else if (r.header?.generation !== this.manifest.callers[parseInt(b, 16)])
      this.unsound ??= `callers bucket ${b}: another state than the manifest`;
    m = r.lines ?? new Map();
    this.callerBuckets.set(b, m);
    return m;
  }

  /** The stored callers index entries of `name`. */
  callersOf(name: string): CallerEntry[] {
    const m = this.callerBucket(bucketOf(name));
    const v = m.get(name);
    if (v === undefined) return [];
    if (typeof v !== 'string') return v;
    try {
      const list = entriesOfLine(v);
      m.set(name, list);
      return list;
    } catch {
      this.unsound ??= `callers bucket ${bucketOf(name)}: unreadable entries of ${name}`;
      return [];
    }
  }

  /**
   * Writes the changes: `closed` replaces the summaries of (name, file) (undefined
   * removes one), `callers` replaces the entries of the names it holds; then the
   * release table (appended to) and the manifest of `generation`.
   */
  write(
    generation: string,
    closed: Map<string, { name: string; file: string; summary?: CalleeSummary }>,
    callers: Map<string, CallerEntry[]>,
  ): { buckets: number; callerBuckets: number } {
    const tag = newTag();
    const fileHeader: IndexHeader = { ...this.header, generation: tag };
    const manifest: ClosedManifest = {
      buckets: [...this.manifest.buckets],
      callers: [...this.manifest.callers],
      release: this.manifest.release,
    };
    const byBucket = new Map<string, { name: string; file: string; summary?: CalleeSummary }[]>();
    for (const c of closed.values()) {
      const b = bucketOf(c.name);
      const list = byBucket.get(b) ?? [];
      list.push(c);
      byBucket.set(b, list);
    }
    for (const [b, changes] of byBucket) {
      const lines = new Map<string, { name: string; file: string; line: string }>();
      for (const l of this.allLines(b)) lines.set(`${l.name}\0${l.file}`, l);
      for (const c of changes) {
        const k = `${c.name}\0${c.file}`;
        if (c.summary)
          lines.set(k, {
            name: c.name,
            file: c.file,
            line: formatLine(encodeClosed(c.summary, this.releases)),
          });
        else lines.delete(k);
      }
      writeAtomically(bucketPath(this.dir, b), [
        headerLine(fileHeader),
        ...[...lines.values()].sort(byNameFile).map((l) => l.line),
      ]);
      manifest.buckets[parseInt(b, 16)] = tag;
    }
    const callerBuckets = new Set([...callers.keys()].map(bucketOf));
    for (const b of callerBuckets) {
      const names = new Map(this.callerBucket(b));
      for (const [n, list] of callers) if (bucketOf(n) === b) names.set(n, sortEntries(list));
      writeCallersBucket(this.dir, b, fileHeader, names);
      manifest.callers[parseInt(b, 16)] = tag;
    }
    if (this.releases.list.length !== this.releaseCount) {
      writeReleaseTable(this.dir, fileHeader, this.releases.list);
      manifest.release = tag;
    }
    writeManifest(this.dir, { ...this.header, generation }, manifest);
    return { buckets: byBucket.size, callerBuckets: callerBuckets.size };
  }
}

/** The callers index entries of records, by callee name. */
export function entriesByName(records: Iterable<FunctionRecord>): Map<string, CallerEntry[]> {
  const out = new Map<string, CallerEntry[]>();
  for (const r of records)
    for (const [name, e] of callerEntries(r)) {
      const list = out.get(name);
      if (list) list.push(e);
      else out.set(name, [e]);
    }
  return out;
}

/**
 * A closed state as read back, in canonical form: each bucket's summaries with
 * their releases resolved, each callers bucket's entries, the release reaches
 * named (the table itself may hold more after incremental updates). Two closed
 * states of the same records compare equal this way whatever their ids.
 */
export function readClosedContent(dir: string): {
  buckets: (CalleeSummary | undefined)[][];
  callers: [string, CallerEntry[]][][];
  releases: string[];
  problems: string[];
} {
  const table = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE));
  const problems = [...table.problems];
  const referenced = new Set<string>();
  const buckets: (CalleeSummary | undefined)[][] = [];
  const callers: [string, CallerEntry[]][][] = [];
  for (let i = 0; i < BUCKETS; i++) {
    const b = bucketName(i);
    const r = readLines<StoredClosed>(bucketPath(dir, b));
    problems.push(...r.problems);
    buckets.push(
      r.values.map((v) => {
        for (const id of v.rl ?? []) referenced.add(JSON.stringify(table.values[id]));
        return decodeClosed(v, table.values, true);
      }),
    );
    const c = readCallersBucket(dir, b);
    if (c.problem) problems.push(c.problem);
    callers.push(
      [...(c.lines ?? new Map<string, string>())].map(([n, l]) => [n, entriesOfLine(l)]),
    );
  }
  return { buckets, callers, releases: [...referenced].sort(), problems };
}
