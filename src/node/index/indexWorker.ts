// Worker thread of `lifecycle-lens index`: records for the batches of files the
// main thread hands it (parse, facts, per-file analysis), one reply per batch.
import { parentPort, workerData } from 'node:worker_threads';
import { CatalogIndex } from '../../core/catalog/catalog';
import type { Catalog } from '../../core/catalog/catalogTypes';
import { nodeParser } from '../wasmFiles';
import { entryOfFile } from './fileRecords';
import type { RawEntry } from './filesIndex';

export interface IndexJob {
  root: string;
  catalog: Catalog;
  wasmDirs: string[];
}
export interface IndexBatch {
  id: number;
  files: { rel: string; size: number; mtimeMs: number }[];
}
export type IndexReply =
  { id: number; ok: true; entries: RawEntry[] } | { id: number; ok: false; error: string };

const job = workerData as IndexJob;
const catalog = new CatalogIndex(job.catalog);
const ready = nodeParser(job.wasmDirs);

parentPort?.on('message', (batch: IndexBatch) => {
  ready.then(
    (parser) => {
      // Serialised here, on the worker's thread: the main thread only stores it.
      const entries = batch.files.map((f) => entryOfFile(job.root, f, parser, catalog));
      parentPort?.postMessage({ id: batch.id, ok: true, entries } satisfies IndexReply);
    },
    (e: unknown) =>
      parentPort?.postMessage({
        id: batch.id,
        ok: false,
        error: (e as Error).message,
      } satisfies IndexReply),
  );
});
