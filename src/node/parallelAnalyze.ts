// Whole-program analysis with the per-file half spread over two cores: the main
// thread and a worker thread take files, largest first, from one shared queue (an
// index in shared memory), so the worker's start-up and uneven files leave
// neither waiting long; the program-wide analysis then runs once on the main
// thread. The worker posts each file's facts as soon as it has them and the main
// thread takes them in between its own files: copying facts across threads costs
// about as much as a tenth of extracting them, and this way little of it is left
// for the end. Small inputs, one-core machines and a missing worker bundle stay
// on one thread.
import fs from 'node:fs';
import os from 'node:os';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  analyzeFacts,
  extractSource,
  type AnalyzeOptions,
  type SourceFile,
} from '../core/analysis/analyze';
import { builtinCatalogIndex, type CatalogIndex } from '../core/catalog/catalog';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport, ProgramModel } from '../core/model';
import { leaseExtractionWorker } from './extractWorkerPool';
import { describeThrown } from './thrown';
import type { CParser } from '../core/parse/cParser';
import {
  factsEntry,
  readFacts,
  trimFactsCache,
  writeFacts,
  type FactsCacheKey,
  type FactsCacheUse,
} from './factsCache';

/** Below this much source text a second thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 256 * 1024;

/** One extracted file: its index in the sources, its facts (if any) and report. */
export interface Extracted {
  i: number;
  facts?: FileFacts;
  report: ParseReport;
}

/** What the worker posts on its port: each file, then how many it did (or why it stopped). */
export type WorkerMessage =
  { file: Extracted } | { ok: true; files: number; kept: number } | { ok: false; error: string };

/**
 * Takes files from the shared queue until it is empty: `order` lists source
 * indexes, `next` (shared) the first position nobody has taken.
 */
export function drainQueue(
  sources: SourceFile[],
  order: number[],
  next: Int32Array,
  extract: (src: SourceFile) => { facts?: FileFacts; report: ParseReport },
  onTake?: (i: number) => void,
  onDone?: (file: Extracted) => void,
): Extracted[] {
  const done: Extracted[] = [];
  for (;;) {
    const k = Atomics.add(next, 0, 1);
    if (k >= order.length) return done;
    const i = order[k];
    onTake?.(i);
    const file = { i, ...extract(sources[i]) };
    done.push(file);
    onDone?.(file);
  }
}

/** Options of analyzeSourcesParallel: the analysis's, where the worker is, and the facts cache. */
export type ParallelOptions = Omit<AnalyzeOptions, 'parser'> & {
  /** Or how to make one: called only when some file is not in the facts cache. */
  parser: CParser | (() => Promise<CParser>);
  workerScript: string;
  wasmDirs: string[];
  minParallelBytes?: number;
  /** Facts of unchanged files from earlier runs (src/node/factsCache.ts); `use` is filled in. */
  factsCache?: { key: FactsCacheKey; use?: FactsCacheUse };
};

export async function analyzeSourcesParallel(
  sources: SourceFile[],
  options: ParallelOptions,
): Promise<ProgramModel> {
  const catalog = options.catalog ?? builtinCatalogIndex();
  const cache = options.factsCache;
  const entries = cache ? sources.map((s) => factsEntry(cache.key, s.path, s.text)) : undefined;
  const use = cache?.use ?? { read: 0, written: 0, refused: 0 };
  const all: Extracted[] = [];
  const todo: number[] = [];
  sources.forEach((_, i) => {
    const got = cache && entries ? readFacts(cache.key, entries[i]) : 'none';
    if (typeof got === 'object') {
      all.push({ i, ...got });
      use.read++;
    } else {
      if (got !== 'none') use.refused++;
      todo.push(i);
    }
  });
  if (todo.length) {
    const rest = todo.map((i) => sources[i]);
    const restEntries = entries && todo.map((i) => entries[i]);
    const keeping = cache && restEntries && { key: cache.key, entries: restEntries };
    const parser = typeof options.parser === 'function' ? await options.parser() : options.parser;
    const extracted = await extractParallel(rest, { ...options, parser, catalog }, keeping, use);
    for (const e of extracted) all.push({ ...e, i: todo[e.i] });
    if (cache && use.written) trimFactsCache(cache.key);
  }
  // Back into the caller's order, so reports and models do not depend on the split.
  all.sort((a, b) => a.i - b.i);
  const files = all.map((d) => d.facts).filter((f): f is FileFacts => f !== undefined);
  const ordered = all.map((d) => d.report);
  return analyzeFacts(files, catalog, ordered, undefined, options.summaries);
}

