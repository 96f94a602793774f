// `lifecycle-lens index`: a map over the tree's files (records per file, on
// worker threads, only for files whose content changed) plus a merge (the
// tree-wide closure of the summaries, written in name buckets).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  closeSummaries,
  isDefaultReach,
  treeContexts,
  RecordTable,
  SUMMARY_FORMAT_VERSION,
  type CalleeSummary,
} from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import { listTreeFiles, type TreeFile } from './kernelTree';
import type { IndexBatch, IndexReply } from './indexWorker';
import {
  contentHash,
  INDEX_FORMAT_VERSION,
  FIRST_BUCKET,
  functionsIn,
  readHeader,
  readLines,
  readRawEntries,
  recordsOfEntry,
  staleReason,
  treeIndexDir,
  writeClosed,
  writeFilesIndex,
  type FileEntry,
  type IndexHeader,
  type RawEntry,
} from './indexStore';

/** An entry as read (kept unparsed) or as just computed. */
type Entry = RawEntry | FileEntry;

/** Hash of the catalog: records computed with another catalog are stale. */
export function catalogKey(catalog: CatalogIndex): string {
  return crypto
    .createHash('sha1')
    .update(JSON.stringify(catalog.catalog))
    .digest('hex')
    .slice(0, 16);
}

export interface IndexProgress {
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface IndexOptions {
  root: string;
  cacheDir: string;
  catalog: CatalogIndex;
  wasmDirs: string[];
  workerScript: string;
  /** Index only files whose path hash falls in shard i of n, written to `out`. */
  shard?: { i: number; n: number };
  /** Write the files index here instead of the cache (shards). */
  out?: string;
  threads?: number;
  onProgress?: (p: IndexProgress) => void;
  log?: (message: string) => void;
  /**
   * Stops the build: no new batches go out, the files done so far are written
   * (a valid files index; the next build indexes the rest), the closure is skipped.
   */
  signal?: AbortSignal;
}

export interface IndexStats {
  files: number;
  indexed: number;
  reused: number;
  removed: number;
  functions: number;
  sourceBytes: number;
  indexedBytes: number;
  indexBytes: number;
  problems: number;
  closed: boolean;
  /** Stopped by the signal: `indexed` files of the todo list were done, no closure. */
  cancelled?: boolean;
  ms: { list: number; index: number; write: number; close: number; total: number };
}

/** Shard of a path: stable across hosts, so a CI matrix splits the same way everywhere. */
export function shardOf(rel: string, n: number): number {
  return parseInt(crypto.createHash('sha1').update(rel).digest('hex').slice(0, 8), 16) % n;
}

export async function buildIndex(o: IndexOptions): Promise<IndexStats> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const dir = treeIndexDir(o.cacheDir, o.root);
  const filesPath = o.out ?? path.join(dir, 'files.jsonl');
  const cat = catalogKey(o.catalog);
  let listed = listTreeFiles(o.root);
  if (o.shard) listed = listed.filter((f) => shardOf(f.rel, o.shard!.n) === o.shard!.i);
  const tList = performance.now();

  // What is there already, and usable (entries kept unparsed unless needed).
  const old = new Map<string, RawEntry>();
  const read = readRawEntries(filesPath);
  let problems = read.problems.length;
  const stale = read.header ? staleReason(read.header, cat) : undefined;
  if (stale) {
    log(`index ${filesPath} is stale (${stale}): rebuilding`);
    problems++;
  } else {
    for (const p of read.problems) log(`${p}: that file is re-indexed`);
    for (const e of read.entries) old.set(e.p, e);
  }

