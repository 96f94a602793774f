// The on-disk index of a kernel tree, two parts:
//   files/XX.llidx  per source file: content hash, size, mtime, function records
//                   (the source of truth; see filesIndex.ts; a shard or a merge
//                   result is one such file)
//   closed/XXX.jsonl summaries closed over the whole tree, bucketed by name hash,
//                   each bucket with a directory of its names (closedBucket.ts),
//                   so an analysis reads only the lines of the callees it needs;
//                   compact lines (closedRecords.ts), each with its own checksum.
//   closed/callers/XXX.gz  who calls, defers to, calls back or registers each name
//                   (callersIndex.ts): what an incremental closure walks.
//   closed/manifest.jsonl  the closed state: the files generation it was closed
//                   from and the tag of every closed file (written last).
// Every file starts with a header line naming the format, summary format and
// catalog it was built with; another header means "stale: rebuild, never use".
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32Hex } from '../crcKeys';
import {
  SUMMARY_FORMAT_VERSION,
  ANALYSIS_VERSION,
  type FunctionRecord,
} from '../../core/analysis/calleeSummary';

/**
 * 2: files index in gzip parts with a table of files; compact closed summaries.
 * 3: closed state in a manifest with a tag per file, a callers index, tree
 * contexts with their depth (the incremental closure).
 * 4: a directory in each closed bucket (a lookup reads its lines, not the bucket).
 * 5: (the format of 4, with another analysis's summaries)
 * 6: line checksums and the tree's directory tag are CRC-32 (crcKeys.ts), not SHA-1.
 */
export const INDEX_FORMAT_VERSION = 6;
const MAGIC = 'LLIDX';

export interface IndexHeader {
  format: number;
  summaryFormat: number;
  /** The analysis version that wrote it (ANALYSIS_VERSION). */
  analysis?: string;
  /** Hash of the catalog the records were computed with. */
  catalog: string;
  /** Absolute tree root (informative; merge keeps the first). */
  root: string;
  /**
   * Files parts: changes when the part's summaries do. Closed buckets: the combined
   * generation of the parts they were closed from (another one is stale).
   */
  generation: string;
  kind: 'files' | 'closed';
  /** For shards: "i/n". */
  shard?: string;
}

export interface FileEntry {
  /** Path relative to the tree root. */
  p: string;
  /** sha1 of the content. */
  h: string;
  s: number;
  m: number;
  /** Function records, `file` left out (it is `p`). */
  r: Omit<FunctionRecord, 'file'>[];
  /** Why the file has no records. */
  k?: string;
}

/** A line's checksum (of its UTF-8 text: a string and its bytes give the same). */
export function checksum(text: string | Buffer): string {
  return crc32Hex(text);
}

/** A file's content hash: only indexing computes it, so SHA-1 costs no start-up. */
export function contentHash(buf: Buffer | string): string {
  return crypto.createHash('sha1').update(buf).digest('hex');
}

export { defaultCacheDir } from '../cacheDir';

/** The directory holding one tree's index. */
export function treeIndexDir(cacheDir: string, root: string): string {
  let real = path.resolve(root);
  try {
    real = fs.realpathSync(root);
  } catch {
    // keep the resolved path
  }
  const tag = path.basename(real).replace(/[^\w.-]/g, '_') || 'root';
  return path.join(cacheDir, `index-v${INDEX_FORMAT_VERSION}`, `${tag}-${checksum(real)}`);
}

/** Indexes of `root` in older formats (rebuilt in the current one, then removed). */
export function olderIndexDirs(cacheDir: string, root: string): string[] {
  const current = treeIndexDir(cacheDir, root);
  const out: string[] = [];
  for (let v = 1; v < INDEX_FORMAT_VERSION; v++) {
    const dir = current.replace(`index-v${INDEX_FORMAT_VERSION}`, `index-v${v}`);
    if (fs.existsSync(dir)) out.push(dir);
  }
  return out;
}

/** Bytes of the files directly in `dir` (0 when there is no such directory). */
export function filesIn(dir: string): number {
  let n = 0;
  try {
    for (const f of fs.readdirSync(dir, { withFileTypes: true }))
      if (f.isFile()) n += fileSize(path.join(dir, f.name));
  } catch {
    // none
  }
  return n;
}

