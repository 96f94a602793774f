// `lifecycle-lens index`: a map over the tree's files (records per file, on
// worker threads, only for files whose content changed) plus a merge (the
// tree-wide closure of the summaries, written in name buckets).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { key64 } from '../crcKeys';
import { setV8Flags } from '../v8Flags';
import {
  closeSummaries,
  isDefaultReach,
  treeContexts,
  RecordTable,
  SUMMARY_FORMAT_VERSION,
  ANALYSIS_VERSION,
  type CalleeSummary,
  type FunctionRecord,
} from '../../core/analysis/calleeSummary';
import type { CatalogIndex } from '../../core/catalog/catalog';
import { nodeParser } from '../wasmFiles';
import { entryOfFile } from './fileRecords';
import { type TreeFile } from './kernelTree';
import { listTreeFilesParallel } from './parallelList';
import type { IndexBatch, IndexReply } from './indexWorker';
import {
  combinedGeneration,
  parseEntry,
  partEntries,
  partOf,
  partPath,
  PARTS,
  rawEntry,
  readFilesIndex,
  readFilesIndexEntries,
  writeFilesIndex,
  type FileStat,
  type RawEntry,
} from './filesIndex';
import {
  contentHash,
  INDEX_FORMAT_VERSION,
  olderIndexDirs,
  filesIn,
  readManifest,
  recordsOfEntry,
  staleReason,
  treeIndexDir,
  type FileEntry,
  type IndexHeader,
} from './indexStore';
import { ClosedState, closedCurrent, closedStateBytes, writeClosed } from './closedState';
import {
  closeIncrementally,
  firstPerName,
  INCREMENTAL_MAX_CONE,
  type FileChange,
  type IncrementalResult,
} from './incrementalClosure';