  const entries: Entry[] = [];
  const todo: TreeFile[] = [];
  let reused = 0;
  for (const f of listed) {
    const e = old.get(f.rel);
    if (e && e.s === f.size && e.m === f.mtimeMs) {
      entries.push(e);
      reused++;
      continue;
    }
    if (e && e.s === f.size) {
      // Touched but maybe unchanged: the content hash decides.
      try {
        if (contentHash(fs.readFileSync(path.join(o.root, f.rel))) === e.h) {
          entries.push({ ...(JSON.parse(e.json) as FileEntry), m: f.mtimeMs });
          reused++;
          continue;
        }
      } catch {
        // unreadable now: indexed below, which records why
      }
    }
    todo.push(f);
  }
  const listedSet = new Set(listed.map((f) => f.rel));
  const removed = [...old.keys()].filter((p) => !listedSet.has(p)).length;
  const indexedBytes = todo.reduce((n, f) => n + f.size, 0);
  if (todo.length)
    log(
      `indexing ${todo.length} of ${listed.length} files (${(indexedBytes / 1048576).toFixed(1)} MiB)`,
    );
  const fresh = await indexFiles(o, todo);
  entries.push(...fresh);
  const tIndex = performance.now();

  const changed =
    fresh.length > 0 || removed > 0 || !!stale || read.problems.length > 0 || !read.header;
  // Early cutoff: files re-summarised to the very same records (a comment, an edit
  // that changes no summary) leave every closed summary as it was.
  const sameSummaries =
    changed &&
    !stale &&
    !!read.header &&
    removed === 0 &&
    read.problems.length === 0 &&
    fresh.every((e) => {
      const before = old.get(e.p);
      return (
        !!before && JSON.stringify((JSON.parse(before.json) as FileEntry).r) === JSON.stringify(e.r)
      );
    });
  let indexBytes: number;
  const generation =
    changed && !sameSummaries
      ? crypto.randomBytes(8).toString('hex')
      : (read.header?.generation ?? '');
  const header: IndexHeader = {
    format: INDEX_FORMAT_VERSION,
    summaryFormat: SUMMARY_FORMAT_VERSION,
    catalog: cat,
    root: path.resolve(o.root),
    generation,
    kind: 'files',
    ...(o.shard ? { shard: `${o.shard.i}/${o.shard.n}` } : {}),
  };
  if (changed) indexBytes = writeFilesIndex(filesPath, header, entries);
  else indexBytes = fs.statSync(filesPath).size;
  const tWrite = performance.now();

  // The merge step: closed summaries for the whole tree (not for a shard, nor a
  // cancelled build: the closed buckets stay those of the last complete one).
  const cancelled = fresh.length < todo.length;
  let closed = false;
  if (!o.shard && !o.out && !cancelled) {
    if (!closedCurrent(dir, generation)) {
      indexBytes += closeAndWrite(
        dir,
        { ...header, kind: 'closed' },
        entries.map((e) => ('json' in e ? (JSON.parse(e.json) as FileEntry) : e)),
      );
      closed = true;
    } else indexBytes += closedSize(dir);
  }
  const tEnd = performance.now();
  return {
    files: listed.length,
    indexed: fresh.length,
    reused,
    removed,
    functions: entries.reduce((n, e) => n + ('json' in e ? functionsIn(e.json) : e.r.length), 0),
    sourceBytes: listed.reduce((n, f) => n + f.size, 0),
    indexedBytes,
    indexBytes,
    problems,
    closed,
    ...(cancelled ? { cancelled } : {}),
    ms: {
      list: tList - t0,
      index: tIndex - tList,
      write: tWrite - tIndex,
      close: tEnd - tWrite,
      total: tEnd - t0,
    },
  };
}

/** Closes the summaries of every record over the whole tree and writes the buckets. */
export function closeAndWrite(dir: string, header: IndexHeader, entries: FileEntry[]): number {
  const table = new RecordTable();
  for (const e of entries) table.add(recordsOfEntry(e));
  const roots: { name: string; fromFile: string }[] = [];
  for (const defs of table.all())
    for (const d of defs) roots.push({ name: d.name, fromFile: d.file });
  const closed = closeSummaries(roots, table.lookup);
  // Who reaches each function in the whole tree: kept only where it says more
  // than the record alone (see reachOf).
  for (const [r, reach] of treeContexts(closed.keys(), table.lookup)) {
    const s = closed.get(r);
    if (s && !isDefaultReach(r, reach)) s.reachedIn = reach;
  }
  return writeClosed(dir, header, slim(closed.values()));
}

