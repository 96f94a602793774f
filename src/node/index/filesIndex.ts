// The files index: per source file its content hash, size, mtime and function
// records. One files-index file (a shard, a merge result, or one part of the
// cache's index) is:
//   LLIDX<TAB>{header}\n
//   <checksum><TAB>{"body":"<CRC-32 of the body>","files":[[path,hash,size,mtime,functions],...]}\n
//   <gzip of one entry per line, {"p","h","s","m","r"[,"k"]}, in the table's order>
// The table is read without inflating the body, so deciding what changed reads
// only tables; the body's CRC-32 catches a damaged body without inflating it (every
// run checks the 23 MB of a whole kernel's bodies). The
// cache keeps a tree's files index as PARTS such files (by path hash), so one
// edited file rewrites one small part.
import path from 'node:path';
import zlib from 'node:zlib';
import { crc32Hex, key64 } from '../crcKeys';
import { gunzipWhole } from './gunzip';
import { readShared } from './sharedRead';
import {
  checksum,
  headerLine,
  parseHeaderLine,
  writeAtomically,
  type FileEntry,
  type IndexHeader,
} from './indexStore';

/** What the table says about one file (enough to tell whether it changed). */
export interface FileStat {
  /** Path relative to the tree root. */
  p: string;
  /** sha1 of the content ('' when unreadable). */
  h: string;
  s: number;
  m: number;
  /** Functions recorded. */
  n: number;
}

/** An entry with its JSON kept as stored (most entries are carried over unparsed). */
export interface RawEntry extends FileStat {
  json: string;
}

export function rawEntry(e: FileEntry): RawEntry {
  return { p: e.p, h: e.h, s: e.s, m: e.m, n: e.r.length, json: JSON.stringify(e) };
}

export function parseEntry(e: RawEntry): FileEntry {
  return JSON.parse(e.json) as FileEntry;
}

export interface FilesIndexRead {
  header?: IndexHeader;
  /** Rows of the table (empty when the table is unusable). */
  table: FileStat[];
  /** Entries, when the body was asked for and is sound (else empty). */
  entries: RawEntry[];
  /** The body's checksum holds (checked whether or not the body was asked for). */
  bodyOk: boolean;
  problems: string[];
}

/** Reads a files-index file: its table always, its body (inflated) when `withBody`. */
export function readFilesIndex(file: string, withBody: boolean): FilesIndexRead {
  const { read, body } = readTable(file);
  if (!withBody || !body) return read;
  const text = inflated(file, read, body)?.toString('utf8');
  if (text === undefined) return read;
  let start = 0;
  for (const row of read.table) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    read.entries.push({ ...row, json: text.slice(start, end) });
    start = end + 1;
  }
  return read;
}

/**
 * Reads a files-index file for a few of its entries: `entry(p)` decodes only
 * the line of `p` (a whole part is about 30k lines on a whole kernel, and the
 * incremental closure asks for one or two).
 */
export function readFilesIndexEntries(file: string): {
  read: FilesIndexRead;
  entry: (p: string) => RawEntry | undefined;
} {
  const { read, body } = readTable(file);
  const text = body && inflated(file, read, body);
  const row = new Map(read.table.map((r, i) => [r.p, i]));
  let starts: number[] | undefined;
  const entry = (p: string): RawEntry | undefined => {
    const i = row.get(p);
    if (i === undefined || !text) return undefined;
    if (!starts) {
      starts = [0];
      for (let at = text.indexOf(0x0a); at >= 0; at = text.indexOf(0x0a, at + 1))
        starts.push(at + 1);
    }
    const start = starts[i];
    if (start === undefined) return undefined;
    const end = (starts[i + 1] ?? text.length + 1) - 1;
    return { ...read.table[i]!, json: text.toString('utf8', start, end) };
  };
  return { read, entry };
}

/**
 * The header and table of a files-index file, and its body when its checksum
 * holds: a view of readShared's buffer, valid until the next read.
 */