/** A file's size in bytes, 0 when there is none. */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function formatLine(value: unknown): string {
  const json = JSON.stringify(value);
  return `${checksum(json)}\t${json}\n`;
}

export function headerLine(h: IndexHeader): string {
  return `${MAGIC}\t${JSON.stringify(h)}\n`;
}

export interface ReadResult<T> {
  header?: IndexHeader;
  values: T[];
  /** Messages about what was found wrong (each bad line, a bad header). */
  problems: string[];
}

/** Reads a checksummed JSON-lines file; bad lines are reported and left out. */
export function readLines<T>(file: string): ReadResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return {
      values: [],
      problems:
        (e as NodeJS.ErrnoException).code === 'ENOENT' ? [] : [`${file}: ${(e as Error).message}`],
    };
  }
  return parseLines<T>(text, file);
}

export function parseLines<T>(text: string, file: string): ReadResult<T> {
  const out: ReadResult<T> = { values: [], problems: [] };
  walkRecords(text, file, out, (json, n) => {
    try {
      out.values.push(JSON.parse(json) as T);
    } catch {
      out.problems.push(`${file}:${n}: unreadable record`);
    }
  });
  return out;
}

/**
 * Walks an index file's text: the header line first (`MAGIC<TAB>json`), then one
 * `checksum<TAB>json` line per record. Records whose checksum holds go to `record`;
 * problems are said per line. A bad header ends the walk.
 */
function walkRecords(
  text: string,
  file: string,
  out: { header?: IndexHeader; problems: string[] },
  record: (json: string, line: number) => void,
): void {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    n++;
    if (!line) continue;
    const tab = line.indexOf('\t');
    if (n === 1) {
      out.header = parseHeaderLine(line);
      if (!out.header) {
        out.problems.push(`${file}: not a lifecycle-lens index file (bad header)`);
        return;
      }
      continue;
    }
    const json = tab < 0 ? '' : line.slice(tab + 1);
    if (tab < 0 || checksum(json) !== line.slice(0, tab)) {
      out.problems.push(`${file}:${n}: checksum mismatch (corrupt record)`);
      continue;
    }
    record(json, n);
  }
  if (!out.header) out.problems.push(`${file}: empty index file`);
}

/** The header of an index file's first line, or undefined when it is not one. */
export function parseHeaderLine(line: string): IndexHeader | undefined {
  const tab = line.indexOf('\t');
  if (tab < 0 || line.slice(0, tab) !== MAGIC) return undefined;
  try {
    const h = JSON.parse(line.slice(tab + 1)) as IndexHeader;
    return typeof h === 'object' && h !== null && typeof h.format === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Why a header cannot be used with this build, or undefined. */
export function staleReason(h: IndexHeader | undefined, catalog: string): string | undefined {
  if (!h) return 'no header';
  if (h.format !== INDEX_FORMAT_VERSION)
    return `index format ${h.format}, this build reads ${INDEX_FORMAT_VERSION}`;
  if (h.summaryFormat !== SUMMARY_FORMAT_VERSION)
    return `summary format ${h.summaryFormat}, this build writes ${SUMMARY_FORMAT_VERSION}`;
  if (h.catalog !== catalog) return 'built with another primitive catalog';
  if (h.analysis !== ANALYSIS_VERSION)
    return `built by another version of the analysis (${h.analysis ?? 'unknown'}, this build is ${ANALYSIS_VERSION})`;
  return undefined;
}

/** Writes atomically: a reader sees the old file or the new one, never half. */
export function writeAtomically(file: string, chunks: Iterable<string | Buffer>): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let bytes = 0;
  try {
    let buf: string[] = [];
    let size = 0;
    for (const c of chunks) {
      if (typeof c !== 'string') {
        if (buf.length) bytes += fs.writeSync(fd, buf.join(''));
        buf = [];
        size = 0;
        bytes += fs.writeSync(fd, c);
        continue;
      }
      buf.push(c);
      size += c.length;
      if (size > 1 << 20) {
        bytes += fs.writeSync(fd, buf.join(''));
        buf = [];
        size = 0;
      }
    }
    if (buf.length) bytes += fs.writeSync(fd, buf.join(''));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return bytes;
}

/**
 * Buckets of closed summaries and of callers (3 hex digits); a lookup reads only
 * its name's bucket, and an edit rewrites the buckets of the names it changes.
 * A whole closure chooses the count from the number of summaries, about
 * FUNCTIONS_PER_BUCKET per bucket, a power of two from MIN_BUCKETS to
 * MAX_BUCKETS; incremental closures keep it, and the manifest says it. On a
 * whole kernel (711k functions) that is 4096: a closed bucket is about 36 KB,
 * a callers bucket about 11 KB compressed, and a one-line edit rewrites about
 * 2.5 MB (10 MB with format 4's 1024); a small tree gets 16, not 8192 files.
 */
export const MIN_BUCKETS = 16;
export const MAX_BUCKETS = 4096;
const FUNCTIONS_PER_BUCKET = 128;

/** The bucket count for a closure of `summaries` summaries. */
export function bucketCount(summaries: number): number {
  let n = MIN_BUCKETS;
  while (n < MAX_BUCKETS && n * FUNCTIONS_PER_BUCKET < summaries) n *= 2;
  return n;
}

/** Whether `n` is a bucket count a closure can have chosen. */
function isBucketCount(n: number): boolean {
  return n >= MIN_BUCKETS && n <= MAX_BUCKETS && (n & (n - 1)) === 0;
}

/** Bucket of a function name among `count` (FNV-1a, so it is stable across runs and hosts). */
export function bucketOf(name: string, count: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) % count).toString(16).padStart(3, '0');
}

