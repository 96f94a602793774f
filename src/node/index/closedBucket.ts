// One bucket file of closed summaries (closed/XXX.jsonl):
//   LLIDX<TAB>{header}\n
//   <crc32><TAB>{"name":[offset,length],...}\n        the directory
//   <checksum><TAB>{"name":...,"file":...,...}\n     one line per summary, by name then file
// The directory gives each name the byte range of its lines (offsets from the
// first summary line), so a lookup reads the directory and the lines it needs,
// not the bucket: on a whole kernel a bucket is about 36 KB and its directory
// about 5.5 KB (4096 buckets), and all of fs/nfsd asks for names in 1049 of them.
// The directory has its own checksum, and each line its own: CRC-32s (crcKeys.ts).
import fs from 'node:fs';
import { crc32Hex } from '../crcKeys';
import { readShared } from './sharedRead';
import {
  checksum,
  headerLine,
  parseHeaderLine,
  writeAtomically,
  type IndexHeader,
} from './indexStore';

/** One stored summary line: its name and file, its JSON, the whole line (with `\n`). */
export interface BucketLine {
  name: string;
  file: string;
  json: string;
  line: string;
}

/** A summary line's key; lines start with {"name":...,"file":...} (encodeClosed's order). */
const LINE_KEY = /^\w+\t\{"name":("(?:[^"\\]|\\.)*"),"file":("(?:[^"\\]|\\.)*")/;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Lines in the bucket's order: by name, then file (a name's lines are one range). */
export function byNameFile(
  a: { name: string; file: string },
  b: { name: string; file: string },
): number {
  return cmp(a.name, b.name) || cmp(a.file, b.file);
}

/** Writes a bucket of `lines` (complete lines, `checksum<TAB>json\n`), sorted here. */
export function writeBucket(
  file: string,
  header: IndexHeader,
  lines: { name: string; file: string; line: string }[],
): number {
  const sorted = [...lines].sort(byNameFile);
  const dir: Record<string, [number, number]> = {};
  let at = 0;
  for (const l of sorted) {
    const n = Buffer.byteLength(l.line);
    const range = dir[l.name];
    if (range) range[1] += n;
    else dir[l.name] = [at, n];
    at += n;
  }
  const json = JSON.stringify(dir);
  return writeAtomically(file, [
    headerLine(header),
    `${crc32Hex(json)}\t${json}\n`,
    ...sorted.map((l) => l.line),
  ]);
}

/**
 * First read of a bucket: the header and the directory (about 20 KB per bucket
 * on a whole kernel; a longer one takes a second read).
 */
const FIRST_READ = 24 * 1024;

/** A bucket rewritten since it was opened: its directory no longer describes it. */
class Rewritten extends Error {
  constructor() {
    super('rewritten since it was opened (the index was updated): run again');
  }
}

/**
 * An opened bucket: its header and checked directory; lines are read when asked
 * for. Damage (a bad directory, a line whose checksum fails) is said in the
 * returned problem or in `problems`, and what is damaged is never handed out.
 */
export class ClosedBucket {
  /** Lines found damaged so far (each said once). */
  readonly problems: string[] = [];

  private constructor(
    readonly file: string,
    readonly header: IndexHeader,
    /** The directory's JSON bytes, one char per byte (searched, never parsed whole). */
    private readonly directory: string,
    /** File offset of the first summary line. */
    private readonly linesAt: number,
    /** The header line's bytes (with its `\n`), to tell a rewritten bucket. */
    private readonly headerBytes: Buffer,
  ) {}