function readTable(file: string): { read: FilesIndexRead; body?: Buffer } {
  const out: FilesIndexRead = { table: [], entries: [], bodyOk: false, problems: [] };
  let buf: Buffer;
  try {
    buf = readShared(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      out.problems.push(`${file}: ${(e as Error).message}`);
    return { read: out };
  }
  const nl1 = buf.indexOf(0x0a);
  const nl2 = nl1 < 0 ? -1 : buf.indexOf(0x0a, nl1 + 1);
  out.header = parseHeaderLine(buf.toString('utf8', 0, nl1 < 0 ? buf.length : nl1));
  if (!out.header) {
    out.problems.push(`${file}: not a lifecycle-lens index file (bad header)`);
    return { read: out };
  }
  if (nl2 < 0) {
    out.problems.push(`${file}: truncated (no table of files)`);
    return { read: out };
  }
  const line = buf.toString('utf8', nl1 + 1, nl2);
  const tab = line.indexOf('\t');
  const json = line.slice(tab + 1);
  let table: { body: string; files: [string, string, number, number, number][] };
  try {
    if (tab < 0 || checksum(json) !== line.slice(0, tab)) throw new Error('checksum');
    table = JSON.parse(json) as typeof table;
  } catch {
    out.problems.push(
      `${file}: checksum mismatch in the table of files (corrupt): its files are re-indexed`,
    );
    return { read: out };
  }
  out.table = table.files.map(([p, h, s, m, n]) => ({ p, h, s, m, n }));
  const body = buf.subarray(nl2 + 1);
  out.bodyOk = crc32Hex(body) === table.body;
  if (!out.bodyOk) {
    out.problems.push(
      `${file}: checksum mismatch in the records (corrupt): its ${out.table.length} file(s) are re-indexed`,
    );
    return { read: out };
  }
  return { read: out, body };
}

/** The inflated body, or undefined (said in `read`, whose body is then not sound). */
function inflated(file: string, read: FilesIndexRead, body: Buffer): Buffer | undefined {
  try {
    return gunzipWhole(body);
  } catch (e) {
    read.bodyOk = false;
    read.problems.push(
      `${file}: unreadable records (${(e as Error).message}): its files are re-indexed`,
    );
    return undefined;
  }
}

/** The bytes of a files-index file holding `entries` (sorted by path). */
export function filesIndexBytes(header: IndexHeader, entries: RawEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  const body = zlib.gzipSync(sorted.map((e) => e.json).join('\n'), { level: 6 });
  const table = JSON.stringify({
    body: crc32Hex(body),
    files: sorted.map((e) => [e.p, e.h, e.s, e.m, e.n]),
  });
  return Buffer.concat([Buffer.from(headerLine(header) + `${checksum(table)}\t${table}\n`), body]);
}

/** Writes a files-index file atomically; returns its size. */
export function writeFilesIndex(
  file: string,
  header: IndexHeader,
  entries: (RawEntry | FileEntry)[],
): number {
  return writeAtomically(file, [
    filesIndexBytes(
      header,
      entries.map((e) => ('json' in e ? e : rawEntry(e))),
    ),
  ]);
}

/** Parts of a tree's files index in the cache: an edit rewrites 1/PARTS of it. */
export const PARTS = 256;

/** Part of a path (FNV-1a: stable across runs and hosts). */
export function partOf(rel: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rel.length; i++) {
    h ^= rel.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PARTS;
}

export function partPath(dir: string, part: number): string {
  return path.join(dir, 'files', `${part.toString(16).padStart(2, '0')}.llidx`);
}

/**
 * The generation of a whole files index: changes whenever any part does, so closed
 * summaries of another state of the files are known to be stale.
 */
export function combinedGeneration(parts: (IndexHeader | undefined)[]): string {
  return key64(parts.map((h) => h?.generation ?? '-').join(','));
}

/** Writes a whole files index into the cache's parts (every part, so none of an older state stays). */
export function writeParts(
  dir: string,
  header: IndexHeader,
  entries: (RawEntry | FileEntry)[],
): IndexHeader[] {
  const byPart: (RawEntry | FileEntry)[][] = Array.from({ length: PARTS }, () => []);
  for (const e of entries) byPart[partOf(e.p)].push(e);
  byPart.forEach((list, i) => writeFilesIndex(partPath(dir, i), header, list));
  return byPart.map(() => header);
}

/** The entries of each part of a tree's files index in turn (unsound parts said in `problems`). */
export function* partEntries(dir: string, problems: string[]): Iterable<RawEntry[]> {
  for (let i = 0; i < PARTS; i++) {
    const r = readFilesIndex(partPath(dir, i), true);
    problems.push(...r.problems);
    yield r.entries;
  }
}
