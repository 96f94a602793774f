// Worker thread: extracts facts (parse, mask, CFGs) for the files it takes from
// the queue it shares with the main thread, and posts each file's as it is done.
// The program-wide analysis stays on the main thread; facts are plain data and
// cross the thread boundary by structured clone.
import { type MessagePort, workerData } from 'node:worker_threads';
import { extractSource, type SourceFile } from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { Catalog } from '../core/catalog/catalogTypes';
import { drainQueue, type WorkerMessage } from './parallelAnalyze';
import { nodeParser } from './wasmFiles';

interface Job {
  sources: SourceFile[];
  /** Source indexes in the order they are taken. */
  order: number[];
  /** Shared with the main thread: the next position of `order` to take. */
  next: Int32Array;
  /** Where facts go, file by file, then a WorkerMessage saying how many. */
  port: MessagePort;
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
    const send = (m: WorkerMessage) => job.port.postMessage(m);
    const done = drainQueue(
      job.sources,
      job.order,
      job.next,
      (src) => extractSource(src, options),
      undefined,
      (file) => send({ file }),
    );
    send({ ok: true, files: done.length });
  },
  (e: unknown) => job.port.postMessage({ ok: false, error: (e as Error).message }),
);
