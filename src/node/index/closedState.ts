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
import { byNameFile, ClosedBucket, writeBucket } from './closedBucket';
import { decodeClosed, encodeClosed, ReleaseTable, type StoredClosed } from './closedRecords';
import {
  callerEntries,
  callersPath,
  entriesOfLine,
  readCallersBucket,
  type CallersLines,
  sortEntries,
  writeCallers,
  writeCallersBucket,
  type CallerEntry,
} from './callersIndex';
import {
  bucketCount,
  manifestBucket,
  bucketName,
  bucketOf,
  fileSize,
  filesIn,
  formatLine,
  headerLine,
  MANIFEST,
  readLines,
  readManifest,
  RELEASE_TABLE,
  staleReason,
  writeAtomically,
  writeManifest,
  type ClosedManifest,
  type IndexHeader,
} from './indexStore';

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
  const all = [...summaries];
  const count = bucketCount(all.length);
  for (const s of all) {
    const b = bucketOf(s.name, count);
    const list = buckets.get(b) ?? [];
    list.push(s);
    buckets.set(b, list);
  }
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const b = bucketName(i);
    const lines = (buckets.get(b) ?? [])
      .sort(byNameFile)
      .map((s) => ({ name: s.name, file: s.file, line: formatLine(encodeClosed(s, table)) }));
    bytes += writeBucket(bucketPath(dir, b), fileHeader, lines);
    buckets.delete(b);
  }
  bytes += writeCallers(dir, fileHeader, all, count);
  bytes += writeReleaseTable(dir, fileHeader, table.list);
  const tags = Array.from({ length: count }, () => tag);
  bytes += writeManifest(dir, header, { buckets: tags, callers: [...tags], release: tag, bytes });
  fs.rmSync(path.join(dir, 'closed', DAMAGED), { force: true });
  return bytes;
}

/**
 * Bytes of a closed state on disk: its manifest and what the manifest says of
 * the rest (a stat of each of its 8k files on a whole kernel was 80 ms of a
 * 1.8 s update), or the files themselves for a manifest that does not say.
 */
export function closedStateBytes(dir: string): number {
  const kept = readManifest(dir).manifest?.bytes;
  return kept === undefined
    ? filesIn(path.join(dir, 'closed')) + filesIn(path.join(dir, 'closed', 'callers'))
    : fileSize(path.join(dir, 'closed', MANIFEST)) + kept;
}

/** Bytes of a closed state's bucket, callers and release files (the manifest left out). */
function closedFilesBytes(dir: string): number {
  const closed = path.join(dir, 'closed');
  return (
    filesIn(closed) - fileSize(path.join(closed, MANIFEST)) + filesIn(path.join(closed, 'callers'))
  );
}

function writeReleaseTable(dir: string, header: IndexHeader, list: ReleaseReach[]): number {
  return writeAtomically(path.join(dir, 'closed', RELEASE_TABLE), [
    headerLine(header),
    ...list.map((r) => formatLine(r)),
  ]);
}

/**
 * Damage a reader found in the closed state (a bucket or the release table whose
 * checksum fails), kept in `closed/damaged.txt` so that the next index run closes
 * the whole tree again: an index run compares headers and tables, it does not
 * read every closed summary.
 */
const DAMAGED = 'damaged.txt';

/** Says that the closed state of `dir` is damaged (the first reason found is kept). */
export function markClosedDamaged(dir: string, why: string): void {
  const file = path.join(dir, 'closed', DAMAGED);
  try {
    if (!fs.existsSync(file)) fs.writeFileSync(file, `${why}\n`);
  } catch {
    // A read-only cache: the message the reader gives is all that can be done.
  }
}

/** The damage a reader found in the closed state of `dir`, if any. */
export function closedDamage(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, 'closed', DAMAGED), 'utf8').trim() || 'damaged';
  } catch {
    return undefined;
  }
}