/** Closed summaries keep what callers use; `edges` and `sinks` served the closure only. */
function* slim(all: Iterable<CalleeSummary>): Iterable<CalleeSummary> {
  for (const s of all) {
    const { edges: _e, sinks: _s, entered: _n, release, maySleep, startsContexts, ...rest } = s;
    void _e;
    void _s;
    void _n;
    // Empty fields are left out on disk (most functions release nothing) and
    // filled back in on reading (IndexedSummaries).
    yield {
      ...rest,
      ...(release.length ? { release } : {}),
      ...(maySleep ? { maySleep } : {}),
      ...(startsContexts.length ? { startsContexts } : {}),
    } as CalleeSummary;
  }
}

function closedCurrent(dir: string, generation: string): boolean {
  return readHeader(path.join(dir, 'closed', `${FIRST_BUCKET}.jsonl`))?.generation === generation;
}

function closedSize(dir: string): number {
  let n = 0;
  try {
    for (const f of fs.readdirSync(path.join(dir, 'closed')))
      n += fs.statSync(path.join(dir, 'closed', f)).size;
  } catch {
    // none
  }
  return n;
}

/** Records for `files` on worker threads, batches handed out as threads free up. */
async function indexFiles(o: IndexOptions, files: TreeFile[]): Promise<FileEntry[]> {
  if (!files.length || o.signal?.aborted) return [];
  const threads = Math.max(
    1,
    Math.min(o.threads ?? os.availableParallelism?.() ?? 2, files.length),
  );
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  // Largest first keeps the tail short.
  const queue = [...files].sort((a, b) => b.size - a.size);
  const out: FileEntry[] = [];
  let done = 0;
  let bytesDone = 0;
  let next = 0;
  let id = 0;
  const batchOf = (): IndexBatch | undefined => {
    if (next >= queue.length || o.signal?.aborted) return undefined;
    // Small batches for big files, larger for small ones: about 256 KiB each.
    const batch: TreeFile[] = [];
    let size = 0;
    while (next < queue.length && (batch.length === 0 || size < 256 * 1024) && batch.length < 64) {
      size += queue[next].size;
      batch.push(queue[next++]);
    }
    return {
      id: id++,
      files: batch.map((f) => ({ rel: f.rel, size: f.size, mtimeMs: f.mtimeMs })),
    };
  };
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(o.workerScript, {
        workerData: { root: o.root, catalog: o.catalog.catalog, wasmDirs: o.wasmDirs },
      }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              const b = batchOf();
              if (b) w.postMessage(b);
              else resolve();
            };
            w.on('message', (reply: IndexReply) => {
              if (!reply.ok) return reject(new Error(`index worker failed: ${reply.error}`));
              for (const e of reply.entries) {
                out.push(e);
                done++;
                bytesDone += e.s;
              }
              o.onProgress?.({ done, total: files.length, bytesDone, bytesTotal });
              send();
            });
            w.once('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

/** Merges files indexes (shards) into one; shards must share format and catalog. */
export function mergeIndexes(
  inputs: string[],
  catalog: string,
): { header: IndexHeader; entries: FileEntry[]; problems: string[] } {
  const byPath = new Map<string, FileEntry>();
  const problems: string[] = [];
  let header: IndexHeader | undefined;
  for (const file of inputs) {
    const r = readLines<FileEntry>(file);
    problems.push(...r.problems);
    const stale = staleReason(r.header, catalog);
    if (stale) {
      problems.push(`${file}: ${stale}: left out`);
      continue;
    }
    header ??= r.header;
    for (const e of r.values) byPath.set(e.p, e);
  }
  if (!header) throw new Error('no usable index among the inputs');
  const merged: IndexHeader = { ...header, generation: crypto.randomBytes(8).toString('hex') };
  delete merged.shard;
  return { header: merged, entries: [...byPath.values()], problems };
}