  /**
   * Opens a bucket file. `tag`: the generation its header must carry (the
   * manifest's tag for it); another one means the bucket is of another state.
   * `first`: a name whose lines are read at once, through the same open file.
   */
  static open(
    file: string,
    tag?: string,
    first?: string,
  ): ClosedBucket | { problem: string; damaged: boolean } {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      return { problem: `${file}: ${(e as Error).message}`, damaged: true };
    }
    try {
      let head: Buffer;
      try {
        head = readStart(fd);
      } catch (e) {
        return { problem: `${file}: ${(e as Error).message}`, damaged: true };
      }
      const nl1 = head.indexOf(0x0a);
      const nl2 = nl1 < 0 ? -1 : head.indexOf(0x0a, nl1 + 1);
      const header = nl1 < 0 ? undefined : parseHeaderLine(head.toString('utf8', 0, nl1));
      if (!header || nl2 < 0)
        return { problem: `${file}: not a lifecycle-lens index bucket`, damaged: true };
      if (tag !== undefined && header.generation !== tag)
        // Not damage: an index run is rewriting the state, or stopped half-way (it re-closes).
        return { problem: `${file}: another state than the manifest`, damaged: false };
      const tab = head.indexOf(0x09, nl1 + 1);
      const directory = head.subarray(tab + 1, nl2);
      if (tab < 0 || tab > nl2 || crc32Hex(directory) !== head.toString('latin1', nl1 + 1, tab))
        return { problem: `${file}: checksum mismatch in the directory (corrupt)`, damaged: true };
      // Copied out of the shared read buffer: a string, and a line short enough for the pool.
      const bucket = new ClosedBucket(
        file,
        header,
        directory.toString('latin1'),
        nl2 + 1,
        Buffer.from(head.subarray(0, nl1 + 1)),
      );
      if (first !== undefined) bucket.read(first, { fd, head });
      return bucket;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Each name's lines as read (a name is asked for from many call sites). */
  private readonly named = new Map<string, BucketLine[]>();

  /** The lines of `name` whose checksum holds (none when the bucket has no such name). */
  linesOf(name: string): BucketLine[] {
    return this.named.get(name) ?? this.read(name);
  }

  /** `opened`: the file as it is being opened, and what was read of it. */
  private read(name: string, opened?: { fd: number; head: Buffer }): BucketLine[] {
    const out = this.find(name, opened);
    this.named.set(name, out);
    return out;
  }

  private find(name: string, opened?: { fd: number; head: Buffer }): BucketLine[] {
    const key = latin1OfUtf8(`${JSON.stringify(name)}:[`);
    const at = this.directory.indexOf(key);
    if (at < 0) return [];
    const range = /^(\d+),(\d+)\]/.exec(
      this.directory.slice(at + key.length, at + key.length + 24),
    );
    if (!range) return this.damaged(`unreadable directory entry of ${name}`);
    const start = this.linesAt + Number(range[1]);
    const length = Number(range[2]);
    let bytes: Buffer;
    if (opened && start + length <= opened.head.length)
      bytes = opened.head.subarray(start, start + length);
    else
      try {
        bytes = opened ? readRange(opened.fd, start, length) : this.reopened(start, length);
      } catch (e) {
        return this.damaged((e as Error).message, !(e instanceof Rewritten));
      }
    const out = this.checked(bytes.toString('utf8'));
    if (out.some((l) => l.name !== name))
      return this.damaged(`the directory's range of ${name} holds other lines`);
    return out;
  }

  /** Every line of the bucket whose checksum holds (for rewriting or reading it all). */
  allLines(): BucketLine[] {
    let text: string;
    try {
      text = readShared(this.file).toString('utf8', this.linesAt);
    } catch (e) {
      return this.damaged((e as Error).message);
    }
    return this.checked(text);
  }

  private checked(text: string): BucketLine[] {
    const out: BucketLine[] = [];
    for (let start = 0; start < text.length;) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = `${text.slice(start, end)}\n`;
      start = end + 1;
      const tab = line.indexOf('\t');
      const json = line.slice(tab + 1, -1);
      const k = LINE_KEY.exec(line);
      if (tab < 0 || !k || checksum(json) !== line.slice(0, tab)) {
        const name = k ? (JSON.parse(k[1]) as string) : undefined;
        this.damaged(`checksum mismatch${name ? ` in the summary of ${name}` : ''} (corrupt line)`);
        continue;
      }
      out.push({ name: JSON.parse(k[1]) as string, file: JSON.parse(k[2]) as string, json, line });
    }
    return out;
  }

  /**
   * Lines read after the bucket was opened: through the file as it is now, which
   * must still start with the header read then (a rewritten bucket carries a
   * new tag, and the directory read then does not describe it).
   */
  private reopened(start: number, length: number): Buffer {
    const header = this.headerBytes;
    const fd = fs.openSync(this.file, 'r');
    try {
      if (!readRange(fd, 0, header.length).equals(header)) throw new Rewritten();
      return readRange(fd, start, length);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The first damage found in the file (not a rewrite since it was opened). */
  damage?: string;

  private damaged(why: string, damage = true): [] {
    const p = `${this.file}: ${why}`;
    if (!this.problems.includes(p)) this.problems.push(p);
    if (damage) this.damage ??= p;
    return [];
  }
}

/** A name's directory key as the directory holds it: one char per UTF-8 byte. */
function latin1OfUtf8(text: string): string {
  return /[^\x20-\x7e]/.test(text) ? Buffer.from(text).toString('latin1') : text;
}

/**
 * The buffer every bucket's first read goes to. A fresh 24 KB buffer per bucket
 * costs its page faults (about 8 of 11 ms over 95 buckets, measured); nothing
 * keeps a view of this one past `ClosedBucket.open`.
 */
const firstRead = Buffer.allocUnsafe(FIRST_READ);

/**
 * The start of a file: FIRST_READ bytes, or more until its first two lines are
 * in. A view of `firstRead` (when that is enough), valid until the next call.
 */
function readStart(fd: number): Buffer {
  let buf = firstRead;
  let got = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, got, buf.length - got, got);
    got += n;
    const nl1 = buf.subarray(0, got).indexOf(0x0a);
    if (n === 0 || (nl1 >= 0 && buf.subarray(0, got).indexOf(0x0a, nl1 + 1) >= 0))
      return buf.subarray(0, got);
    if (got === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
  }
}

/** `length` bytes of an open file from `start` (fewer: the file is shorter than its directory says). */
function readRange(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, start + got);
    if (n === 0) throw new Error(`shorter than its directory says (${start + got} bytes)`);
    got += n;
  }
  return buf;
}
