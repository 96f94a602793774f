// Worker thread of `lifecycle-lens index`: records for the batches of files the
// main thread hands it (parse, facts, per-file analysis), one reply per batch.
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { CatalogIndex } from '../../core/catalog/catalog';
import type { Catalog } from '../../core/catalog/catalogTypes';
import { nodeParser } from '../wasmFiles';
import { recordFile } from './fileRecords';
import { contentHash, toFileEntry, type FileEntry } from './indexStore';

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
  { id: number; ok: true; entries: FileEntry[] } | { id: number; ok: false; error: string };

const job = workerData as IndexJob;
const catalog = new CatalogIndex(job.catalog);
const ready = nodeParser(job.wasmDirs);

parentPort?.on('message', (batch: IndexBatch) => {
  ready.then(
    (parser) => {
      const entries = batch.files.map((f) => {
        let buf: Buffer;
        try {
          buf = fs.readFileSync(path.join(job.root, f.rel));
        } catch (e) {
          return toFileEntry(
            f.rel,
            '',
            f.size,
            f.mtimeMs,
            [],
            `unreadable: ${(e as Error).message}`,
          );
        }
        const r = recordFile(f.rel, buf.toString('utf8'), parser, catalog);
        return toFileEntry(f.rel, contentHash(buf), f.size, f.mtimeMs, r.records, r.skipped);
      });
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
