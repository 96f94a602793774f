// Worker thread: extracts facts (parse, mask, CFGs) for the files it takes from
// the queue it shares with the main thread.
// The program-wide analysis stays on the main thread; facts are plain data and
// cross the thread boundary by structured clone.
import { parentPort, workerData } from 'node:worker_threads';
import { extractSource, type SourceFile } from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { Catalog } from '../core/catalog/catalogTypes';
import { drainQueue } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

interface Job {
  sources: SourceFile[];
  /** Source indexes in the order they are taken. */
  order: number[];
  /** Shared with the main thread: the next position of `order` to take. */
  next: Int32Array;
  catalog: Catalog;
  maxFileBytes?: number;
  wasmDirs: string[];
}

const job = workerData as Job;
nodeParser(job.wasmDirs).then(
  (parser) => {
    const options = {
      parser,
      catalog: new CatalogIndex(job.catalog),
      ...(job.maxFileBytes !== undefined ? { maxFileBytes: job.maxFileBytes } : {}),
    };
    const done = drainQueue(job.sources, job.order, job.next, (src) => extractSource(src, options));
    parentPort?.postMessage({ ok: true, done });
  },
  (e: unknown) => parentPort?.postMessage({ ok: false, error: (e as Error).message }),
);
