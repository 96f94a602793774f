// Whole-program analysis with the per-file half spread over two cores: the main
// thread and a worker thread take files, largest first, from one shared queue (an
// index in shared memory), so the worker's start-up and uneven files leave
// neither waiting long; the program-wide analysis then runs once on the main
// thread. Small inputs, one-core machines and a missing worker bundle stay on
// one thread.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  analyzeFacts,
  extractSource,
  extractSources,
  type AnalyzeOptions,
  type SourceFile,
} from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { FileFacts } from '../core/facts/factTypes';
import type { ParseReport, ProgramModel } from '../core/model';

/** Below this much source text a second thread costs more than it saves. */
const PARALLEL_MIN_BYTES = 256 * 1024;

/** One extracted file: its index in the sources, its facts (if any) and report. */
export interface Extracted {
  i: number;
  facts?: FileFacts;
  report: ParseReport;
}

type WorkerReply = { ok: true; done: Extracted[] } | { ok: false; error: string };

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
): Extracted[] {
  const done: Extracted[] = [];
  for (;;) {
    const k = Atomics.add(next, 0, 1);
    if (k >= order.length) return done;
    const i = order[k];
    onTake?.(i);
    done.push({ i, ...extract(sources[i]) });
  }
}

export async function analyzeSourcesParallel(
  sources: SourceFile[],
  options: AnalyzeOptions & { workerScript: string; wasmDirs: string[]; minParallelBytes?: number },
): Promise<ProgramModel> {
  const catalog = options.catalog ?? new CatalogIndex();
  const bytes = sources.reduce((n, s) => n + s.text.length, 0);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  if (
    cores < 2 ||
    bytes < (options.minParallelBytes ?? PARALLEL_MIN_BYTES) ||
    !fs.existsSync(options.workerScript)
  ) {
    const { files, reports } = extractSources(sources, { ...options, catalog });
    return analyzeFacts(files, catalog, reports, undefined, options.summaries);
  }
  // Largest files first: the last ones taken are small, so both threads finish together.
  const order = sources
    .map((_, i) => i)
    .sort((a, b) => sources[b].text.length - sources[a].text.length);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(options.workerScript, {
    workerData: {
      sources,
      order,
      next,
      catalog: catalog.catalog,
      wasmDirs: options.wasmDirs,
      ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
    },
  });
  const remote = new Promise<WorkerReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let taken = 0;
  const local = drainQueue(
    sources,
    order,
    next,
    (src) => extractSource(src, { ...options, catalog }),
    (i) => options.onProgress?.(taken++, sources.length, sources[i].path),
  );
  const reply = await remote.finally(() => void worker.terminate());
  if (!reply.ok) throw new Error(`analysis worker failed: ${reply.error}`);
  options.onProgress?.(sources.length, sources.length, '');
  // Back into the caller's order, so reports and models do not depend on the split.
  const all = [...local, ...reply.done].sort((a, b) => a.i - b.i);
  const files = all.map((d) => d.facts).filter((f): f is FileFacts => f !== undefined);
  const ordered = all.map((d) => d.report);
  return analyzeFacts(files, catalog, ordered, undefined, options.summaries);
}