/** Whether the closed state of `generation` is there: manifest, release table sound, no damage found. */
export function closedCurrent(dir: string, generation: string, catalog: string): boolean {
  if (closedDamage(dir) !== undefined) return false;
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

/** One callers bucket as the closed state has read it. */
interface CallersBucketRead {
  stored?: CallersLines;
  entries: Map<string, CallerEntry[]>;
  all?: Map<string, string>;
}

/**
 * The closed state as an incremental closure reads and rewrites it: buckets read
 * on first use (each must carry the manifest's tag, else the state is unsound),
 * changes collected, then written bucket by bucket and the manifest last.
 */
export class ClosedState {
  private readonly buckets = new Map<string, ClosedBucket | undefined>();
  private readonly named = new Map<
    string,
    { file: string; line: string; json: string; def?: StoredDef }[]
  >();
  /**
   * Callers buckets read: their lines as stored, the entries decoded so far, and
   * (for a bucket that is rewritten) every line by name.
   */
  private readonly callerBuckets = new Map<string, CallersBucketRead>();
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
    if (m.problems.length) return { why: m.problems[0] };
    if (!m.header || !m.manifest) return { why: 'no closed state' };
    const stale = staleReason(m.header, catalog);
    if (stale) return { why: stale };
    if (m.header.generation !== generation)
      return { why: 'the closed state is not that of the files index before this run' };
    const damage = closedDamage(dir);
    if (damage) return { why: `an analysis found it damaged (${damage})` };
    const table = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE));
    if (table.problems.length || table.header?.generation !== m.manifest.release)
      return { why: 'the release table is not sound' };
    return new ClosedState(dir, m.manifest, m.header, table.values);
  }

  /** The bucket of `name` in this state (the manifest says how many there are). */
  private bucketOf(name: string): string {
    return manifestBucket(this.manifest, name);
  }

  /** A bucket, opened once (undefined when it is not of the manifest's state). */
  private bucket(b: string): ClosedBucket | undefined {
    if (this.buckets.has(b)) return this.buckets.get(b);
    const opened = ClosedBucket.open(
      bucketPath(this.dir, b),
      this.manifest.buckets[parseInt(b, 16)],
    );
    const bucket = opened instanceof ClosedBucket ? opened : undefined;
    if (!(opened instanceof ClosedBucket)) this.unsound ??= opened.problem;
    this.buckets.set(b, bucket);
    return bucket;
  }

  /** The lines of `name` in its bucket (nothing decoded yet). */
  private lines(name: string): { file: string; line: string; json: string; def?: StoredDef }[] {
    const known = this.named.get(name);
    if (known) return known;
    const bucket = this.bucket(this.bucketOf(name));
    const list = bucket ? bucket.linesOf(name) : [];
    this.named.set(name, list);
    if (bucket?.problems.length) this.unsound ??= bucket.problems[0];
    return list;
  }

  /** Every line of a bucket with its name and file (for rewriting it). */
  private allLines(b: string): { name: string; file: string; line: string }[] {
    const bucket = this.bucket(b);
    const out = bucket ? bucket.allLines() : [];
    if (bucket?.problems.length) this.unsound ??= bucket.problems[0];
    return out;
  }

  /** The stored closed summaries named `name` (one per defining file). */
  defsOf(name: string): StoredDef[] {
    const b = this.bucketOf(name);
    const out: StoredDef[] = [];
    for (const e of this.lines(name)) {
      if (!e.def) {
        const stored = JSON.parse(e.json) as StoredClosed;
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

  private callerBucket(b: string): CallersBucketRead {
    let m = this.callerBuckets.get(b);
    if (m) return m;
    const r = readCallersBucket(this.dir, b);
    if (r.problem) this.unsound ??= r.problem;
    else if (r.header?.generation !== this.manifest.callers[parseInt(b, 16)])
      this.unsound ??= `callers bucket ${b}: another state than the manifest`;
    m = { stored: r.lines, entries: new Map() };
    this.callerBuckets.set(b, m);
    return m;
  }

  /** The stored callers index entries of `name`. */
  callersOf(name: string): CallerEntry[] {
    const m = this.callerBucket(this.bucketOf(name));
    const known = m.entries.get(name);
    if (known) return known;
    const line = m.stored?.line(name);
    if (line === undefined) return [];
    try {
      const list = entriesOfLine(line);
      m.entries.set(name, list);
      return list;
    } catch {
      this.unsound ??= `callers bucket ${this.bucketOf(name)}: unreadable entries of ${name}`;
      return [];
    }
  }

  /**
   * Reads and checks every line of the callers buckets of `names`, which write()
   * rewrites: damage found there makes the state unsound before anything is written.
   */
  checkCallerBuckets(names: Iterable<string>): void {
    for (const b of new Set([...names].map((n) => this.bucketOf(n)))) this.storedCallerLines(b);
  }

  /** Every stored line of callers bucket `b`, by name (read once). */
  private storedCallerLines(b: string): Map<string, string> {
    const m = this.callerBucket(b);
    if (!m.all)
      try {
        m.all = m.stored?.all() ?? new Map<string, string>();
      } catch (e) {
        this.unsound ??= (e as Error).message;
        m.all = new Map<string, string>();
      }
    return m.all;
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
    // The state's size, kept up to date by what each rewrite adds or takes away
    // (taken from the disk once, for a manifest written before it was kept).
    let bytes = this.manifest.bytes ?? closedFilesBytes(this.dir);
    const rewrite = (file: string, write: () => number) => {
      const before = fileSize(file);
      bytes += write() - before;
    };
    const byBucket = new Map<string, { name: string; file: string; summary?: CalleeSummary }[]>();
    for (const c of closed.values()) {
      const b = this.bucketOf(c.name);
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
      const file = bucketPath(this.dir, b);
      rewrite(file, () => writeBucket(file, fileHeader, [...lines.values()]));
      manifest.buckets[parseInt(b, 16)] = tag;
    }
    const callerBuckets = new Set([...callers.keys()].map((n) => this.bucketOf(n)));
    for (const b of callerBuckets) {
      const names = new Map<string, string | CallerEntry[]>(this.storedCallerLines(b));
      for (const [n, list] of callers) if (this.bucketOf(n) === b) names.set(n, sortEntries(list));
      rewrite(callersPath(this.dir, b), () => writeCallersBucket(this.dir, b, fileHeader, names));
      manifest.callers[parseInt(b, 16)] = tag;
    }
    if (this.releases.list.length !== this.releaseCount) {
      rewrite(path.join(this.dir, 'closed', RELEASE_TABLE), () =>
        writeReleaseTable(this.dir, fileHeader, this.releases.list),
      );
      manifest.release = tag;
    }
    manifest.bytes = bytes;
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
 * A closed state as read back, in canonical form: every summary with its releases
 * resolved (by name, then file), every name's callers entries (by name), the
 * release reaches named (the table itself may hold more after incremental
 * updates). Two closed states of the same records compare equal this way
 * whatever their ids and bucket counts (an incremental closure keeps the count
 * the last whole closure chose).
 */
export function readClosedContent(dir: string): {
  summaries: (CalleeSummary | undefined)[];
  callers: [string, CallerEntry[]][];
  releases: string[];
  problems: string[];
} {
  const table = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE));
  const { manifest, problems } = readManifest(dir);
  problems.push(...table.problems);
  if (!manifest) problems.push(`${dir}: no closed summaries`);
  const referenced = new Set<string>();
  const summaries: (CalleeSummary | undefined)[] = [];
  const callers: [string, CallerEntry[]][] = [];
  for (let i = 0; i < (manifest?.buckets.length ?? 0); i++) {
    const b = bucketName(i);
    const r = readBucket(dir, b);
    problems.push(...r.problems);
    for (const v of r.values) {
      for (const id of v.rl ?? []) referenced.add(JSON.stringify(table.values[id]));
      summaries.push(decodeClosed(v, table.values, true));
    }
    const c = readCallersBucket(dir, b);
    if (c.problem) problems.push(c.problem);
    let lines = new Map<string, string>();
    try {
      lines = c.lines?.all() ?? lines;
    } catch (e) {
      problems.push((e as Error).message);
    }
    for (const [n, l] of lines) callers.push([n, entriesOfLine(l)]);
  }
  const key = (s: CalleeSummary | undefined) => (s ? `${s.name}\0${s.file}` : '');
  summaries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  callers.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { summaries, callers, releases: [...referenced].sort(), problems };
}

/** Every stored summary of bucket `b` (of the manifest's state when `tag` is given). */
function readBucket(
  dir: string,
  b: string,
  tag?: string,
): { file: string; values: StoredClosed[]; problems: string[] } {
  const file = bucketPath(dir, b);
  const opened = ClosedBucket.open(file, tag);
  if (!(opened instanceof ClosedBucket)) return { file, values: [], problems: [opened.problem] };
  const values = opened.allLines().map((l) => JSON.parse(l.json) as StoredClosed);
  return { file, values, problems: opened.problems };
}

/** Every closed summary of a tree's index, decoded (for tools that want them all). */
export function readAllClosed(dir: string): { summaries: CalleeSummary[]; problems: string[] } {
  const { manifest, problems } = readManifest(dir);
  if (!manifest) return { summaries: [], problems: [...problems, `${dir}: no closed summaries`] };
  const releases = readLines<ReleaseReach>(path.join(dir, 'closed', RELEASE_TABLE));
  problems.push(...releases.problems);
  if (releases.header?.generation !== manifest.release)
    problems.push(`${path.join(dir, 'closed', RELEASE_TABLE)}: another state than the manifest`);
  const summaries: CalleeSummary[] = [];
  for (let i = 0; i < manifest.buckets.length; i++) {
    const r = readBucket(dir, bucketName(i), manifest.buckets[i]);
    problems.push(...r.problems);
    for (const stored of r.values) {
      const s = decodeClosed(stored, releases.values);
      if (s) summaries.push(s);
      else
        problems.push(`${r.file}: the summary of ${stored.name} names a release the index lacks`);
    }
  }
  return { summaries, problems };
}