/** The release reaches the buckets' ids point into (one table per closed index). */
export const RELEASE_TABLE = 'release.jsonl';

/** Bucket file name of bucket number i. */
export function bucketName(i: number): string {
  return i.toString(16).padStart(3, '0');
}

/** The closed state's manifest (in closed/): written after every file it names. */
export const MANIFEST = 'manifest.jsonl';

/**
 * What the manifest says beyond its header (whose generation is the combined
 * generation of the files parts the summaries were closed from): the tag every
 * closed file must carry in its header's generation to belong to this state.
 */
export interface ClosedManifest {
  /** One tag per closed bucket: their number is the state's bucket count. */
  buckets: string[];
  callers: string[];
  release: string;
  /**
   * Bytes of the state's bucket, callers and release files (the manifest left
   * out), kept so that a run can say the index's size without a stat of each of
   * them. Absent in manifests written before it was kept.
   */
  bytes?: number;
}

/** The bucket of `name` in the closed state of manifest `m` (its tag list's length is the count). */
export function manifestBucket(m: ClosedManifest, name: string): string {
  return bucketOf(name, m.buckets.length);
}

export function readManifest(dir: string): {
  header?: IndexHeader;
  manifest?: ClosedManifest;
  problems: string[];
} {
  const file = path.join(dir, 'closed', MANIFEST);
  const r = readLines<ClosedManifest>(file);
  const m = r.values[0];
  const ok =
    m &&
    Array.isArray(m.buckets) &&
    isBucketCount(m.buckets.length) &&
    Array.isArray(m.callers) &&
    m.callers.length === m.buckets.length &&
    typeof m.release === 'string' &&
    (m.bytes === undefined || (Number.isSafeInteger(m.bytes) && m.bytes >= 0));
  if (m && !ok) r.problems.push(`${file}: unreadable manifest (its bucket lists)`);
  return { header: r.header, ...(ok ? { manifest: m } : {}), problems: r.problems };
}

export function writeManifest(dir: string, header: IndexHeader, m: ClosedManifest): number {
  return writeAtomically(path.join(dir, 'closed', MANIFEST), [headerLine(header), formatLine(m)]);
}

export function toFileEntry(
  p: string,
  h: string,
  s: number,
  m: number,
  records: FunctionRecord[],
  skipped?: string,
): FileEntry {
  const e: FileEntry = {
    p,
    h,
    s,
    m,
    r: records.map((r) => {
      const { file: _file, ...rest } = r;
      void _file;
      return rest;
    }),
  };
  if (skipped) e.k = skipped;
  return e;
}

export function recordsOfEntry(e: FileEntry): FunctionRecord[] {
  return e.r.map((r) => ({ ...r, file: e.p }));
}

/** The header of an index file (its first line), or undefined. */
export function readHeader(file: string): IndexHeader | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return parseHeaderLine(buf.toString('utf8', 0, n).split('\n', 1)[0]);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
