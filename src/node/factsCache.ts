// Per-file facts kept between command-line runs, in the user's cache directory:
// what eslint --cache or mypy's incremental cache do for their own per-file
// work. Extracting a file's facts (mask, parse, copy the tree, CFGs) is most of
// an analysis; a file whose text, path, catalog and build are all unchanged
// since an earlier run gets them back from here instead, so a reviewer who runs
// `analyze fs/nfsd` again after patching two files extracts those two.
//
// One file per source file: `facts/<build>/<key>.bin` where key is a 64-bit key
// (crcKeys.ts) of the catalog, the path and the text, a checked file (checkedFile.ts) holding
// the facts in V8's serialization format (the structured clone the extraction
// worker already uses to hand facts to the main thread, so facts read back are
// the same values). A damaged, foreign or unreadable entry is never used: the
// file is extracted again and the entry rewritten. Only the current
// build's directory is kept, and it is trimmed to its size limit, oldest first.
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport } from '../core/model';
import { readChecked, writeChecked } from './checkedFile';
import { key64 } from './crcKeys';

const MAGIC = Buffer.from('lifecycle-lens facts 1\n');
/** Above this the oldest entries go (6.12 fs/nfsd: 7.9 MB of facts for 1.3 MB of C). */
export const FACTS_CACHE_LIMIT_BYTES = 512 * 1024 * 1024;
/** The size limit is checked at most this often (it lists the whole directory). */
const TRIM_EVERY_MS = 60 * 60 * 1000;

/** One file's extraction, as analyzeSourcesParallel hands it on. */
export interface CachedExtraction {
  facts: FileFacts;
  report: ParseReport;
}

/** What the cache did in one run (said under --verbose). */
export interface FactsCacheUse {
  read: number;
  written: number;
  /** Entries found damaged or owned by another user, extracted again. */
  refused: number;
}

/** Where one build of the tool keeps facts extracted with one catalog. */
export interface FactsCacheKey {
  /** `<cache>/facts/<build>`. */
  dir: string;
  /** Hash of the catalog the facts were extracted with. */
  catalog: string;
}

/**
 * The cache of this build: `build` names everything that shapes facts besides
 * the source and the catalog (the bundle and the grammar, by size and time).
 */
export function factsCacheKey(cacheDir: string, build: string, catalog: string): FactsCacheKey {
  return { dir: path.join(cacheDir, 'facts', build), catalog };
}

/** The build of the running bundle and its grammar (by size and time), as a directory name. */
export function bundleBuild(files: string[]): string {
  const lines = files.map((f) => {
    const s = fs.statSync(f, { throwIfNoEntry: false });
    return `${path.basename(f)}:${s ? `${s.size}:${Math.trunc(s.mtimeMs)}` : 'absent'}\n`;
  });
  return key64(lines.join(''));
}

/** The entry name of one source file's facts. */
export function factsEntry(key: FactsCacheKey, file: string, text: string): string {
  return key64(`${key.catalog}\0${file}\0${text}`);
}

/** An entry's facts, or why there are none. */
export function readFacts(
  key: FactsCacheKey,
  entry: string,
): CachedExtraction | 'none' | 'damaged' | 'foreign' {
  const data = readChecked(path.join(key.dir, `${entry}.bin`), MAGIC);
  if (!Buffer.isBuffer(data)) return data;
  try {
    const value = v8.deserialize(data) as Partial<CachedExtraction> | null;
    return value && typeof value === 'object' && value.facts && value.report
      ? (value as CachedExtraction)
      : 'damaged';
  } catch {
    return 'damaged';
  }
}

/**
 * Writes an entry whole or not at all. A cache that cannot be written (read-only,
 * full disk) costs only the next run's extraction, so failures are swallowed.
 */
export function writeFacts(key: FactsCacheKey, entry: string, value: CachedExtraction): boolean {
  try {
    fs.mkdirSync(key.dir, { recursive: true });
    writeChecked(path.join(key.dir, `${entry}.bin`), MAGIC, v8.serialize(value));
    return true;
  } catch {
    return false;
  }
}

/**
 * Drops other builds' directories and, at most once an hour, the oldest entries
 * of this one beyond `limit` bytes. Runs after a run wrote entries.
 */
export function trimFactsCache(
  key: FactsCacheKey,
  limit = FACTS_CACHE_LIMIT_BYTES,
  now = Date.now(),
): void {
  try {
    const root = path.dirname(key.dir);
    const own = path.basename(key.dir);
    for (const other of fs.readdirSync(root))
      if (other !== own) fs.rmSync(path.join(root, other), { recursive: true, force: true });
    const stamp = path.join(key.dir, 'trimmed');
    const last = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
    if (now - last < TRIM_EVERY_MS) return;
    fs.writeFileSync(stamp, '');
    fs.utimesSync(stamp, now / 1000, now / 1000);
    const entries = fs
      .readdirSync(key.dir)
      .filter((n) => n.endsWith('.bin') || n.endsWith('.tmp'))
      .map((n) => {
        const s = fs.statSync(path.join(key.dir, n));
        return { n, size: s.size, t: s.mtimeMs };
      })
      .sort((a, b) => b.t - a.t);
    let total = 0;
    for (const e of entries) {
      total += e.size;
      // Temporary files older than a minute belong to a run that died.
      if (total > limit || (e.n.endsWith('.tmp') && now - e.t > 60_000))
        fs.rmSync(path.join(key.dir, e.n), { force: true });
    }
  } catch {
    // Trimming is housekeeping: the next run tries again.
  }
}