/** Where extracted facts are kept: `entries[i]` is the entry of source i. */
export interface FactsKeeping {
  key: FactsCacheKey;
  entries: string[];
}

/** Keeps one extracted file's facts; true if it wrote an entry. */
export function keepFacts(keeping: FactsKeeping | undefined, file: Extracted): boolean {
  if (!keeping || !file.facts || file.report.skipped) return false;
  const entry = { facts: file.facts, report: file.report };
  return writeFacts(keeping.key, keeping.entries[file.i], entry);
}

/**
 * Facts of every source (`i` indexes `sources`), extracted on this thread and,
 * for enough text on a machine with two cores, a worker; each thread keeps
 * what it extracted.
 */
async function extractParallel(
  sources: SourceFile[],
  options: ParallelOptions & { parser: CParser; catalog: CatalogIndex },
  keeping: FactsKeeping | undefined,
  use: FactsCacheUse,
): Promise<Extracted[]> {
  const { catalog } = options;
  const keep = (file: Extracted) => {
    if (keepFacts(keeping, file)) use.written++;
  };
  const bytes = sources.reduce((n, s) => n + s.text.length, 0);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  if (
    cores < 2 ||
    bytes < (options.minParallelBytes ?? PARALLEL_MIN_BYTES) ||
    !fs.existsSync(options.workerScript)
  ) {
    const files = sources.map((src, i) => {
      options.onProgress?.(i, sources.length, src.path);
      const file = { i, ...extractSource(src, options) };
      keep(file);
      return file;
    });
    options.onProgress?.(sources.length, sources.length, '');
    return files;
  }
  // Largest files first: the last ones taken are small, so both threads finish together.
  const order = sources
    .map((_, i) => i)
    .sort((a, b) => sources[b].text.length - sources[a].text.length);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const { port1: fromWorker, port2: workerPort } = new MessageChannel();
  const lease = leaseExtractionWorker(options.workerScript, options.wasmDirs);
  const { worker } = lease;
  worker.postMessage(
    {
      sources,
      order,
      next,
      port: workerPort,
      catalog: catalog.catalog,
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
      ...(keeping ? { keeping } : {}),
    },
    [workerPort],
  );
  const remote: Extracted[] = [];
  let outcome: WorkerMessage | undefined;
  /** Takes one message; true once the worker has said it is done. */
  const take = (m: WorkerMessage): boolean => {
    if ('file' in m) remote.push(m.file);
    else outcome = m;
    return outcome !== undefined;
  };
  /** Takes what has arrived; true once the worker has said it is done. */
  const takeArrived = (): boolean => {
    for (let m = receiveMessageOnPort(fromWorker); m; m = receiveMessageOnPort(fromWorker))
      if (take(m.message as WorkerMessage)) return true;
    return outcome !== undefined;
  };
  let finished: () => void = () => undefined;
  let failed: (e: unknown) => void = () => undefined;
  let exited: (code: number) => void = () => undefined;
  const workerDone = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = (e) =>
      reject(e instanceof Error ? e : new Error(`analysis worker failed: ${describeThrown(e)}`));
    exited = (code) => {
      // What it posted before exiting is still in the port.
      if (takeArrived()) resolve();
      else reject(new Error(`analysis worker exited (code ${code})`));
    };
  });
  worker.once('error', failed);
  worker.once('exit', exited);
  // Not awaited when this thread's own files throw: ending the worker then rejects it.
  workerDone.catch(() => undefined);
  let taken = 0;
  let local: Extracted[];
  try {
    local = drainQueue(
      sources,
      order,
      next,
      (src) => extractSource(src, options),
      (i) => options.onProgress?.(taken++, sources.length, sources[i].path),
      (file) => {
        keep(file);
        // Facts the worker has posted meanwhile.
        takeArrived();
      },
    );
    if (takeArrived()) finished();
    else fromWorker.on('message', (m: WorkerMessage) => take(m) && finished());
    await workerDone;
  } finally {
    // A worker kept for the next run only when this one ended cleanly.
    worker.off('error', failed);
    worker.off('exit', exited);
    fromWorker.close();
    lease.release(outcome !== undefined && 'ok' in outcome && outcome.ok);
  }
  const reply = outcome as WorkerMessage;
  if ('ok' in reply && !reply.ok) throw new Error(`analysis worker failed: ${reply.error}`);
  if ('ok' in reply && reply.files !== remote.length)
    throw new Error(`analysis worker sent ${remote.length} of ${reply.files} files`);
  if ('ok' in reply && reply.ok) use.written += reply.kept;
  options.onProgress?.(sources.length, sources.length, '');
  return [...local, ...remote];
}
