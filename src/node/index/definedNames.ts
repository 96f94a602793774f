// Which files of a tree look like they define each function name: how the
// on-demand summaries find a callee's file when the tree has no index. Scanning
// a whole kernel's text for definitions takes seconds (6.12: 60,000 files, about
// 8 s here) on every run, so each file's names are kept in the cache beside the
// tree's index and only files whose size or mtime changed are scanned again.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { gunzipWhole } from './gunzip';
import type { TreeFile } from './kernelTree';

/** Files larger than this are not scanned (generated tables, not code). */
export const SCAN_MAX_BYTES = 2 * 1024 * 1024;

/** Bump when the scan below changes what it finds. */
const NAMES_FORMAT = 1;

/** A file's names and the stat they were scanned at: [size, mtime, names]. */
type Scanned = [number, number, string[]];

interface NamesFile {
  format: number;
  files: Record<string, Scanned>;
}

// A definition starts at column 0 with its type or name and is not a declaration.
const HEAD = /^(?!static_assert|typedef|extern|#|\/\/|\/\*|\s)[^;=(]*?\b([A-Za-z_]\w*)\s*\(/gm;

/** Names a C text seems to define, in order of appearance (repeats kept once). */
export function scanDefinitions(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(HEAD)) {
    const end = text.indexOf('\n', m.index);
    const line = text.slice(m.index, end < 0 ? undefined : end).trimEnd();
    if (line.endsWith(';') || seen.has(m[1])) continue;
    seen.add(m[1]);
    out.push(m[1]);
  }
  return out;
}

function readNames(file: string): Record<string, Scanned> {
  try {
    const parsed = JSON.parse(gunzipWhole(fs.readFileSync(file)).toString('utf8')) as NamesFile;
    return parsed.format === NAMES_FORMAT && parsed.files ? parsed.files : {};
  } catch {
    // Missing, truncated or another program's file: scanned again, rewritten whole.
    return {};
  }
}

function writeNames(file: string, files: Record<string, Scanned>): void {
  const body: NamesFile = { format: NAMES_FORMAT, files };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, zlib.gzipSync(JSON.stringify(body), { level: 1 }));
  fs.renameSync(tmp, file);
}

/**
 * Name -> files that seem to define it, in `files` order, leaving out `skip`.
 * With `cacheFile`, unchanged files are not read again; the cache is rewritten
 * only when a file was scanned (a failure to write it is returned, not thrown).
 */
export function definedNames(
  root: string,
  files: TreeFile[],
  skip: ReadonlySet<string>,
  cacheFile?: string,
): { defs: Map<string, string[]>; scanned: number; problem?: string } {
  const kept = cacheFile ? readNames(cacheFile) : {};
  const now: Record<string, Scanned> = {};
  const defs = new Map<string, string[]>();
  let scanned = 0;
  for (const f of files) {
    if (f.size > SCAN_MAX_BYTES) continue;
    let entry = kept[f.rel];
    if (!entry || entry[0] !== f.size || entry[1] !== f.mtimeMs) {
      let text: string;
      try {
        text = fs.readFileSync(path.join(root, f.rel), 'utf8');
      } catch {
        continue;
      }
      entry = [f.size, f.mtimeMs, scanDefinitions(text)];
      scanned++;
    }
    now[f.rel] = entry;
    if (skip.has(f.rel)) continue;
    for (const name of entry[2]) {
      const list = defs.get(name);
      if (list) list.push(f.rel);
      else defs.set(name, [f.rel]);
    }
  }
  let problem: string | undefined;
  const removed = Object.keys(kept).some((rel) => !(rel in now));
  if (cacheFile && (scanned || removed))
    try {
      writeNames(cacheFile, now);
    } catch (e) {
      problem = `could not keep the tree's definition names in ${cacheFile}: ${(e as Error).message}`;
    }
  return { defs, scanned, problem };
}
