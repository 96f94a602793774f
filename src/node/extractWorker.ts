// Worker thread: extracts facts for a share of the files (parse, mask, CFGs).
// The program-wide analysis stays on the main thread; facts are plain data and
// cross the thread boundary by structured clone.
import { parentPort, workerData } from 'node:worker_threads';
import { extractSources, type SourceFile } from '../core/analysis/analyze';
import { CatalogIndex } from '../core/catalog/catalog';
import type { Catalog } from '../core/catalog/catalogTypes';
import { nodeParser } from './wasmFiles';

interface Job {
  sources: SourceFile[];
  catalog: Catalog;
  maxFileBytes?: number;
  wasmDirs: string[];
}

const job = workerData as Job;
nodeParser(job.wasmDirs).then(
  (parser) => {
    const out = extractSources(job.sources, {
      parser,
      catalog: new CatalogIndex(job.catalog),
      ...(job.maxFileBytes !== undefined ? { maxFileBytes: job.maxFileBytes } : {}),
    });
    parentPort?.postMessage({ ok: true, ...out });
  },
  (e: unknown) => parentPort?.postMessage({ ok: false, error: (e as Error).message }),
);