/** Hash of the catalog: records computed with another catalog are stale. */
export function catalogKey(catalog: CatalogIndex): string {
  return key64(JSON.stringify(catalog.catalog));
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
  /** dist/statWorker.js: the tree is listed on two threads (else on this one). */
  statWorker?: string;
  /** Index only files whose path hash falls in shard i of n, written to `out`. */
  shard?: { i: number; n: number };
  /** Write the files index here instead of the cache (shards). */
  out?: string;
  threads?: number;
  /** Up to this many bytes to summarise, the main thread does it (default 512 KiB). */
  inProcessBytes?: number;
  onProgress?: (p: IndexProgress) => void;
  log?: (message: string) => void;
  /**
   * Stops the build: no new batches go out, the files done so far are written
   * (a valid files index; the next build indexes the rest), the closure is skipped.
   */
  signal?: AbortSignal;
  /**
   * Collect garbage before a whole-tree closure and let V8 grow the heap
   * sparingly during it (lowers the peak by a few hundred MB). It sets
   * process-wide V8 flags, so only processes this program owns (the CLI) ask for
   * it, never the editor's extension host.
   */
  tuneHeapForClosure?: boolean;
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
  /** The closure was updated for the changed files only (what it touched). */
  incremental?: IncrementalResult;
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
  const cat = catalogKey(o.catalog);
  let listed = await listTreeFilesParallel(o.root, o.statWorker);
  if (o.shard) listed = listed.filter((f) => shardOf(f.rel, o.shard!.n) === o.shard!.i);
  const tList = performance.now();
  if (!o.out)
    for (const older of olderIndexDirs(o.cacheDir, o.root)) {
      log(
        `index ${older} is in an older format: rebuilt in format ${INDEX_FORMAT_VERSION}, the old one removed`,
      );
      fs.rmSync(older, { recursive: true, force: true });
    }

  // The files index is PARTS files in the cache (an edit rewrites one), one file for a shard.
  const units = o.out ? 1 : PARTS;
  const unitOf = (rel: string) => (o.out ? 0 : partOf(rel));
  const unitPath = (u: number) => o.out ?? partPath(dir, u);
  // What is there already: the tables only (bodies are inflated for the parts rewritten).
  const old = new Map<string, FileStat>();
  const headers: (IndexHeader | undefined)[] = [];
  /** Units whose table was usable: their old entries are carried over when rewritten. */
  const sound = new Set<number>();
  const dirty = new Set<number>();
  /** Units with no file yet (nothing before). */
  const absent = new Set<number>();
  let problems = 0;
  let stale: string | undefined;
  for (let u = 0; u < units; u++) {
    const r = readFilesIndex(unitPath(u), false);
    const why = r.header ? staleReason(r.header, cat) : undefined;
    if (why) {
      stale ??= why;
      headers.push(undefined);
      dirty.add(u);
      continue;
    }
    headers.push(r.header);
    for (const p of r.problems) log(p);
    problems += r.problems.length;
    if (r.problems.length) {
      dirty.add(u);
      continue;
    }
    if (!r.header) {
      absent.add(u);
      continue;
    }
    sound.add(u);
    for (const e of r.table) old.set(e.p, e);
  }
  if (stale) {
    log(`index ${o.out ?? path.join(dir, 'files')} is stale (${stale}): rebuilding`);
    problems++;
  }

  const todo: TreeFile[] = [];
  /** Files touched but unchanged (same hash): only their mtime is rewritten. */
  const retimed = new Map<string, number>();
  let reused = 0;
  let functions = 0;
  for (const f of listed) {
    const e = old.get(f.rel);
    // What stays in `old` is gone from the tree (a Set of the 60k listed paths cost 30 ms more).
    if (e) old.delete(f.rel);
    if (e && e.s === f.size && e.m === f.mtimeMs) {
      reused++;
      functions += e.n;
      continue;
    }
    if (e && e.s === f.size) {
      // Touched but maybe unchanged: the content hash decides.
      try {
        if (contentHash(fs.readFileSync(path.join(o.root, f.rel))) === e.h) {
          retimed.set(f.rel, f.mtimeMs);
          dirty.add(unitOf(f.rel));
          reused++;
          functions += e.n;
          continue;
        }
      } catch {
        // unreadable now: indexed below, which records why
      }
    }
    todo.push(f);
    dirty.add(unitOf(f.rel));
  }
  const removed = [...old.keys()];
  for (const p of removed) dirty.add(unitOf(p));
  const indexedBytes = todo.reduce((n, f) => n + f.size, 0);
  if (todo.length)
    log(
      `indexing ${todo.length} of ${listed.length} files (${(indexedBytes / 1048576).toFixed(1)} MiB)`,
    );
  const fresh = new Map<number, RawEntry[]>();
  for (const e of await indexFiles(o, todo)) {
    functions += e.n;
    const u = unitOf(e.p);
    const list = fresh.get(u) ?? [];
    list.push(e);
    fresh.set(u, list);
  }
  const tIndex = performance.now();
  const freshCount = [...fresh.values()].reduce((n, l) => n + l.length, 0);

  // Rewrite the dirty units only. A unit whose files were re-summarised to the very
  // same records (a comment, an edit that changes no summary) keeps its generation,
  // so every closed summary stays as it was (early cutoff).
  const generation = crypto.randomBytes(8).toString('hex');
  const startHeaders = [...headers];
  /** Files whose records changed, with their records before and now (for the incremental closure). */
  const changes: FileChange[] = [];
  /** Why `changes` may not say all that changed (a rewritten part was not read soundly). */
  let changesUnknown: string | undefined = stale ? 'the files index was stale' : undefined;
  let changedFunctions = 0;
  // Past the incremental closure's limit the changes are dropped, not kept: a
  // whole-tree build would otherwise hold every record twice during its closure.
  const recordsOf = (e: RawEntry | undefined) => (e ? recordsOfEntry(parseEntry(e)) : []);
  const noteChange = (file: string, before: RawEntry | undefined, after: RawEntry | undefined) => {
    if (changesUnknown) return;
    const c: FileChange = { file, before: recordsOf(before), after: recordsOf(after) };
    changedFunctions += c.before.length + c.after.length;
    if (changedFunctions > INCREMENTAL_MAX_CONE) {
      changesUnknown = `more than ${INCREMENTAL_MAX_CONE} functions changed`;
      changes.length = 0;
    } else changes.push(c);
  };
  for (const u of [...dirty].sort((a, b) => a - b)) {
    const entries = new Map<string, RawEntry>();
    if (!sound.has(u) && !absent.has(u))
      changesUnknown ??= 'some parts of the files index were unreadable';
    if (sound.has(u)) {
      const r = readFilesIndex(unitPath(u), true);
      for (const p of r.problems) log(p);
      problems += r.problems.length;
      if (r.problems.length) changesUnknown ??= 'some parts of the files index were unreadable';
      for (const e of r.entries) entries.set(e.p, e);
    }
    let same = sound.has(u) && entries.size > 0;
    for (const p of removed) {
      if (unitOf(p) !== u) continue;
      const before = entries.get(p);
      if (!before) continue;
      entries.delete(p);
      same = false;
      noteChange(p, before, undefined);
    }
    for (const [p, m] of retimed)
      if (unitOf(p) === u) {
        const e = entries.get(p);
        if (e) entries.set(p, rawEntry({ ...parseEntry(e), m }));
        else same = false;
      }
    for (const e of fresh.get(u) ?? []) {
      const before = entries.get(e.p);
      if (!before || !sameRecords(before, e)) {
        same = false;
        noteChange(e.p, before, e);
      }
      entries.set(e.p, e);
    }
    fresh.delete(u);
    const header: IndexHeader = {
      format: INDEX_FORMAT_VERSION,
      summaryFormat: SUMMARY_FORMAT_VERSION,
      analysis: ANALYSIS_VERSION,
      catalog: cat,
      root: path.resolve(o.root),
      generation: same && headers[u] ? headers[u].generation : generation,
      kind: 'files',
      ...(o.shard ? { shard: `${o.shard.i}/${o.shard.n}` } : {}),
    };
    writeFilesIndex(unitPath(u), header, [...entries.values()]);
    headers[u] = header;
  }
  const tWrite = performance.now();

  // The merge step: closed summaries for the whole tree (not for a shard, nor a
  // cancelled build: the closed buckets stay those of the last complete one).
  const cancelled = freshCount < todo.length;
  let closed = false;
  let incremental: IncrementalResult | undefined;
  if (!o.shard && !o.out && !cancelled) {
    const combined = combinedGeneration(headers);
    if (!closedCurrent(dir, combined, cat)) {
      // Only the changed files' part of the closure, when the stored state is that of the start.
      const why =
        changesUnknown ??
        updateClosure(dir, cat, combinedGeneration(startHeaders), combined, changes);
      if (typeof why !== 'string') incremental = why;
      else {
        changes.length = 0;
        if (readManifest(dir).header) log(`closing the whole tree: ${why}`);
        if (o.tuneHeapForClosure) prepareHeapForClosure();
        const found: string[] = [];
        closeAndWrite(
          dir,
          {
            ...(headers.find((h) => h) ?? fallbackHeader(o.root, cat)),
            generation: combined,
            kind: 'closed',
          },
          recordsOfParts(dir, found),
        );
        for (const p of found) log(`${p} (while closing: re-run index)`);
      }
      closed = true;
    }
  }
  const indexBytes = o.out ? fs.statSync(o.out).size : sizeOf(dir);
  const tEnd = performance.now();
  return {
    files: listed.length,
    indexed: freshCount,
    reused,
    removed: removed.length,
    functions,
    sourceBytes: listed.reduce((n, f) => n + f.size, 0),
    indexedBytes,
    indexBytes,
    problems,
    closed,
    ...(incremental ? { incremental } : {}),
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

/**
 * Readies the heap for the whole-tree closure. A full collection first: the
 * summarise step leaves a few hundred MB of garbage (every file's records as
 * JSON, received from the worker threads), which V8 would otherwise keep
 * beside the closure's own 1.1 GB of live data. Then V8's memory-saving heap
 * growth: with a heap limit of several GB, V8 let the closure's garbage reach
 * 0.3 GB before collecting, and the whole 6.12 tree's peak RSS was 1,706-2,029
 * MiB over four runs (the target is 2 GB); with the flag, 1,568 and 1,615 MiB,
 * for a closure step of 68-75 s instead of 45-54.
 */
function prepareHeapForClosure(): void {
  try {
    setV8Flags('--optimize-for-size', '--no-optimize-for-size');
    setV8Flags('--expose-gc', '--no-expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // Not offered by this runtime: the peak is higher, the result the same.
  }
}

function fallbackHeader(root: string, catalog: string): IndexHeader {
  return {
    format: INDEX_FORMAT_VERSION,
    summaryFormat: SUMMARY_FORMAT_VERSION,
    analysis: ANALYSIS_VERSION,
    catalog,
    root: path.resolve(root),
    generation: '',
    kind: 'files',
  };
}

/** Whether two entries of one file hold the same records (a comment added, say). */
function sameRecords(a: RawEntry, b: RawEntry): boolean {
  if (a.json === b.json) return true;
  return JSON.stringify(parseEntry(a).r) === JSON.stringify(parseEntry(b).r);
}

/** The function records of every part of the cache's files index, part by part. */
function* recordsOfParts(dir: string, problems: string[]): Iterable<FunctionRecord[]> {
  for (const entries of partEntries(dir, problems))
    for (const e of entries) yield recordsOfEntry(parseEntry(e));
}

/** Closes the summaries of every record over the whole tree and writes the buckets. */
export function closeAndWrite(
  dir: string,
  header: IndexHeader,
  records: Iterable<FunctionRecord[]>,
): number {
  return writeClosed(dir, header, closeTree(records).values());
}

/** The summaries of every record closed over the whole tree, with the contexts reaching each. */
export function closeTree(records: Iterable<FunctionRecord[]>): Map<FunctionRecord, CalleeSummary> {
  // One definition per name and file (the first: #ifdef variants), files in the
  // order of the parts: the table's order decides which definition a call reaches.
  const files = [...records].filter((r) => r.length);
  const rank = (r: FunctionRecord[]) => partOf(r[0].file);
  files.sort(
    (a, b) => rank(a) - rank(b) || (a[0].file < b[0].file ? -1 : a[0].file > b[0].file ? 1 : 0),
  );
  const table = new RecordTable();
  for (const r of files) table.add(firstPerName(r));
  files.length = 0;
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
  return closed;
}

/**
 * The incremental closure from the stored state of `before` (the files generation
 * at the start of this run) to `now`: what it did, or why it could not.
 */
function updateClosure(
  dir: string,
  catalog: string,
  before: string,
  now: string,
  changes: FileChange[],
): IncrementalResult | string {
  const state = ClosedState.open(dir, before, catalog);
  if ('why' in state) return state.why;
  const parts = new Map<number, (p: string) => RawEntry | undefined>();
  const recordsOfFile = (file: string): FunctionRecord[] | undefined => {
    const u = partOf(file);
    let entry = parts.get(u);
    if (!entry) {
      entry = readFilesIndexEntries(partPath(dir, u)).entry;
      parts.set(u, entry);
    }
    const e = entry(file);
    return e && recordsOfEntry(parseEntry(e));
  };
  try {
    const r = closeIncrementally(state, now, changes, recordsOfFile);
    return 'why' in r ? r.why : r;
  } catch (e) {
    // Whatever it wrote is of no state the manifest names: the full closure replaces it.
    return `the incremental closure failed (${(e as Error).message})`;
  }
}

/** Bytes of a tree's index: its files parts and its closed state. */
function sizeOf(dir: string): number {
  return filesIn(path.join(dir, 'files')) + closedStateBytes(dir);
}

/** A few edited files: summarised on the main thread. */
const IN_PROCESS_BYTES = 512 * 1024;

/** Records for `files` on worker threads, batches handed out as threads free up. */
async function indexFiles(o: IndexOptions, files: TreeFile[]): Promise<RawEntry[]> {
  if (!files.length || o.signal?.aborted) return [];
  const threads = Math.max(
    1,
    Math.min(o.threads ?? os.availableParallelism?.() ?? 2, files.length),
  );
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  if (bytesTotal <= (o.inProcessBytes ?? IN_PROCESS_BYTES)) {
    // A few edited files: starting worker threads would cost more than the work.
    const parser = await nodeParser(o.wasmDirs);
    const out = files.map((f) => entryOfFile(o.root, f, parser, o.catalog));
    o.onProgress?.({ done: files.length, total: files.length, bytesDone: bytesTotal, bytesTotal });
    return out;
  }
  // Largest first keeps the tail short.
  const queue = [...files].sort((a, b) => b.size - a.size);
  const out: RawEntry[] = [];
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
  const byPath = new Map<string, RawEntry>();
  const problems: string[] = [];
  let header: IndexHeader | undefined;
  for (const file of inputs) {
    const r = readFilesIndex(file, true);
    problems.push(...r.problems);
    const stale = staleReason(r.header, catalog);
    if (stale) {
      problems.push(`${file}: ${stale}: left out`);
      continue;
    }
    header ??= r.header;
    for (const e of r.entries) byPath.set(e.p, e);
  }
  if (!header) throw new Error('no usable index among the inputs');
  const merged: IndexHeader = { ...header, generation: crypto.randomBytes(8).toString('hex') };
  delete merged.shard;
  return { header: merged, entries: [...byPath.values()].map(parseEntry), problems };
}
